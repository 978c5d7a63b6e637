//! Rate limits: reading Pinterest's rate-limit headers, and the client-side
//! limiter that makes requests wait for capacity instead of collecting 429s.
//!
//! Every operation belongs to one rate-limit category (the
//! `x-ratelimit-category` of Pinterest's OpenAPI document, 13 categories in
//! release 5.23.0). The client keeps one limiter per access token and
//! category, built with [`governor`]. A response whose headers say no quota
//! is left blocks that token and category until the reset the headers name.
//!
//! # Default quotas
//!
//! Pinterest's rate-limit page gives per-minute limits for Standard access
//! per user and app. Where it gives a number, [`RateLimits::default`] uses
//! it; where the crate could not confirm one, the default is an estimate,
//! marked as such in [`DEFAULT_QUOTAS`]. Set your app's real quotas with
//! [`RateLimits::quota`], or turn the limiter off with
//! [`RateLimits::disabled`].

use std::collections::hash_map::RandomState;
use std::collections::HashMap;
use std::hash::BuildHasher;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use governor::clock::Clock;
use governor::middleware::NoOpMiddleware;
use governor::state::{InMemoryState, NotKeyed};
use governor::{Quota, RateLimiter};
use reqwest::header::HeaderMap;

/// Requests per minute per category: `(category, quota, published)`, where
/// `published` is `false` for the crate's estimates.
pub const DEFAULT_QUOTAS: &[(&str, u32, bool)] = &[
    ("ads_analytics", 300, true),
    ("ads_conversions", 120_000, true),
    ("ads_read", 1_000, true),
    ("ads_write", 1_000, false),
    ("advanced_auction_read", 1_000, false),
    ("advanced_auction_write", 1_000, false),
    ("catalogs_read", 1_000, false),
    ("catalogs_write", 1_000, false),
    ("msot_write", 1_000, false),
    ("org_analytics", 300, false),
    ("org_read", 1_000, false),
    ("org_write", 1_000, false),
    ("trends_read", 1_000, false),
];

/// Quota for a category missing from [`DEFAULT_QUOTAS`]: Pinterest's
/// universal limit of 100 requests per second per user and app, per minute.
pub const UNIVERSAL_QUOTA_PER_MINUTE: u32 = 6_000;

/// One window of an `X-RateLimit-Limit` header such as `100;w=1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimitWindow {
    /// Requests allowed in the window.
    pub limit: u64,
    /// The window in seconds, when the header names one.
    pub window_seconds: Option<u64>,
}

/// The rate-limit headers of one response. Every field is optional: a
/// header that is missing or does not parse is left out, and never fails a
/// call.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RateLimitSnapshot {
    /// The windows of `X-RateLimit-Limit`, such as
    /// `100, 100;w=1, 1000;w=60`.
    pub limits: Vec<RateLimitWindow>,
    /// `X-RateLimit-Remaining`.
    pub remaining: Option<u64>,
    /// `X-RateLimit-Reset`: time until the quota resets.
    pub reset_after: Option<Duration>,
    /// `Retry-After`, in seconds or as an HTTP date.
    pub retry_after: Option<Duration>,
}

impl RateLimitSnapshot {
    /// Reads the rate-limit headers, case-insensitively. Returns `None` when
    /// the response has none of them.
    pub fn from_headers(headers: &HeaderMap) -> Option<RateLimitSnapshot> {
        let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());

        let snapshot = RateLimitSnapshot {
            limits: text("x-ratelimit-limit")
                .map(parse_limit_windows)
                .unwrap_or_default(),
            remaining: text("x-ratelimit-remaining").and_then(parse_first_number),
            reset_after: text("x-ratelimit-reset").and_then(parse_reset),
            retry_after: text("retry-after").and_then(parse_retry_after),
        };
        (snapshot != RateLimitSnapshot::default()).then_some(snapshot)
    }

    /// How long the server asks the client to wait: `Retry-After`, else the
    /// reset when no quota remains.
    pub fn wait_hint(&self) -> Option<Duration> {
        self.retry_after
            .or_else(|| self.reset_after.filter(|_| self.remaining == Some(0)))
    }
}

/// `100, 100;w=1, 1000;w=60` into windows; parts that do not parse are
/// skipped.
fn parse_limit_windows(value: &str) -> Vec<RateLimitWindow> {
    value
        .split(',')
        .filter_map(|part| {
            let mut pieces = part.split(';');
            let limit = pieces.next()?.trim().parse().ok()?;
            let window_seconds = pieces
                .filter_map(|p| p.trim().strip_prefix("w="))
                .find_map(|w| w.trim().parse().ok());
            Some(RateLimitWindow {
                limit,
                window_seconds,
            })
        })
        .collect()
}

fn parse_first_number(value: &str) -> Option<u64> {
    value.split([',', ';']).next()?.trim().parse().ok()
}

/// Seconds until the reset. A value that looks like a Unix time (after the
/// year 2001) is read as one.
fn parse_reset(value: &str) -> Option<Duration> {
    let number: f64 = value.split([',', ';']).next()?.trim().parse().ok()?;
    if !number.is_finite() || number < 0.0 {
        return None;
    }
    if number > 1_000_000_000.0 {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .ok()?
            .as_secs_f64();
        return Some(Duration::from_secs_f64((number - now).max(0.0)));
    }
    Some(Duration::from_secs_f64(number))
}

/// `Retry-After` as delay seconds or an HTTP date.
fn parse_retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let date = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let wait = date.with_timezone(&chrono::Utc) - chrono::Utc::now();
    Some(wait.to_std().unwrap_or(Duration::ZERO))
}

/// Client-side rate-limit settings, given to
/// [`ClientBuilder::rate_limits`](crate::ClientBuilder::rate_limits).
#[derive(Debug, Clone)]
pub struct RateLimits {
    enabled: bool,
    quotas: HashMap<String, NonZeroU32>,
}

impl Default for RateLimits {
    /// The limiter on, with [`DEFAULT_QUOTAS`].
    fn default() -> Self {
        let quotas = DEFAULT_QUOTAS
            .iter()
            .filter_map(|(category, quota, _)| {
                Some(((*category).to_owned(), NonZeroU32::new(*quota)?))
            })
            .collect();
        RateLimits {
            enabled: true,
            quotas,
        }
    }
}

impl RateLimits {
    /// No client-side limiting; 429s are still retried by the retry policy.
    pub fn disabled() -> Self {
        RateLimits {
            enabled: false,
            quotas: HashMap::new(),
        }
    }

    /// Sets the quota of one category, in requests per minute per token.
    /// Zero is raised to one.
    pub fn quota(mut self, category: impl Into<String>, per_minute: u32) -> Self {
        self.quotas.insert(
            category.into(),
            NonZeroU32::new(per_minute).unwrap_or(NonZeroU32::MIN),
        );
        self
    }

    /// The quota of a category, in requests per minute.
    pub fn quota_of(&self, category: &str) -> u32 {
        self.quotas
            .get(category)
            .map_or(UNIVERSAL_QUOTA_PER_MINUTE, |q| q.get())
    }

    /// Whether the limiter is on.
    pub fn is_enabled(&self) -> bool {
        self.enabled
    }
}

/// A governor clock on tokio's time, so that tests with paused time drive
/// the limiter.
#[derive(Debug, Clone, Copy, Default)]
struct TokioClock;

impl Clock for TokioClock {
    type Instant = std::time::Instant;

    fn now(&self) -> Self::Instant {
        tokio::time::Instant::now().into_std()
    }
}

type Bucket = RateLimiter<NotKeyed, InMemoryState, TokioClock, NoOpMiddleware<std::time::Instant>>;

struct Entry {
    bucket: Bucket,
    blocked_until: Option<tokio::time::Instant>,
}

/// The limiters of one client, by token and category.
pub(crate) struct Limiter {
    settings: RateLimits,
    hasher: RandomState,
    entries: Mutex<HashMap<(u64, &'static str), Entry>>,
}

impl std::fmt::Debug for Limiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Limiter")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

impl Limiter {
    pub(crate) fn new(settings: RateLimits) -> Arc<Limiter> {
        Arc::new(Limiter {
            settings,
            hasher: RandomState::new(),
            entries: Mutex::new(HashMap::new()),
        })
    }

    /// A key for the token that never reveals it: a hash with a key chosen
    /// at random for this process.
    pub(crate) fn token_key(&self, token: Option<&str>) -> u64 {
        self.hasher.hash_one(token.unwrap_or_default())
    }

    /// Waits until the token has capacity in the category. Returns the wait
    /// still needed, without waiting, when it is longer than `max_wait`.
    pub(crate) async fn acquire(
        &self,
        token: u64,
        category: &'static str,
        max_wait: Duration,
    ) -> Result<Duration, Duration> {
        if !self.settings.enabled || category.is_empty() {
            return Ok(Duration::ZERO);
        }

        let mut waited = Duration::ZERO;
        loop {
            let wait = self.needed_wait(token, category);
            if wait.is_zero() {
                return Ok(waited);
            }
            if waited + wait > max_wait {
                return Err(wait);
            }
            tracing::debug!(
                category,
                wait_ms = wait.as_millis() as u64,
                "waiting for rate-limit capacity"
            );
            tokio::time::sleep(wait).await;
            waited += wait;
        }
    }

    /// Takes one unit of capacity if there is some, else returns how long to
    /// wait for it.
    fn needed_wait(&self, token: u64, category: &'static str) -> Duration {
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        let entry = entries
            .entry((token, category))
            .or_insert_with(|| self.entry(category));

        let now = tokio::time::Instant::now();
        if let Some(until) = entry.blocked_until {
            if until > now {
                return until - now;
            }
            entry.blocked_until = None;
        }
        match entry.bucket.check() {
            Ok(()) => Duration::ZERO,
            Err(not_until) => not_until
                .wait_time_from(TokioClock.now())
                .max(Duration::from_millis(1)),
        }
    }

    fn entry(&self, category: &str) -> Entry {
        let per_minute =
            NonZeroU32::new(self.settings.quota_of(category)).unwrap_or(NonZeroU32::MIN);
        Entry {
            bucket: RateLimiter::direct_with_clock(Quota::per_minute(per_minute), TokioClock),
            blocked_until: None,
        }
    }

    /// Corrects the view of remaining quota from a response's headers: no
    /// quota left blocks the token and category until the reset.
    pub(crate) fn observe(&self, token: u64, category: &'static str, snapshot: &RateLimitSnapshot) {
        if !self.settings.enabled || category.is_empty() {
            return;
        }
        let Some(wait) = snapshot.wait_hint() else {
            return;
        };
        if snapshot.remaining != Some(0) && snapshot.retry_after.is_none() {
            return;
        }

        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        let entry = entries
            .entry((token, category))
            .or_insert_with(|| self.entry(category));
        let until = tokio::time::Instant::now() + wait;
        entry.blocked_until = Some(entry.blocked_until.map_or(until, |old| old.max(until)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_str(value).unwrap());
        }
        map
    }

    #[test]
    fn limit_windows_parse() {
        let snapshot = RateLimitSnapshot::from_headers(&headers(&[
            ("X-RateLimit-Limit", "100, 100;w=1, 1000;w=60"),
            ("x-ratelimit-remaining", "42"),
            ("X-RATELIMIT-RESET", "67000"),
        ]))
        .unwrap();

        assert_eq!(
            snapshot.limits,
            vec![
                RateLimitWindow {
                    limit: 100,
                    window_seconds: None
                },
                RateLimitWindow {
                    limit: 100,
                    window_seconds: Some(1)
                },
                RateLimitWindow {
                    limit: 1000,
                    window_seconds: Some(60)
                },
            ]
        );
        assert_eq!(snapshot.remaining, Some(42));
        assert_eq!(snapshot.reset_after, Some(Duration::from_secs(67_000)));
    }

    #[test]
    fn unparsable_headers_are_left_out() {
        let snapshot = RateLimitSnapshot::from_headers(&headers(&[
            ("x-ratelimit-limit", "lots; w=soon"),
            ("x-ratelimit-remaining", "-1"),
            ("x-ratelimit-reset", "NaN"),
            ("retry-after", "whenever"),
        ]));

        assert_eq!(snapshot, None);
    }

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        assert_eq!(parse_retry_after("7"), Some(Duration::from_secs(7)));
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"),
            Some(Duration::ZERO)
        );
        let later = (chrono::Utc::now() + chrono::Duration::seconds(120)).to_rfc2822();
        let wait = parse_retry_after(&later).unwrap();
        assert!(
            wait > Duration::from_secs(100) && wait <= Duration::from_secs(120),
            "{wait:?}"
        );
    }

    #[test]
    fn wait_hint_needs_exhausted_quota_for_reset() {
        let mut snapshot = RateLimitSnapshot {
            remaining: Some(3),
            reset_after: Some(Duration::from_secs(30)),
            ..RateLimitSnapshot::default()
        };
        assert_eq!(snapshot.wait_hint(), None);

        snapshot.remaining = Some(0);
        assert_eq!(snapshot.wait_hint(), Some(Duration::from_secs(30)));
    }

    #[tokio::test(start_paused = true)]
    async fn limiter_spaces_requests_beyond_the_burst() {
        let limiter = Limiter::new(RateLimits::default().quota("org_read", 60));
        let token = limiter.token_key(Some("t"));
        let start = tokio::time::Instant::now();

        for _ in 0..62 {
            limiter
                .acquire(token, "org_read", Duration::from_secs(60))
                .await
                .unwrap();
        }

        let elapsed = start.elapsed();
        assert!(
            elapsed >= Duration::from_secs(2) && elapsed < Duration::from_secs(3),
            "{elapsed:?}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn limiters_are_per_token_and_category() {
        let limiter = Limiter::new(
            RateLimits::default()
                .quota("org_read", 1)
                .quota("org_write", 1),
        );
        let (a, b) = (limiter.token_key(Some("a")), limiter.token_key(Some("b")));
        let no_wait = Duration::ZERO;

        assert!(limiter.acquire(a, "org_read", no_wait).await.is_ok());
        assert!(limiter.acquire(a, "org_read", no_wait).await.is_err());
        assert!(limiter.acquire(b, "org_read", no_wait).await.is_ok());
        assert!(limiter.acquire(a, "org_write", no_wait).await.is_ok());
    }

    #[tokio::test(start_paused = true)]
    async fn exhausted_headers_block_until_reset() {
        let limiter = Limiter::new(RateLimits::default());
        let token = limiter.token_key(Some("t"));
        let snapshot = RateLimitSnapshot {
            remaining: Some(0),
            reset_after: Some(Duration::from_secs(67_000)),
            ..RateLimitSnapshot::default()
        };

        limiter.observe(token, "ads_read", &snapshot);
        let rejected = limiter
            .acquire(token, "ads_read", Duration::from_secs(60))
            .await;

        let needed = rejected.unwrap_err();
        assert!(needed > Duration::from_secs(66_000), "{needed:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn disabled_limiter_never_waits() {
        let limiter = Limiter::new(RateLimits::disabled());
        let token = limiter.token_key(None);

        for _ in 0..10_000 {
            assert_eq!(
                limiter.acquire(token, "org_read", Duration::ZERO).await,
                Ok(Duration::ZERO)
            );
        }
    }

    #[test]
    fn token_key_does_not_contain_the_token() {
        let limiter = Limiter::new(RateLimits::default());
        let key = limiter.token_key(Some("pina_SECRET"));

        assert_ne!(key, limiter.token_key(Some("pina_OTHER")));
        assert!(!format!("{limiter:?}").contains("SECRET"));
    }
}
