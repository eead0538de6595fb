//! Object ids and secrets in Stripe's shapes (`pi_…`, `pi_…_secret_…`), from a seedable generator so tests
//! can be deterministic.

use rand::distributions::Alphanumeric;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::sync::Mutex;

pub struct IdGen(Mutex<StdRng>);

impl IdGen {
    pub fn new(seed: Option<u64>) -> Self {
        Self(Mutex::new(match seed {
            Some(seed) => StdRng::seed_from_u64(seed),
            None => StdRng::from_entropy(),
        }))
    }

    pub fn token(&self, len: usize) -> String {
        let mut rng = self.0.lock().unwrap_or_else(|e| e.into_inner());
        (&mut *rng)
            .sample_iter(&Alphanumeric)
            .take(len)
            .map(char::from)
            .collect()
    }

    pub fn id(&self, prefix: &str) -> String {
        format!("{prefix}_{}", self.token(24))
    }

    pub fn unit(&self) -> f64 {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).gen()
    }
}
