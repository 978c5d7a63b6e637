//! The OAuth side of the embedded mock ([`crate::mock::MockServer`]).
//!
//! It keeps state like Pinterest does: the authorization page issues
//! single-use codes bound to a redirect URI, `/oauth/token` checks the app's
//! Basic credentials and the form body, issues access tokens and rotating
//! refresh tokens, and `/oauth/token/revoke` revokes them. API requests are
//! accepted with any access token issued here and not expired or revoked.

use std::collections::{HashMap, HashSet, VecDeque};

use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use serde_json::{json, Map, Value};

use super::error::codes;

/// The app id the mock accepts.
pub const MOCK_CLIENT_ID: &str = "1500000";

/// The app secret the mock accepts.
pub const MOCK_CLIENT_SECRET: &str = "mock-client-secret";

/// Default access token lifetime: 30 days, like Pinterest's access tokens.
const DEFAULT_ACCESS_TOKEN_LIFETIME: i64 = 30 * 24 * 3600;

/// Refresh token lifetime: 60 days, like Pinterest's continuous refresh
/// tokens.
const REFRESH_TOKEN_LIFETIME: i64 = 60 * 24 * 3600;

/// A request the mock received at `/oauth/token` or `/oauth/token/revoke`
/// with app credentials (not a bearer token).
#[derive(Debug, Clone)]
pub struct TokenRequest {
    /// Path below `/v5`: `/oauth/token` or `/oauth/token/revoke`.
    pub path: String,
    /// `Content-Type` header, if any.
    pub content_type: Option<String>,
    /// `Authorization` header, if any.
    pub authorization: Option<String>,
    /// The form fields in the order sent.
    pub form: Vec<(String, String)>,
    /// The status the mock responded with.
    pub status: u16,
}

impl TokenRequest {
    /// The value of form field `name`, if sent.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.form
            .iter()
            .find(|(field, _)| field == name)
            .map(|(_, value)| value.as_str())
    }

    /// The names of the form fields in the order sent.
    pub fn field_names(&self) -> Vec<&str> {
        self.form.iter().map(|(name, _)| name.as_str()).collect()
    }
}

#[derive(Debug)]
struct IssuedCode {
    redirect_uri: String,
    scope: String,
}

/// OAuth state of one mock server.
#[derive(Debug)]
pub(crate) struct OAuthMock {
    codes: HashMap<String, IssuedCode>,
    access_tokens: HashSet<String>,
    /// Valid refresh tokens and the scope they grant.
    refresh_tokens: HashMap<String, String>,
    rotate_refresh_tokens: bool,
    access_token_lifetime: i64,
    scripted_failures: VecDeque<(StatusCode, Value)>,
    token_requests: Vec<TokenRequest>,
    issued_secrets: Vec<String>,
    serial: u64,
}

impl Default for OAuthMock {
    fn default() -> Self {
        OAuthMock {
            codes: HashMap::new(),
            access_tokens: HashSet::new(),
            refresh_tokens: HashMap::new(),
            rotate_refresh_tokens: true,
            access_token_lifetime: DEFAULT_ACCESS_TOKEN_LIFETIME,
            scripted_failures: VecDeque::new(),
            token_requests: Vec::new(),
            issued_secrets: Vec::new(),
            serial: 0,
        }
    }
}

/// Whether `path` (below `/v5`) is one of the token endpoints.
pub(crate) fn is_token_endpoint(path: &str) -> bool {
    matches!(path, "/oauth/token" | "/oauth/token/revoke")
}

/// Whether the request carries the mock app's Basic credentials.
pub(crate) fn has_app_credentials(headers: &HeaderMap) -> bool {
    let expected = base64::engine::general_purpose::STANDARD
        .encode(format!("{MOCK_CLIENT_ID}:{MOCK_CLIENT_SECRET}"));
    authorization(headers).and_then(|value| value.strip_prefix("Basic ")) == Some(expected.as_str())
}

fn authorization(headers: &HeaderMap) -> Option<&str> {
    headers.get(header::AUTHORIZATION)?.to_str().ok()
}

fn error_body(status: StatusCode, code: i64, message: &str) -> Response {
    (
        status,
        axum::Json(json!({ "code": code, "message": message })),
    )
        .into_response()
}

fn invalid_grant() -> Response {
    error_body(
        StatusCode::BAD_REQUEST,
        codes::INVALID_GRANT,
        "The authorization grant is invalid",
    )
}

fn invalid_parameters(message: &str) -> Response {
    error_body(StatusCode::BAD_REQUEST, 1, message)
}

impl OAuthMock {
    pub(crate) fn accepts_access_token(&self, token: &str) -> bool {
        self.access_tokens.contains(token)
    }

    /// Serves the authorization page as if the user approved at once: a
    /// redirect to `redirect_uri` with a new code and the `state` sent.
    pub(crate) fn authorize(&mut self, query: Option<&str>) -> Response {
        let pairs: HashMap<String, String> =
            url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
                .into_owned()
                .collect();
        let field = |name: &str| pairs.get(name).map(String::as_str);

        if field("client_id") != Some(MOCK_CLIENT_ID) {
            return (StatusCode::BAD_REQUEST, "unknown client_id").into_response();
        }
        if field("response_type") != Some("code") {
            return (StatusCode::BAD_REQUEST, "response_type must be code").into_response();
        }
        let Some(scope) = field("scope").filter(|scope| !scope.is_empty()) else {
            return (StatusCode::BAD_REQUEST, "scope is missing").into_response();
        };
        let Some(redirect_uri) = field("redirect_uri") else {
            return (StatusCode::BAD_REQUEST, "redirect_uri is missing").into_response();
        };
        let Ok(mut redirect) = url::Url::parse(redirect_uri) else {
            return (
                StatusCode::BAD_REQUEST,
                "redirect_uri is not an absolute URL",
            )
                .into_response();
        };

        // The code is bound to the URI exactly as sent, because the code
        // exchange must send the same string.
        let code = self.issue_code(redirect_uri, scope);
        {
            let mut query = redirect.query_pairs_mut();
            query.append_pair("code", &code);
            if let Some(state) = field("state") {
                query.append_pair("state", state);
            }
        }
        (
            StatusCode::FOUND,
            [(header::LOCATION, redirect.to_string())],
        )
            .into_response()
    }

    /// Handles a request to a token endpoint, or returns `None` when it
    /// carries a bearer token. Such a request gets the generic sample
    /// response, as every other operation does, so the generated
    /// `oauth_token` and `token_revoke` builders keep working against the
    /// mock.
    pub(crate) fn token_endpoint(
        &mut self,
        path: &str,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Option<Response> {
        let authorization_header = authorization(headers).map(str::to_owned);
        if authorization_header
            .as_deref()
            .is_some_and(|value| value.starts_with("Bearer "))
        {
            return None;
        }
        let content_type = headers
            .get(header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned);
        let form: Vec<(String, String)> = url::form_urlencoded::parse(body).into_owned().collect();

        let response = self.answer_token_request(path, headers, content_type.as_deref(), &form);
        self.token_requests.push(TokenRequest {
            path: path.to_owned(),
            content_type,
            authorization: authorization_header,
            form,
            status: response.status().as_u16(),
        });
        Some(response)
    }

    fn answer_token_request(
        &mut self,
        path: &str,
        headers: &HeaderMap,
        content_type: Option<&str>,
        form: &[(String, String)],
    ) -> Response {
        if let Some((status, body)) = self.scripted_failures.pop_front() {
            return (status, axum::Json(body)).into_response();
        }
        if !has_app_credentials(headers) {
            return error_body(
                StatusCode::UNAUTHORIZED,
                codes::AUTHENTICATION_FAILED,
                "Authentication failed.",
            );
        }
        if content_type != Some("application/x-www-form-urlencoded") {
            return invalid_parameters("The body must be application/x-www-form-urlencoded.");
        }
        let field = |name: &str| {
            form.iter()
                .find(|(field, _)| field == name)
                .map(|(_, value)| value.as_str())
        };

        if path == "/oauth/token/revoke" {
            let Some(token) = field("token") else {
                return invalid_parameters("token is missing.");
            };
            self.access_tokens.remove(token);
            self.refresh_tokens.remove(token);
            return StatusCode::OK.into_response();
        }

        match field("grant_type") {
            Some("authorization_code") => {
                let (Some(code), Some(redirect_uri)) = (field("code"), field("redirect_uri"))
                else {
                    return invalid_parameters("code and redirect_uri are required.");
                };
                match self.codes.remove(code) {
                    Some(issued) if issued.redirect_uri == redirect_uri => {
                        self.token_response("authorization_code", &issued.scope, true)
                    }
                    _ => invalid_grant(),
                }
            }
            Some("refresh_token") => {
                let Some(refresh_token) = field("refresh_token") else {
                    return invalid_parameters("refresh_token is required.");
                };
                let Some(scope) = self.refresh_tokens.get(refresh_token).cloned() else {
                    return invalid_grant();
                };
                if self.rotate_refresh_tokens {
                    self.refresh_tokens.remove(refresh_token);
                }
                let rotate = self.rotate_refresh_tokens;
                self.token_response("refresh_token", &scope, rotate)
            }
            Some("client_credentials") => match field("scope") {
                Some(scope) if !scope.is_empty() => {
                    let scope = scope.to_owned();
                    self.token_response("client_credentials", &scope, false)
                }
                _ => invalid_parameters("scope is required."),
            },
            _ => invalid_parameters("grant_type is missing or not supported."),
        }
    }

    /// A 200 token response with a new access token and, if
    /// `with_refresh_token`, a new refresh token, shaped like the
    /// `OauthAccessTokenResponse*` schemas.
    fn token_response(
        &mut self,
        response_type: &str,
        scope: &str,
        with_refresh_token: bool,
    ) -> Response {
        let access_token = self.issue_access_token();
        let mut body = Map::new();
        body.insert("access_token".into(), json!(access_token));
        body.insert("token_type".into(), json!("bearer"));
        body.insert("expires_in".into(), json!(self.access_token_lifetime));
        body.insert("scope".into(), json!(scope));
        body.insert("response_type".into(), json!(response_type));
        if with_refresh_token {
            let refresh_token = self.issue_refresh_token(scope);
            let expires_at = chrono::Utc::now().timestamp() + REFRESH_TOKEN_LIFETIME;
            body.insert("refresh_token".into(), json!(refresh_token));
            body.insert(
                "refresh_token_expires_in".into(),
                json!(REFRESH_TOKEN_LIFETIME),
            );
            body.insert("refresh_token_expires_at".into(), json!(expires_at));
        }
        (StatusCode::OK, axum::Json(Value::Object(body))).into_response()
    }

    fn new_secret(&mut self, prefix: &str) -> String {
        self.serial += 1;
        let secret = format!("{prefix}{}_{:016x}", self.serial, rand::random::<u64>());
        self.issued_secrets.push(secret.clone());
        secret
    }

    pub(crate) fn issue_code(&mut self, redirect_uri: &str, scope: &str) -> String {
        let code = self.new_secret("mockcode");
        self.codes.insert(
            code.clone(),
            IssuedCode {
                redirect_uri: redirect_uri.to_owned(),
                scope: scope.to_owned(),
            },
        );
        code
    }

    pub(crate) fn issue_access_token(&mut self) -> String {
        let token = self.new_secret("pina_mock");
        self.access_tokens.insert(token.clone());
        token
    }

    pub(crate) fn issue_refresh_token(&mut self, scope: &str) -> String {
        let token = self.new_secret("pinr_mock");
        self.refresh_tokens.insert(token.clone(), scope.to_owned());
        token
    }

    pub(crate) fn expire_access_tokens(&mut self) {
        self.access_tokens.clear();
    }

    pub(crate) fn revoke_refresh_tokens(&mut self) {
        self.refresh_tokens.clear();
    }

    pub(crate) fn set_rotation(&mut self, rotate: bool) {
        self.rotate_refresh_tokens = rotate;
    }

    pub(crate) fn set_access_token_lifetime(&mut self, seconds: i64) {
        self.access_token_lifetime = seconds;
    }

    pub(crate) fn script_failure(&mut self, status: StatusCode, body: Value) {
        self.scripted_failures.push_back((status, body));
    }

    pub(crate) fn token_requests(&self) -> &[TokenRequest] {
        &self.token_requests
    }

    pub(crate) fn issued_secrets(&self) -> &[String] {
        &self.issued_secrets
    }
}
