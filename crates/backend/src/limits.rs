//! What a client may hold of the backend: how many connections at once, and how long a connection may take over
//! its request's headers, over its body, or doing nothing at all. Without them, idle or byte-by-byte connections
//! (no token needed) used up the process's file descriptors until nothing else could open one.

use std::time::Duration;

/// Connections served at once; more wait in the kernel's accept queue, holding none of our descriptors.
pub const MAX_CONNECTIONS: usize = 4096;
/// From a connection's start, or from the first byte of a request on a kept-alive one, until its headers are in.
/// Tills and Stripe send a request's headers in one packet.
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// For a request's whole body, once the server waits for it (webhooks are at most 1 MiB).
pub const BODY_TIMEOUT: Duration = Duration::from_secs(30);
/// A connection with no request in flight. A feed long-poll (`wait` up to `feed::MAX_WAIT_SECS`) is in flight
/// for all its wait, so it is never idle.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(60);
/// A TLS client that has not finished its handshake by then is gone or hostile.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Descriptors kept out of the connection cap, for the database, its readers, the log, and the simulator: a
/// quarter of the limit, and at least this many.
const MIN_RESERVED_FDS: u64 = 256;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    pub max_connections: usize,
    pub header_timeout: Duration,
    pub body_timeout: Duration,
    pub idle_timeout: Duration,
    pub handshake_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_connections: MAX_CONNECTIONS,
            header_timeout: HEADER_TIMEOUT,
            body_timeout: BODY_TIMEOUT,
            idle_timeout: IDLE_TIMEOUT,
            handshake_timeout: HANDSHAKE_TIMEOUT,
        }
    }
}

impl Limits {
    /// The defaults, each overridden by its variable when set: KASSA_MAX_CONNECTIONS, KASSA_HEADER_TIMEOUT_MS,
    /// KASSA_BODY_TIMEOUT_MS, KASSA_IDLE_TIMEOUT_MS, KASSA_TLS_HANDSHAKE_TIMEOUT_MS. A value that is not a
    /// positive whole number is ignored with a warning.
    pub fn from_env() -> Self {
        Self::from_vars(|name| std::env::var(name).ok())
    }

    fn from_vars(var: impl Fn(&str) -> Option<String>) -> Self {
        let number = |name: &str| -> Option<u64> {
            let value = var(name)?;
            match value.trim().parse::<u64>() {
                Ok(n) if n > 0 => Some(n),
                _ => {
                    tracing::warn!(
                        "{name}={value:?} is not a positive whole number; using the default"
                    );
                    None
                }
            }
        };
        let millis =
            |name: &str, default: Duration| number(name).map_or(default, Duration::from_millis);
        let d = Self::default();
        Self {
            max_connections: number("KASSA_MAX_CONNECTIONS")
                .and_then(|n| usize::try_from(n).ok())
                .unwrap_or(d.max_connections),
            header_timeout: millis("KASSA_HEADER_TIMEOUT_MS", d.header_timeout),
            body_timeout: millis("KASSA_BODY_TIMEOUT_MS", d.body_timeout),
            idle_timeout: millis("KASSA_IDLE_TIMEOUT_MS", d.idle_timeout),
            handshake_timeout: millis("KASSA_TLS_HANDSHAKE_TIMEOUT_MS", d.handshake_timeout),
        }
    }

    /// These limits with the connection cap lowered, if need be, to leave descriptors for everything else
    /// under the process's open-file limit `fds` (see [`raise_fd_limit`]).
    pub fn within_fd_limit(mut self, fds: u64) -> Self {
        let reserved = (fds / 4).max(MIN_RESERVED_FDS);
        let budget = usize::try_from(fds.saturating_sub(reserved))
            .unwrap_or(usize::MAX)
            .max(1);
        if self.max_connections > budget {
            tracing::warn!(
                "the open-file limit is {fds}: serving at most {budget} connections at once rather than {} \
                 (raise the limit, e.g. LimitNOFILE= in the systemd unit, to serve more)",
                self.max_connections
            );
            self.max_connections = budget;
        }
        self
    }
}

/// Raises the soft limit on open files to the hard limit, as far as the kernel allows, and returns the soft
/// limit now in force. The soft limit is often 1024, a relic of select(2), which this process does not use;
/// the hard limit is what an operator granted.
pub fn raise_fd_limit() -> u64 {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes the struct it is given, which lives across the call.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } != 0 {
        return u64::MAX;
    }
    // An unlimited hard limit is not a value setrlimit takes for open files (the kernel caps it at nr_open).
    let target = if limit.rlim_max == libc::RLIM_INFINITY {
        std::fs::read_to_string("/proc/sys/fs/nr_open")
            .ok()
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(1 << 20)
    } else {
        limit.rlim_max
    };
    if limit.rlim_cur != libc::RLIM_INFINITY && limit.rlim_cur < target {
        let raised = libc::rlimit {
            rlim_cur: target,
            rlim_max: limit.rlim_max,
        };
        // SAFETY: setrlimit reads the struct it is given, which lives across the call.
        if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &raised) } == 0 {
            limit.rlim_cur = target;
        }
    }
    #[allow(clippy::useless_conversion)] // rlim_t is u64 on Linux, not everywhere
    u64::try_from(limit.rlim_cur).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variables_override_the_defaults_and_nonsense_is_ignored() {
        let vars = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, v)| v.to_string())
            }
        };
        assert_eq!(Limits::from_vars(vars(&[])), Limits::default());
        let set = Limits::from_vars(vars(&[
            ("KASSA_MAX_CONNECTIONS", "100"),
            ("KASSA_HEADER_TIMEOUT_MS", "1500"),
            ("KASSA_BODY_TIMEOUT_MS", "0"),
            ("KASSA_IDLE_TIMEOUT_MS", "soon"),
        ]));
        assert_eq!(set.max_connections, 100);
        assert_eq!(set.header_timeout, Duration::from_millis(1500));
        assert_eq!(set.body_timeout, BODY_TIMEOUT);
        assert_eq!(set.idle_timeout, IDLE_TIMEOUT);
    }

    #[test]
    fn the_cap_leaves_descriptors_for_the_rest() {
        assert_eq!(
            Limits::default().within_fd_limit(1 << 20).max_connections,
            4096
        );
        assert_eq!(Limits::default().within_fd_limit(1024).max_connections, 768);
        assert_eq!(
            Limits::default().within_fd_limit(4096).max_connections,
            3072
        );
        assert_eq!(Limits::default().within_fd_limit(100).max_connections, 1);
    }
}
