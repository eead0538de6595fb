//! A request body that must arrive whole within a deadline. tower-http's `RequestBodyTimeout` restarts its clock
//! at every frame, and a client trickling one byte a second sends a frame a second: it would hold the connection
//! for as long as a 1 MiB body takes at that pace.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::Bytes;
use axum::BoxError;
use http_body::{Body, Frame, SizeHint};
use tokio::time::Sleep;

pub struct Deadline<B> {
    body: B,
    timeout: Duration,
    /// Started the first time the body is not there yet: a body that came with its headers costs no timer.
    sleep: Option<Pin<Box<Sleep>>>,
}

impl<B> Deadline<B> {
    pub fn new(body: B, timeout: Duration) -> Self {
        Self {
            body,
            timeout,
            sleep: None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[error("the request body did not arrive within {0:?}")]
pub struct TooSlow(Duration);

impl<B> Body for Deadline<B>
where
    B: Body<Data = Bytes> + Unpin,
    B::Error: Into<BoxError>,
{
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let this = self.get_mut();
        if let Poll::Ready(frame) = Pin::new(&mut this.body).poll_frame(cx) {
            return Poll::Ready(frame.map(|f| f.map_err(Into::into)));
        }
        let timeout = this.timeout;
        let sleep = this
            .sleep
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(timeout)));
        match sleep.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Some(Err(TooSlow(timeout).into()))),
            Poll::Pending => Poll::Pending,
        }
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::time::Instant;

    /// One byte a second, for ever.
    struct Trickle(Pin<Box<Sleep>>);

    impl Body for Trickle {
        type Data = Bytes;
        type Error = std::convert::Infallible;

        fn poll_frame(
            self: Pin<&mut Self>,
            cx: &mut Context<'_>,
        ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
            let this = self.get_mut();
            std::task::ready!(this.0.as_mut().poll(cx));
            this.0
                .as_mut()
                .reset(Instant::now() + Duration::from_secs(1));
            Poll::Ready(Some(Ok(Frame::data(Bytes::from_static(b"x")))))
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_trickling_body_fails_at_the_deadline_however_often_it_sends() {
        let trickle = Trickle(Box::pin(tokio::time::sleep(Duration::from_secs(1))));
        let body = axum::body::Body::new(Deadline::new(trickle, Duration::from_secs(5)));
        let start = Instant::now();
        let e = axum::body::to_bytes(body, usize::MAX).await.unwrap_err();
        assert!(e.to_string().contains("did not arrive within 5s"), "{e}");
        assert_eq!(start.elapsed().as_secs(), 5);
    }
}
