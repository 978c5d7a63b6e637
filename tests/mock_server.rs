//! The generated client against the embedded mock: every operation is
//! callable and decodes the mock's sample response, authentication and
//! unknown paths answer like Pinterest, and scripted responses reach callers
//! as typed errors.

#![cfg(feature = "mock")]

use pinterest_v5::mock::{call_with_samples, operations, MockServer, MOCK_ACCESS_TOKEN};
use pinterest_v5::{types, BaseUrl, Client, Error, ErrorKind};
use serde_json::json;

/// Operations in Pinterest's 5.23.0 document.
const OPERATION_COUNT: usize = 231;

#[tokio::test]
async fn every_operation_callable_and_decodes() {
    let mock = MockServer::start().await.unwrap();
    let client = mock.client();
    let mut failures = Vec::new();
    // The generated token operations' body carries only `grant_type`, so the
    // mock's OAuth endpoints would reject them as incomplete grants; serve
    // their samples instead. tests/oauth.rs covers the grants themselves.
    for operation in operations()
        .iter()
        .filter(|op| op.path.starts_with("/oauth/token"))
    {
        let sample = serde_json::from_str(operation.body.unwrap_or("{}")).unwrap();
        mock.respond(operation.operation_id, operation.status, sample)
            .unwrap();
    }

    for operation in operations() {
        let outcome = call_with_samples(&client, operation.operation_id)
            .await
            .expect("every table entry has a sample call");
        let expected = Some(operation.status);
        if outcome.result.is_err() || outcome.status != expected {
            failures.push(format!(
                "{} {} {}: status {:?}, {:?}",
                operation.operation_id,
                operation.method,
                operation.path,
                outcome.status,
                outcome.result
            ));
        }
    }

    assert_eq!(operations().len(), OPERATION_COUNT);
    assert!(
        failures.is_empty(),
        "{} of {} failed:\n{}",
        failures.len(),
        OPERATION_COUNT,
        failures.join("\n")
    );
    let requests = mock.requests();
    assert_eq!(requests.len(), OPERATION_COUNT, "one request per operation");
    assert!(requests
        .iter()
        .all(|r| r.operation_id.is_some() && r.authorized));
}

#[tokio::test]
async fn unknown_operation_id_returns_none() {
    let mock = MockServer::start().await.unwrap();

    assert!(call_with_samples(&mock.client(), "boards/nonexistent")
        .await
        .is_none());
}

#[tokio::test]
async fn created_board_echoes_request() {
    let mock = MockServer::start().await.unwrap();
    let client = mock.client();

    let board = client
        .boards_create()
        .body(
            types::BoardCreate::builder()
                .name("Weeknight dinners")
                .privacy(types::BoardPrivacy::Secret),
        )
        .send()
        .await
        .unwrap();

    assert_eq!(board.name, "Weeknight dinners");
    assert_eq!(board.privacy, types::BoardPrivacy::Secret);
    let request = mock.requests().pop().unwrap();
    assert_eq!(request.method, "POST");
    assert_eq!(request.path, "/boards");
    assert_eq!(request.content_type.as_deref(), Some("application/json"));
    let sent: serde_json::Value = serde_json::from_str(&request.body).unwrap();
    assert_eq!(sent["name"], "Weeknight dinners");
    assert_eq!(sent["privacy"], "SECRET");
}

#[tokio::test]
async fn wrong_token_gets_pinterest_401() {
    let mock = MockServer::start().await.unwrap();
    let client = Client::builder()
        .base_url(BaseUrl::Custom(mock.base_url()))
        .access_token("not-the-mock-token")
        .build()
        .unwrap();

    let error = client.user_account_get().send().await.unwrap_err();

    assert_eq!(error.status(), Some(401));
    let Error::Api(response) = error else {
        panic!("expected a typed error response, got {error:?}");
    };
    assert_eq!(response.code, Some(2));
    assert_eq!(response.message.as_deref(), Some("Authentication failed."));
    assert_eq!(response.kind(), ErrorKind::AuthenticationFailed);
    assert!(!mock.requests()[0].authorized);
}

#[tokio::test]
async fn missing_token_gets_401() {
    let mock = MockServer::start().await.unwrap();
    let client = Client::builder()
        .base_url(BaseUrl::Custom(mock.base_url()))
        .build()
        .unwrap();

    let error = client.boards_list().send().await.unwrap_err();

    assert_eq!(error.status(), Some(401));
}

#[tokio::test]
async fn bearer_header_carries_token() {
    let mock = MockServer::start().await.unwrap();
    mock.set_access_token("pina_custom_token");
    let client = Client::builder()
        .base_url(BaseUrl::Custom(mock.base_url()))
        .access_token("pina_custom_token")
        .build()
        .unwrap();

    client.user_account_get().send().await.unwrap();

    assert!(mock.requests()[0].authorized);
    assert_ne!(MOCK_ACCESS_TOKEN, "pina_custom_token");
}

#[tokio::test]
async fn unknown_path_gets_pinterest_404() {
    let mock = MockServer::start().await.unwrap();

    let response = reqwest::Client::new()
        .get(format!("{}/no/such/resource", mock.base_url()))
        .bearer_auth(MOCK_ACCESS_TOKEN)
        .send()
        .await
        .unwrap();

    assert_eq!(response.status().as_u16(), 404);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["code"], 404);
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("/v5/no/such/resource"),
        "{body}"
    );
}

#[tokio::test]
async fn scripted_error_reaches_caller_typed() {
    let mock = MockServer::start().await.unwrap();
    mock.respond(
        "boards/get",
        404,
        json!({"code": 40, "message": "Board not found."}),
    )
    .unwrap();

    let error = mock
        .client()
        .boards_get()
        .board_id("1234")
        .send()
        .await
        .unwrap_err();

    let Error::Api(response) = error else {
        panic!("expected a typed error response, got {error:?}");
    };
    assert_eq!(response.status, 404);
    assert_eq!(response.code, Some(40));
    assert_eq!(response.message.as_deref(), Some("Board not found."));
    assert_eq!(response.kind(), ErrorKind::NotFound);
}

#[tokio::test]
async fn scripting_unknown_operation_fails() {
    let mock = MockServer::start().await.unwrap();

    let error = mock.respond("boards/teleport", 200, json!({})).unwrap_err();

    assert!(error.to_string().contains("boards/teleport"), "{error}");
}

#[tokio::test]
async fn comma_joined_array_on_the_wire() {
    let mock = MockServer::start().await.unwrap();

    mock.client()
        .pins_analytics()
        .pin_id("549755885175")
        .start_date(chrono::NaiveDate::from_ymd_opt(2024, 1, 1).unwrap())
        .end_date(chrono::NaiveDate::from_ymd_opt(2024, 1, 31).unwrap())
        .metric_types(vec![
            types::QueryPinAnalyticsMetricTypesItem::Impression,
            types::QueryPinAnalyticsMetricTypesItem::Save,
        ])
        .send()
        .await
        .unwrap();

    let query = mock.requests()[0].query.clone().unwrap();
    assert!(query.contains("metric_types=IMPRESSION%2CSAVE"), "{query}");
    assert!(query.contains("start_date=2024-01-01"), "{query}");
}
