//! When a connection has had long enough: it has not delivered a request's headers within the header timeout, or
//! it has had no request in flight for the idle timeout.
//!
//! hyper's own `header_read_timeout` runs whenever an HTTP/1 connection waits for a request, so it cannot tell a
//! client dribbling its headers from a kept-alive connection between requests, and HTTP/2 has nothing like it.
//! So each connection counts its requests in flight (from the moment the router gets one until its response's
//! body is sent or dropped), and notes when the first bytes of the next HTTP/1 request arrive.

use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::Notify;
use tokio::time::Instant;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expired {
    /// A request's headers took longer than the header timeout (or a new connection sent none in that time).
    Header,
    /// No request in flight for the idle timeout.
    Idle,
}

pub struct Activity {
    state: Mutex<State>,
    /// Wakes the watch when a deadline may have moved earlier.
    changed: Notify,
    header_timeout: Duration,
    idle_timeout: Duration,
    /// HTTP/1: bytes that arrive with no request in flight begin a request. (HTTP/2 also sends pings, settings and
    /// window updates between requests.)
    http1: bool,
}

struct State {
    in_flight: usize,
    idle_since: Instant,
    /// When the request being read began, if one is.
    request_since: Option<Instant>,
}

impl Activity {
    pub fn new(http1: bool, header_timeout: Duration, idle_timeout: Duration) -> Arc<Self> {
        let now = Instant::now();
        Arc::new(Self {
            state: Mutex::new(State {
                in_flight: 0,
                idle_since: now,
                // A new connection owes its first request's headers within the header timeout: one that was opened
                // and says nothing is the cheapest way to hold a descriptor.
                request_since: Some(now),
            }),
            changed: Notify::new(),
            header_timeout,
            idle_timeout,
            http1,
        })
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn bytes_read(&self) {
        if !self.http1 {
            return;
        }
        let mut state = self.state();
        if state.in_flight == 0 && state.request_since.is_none() {
            state.request_since = Some(Instant::now());
            drop(state);
            self.changed.notify_one();
        }
    }

    /// A request reached the router; it is in flight until the returned guard (moved into its response's body)
    /// is dropped.
    pub fn begin(self: &Arc<Self>) -> InFlight {
        let mut state = self.state();
        state.in_flight += 1;
        state.request_since = None;
        InFlight(self.clone())
    }

    fn deadline(&self) -> Option<(Instant, Expired)> {
        let state = self.state();
        if state.in_flight > 0 {
            return None;
        }
        Some(match state.request_since {
            Some(since) => (since + self.header_timeout, Expired::Header),
            None => (state.idle_since + self.idle_timeout, Expired::Idle),
        })
    }

    /// Resolves once the connection has had long enough (see [`Expired`]).
    pub async fn expired(&self) -> Expired {
        loop {
            let changed = self.changed.notified();
            match self.deadline() {
                Some((at, why)) if at <= Instant::now() => return why,
                Some((at, _)) => {
                    tokio::select! {
                        _ = tokio::time::sleep_until(at) => {}
                        _ = changed => {}
                    }
                }
                None => changed.await,
            }
        }
    }
}

pub struct InFlight(Arc<Activity>);

impl Drop for InFlight {
    fn drop(&mut self) {
        let mut state = self.0.state();
        state.in_flight = state.in_flight.saturating_sub(1);
        if state.in_flight == 0 {
            state.idle_since = Instant::now();
            drop(state);
            self.0.changed.notify_one();
        }
    }
}

/// A connection's stream, telling its [`Activity`] when bytes arrive.
pub struct Watched<IO> {
    io: IO,
    activity: Arc<Activity>,
}

impl<IO> Watched<IO> {
    pub fn new(io: IO, activity: Arc<Activity>) -> Self {
        Self { io, activity }
    }
}

impl<IO: AsyncRead + Unpin> AsyncRead for Watched<IO> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let read = Pin::new(&mut this.io).poll_read(cx, buf);
        if matches!(read, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            this.activity.bytes_read();
        }
        read
    }
}

impl<IO: AsyncWrite + Unpin> AsyncWrite for Watched<IO> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: Duration = Duration::from_secs(10);
    const IDLE: Duration = Duration::from_secs(60);

    /// The paused clock jumps to each timer, to the millisecond it rounds to.
    fn took(since: Instant, expected: Duration) {
        let took = since.elapsed();
        assert!(
            took >= expected && took <= expected + Duration::from_millis(5),
            "{took:?}, not {expected:?}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_new_connection_owes_its_headers_and_then_may_idle_between_requests() {
        let activity = Activity::new(true, HEADER, IDLE);
        let start = Instant::now();
        assert_eq!(activity.expired().await, Expired::Header);
        took(start, HEADER);

        let activity = Activity::new(true, HEADER, IDLE);
        drop(activity.begin());
        let idle = Instant::now();
        assert_eq!(activity.expired().await, Expired::Idle);
        took(idle, IDLE);
    }

    #[tokio::test(start_paused = true)]
    async fn a_request_in_flight_is_never_idle_and_the_next_requests_bytes_start_the_header_clock()
    {
        let activity = Activity::new(true, HEADER, IDLE);
        let in_flight = activity.begin();
        let watch = tokio::spawn({
            let activity = activity.clone();
            async move { activity.expired().await }
        });
        tokio::time::sleep(IDLE * 5).await;
        assert!(!watch.is_finished());
        drop(in_flight);
        tokio::time::sleep(IDLE / 2).await;
        let first_byte = Instant::now();
        activity.bytes_read();
        assert_eq!(watch.await.unwrap(), Expired::Header);
        took(first_byte, HEADER);
    }

    #[tokio::test(start_paused = true)]
    async fn http2_frames_between_requests_do_not_start_the_header_clock() {
        let activity = Activity::new(false, HEADER, IDLE);
        drop(activity.begin());
        let idle = Instant::now();
        activity.bytes_read();
        assert_eq!(activity.expired().await, Expired::Idle);
        took(idle, IDLE);
    }
}
