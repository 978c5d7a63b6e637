//! Pagination streams through the generated builders against the mock.

#![cfg(all(feature = "mock", feature = "content"))]

use std::time::Duration;

use futures::{StreamExt, TryStreamExt};
use pinterest_v5::mock::{operations, page_with_samples, ListScript, ListScriptError, MockServer};
use pinterest_v5::pagination::{paginated_operations, PageOptions, Paginated, PaginationError};
use pinterest_v5::RetryPolicy;
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

/// Reads `boards/list` page by page and returns the item ids of each page,
/// with the error that ended the stream, if any.
async fn board_pages(
    mock: &MockServer,
    options: PageOptions,
) -> (Vec<Vec<String>>, Option<PaginationError>) {
    let client = mock.client();
    let mut pages = client.boards_list().pages_with(options);
    let mut ids = Vec::new();
    while let Some(page) = pages.next().await {
        match page {
            Ok(page) => ids.push(
                page.items
                    .iter()
                    .map(|b| b.id.as_str().to_owned())
                    .collect(),
            ),
            Err(error) => return (ids, Some(error)),
        }
    }
    (ids, None)
}

fn ids(range: std::ops::RangeInclusive<u32>) -> Vec<String> {
    range.map(|id| id.to_string()).collect()
}

#[tokio::test]
async fn scripted_pages_in_order() {
    let mock = MockServer::start().await.unwrap();
    mock.script_list("boards/list", ListScript::new(7)).unwrap();

    let (pages, error) = board_pages(&mock, PageOptions::new().page_size(3)).await;

    assert!(error.is_none(), "{:?}", error.map(|e| e.to_string()));
    assert_eq!(pages, [ids(1..=3), ids(4..=6), ids(7..=7)]);
    let queries: Vec<Option<String>> = mock.requests().into_iter().map(|r| r.query).collect();
    assert_eq!(
        queries,
        [
            Some("page_size=3".to_owned()),
            Some("bookmark=mock-offset-3&page_size=3".to_owned()),
            Some("bookmark=mock-offset-6&page_size=3".to_owned()),
        ]
    );
}

#[tokio::test]
async fn items_across_many_pages() {
    let mock = MockServer::start().await.unwrap();
    mock.script_list("boards/list", ListScript::new(1000).page_size(250))
        .unwrap();

    let boards: Vec<_> = mock
        .client()
        .boards_list()
        .items()
        .try_collect()
        .await
        .unwrap();

    let received: Vec<String> = boards.iter().map(|b| b.id.as_str().to_owned()).collect();
    assert_eq!(received, ids(1..=1000));
    assert_eq!(mock.requests().len(), 4);
}

#[tokio::test]
async fn empty_list_is_one_empty_page() {
    let mock = MockServer::start().await.unwrap();
    mock.script_list("boards/list", ListScript::new(0)).unwrap();

    let (pages, error) = board_pages(&mock, PageOptions::new()).await;

    assert!(error.is_none());
    assert_eq!(pages, [Vec::<String>::new()]);
    assert_eq!(mock.requests().len(), 1);
}

#[tokio::test]
async fn empty_last_page_ends_stream() {
    let mock = MockServer::start().await.unwrap();
    let script = ListScript::new(4).page_size(2).empty_last_page();
    mock.script_list("boards/list", script).unwrap();

    let (pages, error) = board_pages(&mock, PageOptions::new()).await;

    assert!(error.is_none());
    assert_eq!(pages, [ids(1..=2), ids(3..=4), Vec::new()]);
    assert_eq!(mock.requests().len(), 3);
}

#[tokio::test]
async fn resume_from_saved_bookmark() {
    let mock = MockServer::start().await.unwrap();
    mock.script_list("boards/list", ListScript::new(5).page_size(2))
        .unwrap();
    let client = mock.client();
    let mut pages = client.boards_list().pages();
    let first = pages.try_next().await.unwrap().unwrap();
    drop(pages);
    let saved = first.next_bookmark.unwrap();

    let rest: Vec<_> = mock
        .client()
        .boards_list()
        .bookmark(saved)
        .items()
        .try_collect()
        .await
        .unwrap();

    let received: Vec<String> = rest.iter().map(|b| b.id.as_str().to_owned()).collect();
    assert_eq!(received, ids(3..=5));
    assert_eq!(mock.requests().len(), 3, "page 1 once, then pages 2 and 3");
}

#[tokio::test]
async fn scripted_repeated_bookmark() {
    let mock = MockServer::start().await.unwrap();
    let script = ListScript::new(10).page_size(2).repeat_bookmark_on_page(3);
    mock.script_list("boards/list", script).unwrap();

    let (pages, error) = board_pages(&mock, PageOptions::new()).await;

    assert_eq!(pages, [ids(1..=2), ids(3..=4)]);
    let Some(PaginationError::RepeatedBookmark {
        operation_id,
        bookmark,
    }) = error
    else {
        panic!(
            "expected a repeated bookmark, got {:?}",
            error.map(|e| e.to_string())
        );
    };
    assert_eq!(operation_id, "boards/list");
    assert_eq!(bookmark, "mock-offset-4");
    assert_eq!(mock.requests().len(), 3, "no request after the repeat");
}

#[tokio::test]
async fn failed_page_then_resume() {
    let mock = MockServer::start().await.unwrap();
    let script = ListScript::new(6).page_size(2).fail_page(2, 503);
    mock.script_list("boards/list", script).unwrap();
    let client = mock
        .client_builder()
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let mut pages = client.boards_list().pages();

    let first = pages.try_next().await.unwrap().unwrap();
    let failed = pages.try_next().await.unwrap_err();
    let after_error = pages.try_next().await.unwrap();

    assert!(matches!(&failed, PaginationError::Api(e) if e.status() == Some(503)));
    assert!(failed.to_string().contains("503"), "{failed}");
    assert!(after_error.is_none(), "the stream ends at the failed page");
    let resumed: Vec<_> = mock
        .client()
        .boards_list()
        .bookmark(first.next_bookmark.unwrap())
        .items()
        .try_collect()
        .await
        .unwrap();
    let received: Vec<String> = resumed.iter().map(|b| b.id.as_str().to_owned()).collect();
    assert_eq!(received, ids(3..=6));
}

#[tokio::test]
async fn failed_page_retried_by_policy() {
    let mock = MockServer::start().await.unwrap();
    let script = ListScript::new(6).page_size(2).fail_page(2, 503);
    mock.script_list("boards/list", script).unwrap();
    let client = mock
        .client_builder()
        .retry_policy(RetryPolicy::new().base_delay(Duration::ZERO))
        .build()
        .unwrap();

    let boards: Vec<_> = client.boards_list().items().try_collect().await.unwrap();

    let received: Vec<String> = boards.iter().map(|b| b.id.as_str().to_owned()).collect();
    assert_eq!(received, ids(1..=6));
    assert_eq!(mock.request_count("boards/list"), 4);
}

#[tokio::test]
async fn page_size_out_of_range_rejected() {
    for page_size in [0, 251] {
        let mock = MockServer::start().await.unwrap();
        mock.script_list("boards/list", ListScript::new(3)).unwrap();

        let (pages, error) = board_pages(&mock, PageOptions::new().page_size(page_size)).await;

        assert!(pages.is_empty());
        let error = error.unwrap_or_else(|| panic!("page size {page_size} was accepted"));
        assert!(
            matches!(error, PaginationError::InvalidPageSize { page_size: value, .. } if value == page_size)
        );
        let message = error.to_string();
        assert!(
            message.contains(&format!("page_size {page_size}")),
            "{message}"
        );
        assert!(message.contains("1 to 250"), "{message}");
        assert!(mock.requests().is_empty(), "nothing sent for {page_size}");
    }
}

#[tokio::test]
async fn page_size_bounds_accepted() {
    for page_size in [1, 250] {
        let mock = MockServer::start().await.unwrap();
        mock.script_list("boards/list", ListScript::new(2)).unwrap();

        let (pages, error) = board_pages(&mock, PageOptions::new().page_size(page_size)).await;

        assert!(
            error.is_none(),
            "{page_size}: {:?}",
            error.map(|e| e.to_string())
        );
        let expected = if page_size == 1 {
            vec![ids(1..=1), ids(2..=2)]
        } else {
            vec![ids(1..=2)]
        };
        assert_eq!(pages, expected);
        let first = mock.requests()[0].query.clone();
        assert_eq!(first, Some(format!("page_size={page_size}")));
    }
}

#[tokio::test]
async fn builder_page_size_checked() {
    let mock = MockServer::start().await.unwrap();

    let too_large = mock
        .client()
        .boards_list()
        .page_size(251)
        .pages()
        .try_next()
        .await;
    let zero = mock
        .client()
        .boards_list()
        .page_size(0)
        .pages()
        .try_next()
        .await;

    let too_large = too_large.unwrap_err();
    assert!(
        too_large.to_string().contains("page_size 251"),
        "{too_large}"
    );
    assert!(
        matches!(
            zero,
            Err(PaginationError::Api(pinterest_v5::Error::InvalidRequest(_)))
        ),
        "the builder's own conversion rejects 0"
    );
    assert!(mock.requests().is_empty());
}

#[tokio::test]
async fn page_size_option_needs_parameter() {
    let mock = MockServer::start().await.unwrap();
    let id = "search_partner_pins";
    assert!(paginated_operations().contains(&id));

    let outcome = page_with_samples(&mock.client(), id, PageOptions::new().page_size(10))
        .await
        .unwrap();

    let message = outcome.result.unwrap_err();
    assert!(message.contains("has no page_size parameter"), "{message}");
    assert!(mock.requests().is_empty());
}

/// Waits, for at most about five seconds, until the mock has received
/// `count` requests, and returns how many it has.
async fn wait_for_requests(mock: &MockServer, count: usize) -> usize {
    for _ in 0..500 {
        if mock.requests().len() >= count {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    mock.requests().len()
}

#[tokio::test]
async fn prefetch_stays_one_page_ahead() {
    let mock = MockServer::start().await.unwrap();
    mock.script_list("boards/list", ListScript::new(8).page_size(2))
        .unwrap();
    let options = PageOptions::new().prefetch(true);
    let client = mock.client();
    let mut pages = client.boards_list().pages_with(options);

    let mut received = 0;
    while let Some(page) = pages.try_next().await.unwrap() {
        received += 1;
        let expected = (received + 1).min(4);
        let seen = wait_for_requests(&mock, expected).await;
        // Give a request beyond the allowed one time to arrive, if any was
        // wrongly started, before counting again.
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        let seen_later = mock.requests().len();

        assert_eq!(page.items.len(), 2);
        assert_eq!(
            seen, expected,
            "requests seen while holding page {received}"
        );
        assert_eq!(
            seen_later, expected,
            "requests seen later while holding page {received}"
        );
    }
    assert_eq!(received, 4);
}

#[tokio::test]
async fn sequential_requests_each_page_on_demand() {
    let mock = MockServer::start().await.unwrap();
    mock.script_list("boards/list", ListScript::new(8).page_size(2))
        .unwrap();
    let client = mock.client();
    let mut pages = client.boards_list().pages();

    let mut received = 0;
    while let Some(page) = pages.try_next().await.unwrap() {
        received += 1;
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;

        assert_eq!(page.items.len(), 2);
        assert_eq!(mock.requests().len(), received);
    }
    assert_eq!(received, 4);
}

#[tokio::test]
async fn every_paginated_operation_streams() {
    let mock = MockServer::start().await.unwrap();
    let client = mock.client();
    let mut failures = Vec::new();

    for id in paginated_operations() {
        mock.script_list(id, ListScript::new(3).page_size(2))
            .unwrap();
        for prefetch in [false, true] {
            let options = PageOptions::new().prefetch(prefetch);
            let outcome = page_with_samples(&client, id, options).await.unwrap();
            if outcome.page_items != [2, 1] || outcome.result.is_err() {
                failures.push(format!("{id} (prefetch {prefetch}): {outcome:?}"));
            }
        }
    }

    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(mock.requests().len(), 4 * PAGINATED_COUNT);
}

#[tokio::test]
async fn non_list_rejected_by_script() {
    let mock = MockServer::start().await.unwrap();

    let unknown = mock.script_list("boards/lists", ListScript::new(1));
    let not_a_list = mock.script_list("boards/get", ListScript::new(1));
    let page_zero = mock.script_list("boards/list", ListScript::new(1).fail_page(0, 500));

    assert!(matches!(unknown, Err(ListScriptError::UnknownOperation(_))));
    assert!(matches!(not_a_list, Err(ListScriptError::NotAList(_))));
    assert!(matches!(page_zero, Err(ListScriptError::InvalidPage(0))));
}

#[test]
fn page_with_samples_needs_paginated_operation() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let outcome = runtime.block_on(async {
        let mock = MockServer::start().await.unwrap();
        page_with_samples(&mock.client(), "boards/get", PageOptions::new()).await
    });

    assert!(outcome.is_none());
}
