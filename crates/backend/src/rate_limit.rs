//! Per-token rate limits on creating and updating intents and on the money-moving calls. Stripe advises them
//! against card testing, and every intent left open costs a re-fetch in each reconciliation sweep. A token bucket
//! per terminal on the backend's injected clock, so tests drive it; small enough not to need a crate.

use std::collections::HashMap;
use std::sync::Mutex;

/// `per_minute` requests a minute per token, and as many at once; 0 turns the limit off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    pub per_minute: u32,
}

#[derive(Debug)]
pub struct Limiter {
    limit: Limit,
    buckets: Mutex<HashMap<String, Bucket>>,
}

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    at: i64,
}

impl Limiter {
    pub fn new(limit: Limit) -> Self {
        Self {
            limit,
            buckets: Mutex::default(),
        }
    }

    /// Takes one request for `key` at `now` (Unix seconds); Err is how many seconds until the next one is allowed.
    pub fn take(&self, key: &str, now: i64) -> Result<(), u64> {
        if self.limit.per_minute == 0 {
            return Ok(());
        }
        let burst = f64::from(self.limit.per_minute);
        let per_sec = burst / 60.0;
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        let b = buckets.entry(key.to_owned()).or_insert(Bucket {
            tokens: burst,
            at: now,
        });
        let elapsed = (now - b.at).max(0) as f64;
        b.tokens = (b.tokens + elapsed * per_sec).min(burst);
        b.at = b.at.max(now);
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            Ok(())
        } else {
            Err(((1.0 - b.tokens) / per_sec).ceil().max(1.0) as u64)
        }
    }
}

/// The limits a backend runs with.
#[derive(Debug)]
pub struct RateLimits {
    /// PUT /api/orders/{id}/intent.
    pub intents: Limiter,
    /// Refunds, captures and cancels.
    pub money: Limiter,
}

impl RateLimits {
    /// One intent request from `token` at `now`.
    pub fn intent(&self, token: &str, now: i64) -> Result<(), crate::error::ApiError> {
        take(&self.intents, token, now, "intent requests")
    }

    /// One cancel, refund or capture from `token` at `now`.
    pub fn money(&self, token: &str, now: i64) -> Result<(), crate::error::ApiError> {
        take(&self.money, token, now, "cancels, refunds and captures")
    }
}

fn take(
    limiter: &Limiter,
    token: &str,
    now: i64,
    what: &'static str,
) -> Result<(), crate::error::ApiError> {
    limiter
        .take(token, now)
        .map_err(|retry_after| crate::error::ApiError::RateLimited { what, retry_after })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_minutes_worth_at_once_then_one_as_each_comes_due_per_token() {
        let l = Limiter::new(Limit { per_minute: 3 });
        for _ in 0..3 {
            assert_eq!(l.take("till-1", 1_000), Ok(()));
        }
        assert_eq!(l.take("till-1", 1_000), Err(20));
        assert_eq!(l.take("till-2", 1_000), Ok(()), "each token has its own");
        assert_eq!(l.take("till-1", 1_019), Err(1));
        assert_eq!(l.take("till-1", 1_020), Ok(()));
        assert_eq!(l.take("till-1", 1_020), Err(20));
        // A long pause refills to the burst, not beyond.
        for _ in 0..3 {
            assert_eq!(l.take("till-1", 10_000), Ok(()));
        }
        assert!(l.take("till-1", 10_000).is_err());
    }

    #[test]
    fn zero_is_no_limit() {
        let l = Limiter::new(Limit { per_minute: 0 });
        for _ in 0..10_000 {
            assert_eq!(l.take("till-1", 1), Ok(()));
        }
    }
}
