//! Retries: which failures are retried, and how long the client waits
//! before the next attempt. The two questions are answered by separate
//! functions, [`RetryPolicy::is_retryable`] and [`RetryPolicy::delay`].
//!
//! # Defaults
//!
//! | setting | default |
//! |---|---|
//! | statuses retried | 429, 500, 502, 503, 504 |
//! | transport errors retried | connection failures and per-attempt timeouts |
//! | methods retried | GET, HEAD, PUT, DELETE, OPTIONS; POST and PATCH only when the request certainly was not sent |
//! | attempts | 4 in all |
//! | backoff | exponential from 500 ms, capped at 30 s, with full jitter |
//! | total wait | 60 s |
//!
//! `Retry-After` and `X-RateLimit-Reset` (when no quota remains) replace the
//! backoff when they ask for longer. When they ask for longer than the
//! total wait left, a 429 is returned at once as
//! [`Error::RateLimited`](crate::Error::RateLimited) with the reset time, so
//! a daily quota never puts a call to sleep for hours.
//!
//! Per call, [`CallOptions`] replaces the policy or lets a POST or PATCH be
//! retried after it was sent, for operations the caller knows are safe to
//! repeat:
//!
//! ```no_run
//! # async fn run(client: pinterest_v5::Client, body: pinterest_v5::types::BoardCreate) -> Result<(), pinterest_v5::Error> {
//! use pinterest_v5::CallOptions;
//!
//! let board = client
//!     .boards_create()
//!     .body(body)
//!     .send_with(CallOptions::new().retry_writes(true))
//!     .await?;
//! # Ok(())
//! # }
//! ```

use std::time::Duration;

use reqwest::Method;

/// Statuses retried by default.
pub const DEFAULT_RETRY_STATUSES: &[u16] = &[429, 500, 502, 503, 504];

/// When and how often a failed attempt is retried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    max_attempts: u32,
    base_delay: Duration,
    max_delay: Duration,
    max_total_wait: Duration,
    statuses: Vec<u16>,
    retry_writes: bool,
}

impl Default for RetryPolicy {
    /// The defaults in the [module documentation](self).
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 4,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
            max_total_wait: Duration::from_secs(60),
            statuses: DEFAULT_RETRY_STATUSES.to_vec(),
            retry_writes: false,
        }
    }
}

/// What one attempt produced, as far as retrying is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttemptOutcome {
    /// A response with this status arrived.
    Status(u16),
    /// The connection could not be opened, so the request was not sent.
    ConnectFailed,
    /// The request may have been sent, but no response arrived (a timeout
    /// or a broken connection).
    NoResponse,
}

impl RetryPolicy {
    /// The default policy.
    pub fn new() -> Self {
        RetryPolicy::default()
    }

    /// A policy that never retries.
    pub fn none() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        }
    }

    /// Sets the number of attempts in all, the first one included. Zero is
    /// read as one.
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// Sets the first backoff delay; each retry doubles it up to
    /// [`max_delay`](Self::max_delay). Zero turns backoff off, which tests
    /// use to count attempts without sleeping.
    pub fn base_delay(mut self, delay: Duration) -> Self {
        self.base_delay = delay;
        self
    }

    /// Sets the cap of one backoff delay.
    pub fn max_delay(mut self, delay: Duration) -> Self {
        self.max_delay = delay;
        self
    }

    /// Sets the longest the client waits in all, across retries and rate
    /// limits, before returning the error.
    pub fn max_total_wait(mut self, wait: Duration) -> Self {
        self.max_total_wait = wait;
        self
    }

    /// Sets the HTTP statuses that are retried.
    pub fn statuses(mut self, statuses: impl IntoIterator<Item = u16>) -> Self {
        self.statuses = statuses.into_iter().collect();
        self
    }

    /// Retries POST and PATCH requests even after they were sent. Only for
    /// operations that are safe to repeat.
    pub fn retry_writes(mut self, retry: bool) -> Self {
        self.retry_writes = retry;
        self
    }

    /// The number of attempts in all.
    pub fn attempts(&self) -> u32 {
        self.max_attempts
    }

    /// The longest total wait.
    pub fn total_wait(&self) -> Duration {
        self.max_total_wait
    }

    /// Whether an attempt with this outcome may be retried, leaving aside
    /// how many attempts are left and how long the wait would be.
    pub fn is_retryable(&self, method: &Method, outcome: AttemptOutcome) -> bool {
        let repeatable = is_idempotent(method) || self.retry_writes;
        match outcome {
            AttemptOutcome::ConnectFailed => true,
            AttemptOutcome::NoResponse => repeatable,
            AttemptOutcome::Status(status) => repeatable && self.statuses.contains(&status),
        }
    }

    /// How long to wait before retry number `retry` (1 for the first
    /// retry): a random delay up to the capped exponential backoff, or the
    /// server's `hint` when that is longer.
    pub fn delay(&self, retry: u32, hint: Option<Duration>) -> Duration {
        let exponent = retry.saturating_sub(1).min(20);
        let ceiling = self
            .base_delay
            .saturating_mul(1 << exponent)
            .min(self.max_delay);
        let backoff = jitter(ceiling);
        hint.map_or(backoff, |hint| hint.max(backoff))
    }
}

/// GET, HEAD, PUT, DELETE, OPTIONS and TRACE: repeating them has the same
/// effect as sending them once.
pub fn is_idempotent(method: &Method) -> bool {
    matches!(
        *method,
        Method::GET | Method::HEAD | Method::PUT | Method::DELETE | Method::OPTIONS | Method::TRACE
    )
}

/// Options for one call, given to a builder's `send_with`.
#[derive(Debug, Clone, Default)]
#[must_use]
pub struct CallOptions {
    pub(crate) retry: Option<RetryPolicy>,
    pub(crate) retry_writes: Option<bool>,
    pub(crate) timeout: Option<Duration>,
}

impl CallOptions {
    /// Options that change nothing: the client's settings apply.
    pub fn new() -> Self {
        CallOptions::default()
    }

    /// Uses this retry policy instead of the client's.
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }

    /// Lets a POST or PATCH be retried even after it was sent, for this call.
    pub fn retry_writes(mut self, retry: bool) -> Self {
        self.retry_writes = Some(retry);
        self
    }

    /// Sets the time limit for the whole call, retries and waits included.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// The policy for this call, from the client's and these options.
    pub(crate) fn policy(&self, client_policy: &RetryPolicy) -> RetryPolicy {
        let mut policy = self.retry.clone().unwrap_or_else(|| client_policy.clone());
        if let Some(retry_writes) = self.retry_writes {
            policy.retry_writes = retry_writes;
        }
        policy
    }
}

/// A random duration from zero to `ceiling`, both included.
fn jitter(ceiling: Duration) -> Duration {
    let nanos = u64::try_from(ceiling.as_nanos()).unwrap_or(u64::MAX);
    if nanos == 0 {
        return Duration::ZERO;
    }
    Duration::from_nanos(rand::random_range(0..=nanos))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idempotent_methods_retry_listed_statuses() {
        let policy = RetryPolicy::default();

        for status in [429, 500, 502, 503, 504] {
            assert!(policy.is_retryable(&Method::GET, AttemptOutcome::Status(status)));
            assert!(policy.is_retryable(&Method::DELETE, AttemptOutcome::Status(status)));
        }
        for status in [400, 401, 403, 404, 409, 501] {
            assert!(!policy.is_retryable(&Method::GET, AttemptOutcome::Status(status)));
        }
    }

    #[test]
    fn writes_retry_only_when_not_sent_unless_opted_in() {
        let policy = RetryPolicy::default();

        for method in [Method::POST, Method::PATCH] {
            assert!(policy.is_retryable(&method, AttemptOutcome::ConnectFailed));
            assert!(!policy.is_retryable(&method, AttemptOutcome::NoResponse));
            assert!(!policy.is_retryable(&method, AttemptOutcome::Status(503)));
        }

        let opted_in = policy.retry_writes(true);
        assert!(opted_in.is_retryable(&Method::POST, AttemptOutcome::Status(503)));
        assert!(opted_in.is_retryable(&Method::PATCH, AttemptOutcome::NoResponse));
    }

    #[test]
    fn backoff_is_capped_with_full_jitter() {
        let policy = RetryPolicy::default()
            .base_delay(Duration::from_millis(100))
            .max_delay(Duration::from_millis(800));

        let mut seen_below_half = false;
        for retry in 1..=10 {
            let ceiling = Duration::from_millis(100 * (1 << (retry - 1).min(3)));
            for _ in 0..50 {
                let delay = policy.delay(retry, None);
                assert!(delay <= ceiling, "retry {retry}: {delay:?} > {ceiling:?}");
                seen_below_half |= delay < ceiling / 2;
            }
        }
        assert!(seen_below_half, "jitter never went below half the ceiling");
    }

    #[test]
    fn server_hint_wins_when_longer() {
        let policy = RetryPolicy::default().base_delay(Duration::from_millis(10));

        assert_eq!(
            policy.delay(1, Some(Duration::from_secs(5))),
            Duration::from_secs(5)
        );
        assert!(policy.delay(1, Some(Duration::ZERO)) <= Duration::from_millis(10));
    }

    #[test]
    fn zero_base_delay_never_waits() {
        let policy = RetryPolicy::default().base_delay(Duration::ZERO);

        assert_eq!(policy.delay(3, None), Duration::ZERO);
    }

    #[test]
    fn call_options_override_the_client_policy() {
        let client = RetryPolicy::default();

        let policy = CallOptions::new().retry_writes(true).policy(&client);
        assert!(policy.is_retryable(&Method::POST, AttemptOutcome::Status(500)));

        let policy = CallOptions::new()
            .retry(RetryPolicy::none())
            .policy(&client);
        assert_eq!(policy.attempts(), 1);
    }
}
