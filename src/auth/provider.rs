//! Token providers: where the client gets the access token for each
//! request.
//!
//! [`RefreshingTokenProvider`] refreshes the access token shortly before it
//! expires, and when Pinterest rejects it. However many requests need a new
//! token at once, one refresh call goes out. The first request takes the
//! refresh lock and calls the token endpoint. The requests that queued
//! behind it receive that call's outcome, success or error, without calling
//! again.

use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use chrono::{DateTime, Utc};
use secrecy::{ExposeSecret, SecretString};

use super::store::DynTokenStore;
use super::{AuthError, AuthErrorKind, OAuthClient, TokenSet, TokenStore};

/// Default time before expiry at which the access token is refreshed. It
/// covers clock skew between this host and Pinterest and the time a request
/// spends in flight.
pub const DEFAULT_REFRESH_MARGIN: Duration = Duration::from_secs(5 * 60);

/// Default upper bound of the random extra time added to the refresh
/// margin, so that processes sharing one token set do not all refresh at the
/// same moment.
pub const DEFAULT_MAX_JITTER: Duration = Duration::from_secs(60);

/// How long to keep using a still-valid access token after an early refresh
/// failed for a reason that may pass (network error, server error) before
/// trying again.
const EARLY_REFRESH_RETRY: chrono::Duration = chrono::Duration::seconds(30);

/// The source of a [`Client`](crate::Client)'s access token: a fixed token,
/// or a [`RefreshingTokenProvider`].
#[derive(Clone)]
pub struct TokenProvider {
    kind: ProviderKind,
}

#[derive(Clone)]
enum ProviderKind {
    Fixed(SecretString),
    Refreshing(RefreshingTokenProvider),
}

impl TokenProvider {
    /// A provider that always returns `token` and never refreshes it.
    pub fn fixed(token: impl Into<String>) -> Self {
        TokenProvider {
            kind: ProviderKind::Fixed(SecretString::from(token.into())),
        }
    }

    /// Returns the access token to send now, refreshed first if it is due.
    pub async fn access_token(&self) -> Result<SecretString, AuthError> {
        match &self.kind {
            ProviderKind::Fixed(token) => Ok(token.clone()),
            ProviderKind::Refreshing(provider) => provider.access_token().await,
        }
    }

    /// The refreshing provider, if this is one.
    pub fn as_refreshing(&self) -> Option<&RefreshingTokenProvider> {
        match &self.kind {
            ProviderKind::Fixed(_) => None,
            ProviderKind::Refreshing(provider) => Some(provider),
        }
    }

    /// The fixed token, if this provider has one.
    pub(crate) fn fixed_token(&self) -> Option<&SecretString> {
        match &self.kind {
            ProviderKind::Fixed(token) => Some(token),
            ProviderKind::Refreshing(_) => None,
        }
    }
}

impl From<RefreshingTokenProvider> for TokenProvider {
    fn from(provider: RefreshingTokenProvider) -> Self {
        TokenProvider {
            kind: ProviderKind::Refreshing(provider),
        }
    }
}

impl fmt::Debug for TokenProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            ProviderKind::Fixed(_) => f.write_str("TokenProvider::Fixed([redacted])"),
            ProviderKind::Refreshing(provider) => f
                .debug_tuple("TokenProvider::Refreshing")
                .field(provider)
                .finish(),
        }
    }
}

/// Builder for [`RefreshingTokenProvider`], returned by
/// [`RefreshingTokenProvider::builder`].
#[must_use]
pub struct RefreshingTokenProviderBuilder {
    oauth: OAuthClient,
    store: Box<dyn DynTokenStore>,
    tokens: Option<TokenSet>,
    refresh_margin: Duration,
    max_jitter: Duration,
}

impl RefreshingTokenProviderBuilder {
    /// Starts from `tokens`, such as the result of a code exchange, and saves
    /// them to the store in [`build`](Self::build). Without this the provider
    /// loads its tokens from the store.
    pub fn tokens(mut self, tokens: TokenSet) -> Self {
        self.tokens = Some(tokens);
        self
    }

    /// Sets how long before expiry the access token is refreshed. Defaults
    /// to [`DEFAULT_REFRESH_MARGIN`]. The margin plus jitter is capped at
    /// half the token's lifetime, so short-lived tokens are not refreshed on
    /// every request.
    pub fn refresh_margin(mut self, margin: Duration) -> Self {
        self.refresh_margin = margin;
        self
    }

    /// Sets the upper bound of the random time added to the margin for each
    /// new token. Defaults to [`DEFAULT_MAX_JITTER`]; zero turns jitter off.
    pub fn max_jitter(mut self, max_jitter: Duration) -> Self {
        self.max_jitter = max_jitter;
        self
    }

    /// Saves the given tokens to the store, or loads them from it, and
    /// builds the provider.
    ///
    /// Fails with [`AuthError::Store`] when the store fails, and with
    /// [`AuthError::ReauthorizationRequired`] when no tokens were given and
    /// the store is empty.
    pub async fn build(self) -> Result<RefreshingTokenProvider, AuthError> {
        let tokens = match self.tokens {
            Some(tokens) => {
                self.store
                    .save_boxed(&tokens)
                    .await
                    .map_err(AuthError::Store)?;
                tokens
            }
            None => self
                .store
                .load_boxed()
                .await
                .map_err(AuthError::Store)?
                .ok_or_else(|| AuthError::ReauthorizationRequired {
                    reason: "the token store holds no tokens".to_owned(),
                })?,
        };

        let to_chrono = |duration: Duration| {
            chrono::Duration::from_std(duration).unwrap_or(chrono::Duration::MAX)
        };
        let shared = Shared {
            store: self.store,
            refresh_margin: to_chrono(self.refresh_margin),
            max_jitter: to_chrono(self.max_jitter),
            refresh_lock: tokio::sync::Mutex::new(()),
            state: Mutex::new(State::new(tokens.clone())),
            oauth: self.oauth,
        };
        let provider = RefreshingTokenProvider {
            shared: Arc::new(shared),
        };
        provider.lock().install(tokens, true, &provider.shared);
        Ok(provider)
    }
}

/// A token provider that refreshes the access token with the refresh token
/// and keeps the token store up to date.
///
/// - It refreshes when the access token is within the refresh margin (plus
///   jitter) of expiry, as read from the [`OAuthClient`]'s clock, and when
///   the client reports that Pinterest rejected the token. An app token from
///   the client credentials grant is renewed with that grant.
/// - One refresh call serves every request waiting for it.
/// - A new token set is saved to the store before its access token is
///   used. If the save fails, the request fails with
///   [`AuthError::Store`], the new tokens stay in memory, and the next
///   request retries the save without calling Pinterest again.
/// - A refresh token that Pinterest rejects makes every request fail with
///   [`AuthError::ReauthorizationRequired`] (once the access token has
///   expired) until [`replace_tokens`](Self::replace_tokens) supplies new
///   tokens. Before giving up it reloads the store, in case another process
///   sharing the store has rotated the refresh token.
///
/// Cloning is cheap; clones share tokens and the refresh lock.
#[derive(Clone)]
pub struct RefreshingTokenProvider {
    shared: Arc<Shared>,
}

struct Shared {
    oauth: OAuthClient,
    store: Box<dyn DynTokenStore>,
    refresh_margin: chrono::Duration,
    max_jitter: chrono::Duration,
    state: Mutex<State>,
    /// Held for the whole of a refresh or retried save, which is what makes
    /// refreshes single-flight.
    refresh_lock: tokio::sync::Mutex<()>,
}

struct State {
    tokens: TokenSet,
    /// When to refresh: expiry minus margin and jitter.
    refresh_at: DateTime<Utc>,
    /// The tokens came from a refresh whose save failed.
    unsaved: bool,
    /// The refresh token was rejected; set until new tokens arrive.
    reauthorization: Option<AuthError>,
    /// After an early refresh failed, the still-valid token is used until
    /// this time.
    retry_not_before: Option<DateTime<Utc>>,
    /// Refresh attempts finished, counting failures.
    completed_attempts: u64,
    /// The error of the last finished attempt, if it failed.
    last_failure: Option<AuthError>,
}

/// The next step of a request that needs a token, given the current state.
enum Decision {
    Use(SecretString),
    Fail(AuthError),
    Refresh,
}

impl State {
    fn new(tokens: TokenSet) -> Self {
        State {
            refresh_at: tokens.expires_at(),
            tokens,
            unsaved: false,
            reauthorization: None,
            retry_not_before: None,
            completed_attempts: 0,
            last_failure: None,
        }
    }

    fn install(&mut self, tokens: TokenSet, saved: bool, shared: &Shared) {
        self.refresh_at = refresh_time(&tokens, shared.refresh_margin, shared.max_jitter);
        self.tokens = tokens;
        self.unsaved = !saved;
        self.reauthorization = None;
        self.retry_not_before = None;
    }

    fn decide(&self, now: DateTime<Utc>) -> Decision {
        let token = || Decision::Use(self.tokens.access_token().clone());
        if self.unsaved {
            return Decision::Refresh;
        }
        if now < self.refresh_at {
            return token();
        }
        let valid = !self.tokens.is_expired(now);
        if let Some(error) = &self.reauthorization {
            return if valid {
                token()
            } else {
                Decision::Fail(error.clone())
            };
        }
        if valid && self.retry_not_before.is_some_and(|retry| now < retry) {
            return token();
        }
        Decision::Refresh
    }
}

/// Expiry minus the margin and a random jitter, with margin plus jitter
/// capped at half the lifetime Pinterest gave the token.
fn refresh_time(
    tokens: &TokenSet,
    margin: chrono::Duration,
    max_jitter: chrono::Duration,
) -> DateTime<Utc> {
    let jitter_ms = max_jitter.num_milliseconds().max(0);
    let jitter = chrono::Duration::milliseconds(rand::random_range(0..=jitter_ms));
    let mut lead = margin.checked_add(&jitter).unwrap_or(margin);
    if let Some(lifetime) = tokens.expires_in() {
        lead = lead.min(chrono::Duration::seconds(lifetime.max(0)) / 2);
    }
    tokens
        .expires_at()
        .checked_sub_signed(lead)
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

impl RefreshingTokenProvider {
    /// Starts building a provider that refreshes through `oauth` and saves
    /// to `store`.
    pub fn builder(oauth: OAuthClient, store: impl TokenStore) -> RefreshingTokenProviderBuilder {
        RefreshingTokenProviderBuilder {
            oauth,
            store: Box::new(store),
            tokens: None,
            refresh_margin: DEFAULT_REFRESH_MARGIN,
            max_jitter: DEFAULT_MAX_JITTER,
        }
    }

    /// Returns the access token to send now. Refreshes first when the token
    /// is due, or retries the save of unsaved tokens.
    pub async fn access_token(&self) -> Result<SecretString, AuthError> {
        let seen_attempts = {
            let state = self.lock();
            match state.decide(self.now()) {
                Decision::Use(token) => return Ok(token),
                Decision::Fail(error) => return Err(error),
                Decision::Refresh => state.completed_attempts,
            }
        };
        self.refresh_single_flight(seen_attempts).await
    }

    /// Refreshes after Pinterest rejected `rejected`, unless another request
    /// has already replaced that token, and returns the token to replay
    /// with.
    pub(crate) async fn refresh_rejected(&self, rejected: &str) -> Result<SecretString, AuthError> {
        let seen_attempts = {
            let mut state = self.lock();
            if state.tokens.has_access_token(rejected) {
                let now = self.now();
                state.tokens.expire_access_token(now);
                state.refresh_at = state.refresh_at.min(now);
                Some(state.completed_attempts)
            } else {
                None
            }
        };
        let Some(seen_attempts) = seen_attempts else {
            return self.access_token().await;
        };
        tracing::info!("Pinterest rejected the access token; refreshing it");
        self.refresh_single_flight(seen_attempts).await
    }

    /// A copy of the current tokens.
    pub fn tokens(&self) -> TokenSet {
        self.lock().tokens.clone()
    }

    /// When the provider will next refresh the access token.
    pub fn refresh_at(&self) -> DateTime<Utc> {
        self.lock().refresh_at
    }

    /// Saves new tokens, such as those from a new authorization, and uses
    /// them from now on. Clears a pending re-authorization error.
    pub async fn replace_tokens(&self, tokens: TokenSet) -> Result<(), AuthError> {
        let _refreshing = self.shared.refresh_lock.lock().await;
        self.shared
            .store
            .save_boxed(&tokens)
            .await
            .map_err(AuthError::Store)?;
        self.lock().install(tokens, true, &self.shared);
        Ok(())
    }

    /// Waits for the refresh lock. If a refresh finished while this request
    /// waited, returns that refresh's outcome; otherwise refreshes.
    async fn refresh_single_flight(&self, seen_attempts: u64) -> Result<SecretString, AuthError> {
        let _refreshing = self.shared.refresh_lock.lock().await;
        {
            let state = self.lock();
            match state.decide(self.now()) {
                Decision::Use(token) => return Ok(token),
                Decision::Fail(error) => return Err(error),
                Decision::Refresh if state.completed_attempts != seen_attempts => {
                    if let Some(error) = &state.last_failure {
                        return Err(error.clone());
                    }
                }
                Decision::Refresh => {}
            }
        }
        self.refresh_locked().await
    }

    /// Makes one refresh attempt, or retries one save. Runs only under the
    /// refresh lock.
    async fn refresh_locked(&self) -> Result<SecretString, AuthError> {
        let (current, unsaved) = {
            let state = self.lock();
            (state.tokens.clone(), state.unsaved)
        };
        let outcome = if unsaved {
            self.retry_save(&current).await
        } else {
            self.refresh_and_save(current).await
        };

        let now = self.now();
        let mut state = self.lock();
        state.completed_attempts += 1;
        let error = match outcome {
            Ok(()) => {
                state.last_failure = None;
                return Ok(state.tokens.access_token().clone());
            }
            Err(error) => error,
        };

        if error.requires_reauthorization() {
            state.reauthorization = Some(error.clone());
        }
        let still_valid = !state.unsaved && !state.tokens.is_expired(now);
        if still_valid && error.kind() != AuthErrorKind::Store {
            state.retry_not_before = Some(now + EARLY_REFRESH_RETRY);
            state.last_failure = None;
            tracing::warn!(
                error = %error,
                expires_at = %state.tokens.expires_at(),
                "OAuth token refresh failed before the access token expired; using the current token until it expires"
            );
            return Ok(state.tokens.access_token().clone());
        }

        tracing::warn!(error = %error, kind = %error.kind(), "OAuth token refresh failed");
        state.last_failure = Some(error.clone());
        Err(error)
    }

    /// Refreshes `current`, saves the result, then installs it. When
    /// Pinterest rejects the refresh token, adopts newer tokens from the
    /// store once and, if they are due too, refreshes with them.
    async fn refresh_and_save(&self, mut current: TokenSet) -> Result<(), AuthError> {
        let mut reloaded = false;
        loop {
            if let Some(expiry) = current.refresh_token_expires_at() {
                if self.now() >= expiry {
                    return Err(AuthError::ReauthorizationRequired {
                        reason: format!("the refresh token expired at {expiry}"),
                    });
                }
            }

            tracing::debug!("refreshing the OAuth access token");
            let refreshed = match self.renew(&current).await {
                Ok(refreshed) => refreshed,
                Err(error) if error.requires_reauthorization() && !reloaded => {
                    reloaded = true;
                    match self.load_newer(&current).await {
                        Some(stored) => {
                            let mut state = self.lock();
                            state.install(stored.clone(), true, &self.shared);
                            if let Decision::Use(_) = state.decide(self.now()) {
                                tracing::info!("adopted newer OAuth tokens from the token store");
                                return Ok(());
                            }
                            current = stored;
                            continue;
                        }
                        None => return Err(error),
                    }
                }
                Err(error) => return Err(error),
            };

            let rotated = refreshed.refresh_token().map(ExposeSecret::expose_secret)
                != current.refresh_token().map(ExposeSecret::expose_secret);
            // Persist before use: if the process dies after this point, the
            // store already has the refresh token that Pinterest now expects.
            let saved = self.shared.store.save_boxed(&refreshed).await;
            let expires_at = refreshed.expires_at();
            self.lock().install(refreshed, saved.is_ok(), &self.shared);
            return match saved {
                Ok(()) => {
                    tracing::info!(%expires_at, refresh_token_rotated = rotated, "refreshed the OAuth access token");
                    Ok(())
                }
                Err(error) => {
                    tracing::error!(
                        error = %error,
                        "failed to save refreshed OAuth tokens; they stay in memory and the next request retries the save"
                    );
                    Err(AuthError::Store(error))
                }
            };
        }
    }

    /// Requests new tokens: with the refresh token, or, for an app token
    /// from the client credentials grant (which has no refresh token), with
    /// that grant again for the same scopes.
    async fn renew(&self, current: &TokenSet) -> Result<TokenSet, AuthError> {
        let app_token = current.refresh_token().is_none()
            && current.response_type() == Some("client_credentials");
        if app_token {
            return self
                .shared
                .oauth
                .client_credentials(&current.scopes())
                .await;
        }
        self.shared.oauth.refresh(current).await
    }

    async fn retry_save(&self, current: &TokenSet) -> Result<(), AuthError> {
        self.shared
            .store
            .save_boxed(current)
            .await
            .map_err(AuthError::Store)?;
        self.lock().unsaved = false;
        tracing::info!("saved the refreshed OAuth tokens on retry");
        Ok(())
    }

    /// Loads the stored tokens and returns them if their refresh token
    /// differs from `current`'s.
    async fn load_newer(&self, current: &TokenSet) -> Option<TokenSet> {
        let stored = match self.shared.store.load_boxed().await {
            Ok(stored) => stored?,
            Err(error) => {
                tracing::warn!(error = %error, "failed to reload OAuth tokens from the token store");
                return None;
            }
        };
        let differs = stored.refresh_token().map(ExposeSecret::expose_secret)
            != current.refresh_token().map(ExposeSecret::expose_secret);
        differs.then_some(stored)
    }

    fn now(&self) -> DateTime<Utc> {
        self.shared.oauth.clock().now()
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.shared
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

impl fmt::Debug for RefreshingTokenProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.lock();
        f.debug_struct("RefreshingTokenProvider")
            .field("oauth", &self.shared.oauth)
            .field("tokens", &state.tokens)
            .field("refresh_at", &state.refresh_at)
            .field("unsaved", &state.unsaved)
            .field("reauthorization_required", &state.reauthorization.is_some())
            .finish()
    }
}
