//! The single writer of events: it takes verified webhooks and re-fetched intents, and commits them in groups,
//! so that a burst costs one fsync rather than one per event, and each webhook is acknowledged only after the
//! group holding it is on disk.
//!
//! Two threads make a pipeline: the writer fills a transaction and commits it, and the syncer fsyncs the log and
//! only then answers the group's webhooks and moves the feed. While the syncer waits for the disk, the writer
//! already applies the next events in a transaction it keeps open, and commits it the moment the syncer is free:
//! one commit per fsync, so each fsync carries as few log pages as its events need (every commit rewrites the
//! pages it touches: table and index leaves, their parents, the header).

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::db::{Connection, WriterConn, WriterGuard};
use kassa_stripe::PaymentIntentStatus;
use serde_json::{json, Value};
use tokio::sync::{mpsc, oneshot, watch};

use super::health::IntakeHealth;
use super::log::{is_passing, Log};
use crate::db::events::{self, NewEvent};
use crate::db::orders::{self, Applied, Snapshot};

/// Groups are capped so one slow batch never holds many acknowledgements hostage.
const MAX_GROUP: usize = 512;

/// How long an fsync refused for a passing reason (no descriptor free) is retried before the group's webhooks are
/// answered 503. Stripe retries them, and the next fsync that succeeds covers their commits as well.
const RETRY_SYNC_FOR: Duration = Duration::from_secs(1);
const FIRST_BACKOFF: Duration = Duration::from_millis(10);
/// Also how often a failing log is tried while no event comes, so that /readyz recovers without traffic.
const MAX_BACKOFF: Duration = Duration::from_millis(500);

#[derive(Debug)]
pub struct VerifiedEvent {
    pub id: String,
    pub kind: String,
    pub created: i64,
    pub payment_intent_id: Option<String>,
    /// `data.object.metadata.order_id`: the order an intent was created for, when it says so.
    pub order_id_hint: Option<String>,
    pub payload: String,
}

impl VerifiedEvent {
    /// `data.object`, parsed from the verified payload when it is needed.
    pub fn object(&self) -> Value {
        serde_json::from_str::<Value>(&self.payload)
            .ok()
            .and_then(|mut v| v.pointer_mut("/data/object").map(Value::take))
            .unwrap_or(Value::Null)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stored {
    New { cursor: i64 },
    Duplicate,
}

/// Why an intent is to be fetched from Stripe after an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recheck {
    /// The event disagreed with what we hold and cannot be trusted to be newer.
    Stale,
    /// The event made the status final: Stripe is asked to confirm it, so a forged or mistaken event cannot stand.
    Verify,
}

/// What the reconciler learned about an intent by fetching it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Observed {
    Changed { cursor: i64 },
    Unchanged,
    Unknown,
}

enum Job {
    Event(VerifiedEvent, oneshot::Sender<Result<Stored, String>>),
    /// A fetched intent, whether it corrects a stale event (then it enters the feed even if nothing moved), and
    /// the feed's committed cursor when the fetch began.
    Fetched(Value, bool, i64, oneshot::Sender<Result<Observed, String>>),
    /// From the syncer: this many committed groups are done with (on disk, or refused).
    Synced(usize),
}

#[derive(Clone)]
pub struct Writer {
    tx: mpsc::UnboundedSender<Job>,
    health: Arc<IntakeHealth>,
    committed: Arc<AtomicI64>,
    feed: Arc<watch::Sender<i64>>,
}

pub struct Wiring {
    pub writer: Writer,
    pub feed: watch::Receiver<i64>,
    /// Intents to be re-fetched from Stripe, and why.
    pub refetch: mpsc::UnboundedReceiver<(String, Recheck)>,
}

impl Writer {
    /// `log` must be the write-ahead log of `conn`'s database; everything in it is durable when this is called.
    pub fn start(
        conn: WriterConn,
        log: impl Log,
        clock: Arc<dyn kassa_stripe::clock::Clock>,
    ) -> Result<Wiring, rusqlite::Error> {
        let latest = conn.with(events::latest_cursor)?;
        let (feed_tx, feed) = watch::channel(latest);
        let feed_tx = Arc::new(feed_tx);
        let committed_cursor = Arc::new(AtomicI64::new(latest));
        let (tx, rx) = mpsc::unbounded_channel();
        let (refetch_tx, refetch) = mpsc::unbounded_channel();
        let (committed_tx, committed) = std::sync::mpsc::channel();
        // Weak: the writer stops once every Writer is dropped, whatever the syncer still holds.
        let synced = tx.downgrade();
        let health = Arc::new(IntakeHealth::default());
        let syncer = Syncer {
            log: Box::new(log),
            feed: feed_tx.clone(),
            refetch: refetch_tx,
            writer: synced,
            health: health.clone(),
            clock: clock.clone(),
        };
        let writer_health = health.clone();
        let mark = committed_cursor.clone();
        std::thread::Builder::new()
            .name("kassa-intake-writer".into())
            .spawn(move || write(rx, conn, clock, committed_tx, &writer_health, &mark))
            .expect("the OS can start a thread");
        std::thread::Builder::new()
            .name("kassa-intake-sync".into())
            .spawn(move || syncer.run(committed))
            .expect("the OS can start a thread");
        Ok(Wiring {
            writer: Writer {
                tx,
                health,
                committed: committed_cursor,
                feed: feed_tx,
            },
            feed,
            refetch,
        })
    }

    /// What the writer and the syncer last managed.
    pub fn health(&self) -> &IntakeHealth {
        &self.health
    }

    pub async fn store_event(&self, event: VerifiedEvent) -> Result<Stored, String> {
        let (reply, rx) = oneshot::channel();
        self.tx
            .send(Job::Event(event, reply))
            .map_err(|_| "the event writer has stopped".to_owned())?;
        rx.await
            .map_err(|_| "the event writer has stopped".to_owned())?
    }

    /// The latest committed cursor: taken before a fetch from Stripe begins, so that what the fetch returns is
    /// known to be newer than every event stored up to it (see [`orders::Snapshot::Fetched`]).
    pub fn mark(&self) -> i64 {
        self.committed.load(Ordering::Acquire)
    }

    /// Tells the feed's long-polls of an event stored outside the intake (a change to the catalogue, through
    /// [`crate::db::Db::write`]). Call it only once the event is on disk: the feed serves up to `cursor`, and that
    /// write's fsync covered every commit before it, the intake's included.
    pub fn announce(&self, cursor: i64) {
        self.committed.fetch_max(cursor, Ordering::Release);
        send_max(&self.feed, cursor);
    }

    /// Announces cursors committed elsewhere (another instance, on PostgreSQL) without keeping the writer alive:
    /// false once the backend has stopped.
    pub fn announcer(&self) -> impl Fn(i64) -> bool + Send + Sync + 'static {
        let (committed, feed) = (Arc::downgrade(&self.committed), Arc::downgrade(&self.feed));
        move |cursor| match (committed.upgrade(), feed.upgrade()) {
            (Some(committed), Some(feed)) => {
                committed.fetch_max(cursor, Ordering::Release);
                send_max(&feed, cursor);
                true
            }
            _ => false,
        }
    }

    /// A re-fetched intent: its state is recorded, and a change enters the feed (for events missed meanwhile).
    pub async fn observe(&self, intent: Value, after: i64) -> Result<Observed, String> {
        self.fetched(intent, false, after).await
    }

    /// A re-fetch that follows a stale event: the feed already carries that event and tills may have applied it
    /// (a same-second snapshot looks as new to them as the one before it), so the fetched state enters the feed
    /// after it even when our own record did not move.
    pub async fn correct(&self, intent: Value, after: i64) -> Result<Observed, String> {
        self.fetched(intent, true, after).await
    }

    async fn fetched(
        &self,
        intent: Value,
        correction: bool,
        after: i64,
    ) -> Result<Observed, String> {
        let (reply, rx) = oneshot::channel();
        self.tx
            .send(Job::Fetched(intent, correction, after, reply))
            .map_err(|_| "the event writer has stopped".to_owned())?;
        rx.await
            .map_err(|_| "the event writer has stopped".to_owned())?
    }
}

type Reply = oneshot::Sender<Result<Stored, String>>;
type FetchReply = oneshot::Sender<Result<Observed, String>>;

/// The jobs of one transaction: their answers, held until it is on disk.
#[derive(Default)]
struct Group {
    answers: Vec<Answer>,
    /// Intents to fetch from Stripe once the group is durable.
    stale: Vec<(String, Recheck)>,
}

impl Group {
    /// The answers with their events' final cursors (PostgreSQL gives them at commit).
    fn renumbered(mut self, r: &crate::db::pg::Renumbered) -> Self {
        for answer in &mut self.answers {
            match answer {
                Answer::Event(_, Stored::New { cursor })
                | Answer::Fetched(_, Observed::Changed { cursor }) => *cursor = r.cursor(*cursor),
                _ => {}
            }
        }
        self
    }
}

/// The jobs applied in the open transaction, kept until it commits: on PostgreSQL two instances' transactions
/// can deadlock (each holds an order the other wants), and PostgreSQL then fails one; its jobs are applied again
/// in a fresh transaction rather than refused.
#[derive(Default)]
struct Open {
    applied: Vec<(Job, Outcome)>,
    stale: Vec<(String, Recheck)>,
}

impl Open {
    fn len(&self) -> usize {
        self.applied.len()
    }

    fn into_group(self) -> Group {
        Group {
            answers: self
                .applied
                .into_iter()
                .map(|(job, outcome)| answer(job, outcome))
                .collect(),
            stale: self.stale,
        }
    }

    fn into_jobs(self) -> Vec<Job> {
        self.applied.into_iter().map(|(job, _)| job).collect()
    }
}

/// How often a transaction PostgreSQL failed to break a deadlock is tried again before its jobs are refused.
const DEADLOCK_TRIES: usize = 3;

/// A deadlock or a lock wait cut short: the transaction was rolled back, and doing it again can succeed.
fn is_retryable(e: &rusqlite::Error) -> bool {
    matches!(e, rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::DatabaseBusy)
}

/// Begins a transaction and applies `jobs` in it, trying again from the start while a deadlock breaks it.
fn replay(
    conn: &Connection,
    mut jobs: Vec<Job>,
    now: i64,
) -> Result<Open, (Vec<Job>, rusqlite::Error)> {
    let mut tries = 0;
    loop {
        tries += 1;
        if let Err(e) = conn.begin() {
            return Err((jobs, e));
        }
        let mut stale = Vec::new();
        let outcomes: rusqlite::Result<Vec<Outcome>> = jobs
            .iter()
            .map(|job| apply(conn, job, now, &mut stale))
            .collect();
        match outcomes {
            Ok(outcomes) => {
                return Ok(Open {
                    applied: jobs.drain(..).zip(outcomes).collect(),
                    stale,
                })
            }
            Err(e) => {
                let _ = conn.rollback();
                if !(is_retryable(&e) && tries < DEADLOCK_TRIES) {
                    return Err((jobs, e));
                }
                tracing::info!("a deadlock with another instance broke a group of {} events; applying it again", jobs.len());
            }
        }
    }
}

/// A group that is committed but not yet known to be on disk.
struct Committed {
    group: Group,
    /// The feed's cursor once this group is durable.
    latest: i64,
}

enum Answer {
    Event(Reply, Stored),
    Fetched(FetchReply, Observed),
}

/// Marks the writer stopped however its thread ends, a panic included.
struct Stops<'a> {
    health: &'a IntakeHealth,
    clock: &'a dyn kassa_stripe::clock::Clock,
}

impl Drop for Stops<'_> {
    fn drop(&mut self) {
        self.health
            .writer_stopped("the event writer has stopped".into(), self.clock.now());
    }
}

fn write(
    mut rx: mpsc::UnboundedReceiver<Job>,
    conn: WriterConn,
    clock: Arc<dyn kassa_stripe::clock::Clock>,
    committed: std::sync::mpsc::Sender<Committed>,
    health: &IntakeHealth,
    mark: &AtomicI64,
) {
    let _stops = Stops {
        health,
        clock: &*clock,
    };
    // Groups committed and handed to the syncer, not yet synced.
    let mut in_flight = 0usize;
    // The connection stays locked while a transaction is open (other writers wait for at most one fsync).
    let mut held: Option<WriterGuard<'_>> = None;
    // The transaction being filled while the syncer is busy.
    let mut open: Option<Open> = None;
    while let Some(first) = rx.blocking_recv() {
        let mut jobs = vec![first];
        while jobs.len() < MAX_GROUP {
            match rx.try_recv() {
                Ok(job) => jobs.push(job),
                Err(_) => break,
            }
        }
        let now = clock.now();
        for job in jobs {
            if let Job::Synced(n) = job {
                in_flight = in_flight.saturating_sub(n);
                continue;
            }
            let guard = held.get_or_insert_with(|| conn.lock());
            let conn = &guard.conn();
            let group = match open.as_mut() {
                Some(group) => group,
                None => match conn.begin() {
                    Ok(()) => open.insert(Open::default()),
                    Err(e) => {
                        tracing::error!("could not start a transaction: {e}");
                        health.writer_failed(format!("could not start a transaction: {e}"), now);
                        held = None;
                        fail_job(job, &format!("storage failed: {e}"));
                        continue;
                    }
                },
            };
            let e = match apply(conn, &job, now, &mut group.stale) {
                Ok(result) => {
                    group.applied.push((job, result));
                    continue;
                }
                Err(e) => e,
            };
            let _ = conn.rollback();
            let mut jobs = open.take().map(Open::into_jobs).unwrap_or_default();
            jobs.push(job);
            let failed = if is_retryable(&e) {
                match replay(conn, jobs, now) {
                    Ok(replayed) => {
                        open = Some(replayed);
                        continue;
                    }
                    Err(failed) => failed,
                }
            } else {
                (jobs, e)
            };
            // The whole transaction goes: its events were not stored, and Stripe retries them.
            let (jobs, e) = failed;
            tracing::error!("could not store an event: {e}");
            health.writer_failed(format!("could not store an event: {e}"), now);
            held = None;
            let error = format!("storage failed: {e}");
            for job in jobs {
                fail_job(job, &error);
            }
        }
        let due = open
            .as_ref()
            .is_some_and(|g| in_flight == 0 || g.len() >= MAX_GROUP);
        if !due {
            continue;
        }
        let (Some(mut guard), Some(mut group)) = (held.take(), open.take()) else {
            continue;
        };
        let conn = guard.conn();
        let mut tries = 1;
        let outcome = loop {
            let result = conn
                .commit()
                .and_then(|renumbered| Ok((renumbered, events::latest_cursor(&conn)?)));
            match result {
                Err(e) if is_retryable(&e) && tries < DEADLOCK_TRIES => {
                    tries += 1;
                    let _ = conn.rollback();
                    match replay(&conn, group.into_jobs(), now) {
                        Ok(replayed) => group = replayed,
                        Err((jobs, e)) => break Err((jobs, e)),
                    }
                }
                Err(e) => {
                    let _ = conn.rollback();
                    break Err((group.into_jobs(), e));
                }
                Ok(done) => break Ok((group, done)),
            }
        };
        let (group, latest) = match outcome {
            Ok((group, (renumbered, latest))) => {
                (group.into_group().renumbered(&renumbered), latest)
            }
            Err((jobs, e)) => {
                tracing::error!("could not commit a group of {} events: {e}", jobs.len());
                health.writer_failed(format!("could not commit: {e}"), now);
                let error = format!("storage failed: {e}");
                for job in jobs {
                    fail_job(job, &error);
                }
                continue;
            }
        };
        drop(guard);
        mark.fetch_max(latest, Ordering::Release);
        health.writer_ok();
        if committed.send(Committed { group, latest }).is_err() {
            // The syncer has stopped on a failed fsync; nothing more can be made durable.
            return;
        }
        in_flight += 1;
    }
}

enum Outcome {
    Stored(Stored),
    Observed(Observed),
}

fn apply(
    conn: &Connection,
    job: &Job,
    now: i64,
    stale: &mut Vec<(String, Recheck)>,
) -> rusqlite::Result<Outcome> {
    match job {
        Job::Event(e, _) => store_event(conn, e, now, stale).map(Outcome::Stored),
        Job::Fetched(pi, correction, after, _) => {
            apply_fetched(conn, pi, *correction, *after, now).map(Outcome::Observed)
        }
        Job::Synced(_) => unreachable!("handled by the loop"),
    }
}

fn answer(job: Job, result: Outcome) -> Answer {
    match (job, result) {
        (Job::Event(_, reply), Outcome::Stored(stored)) => Answer::Event(reply, stored),
        (Job::Fetched(_, _, _, reply), Outcome::Observed(observed)) => {
            Answer::Fetched(reply, observed)
        }
        _ => unreachable!("results follow their jobs"),
    }
}

fn fail_job(job: Job, error: &str) {
    match job {
        Job::Event(_, reply) => drop(reply.send(Err(error.to_owned()))),
        Job::Fetched(_, _, _, reply) => drop(reply.send(Err(error.to_owned()))),
        Job::Synced(_) => {}
    }
}

fn fail_answers(answers: Vec<Answer>, error: &str) {
    for answer in answers {
        match answer {
            Answer::Event(reply, _) => drop(reply.send(Err(error.to_owned()))),
            Answer::Fetched(reply, _) => drop(reply.send(Err(error.to_owned()))),
        }
    }
}

/// The syncer's side of the pipeline: it makes committed groups durable, then answers them and moves the feed.
struct Syncer {
    log: Box<dyn Log>,
    feed: Arc<watch::Sender<i64>>,
    refetch: mpsc::UnboundedSender<(String, Recheck)>,
    /// Told that groups are done with, so it commits the one it is filling.
    writer: mpsc::WeakUnboundedSender<Job>,
    health: Arc<IntakeHealth>,
    clock: Arc<dyn kassa_stripe::clock::Clock>,
}

/// Groups committed while the log could not be synced for a passing reason: their webhooks were answered 503,
/// and their commits become durable with the next fsync that succeeds.
#[derive(Default)]
struct Unsynced {
    latest: Option<i64>,
    stale: Vec<(String, Recheck)>,
}

impl Syncer {
    fn done(&self, n: usize) {
        if let Some(writer) = self.writer.upgrade() {
            let _ = writer.send(Job::Synced(n));
        }
    }

    fn run(mut self, committed: std::sync::mpsc::Receiver<Committed>) {
        use std::sync::mpsc::RecvTimeoutError;
        let mut unsynced = Unsynced::default();
        loop {
            let first = if self.health.syncer_failing() {
                // While the log fails, it is tried again without waiting for an event.
                match committed.recv_timeout(MAX_BACKOFF) {
                    Ok(c) => Some(c),
                    Err(RecvTimeoutError::Timeout) => None,
                    Err(RecvTimeoutError::Disconnected) => return,
                }
            } else {
                match committed.recv() {
                    Ok(c) => Some(c),
                    Err(_) => return,
                }
            };
            // Everything committed so far rides on this one fsync.
            let groups: Vec<Committed> = first.into_iter().chain(committed.try_iter()).collect();
            let count = groups.len();
            let retry_for = if groups.is_empty() {
                Duration::ZERO
            } else {
                RETRY_SYNC_FOR
            };
            match sync_retrying(&mut *self.log, retry_for) {
                Ok(()) => self.durable(groups, &mut unsynced),
                Err(e) if is_passing(&e) => self.not_now(groups, &mut unsynced, &e),
                Err(e) => {
                    // After a failed fsync the kernel may have dropped the dirty pages and a retry can "succeed"
                    // without them, so durability can no longer be promised: refuse these and every later event
                    // (5xx, so Stripe keeps retrying) until an operator restarts the backend.
                    tracing::error!(
                        "could not sync the event log to disk ({e}); the intake has stopped, restart the backend"
                    );
                    self.health.syncer_stopped(
                        format!("could not sync the event log to disk ({e}); restart the backend"),
                        self.clock.now(),
                    );
                    let error = format!("storage failed: could not sync to disk: {e}");
                    for c in groups.into_iter().chain(committed.try_iter()) {
                        fail_answers(c.group.answers, &error);
                    }
                    // The writer commits what it holds, finds this thread gone, and stops.
                    self.done(count);
                    return;
                }
            }
            if count > 0 {
                self.done(count);
            }
        }
    }

    fn durable(&self, groups: Vec<Committed>, unsynced: &mut Unsynced) {
        if self.health.syncer_failing() {
            tracing::info!("the event log syncs to disk again; the intake stores events");
        }
        self.health.syncer_ok();
        // The feed moves first, so a till that hears of an event finds it, and only durable events are served.
        let latest = groups
            .iter()
            .map(|g| g.latest)
            .chain(unsynced.latest.take())
            .max();
        if let Some(latest) = latest {
            send_max(&self.feed, latest);
        }
        for id in unsynced.stale.drain(..) {
            let _ = self.refetch.send(id);
        }
        for Committed { group, .. } in groups {
            for answer in group.answers {
                match answer {
                    Answer::Event(reply, stored) => drop(reply.send(Ok(stored))),
                    Answer::Fetched(reply, observed) => drop(reply.send(Ok(observed))),
                }
            }
            for id in group.stale {
                let _ = self.refetch.send(id);
            }
        }
    }

    fn not_now(&self, groups: Vec<Committed>, unsynced: &mut Unsynced, e: &std::io::Error) {
        if !self.health.syncer_failing() {
            tracing::warn!("could not sync the event log to disk for now ({e}); webhooks are answered 503 until it syncs again");
        }
        self.health.syncer_failed(
            format!("could not sync the event log to disk for now ({e}); retrying"),
            self.clock.now(),
        );
        let error = format!("storage is unavailable for now: could not sync to disk: {e}");
        for Committed { group, latest } in groups {
            unsynced.latest = unsynced.latest.max(Some(latest));
            unsynced.stale.extend(group.stale);
            fail_answers(group.answers, &error);
        }
    }
}

/// Moves the feed to `cursor` unless it is already past it: it only moves forward.
fn send_max(feed: &watch::Sender<i64>, cursor: i64) {
    feed.send_if_modified(|c| {
        let moved = cursor > *c;
        *c = (*c).max(cursor);
        moved
    });
}

/// One fsync, retried with backoff for up to `retry_for` while it fails for a passing reason.
fn sync_retrying(log: &mut dyn Log, retry_for: Duration) -> std::io::Result<()> {
    let give_up = Instant::now() + retry_for;
    let mut backoff = FIRST_BACKOFF;
    loop {
        match log.sync() {
            Err(e) if is_passing(&e) && Instant::now() + backoff <= give_up => {
                std::thread::sleep(backoff);
                backoff = (backoff * 2).min(MAX_BACKOFF);
            }
            done => return done,
        }
    }
}

pub(crate) fn store_event(
    conn: &Connection,
    e: &VerifiedEvent,
    now: i64,
    stale: &mut Vec<(String, Recheck)>,
) -> rusqlite::Result<Stored> {
    let mut order = match &e.payment_intent_id {
        Some(pi) => match orders::by_intent_for_update(conn, pi)? {
            Some(o) => Some(o),
            None => order_awaiting_intent(conn, e, pi)?,
        },
        None => None,
    };
    let inserted = events::insert(
        conn,
        &NewEvent {
            event_id: &e.id,
            kind: &e.kind,
            payment_intent_id: e.payment_intent_id.as_deref(),
            order_id: order.as_ref().map(|o| o.order_id.as_str()),
            terminal: order.as_ref().map(|o| o.terminal.as_str()),
            source: "webhook",
            stripe_created: e.created,
            received: now,
            payload: &e.payload,
        },
    )?;
    let Some(cursor) = inserted else {
        return Ok(Stored::Duplicate);
    };
    if let Some(order) = order.as_mut() {
        let object = e.object();
        if e.kind.starts_with("payment_intent.") {
            let snapshot = Snapshot::Event { cursor };
            let pi = order.payment_intent_id.clone().unwrap_or_default();
            match orders::apply_intent(order, &object, e.created, snapshot, now) {
                Applied::Refetch => stale.push((pi, Recheck::Stale)),
                Applied::Changed => {
                    // News resets reconciliation's backoff; a final status is due for its check at once.
                    order.checks = 0;
                    order.next_check = now;
                    if !order.verified {
                        stale.push((pi, Recheck::Verify));
                    }
                }
                Applied::Same => {}
            }
        } else if e.kind.starts_with("charge.") {
            // Stripe may deliver a declined attempt's charge.failed after the charge.succeeded of the card that
            // then paid: a failed charge's card only fills in a card not yet known. (A re-fetch applies the
            // intent's latest charge whatever its outcome.)
            let failed = object.get("status").and_then(Value::as_str) == Some("failed");
            if !failed || order.card_brand.is_none() {
                orders::apply_charge(order, &object);
            }
            order.updated = now;
        }
        orders::save(conn, order)?;
    }
    Ok(Stored::New { cursor })
}

/// An intent's first events can outrun the API call that created it; the order it was created for is named in
/// its metadata, and is ours if that order is still waiting for its intent.
fn order_awaiting_intent(
    conn: &Connection,
    e: &VerifiedEvent,
    pi: &str,
) -> rusqlite::Result<Option<orders::Order>> {
    let Some(order_id) = e
        .order_id_hint
        .as_deref()
        .filter(|_| e.kind.starts_with("payment_intent."))
    else {
        return Ok(None);
    };
    let Some(mut order) = orders::get_for_update(conn, order_id)? else {
        return Ok(None);
    };
    let terminal_matches = e
        .object()
        .pointer("/metadata/terminal")
        .and_then(Value::as_str)
        == Some(order.terminal.as_str());
    if order.payment_intent_id.is_some() || !terminal_matches {
        return Ok(None);
    }
    order.payment_intent_id = Some(pi.to_owned());
    Ok(Some(order))
}

/// The event type a change of status would have come with, for a change the webhooks did not tell us.
fn event_type_for(status: &PaymentIntentStatus) -> &'static str {
    use PaymentIntentStatus as S;
    match status {
        S::Succeeded => "payment_intent.succeeded",
        S::Canceled => "payment_intent.canceled",
        S::Processing => "payment_intent.processing",
        S::RequiresAction => "payment_intent.requires_action",
        S::RequiresCapture => "payment_intent.amount_capturable_updated",
        S::RequiresPaymentMethod => "payment_intent.payment_failed",
        S::RequiresConfirmation | S::Other(_) => "payment_intent.updated",
    }
}

fn apply_fetched(
    conn: &Connection,
    pi: &Value,
    correction: bool,
    after: i64,
    now: i64,
) -> rusqlite::Result<Observed> {
    let Some(id) = pi.get("id").and_then(Value::as_str) else {
        return Ok(Observed::Unknown);
    };
    let Some(mut order) = orders::by_intent_for_update(conn, id)? else {
        return Ok(Observed::Unknown);
    };
    let applied = orders::apply_intent(&mut order, pi, now, Snapshot::Fetched { after }, now);
    orders::save(conn, &order)?;
    if applied != Applied::Changed && !correction {
        return Ok(Observed::Unchanged);
    }
    // What reconciliation learns enters the feed as an event of Stripe's shape, marked by its source.
    let kind = event_type_for(&order.status);
    let event_id = if correction {
        // After the stale event, whose cursor is below the latest: unique however many corrections a second holds.
        format!(
            "kassa_reconcile_{id}_{}_{now}_after_{}",
            order.status,
            events::latest_cursor(conn)?
        )
    } else {
        format!("kassa_reconcile_{id}_{}_{now}", order.status)
    };
    // Stripe's objects name their kind (`"object": "payment_intent"`), and tills tell an intent's events from a
    // charge's by it; the typed client's re-fetch does not carry the field, so it is put back here.
    let mut object = pi.clone();
    if let Some(fields) = object.as_object_mut() {
        fields
            .entry("object")
            .or_insert_with(|| Value::from("payment_intent"));
    }
    let payload = json!({
        "id": event_id,
        "object": "event",
        "api_version": null,
        "created": now,
        "data": { "object": object },
        "livemode": pi.get("livemode").cloned().unwrap_or(Value::Bool(false)),
        "pending_webhooks": 0,
        "request": { "id": null, "idempotency_key": null },
        "type": kind,
    })
    .to_string();
    let inserted = events::insert(
        conn,
        &NewEvent {
            event_id: &event_id,
            kind,
            payment_intent_id: Some(id),
            order_id: Some(&order.order_id),
            terminal: Some(&order.terminal),
            source: "reconcile",
            stripe_created: now,
            received: now,
            payload: &payload,
        },
    )?;
    Ok(inserted.map_or(Observed::Unchanged, |cursor| Observed::Changed { cursor }))
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Mutex;

    use super::*;
    use crate::db::{Db, Wal};
    use crate::intake::health::Stage;

    fn event(id: &str) -> VerifiedEvent {
        VerifiedEvent {
            id: id.to_owned(),
            kind: "payment_intent.succeeded".to_owned(),
            created: 1_700_000_000,
            payment_intent_id: Some("pi_foreign".to_owned()),
            order_id_hint: None,
            payload: format!(
                r#"{{"id":"{id}","object":"event","data":{{"object":{{"id":"pi_foreign"}}}}}}"#
            ),
        }
    }

    fn start(db: &Db, wal: Wal) -> Wiring {
        Writer::start(
            db.writer().unwrap(),
            wal,
            Arc::new(kassa_stripe::clock::ManualClock::new(1_700_000_000)),
        )
        .unwrap()
    }

    #[tokio::test]
    async fn an_event_is_answered_and_fed_to_tills_once_the_log_is_on_disk() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open_dir(dir.path()).unwrap();
        let wiring = start(&db, db.sqlite().unwrap().wal.clone());
        assert_eq!(
            wiring.writer.store_event(event("evt_1")).await,
            Ok(Stored::New { cursor: 1 })
        );
        assert_eq!(*wiring.feed.borrow(), 1);
        assert_eq!(
            wiring.writer.store_event(event("evt_1")).await,
            Ok(Stored::Duplicate)
        );
    }

    #[tokio::test]
    // The lock holds the syncer's thread, not a task: that is the point.
    #[allow(clippy::await_holding_lock)]
    async fn events_that_arrive_during_a_sync_are_committed_together_once_it_is_done() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open_dir(dir.path()).unwrap();
        let hold = Arc::new(Mutex::new(()));
        let syncing = hold.lock().unwrap();
        let wiring = start(&db, db.sqlite().unwrap().wal.clone().held_by(hold.clone()));
        let stored = |n: usize| {
            let writer = wiring.writer.clone();
            tokio::spawn(async move { writer.store_event(event(&format!("evt_{n}"))).await })
        };
        let committed = || {
            let reader = crate::db::open(&db.sqlite().unwrap().path).unwrap();
            events::latest_cursor(&Connection::sqlite(&reader)).unwrap()
        };
        let first = stored(1);
        while committed() < 1 {
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        // The first group is at the syncer, which waits; these are applied meanwhile, in a transaction kept open.
        let later: Vec<_> = (2..=5).map(stored).collect();
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        assert_eq!(
            committed(),
            1,
            "nothing is committed while the syncer is busy"
        );
        assert_eq!(*wiring.feed.borrow(), 0, "nor fed before it is on disk");
        drop(syncing);
        assert_eq!(first.await.unwrap(), Ok(Stored::New { cursor: 1 }));
        let mut cursors = Vec::new();
        for answer in later {
            match answer.await.unwrap() {
                Ok(Stored::New { cursor }) => cursors.push(cursor),
                other => panic!("{other:?}"),
            }
        }
        cursors.sort();
        assert_eq!(cursors, [2, 3, 4, 5]);
        assert_eq!(*wiring.feed.borrow(), 5);
    }

    #[tokio::test]
    async fn a_log_that_cannot_be_synced_refuses_events_so_stripe_retries_and_tills_never_see_them()
    {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open_dir(dir.path()).unwrap();
        let wiring = start(&db, Wal::unsyncable(dir.path()));
        let refused = wiring.writer.store_event(event("evt_1")).await;
        assert!(
            refused
                .as_ref()
                .is_err_and(|e| e.contains("could not sync to disk")),
            "{refused:?}"
        );
        assert_eq!(
            *wiring.feed.borrow(),
            0,
            "the feed serves only durable events"
        );
        {
            let writer = db.writer().unwrap();
            let mut guard = writer.lock();
            let conn = guard.conn();
            assert_eq!(
                events::latest_cursor(&conn).unwrap(),
                1,
                "committed, but not on disk"
            );
            let durable = *wiring.feed.borrow();
            assert!(events::feed(&conn, 0, durable, None, 10)
                .unwrap()
                .is_empty());
        }
        // A failed fsync may have dropped the pages it was writing; nothing later is promised durable either.
        assert!(wiring.writer.store_event(event("evt_2")).await.is_err());
        let status = wiring.writer.health().status();
        assert!(matches!(status.syncer, Stage::Stopped { .. }), "{status:?}");
        assert!(!status.can_store());
    }

    /// The real log, refusing its next `fail` syncs with EMFILE (as when every descriptor is taken).
    struct OutOfDescriptors {
        log: Wal,
        fail: Arc<AtomicUsize>,
        tries: Arc<AtomicUsize>,
    }

    impl Log for OutOfDescriptors {
        fn sync(&mut self) -> std::io::Result<()> {
            self.tries.fetch_add(1, Ordering::SeqCst);
            let failing = self
                .fail
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                .is_ok();
            if failing {
                return Err(std::io::Error::from_raw_os_error(libc::EMFILE));
            }
            self.log.sync()
        }
    }

    fn out_of_descriptors(db: &Db, fail: usize) -> (Wiring, Arc<AtomicUsize>, Arc<AtomicUsize>) {
        let (fail, tries) = (Arc::new(AtomicUsize::new(fail)), Arc::default());
        let log = OutOfDescriptors {
            log: db.sqlite().unwrap().wal.clone(),
            fail: fail.clone(),
            tries: Arc::clone(&tries),
        };
        (
            Writer::start(
                db.writer().unwrap(),
                log,
                Arc::new(kassa_stripe::clock::ManualClock::new(1_700_000_000)),
            )
            .unwrap(),
            fail,
            tries,
        )
    }

    #[tokio::test]
    async fn a_sync_refused_for_want_of_a_descriptor_is_retried_and_the_event_stored() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open_dir(dir.path()).unwrap();
        let (wiring, _, tries) = out_of_descriptors(&db, 3);
        assert_eq!(
            wiring.writer.store_event(event("evt_1")).await,
            Ok(Stored::New { cursor: 1 })
        );
        assert_eq!(tries.load(Ordering::SeqCst), 4);
        assert_eq!(*wiring.feed.borrow(), 1);
        assert!(wiring.writer.health().status().can_store());
    }

    #[tokio::test]
    async fn running_out_of_descriptors_refuses_events_for_now_and_the_intake_recovers_by_itself() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open_dir(dir.path()).unwrap();
        let (wiring, fail, tries) = out_of_descriptors(&db, usize::MAX);
        let refused = wiring.writer.store_event(event("evt_1")).await;
        assert!(
            refused.as_ref().is_err_and(|e| e.contains("for now")),
            "{refused:?}"
        );
        assert!(tries.load(Ordering::SeqCst) > 2, "retried before refusing");
        assert_eq!(*wiring.feed.borrow(), 0, "not on disk, not fed");
        let status = wiring.writer.health().status();
        assert!(
            matches!(&status.syncer, Stage::Failing { error, .. } if error.contains("Too many open files")),
            "{status:?}"
        );

        // Descriptors free up: the log is tried again without waiting for an event.
        fail.store(0, Ordering::SeqCst);
        let deadline = Instant::now() + Duration::from_secs(5);
        while !wiring.writer.health().status().can_store() {
            assert!(Instant::now() < deadline, "the intake did not recover");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert_eq!(
            *wiring.feed.borrow(),
            1,
            "the event committed before is on disk now, and fed"
        );
        // Stripe's retry of the refused delivery is acknowledged, and new events are stored.
        assert_eq!(
            wiring.writer.store_event(event("evt_1")).await,
            Ok(Stored::Duplicate)
        );
        let stored = wiring.writer.store_event(event("evt_2")).await;
        assert!(
            matches!(stored, Ok(Stored::New { cursor }) if cursor > 1),
            "{stored:?}"
        );
    }
}
