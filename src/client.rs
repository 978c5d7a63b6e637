//! Building a [`Client`]: base URL, credentials, user agent and timeouts,
//! and the hooks that authorize each request.

use std::time::Duration;

use progenitor_client::{ClientHooks, ClientInfo, OperationInfo};
use reqwest::header::{HeaderMap, HeaderValue, AUTHORIZATION};
use reqwest::{ResponseBuilderExt, StatusCode};
use secrecy::{ExposeSecret, SecretString};

use crate::auth::{codes, hook_message, AuthError, TokenProvider};
use crate::{Client, Error};

/// Pinterest's production API.
pub const PRODUCTION_URL: &str = "https://api.pinterest.com/v5";

/// Pinterest's sandbox API, which serves test ad accounts without spending
/// money. Some operations are not available there.
pub const SANDBOX_URL: &str = "https://api-sandbox.pinterest.com/v5";

/// Default time limit for a whole request, from connect to the last byte.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

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
    token_provider: Option<TokenProvider>,
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
}

impl Default for ClientBuilder {
    fn default() -> Self {
        ClientBuilder {
            base_url: BaseUrl::Production,
            token_provider: None,
            user_agent: None,
            timeout: DEFAULT_TIMEOUT,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
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

    /// Sets the time limit for a whole request. Defaults to [`DEFAULT_TIMEOUT`].
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
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

/// A failed refresh after Pinterest rejected the access token, attached by
/// [`Client::exec`] to the 401 response for [`Client::post`] to return.
#[derive(Clone)]
struct RefreshFailure(AuthError);

impl ClientHooks<Inner> for Client {
    /// Adds the bearer token, refreshed first if the provider finds it due,
    /// and removes progenitor's `api-version` header.
    ///
    /// A provider failure becomes [`Error::Custom`]; read its kind with
    /// [`AuthErrorExt`](crate::auth::AuthErrorExt).
    async fn pre<E>(
        &self,
        request: &mut reqwest::Request,
        _info: &OperationInfo,
    ) -> Result<(), Error<E>> {
        request.headers_mut().remove(PROGENITOR_VERSION_HEADER);

        if let Some(provider) = &self.inner().token_provider {
            let token = provider
                .access_token()
                .await
                .map_err(|error| Error::Custom(hook_message(&error)))?;
            set_bearer(request.headers_mut(), &token).map_err(Error::InvalidRequest)?;
        }
        Ok(())
    }

    /// Sends the request. With a refreshing provider, a 401 whose Pinterest
    /// code is [`codes::AUTHENTICATION_FAILED`] makes the provider refresh
    /// once, and the request is replayed once with the new token. The
    /// replay's response is returned whatever it is, so a token that keeps
    /// failing cannot cause a loop. Other 401s and 403s (missing scope or
    /// permission) are returned without a refresh, because a new token has
    /// the same scopes.
    async fn exec(
        &self,
        request: reqwest::Request,
        info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        let refreshing = self
            .inner()
            .token_provider
            .as_ref()
            .and_then(TokenProvider::as_refreshing);
        let Some(provider) = refreshing else {
            return self.client().execute(request).await;
        };

        let replay = request.try_clone();
        let sent_token = bearer_token(request.headers());
        let response = self.client().execute(request).await?;
        if response.status() != StatusCode::UNAUTHORIZED {
            return Ok(response);
        }
        let (mut response, code) = read_error_code(response).await?;
        let Some(sent_token) = sent_token.filter(|_| code == Some(codes::AUTHENTICATION_FAILED))
        else {
            return Ok(response);
        };

        let token = match provider.refresh_rejected(sent_token.expose_secret()).await {
            Ok(token) => token,
            Err(error) => {
                response.extensions_mut().insert(RefreshFailure(error));
                return Ok(response);
            }
        };
        let Some(mut replay) = replay else {
            // NOTE: a streamed body cannot be cloned, so such a request is
            // not replayed. The caller receives the 401, and a retry uses the
            // refreshed token.
            tracing::warn!(
                operation = info.operation_id,
                "refreshed the rejected access token, but the request body cannot be replayed"
            );
            return Ok(response);
        };
        if set_bearer(replay.headers_mut(), &token).is_err() {
            return Ok(response);
        }
        tracing::info!(
            operation = info.operation_id,
            "replaying the request once with the refreshed access token"
        );
        self.client().execute(replay).await
    }

    /// Turns a refresh failure recorded by [`Client::exec`] into the
    /// operation's error.
    async fn post<E>(
        &self,
        result: &reqwest::Result<reqwest::Response>,
        _info: &OperationInfo,
    ) -> Result<(), Error<E>> {
        let failure = result
            .as_ref()
            .ok()
            .and_then(|response| response.extensions().get::<RefreshFailure>());
        match failure {
            Some(RefreshFailure(error)) => Err(Error::Custom(hook_message(error))),
            None => Ok(()),
        }
    }
}

/// Sets `Authorization: Bearer <token>`, marked sensitive so HTTP logging
/// leaves it out.
fn set_bearer(headers: &mut HeaderMap, token: &SecretString) -> Result<(), String> {
    let mut value = HeaderValue::from_str(&format!("Bearer {}", token.expose_secret()))
        .map_err(|_| "the access token cannot be sent in a header".to_owned())?;
    value.set_sensitive(true);
    headers.insert(AUTHORIZATION, value);
    Ok(())
}

fn bearer_token(headers: &HeaderMap) -> Option<SecretString> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?;
    value.strip_prefix("Bearer ").map(SecretString::from)
}

/// Reads the body of an error response for its Pinterest `code`, and
/// rebuilds the response around the body so the generated code can still
/// decode it.
async fn read_error_code(
    response: reqwest::Response,
) -> reqwest::Result<(reqwest::Response, Option<i64>)> {
    let status = response.status();
    let version = response.version();
    let url = response.url().clone();
    let headers = response.headers().clone();
    let body = response.bytes().await?;

    let code = serde_json::from_slice::<serde_json::Value>(&body)
        .ok()
        .and_then(|value| value.get("code")?.as_i64());

    let mut builder = http::Response::builder()
        .status(status)
        .version(version)
        .url(url);
    if let Some(builder_headers) = builder.headers_mut() {
        *builder_headers = headers;
    }
    let rebuilt = builder
        .body(body)
        .expect("status and version come from a response that was received");
    Ok((reqwest::Response::from(rebuilt), code))
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
