//! An in-process Pinterest mock for tests and examples.
//!
//! [`MockServer`] listens on `127.0.0.1` on a free port and answers every
//! operation of the OpenAPI document with a sample success response built
//! from the document's own examples (or, where a field has none, a minimal
//! value that satisfies its schema). It checks the bearer token like
//! Pinterest does, answers unknown paths with a Pinterest-shaped 404, records
//! every request, and can be told to answer an operation with any status and
//! body.
//!
//! It also plays Pinterest's OAuth side: an authorization page that approves
//! at once ([`MockServer::authorize_url`]), and token endpoints that check
//! the app credentials ([`MOCK_CLIENT_ID`], [`MOCK_CLIENT_SECRET`]), issue
//! access tokens and rotating refresh tokens, and count requests. API calls
//! are accepted with any access token the mock issued.
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use pinterest_v5::mock::MockServer;
//!
//! let mock = MockServer::start().await?;
//! let client = mock.client();
//! let account = client.user_account_get().send().await?;
//! assert!(account.username.is_some());
//! # Ok(())
//! # }
//! ```

mod faults;

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};

use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};
use tokio::sync::oneshot;

use crate::auth::mock_endpoints::{self, OAuthMock};
use crate::auth::{AppCredentials, OAuthClient, TokenSet};
use crate::client::BaseUrl;
use crate::Client;

pub use crate::auth::mock_endpoints::{TokenRequest, MOCK_CLIENT_ID, MOCK_CLIENT_SECRET};
pub use faults::Fault;
pub use lists::{page_with_samples, ListScript, ListScriptError, PagingOutcome};

mod lists;

/// The bearer token the mock accepts until [`MockServer::set_access_token`] changes it.
pub const MOCK_ACCESS_TOKEN: &str = "mock-access-token";

/// Path prefix the mock serves the API under, like Pinterest's `/v5`.
const API_PREFIX: &str = "/v5";

/// One operation the mock serves, generated from the OpenAPI document.
#[derive(Debug, Clone, Copy)]
pub struct MockOperation {
    /// `operationId` as the document spells it, for example `boards/list`.
    pub operation_id: &'static str,
    /// The generated method on [`Client`], for example `boards_list`.
    pub method_name: &'static str,
    /// Uppercase HTTP method.
    pub method: &'static str,
    /// Path template below `/v5`, for example `/boards/{board_id}`.
    pub path: &'static str,
    /// Success status of the mock's response.
    pub status: u16,
    /// Sample JSON body of the success response, if it has one.
    pub body: Option<&'static str>,
}

static OPERATIONS: &[MockOperation] = include!(concat!(env!("OUT_DIR"), "/mock_table.rs"));

/// Returns every operation of the document, in document order.
pub fn operations() -> &'static [MockOperation] {
    OPERATIONS
}

/// A request the mock received.
#[derive(Debug, Clone)]
pub struct RecordedRequest {
    /// The matched operation's `operationId`, or `None` for an unknown path.
    pub operation_id: Option<&'static str>,
    /// HTTP method.
    pub method: String,
    /// Path below `/v5`.
    pub path: String,
    /// Raw query string, without the `?`.
    pub query: Option<String>,
    /// `Content-Type` header, if any.
    pub content_type: Option<String>,
    /// Request body as text (lossy for non-UTF-8 bytes).
    pub body: String,
    /// Whether the request carried the accepted bearer token.
    pub authorized: bool,
}

/// A scripted response that replaces the sample.
#[derive(Debug, Clone)]
struct Scripted {
    status: StatusCode,
    body: Value,
}

#[derive(Debug, Default)]
struct State {
    access_token: String,
    scripted: HashMap<&'static str, Scripted>,
    faults: HashMap<&'static str, VecDeque<Fault>>,
    requests: Vec<RecordedRequest>,
    oauth: OAuthMock,
    lists: lists::Lists,
}

/// Errors from configuring the mock.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MockError {
    /// The operation id is not in the document.
    #[error("unknown operation `{0}`; use an operationId such as `boards/list` (see pinterest_v5::mock::operations())")]
    UnknownOperation(String),
    /// The status is not a valid HTTP status code.
    #[error("invalid HTTP status {0}; use a code from 100 to 999")]
    InvalidStatus(u16),
    /// A scripted header name or value cannot be sent in HTTP.
    #[error("invalid header `{0}`; use a token name and a visible ASCII value")]
    InvalidHeader(String),
}

/// A running mock server. It stops when dropped.
pub struct MockServer {
    address: SocketAddr,
    state: Arc<Mutex<State>>,
    shutdown: Option<oneshot::Sender<()>>,
}

impl MockServer {
    /// Starts a mock on `127.0.0.1` on a free port.
    pub async fn start() -> std::io::Result<MockServer> {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
        let address = listener.local_addr()?;
        let state = Arc::new(Mutex::new(State {
            access_token: MOCK_ACCESS_TOKEN.to_owned(),
            ..State::default()
        }));

        let handler_state = Arc::clone(&state);
        let app = axum::Router::new().fallback(
            move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
                let state = Arc::clone(&handler_state);
                async move {
                    let response = handle(&state, method, uri, headers, body);
                    if let Some(faults::FaultDelay(delay)) = response.extensions().get() {
                        tokio::time::sleep(*delay).await;
                    }
                    lists::delay(response).await
                }
            },
        );

        let (shutdown, stopped) = oneshot::channel::<()>();
        tokio::spawn(async move {
            let server = axum::serve(listener, app).with_graceful_shutdown(async {
                let _ = stopped.await;
            });
            if let Err(error) = server.await {
                tracing::error!(%error, "mock server stopped with an error");
            }
        });

        Ok(MockServer {
            address,
            state,
            shutdown: Some(shutdown),
        })
    }

    /// The base URL to give a client, including the `/v5` prefix.
    pub fn base_url(&self) -> String {
        format!("http://{}{API_PREFIX}", self.address)
    }

    /// The address the mock listens on.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// A client pointed at this mock with the accepted access token and the
    /// mock app's credentials.
    pub fn client(&self) -> Client {
        let token = self.lock().access_token.clone();
        Client::builder()
            .base_url(BaseUrl::Custom(self.base_url()))
            .access_token(token)
            .app_credentials(AppCredentials::new(MOCK_CLIENT_ID, MOCK_CLIENT_SECRET))
            .build()
            .expect("the mock's own base URL and token are valid")
    }

    /// Makes the mock accept `token` instead of [`MOCK_ACCESS_TOKEN`].
    pub fn set_access_token(&self, token: impl Into<String>) {
        self.lock().access_token = token.into();
    }

    /// Makes the mock answer `operation_id` with `status` and the JSON `body`
    /// from now on.
    pub fn respond(&self, operation_id: &str, status: u16, body: Value) -> Result<(), MockError> {
        let operation = OPERATIONS
            .iter()
            .find(|op| op.operation_id == operation_id)
            .ok_or_else(|| MockError::UnknownOperation(operation_id.to_owned()))?;
        let status = StatusCode::from_u16(status).map_err(|_| MockError::InvalidStatus(status))?;

        self.lock()
            .scripted
            .insert(operation.operation_id, Scripted { status, body });
        Ok(())
    }

    /// Returns every request received so far, oldest first.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.lock().requests.clone()
    }

    /// The URL of the mock's authorization page, to pass to
    /// [`OAuthClientBuilder::authorize_url`](crate::auth::OAuthClientBuilder::authorize_url).
    /// A GET with a valid authorization query redirects at once to the
    /// `redirect_uri` with a new code and the `state`, as if the user had
    /// approved.
    pub fn authorize_url(&self) -> String {
        format!("http://{}/oauth/", self.address)
    }

    /// An OAuth client for this mock: its token endpoints, its
    /// authorization page and the app credentials it accepts.
    pub fn oauth_client(&self) -> OAuthClient {
        self.oauth_client_builder()
            .build()
            .expect("the mock's own URLs are valid")
    }

    /// Like [`MockServer::oauth_client`], but returns the builder, to set a
    /// clock or other options.
    pub fn oauth_client_builder(&self) -> crate::auth::OAuthClientBuilder {
        OAuthClient::builder(AppCredentials::new(MOCK_CLIENT_ID, MOCK_CLIENT_SECRET))
            .base_url(BaseUrl::Custom(self.base_url()))
            .authorize_url(self.authorize_url())
    }

    /// Issues an authorization code for `redirect_uri` and `scope` (comma
    /// separated), without the authorization page.
    pub fn issue_authorization_code(&self, redirect_uri: &str, scope: &str) -> String {
        self.lock().oauth.issue_code(redirect_uri, scope)
    }

    /// Issues an access token and a refresh token for `scope` and returns
    /// them as a token set whose access token expires at `expires_at`. The
    /// refresh token expires 60 days after `expires_at`.
    pub fn issue_tokens(&self, scope: &str, expires_at: chrono::DateTime<chrono::Utc>) -> TokenSet {
        let mut state = self.lock();
        let access_token = state.oauth.issue_access_token();
        let refresh_token = state.oauth.issue_refresh_token(scope);
        TokenSet::new(access_token, expires_at)
            .with_refresh_token(refresh_token, Some(expires_at + chrono::Duration::days(60)))
            .with_scopes(&crate::auth::Scope::split(scope))
    }

    /// Makes every access token issued so far invalid, so API calls with
    /// them get 401 code 2 (`Authentication failed.`).
    pub fn expire_access_tokens(&self) {
        self.lock().oauth.expire_access_tokens();
    }

    /// Makes every refresh token issued so far invalid, so refreshing with
    /// them gets 400 code 283 (`The authorization grant is invalid`).
    pub fn revoke_refresh_tokens(&self) {
        self.lock().oauth.revoke_refresh_tokens();
    }

    /// Sets whether a refresh returns a new refresh token and invalidates
    /// the old one (the default), or returns no refresh token.
    pub fn set_refresh_token_rotation(&self, rotate: bool) {
        self.lock().oauth.set_rotation(rotate);
    }

    /// Sets the `expires_in` of access tokens issued from now on, in
    /// seconds. Defaults to 30 days.
    pub fn set_access_token_lifetime(&self, seconds: i64) {
        self.lock().oauth.set_access_token_lifetime(seconds);
    }

    /// Makes the next token endpoint request (of any grant, or a
    /// revocation) fail with `status` and the JSON `body`. Calls queue up,
    /// one failure per request.
    pub fn fail_next_token_request(&self, status: u16, body: Value) -> Result<(), MockError> {
        let status = StatusCode::from_u16(status).map_err(|_| MockError::InvalidStatus(status))?;
        self.lock().oauth.script_failure(status, body);
        Ok(())
    }

    /// Every request to the token endpoints that carried app credentials
    /// (or none), oldest first.
    pub fn token_requests(&self) -> Vec<TokenRequest> {
        self.lock().oauth.token_requests().to_vec()
    }

    /// How many requests reached the token endpoints with app credentials
    /// (or none).
    pub fn token_request_count(&self) -> usize {
        self.lock().oauth.token_requests().len()
    }

    /// Every code and token the mock has issued, for tests that check that
    /// no secret leaks into output.
    pub fn issued_secrets(&self) -> Vec<String> {
        self.lock().oauth.issued_secrets().to_vec()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}

impl std::fmt::Debug for MockServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MockServer")
            .field("address", &self.address)
            .finish()
    }
}

fn handle(
    state: &Mutex<State>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut state = state.lock().unwrap_or_else(PoisonError::into_inner);
    if method == Method::GET && matches!(uri.path(), "/oauth" | "/oauth/") {
        return state.oauth.authorize(uri.query());
    }
    let path = uri
        .path()
        .strip_prefix(API_PREFIX)
        .unwrap_or(uri.path())
        .to_owned();
    let operation = uri
        .path()
        .starts_with(API_PREFIX)
        .then(|| find_operation(method.as_str(), &path))
        .flatten();
    let token_endpoint = operation.is_some() && mock_endpoints::is_token_endpoint(&path);
    let authorized = match bearer_token(&headers) {
        Some(token) => token == state.access_token || state.oauth.accepts_access_token(token),
        None => token_endpoint && mock_endpoints::has_app_credentials(&headers),
    };

    state.requests.push(RecordedRequest {
        operation_id: operation.map(|op| op.operation_id),
        method: method.to_string(),
        path: path.clone(),
        query: uri.query().map(str::to_owned),
        content_type: headers
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        body: String::from_utf8_lossy(&body).into_owned(),
        authorized,
    });

    let Some(operation) = operation else {
        let message = format!("Resource not found: {method} {}", uri.path());
        return error_response(StatusCode::NOT_FOUND, 404, &message);
    };
    if token_endpoint && !state.scripted.contains_key(operation.operation_id) {
        if let Some(response) = state.oauth.token_endpoint(&path, &headers, &body) {
            return response;
        }
    }
    if !authorized {
        return error_response(StatusCode::UNAUTHORIZED, 2, "Authentication failed.");
    }
    let fault = state
        .faults
        .get_mut(operation.operation_id)
        .and_then(VecDeque::pop_front);
    if let Some(fault) = fault {
        let mut response = fault
            .response()
            .unwrap_or_else(|| normal_response(&mut state, operation, &method, &uri, &body));
        response
            .extensions_mut()
            .insert(faults::FaultDelay(fault.wait()));
        return response;
    }
    normal_response(&mut state, operation, &method, &uri, &body)
}

/// The response without a scripted fault: a scripted list page, a response
/// set with [`MockServer::respond`], or the operation's sample.
fn normal_response(
    state: &mut State,
    operation: &'static MockOperation,
    method: &Method,
    uri: &Uri,
    body: &[u8],
) -> Response {
    if let Some(response) = state.lists.respond(operation, uri.query()) {
        return response;
    }
    if let Some(scripted) = state.scripted.get(operation.operation_id) {
        return (scripted.status, axum::Json(scripted.body.clone())).into_response();
    }
    sample_response(operation, method, body)
}

fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
}

fn error_response(status: StatusCode, code: u32, message: &str) -> Response {
    (
        status,
        axum::Json(json!({ "code": code, "message": message })),
    )
        .into_response()
}

/// The operation whose method and path template match. Templates with more
/// literal segments win, so `/boards/{board_id}` loses to `/boards/sections`
/// style paths when both match.
fn find_operation(method: &str, path: &str) -> Option<&'static MockOperation> {
    let segments: Vec<&str> = path.trim_end_matches('/').split('/').collect();

    OPERATIONS
        .iter()
        .filter(|op| op.method == method)
        .filter_map(|op| template_score(op.path, &segments).map(|score| (score, op)))
        .max_by_key(|(score, _)| *score)
        .map(|(_, op)| op)
}

/// How many literal segments of `template` match `segments`, or `None` when
/// the template does not match.
fn template_score(template: &str, segments: &[&str]) -> Option<usize> {
    let parts: Vec<&str> = template.trim_end_matches('/').split('/').collect();
    if parts.len() != segments.len() {
        return None;
    }

    let mut literal = 0;
    for (part, segment) in parts.iter().zip(segments) {
        if part.starts_with('{') && part.ends_with('}') {
            if segment.is_empty() {
                return None;
            }
        } else if part == segment {
            literal += 1;
        } else {
            return None;
        }
    }
    Some(literal)
}

/// The sample success response. For a JSON object request body, scalar
/// fields the sample also has are copied from the request, so that a created
/// object reads back with the name or privacy it was created with. Objects
/// and arrays are not copied: request and response shapes of one field often
/// differ.
fn sample_response(operation: &MockOperation, method: &Method, request_body: &[u8]) -> Response {
    let status = StatusCode::from_u16(operation.status).unwrap_or(StatusCode::OK);
    let Some(body) = operation.body else {
        return status.into_response();
    };

    let mut sample: Value = serde_json::from_str(body).unwrap_or(Value::Null);
    let echoes = matches!(*method, Method::POST | Method::PATCH | Method::PUT);
    if echoes {
        if let (Ok(Value::Object(request)), Value::Object(response)) =
            (serde_json::from_slice::<Value>(request_body), &mut sample)
        {
            for (key, value) in request {
                let is_scalar = !(value.is_object() || value.is_array());
                if is_scalar && response.contains_key(&key) {
                    response.insert(key, value);
                }
            }
        }
    }
    (status, axum::Json(sample)).into_response()
}

/// What calling an operation with sample arguments produced.
#[derive(Debug, Clone)]
pub struct SampleOutcome {
    /// The HTTP status, when a response arrived.
    pub status: Option<u16>,
    /// `Ok` when the success response decoded into its type; otherwise what
    /// failed, naming the argument, status or decoding error.
    pub result: Result<(), String>,
}

impl SampleOutcome {
    #[doc(hidden)]
    pub fn from_result<T>(result: Result<crate::ResponseValue<T>, crate::Error>) -> Self {
        match result {
            Ok(response) => SampleOutcome {
                status: Some(response.status().as_u16()),
                result: Ok(()),
            },
            Err(error) => SampleOutcome {
                status: error.status(),
                result: Err(describe_error(&error)),
            },
        }
    }
}

fn describe_error(error: &crate::Error) -> String {
    match error {
        crate::Error::Decode(decode) => {
            let excerpt: String = decode.body_excerpt.chars().take(300).collect();
            format!("{decode}; body starts {excerpt}")
        }
        crate::Error::Api(api) => format!("{api}; body {}", api.body_excerpt),
        other => other.to_string(),
    }
}

#[doc(hidden)]
pub fn sample_argument<T: serde::de::DeserializeOwned>(
    json: &str,
    operation_id: &str,
    argument: &str,
) -> Result<T, SampleOutcome> {
    serde_json::from_str(json).map_err(|e| SampleOutcome {
        status: None,
        result: Err(format!(
            "the sample for argument `{argument}` of `{operation_id}` does not fit its type: {e}; sample: {json}"
        )),
    })
}

/// Calls the operation `operation_id` (as the document spells it, such as
/// `boards/get`) through its builder, with every required argument set to a
/// sample built from the document. Returns `None` for an unknown operation.
///
/// This is test support: it lets a test call every operation of the API
/// without writing 231 calls by hand.
pub async fn call_with_samples(client: &Client, operation_id: &str) -> Option<SampleOutcome> {
    crate::generated::sample_calls::call(client, operation_id, false).await
}

/// Like [`call_with_samples`], but sets every argument the builder has,
/// optional ones included, so that optional query parameters are sent too.
pub async fn call_with_all_samples(client: &Client, operation_id: &str) -> Option<SampleOutcome> {
    crate::generated::sample_calls::call(client, operation_id, true).await
}

/// Where an operation's sample response holds values that a later upstream
/// release may change: open enum values and objects that may gain fields.
/// Test support for forward-compatibility checks.
#[doc(hidden)]
#[derive(Debug, Clone, Copy)]
pub struct ResponseShape {
    /// `operationId` as the document spells it.
    pub operation_id: &'static str,
    /// JSON pointers of open enum values in the sample body.
    pub enum_pointers: &'static [&'static str],
    /// JSON pointers of objects with declared properties in the sample body.
    pub object_pointers: &'static [&'static str],
}

static RESPONSE_SHAPES: &[ResponseShape] =
    include!(concat!(env!("OUT_DIR"), "/response_shapes.rs"));

/// The [`ResponseShape`] of every operation with a JSON success body.
#[doc(hidden)]
pub fn response_shapes() -> &'static [ResponseShape] {
    RESPONSE_SHAPES
}

/// Serializes every known value of every crate-owned enum, checks the wire
/// string and decodes it back. Returns how many values were checked and a
/// description of each failure.
#[doc(hidden)]
pub fn check_known_enum_values() -> (usize, Vec<String>) {
    crate::generated::types::check_known_enum_values()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_segments_win() {
        let segments: Vec<&str> = "/boards/123/sections".split('/').collect();

        assert_eq!(
            template_score("/boards/{board_id}/sections", &segments),
            Some(3)
        );
        assert_eq!(template_score("/boards/{board_id}/{x}", &segments), Some(2));
        assert_eq!(template_score("/boards/{board_id}", &segments), None);
    }

    #[test]
    fn table_covers_every_operation() {
        let ids: std::collections::BTreeSet<&str> =
            operations().iter().map(|op| op.operation_id).collect();

        assert_eq!(ids.len(), operations().len(), "operation ids are unique");
        assert!(ids.contains("boards/list"));
    }
}
