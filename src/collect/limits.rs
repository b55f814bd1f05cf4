//! How long the daemon may take: each request (headers and body) and the daemon's whole part
//! of a collection.
//!
//! A daemon that stops answering (stalled, `SIGSTOP`ped, killed behind a proxy) must not hold a
//! scan for ever. Every request to the daemon runs under [`Limits::within`]: it ends after
//! `--timeout` or when the deadline of the daemon's part comes, whichever is first, and the
//! facts it concerns become errors. Requests still queued when the deadline has passed end at
//! once, so a collection asks the daemon for at most the deadline and then finishes.

use std::future::Future;
use std::time::{Duration, Instant};

use super::error::RequestError;

/// The default `--timeout`, in seconds.
pub const DEFAULT_TIMEOUT_SECS: u64 = 30;

/// The deadline of the daemon's part when `--deadline` is not given, in `--timeout`s: room
/// for a few rounds of slow answers on a busy host, and still a bound.
pub const DEADLINE_TIMEOUTS: u32 = 4;

/// Time limits for talking to the daemon. Cheap to copy; every copy shares the same deadline.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Longest one request may take, its body included.
    pub request: Duration,
    /// The daemon's whole part (`--deadline`), counted from [`Limits::start`].
    pub whole: Duration,
    deadline: Instant,
}

/// The longest `--timeout` or `--deadline` taken (a week): beyond it a clock's arithmetic
/// would overflow, and no scan waits that long.
pub const MAX_SECS: u64 = 7 * 24 * 3600;

impl Limits {
    /// Limits whose deadline counts from now.
    pub fn start(request: Duration, whole: Duration) -> Limits {
        Limits {
            request,
            whole,
            deadline: far(Instant::now(), whole),
        }
    }

    /// `whole` when given, else [`DEADLINE_TIMEOUTS`] × `request`.
    pub fn derive_whole(request: Duration, whole: Option<Duration>) -> Duration {
        whole.unwrap_or(request.saturating_mul(DEADLINE_TIMEOUTS))
    }

    /// When the deadline comes.
    pub fn deadline(&self) -> Instant {
        self.deadline
    }

    /// Time left before the deadline.
    pub fn left(&self) -> Duration {
        self.deadline.saturating_duration_since(Instant::now())
    }

    /// Runs `work` (the request `what`, e.g. `GET /info`) until it ends, its time is up or the
    /// deadline comes; the error says which limit ended it.
    pub async fn within<T>(
        &self,
        what: &str,
        work: impl Future<Output = T>,
    ) -> Result<T, RequestError> {
        let left = self.left();
        let by_deadline = left < self.request;
        let limit = if by_deadline { left } else { self.request };
        tokio::time::timeout(limit, work).await.map_err(|_| {
            let what = what.to_string();
            if by_deadline {
                RequestError::Deadline {
                    what,
                    whole: self.whole,
                }
            } else {
                RequestError::TimedOut {
                    what,
                    limit: self.request,
                }
            }
        })
    }
}

impl Default for Limits {
    fn default() -> Limits {
        let request = Duration::from_secs(DEFAULT_TIMEOUT_SECS);
        Limits::start(request, Limits::derive_whole(request, None))
    }
}

/// `now + wait`, or as far as the clock goes (a library caller's limit is not bounded by the
/// command line's [`MAX_SECS`]).
fn far(now: Instant, wait: Duration) -> Instant {
    now.checked_add(wait)
        .unwrap_or_else(|| now + Duration::from_secs(MAX_SECS * 52 * 100))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_request_ends_at_its_timeout_or_the_deadline() {
        let limits = Limits::start(Duration::from_millis(50), Duration::from_secs(5));
        let stalled = limits
            .within("GET /info", std::future::pending::<()>())
            .await;
        let e = stalled.unwrap_err();
        assert!(matches!(e, RequestError::TimedOut { .. }));
        assert_eq!(
            e.to_string(),
            "GET /info: no complete answer within 0.05 s (--timeout)"
        );
        assert_eq!(limits.within("GET /x", async { 7 }).await, Ok(7));

        let late = Limits::start(Duration::from_secs(5), Duration::from_millis(30));
        let started = Instant::now();
        let cut = late.within("GET /info", std::future::pending::<()>()).await;
        assert_eq!(
            cut.unwrap_err().to_string(),
            "GET /info: stopped when the daemon's part of the scan reached its deadline (0.03 s, --deadline)"
        );
        assert!(started.elapsed() < Duration::from_secs(2));
        // After the deadline, queued requests end at once.
        let started = Instant::now();
        assert!(late
            .within("GET /y", std::future::pending::<()>())
            .await
            .is_err());
        assert!(started.elapsed() < Duration::from_millis(20));
    }

    #[test]
    fn limits_beyond_the_clock_do_not_overflow() {
        let huge = Duration::from_secs(u64::MAX / 2);
        let whole = Limits::derive_whole(huge, None);
        assert_eq!(whole, Duration::MAX);
        let limits = Limits::start(huge, whole);
        assert!(limits.deadline() > Instant::now() + Duration::from_secs(MAX_SECS));
    }
}
