//! Pagination streams through the generated builders against the mock.

#![cfg(feature = "mock")]

use futures::TryStreamExt;
use pinterest_v5::mock::{operations, MockServer};
use pinterest_v5::pagination::{paginated_operations, Paginated, PaginationError};
use serde_json::json;

/// Bookmark-paginated operations in Pinterest's 5.23.0 document: a
/// `bookmark` query parameter and a response with `items` and `bookmark`.
const PAGINATED_COUNT: usize = 56;

fn board(id: &str) -> serde_json::Value {
    json!({"id": id, "name": format!("Board {id}"), "privacy": "PUBLIC"})
}

#[test]
fn paginated_operations_are_known_lists() {
    let listed = paginated_operations();

    assert_eq!(listed.len(), PAGINATED_COUNT);
    for id in listed {
        let operation = operations().iter().find(|op| op.operation_id == *id);
        let operation = operation.unwrap_or_else(|| panic!("{id} is not an operation"));
        assert!(
            matches!(operation.method, "GET" | "POST"),
            "{id} is {}",
            operation.method
        );
    }
}

#[tokio::test]
async fn single_page_without_bookmark() {
    let mock = MockServer::start().await.unwrap();
    mock.respond(
        "boards/list",
        200,
        json!({"items": [board("1"), board("2")], "bookmark": null}),
    )
    .unwrap();

    let boards: Vec<_> = mock
        .client()
        .boards_list()
        .page_size(2)
        .items()
        .try_collect()
        .await
        .unwrap();

    let names: Vec<&str> = boards.iter().map(|b| b.name.as_str()).collect();
    assert_eq!(names, ["Board 1", "Board 2"]);
    assert_eq!(mock.requests().len(), 1);
}

#[tokio::test]
async fn repeated_bookmark_ends_with_error() {
    let mock = MockServer::start().await.unwrap();
    mock.respond(
        "boards/list",
        200,
        json!({"items": [board("1")], "bookmark": "same"}),
    )
    .unwrap();

    let results: Vec<_> = futures::StreamExt::collect(mock.client().boards_list().pages()).await;

    assert_eq!(results.len(), 2);
    assert_eq!(
        results[0].as_ref().unwrap().next_bookmark.as_deref(),
        Some("same")
    );
    assert!(
        matches!(&results[1], Err(PaginationError::RepeatedBookmark { bookmark, .. }) if bookmark == "same"),
        "{:?}",
        results[1].as_ref().err().map(ToString::to_string)
    );
    let requests = mock.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[1].query.as_deref(), Some("bookmark=same"));
}

#[tokio::test]
async fn failed_page_reports_status() {
    let mock = MockServer::start().await.unwrap();
    mock.respond(
        "boards/list",
        503,
        json!({"code": 8, "message": "Try later"}),
    )
    .unwrap();

    let error = mock
        .client()
        .boards_list()
        .items()
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();

    assert!(matches!(error, PaginationError::Api(_)));
    assert!(error.to_string().contains("503"), "{error}");
}
