//! The HTTP servers' accept loop, for plain http and for TLS alike: at most [`Limits::max_connections`]
//! connections at once, each closed when it stalls over its headers or sits idle (see [`conn_watch`]), every
//! request body under a deadline, and a graceful shutdown that lets requests in flight finish.
//!
//! axum's `serve` has no connection cap and no timeouts, and hyper's header timeout cannot tell a stalled request
//! from a kept-alive connection (see [`conn_watch`]); the connections themselves are hyper's.
//!
//! [`conn_watch`]: crate::conn_watch

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::response::Response;
use axum::Router;
use http_body::{Frame, SizeHint};
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinSet;
use tokio::time::Instant;
use tower::ServiceExt as _;

use crate::body_deadline::Deadline;
use crate::conn_watch::{Activity, Expired, InFlight, Watched};
use crate::limits::Limits;

/// On shutdown, long enough for a feed long-poll (at most `feed::MAX_WAIT_SECS`) to answer.
const DRAIN: Duration = Duration::from_secs(crate::feed::MAX_WAIT_SECS + 5);
/// An idle HTTP/2 connection is told to go (GOAWAY) and given this long to do so before it is closed.
const GOODBYE: Duration = Duration::from_secs(1);
/// How often the same trouble (the cap reached, accept failing) is logged at most.
const LOG_EVERY: Duration = Duration::from_secs(60);

/// Serves `app` on `listener` (over TLS with `tls`) until `stop` resolves, then lets requests in flight finish
/// for up to [`DRAIN`].
pub async fn serve(
    listener: TcpListener,
    app: Router,
    tls: Option<tokio_rustls::TlsAcceptor>,
    limits: Limits,
    stop: impl Future<Output = ()> + Send + 'static,
) {
    let addr = listener
        .local_addr()
        .map_or_else(|_| "its port".to_owned(), |a| a.to_string());
    let permits = Arc::new(Semaphore::new(limits.max_connections));
    let (drain, draining) = watch::channel(false);
    let mut connections = JoinSet::new();
    let mut cap_reached = Every::new(LOG_EVERY);
    let mut accept_failing = Every::new(LOG_EVERY);
    let limits = Arc::new(limits);
    tokio::pin!(stop);
    loop {
        // A permit first: past the cap, connections wait in the kernel's accept queue, holding no descriptor here.
        let permit = match permits.clone().try_acquire_owned() {
            Ok(permit) => permit,
            Err(_) => {
                if let Some(again) = cap_reached.due() {
                    tracing::warn!(
                        "{} connections open on {addr}, the most served at once; new ones wait until one \
                         closes{again}",
                        limits.max_connections
                    );
                }
                tokio::select! {
                    permit = permits.clone().acquire_owned() => match permit {
                        Ok(permit) => permit,
                        Err(_) => break,
                    },
                    Some(_) = connections.join_next() => continue,
                    () = &mut stop => break,
                }
            }
        };
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    if !is_connection_error(&e) {
                        if let Some(again) = accept_failing.due() {
                            tracing::error!("cannot accept connections on {addr}: {e}{again}");
                        }
                        // EMFILE and the like: nothing to do but let connections close.
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                    continue;
                }
            },
            Some(_) = connections.join_next() => continue,
            () = &mut stop => break,
        };
        connections.spawn(connection(
            stream,
            app.clone(),
            tls.clone(),
            limits.clone(),
            draining.clone(),
            permit,
        ));
    }
    drop(listener);
    let _ = drain.send(true);
    let drained = tokio::time::timeout(DRAIN, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        tracing::warn!(
            "{} connections still busy {DRAIN:?} after shutdown began; closing them",
            connections.len()
        );
        connections.shutdown().await;
    }
}

/// Errors that concern one connection, which was gone before it could be accepted.
fn is_connection_error(e: &std::io::Error) -> bool {
    use std::io::ErrorKind::*;
    matches!(
        e.kind(),
        ConnectionRefused | ConnectionAborted | ConnectionReset
    )
}

async fn connection(
    stream: TcpStream,
    app: Router,
    tls: Option<tokio_rustls::TlsAcceptor>,
    limits: Arc<Limits>,
    mut draining: watch::Receiver<bool>,
    _permit: OwnedSemaphorePermit,
) {
    let Some(tls) = tls else {
        return http(stream, false, app, &limits, draining).await;
    };
    let handshake = tokio::time::timeout(limits.handshake_timeout, tls.accept(stream));
    let stream = tokio::select! {
        done = handshake => match done {
            Ok(Ok(stream)) => stream,
            Ok(Err(e)) => {
                tracing::debug!("TLS handshake failed: {e}");
                return;
            }
            Err(_) => {
                tracing::debug!("TLS handshake took longer than {:?}", limits.handshake_timeout);
                return;
            }
        },
        () = drained(&mut draining) => return,
    };
    let h2 = stream.get_ref().1.alpn_protocol() == Some(b"h2");
    http(stream, h2, app, &limits, draining).await
}

async fn drained(draining: &mut watch::Receiver<bool>) {
    let _ = draining.wait_for(|d| *d).await;
}

/// Serves one connection, HTTP/2 if the TLS handshake chose it, HTTP/1.1 otherwise.
async fn http<IO>(
    io: IO,
    h2: bool,
    app: Router,
    limits: &Limits,
    mut draining: watch::Receiver<bool>,
) where
    IO: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let activity = Activity::new(!h2, limits.header_timeout, limits.idle_timeout);
    let service = PerConnection {
        app,
        activity: activity.clone(),
        body_timeout: limits.body_timeout,
    };
    let mut builder = auto::Builder::new(TokioExecutor::new());
    // The header timeout is the connection's watch's; hyper's would also cut kept-alive connections at it.
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(None);
    // Pings find a peer that vanished without closing, whose streams would otherwise never end.
    builder
        .http2()
        .timer(TokioTimer::new())
        .keep_alive_interval(Some(Duration::from_secs(20)))
        .keep_alive_timeout(Duration::from_secs(20))
        .max_header_list_size(64 * 1024);
    let builder = if h2 {
        builder.http2_only()
    } else {
        builder.http1_only()
    };
    let conn = builder.serve_connection(
        TokioIo::new(Watched::new(io, activity.clone())),
        hyper_util::service::TowerToHyperService::new(service),
    );
    tokio::pin!(conn);
    let mut closing = false;
    let mut cut_off: Option<Instant> = None;
    loop {
        tokio::select! {
            served = conn.as_mut() => {
                if let Err(e) = served {
                    tracing::debug!("connection ended: {e}");
                }
                return;
            }
            () = drained(&mut draining), if !closing => {
                closing = true;
                conn.as_mut().graceful_shutdown();
            }
            why = activity.expired(), if cut_off.is_none() => match why {
                Expired::Header => {
                    tracing::debug!(
                        "closing a connection that sent no complete request headers within {:?}",
                        limits.header_timeout
                    );
                    return;
                }
                Expired::Idle => {
                    if !closing {
                        closing = true;
                        conn.as_mut().graceful_shutdown();
                    }
                    cut_off = Some(Instant::now() + GOODBYE);
                }
            },
            () = tokio::time::sleep_until(cut_off.unwrap_or_else(Instant::now)), if cut_off.is_some() => return,
        }
    }
}

/// The router, as one connection sees it: each request is counted in flight until its response is sent, and its
/// body is under the body deadline.
#[derive(Clone)]
struct PerConnection {
    app: Router,
    activity: Arc<Activity>,
    body_timeout: Duration,
}

impl tower::Service<Request<Incoming>> for PerConnection {
    type Response = axum::http::Response<Counted>;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: Request<Incoming>) -> Self::Future {
        let in_flight = self.activity.begin();
        let timeout = self.body_timeout;
        let req = req.map(|body| Body::new(Deadline::new(body, timeout)));
        let app = self.app.clone();
        Box::pin(async move {
            let response: Response = app.oneshot(req).await?;
            Ok(response.map(|body| Counted {
                body,
                _in_flight: in_flight,
            }))
        })
    }
}

/// A response body that keeps its request in flight until it is sent (or dropped).
struct Counted {
    body: Body,
    _in_flight: InFlight,
}

impl http_body::Body for Counted {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        Pin::new(&mut self.get_mut().body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

/// Lets the same message through once per period, and says how many were held back meanwhile.
struct Every {
    period: Duration,
    last: Option<Instant>,
    held_back: u64,
}

impl Every {
    fn new(period: Duration) -> Self {
        Self {
            period,
            last: None,
            held_back: 0,
        }
    }

    /// `Some` (with a note on what was held back) when the message is due.
    fn due(&mut self) -> Option<String> {
        let now = Instant::now();
        if self.last.is_some_and(|last| now < last + self.period) {
            self.held_back += 1;
            return None;
        }
        self.last = Some(now);
        let note = match std::mem::take(&mut self.held_back) {
            0 => String::new(),
            n => format!(" ({n} more times since the last report)"),
        };
        Some(note)
    }
}
