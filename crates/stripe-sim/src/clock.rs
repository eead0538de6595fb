//! The simulator keeps time with Kassa's one clock (kassa-stripe's), so a test's manual clock drives both.

pub use kassa_stripe::clock::{Clock, ManualClock, SystemClock};
