//! The token endpoint calls: code exchange, refresh, client credentials and
//! revocation, written against the `OauthAccessTokenRequest*`,
//! `OauthAccessTokenResponse*` and `TokenRevocationRequest` schemas.
//!
//! The generated `oauth_token` operation cannot send these requests: its
//! body type has only `grant_type`, and it would authenticate with the
//! bearer token instead of the app credentials.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE};
use reqwest::{StatusCode, Url};
use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;

use super::authorize::PINTEREST_AUTHORIZE_URL;
use super::error::codes;
use super::{
    AppCredentials, AuthError, AuthorizationCode, Clock, PendingAuthorization, Scope, SystemClock,
    TokenSet,
};
use crate::client::{validate_base_url, ConfigError, DEFAULT_CONNECT_TIMEOUT, DEFAULT_TIMEOUT};
use crate::BaseUrl;

const FORM_CONTENT_TYPE: &str = "application/x-www-form-urlencoded";

/// The kind of token that [`OAuthClient::revoke`] revokes (`token_type_hint`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenTypeHint {
    /// `access_token`
    AccessToken,
    /// `refresh_token`
    RefreshToken,
}

impl TokenTypeHint {
    fn as_str(self) -> &'static str {
        match self {
            TokenTypeHint::AccessToken => "access_token",
            TokenTypeHint::RefreshToken => "refresh_token",
        }
    }
}

/// Builder for [`OAuthClient`], returned by [`OAuthClient::builder`].
#[derive(Debug)]
#[must_use]
pub struct OAuthClientBuilder {
    credentials: AppCredentials,
    base_url: BaseUrl,
    authorize_url: String,
    clock: Arc<dyn Clock>,
    continuous_refresh: bool,
    timeout: Duration,
    connect_timeout: Duration,
}

impl OAuthClientBuilder {
    /// Sets the API server whose `/oauth/token` endpoints the client calls.
    /// Defaults to [`BaseUrl::Production`].
    pub fn base_url(mut self, base_url: BaseUrl) -> Self {
        self.base_url = base_url;
        self
    }

    /// Sets the authorization page. Defaults to [`PINTEREST_AUTHORIZE_URL`].
    pub fn authorize_url(mut self, url: impl Into<String>) -> Self {
        self.authorize_url = url.into();
        self
    }

    /// Sets the clock that expiry times are computed from. Defaults to the
    /// system clock.
    pub fn clock(mut self, clock: impl Clock) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// Sets whether the code exchange sends `continuous_refresh=true`.
    /// Defaults to `true`.
    ///
    /// Pinterest apps created before 2025-09-25 need the parameter to receive
    /// a continuous refresh token, which is valid for 60 days and renewed by
    /// every refresh. Newer apps receive one without it.
    pub fn continuous_refresh(mut self, enabled: bool) -> Self {
        self.continuous_refresh = enabled;
        self
    }

    /// Sets the time limit for each token request. Defaults to
    /// [`DEFAULT_TIMEOUT`](crate::client::DEFAULT_TIMEOUT).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Checks the URLs and builds the client.
    pub fn build(self) -> Result<OAuthClient, ConfigError> {
        let base_url = validate_base_url(&self.base_url)?;
        let authorize_url = Url::parse(&self.authorize_url)
            .ok()
            .filter(|url| matches!(url.scheme(), "http" | "https"))
            .ok_or_else(|| ConfigError::InvalidAuthorizeUrl {
                url: self.authorize_url.clone(),
            })?;

        let http = reqwest::Client::builder()
            .user_agent(concat!("pinterest-v5/", env!("CARGO_PKG_VERSION")))
            .timeout(self.timeout)
            .connect_timeout(self.connect_timeout)
            // A token endpoint has no reason to redirect, and following one
            // would send the app credentials somewhere unplanned.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(ConfigError::Http)?;

        Ok(OAuthClient {
            inner: Arc::new(Inner {
                credentials: self.credentials,
                token_url: format!("{base_url}/oauth/token"),
                revoke_url: format!("{base_url}/oauth/token/revoke"),
                authorize_url,
                clock: self.clock,
                continuous_refresh: self.continuous_refresh,
                http,
            }),
        })
    }
}

/// A client for Pinterest's OAuth endpoints, authenticated with the app
/// credentials. Cloning is cheap and clones share one connection pool.
#[derive(Clone)]
pub struct OAuthClient {
    inner: Arc<Inner>,
}

struct Inner {
    credentials: AppCredentials,
    token_url: String,
    revoke_url: String,
    authorize_url: Url,
    clock: Arc<dyn Clock>,
    continuous_refresh: bool,
    http: reqwest::Client,
}

impl fmt::Debug for OAuthClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuthClient")
            .field("credentials", &self.inner.credentials)
            .field("token_url", &self.inner.token_url)
            .field("authorize_url", &self.inner.authorize_url.as_str())
            .field("continuous_refresh", &self.inner.continuous_refresh)
            .finish()
    }
}

impl OAuthClient {
    /// Starts building a client for the production API with the app's
    /// credentials.
    pub fn builder(credentials: AppCredentials) -> OAuthClientBuilder {
        OAuthClientBuilder {
            credentials,
            base_url: BaseUrl::Production,
            authorize_url: PINTEREST_AUTHORIZE_URL.to_owned(),
            clock: Arc::new(SystemClock),
            continuous_refresh: true,
            timeout: DEFAULT_TIMEOUT,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
        }
    }

    /// The app id.
    pub fn client_id(&self) -> &str {
        self.inner.credentials.client_id()
    }

    /// The clock expiry times are computed from.
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.inner.clock
    }

    /// Starts an authorization: the URL to send the user to, with a fresh
    /// random `state`, for a redirect URI registered for the app.
    pub fn authorization_request(
        &self,
        redirect_uri: &str,
        scopes: &[Scope],
    ) -> Result<PendingAuthorization, AuthError> {
        PendingAuthorization::new(
            &self.inner.authorize_url,
            self.client_id(),
            redirect_uri,
            scopes,
        )
    }

    /// Exchanges an authorization code for tokens (`grant_type=authorization_code`),
    /// sending the redirect URI the code was issued for.
    pub async fn exchange_code(&self, code: &AuthorizationCode) -> Result<TokenSet, AuthError> {
        let mut form = vec![
            ("grant_type", "authorization_code"),
            ("code", code.code().expose_secret()),
            ("redirect_uri", code.redirect_uri()),
        ];
        if self.inner.continuous_refresh {
            form.push(("continuous_refresh", "true"));
        }
        let body = self
            .post_form(&self.inner.token_url, &form, Grant::AuthorizationCode)
            .await?;
        TokenSet::from_response(&body, self.inner.clock.now())
    }

    /// Refreshes the access token of `tokens` (`grant_type=refresh_token`).
    ///
    /// Returns the complete new token set. A new refresh token in the
    /// response replaces the old one. When the response carries none, the
    /// old refresh token and its expiry are kept.
    pub async fn refresh(&self, tokens: &TokenSet) -> Result<TokenSet, AuthError> {
        let refresh_token =
            tokens
                .refresh_token()
                .ok_or_else(|| AuthError::ReauthorizationRequired {
                    reason: "the token set has no refresh token".to_owned(),
                })?;
        let form = [
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token.expose_secret()),
        ];
        let body = self
            .post_form(&self.inner.token_url, &form, Grant::RefreshToken)
            .await?;
        let refreshed = TokenSet::from_response(&body, self.inner.clock.now())?;
        Ok(tokens.merge_refresh(refreshed))
    }

    /// Requests an app token for `scopes` (`grant_type=client_credentials`).
    /// The response has no refresh token.
    pub async fn client_credentials(&self, scopes: &[Scope]) -> Result<TokenSet, AuthError> {
        if scopes.is_empty() {
            return Err(AuthError::InvalidConfig(
                "no scopes requested; the client credentials grant needs at least one".to_owned(),
            ));
        }
        let scope = Scope::join(scopes);
        let form = [("grant_type", "client_credentials"), ("scope", &scope)];
        let body = self
            .post_form(&self.inner.token_url, &form, Grant::ClientCredentials)
            .await?;
        TokenSet::from_response(&body, self.inner.clock.now())
    }

    /// Revokes an access or refresh token (`POST /oauth/token/revoke`).
    /// Pinterest documents this only for tokens of system users.
    pub async fn revoke(&self, token: &SecretString, hint: TokenTypeHint) -> Result<(), AuthError> {
        let form = [
            ("token", token.expose_secret()),
            ("token_type_hint", hint.as_str()),
        ];
        self.post_form(&self.inner.revoke_url, &form, Grant::Revocation)
            .await?;
        Ok(())
    }

    /// Sends a form with the app's Basic credentials and returns the body of
    /// a 200 response.
    async fn post_form(
        &self,
        url: &str,
        form: &[(&str, &str)],
        grant: Grant,
    ) -> Result<bytes::Bytes, AuthError> {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form)
            .finish();
        tracing::debug!(grant = grant.name(), url, "sending an OAuth token request");

        let response = self
            .inner
            .http
            .post(url)
            .header(AUTHORIZATION, self.inner.credentials.basic_authorization()?)
            .header(CONTENT_TYPE, FORM_CONTENT_TYPE)
            .header(ACCEPT, "application/json")
            .body(body)
            .send()
            .await
            .map_err(|error| AuthError::Transport(Arc::new(error)))?;
        let status = response.status();
        let body = response
            .bytes()
            .await
            .map_err(|error| AuthError::Transport(Arc::new(error)))?;

        if status == StatusCode::OK {
            return Ok(body);
        }
        Err(token_endpoint_error(status, &body, grant))
    }
}

/// The kind of token endpoint request, used to word its errors.
#[derive(Debug, Clone, Copy)]
enum Grant {
    AuthorizationCode,
    RefreshToken,
    ClientCredentials,
    Revocation,
}

impl Grant {
    fn name(self) -> &'static str {
        match self {
            Grant::AuthorizationCode => "authorization_code",
            Grant::RefreshToken => "refresh_token",
            Grant::ClientCredentials => "client_credentials",
            Grant::Revocation => "revocation",
        }
    }

    fn credential(self) -> &'static str {
        match self {
            Grant::AuthorizationCode => "authorization code",
            Grant::RefreshToken => "refresh token",
            Grant::ClientCredentials => "client credentials grant",
            Grant::Revocation => "revocation request",
        }
    }
}

/// Turns a token endpoint error response into an [`AuthError`].
///
/// Pinterest responds with its usual `{"code", "message"}` body. RFC 6749's
/// `{"error": "invalid_grant"}` form is accepted too, because Pinterest's
/// older v1 API used it.
fn token_endpoint_error(status: StatusCode, body: &[u8], grant: Grant) -> AuthError {
    let parsed: Option<Value> = serde_json::from_slice(body).ok();
    let field = |name: &str| parsed.as_ref().and_then(|value| value.get(name).cloned());
    let code = field("code").and_then(|value| value.as_i64());
    let message = field("message")
        .or_else(|| field("error_description"))
        .and_then(|value| value.as_str().map(str::to_owned));
    let oauth_error = field("error").and_then(|value| value.as_str().map(str::to_owned));
    let detail = message
        .clone()
        .or_else(|| oauth_error.clone())
        .unwrap_or_else(|| format!("a body of {} bytes with no error message", body.len()));

    let invalid_grant =
        code == Some(codes::INVALID_GRANT) || oauth_error.as_deref() == Some("invalid_grant");
    if invalid_grant {
        return AuthError::ReauthorizationRequired {
            reason: format!(
                "Pinterest rejected the {} (HTTP {}: {detail})",
                grant.credential(),
                status.as_u16()
            ),
        };
    }

    let invalid_client = (status == StatusCode::UNAUTHORIZED
        && code == Some(codes::AUTHENTICATION_FAILED))
        || oauth_error.as_deref() == Some("invalid_client");
    if invalid_client {
        return AuthError::InvalidClient {
            code: code.unwrap_or_default(),
            message: detail,
        };
    }
    if let (Some(code @ codes::NOT_PERMITTED), true) = (code, status.is_client_error()) {
        return AuthError::NotPermitted {
            code,
            message: detail,
        };
    }

    AuthError::TokenEndpoint {
        status: status.as_u16(),
        code,
        detail,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_grant_requires_reauthorization() {
        let bodies: [(u16, &[u8]); 3] = [
            (
                400,
                br#"{"code": 283, "message": "The authorization grant is invalid"}"#,
            ),
            (
                401,
                br#"{"code": 283, "message": "The authorization grant is invalid"}"#,
            ),
            (400, br#"{"error": "invalid_grant"}"#),
        ];

        for (status, body) in bodies {
            let status = StatusCode::from_u16(status).unwrap();

            let error = token_endpoint_error(status, body, Grant::RefreshToken);

            assert!(error.requires_reauthorization(), "{status}: {error}");
            assert!(error.to_string().contains("refresh token"), "{error}");
        }
    }

    #[test]
    fn wrong_credentials_are_invalid_client() {
        let body = br#"{"code": 2, "message": "Authentication failed."}"#;

        let error = token_endpoint_error(StatusCode::UNAUTHORIZED, body, Grant::RefreshToken);

        assert!(
            matches!(error, AuthError::InvalidClient { code: 2, .. }),
            "{error}"
        );
    }

    #[test]
    fn not_permitted_revocation() {
        let body = br#"{"code": 29, "message": "You are not permitted to access that resource."}"#;

        let error = token_endpoint_error(StatusCode::FORBIDDEN, body, Grant::Revocation);

        assert!(
            matches!(error, AuthError::NotPermitted { code: 29, .. }),
            "{error}"
        );
    }

    #[test]
    fn other_errors_keep_status_and_code() {
        let error = token_endpoint_error(
            StatusCode::SERVICE_UNAVAILABLE,
            b"<html>busy</html>",
            Grant::RefreshToken,
        );

        let AuthError::TokenEndpoint {
            status,
            code,
            detail,
        } = &error
        else {
            panic!("expected TokenEndpoint, got {error:?}");
        };
        assert_eq!(*status, 503);
        assert_eq!(*code, None);
        assert!(detail.contains("17 bytes"), "{detail}");
    }
}
