//! Authorization errors and the Pinterest error codes they come from.
//!
//! No message in this module contains a token or the client secret. Values
//! that come from Pinterest (a `code` and `message` from an error body) are
//! included, and so are file paths.

use std::fmt;
use std::sync::Arc;

use crate::Error;

/// Pinterest error codes that decide how the client reacts to a rejected
/// request.
pub mod codes {
    /// `401 {"code": 2, "message": "Authentication failed."}`: the access
    /// token is invalid, expired or revoked. The example response of this
    /// shape appears for many operations in Pinterest's OpenAPI document
    /// 5.23.0, and `token/revoke` documents it as a client authentication
    /// error (wrong app id or secret).
    pub const AUTHENTICATION_FAILED: i64 = 2;

    /// `401 {"code": 3, ...}`: the token lacks the scopes the operation
    /// needs. From the 401 example of `msot_events/create` in the 5.23.0
    /// document.
    pub const INSUFFICIENT_SCOPE: i64 = 3;

    /// `401 {"code": 7, "message": "Not authorized to access board or Pin."}`,
    /// from the 401 example of `multi_pins/analytics` in the 5.23.0 document.
    pub const NOT_AUTHORIZED_FOR_RESOURCE: i64 = 7;

    /// `401` or `403 {"code": 29, "message": "You are not permitted to access
    /// that resource."}`: the token's user may not act on the resource. The
    /// most common 401 example in the 5.23.0 document, and the 403 example
    /// of `token/revoke`.
    pub const NOT_PERMITTED: i64 = 29;

    /// `403 {"code": 403, "message": "Not authorized to ..."}`: the user may
    /// not access the board, section, account or analytics. From several 403
    /// examples in the 5.23.0 document.
    pub const FORBIDDEN: i64 = 403;

    /// `{"code": 283, "message": "The authorization grant is invalid"}`: the
    /// token endpoint's answer to a refresh token or authorization code it
    /// does not accept. The OpenAPI document has no example of it. A bug
    /// report in Pinterest's Python SDK repository
    /// (github.com/pinterest/pinterest-python-sdk) shows this body for an
    /// invalid refresh token.
    pub const INVALID_GRANT: i64 = 283;
}

/// An error from authorization: the OAuth flow, token calls, token refresh
/// or token storage.
///
/// Messages never contain a token or the client secret. The type is `Clone`
/// so that every request waiting on one refresh can receive its outcome.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// The refresh token or authorization code is no longer accepted (or
    /// there is none), so only a new authorization by the user can produce
    /// tokens again.
    #[error("OAuth re-authorization required: {reason}; send the user through the authorization flow again and pass the new tokens to the provider")]
    ReauthorizationRequired {
        /// The cause, such as a rejected or expired refresh token.
        reason: String,
    },

    /// The token endpoint rejected the app credentials.
    #[error("Pinterest rejected the app credentials (code {code}: {message}); check the client id and client secret")]
    InvalidClient {
        /// Pinterest's error code.
        code: i64,
        /// Pinterest's error message.
        message: String,
    },

    /// The access token is invalid, expired or revoked, and refreshing it
    /// did not help or was not possible.
    #[error("Pinterest rejected the access token as invalid or expired (code {code}: {message})")]
    InvalidAccessToken {
        /// Pinterest's error code.
        code: i64,
        /// Pinterest's error message.
        message: String,
    },

    /// The token lacks an OAuth scope the request needs. Refreshing does not
    /// add scopes.
    #[error("the access token lacks an OAuth scope this request needs (code {code}: {message}); authorize again with the scopes the operation lists")]
    MissingScope {
        /// Pinterest's error code.
        code: i64,
        /// Pinterest's error message.
        message: String,
    },

    /// The token's user or app may not access the resource. Refreshing does
    /// not change that.
    #[error(
        "the token's user or app is not permitted to access the resource (code {code}: {message})"
    )]
    NotPermitted {
        /// Pinterest's error code.
        code: i64,
        /// Pinterest's error message.
        message: String,
    },

    /// The token endpoint responded with another error status.
    #[error("the token endpoint answered HTTP {status}: {detail}")]
    TokenEndpoint {
        /// HTTP status.
        status: u16,
        /// Pinterest's error code, if the body had one.
        code: Option<i64>,
        /// Pinterest's message, or a description of the body.
        detail: String,
    },

    /// The token endpoint could not be reached or the connection failed.
    #[error("failed to reach the token endpoint: {0}")]
    Transport(#[source] Arc<reqwest::Error>),

    /// The token endpoint responded 200 with a body that is not a token
    /// response.
    #[error("invalid token response: {0}")]
    InvalidResponse(String),

    /// Saving or loading tokens failed. After a refresh, the new tokens stay
    /// in memory and the next request retries the save.
    #[error("token store failed: {0}")]
    Store(#[source] TokenStoreError),

    /// The `state` in the authorization callback does not match the one sent,
    /// so the callback may be forged (cross-site request forgery).
    #[error("the authorization callback's state does not match the state sent with the authorization URL; start the flow again")]
    StateMismatch,

    /// The user declined, or Pinterest reported an error in the callback.
    #[error("authorization failed with error `{error}`{}", description.as_deref().map(|d| format!(": {d}")).unwrap_or_default())]
    AuthorizationDenied {
        /// The `error` parameter of the callback, such as `access_denied`.
        error: String,
        /// The `error_description` parameter, if any.
        description: Option<String>,
    },

    /// The callback is malformed: no `code`, or not a URL or query string.
    #[error("invalid authorization callback: {0}")]
    InvalidCallback(String),

    /// A value passed to an auth function is unusable, such as a redirect
    /// URI that is not an absolute URL.
    #[error("invalid OAuth configuration: {0}")]
    InvalidConfig(String),
}

/// The kind of an [`AuthError`], without its details. Also what
/// [`AuthErrorExt::auth_error_kind`] returns for an API error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AuthErrorKind {
    /// See [`AuthError::ReauthorizationRequired`].
    ReauthorizationRequired,
    /// See [`AuthError::InvalidClient`].
    InvalidClient,
    /// See [`AuthError::InvalidAccessToken`].
    InvalidAccessToken,
    /// See [`AuthError::MissingScope`].
    MissingScope,
    /// See [`AuthError::NotPermitted`].
    NotPermitted,
    /// See [`AuthError::TokenEndpoint`].
    TokenEndpoint,
    /// See [`AuthError::Transport`].
    Transport,
    /// See [`AuthError::InvalidResponse`].
    InvalidResponse,
    /// See [`AuthError::Store`].
    Store,
    /// See [`AuthError::StateMismatch`].
    StateMismatch,
    /// See [`AuthError::AuthorizationDenied`].
    AuthorizationDenied,
    /// See [`AuthError::InvalidCallback`].
    InvalidCallback,
    /// See [`AuthError::InvalidConfig`].
    InvalidConfig,
}

impl AuthErrorKind {
    #[cfg(test)]
    const ALL: [AuthErrorKind; 13] = [
        AuthErrorKind::ReauthorizationRequired,
        AuthErrorKind::InvalidClient,
        AuthErrorKind::InvalidAccessToken,
        AuthErrorKind::MissingScope,
        AuthErrorKind::NotPermitted,
        AuthErrorKind::TokenEndpoint,
        AuthErrorKind::Transport,
        AuthErrorKind::InvalidResponse,
        AuthErrorKind::Store,
        AuthErrorKind::StateMismatch,
        AuthErrorKind::AuthorizationDenied,
        AuthErrorKind::InvalidCallback,
        AuthErrorKind::InvalidConfig,
    ];

    /// A stable snake_case name, such as `reauthorization_required`.
    pub fn as_str(self) -> &'static str {
        match self {
            AuthErrorKind::ReauthorizationRequired => "reauthorization_required",
            AuthErrorKind::InvalidClient => "invalid_client",
            AuthErrorKind::InvalidAccessToken => "invalid_access_token",
            AuthErrorKind::MissingScope => "missing_scope",
            AuthErrorKind::NotPermitted => "not_permitted",
            AuthErrorKind::TokenEndpoint => "token_endpoint",
            AuthErrorKind::Transport => "transport",
            AuthErrorKind::InvalidResponse => "invalid_response",
            AuthErrorKind::Store => "store",
            AuthErrorKind::StateMismatch => "state_mismatch",
            AuthErrorKind::AuthorizationDenied => "authorization_denied",
            AuthErrorKind::InvalidCallback => "invalid_callback",
            AuthErrorKind::InvalidConfig => "invalid_config",
        }
    }

    #[cfg(test)]
    fn from_name(name: &str) -> Option<AuthErrorKind> {
        AuthErrorKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == name)
    }
}

impl fmt::Display for AuthErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl AuthError {
    /// The kind of this error.
    pub fn kind(&self) -> AuthErrorKind {
        match self {
            AuthError::ReauthorizationRequired { .. } => AuthErrorKind::ReauthorizationRequired,
            AuthError::InvalidClient { .. } => AuthErrorKind::InvalidClient,
            AuthError::InvalidAccessToken { .. } => AuthErrorKind::InvalidAccessToken,
            AuthError::MissingScope { .. } => AuthErrorKind::MissingScope,
            AuthError::NotPermitted { .. } => AuthErrorKind::NotPermitted,
            AuthError::TokenEndpoint { .. } => AuthErrorKind::TokenEndpoint,
            AuthError::Transport(_) => AuthErrorKind::Transport,
            AuthError::InvalidResponse(_) => AuthErrorKind::InvalidResponse,
            AuthError::Store(_) => AuthErrorKind::Store,
            AuthError::StateMismatch => AuthErrorKind::StateMismatch,
            AuthError::AuthorizationDenied { .. } => AuthErrorKind::AuthorizationDenied,
            AuthError::InvalidCallback(_) => AuthErrorKind::InvalidCallback,
            AuthError::InvalidConfig(_) => AuthErrorKind::InvalidConfig,
        }
    }

    /// Whether only a new authorization by the user can fix this error.
    pub fn requires_reauthorization(&self) -> bool {
        self.kind() == AuthErrorKind::ReauthorizationRequired
    }

    /// Builds the error for an API response with `status` and Pinterest
    /// error `code`, or returns `None` if the pair is not an authorization
    /// failure.
    pub fn from_api_error(status: u16, code: i64, message: &str) -> Option<AuthError> {
        let message = message.to_owned();
        let error = match classify_api_error(status, code)? {
            AuthErrorKind::InvalidAccessToken => AuthError::InvalidAccessToken { code, message },
            AuthErrorKind::MissingScope => AuthError::MissingScope { code, message },
            _ => AuthError::NotPermitted { code, message },
        };
        Some(error)
    }
}

/// Classifies an API (not token endpoint) error response by status and
/// Pinterest code. Only [`codes::AUTHENTICATION_FAILED`] means the access
/// token itself is bad; the others are about scopes or permissions, which a
/// refresh cannot change.
pub(crate) fn classify_api_error(status: u16, code: i64) -> Option<AuthErrorKind> {
    match (status, code) {
        (401, codes::AUTHENTICATION_FAILED) => Some(AuthErrorKind::InvalidAccessToken),
        (401 | 403, codes::INSUFFICIENT_SCOPE) => Some(AuthErrorKind::MissingScope),
        (401 | 403, codes::NOT_PERMITTED | codes::NOT_AUTHORIZED_FOR_RESOURCE) => {
            Some(AuthErrorKind::NotPermitted)
        }
        (403, codes::FORBIDDEN) => Some(AuthErrorKind::NotPermitted),
        _ => None,
    }
}

/// A failure of a [`TokenStore`](super::TokenStore).
///
/// The message must not contain tokens; the stores in this crate put only
/// file paths and I/O errors in it.
#[derive(Debug, Clone)]
pub struct TokenStoreError {
    message: String,
    source: Option<Arc<dyn std::error::Error + Send + Sync>>,
}

impl TokenStoreError {
    /// A store error with a message, such as `failed to write /var/lib/app/tokens.json`.
    pub fn new(message: impl Into<String>) -> Self {
        TokenStoreError {
            message: message.into(),
            source: None,
        }
    }

    /// A store error caused by `source`.
    pub fn with_source(
        message: impl Into<String>,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        TokenStoreError {
            message: message.into(),
            source: Some(Arc::new(source)),
        }
    }
}

impl fmt::Display for TokenStoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.source {
            Some(source) => write!(f, "{}: {source}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for TokenStoreError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_ref()
            .map(|source| source.as_ref() as &(dyn std::error::Error + 'static))
    }
}

/// Reads the authorization failure out of an error that an operation
/// returned.
///
/// ```no_run
/// # async fn run(client: pinterest_v5::Client) {
/// use pinterest_v5::auth::{AuthErrorExt, AuthErrorKind};
///
/// if let Err(error) = client.boards_list().send().await {
///     match error.auth_error_kind() {
///         Some(AuthErrorKind::ReauthorizationRequired) => { /* ask the user to log in again */ }
///         Some(AuthErrorKind::MissingScope) => { /* authorize with more scopes */ }
///         _ => { /* another error */ }
///     }
/// }
/// # }
/// ```
pub trait AuthErrorExt {
    /// Returns the authorization failure this error represents, if any: a
    /// 401 or 403 whose Pinterest code means an invalid token, a missing
    /// scope or a missing permission, or a failed token refresh.
    fn auth_error_kind(&self) -> Option<AuthErrorKind>;
}

impl AuthErrorExt for Error {
    fn auth_error_kind(&self) -> Option<AuthErrorKind> {
        match self {
            Error::Auth(error) => Some(error.kind()),
            Error::Api(api) => classify_api_error(api.status, api.code?),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_codes_classified() {
        let cases = [
            (401, 2, Some(AuthErrorKind::InvalidAccessToken)),
            (401, 3, Some(AuthErrorKind::MissingScope)),
            (403, 3, Some(AuthErrorKind::MissingScope)),
            (401, 7, Some(AuthErrorKind::NotPermitted)),
            (401, 29, Some(AuthErrorKind::NotPermitted)),
            (403, 29, Some(AuthErrorKind::NotPermitted)),
            (403, 403, Some(AuthErrorKind::NotPermitted)),
            (403, 2, None),
            (403, 2625, None),
            (400, 1, None),
            (429, 8, None),
        ];

        for (status, code, expected) in cases {
            assert_eq!(
                classify_api_error(status, code),
                expected,
                "{status} code {code}"
            );
        }
    }

    #[test]
    fn every_kind_name_parses_back() {
        for kind in AuthErrorKind::ALL {
            assert_eq!(AuthErrorKind::from_name(kind.as_str()), Some(kind));
        }
    }
}
