//! Building a [`Client`]: base URL, credentials, user agent and timeouts,
//! and the hooks that authorize each request.

use std::time::Duration;

use std::sync::Arc;

use progenitor_client::{ClientHooks, ClientInfo, Error, OperationInfo};
use reqwest::header::HeaderValue;
use secrecy::{ExposeSecret, SecretString};

use crate::auth::{AppCredentials, TokenProvider};
use crate::call;
use crate::ratelimit::{Limiter, RateLimits};
use crate::retry::RetryPolicy;
use crate::Client;

/// Pinterest's production API.
pub const PRODUCTION_URL: &str = "https://api.pinterest.com/v5";

/// Pinterest's sandbox API, which serves test ad accounts without spending
/// money. Some operations are not available there.
pub const SANDBOX_URL: &str = "https://api-sandbox.pinterest.com/v5";

/// Default time limit for one attempt, from connect to the last byte.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// Default time limit for a whole call: every attempt, retry wait and
/// rate-limit wait.
pub const DEFAULT_TOTAL_TIMEOUT: Duration = Duration::from_secs(120);

/// Default time limit for opening a connection.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Header that progenitor adds to every request. Pinterest does not define
/// it, so the client removes it before sending.
const PROGENITOR_VERSION_HEADER: &str = "api-version";

/// The server a client sends requests to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BaseUrl {
    /// [`PRODUCTION_URL`].
    Production,
    /// [`SANDBOX_URL`].
    Sandbox,
    /// Any other server that speaks the API, such as a mock or a proxy.
    /// The URL includes the `/v5` prefix if the server expects one.
    Custom(String),
}

impl BaseUrl {
    /// Returns the URL as a string, without a trailing slash.
    pub fn as_str(&self) -> &str {
        match self {
            BaseUrl::Production => PRODUCTION_URL,
            BaseUrl::Sandbox => SANDBOX_URL,
            BaseUrl::Custom(url) => url.trim_end_matches('/'),
        }
    }
}

/// An invalid client configuration, reported by [`ClientBuilder::build`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The base URL does not parse or is not `http` or `https`.
    #[error("invalid base URL `{url}`: {reason}; expected an absolute http or https URL such as {PRODUCTION_URL}")]
    InvalidBaseUrl {
        /// The URL as given.
        url: String,
        /// The reason it was rejected.
        reason: String,
    },
    /// The access token is empty or cannot be sent in an HTTP header.
    #[error("invalid access token: {reason}; pass the token exactly as Pinterest issued it")]
    InvalidAccessToken {
        /// The reason it was rejected. Never contains the token itself.
        reason: &'static str,
    },
    /// The user agent cannot be sent in an HTTP header.
    #[error(
        "invalid user agent `{user_agent}`: it contains characters not allowed in an HTTP header"
    )]
    InvalidUserAgent {
        /// The user agent as given.
        user_agent: String,
    },
    /// The OAuth authorization page URL does not parse or is not `http` or
    /// `https`.
    #[error(
        "invalid authorization URL `{url}`; expected an absolute http or https URL such as {}",
        crate::auth::PINTEREST_AUTHORIZE_URL
    )]
    InvalidAuthorizeUrl {
        /// The URL as given.
        url: String,
    },
    /// The HTTP client could not be built (for example, no TLS backend).
    #[error("failed to build the HTTP client: {0}")]
    Http(#[source] reqwest::Error),
}

/// Client state that generated code carries and hooks read.
#[derive(Clone, Debug)]
pub struct Inner {
    pub(crate) token_provider: Option<TokenProvider>,
    pub(crate) retry: RetryPolicy,
    pub(crate) limiter: Arc<Limiter>,
    pub(crate) total_timeout: Duration,
    pub(crate) sandbox: bool,
    pub(crate) app_credentials: Option<AppCredentials>,
}

/// Builder for [`Client`], returned by [`Client::builder`].
#[derive(Debug)]
#[must_use]
pub struct ClientBuilder {
    base_url: BaseUrl,
    token_provider: Option<TokenProvider>,
    user_agent: Option<String>,
    timeout: Duration,
    connect_timeout: Duration,
    total_timeout: Duration,
    retry: RetryPolicy,
    rate_limits: RateLimits,
    sandbox: bool,
    app_credentials: Option<AppCredentials>,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        ClientBuilder {
            base_url: BaseUrl::Production,
            token_provider: None,
            user_agent: None,
            timeout: DEFAULT_TIMEOUT,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            total_timeout: DEFAULT_TOTAL_TIMEOUT,
            retry: RetryPolicy::default(),
            rate_limits: RateLimits::default(),
            sandbox: false,
            app_credentials: None,
        }
    }
}

impl ClientBuilder {
    /// Sets where requests go. Defaults to [`BaseUrl::Production`].
    pub fn base_url(mut self, base_url: BaseUrl) -> Self {
        self.base_url = base_url;
        self
    }

    /// Sets the OAuth access token sent as `Authorization: Bearer …` on
    /// every request. The token is never refreshed; use
    /// [`token_provider`](Self::token_provider) for that. Replaces an
    /// earlier token or provider.
    pub fn access_token(mut self, token: impl Into<String>) -> Self {
        self.token_provider = Some(TokenProvider::fixed(token));
        self
    }

    /// Sets where the access token for each request comes from, such as a
    /// [`RefreshingTokenProvider`](crate::auth::RefreshingTokenProvider).
    /// Replaces an earlier token or provider.
    pub fn token_provider(mut self, provider: impl Into<TokenProvider>) -> Self {
        self.token_provider = Some(provider.into());
        self
    }

    /// Adds an application name to the `User-Agent` header, before the
    /// crate's own `pinterest-v5/<version>`.
    pub fn user_agent(mut self, application: impl Into<String>) -> Self {
        self.user_agent = Some(application.into());
        self
    }

    /// Sets the time limit for one attempt, from connect to the last byte.
    /// Defaults to [`DEFAULT_TIMEOUT`].
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Sets the time limit for a whole call, retries and waits included.
    /// Defaults to [`DEFAULT_TOTAL_TIMEOUT`].
    pub fn total_timeout(mut self, timeout: Duration) -> Self {
        self.total_timeout = timeout;
        self
    }

    /// Sets when failed attempts are retried. Defaults to
    /// [`RetryPolicy::default`]; [`RetryPolicy::none`] turns retries off.
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Sets the app's client id and secret, which the generated token
    /// operations (`oauth_token`, `token_revoke`) send as HTTP Basic.
    /// [`OAuthClient`](crate::auth::OAuthClient) is the usual way to make
    /// those calls; this is for calling the generated builders directly.
    pub fn app_credentials(mut self, credentials: AppCredentials) -> Self {
        self.app_credentials = Some(credentials);
        self
    }

    /// Applies the sandbox's rules to a [`BaseUrl::Custom`] server, such as
    /// a proxy in front of the sandbox or a mock of it: operations the
    /// sandbox does not serve fail before sending. [`BaseUrl::Sandbox`]
    /// always applies them.
    pub fn sandbox_rules(mut self, sandbox: bool) -> Self {
        self.sandbox = sandbox;
        self
    }

    /// Sets the client-side rate limiter's quotas. Defaults to
    /// [`RateLimits::default`]; [`RateLimits::disabled`] turns it off.
    pub fn rate_limits(mut self, limits: RateLimits) -> Self {
        self.rate_limits = limits;
        self
    }

    /// Sets the time limit for opening a connection. Defaults to
    /// [`DEFAULT_CONNECT_TIMEOUT`].
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Checks the configuration and builds the client.
    pub fn build(self) -> Result<Client, ConfigError> {
        let base_url = validate_base_url(&self.base_url)?;
        if let Some(token) = self
            .token_provider
            .as_ref()
            .and_then(TokenProvider::fixed_token)
        {
            validate_token(token)?;
        }
        let user_agent = user_agent(self.user_agent.as_deref())?;

        let http = reqwest::Client::builder()
            .user_agent(user_agent)
            .timeout(self.timeout)
            .connect_timeout(self.connect_timeout)
            .build()
            .map_err(ConfigError::Http)?;

        let inner = Inner {
            token_provider: self.token_provider,
            retry: self.retry,
            limiter: Limiter::new(self.rate_limits),
            total_timeout: self.total_timeout,
            sandbox: self.sandbox || self.base_url == BaseUrl::Sandbox,
            app_credentials: self.app_credentials,
        };
        Ok(Client::new_with_client(&base_url, http, inner))
    }
}

impl Client {
    /// Starts building a client for the production API.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// The base URL requests go to, without a trailing slash.
    pub fn base_url(&self) -> &str {
        self.baseurl()
    }

    /// Returns the source of the client's access token, if it sends one.
    pub fn token_provider(&self) -> Option<&TokenProvider> {
        self.inner().token_provider.as_ref()
    }
}

pub(crate) fn validate_base_url(base_url: &BaseUrl) -> Result<String, ConfigError> {
    let text = base_url.as_str();
    let invalid = |reason: String| ConfigError::InvalidBaseUrl {
        url: text.to_owned(),
        reason,
    };

    let parsed = reqwest::Url::parse(text).map_err(|e| invalid(e.to_string()))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(invalid(format!(
            "scheme `{}` is not http or https",
            parsed.scheme()
        )));
    }
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return Err(invalid("it has a query or fragment".to_owned()));
    }
    Ok(text.to_owned())
}

fn validate_token(token: &SecretString) -> Result<(), ConfigError> {
    let value = token.expose_secret();
    if value.trim().is_empty() {
        return Err(ConfigError::InvalidAccessToken {
            reason: "it is empty",
        });
    }
    if HeaderValue::from_str(&format!("Bearer {value}")).is_err() {
        return Err(ConfigError::InvalidAccessToken {
            reason: "it contains characters not allowed in an HTTP header",
        });
    }
    Ok(())
}

fn user_agent(application: Option<&str>) -> Result<HeaderValue, ConfigError> {
    let own = concat!("pinterest-v5/", env!("CARGO_PKG_VERSION"));
    let text = match application {
        Some(application) => format!("{application} {own}"),
        None => own.to_owned(),
    };
    HeaderValue::from_str(&text).map_err(|_| ConfigError::InvalidUserAgent {
        user_agent: application.unwrap_or_default().to_owned(),
    })
}

impl ClientHooks<Inner> for Client {
    /// Checks that the operation is served at the client's base URL, adds
    /// the bearer token (refreshed first if the provider finds it due) and
    /// removes progenitor's `api-version` header.
    async fn pre<E>(
        &self,
        request: &mut reqwest::Request,
        info: &OperationInfo,
    ) -> Result<(), Error<E>> {
        request.headers_mut().remove(PROGENITOR_VERSION_HEADER);
        // Boxed so that every generated call's future stays small.
        Box::pin(call::prepare(self, request, info)).await
    }

    /// Sends the request's attempts: rate limiting, retries and the one
    /// refresh after a rejected token. See [`crate::retry`].
    async fn exec(
        &self,
        request: reqwest::Request,
        info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        Box::pin(call::execute(self, request, info)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_url_rejects_bad_values() {
        for url in [
            "not a url",
            "ftp://example.com/v5",
            "https://example.com/v5?x=1",
        ] {
            let err = Client::builder()
                .base_url(BaseUrl::Custom(url.to_owned()))
                .build()
                .unwrap_err();

            assert!(
                matches!(err, ConfigError::InvalidBaseUrl { .. }),
                "{url}: {err}"
            );
            assert!(err.to_string().contains(url), "{err}");
        }
    }

    #[test]
    fn base_url_trailing_slash_removed() {
        let client = Client::builder()
            .base_url(BaseUrl::Custom("http://127.0.0.1:9/v5/".to_owned()))
            .build()
            .unwrap();

        assert_eq!(client.base_url(), "http://127.0.0.1:9/v5");
    }

    #[test]
    fn token_rejected_without_echo() {
        let err = Client::builder()
            .access_token("secret\nvalue")
            .build()
            .unwrap_err();

        assert!(matches!(err, ConfigError::InvalidAccessToken { .. }));
        assert!(!err.to_string().contains("secret"), "{err}");
    }

    #[test]
    fn debug_output_hides_token() {
        let client = Client::builder()
            .access_token("pina_SECRET123")
            .build()
            .unwrap();

        let printed = format!("{client:?}");

        assert!(!printed.contains("SECRET123"), "{printed}");
        assert!(printed.contains("[redacted]"), "{printed}");
    }
}
