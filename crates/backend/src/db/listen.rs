//! Wake-ups between instances on PostgreSQL: each instance LISTENs on the feed's channel, and every commit that
//! adds to the feed NOTIFYs it with its newest cursor (see [`super::pg::PgClient::commit`]). A till long-polling
//! this instance then wakes as soon as another instance stores an event, without polling the database.
//!
//! The connection is watched: when it drops, it is made again (with backoff), and the newest cursor is read
//! afresh so nothing committed meanwhile is left unannounced. A slow read of the newest cursor every few seconds
//! is the backstop should a notification ever be lost.

use std::time::Duration;

use tokio_postgres::{AsyncMessage, NoTls};

use super::pg::FEED_CHANNEL;

/// The backstop's period: far above the notification's latency, and cheap (one index lookup).
const BACKSTOP: Duration = Duration::from_secs(5);
const FIRST_RETRY: Duration = Duration::from_millis(100);
const LAST_RETRY: Duration = Duration::from_secs(5);

/// Calls `announce` with the feed's newest cursor whenever it moves on any instance, until `announce` returns
/// false (the backend has stopped).
pub fn spawn(url: String, announce: impl Fn(i64) -> bool + Send + Sync + 'static) {
    tokio::spawn(async move {
        let mut retry = FIRST_RETRY;
        loop {
            match listen(&url, &announce, &mut retry).await {
                Stopped::Done => return,
                Stopped::Failed(e) => {
                    tracing::warn!(
                        "the feed's PostgreSQL listener lost its connection ({e}); connecting again in {retry:?}"
                    );
                    tokio::time::sleep(retry).await;
                    retry = (retry * 2).min(LAST_RETRY);
                }
            }
        }
    });
}

enum Stopped {
    Done,
    Failed(String),
}

impl From<tokio_postgres::Error> for Stopped {
    fn from(e: tokio_postgres::Error) -> Self {
        Self::Failed(e.to_string())
    }
}

async fn listen(
    url: &str,
    announce: &(impl Fn(i64) -> bool + Send + Sync),
    retry: &mut Duration,
) -> Stopped {
    match listening(url, announce, retry).await {
        Ok(stopped) | Err(stopped) => stopped,
    }
}

async fn listening(
    url: &str,
    announce: &(impl Fn(i64) -> bool + Send + Sync),
    retry: &mut Duration,
) -> Result<Stopped, Stopped> {
    let (client, mut connection) = tokio_postgres::connect(url, NoTls).await?;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    // The connection yields the notifications; it runs beside the client, which reads the newest cursor.
    let driver = tokio::spawn(async move {
        loop {
            match std::future::poll_fn(|cx| connection.poll_message(cx)).await {
                Some(Ok(AsyncMessage::Notification(n))) => {
                    if let Ok(cursor) = n.payload().parse::<i64>() {
                        let _ = tx.send(cursor);
                    }
                }
                Some(Ok(_)) => {}
                Some(Err(e)) => return Err(e),
                None => return Ok(()),
            }
        }
    });
    client
        .batch_execute(&format!("LISTEN {FEED_CHANNEL}"))
        .await?;
    *retry = FIRST_RETRY;
    let newest = "SELECT COALESCE(MAX(cursor), 0) FROM events";
    let mut backstop = tokio::time::interval(BACKSTOP);
    backstop.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        // The first tick is at once: whatever was committed before LISTEN took effect.
        let cursor = tokio::select! {
            cursor = rx.recv() => match cursor {
                Some(cursor) => cursor,
                None => break,
            },
            _ = backstop.tick() => client.query_one(newest, &[]).await?.get(0),
        };
        if !announce(cursor) {
            driver.abort();
            return Ok(Stopped::Done);
        }
    }
    match driver.await {
        Ok(Err(e)) => Err(e.into()),
        _ => Err(Stopped::Failed("PostgreSQL closed the connection".into())),
    }
}
