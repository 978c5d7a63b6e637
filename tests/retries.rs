//! Typed errors, retries, rate limits, timeouts and tracing, against the
//! embedded mock's scripted fault sequences. Retry tests use zero backoff
//! and count attempts with the mock's request log.

#![cfg(all(feature = "mock", feature = "content", feature = "audiences"))]

use std::time::Duration;

use pinterest_v5::error::{RateLimitReason, TransportErrorKind};
use pinterest_v5::mock::{Fault, MockServer};
use pinterest_v5::ratelimit::RateLimits;
use pinterest_v5::{types, BaseUrl, CallOptions, Client, Error, ErrorKind, RetryPolicy};
use serde_json::json;

const LIST: &str = "boards/list";
const CREATE: &str = "boards/create";

/// Retries without waiting, four attempts in all.
fn fast_retries() -> RetryPolicy {
    RetryPolicy::new()
        .base_delay(Duration::ZERO)
        .max_attempts(4)
}

async fn mock_and_client() -> (MockServer, Client) {
    let mock = MockServer::start().await.unwrap();
    let client = mock
        .client_builder()
        .retry_policy(fast_retries())
        .build()
        .unwrap();
    (mock, client)
}

fn board() -> types::builder::BoardCreate {
    types::BoardCreate::builder().name("Weeknight dinners")
}

#[tokio::test]
async fn get_is_retried_until_success() {
    let (mock, client) = mock_and_client().await;
    mock.script_faults(
        LIST,
        [Fault::status(503), Fault::status(502), Fault::pass()],
    )
    .unwrap();

    let page = client.boards_list().send().await.unwrap();

    assert!(!page.items.is_empty());
    assert_eq!(mock.request_count(LIST), 3);
}

#[tokio::test]
async fn every_default_status_is_retried_and_others_are_not() {
    let (mock, client) = mock_and_client().await;

    for status in [429, 500, 502, 503, 504] {
        mock.script_faults(LIST, [Fault::status(status), Fault::pass()])
            .unwrap();
        let before = mock.request_count(LIST);

        client.boards_list().send().await.unwrap();

        assert_eq!(mock.request_count(LIST) - before, 2, "status {status}");
    }
    for status in [400, 401, 403, 404, 409, 501] {
        mock.script_faults(LIST, [Fault::status(status), Fault::pass()])
            .unwrap();
        let before = mock.request_count(LIST);

        let error = client.boards_list().send().await.unwrap_err();

        assert_eq!(error.status(), Some(status), "{error}");
        assert_eq!(mock.request_count(LIST) - before, 1, "status {status}");
        mock.script_faults(LIST, []).unwrap();
    }
}

#[tokio::test]
async fn attempts_are_capped() {
    let (mock, client) = mock_and_client().await;
    mock.script_faults(LIST, vec![Fault::status(500); 10])
        .unwrap();

    let error = client.boards_list().send().await.unwrap_err();

    assert_eq!(mock.request_count(LIST), 4);
    assert_eq!(error.kind(), ErrorKind::ServerError);
    assert!(error.is_transient());
}

#[tokio::test]
async fn post_is_not_replayed_after_it_was_sent() {
    let (mock, client) = mock_and_client().await;
    mock.script_faults(CREATE, [Fault::status(503), Fault::pass()])
        .unwrap();

    let error = client
        .boards_create()
        .body(board())
        .send()
        .await
        .unwrap_err();

    assert_eq!(mock.request_count(CREATE), 1);
    assert_eq!(error.status(), Some(503));
}

#[tokio::test]
async fn post_is_replayed_when_the_call_opts_in() {
    let (mock, client) = mock_and_client().await;
    mock.script_faults(CREATE, [Fault::status(503), Fault::pass()])
        .unwrap();

    let created = client
        .boards_create()
        .body(board())
        .send_with(CallOptions::new().retry_writes(true))
        .await
        .unwrap();

    assert_eq!(created.name, "Weeknight dinners");
    assert_eq!(mock.request_count(CREATE), 2);
}

#[tokio::test]
async fn post_is_retried_when_the_connection_never_opened() {
    let client = closed_port_client(fast_retries().max_attempts(3)).await;

    let error = client
        .boards_create()
        .body(board())
        .send()
        .await
        .unwrap_err();

    let Error::Transport(transport) = &error else {
        panic!("expected a transport error, got {error:?}");
    };
    assert_eq!(transport.kind, TransportErrorKind::Connect);
    assert_eq!(transport.attempts, 3);
    assert!(!transport.maybe_sent);
    assert_eq!(error.kind(), ErrorKind::Transport);
}

/// A client for a loopback port that nothing listens on.
async fn closed_port_client(policy: RetryPolicy) -> Client {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    drop(listener);

    Client::builder()
        .base_url(BaseUrl::Custom(format!("http://{address}/v5")))
        .access_token("t")
        .retry_policy(policy)
        .build()
        .unwrap()
}

#[tokio::test]
async fn retry_after_is_honoured() {
    let (mock, client) = mock_and_client().await;
    mock.script_faults(
        LIST,
        [Fault::status(429).header("Retry-After", "1"), Fault::pass()],
    )
    .unwrap();
    let started = std::time::Instant::now();

    client.boards_list().send().await.unwrap();

    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(mock.request_count(LIST), 2);
}

#[tokio::test]
async fn far_reset_fails_at_once_and_blocks_later_calls() {
    let (mock, client) = mock_and_client().await;
    mock.script_faults(
        LIST,
        [Fault::status(429)
            .json(json!({"code": 8, "message": "This request exceeded a rate limit."}))
            .header("X-RateLimit-Remaining", "0")
            .header("X-RateLimit-Reset", "67000")
            .header("x-pinterest-rid", "rid-429")],
    )
    .unwrap();

    let call = client.boards_list().send();
    let error = tokio::time::timeout(Duration::from_secs(10), call)
        .await
        .expect("a far reset must not put the call to sleep")
        .unwrap_err();

    let Error::RateLimited(limited) = &error else {
        panic!("expected a rate-limit error, got {error:?}");
    };
    assert_eq!(limited.reason, RateLimitReason::ResetTooFar);
    assert_eq!(limited.category, "org_read");
    let reset = limited.reset_after.unwrap();
    assert!(reset > Duration::from_secs(66_000), "{reset:?}");
    assert_eq!(error.request_id(), Some("rid-429"));
    assert_eq!(mock.request_count(LIST), 1);

    let error = client.boards_list().send().await.unwrap_err();

    assert!(error.is_rate_limited(), "{error}");
    assert_eq!(
        mock.request_count(LIST),
        1,
        "the limiter let a blocked call through"
    );
}

#[tokio::test]
async fn client_limiter_waits_instead_of_sending() {
    let mock = MockServer::start().await.unwrap();
    let client = mock
        .client_builder()
        .retry_policy(fast_retries().max_total_wait(Duration::ZERO))
        .rate_limits(RateLimits::default().quota("org_read", 1))
        .build()
        .unwrap();

    client.boards_list().send().await.unwrap();
    let error = client.boards_list().send().await.unwrap_err();

    let Error::RateLimited(limited) = &error else {
        panic!("expected a rate-limit error, got {error:?}");
    };
    assert!(limited.api.is_none());
    assert_eq!(mock.request_count(LIST), 1);
}

#[tokio::test]
async fn error_bodies_of_any_shape_become_typed_errors() {
    let (mock, client) = mock_and_client().await;
    let no_retry = || CallOptions::new().retry(RetryPolicy::none());
    let cases = [
        (
            Fault::status(502).raw_body("<html><body>Bad gateway</body></html>", "text/html"),
            502,
            None,
        ),
        (
            Fault::status(500).raw_body("", "application/json"),
            500,
            None,
        ),
        (
            Fault::status(400).raw_body(r#"{"code": 1, "mess"#, "application/json"),
            400,
            None,
        ),
        (
            Fault::status(404)
                .json(json!({"code": 40, "message": "Board not found.", "extra": {"a": [1]}})),
            404,
            Some(40),
        ),
    ];

    for (fault, status, code) in cases {
        mock.script_faults(LIST, [fault]).unwrap();

        let error = client
            .boards_list()
            .send_with(no_retry())
            .await
            .unwrap_err();

        let Error::Api(api) = &error else {
            panic!("status {status}: expected an API error, got {error:?}");
        };
        assert_eq!(api.status, status);
        assert_eq!(api.code, code);
        assert!(error.to_string().contains(&status.to_string()), "{error}");
    }
}

#[tokio::test]
async fn html_body_is_kept_as_an_excerpt() {
    let (mock, client) = mock_and_client().await;
    let page = format!("<html>{}</html>", "x".repeat(100_000));
    mock.script_faults(LIST, [Fault::status(403).raw_body(page, "text/html")])
        .unwrap();

    let error = client.boards_list().send().await.unwrap_err();

    let api = error.api().unwrap();
    assert!(api.body_excerpt.starts_with("<html>"));
    assert!(api.body_excerpt.len() <= pinterest_v5::error::MAX_BODY_EXCERPT);
    assert_eq!(api.message, None);
}

#[tokio::test]
async fn undecodable_success_names_the_path() {
    let (mock, client) = mock_and_client().await;
    mock.script_faults(
        LIST,
        [Fault::status(200).json(json!({"items": [{"id": 5, "name": []}], "bookmark": null}))],
    )
    .unwrap();

    let error = client.boards_list().send().await.unwrap_err();

    let Error::Decode(decode) = &error else {
        panic!("expected a decode error, got {error:?}");
    };
    assert_eq!(decode.status, 200);
    let path = decode.path.as_deref().unwrap();
    assert!(path.starts_with("items[0]."), "{path}");
    assert_eq!(error.kind(), ErrorKind::Decode);
}

#[tokio::test]
async fn truncated_success_body_is_a_decode_error() {
    let (mock, client) = mock_and_client().await;
    mock.script_faults(
        LIST,
        [Fault::status(200).raw_body(r#"{"items": [{"id": "1", "na"#, "application/json")],
    )
    .unwrap();

    let error = client.boards_list().send().await.unwrap_err();

    assert_eq!(error.kind(), ErrorKind::Decode, "{error}");
}

#[tokio::test]
async fn request_id_and_kind_come_with_api_errors() {
    let (mock, client) = mock_and_client().await;
    mock.script_faults(
        LIST,
        [Fault::status(403)
            .json(json!({"code": 2626, "message": "We are reviewing your account."}))
            .header("x-pinterest-rid", "rid-42")],
    )
    .unwrap();

    let error = client.boards_list().send().await.unwrap_err();

    assert_eq!(error.kind(), ErrorKind::AccountUnderReview);
    assert_eq!(error.code(), Some(2626));
    assert_eq!(error.request_id(), Some("rid-42"));
    assert!(error.to_string().contains("rid-42"), "{error}");
}

#[tokio::test]
async fn missing_scope_error_names_the_scope() {
    let (mock, client) = mock_and_client().await;
    mock.script_faults(
        LIST,
        [Fault::status(401).json(json!({"code": 3, "message": "insufficient permissions"}))],
    )
    .unwrap();

    let error = client.boards_list().send().await.unwrap_err();

    assert_eq!(error.kind(), ErrorKind::InsufficientScope);
    assert!(error.to_string().contains("boards:read"), "{error}");
    assert_eq!(mock.request_count(LIST), 1);
}

#[tokio::test]
async fn sandbox_rejects_unserved_operations() {
    let mock = MockServer::start().await.unwrap();
    let client = mock.client_builder().sandbox_rules(true).build().unwrap();

    let error = client
        .audiences_list()
        .ad_account_id("123")
        .send()
        .await
        .unwrap_err();

    let Error::InvalidRequest(invalid) = &error else {
        panic!("expected an invalid-request error, got {error:?}");
    };
    assert_eq!(invalid.operation, "audiences_list");
    assert!(error.to_string().contains("audiences_list"), "{error}");
    assert!(mock.requests().is_empty());

    client.boards_list().send().await.unwrap();
    assert_eq!(mock.request_count(LIST), 1);
}

#[tokio::test]
async fn timeouts_per_attempt_and_per_call() {
    let mock = MockServer::start().await.unwrap();
    let slow = || Fault::pass().delay(Duration::from_secs(3));

    let client = mock
        .client_builder()
        .timeout(Duration::from_millis(200))
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    mock.script_faults(LIST, [slow()]).unwrap();
    let error = client.boards_list().send().await.unwrap_err();
    let Error::Transport(transport) = &error else {
        panic!("expected a transport error, got {error:?}");
    };
    assert_eq!(transport.kind, TransportErrorKind::Timeout);
    assert!(transport.maybe_sent);

    let client = mock
        .client_builder()
        .total_timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    mock.script_faults(LIST, [slow()]).unwrap();
    let error = client.boards_list().send().await.unwrap_err();
    let Error::Transport(transport) = &error else {
        panic!("expected a transport error, got {error:?}");
    };
    assert_eq!(transport.kind, TransportErrorKind::TotalTimeout);
    assert_eq!(error.kind(), ErrorKind::Timeout);
}
