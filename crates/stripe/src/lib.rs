//! The part of Stripe's API that Kassa uses, small and exact.
//!
//! - [`types`]: the wire objects, tolerant of fields and enum values Stripe adds later.
//! - [`form`]: Stripe's bracketed form encoding, both ways.
//! - [`currency`]: amount rules per currency (minimums, maximums, zero-decimal).
//! - [`client`]: an async API client with idempotency keys, retries and typed errors.
//! - [`webhook`]: `Stripe-Signature` signing and verification, as the official SDKs do it.

pub mod client;
pub mod clock;
pub mod currency;
pub mod form;
pub mod types;
pub mod webhook;

pub use client::{Client, ClientConfig, Error, RequestOptions};
pub use types::*;

/// The API version Kassa is written against. Pinned so a dashboard upgrade never changes our wire format.
pub const STRIPE_VERSION: &str = "2025-09-30.clover";
