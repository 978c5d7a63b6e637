//! The life of one call, between a builder's `send` and the network.
//!
//! A builder's `send` runs progenitor's generated request code inside a
//! call context ([`run`]). The client's hooks read the context's options
//! and write what they learn into it: the attempts made, the error body,
//! a typed failure. When the generated code returns its own error, [`run`]
//! turns the context's record into the crate's [`Error`].
//!
//! [`execute`], called by the `exec` hook, sends the attempts: it waits for
//! the rate limiter, retries per the [`RetryPolicy`], refreshes a rejected
//! token once, and keeps the body of an error response.

use std::future::Future;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use bytes::Bytes;
use progenitor_client::{ClientInfo, OperationInfo};
use reqwest::header::{HeaderMap, HeaderValue, AUTHORIZATION};
use reqwest::{Method, ResponseBuilderExt, StatusCode};
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use tracing::Instrument;

use crate::auth::{codes, TokenProvider};
use crate::error::{
    body_excerpt, ApiError, DecodeError, InvalidRequestError, RateLimitReason, RateLimitedError,
    TransportError, TransportErrorKind,
};
use crate::ratelimit::RateLimitSnapshot;
use crate::retry::{AttemptOutcome, CallOptions, RetryPolicy};
use crate::{Client, Error, ResponseValue};

/// The response header that carries Pinterest's request id.
pub const REQUEST_ID_HEADER: &str = "x-pinterest-rid";

/// Facts the document states about one operation, generated into
/// `OPERATIONS`.
#[derive(Debug)]
pub(crate) struct OperationFacts {
    /// The generated method name, which is also progenitor's
    /// `OperationInfo::operation_id`.
    pub name: &'static str,
    /// `x-ratelimit-category`, empty when the document names none.
    pub ratelimit_category: &'static str,
    /// Whether `x-sandbox` marks it as not served by the sandbox.
    pub sandbox_disabled: bool,
    /// The OAuth scopes it needs.
    pub scopes: &'static [&'static str],
    /// Whether it authenticates with the app's credentials (HTTP Basic).
    pub basic_auth: bool,
}

const UNKNOWN_OPERATION: OperationFacts = OperationFacts {
    name: "",
    ratelimit_category: "",
    sandbox_disabled: false,
    scopes: &[],
    basic_auth: false,
};

/// The facts of an operation by generated method name.
pub(crate) fn facts(name: &str) -> &'static OperationFacts {
    let table = crate::generated::OPERATIONS;
    table
        .binary_search_by(|facts| facts.name.cmp(name))
        .map_or(&UNKNOWN_OPERATION, |index| &table[index])
}

tokio::task_local! {
    static CALL: CallState;
}

struct CallState {
    options: CallOptions,
    record: Mutex<Record>,
}

/// What the hooks learned during one call.
#[derive(Default)]
struct Record {
    operation: &'static str,
    failure: Option<Error>,
    error_response: Option<CapturedResponse>,
    status: Option<u16>,
    request_id: Option<String>,
    attempts: u32,
    maybe_sent: bool,
    rate_limit_reason: Option<RateLimitReason>,
    reset_after: Option<Duration>,
}

/// An error response, kept whole so that any body becomes a typed error.
struct CapturedResponse {
    status: u16,
    url: reqwest::Url,
    headers: HeaderMap,
    body: Bytes,
}

fn with_record<R>(f: impl FnOnce(&mut Record) -> R) -> Option<R> {
    CALL.try_with(|state| {
        let mut record = state.record.lock().unwrap_or_else(PoisonError::into_inner);
        f(&mut record)
    })
    .ok()
}

fn current_options() -> CallOptions {
    CALL.try_with(|state| state.options.clone())
        .unwrap_or_default()
}

/// Records a typed failure for [`run`] to return, and gives progenitor a
/// placeholder error to stop the generated code with.
pub(crate) fn fail<E>(error: Error) -> progenitor_client::Error<E> {
    let message = error.to_string();
    with_record(|record| record.failure = Some(error));
    progenitor_client::Error::Custom(message)
}

/// Finds the JSON path where a body fails to decode as the operation's
/// response type.
pub(crate) type PathDecoder = fn(&[u8]) -> Option<String>;

/// Returns the failing JSON path when `body` does not decode as `T`.
pub(crate) fn failing_path<T: DeserializeOwned>(body: &[u8]) -> Option<String> {
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize::<_, T>(&mut deserializer)
        .err()
        .map(|error| error.path().to_string())
}

/// Runs one generated call under a call context, with the total time limit,
/// and maps its outcome to the crate's error.
pub(crate) async fn run<T, E>(
    client: &Client,
    operation: &'static str,
    options: CallOptions,
    decoder: Option<PathDecoder>,
    call: impl Future<Output = Result<ResponseValue<T>, progenitor_client::Error<E>>>,
) -> Result<ResponseValue<T>, Error> {
    let limit = options.timeout.unwrap_or(client.inner().total_timeout);
    let state = CallState {
        options,
        record: Mutex::new(Record {
            operation,
            ..Record::default()
        }),
    };

    let (result, record) = CALL
        .scope(state, async move {
            let result = tokio::time::timeout(limit, Box::pin(call)).await;
            let record = with_record(std::mem::take).unwrap_or_default();
            (result, record)
        })
        .await;

    match result {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(error)) => Err(into_error(error, record, decoder)),
        Err(_) => Err(Error::Transport(Box::new(TransportError {
            operation: record.operation,
            kind: TransportErrorKind::TotalTimeout,
            maybe_sent: record.maybe_sent,
            attempts: record.attempts,
            source: None,
        }))),
    }
}

fn into_error<E>(
    error: progenitor_client::Error<E>,
    mut record: Record,
    decoder: Option<PathDecoder>,
) -> Error {
    use progenitor_client::Error as Generated;

    if let Some(failure) = record.failure.take() {
        return failure;
    }
    if let Some(captured) = record.error_response.take() {
        return api_error(&record, captured);
    }

    let operation = record.operation;
    match error {
        Generated::InvalidRequest(message) | Generated::Custom(message) => {
            let message = explain_conversion(&message);
            Error::InvalidRequest(InvalidRequestError { operation, message })
        }
        Generated::CommunicationError(source) | Generated::InvalidUpgrade(source) => {
            transport_error(&record, source)
        }
        Generated::ResponseBodyError(source) => Error::Transport(Box::new(TransportError {
            operation,
            kind: TransportErrorKind::Body,
            maybe_sent: true,
            attempts: record.attempts,
            source: Some(source),
        })),
        Generated::InvalidResponsePayload(body, source) => Error::Decode(Box::new(DecodeError {
            operation,
            status: record.status.unwrap_or_default(),
            path: decoder.and_then(|decode| decode(&body)),
            message: source.to_string(),
            body_excerpt: body_excerpt(&body),
            request_id: record.request_id.clone(),
        })),
        Generated::ErrorResponse(response) => {
            api_error(&record, without_body(response.status(), response.headers()))
        }
        Generated::UnexpectedResponse(response) => {
            api_error(&record, without_body(response.status(), response.headers()))
        }
    }
}

/// Rewrites progenitor's message for an argument that did not convert to
/// its parameter type (`conversion to `:: std :: num :: NonZeroU64` for
/// page_size failed`) so that it reads as Rust and says what to pass.
fn explain_conversion(message: &str) -> String {
    let Some(rest) = message.strip_prefix("conversion to `") else {
        return message.to_owned();
    };
    let Some((type_name, tail)) = rest.split_once('`') else {
        return message.to_owned();
    };
    let parameter = tail
        .trim_start()
        .strip_prefix("for ")
        .and_then(|t| t.strip_suffix(" failed"))
        .unwrap_or("an argument");
    let type_name = type_name.replace(' ', "");
    let type_name = type_name.trim_start_matches("::");

    let hint = if type_name.contains("NonZero") {
        "; it must not be zero (page_size, for example, takes 1 to 250)"
    } else {
        "; pass a value of that type, or one that converts to it"
    };
    format!("the value given for `{parameter}` does not convert to `{type_name}`{hint}")
}

fn without_body(status: StatusCode, headers: &HeaderMap) -> CapturedResponse {
    CapturedResponse {
        status: status.as_u16(),
        url: reqwest::Url::parse("http://127.0.0.1/").expect("a fixed URL parses"),
        headers: headers.clone(),
        body: Bytes::new(),
    }
}

fn transport_error(record: &Record, source: reqwest::Error) -> Error {
    let kind = if source.is_connect() {
        TransportErrorKind::Connect
    } else if source.is_timeout() {
        TransportErrorKind::Timeout
    } else {
        TransportErrorKind::Other
    };
    Error::Transport(Box::new(TransportError {
        operation: record.operation,
        kind,
        maybe_sent: record.maybe_sent,
        attempts: record.attempts.max(1),
        source: Some(source),
    }))
}

/// The API error for an error response; a 429 becomes a rate-limit error.
fn api_error(record: &Record, captured: CapturedResponse) -> Error {
    let facts = facts(record.operation);
    let body: Option<serde_json::Value> = serde_json::from_slice(&captured.body).ok();
    let field = |name: &str| body.as_ref().and_then(|b| b.get(name)).cloned();

    let api = ApiError {
        operation: record.operation,
        status: captured.status,
        code: field("code").and_then(|c| c.as_i64()),
        message: field("message").and_then(|m| m.as_str().map(str::to_owned)),
        request_id: request_id(&captured.headers),
        rate_limit: RateLimitSnapshot::from_headers(&captured.headers),
        body_excerpt: body_excerpt(&captured.body),
        required_scopes: facts.scopes,
    };
    if api.kind() != crate::ErrorKind::RateLimited {
        return Error::Api(Box::new(api));
    }

    let reset_after = record.reset_after.or_else(|| {
        api.rate_limit
            .as_ref()
            .and_then(|s| s.retry_after.or(s.reset_after))
    });
    Error::RateLimited(Box::new(RateLimitedError {
        operation: record.operation,
        category: facts.ratelimit_category,
        reset_after,
        reset_at: reset_after.map(|after| std::time::SystemTime::now() + after),
        api: Some(api),
        reason: record
            .rate_limit_reason
            .unwrap_or(RateLimitReason::NotRetried),
    }))
}

fn request_id(headers: &HeaderMap) -> Option<String> {
    headers
        .get(REQUEST_ID_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// The `pre` hook's checks: the operation is served where the client
/// points, and the request carries a usable token.
pub(crate) async fn prepare<E>(
    client: &Client,
    request: &mut reqwest::Request,
    info: &OperationInfo,
) -> Result<(), progenitor_client::Error<E>> {
    with_record(|record| record.operation = info.operation_id);

    let facts = facts(info.operation_id);
    if facts.sandbox_disabled && client.inner().sandbox {
        return Err(fail(Error::InvalidRequest(InvalidRequestError {
            operation: info.operation_id,
            message: format!(
                "Pinterest's sandbox does not serve `{}` (the document marks it `x-sandbox: disabled`); call it on the production API",
                info.operation_id
            ),
        })));
    }

    if facts.basic_auth {
        return set_app_credentials(client, request, info.operation_id);
    }

    if let Some(provider) = &client.inner().token_provider {
        let token = provider
            .access_token()
            .await
            .map_err(|error| fail(Error::Auth(Box::new(error))))?;
        set_bearer(request.headers_mut(), &token).map_err(|message| {
            fail(Error::InvalidRequest(InvalidRequestError {
                operation: info.operation_id,
                message,
            }))
        })?;
    }
    Ok(())
}

/// Sends the app's client id and secret as HTTP Basic, which the token
/// operations require instead of a bearer token.
// The error type is the one progenitor's `pre` hook returns.
#[allow(clippy::result_large_err)]
fn set_app_credentials<E>(
    client: &Client,
    request: &mut reqwest::Request,
    operation: &'static str,
) -> Result<(), progenitor_client::Error<E>> {
    let Some(credentials) = &client.inner().app_credentials else {
        return Err(fail(Error::InvalidRequest(InvalidRequestError {
            operation,
            message: format!(
                "`{operation}` authenticates with the app's client id and secret, and the client has none; set them with ClientBuilder::app_credentials, or use auth::OAuthClient"
            ),
        })));
    };
    let header = credentials
        .basic_authorization()
        .map_err(|error| fail(Error::Auth(Box::new(error))))?;
    request.headers_mut().insert(AUTHORIZATION, header);
    Ok(())
}

/// The `exec` hook: sends the request's attempts inside one tracing span.
pub(crate) async fn execute(
    client: &Client,
    request: reqwest::Request,
    info: &OperationInfo,
) -> reqwest::Result<reqwest::Response> {
    let facts = facts(info.operation_id);
    let span = tracing::info_span!(
        "pinterest.call",
        otel.kind = "client",
        http.request.method = %request.method(),
        url.full = %display_url(request.url()),
        pinterest.operation = info.operation_id,
        pinterest.ratelimit_category = facts.ratelimit_category,
        pinterest.attempt = tracing::field::Empty,
        http.response.status_code = tracing::field::Empty,
        pinterest.request_id = tracing::field::Empty,
    );
    let policy = current_options().policy(&client.inner().retry);

    Attempts::new(client, facts, policy, &request)
        .send(request)
        .instrument(span)
        .await
}

/// The URL without user information, which could carry a credential.
fn display_url(url: &reqwest::Url) -> String {
    let mut url = url.clone();
    let _ = url.set_username("");
    let _ = url.set_password(None);
    url.to_string()
}

/// The attempts of one call.
struct Attempts<'a> {
    client: &'a Client,
    facts: &'static OperationFacts,
    policy: RetryPolicy,
    method: Method,
    token_key: u64,
    started: tokio::time::Instant,
    refreshed: bool,
}

/// What to do after an attempt.
enum Next {
    Return(reqwest::Result<reqwest::Response>),
    Retry(reqwest::Request),
}

impl<'a> Attempts<'a> {
    fn new(
        client: &'a Client,
        facts: &'static OperationFacts,
        policy: RetryPolicy,
        request: &reqwest::Request,
    ) -> Self {
        let token = bearer_token(request.headers());
        let token_key = client
            .inner()
            .limiter
            .token_key(token.as_ref().map(|t| t.expose_secret()));
        Attempts {
            client,
            facts,
            policy,
            method: request.method().clone(),
            token_key,
            started: tokio::time::Instant::now(),
            refreshed: false,
        }
    }

    async fn send(mut self, mut request: reqwest::Request) -> reqwest::Result<reqwest::Response> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            tracing::Span::current().record("pinterest.attempt", attempt);
            with_record(|record| record.attempts = attempt);

            if let Err(needed) = self.wait_for_capacity().await {
                return Ok(self.reject_rate_limited(needed));
            }

            let spare = request.try_clone();
            let result = self.client.client().execute(request).await;
            let next = match result {
                Ok(response) => self.after_response(response, spare, attempt).await,
                Err(error) => self.after_error(error, spare, attempt).await,
            };
            match next {
                Next::Return(result) => return result,
                Next::Retry(next_request) => request = next_request,
            }
        }
    }

    async fn wait_for_capacity(&self) -> Result<(), Duration> {
        let budget = self.wait_left();
        self.client
            .inner()
            .limiter
            .acquire(self.token_key, self.facts.ratelimit_category, budget)
            .await
            .map(|_| ())
    }

    fn wait_left(&self) -> Duration {
        self.policy
            .total_wait()
            .saturating_sub(self.started.elapsed())
    }

    /// The limiter needs a longer wait than the policy allows: fail without
    /// sending.
    fn reject_rate_limited(&self, needed: Duration) -> reqwest::Response {
        tracing::warn!(
            wait_s = needed.as_secs(),
            "rate-limit capacity returns later than the retry policy's maximum wait"
        );
        let error = Error::RateLimited(Box::new(RateLimitedError {
            operation: self.facts.name,
            category: self.facts.ratelimit_category,
            reset_after: Some(needed),
            reset_at: Some(std::time::SystemTime::now() + needed),
            api: None,
            reason: RateLimitReason::ResetTooFar,
        }));
        let _ = fail::<()>(error);
        placeholder_response()
    }

    async fn after_error(
        &self,
        error: reqwest::Error,
        spare: Option<reqwest::Request>,
        attempt: u32,
    ) -> Next {
        let outcome = if error.is_connect() {
            AttemptOutcome::ConnectFailed
        } else {
            AttemptOutcome::NoResponse
        };
        with_record(|record| record.maybe_sent |= outcome == AttemptOutcome::NoResponse);

        let delay = self.retry_delay(outcome, attempt, None);
        match (delay, spare) {
            (Some(delay), Some(next)) => {
                tracing::info!(
                    attempt,
                    delay_ms = delay.as_millis() as u64,
                    error = %error.without_url(),
                    "retrying after a network error"
                );
                tokio::time::sleep(delay).await;
                Next::Retry(next)
            }
            _ => Next::Return(Err(error)),
        }
    }

    async fn after_response(
        &mut self,
        response: reqwest::Response,
        spare: Option<reqwest::Request>,
        attempt: u32,
    ) -> Next {
        let status = response.status().as_u16();
        let snapshot = RateLimitSnapshot::from_headers(response.headers());
        self.observe(&response, snapshot.as_ref());

        if status == 401 && !self.refreshed {
            return self.after_unauthorized(response, spare).await;
        }

        let hint = snapshot.as_ref().and_then(RateLimitSnapshot::wait_hint);
        let outcome = AttemptOutcome::Status(status);
        let delay = self.retry_delay(outcome, attempt, hint);
        match (delay, spare) {
            (Some(delay), Some(next)) => {
                tracing::info!(
                    attempt,
                    status,
                    delay_ms = delay.as_millis() as u64,
                    "retrying after a retryable status"
                );
                drop(response);
                tokio::time::sleep(delay).await;
                Next::Retry(next)
            }
            _ => {
                if status == 429 {
                    self.record_rate_limit_reason(outcome, attempt, hint);
                }
                Next::Return(keep_error_body(response).await)
            }
        }
    }

    fn observe(&self, response: &reqwest::Response, snapshot: Option<&RateLimitSnapshot>) {
        let status = response.status().as_u16();
        let request_id = request_id(response.headers());
        let span = tracing::Span::current();
        span.record("http.response.status_code", status);
        if let Some(id) = &request_id {
            span.record("pinterest.request_id", id.as_str());
        }
        with_record(|record| {
            record.status = Some(status);
            record.request_id = request_id;
            record.maybe_sent = true;
        });
        if let Some(snapshot) = snapshot {
            self.client.inner().limiter.observe(
                self.token_key,
                self.facts.ratelimit_category,
                snapshot,
            );
        }
    }

    /// The delay before the next attempt, or `None` when the outcome is not
    /// retried: not retryable, out of attempts, or over the total wait.
    fn retry_delay(
        &self,
        outcome: AttemptOutcome,
        attempt: u32,
        hint: Option<Duration>,
    ) -> Option<Duration> {
        if attempt >= self.policy.attempts() || !self.policy.is_retryable(&self.method, outcome) {
            return None;
        }
        let delay = self.policy.delay(attempt, hint);
        (delay <= self.wait_left()).then_some(delay)
    }

    fn record_rate_limit_reason(
        &self,
        outcome: AttemptOutcome,
        attempt: u32,
        hint: Option<Duration>,
    ) {
        let retryable = self.policy.is_retryable(&self.method, outcome);
        let too_far = hint.is_some_and(|hint| hint > self.wait_left());
        let reason = if !retryable {
            RateLimitReason::NotRetried
        } else if too_far && attempt < self.policy.attempts() {
            RateLimitReason::ResetTooFar
        } else {
            RateLimitReason::RetriesExhausted
        };
        with_record(|record| {
            record.rate_limit_reason = Some(reason);
            record.reset_after = hint;
        });
    }

    /// A 401 whose Pinterest code means the access token is invalid makes a
    /// refreshing provider refresh once, and the request is replayed once
    /// with the new token. Other 401s (a missing scope or permission) are
    /// returned as they are, because a new token has the same scopes.
    async fn after_unauthorized(
        &mut self,
        response: reqwest::Response,
        spare: Option<reqwest::Request>,
    ) -> Next {
        let refreshing = self
            .client
            .inner()
            .token_provider
            .as_ref()
            .and_then(TokenProvider::as_refreshing);
        let Some(provider) = refreshing else {
            return Next::Return(keep_error_body(response).await);
        };

        let captured = match capture(response).await {
            Ok(captured) => captured,
            Err(error) => return Next::Return(Err(error)),
        };
        let code = serde_json::from_slice::<serde_json::Value>(&captured.body)
            .ok()
            .and_then(|value| value.get("code")?.as_i64());
        let sent_token = spare.as_ref().and_then(|r| bearer_token(r.headers()));
        let (Some(sent_token), true) = (sent_token, code == Some(codes::AUTHENTICATION_FAILED))
        else {
            return Next::Return(Ok(keep(captured)));
        };

        self.refreshed = true;
        let token = match provider.refresh_rejected(sent_token.expose_secret()).await {
            Ok(token) => token,
            Err(error) => {
                let _ = fail::<()>(Error::Auth(Box::new(error)));
                return Next::Return(Ok(keep(captured)));
            }
        };
        let Some(mut replay) = spare else {
            return Next::Return(Ok(keep(captured)));
        };
        if set_bearer(replay.headers_mut(), &token).is_err() {
            return Next::Return(Ok(keep(captured)));
        }
        tracing::info!("replaying the request once with the refreshed access token");
        Next::Retry(replay)
    }
}

/// A response that stands in for a failure already recorded with [`fail`].
fn placeholder_response() -> reqwest::Response {
    let response = http::Response::builder()
        .status(StatusCode::TOO_MANY_REQUESTS)
        .body(Bytes::new())
        .unwrap_or_default();
    reqwest::Response::from(response)
}

/// Reads an error response's body into the call record, and rebuilds the
/// response around it so the generated code can still decode it.
async fn keep_error_body(response: reqwest::Response) -> reqwest::Result<reqwest::Response> {
    if response.status().as_u16() < 400 {
        return Ok(response);
    }
    let captured = capture(response).await?;
    Ok(keep(captured))
}

async fn capture(response: reqwest::Response) -> reqwest::Result<CapturedResponse> {
    let status = response.status().as_u16();
    let url = response.url().clone();
    let headers = response.headers().clone();
    let body = response.bytes().await?;
    Ok(CapturedResponse {
        status,
        url,
        headers,
        body,
    })
}

/// Stores a captured error response in the record and returns a copy.
fn keep(captured: CapturedResponse) -> reqwest::Response {
    let mut builder = http::Response::builder()
        .status(captured.status)
        .url(captured.url.clone());
    if let Some(headers) = builder.headers_mut() {
        *headers = captured.headers.clone();
    }
    let response = builder
        .body(captured.body.clone())
        .unwrap_or_else(|_| http::Response::new(captured.body.clone()));
    with_record(|record| record.error_response = Some(captured));
    reqwest::Response::from(response)
}

/// Sets `Authorization: Bearer <token>`, marked sensitive so HTTP logging
/// leaves it out.
pub(crate) fn set_bearer(headers: &mut HeaderMap, token: &SecretString) -> Result<(), String> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[cfg(feature = "full")]
    fn operation_table_is_sorted_and_complete() {
        let table = crate::generated::OPERATIONS;

        assert_eq!(table.len(), 231);
        assert!(table.windows(2).all(|w| w[0].name < w[1].name));
        assert_eq!(facts("boards_list").ratelimit_category, "org_read");
        assert!(facts("boards_list").scopes.contains(&"boards:read"));
        assert_eq!(facts("no_such_operation").name, "");
    }

    #[test]
    #[cfg(feature = "full")]
    fn every_operation_has_a_category() {
        let categories: std::collections::BTreeSet<&str> = crate::generated::OPERATIONS
            .iter()
            .map(|facts| facts.ratelimit_category)
            .collect();

        assert!(!categories.contains(""));
        assert_eq!(categories.len(), 13, "{categories:?}");
    }

    #[test]
    fn failing_path_names_the_field() {
        #[derive(serde::Deserialize)]
        #[allow(dead_code)]
        struct Page {
            items: Vec<Item>,
        }
        #[derive(serde::Deserialize)]
        #[allow(dead_code)]
        struct Item {
            id: String,
        }

        let path = failing_path::<Page>(br#"{"items":[{"id":"1"},{"id":2}]}"#);

        assert_eq!(path.as_deref(), Some("items[1].id"));
    }

    #[test]
    fn conversion_message_names_parameter_and_fix() {
        let message =
            explain_conversion("conversion to `:: std :: num :: NonZeroU64` for page_size failed");

        assert_eq!(
            message,
            "the value given for `page_size` does not convert to `std::num::NonZeroU64`; \
             it must not be zero (page_size, for example, takes 1 to 250)"
        );
        assert_eq!(explain_conversion("other text"), "other text");
    }

    #[test]
    fn display_url_drops_credentials() {
        let url = reqwest::Url::parse("https://user:pass@api.example/v5/boards?x=1").unwrap();

        let shown = display_url(&url);

        assert!(
            !shown.contains("pass") && !shown.contains("user"),
            "{shown}"
        );
        assert!(shown.contains("/v5/boards?x=1"), "{shown}");
    }
}
