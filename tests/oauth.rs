//! OAuth against the embedded mock: the exact shape of every token request,
//! single-flight refresh, refresh token rotation and persistence, refresh
//! before expiry on a fake clock, reactive refresh after a 401, and the
//! failures (invalid grant, store errors, missing scopes).
//!
//! Every test captures log output and formatted errors and checks that no
//! token, code or client secret appears in them.

#![cfg(feature = "mock")]

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::Duration;

use base64::Engine;
use chrono::{DateTime, TimeZone, Utc};
use pinterest_v5::auth::{
    AppCredentials, AuthError, AuthErrorExt, AuthErrorKind, JsonFileTokenStore, ManualClock,
    MemoryTokenStore, OAuthClient, RefreshingTokenProvider, Scope, TokenSet, TokenStore,
    TokenStoreError, TokenTypeHint,
};
use pinterest_v5::mock::{
    MockServer, RecordedRequest, TokenRequest, MOCK_ACCESS_TOKEN, MOCK_CLIENT_ID,
    MOCK_CLIENT_SECRET,
};
use pinterest_v5::{BaseUrl, Client};
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;

const SCOPE: &str = "user_accounts:read,boards:read";
const REDIRECT_URI: &str = "http://127.0.0.1:8085/callback";
const FORM: &str = "application/x-www-form-urlencoded";
const MARGIN: Duration = Duration::from_secs(5 * 60);

// ---------------------------------------------------------------------------
// Log capture and the secret check

/// Log output of every test in this binary. Tracing allows one global
/// subscriber, and requests run on runtime worker threads, so a per-test
/// thread-local subscriber would miss events.
fn logs() -> &'static Arc<Mutex<Vec<u8>>> {
    static LOGS: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LOGS.get_or_init(|| {
        let buffer = Arc::new(Mutex::new(Vec::new()));
        let writer = Arc::clone(&buffer);
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_writer(move || LogWriter(Arc::clone(&writer)))
            .finish();
        tracing::subscriber::set_global_default(subscriber)
            .expect("no other global subscriber is installed in this test binary");
        buffer
    })
}

struct LogWriter(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for LogWriter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn captured_logs() -> String {
    let bytes = logs().lock().unwrap_or_else(PoisonError::into_inner);
    String::from_utf8_lossy(&bytes).into_owned()
}

/// Asserts that no secret of `mock` (issued codes and tokens, the client
/// secret and its Basic encoding) appears in the logs or in `outputs`.
fn assert_no_secrets(mock: &MockServer, outputs: &[String]) {
    let basic = base64::engine::general_purpose::STANDARD
        .encode(format!("{MOCK_CLIENT_ID}:{MOCK_CLIENT_SECRET}"));
    let mut secrets = mock.issued_secrets();
    secrets.push(MOCK_CLIENT_SECRET.to_owned());
    secrets.push(basic);
    let logs = captured_logs();

    for secret in &secrets {
        assert!(!logs.contains(secret.as_str()), "the logs contain a secret");
        for output in outputs {
            assert!(
                !output.contains(secret.as_str()),
                "output contains a secret: {output}"
            );
        }
    }
}

/// `Display` and `Debug` of an error, for the secret check.
fn formatted(error: &dyn std::fmt::Debug, display: &dyn std::fmt::Display) -> [String; 2] {
    [format!("{display}"), format!("{error:?}")]
}

// ---------------------------------------------------------------------------
// Setup helpers

fn start_time() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 10, 1, 9, 0, 0).unwrap()
}

fn oauth_client(mock: &MockServer, clock: &ManualClock) -> OAuthClient {
    mock.oauth_client_builder()
        .clock(clock.clone())
        .build()
        .unwrap()
}

async fn provider(
    mock: &MockServer,
    clock: &ManualClock,
    tokens: TokenSet,
    store: impl TokenStore,
) -> RefreshingTokenProvider {
    RefreshingTokenProvider::builder(oauth_client(mock, clock), store)
        .tokens(tokens)
        .refresh_margin(MARGIN)
        .max_jitter(Duration::ZERO)
        .build()
        .await
        .unwrap()
}

fn client(mock: &MockServer, provider: &RefreshingTokenProvider) -> Client {
    Client::builder()
        .base_url(BaseUrl::Custom(mock.base_url()))
        .token_provider(provider.clone())
        .build()
        .unwrap()
}

/// Requests to API operations, without the token endpoints.
fn api_requests(mock: &MockServer) -> Vec<RecordedRequest> {
    mock.requests()
        .into_iter()
        .filter(|request| !request.path.starts_with("/oauth/"))
        .collect()
}

fn expected_basic() -> String {
    let pair = format!("{MOCK_CLIENT_ID}:{MOCK_CLIENT_SECRET}");
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(pair)
    )
}

fn assert_app_authenticated(request: &TokenRequest) {
    assert_eq!(
        request.authorization.as_deref(),
        Some(expected_basic().as_str())
    );
    assert_eq!(request.content_type.as_deref(), Some(FORM));
}

fn newest_refresh_token(mock: &MockServer) -> String {
    mock.issued_secrets()
        .into_iter()
        .rfind(|secret| secret.starts_with("pinr_"))
        .expect("the mock issued a refresh token")
}

fn exposed(secret: Option<&SecretString>) -> Option<String> {
    secret.map(|secret| secret.expose_secret().to_owned())
}

/// A store that fails every save while `failing` is set. Its saves wait
/// while a test has `gate` locked for writing.
#[derive(Clone, Default)]
struct FlakyStore {
    inner: MemoryTokenStore,
    failing: Arc<AtomicBool>,
    failed_saves: Arc<AtomicUsize>,
    gate: Arc<tokio::sync::RwLock<()>>,
}

impl TokenStore for FlakyStore {
    async fn load(&self) -> Result<Option<TokenSet>, TokenStoreError> {
        self.inner.load().await
    }

    async fn save(&self, tokens: &TokenSet) -> Result<(), TokenStoreError> {
        let _open = self.gate.read().await;
        if self.failing.load(Ordering::SeqCst) {
            self.failed_saves.fetch_add(1, Ordering::SeqCst);
            return Err(TokenStoreError::new("database unavailable"));
        }
        self.inner.save(tokens).await
    }
}

/// A store that records how many API requests the mock had received at
/// each save.
#[derive(Clone)]
struct ObservingStore {
    inner: MemoryTokenStore,
    mock: Arc<MockServer>,
    api_requests_at_save: Arc<Mutex<Vec<usize>>>,
}

impl TokenStore for ObservingStore {
    async fn load(&self) -> Result<Option<TokenSet>, TokenStoreError> {
        self.inner.load().await
    }

    async fn save(&self, tokens: &TokenSet) -> Result<(), TokenStoreError> {
        let seen = api_requests(&self.mock).len();
        self.api_requests_at_save.lock().unwrap().push(seen);
        self.inner.save(tokens).await
    }
}

// ---------------------------------------------------------------------------
// Request shapes

#[tokio::test]
async fn code_flow_through_authorize_page() {
    logs();
    let mock = MockServer::start().await.unwrap();
    let oauth = mock.oauth_client();
    let pending = oauth
        .authorization_request(REDIRECT_URI, &[Scope::UserAccountsRead, Scope::BoardsRead])
        .unwrap();
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();

    let approval = browser.get(pending.url().clone()).send().await.unwrap();
    assert_eq!(approval.status().as_u16(), 302);
    let location = approval.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with(REDIRECT_URI), "{location}");
    let code = pending.verify_callback(&location).unwrap();
    let tokens = oauth.exchange_code(&code).await.unwrap();

    let requests = mock.token_requests();
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert_eq!(request.path, "/oauth/token");
    assert_app_authenticated(request);
    assert_eq!(
        request.field_names(),
        ["grant_type", "code", "redirect_uri", "continuous_refresh"]
    );
    assert_eq!(request.field("grant_type"), Some("authorization_code"));
    assert_eq!(request.field("code"), Some(code.code().expose_secret()));
    assert_eq!(request.field("redirect_uri"), Some(REDIRECT_URI));
    assert_eq!(request.field("continuous_refresh"), Some("true"));
    assert_eq!(request.status, 200);
    assert_eq!(tokens.response_type(), Some("authorization_code"));
    assert_eq!(tokens.scope(), SCOPE);
    assert_eq!(tokens.token_type(), "bearer");
    assert!(tokens.refresh_token().is_some());
    assert!(tokens.refresh_token_expires_at().is_some());
    assert_eq!(tokens.refresh_token_expires_in(), Some(60 * 24 * 3600));

    let provider = RefreshingTokenProvider::builder(oauth, MemoryTokenStore::new())
        .tokens(tokens)
        .build()
        .await
        .unwrap();
    let account = client(&mock, &provider).user_account_get().send().await;
    assert!(account.is_ok(), "{account:?}");
    assert!(api_requests(&mock)[0].authorized);
    assert_no_secrets(
        &mock,
        &[
            format!("{pending:?}"),
            format!("{code:?}"),
            format!("{provider:?}"),
        ],
    );
}

#[tokio::test]
async fn code_reused_is_invalid_grant() {
    logs();
    let mock = MockServer::start().await.unwrap();
    let oauth = mock.oauth_client();
    let code = pinterest_v5::auth::AuthorizationCode::new(
        mock.issue_authorization_code(REDIRECT_URI, SCOPE),
        REDIRECT_URI,
    );

    oauth.exchange_code(&code).await.unwrap();
    let error = oauth.exchange_code(&code).await.unwrap_err();

    assert_eq!(error.kind(), AuthErrorKind::ReauthorizationRequired);
    assert!(error.to_string().contains("authorization code"), "{error}");
    assert_no_secrets(&mock, &formatted(&error, &error));
}

#[tokio::test]
async fn continuous_refresh_can_be_omitted() {
    logs();
    let mock = MockServer::start().await.unwrap();
    let oauth = mock
        .oauth_client_builder()
        .continuous_refresh(false)
        .build()
        .unwrap();
    let code = pinterest_v5::auth::AuthorizationCode::new(
        mock.issue_authorization_code(REDIRECT_URI, SCOPE),
        REDIRECT_URI,
    );

    oauth.exchange_code(&code).await.unwrap();

    let request = &mock.token_requests()[0];
    assert_eq!(
        request.field_names(),
        ["grant_type", "code", "redirect_uri"]
    );
    assert_no_secrets(&mock, &[]);
}

#[tokio::test]
async fn refresh_request_shape() {
    logs();
    let mock = MockServer::start().await.unwrap();
    let clock = ManualClock::new(start_time());
    let tokens = mock.issue_tokens(SCOPE, start_time() + chrono::Duration::hours(1));
    let old_refresh = exposed(tokens.refresh_token()).unwrap();

    let refreshed = oauth_client(&mock, &clock).refresh(&tokens).await.unwrap();

    let requests = mock.token_requests();
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert_eq!(request.path, "/oauth/token");
    assert_app_authenticated(request);
    assert_eq!(request.field_names(), ["grant_type", "refresh_token"]);
    assert_eq!(request.field("grant_type"), Some("refresh_token"));
    assert_eq!(request.field("refresh_token"), Some(old_refresh.as_str()));
    assert_eq!(refreshed.response_type(), Some("refresh_token"));
    assert_eq!(
        refreshed.expires_at(),
        start_time() + chrono::Duration::days(30)
    );
    assert_eq!(
        exposed(refreshed.refresh_token()),
        Some(newest_refresh_token(&mock))
    );
    assert_no_secrets(&mock, &[format!("{refreshed:?}")]);
}

#[tokio::test]
async fn client_credentials_request_shape() {
    logs();
    let mock = MockServer::start().await.unwrap();

    let tokens = mock
        .oauth_client()
        .client_credentials(&[Scope::AdsRead, Scope::CatalogsRead])
        .await
        .unwrap();

    let request = &mock.token_requests()[0];
    assert_app_authenticated(request);
    assert_eq!(request.field_names(), ["grant_type", "scope"]);
    assert_eq!(request.field("grant_type"), Some("client_credentials"));
    assert_eq!(request.field("scope"), Some("ads:read,catalogs:read"));
    assert_eq!(tokens.response_type(), Some("client_credentials"));
    assert!(tokens.refresh_token().is_none());
    assert_eq!(tokens.scopes(), [Scope::AdsRead, Scope::CatalogsRead]);
    assert_no_secrets(&mock, &[format!("{tokens:?}")]);
}

#[tokio::test]
async fn revoke_request_shape() {
    logs();
    let mock = MockServer::start().await.unwrap();
    let tokens = mock.issue_tokens(SCOPE, Utc::now() + chrono::Duration::hours(1));
    let access = tokens.access_token().clone();

    mock.oauth_client()
        .revoke(&access, TokenTypeHint::AccessToken)
        .await
        .unwrap();

    let request = &mock.token_requests()[0];
    assert_eq!(request.path, "/oauth/token/revoke");
    assert_app_authenticated(request);
    assert_eq!(request.field_names(), ["token", "token_type_hint"]);
    assert_eq!(request.field("token"), Some(access.expose_secret()));
    assert_eq!(request.field("token_type_hint"), Some("access_token"));
    let revoked_client = Client::builder()
        .base_url(BaseUrl::Custom(mock.base_url()))
        .access_token(access.expose_secret())
        .build()
        .unwrap();
    let error = revoked_client.user_account_get().send().await.unwrap_err();
    assert_eq!(
        error.auth_error_kind(),
        Some(AuthErrorKind::InvalidAccessToken)
    );
    assert_no_secrets(&mock, &formatted(&error, &error));
}

#[tokio::test]
async fn wrong_secret_is_invalid_client() {
    logs();
    let mock = MockServer::start().await.unwrap();
    let oauth = OAuthClient::builder(AppCredentials::new(MOCK_CLIENT_ID, "wrong-secret-value"))
        .base_url(BaseUrl::Custom(mock.base_url()))
        .build()
        .unwrap();
    let tokens = mock.issue_tokens(SCOPE, Utc::now());

    let error = oauth.refresh(&tokens).await.unwrap_err();

    assert!(
        matches!(error, AuthError::InvalidClient { code: 2, .. }),
        "{error}"
    );
    assert_eq!(mock.token_requests()[0].status, 401);
    let mut outputs = formatted(&error, &error).to_vec();
    outputs.push(format!("{oauth:?}"));
    assert!(outputs
        .iter()
        .all(|output| !output.contains("wrong-secret-value")));
    assert_no_secrets(&mock, &outputs);
}

// ---------------------------------------------------------------------------
// Single flight and refresh timing

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_expired_requests_refresh_once() {
    logs();
    let mock = MockServer::start().await.unwrap();
    let clock = ManualClock::new(start_time());
    let expired = mock.issue_tokens(SCOPE, start_time() - chrono::Duration::seconds(1));
    let store = FlakyStore::default();
    let provider = provider(&mock, &clock, expired, store.clone()).await;
    let client = client(&mock, &provider);

    let gate = store.gate.clone().write_owned().await;
    let tasks = spawn_requests(&client, 200).await;
    drop(gate);
    let results = join_requests(tasks).await;

    let failures: Vec<_> = results.iter().filter_map(|r| r.as_ref().err()).collect();
    assert!(failures.is_empty(), "{failures:?}");
    assert_eq!(mock.token_request_count(), 1);
    let api = api_requests(&mock);
    assert_eq!(api.len(), 200);
    assert!(api.iter().all(|request| request.authorized));
    assert_no_secrets(&mock, &[format!("{provider:?}"), format!("{client:?}")]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_failed_refresh_shared() {
    logs();
    let mock = MockServer::start().await.unwrap();
    let clock = ManualClock::new(start_time());
    let expired = mock.issue_tokens(SCOPE, start_time() - chrono::Duration::seconds(1));
    let store = FlakyStore::default();
    let provider = provider(&mock, &clock, expired, store.clone()).await;
    let client = client(&mock, &provider);
    store.failing.store(true, Ordering::SeqCst);

    let gate = store.gate.clone().write_owned().await;
    let tasks = spawn_requests(&client, 50).await;
    drop(gate);
    let results = join_requests(tasks).await;

    for result in &results {
        let kind = result.as_ref().err().and_then(|(kind, _)| *kind);
        assert_eq!(kind, Some(AuthErrorKind::Store), "{result:?}");
    }
    assert_eq!(mock.token_request_count(), 1);
    assert_eq!(
        store.failed_saves.load(Ordering::SeqCst),
        1,
        "one refresh, one save"
    );
    assert!(api_requests(&mock).is_empty());
    let errors: Vec<String> = results
        .into_iter()
        .filter_map(|result| result.err().map(|(_, message)| message))
        .collect();
    assert_no_secrets(&mock, &errors);
}

/// What a spawned request returned: `Ok`, or the auth error kind and the
/// formatted error.
type RequestOutcome = Result<(), (Option<AuthErrorKind>, String)>;

/// Spawns `count` account requests and returns once every one of them has
/// been polled once. A request that needs a token is then either waiting for
/// the refresh lock or refreshing, so the tests know that all of them asked
/// for a token before the first refresh could finish.
async fn spawn_requests(
    client: &Client,
    count: usize,
) -> Vec<tokio::task::JoinHandle<RequestOutcome>> {
    let polled = Arc::new(AtomicUsize::new(0));
    let tasks = (0..count)
        .map(|_| {
            let client = client.clone();
            let request = async move {
                match client.user_account_get().send().await {
                    Ok(_) => Ok(()),
                    Err(error) => Err((error.auth_error_kind(), format!("{error} {error:?}"))),
                }
            };
            tokio::spawn(CountFirstPoll {
                inner: Box::pin(request),
                counter: Some(Arc::clone(&polled)),
            })
        })
        .collect();

    let all_polled = async {
        while polled.load(Ordering::SeqCst) < count {
            tokio::task::yield_now().await;
        }
    };
    tokio::time::timeout(Duration::from_secs(30), all_polled)
        .await
        .expect("every request was polled within 30 seconds");
    tasks
}

async fn join_requests(tasks: Vec<tokio::task::JoinHandle<RequestOutcome>>) -> Vec<RequestOutcome> {
    let mut results = Vec::new();
    for task in tasks {
        results.push(task.await.unwrap());
    }
    results
}

/// Increments `counter` after the first poll of `inner`.
struct CountFirstPoll<F> {
    inner: std::pin::Pin<Box<F>>,
    counter: Option<Arc<AtomicUsize>>,
}

impl<F: std::future::Future> std::future::Future for CountFirstPoll<F> {
    type Output = F::Output;

    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        context: &mut std::task::Context<'_>,
    ) -> std::task::Poll<F::Output> {
        let result = self.inner.as_mut().poll(context);
        if let Some(counter) = self.counter.take() {
            counter.fetch_add(1, Ordering::SeqCst);
        }
        result
    }
}

#[tokio::test]
async fn refresh_before_expiry_by_clock() {
    logs();
    let mock = MockServer::start().await.unwrap();
    let clock = ManualClock::new(start_time());
    let expires_at = start_time() + chrono::Duration::hours(1);
    let tokens = mock.issue_tokens(SCOPE, expires_at);
    let first_access = tokens.access_token().expose_secret().to_owned();
    let provider = provider(&mock, &clock, tokens, MemoryTokenStore::new()).await;
    let client = client(&mock, &provider);

    client.user_account_get().send().await.unwrap();
    clock.set(
        expires_at - chrono::Duration::from_std(MARGIN).unwrap() - chrono::Duration::seconds(1),
    );
    client.user_account_get().send().await.unwrap();
    assert_eq!(
        mock.token_request_count(),
        0,
        "no refresh before the margin"
    );

    clock.advance(Duration::from_secs(1));
    client.user_account_get().send().await.unwrap();

    assert_eq!(
        mock.token_request_count(),
        1,
        "refresh at expiry minus margin"
    );
    let current = provider.tokens();
    assert_ne!(current.access_token().expose_secret(), first_access);
    assert_eq!(
        current.expires_at(),
        clock_now(&clock) + chrono::Duration::days(30)
    );
    assert!(api_requests(&mock).iter().all(|request| request.authorized));
    assert_no_secrets(&mock, &[format!("{provider:?}")]);
}

fn clock_now(clock: &ManualClock) -> DateTime<Utc> {
    use pinterest_v5::auth::Clock;
    clock.now()
}

#[tokio::test]
async fn jitter_spreads_refresh_times() {
    logs();
    let mock = MockServer::start().await.unwrap();
    let clock = ManualClock::new(start_time());
    let expires_at = start_time() + chrono::Duration::hours(1);
    let tokens = mock.issue_tokens(SCOPE, expires_at);
    let max_jitter = Duration::from_secs(60);
    let latest = expires_at - chrono::Duration::from_std(MARGIN).unwrap();
    let earliest = latest - chrono::Duration::from_std(max_jitter).unwrap();

    let mut refresh_times = Vec::new();
    for _ in 0..5 {
        let provider =
            RefreshingTokenProvider::builder(oauth_client(&mock, &clock), MemoryTokenStore::new())
                .tokens(tokens.clone())
                .refresh_margin(MARGIN)
                .max_jitter(max_jitter)
                .build()
                .await
                .unwrap();
        refresh_times.push(provider.refresh_at());
    }

    for time in &refresh_times {
        assert!(*time >= earliest, "{time}");
        assert!(*time <= latest, "{time}");
    }
    refresh_times.sort();
    refresh_times.dedup();
    assert!(
        refresh_times.len() > 1,
        "five providers drew the same jitter"
    );
    assert_no_secrets(&mock, &[]);
}

// ---------------------------------------------------------------------------
// Rotation and persistence

#[tokio::test]
async fn rotated_refresh_token_saved_before_use() {
    logs();
    let mock = Arc::new(MockServer::start().await.unwrap());
    let clock = ManualClock::new(start_time());
    let expired = mock.issue_tokens(SCOPE, start_time() - chrono::Duration::seconds(1));
    let old_refresh = exposed(expired.refresh_token()).unwrap();
    let store = ObservingStore {
        inner: MemoryTokenStore::new(),
        mock: Arc::clone(&mock),
        api_requests_at_save: Arc::default(),
    };
    let provider = provider(&mock, &clock, expired, store.clone()).await;
    let client = client(&mock, &provider);

    client.user_account_get().send().await.unwrap();

    let saved = store.inner.tokens().unwrap();
    let rotated = exposed(saved.refresh_token()).unwrap();
    assert_ne!(rotated, old_refresh);
    assert_eq!(rotated, newest_refresh_token(&mock));
    assert_eq!(
        *store.api_requests_at_save.lock().unwrap(),
        [0, 0],
        "initial save and refresh save both happen before the first API request"
    );
    assert_eq!(
        saved.access_token().expose_secret(),
        provider.tokens().access_token().expose_secret()
    );

    // The next refresh must use the rotated token: the mock has invalidated
    // the old one.
    clock.set(saved.expires_at());
    client.user_account_get().send().await.unwrap();
    let requests = mock.token_requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[1].field("refresh_token"), Some(rotated.as_str()));
    assert_eq!(requests[1].status, 200);
    assert_no_secrets(&mock, &[format!("{saved:?}"), format!("{provider:?}")]);
}

#[tokio::test]
async fn refresh_without_rotation_keeps_old_token() {
    logs();
    let mock = MockServer::start().await.unwrap();
    mock.set_refresh_token_rotation(false);
    let clock = ManualClock::new(start_time());
    let expired = mock.issue_tokens(SCOPE, start_time() - chrono::Duration::seconds(1));
    let old_refresh = exposed(expired.refresh_token()).unwrap();
    let old_refresh_expiry = expired.refresh_token_expires_at();
    let store = MemoryTokenStore::new();
    let provider = provider(&mock, &clock, expired, store.clone()).await;

    client(&mock, &provider)
        .user_account_get()
        .send()
        .await
        .unwrap();

    let saved = store.tokens().unwrap();
    assert_eq!(mock.token_request_count(), 1);
    assert_eq!(exposed(saved.refresh_token()), Some(old_refresh));
    assert_eq!(saved.refresh_token_expires_at(), old_refresh_expiry);
    assert_eq!(saved.response_type(), Some("refresh_token"));
    assert!(!saved.is_expired(clock_now(&clock)));
    assert_no_secrets(&mock, &[format!("{saved:?}")]);
}

#[tokio::test]
async fn file_store_keeps_rotated_token() {
    logs();
    let mock = MockServer::start().await.unwrap();
    let clock = ManualClock::new(start_time());
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("tokens.json");
    let expired = mock.issue_tokens(SCOPE, start_time() - chrono::Duration::seconds(1));
    let provider = provider(&mock, &clock, expired, JsonFileTokenStore::new(&path)).await;

    client(&mock, &provider)
        .user_account_get()
        .send()
        .await
        .unwrap();

    let reloaded = RefreshingTokenProvider::builder(
        oauth_client(&mock, &clock),
        JsonFileTokenStore::new(&path),
    )
    .build()
    .await
    .unwrap();
    assert_eq!(
        exposed(reloaded.tokens().refresh_token()),
        Some(newest_refresh_token(&mock))
    );
    assert_eq!(reloaded.tokens().scope(), SCOPE);
    assert_no_secrets(&mock, &[format!("{reloaded:?}")]);
}

#[tokio::test]
async fn shared_store_adopts_rotated_tokens() {
    logs();
    let mock = MockServer::start().await.unwrap();
    let clock = ManualClock::new(start_time());
    let expired = mock.issue_tokens(SCOPE, start_time() - chrono::Duration::seconds(1));
    let store = MemoryTokenStore::new();
    let first = provider(&mock, &clock, expired.clone(), store.clone()).await;
    let second = RefreshingTokenProvider::builder(oauth_client(&mock, &clock), store.clone())
        .refresh_margin(MARGIN)
        .max_jitter(Duration::ZERO)
        .build()
        .await
        .unwrap();

    client(&mock, &first)
        .user_account_get()
        .send()
        .await
        .unwrap();
    let result = client(&mock, &second).user_account_get().send().await;

    assert!(result.is_ok(), "{result:?}");
    let statuses: Vec<u16> = mock.token_requests().iter().map(|r| r.status).collect();
    assert_eq!(
        statuses,
        [200, 400],
        "the second refresh used the rotated-out token"
    );
    assert_eq!(
        second.tokens().access_token().expose_secret(),
        first.tokens().access_token().expose_secret()
    );
    assert_no_secrets(&mock, &[format!("{second:?}")]);
}

// ---------------------------------------------------------------------------
// Reactive refresh after a 401

#[tokio::test]
async fn rejected_token_refreshed_and_replayed() {
    logs();
    let mock = MockServer::start().await.unwrap();
    let clock = ManualClock::new(start_time());
    let tokens = mock.issue_tokens(SCOPE, start_time() + chrono::Duration::days(30));
    let provider = provider(&mock, &clock, tokens, MemoryTokenStore::new()).await;
    let client = client(&mock, &provider);
    client.user_account_get().send().await.unwrap();

    mock.expire_access_tokens();
    let account = client.user_account_get().send().await;

    assert!(account.is_ok(), "{account:?}");
    assert_eq!(mock.token_request_count(), 1);
    let authorized: Vec<bool> = api_requests(&mock).iter().map(|r| r.authorized).collect();
    assert_eq!(authorized, [true, false, true]);
    assert!(captured_logs().contains("replaying the request once"));
    assert_no_secrets(&mock, &[format!("{provider:?}")]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_rejections_refresh_once() {
    logs();
    let mock = MockServer::start().await.unwrap();
    let clock = ManualClock::new(start_time());
    let tokens = mock.issue_tokens(SCOPE, start_time() + chrono::Duration::days(30));
    let provider = provider(&mock, &clock, tokens, MemoryTokenStore::new()).await;
    let client = client(&mock, &provider);
    mock.expire_access_tokens();

    let tasks: Vec<_> = (0..100)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.user_account_get().send().await })
        })
        .collect();
    for task in tasks {
        let result = task.await.unwrap();
        assert!(result.is_ok(), "{result:?}");
    }

    assert_eq!(mock.token_request_count(), 1);
    assert_no_secrets(&mock, &[]);
}

#[tokio::test]
async fn persistent_401_not_looped() {
    logs();
    let mock = MockServer::start().await.unwrap();
    let clock = ManualClock::new(start_time());
    let tokens = mock.issue_tokens(SCOPE, start_time() + chrono::Duration::days(30));
    let provider = provider(&mock, &clock, tokens, MemoryTokenStore::new()).await;
    mock.respond(
        "user_account/get",
        401,
        json!({"code": 2, "message": "Authentication failed."}),
    )
    .unwrap();

    let error = client(&mock, &provider)
        .user_account_get()
        .send()
        .await
        .unwrap_err();

    assert_eq!(error.status(), Some(401));
    assert_eq!(
        error.auth_error_kind(),
        Some(AuthErrorKind::InvalidAccessToken)
    );
    assert_eq!(mock.token_request_count(), 1, "one refresh");
    assert_eq!(api_requests(&mock).len(), 2, "the request and one replay");
    assert_no_secrets(&mock, &formatted(&error, &error));
}

#[tokio::test]
async fn missing_scope_not_refreshed() {
    logs();
    let mock = MockServer::start().await.unwrap();
    let clock = ManualClock::new(start_time());
    let tokens = mock.issue_tokens(SCOPE, start_time() + chrono::Duration::days(30));
    let provider = provider(&mock, &clock, tokens, MemoryTokenStore::new()).await;
    let client = client(&mock, &provider);
    let cases = [
        ("user_account/get", 401, 3, AuthErrorKind::MissingScope),
        ("boards/list", 403, 29, AuthErrorKind::NotPermitted),
        ("pins/list", 401, 29, AuthErrorKind::NotPermitted),
    ];
    for (operation, status, code, _) in cases {
        mock.respond(
            operation,
            status,
            json!({"code": code, "message": "scripted"}),
        )
        .unwrap();
    }

    let errors = [
        client
            .user_account_get()
            .send()
            .await
            .unwrap_err()
            .auth_error_kind(),
        client
            .boards_list()
            .send()
            .await
            .unwrap_err()
            .auth_error_kind(),
        client
            .pins_list()
            .send()
            .await
            .unwrap_err()
            .auth_error_kind(),
    ];

    for ((operation, _, _, expected), kind) in cases.iter().zip(errors) {
        assert_eq!(kind, Some(*expected), "{operation}");
    }
    assert_eq!(
        mock.token_request_count(),
        0,
        "no refresh for scope or permission errors"
    );
    assert_eq!(api_requests(&mock).len(), 3, "no replay");
    let missing = AuthError::from_api_error(401, 3, "scripted").unwrap();
    assert!(
        missing.to_string().contains("lacks an OAuth scope"),
        "{missing}"
    );
    assert_no_secrets(&mock, &formatted(&missing, &missing));
}

#[tokio::test]
async fn fixed_token_never_refreshes() {
    logs();
    let mock = MockServer::start().await.unwrap();
    mock.respond(
        "user_account/get",
        401,
        json!({"code": 2, "message": "Authentication failed."}),
    )
    .unwrap();

    let error = mock.client().user_account_get().send().await.unwrap_err();

    assert_eq!(
        error.auth_error_kind(),
        Some(AuthErrorKind::InvalidAccessToken)
    );
    assert_eq!(mock.token_request_count(), 0);
    assert_eq!(api_requests(&mock).len(), 1);
    let outputs = formatted(&error, &error);
    assert!(outputs
        .iter()
        .all(|output| !output.contains(MOCK_ACCESS_TOKEN)));
    assert_no_secrets(&mock, &outputs);
}

// ---------------------------------------------------------------------------
// Failures

#[tokio::test]
async fn invalid_grant_requires_reauthorization() {
    logs();
    let mock = MockServer::start().await.unwrap();
    let clock = ManualClock::new(start_time());
    let expired = mock.issue_tokens(SCOPE, start_time() - chrono::Duration::seconds(1));
    let provider = provider(&mock, &clock, expired, MemoryTokenStore::new()).await;
    let client = client(&mock, &provider);
    mock.revoke_refresh_tokens();

    let first = client.user_account_get().send().await.unwrap_err();
    let second = client.user_account_get().send().await.unwrap_err();

    assert_eq!(
        first.auth_error_kind(),
        Some(AuthErrorKind::ReauthorizationRequired)
    );
    assert_eq!(
        second.auth_error_kind(),
        Some(AuthErrorKind::ReauthorizationRequired)
    );
    assert!(
        first.to_string().contains("re-authorization required"),
        "{first}"
    );
    assert_eq!(mock.token_request_count(), 1, "the rejection is remembered");
    assert_eq!(mock.token_requests()[0].status, 400);
    assert!(
        api_requests(&mock).is_empty(),
        "no request with an expired token"
    );

    let fresh = mock.issue_tokens(SCOPE, start_time() + chrono::Duration::days(30));
    provider.replace_tokens(fresh).await.unwrap();
    let result = client.user_account_get().send().await;
    assert!(result.is_ok(), "{result:?}");

    let mut outputs = formatted(&first, &first).to_vec();
    outputs.extend(formatted(&second, &second));
    assert_no_secrets(&mock, &outputs);
}

#[tokio::test]
async fn rejected_token_with_revoked_refresh() {
    logs();
    let mock = MockServer::start().await.unwrap();
    let clock = ManualClock::new(start_time());
    let tokens = mock.issue_tokens(SCOPE, start_time() + chrono::Duration::days(30));
    let provider = provider(&mock, &clock, tokens, MemoryTokenStore::new()).await;
    mock.expire_access_tokens();
    mock.revoke_refresh_tokens();

    let error = client(&mock, &provider)
        .user_account_get()
        .send()
        .await
        .unwrap_err();

    assert_eq!(
        error.auth_error_kind(),
        Some(AuthErrorKind::ReauthorizationRequired)
    );
    assert_eq!(mock.token_request_count(), 1);
    assert_eq!(
        api_requests(&mock).len(),
        1,
        "no replay after a failed refresh"
    );
    assert_no_secrets(&mock, &formatted(&error, &error));
}

#[tokio::test]
async fn expired_refresh_token_not_sent() {
    logs();
    let mock = MockServer::start().await.unwrap();
    let clock = ManualClock::new(start_time());
    let expired = mock.issue_tokens(SCOPE, start_time() - chrono::Duration::days(61));
    let provider = provider(&mock, &clock, expired, MemoryTokenStore::new()).await;

    let error = client(&mock, &provider)
        .user_account_get()
        .send()
        .await
        .unwrap_err();

    assert_eq!(
        error.auth_error_kind(),
        Some(AuthErrorKind::ReauthorizationRequired)
    );
    assert!(
        error.to_string().contains("refresh token expired"),
        "{error}"
    );
    assert_eq!(mock.token_request_count(), 0);
    assert_no_secrets(&mock, &formatted(&error, &error));
}

#[tokio::test]
async fn store_failure_returned_tokens_kept() {
    logs();
    let mock = MockServer::start().await.unwrap();
    let clock = ManualClock::new(start_time());
    let expired = mock.issue_tokens(SCOPE, start_time() - chrono::Duration::seconds(1));
    let store = FlakyStore::default();
    let provider = provider(&mock, &clock, expired, store.clone()).await;
    let client = client(&mock, &provider);
    store.failing.store(true, Ordering::SeqCst);

    let error = client.user_account_get().send().await.unwrap_err();

    assert_eq!(error.auth_error_kind(), Some(AuthErrorKind::Store));
    assert!(
        error.to_string().contains("database unavailable"),
        "{error}"
    );
    assert_eq!(mock.token_request_count(), 1);
    assert!(
        api_requests(&mock).is_empty(),
        "unsaved tokens are not used"
    );
    let in_memory = provider.tokens();
    assert_eq!(
        exposed(in_memory.refresh_token()),
        Some(newest_refresh_token(&mock)),
        "the rotated refresh token stays in memory"
    );

    store.failing.store(false, Ordering::SeqCst);
    let result = client.user_account_get().send().await;

    assert!(result.is_ok(), "{result:?}");
    assert_eq!(
        mock.token_request_count(),
        1,
        "the save is retried, not the refresh"
    );
    assert_eq!(store.failed_saves.load(Ordering::SeqCst), 1);
    let saved = store.inner.tokens().unwrap();
    assert_eq!(
        exposed(saved.refresh_token()),
        Some(newest_refresh_token(&mock))
    );
    assert!(api_requests(&mock)[0].authorized);
    assert_no_secrets(&mock, &formatted(&error, &error));
}

#[tokio::test]
async fn client_credentials_token_renewed() {
    logs();
    let mock = MockServer::start().await.unwrap();
    let clock = ManualClock::new(start_time());
    let oauth = oauth_client(&mock, &clock);
    let app_token = oauth.client_credentials(&[Scope::AdsRead]).await.unwrap();
    let provider = provider(&mock, &clock, app_token.clone(), MemoryTokenStore::new()).await;

    clock.set(app_token.expires_at());
    let result = client(&mock, &provider).user_account_get().send().await;

    assert!(result.is_ok(), "{result:?}");
    let requests = mock.token_requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[1].field("grant_type"), Some("client_credentials"));
    assert_eq!(requests[1].field("scope"), Some("ads:read"));
    assert_ne!(
        provider.tokens().access_token().expose_secret(),
        app_token.access_token().expose_secret()
    );
    assert_no_secrets(&mock, &[format!("{provider:?}")]);
}

#[tokio::test]
async fn empty_store_requires_authorization() {
    logs();
    let mock = MockServer::start().await.unwrap();

    let error = RefreshingTokenProvider::builder(mock.oauth_client(), MemoryTokenStore::new())
        .build()
        .await
        .unwrap_err();

    assert_eq!(error.kind(), AuthErrorKind::ReauthorizationRequired);
    assert_no_secrets(&mock, &formatted(&error, &error));
}

// ---------------------------------------------------------------------------
// Secrets in output

#[tokio::test]
async fn no_secret_in_any_output() {
    logs();
    let mock = MockServer::start().await.unwrap();
    let clock = ManualClock::new(start_time());
    let oauth = oauth_client(&mock, &clock);
    let code = pinterest_v5::auth::AuthorizationCode::new(
        mock.issue_authorization_code(REDIRECT_URI, SCOPE),
        REDIRECT_URI,
    );
    let tokens = oauth.exchange_code(&code).await.unwrap();
    let store = FlakyStore::default();
    let provider = RefreshingTokenProvider::builder(oauth.clone(), store.clone())
        .tokens(tokens.clone())
        .build()
        .await
        .unwrap();
    let client = client(&mock, &provider);
    let mut outputs = vec![
        format!("{oauth:?}"),
        format!("{code:?}"),
        format!("{tokens:?}"),
        format!("{provider:?}"),
        format!("{client:?}"),
        format!("{store:?}", store = store.inner),
        format!("{:?}", client.token_provider()),
    ];

    // A refresh whose save fails, a reactive refresh, and a rejected grant.
    clock.set(tokens.expires_at());
    store.failing.store(true, Ordering::SeqCst);
    let store_error = client.user_account_get().send().await.unwrap_err();
    store.failing.store(false, Ordering::SeqCst);
    client.user_account_get().send().await.unwrap();
    mock.expire_access_tokens();
    client.user_account_get().send().await.unwrap();
    mock.expire_access_tokens();
    mock.revoke_refresh_tokens();
    let grant_error = client.user_account_get().send().await.unwrap_err();
    let direct_error = oauth.refresh(&provider.tokens()).await.unwrap_err();

    outputs.extend(formatted(&store_error, &store_error));
    outputs.extend(formatted(&grant_error, &grant_error));
    outputs.extend(formatted(&direct_error, &direct_error));
    outputs.push(format!("{provider:?}"));
    assert_eq!(store_error.auth_error_kind(), Some(AuthErrorKind::Store));
    assert_eq!(
        grant_error.auth_error_kind(),
        Some(AuthErrorKind::ReauthorizationRequired)
    );
    assert!(mock.issued_secrets().len() >= 7);
    let logs = captured_logs();
    assert!(
        logs.contains("refreshed the OAuth access token"),
        "logs are captured"
    );
    assert!(logs.contains("failed to save refreshed OAuth tokens"));
    assert_no_secrets(&mock, &outputs);
}

/// The generated token operation authenticates with the app's credentials,
/// so a client without them rejects the call before sending it.
#[cfg(feature = "oauth")]
#[tokio::test]
async fn generated_token_call_needs_app_credentials() {
    let mock = MockServer::start().await.unwrap();
    let client = Client::builder()
        .base_url(BaseUrl::Custom(mock.base_url()))
        .access_token(MOCK_ACCESS_TOKEN)
        .build()
        .unwrap();

    let outcome = pinterest_v5::mock::call_with_samples(&client, "oauth/token")
        .await
        .unwrap();

    let message = outcome.result.unwrap_err();
    assert!(
        message.contains("ClientBuilder::app_credentials"),
        "{message}"
    );
    assert!(message.contains("oauth_token"), "{message}");
    assert!(mock.requests().is_empty());
}

/// With app credentials, the generated token operation sends them as HTTP
/// Basic and no bearer token.
#[cfg(feature = "oauth")]
#[tokio::test]
async fn generated_token_call_sends_basic_credentials() {
    let mock = MockServer::start().await.unwrap();
    let _ = pinterest_v5::mock::call_with_samples(&mock.client(), "token/revoke").await;

    let expected = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD
            .encode(format!("{MOCK_CLIENT_ID}:{MOCK_CLIENT_SECRET}"))
    );
    let requests = mock.token_requests();
    let request = requests.last().expect("the mock saw the token request");
    assert_eq!(request.path, "/oauth/token/revoke");
    assert_eq!(request.authorization.as_deref(), Some(expected.as_str()));
}
