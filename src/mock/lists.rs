//! Scripted multi-page lists for paginated operations.
//!
//! [`MockServer::script_list`] makes the mock serve one operation as a list
//! of a given number of items, split into pages by the request's
//! `page_size` (or a fixed page size), with bookmarks that lead from each
//! page to the next. A script can also repeat a bookmark, end with an empty
//! page, fail a page once, and delay every response.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use futures::StreamExt;
use serde_json::{json, Value};

use super::{error_response, MockOperation, MockServer, SampleOutcome, OPERATIONS};
use crate::pagination::{PageOptions, PageStream};
use crate::Client;

/// Page size when neither the script nor the request sets one; Pinterest's
/// default for `page_size`.
const DEFAULT_PAGE_SIZE: usize = 25;

/// Prefix of the bookmarks the mock issues; the rest is the offset of the
/// page's first item.
const BOOKMARK_PREFIX: &str = "mock-offset-";

/// A script for one paginated operation of the mock: the number of items,
/// their split into pages, and scripted faults. Pages are numbered from 1.
#[derive(Debug, Clone)]
pub struct ListScript {
    items: usize,
    page_size: Option<usize>,
    empty_last_page: bool,
    repeat_bookmark_on_page: Option<usize>,
    failures: Vec<(usize, u16)>,
    latency: Duration,
}

impl ListScript {
    /// Creates a script for a list of `items` items, paged by the request's
    /// `page_size` (25 when the request has none). Item `i` (from 1) is the
    /// operation's sample item with its `id`, if it has one, set to `i`.
    pub fn new(items: usize) -> Self {
        ListScript {
            items,
            page_size: None,
            empty_last_page: false,
            repeat_bookmark_on_page: None,
            failures: Vec::new(),
            latency: Duration::ZERO,
        }
    }

    /// Sets a fixed page size that overrides the request's `page_size`.
    pub fn page_size(mut self, page_size: usize) -> Self {
        self.page_size = Some(page_size);
        self
    }

    /// Makes the last page with items return a bookmark that leads to one
    /// more page, with no items and no bookmark. Has no effect on an empty
    /// list, whose only page is already empty.
    pub fn empty_last_page(mut self) -> Self {
        self.empty_last_page = true;
        self
    }

    /// Makes page `page` return its own bookmark instead of the next one.
    /// From page 2 on, that is the bookmark the client just sent, so a
    /// client that follows bookmarks blindly requests the page forever.
    pub fn repeat_bookmark_on_page(mut self, page: usize) -> Self {
        self.repeat_bookmark_on_page = Some(page);
        self
    }

    /// Makes the first request for page `page` fail with `status` and a
    /// Pinterest-shaped error body. Later requests for the page succeed, so
    /// a client can resume from the bookmark that leads to it.
    pub fn fail_page(mut self, page: usize, status: u16) -> Self {
        self.failures.push((page, status));
        self
    }

    /// Delays every response of the list by `latency`, to simulate a
    /// network round trip.
    pub fn latency(mut self, latency: Duration) -> Self {
        self.latency = latency;
        self
    }

    fn check(&self) -> Result<(), ListScriptError> {
        if self.page_size == Some(0) {
            return Err(ListScriptError::InvalidPageSize);
        }
        let mut pages = self.failures.iter().map(|(page, _)| *page);
        if pages.any(|page| page == 0) || self.repeat_bookmark_on_page == Some(0) {
            return Err(ListScriptError::InvalidPage(0));
        }
        let invalid_status = self
            .failures
            .iter()
            .find(|(_, status)| !(400..=599).contains(status));
        if let Some((_, status)) = invalid_status {
            return Err(ListScriptError::InvalidStatus(*status));
        }
        Ok(())
    }
}

/// Errors from [`MockServer::script_list`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ListScriptError {
    /// The operation id is not in the document.
    #[error("unknown operation `{0}`; use an operationId such as `boards/list` (see pinterest_v5::pagination::paginated_operations())")]
    UnknownOperation(String),
    /// The operation's sample response has no `items` list to take an item
    /// from, so it is not a paginated list.
    #[error("operation `{0}` is not a paginated list; see pinterest_v5::pagination::paginated_operations()")]
    NotAList(String),
    /// A page number is 0; pages are numbered from 1.
    #[error("invalid page number {0}; pages are numbered from 1")]
    InvalidPage(usize),
    /// The fixed page size is 0.
    #[error("invalid page size 0; use 1 or more")]
    InvalidPageSize,
    /// A failure status is not an HTTP error status.
    #[error("invalid failure status {0}; use a code from 400 to 599")]
    InvalidStatus(u16),
}

impl MockServer {
    /// Serves `operation_id` (such as `boards/list`) as the scripted list
    /// from now on, replacing its sample response and any earlier list
    /// script. Takes precedence over [`MockServer::respond`].
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// use futures::TryStreamExt;
    /// use pinterest_v5::mock::{ListScript, MockServer};
    /// use pinterest_v5::pagination::Paginated;
    ///
    /// let mock = MockServer::start().await?;
    /// mock.script_list("boards/list", ListScript::new(120).page_size(50))?;
    ///
    /// let boards: Vec<_> = mock.client().boards_list().items().try_collect().await?;
    /// assert_eq!(boards.len(), 120);
    /// assert_eq!(mock.requests().len(), 3);
    /// # Ok(())
    /// # }
    /// ```
    pub fn script_list(
        &self,
        operation_id: &str,
        script: ListScript,
    ) -> Result<(), ListScriptError> {
        script.check()?;
        let operation = OPERATIONS
            .iter()
            .find(|op| op.operation_id == operation_id)
            .ok_or_else(|| ListScriptError::UnknownOperation(operation_id.to_owned()))?;
        let template = sample_item(operation)
            .ok_or_else(|| ListScriptError::NotAList(operation_id.to_owned()))?;

        let list = ScriptedList {
            script,
            template,
            failed_pages: HashSet::new(),
        };
        self.lock()
            .lists
            .scripts
            .insert(operation.operation_id, list);
        Ok(())
    }
}

/// Returns the first element of the `items` array in the operation's
/// sample body.
fn sample_item(operation: &MockOperation) -> Option<Value> {
    let body: Value = serde_json::from_str(operation.body?).ok()?;
    body.get("items")?.as_array()?.first().cloned()
}

/// The scripted lists of one mock, by operation id.
#[derive(Debug, Default)]
pub(super) struct Lists {
    scripts: HashMap<&'static str, ScriptedList>,
}

#[derive(Debug)]
struct ScriptedList {
    script: ListScript,
    template: Value,
    /// Pages whose scripted failure has been served.
    failed_pages: HashSet<usize>,
}

/// A delay the fallback handler waits before sending the response.
#[derive(Debug, Clone, Copy)]
struct ResponseDelay(Duration);

impl Lists {
    /// Returns the scripted response to a request for `operation`, or
    /// `None` when the operation has no script.
    pub(super) fn respond(
        &mut self,
        operation: &MockOperation,
        query: Option<&str>,
    ) -> Option<Response> {
        let list = self.scripts.get_mut(operation.operation_id)?;
        let mut response = list.respond(query);
        if !list.script.latency.is_zero() {
            let delay = ResponseDelay(list.script.latency);
            response.extensions_mut().insert(delay);
        }
        Some(response)
    }
}

impl ScriptedList {
    fn respond(&mut self, query: Option<&str>) -> Response {
        let request = ListRequest::parse(query);
        let page_size = self
            .script
            .page_size
            .or(request.page_size)
            .unwrap_or(DEFAULT_PAGE_SIZE);
        let offset = match request.offset() {
            Ok(offset) => offset,
            Err(message) => return error_response(StatusCode::BAD_REQUEST, 1, &message),
        };
        let page = offset / page_size + 1;

        if let Some(response) = self.scripted_failure(page) {
            return response;
        }

        let end = offset.saturating_add(page_size).min(self.script.items);
        let items: Vec<Value> = (offset..end).map(|index| self.item(index)).collect();
        let bookmark = self.next_offset(page, offset, end).map(bookmark_for);
        let body = json!({ "items": items, "bookmark": bookmark });
        (StatusCode::OK, axum::Json(body)).into_response()
    }

    /// Returns the failure scripted for `page`, the first time the page is
    /// requested.
    fn scripted_failure(&mut self, page: usize) -> Option<Response> {
        let (_, status) = self.script.failures.iter().find(|(p, _)| *p == page)?;
        let status = StatusCode::from_u16(*status).ok()?;
        if !self.failed_pages.insert(page) {
            return None;
        }
        let message = format!("Page {page} failed, as the mock's list script requested");
        Some(error_response(status, u32::from(status.as_u16()), &message))
    }

    /// Returns the offset the page's bookmark leads to, or `None` on the
    /// last page.
    fn next_offset(&self, page: usize, offset: usize, end: usize) -> Option<usize> {
        if self.script.repeat_bookmark_on_page == Some(page) {
            return Some(offset);
        }
        let more_items = end < self.script.items;
        let empty_page_follows = self.script.empty_last_page && offset < self.script.items;
        (more_items || empty_page_follows).then_some(end)
    }

    /// Builds item `index` from the sample: its `id` becomes `index + 1`, a
    /// number where the sample's `id` is a number and a string otherwise.
    fn item(&self, index: usize) -> Value {
        let mut item = self.template.clone();
        let number = index + 1;
        if let Some(id) = item.get_mut("id") {
            *id = match id {
                Value::Number(_) => json!(number),
                _ => json!(number.to_string()),
            };
        }
        item
    }
}

fn bookmark_for(offset: usize) -> String {
    format!("{BOOKMARK_PREFIX}{offset}")
}

/// The list parameters of a request's query string.
struct ListRequest {
    bookmark: Option<String>,
    page_size: Option<usize>,
}

impl ListRequest {
    fn parse(query: Option<&str>) -> Self {
        let mut request = ListRequest {
            bookmark: None,
            page_size: None,
        };
        let pairs = url::form_urlencoded::parse(query.unwrap_or("").as_bytes());
        for (key, value) in pairs {
            match key.as_ref() {
                "bookmark" => request.bookmark = Some(value.into_owned()),
                "page_size" => request.page_size = value.parse().ok().filter(|size| *size > 0),
                _ => {}
            }
        }
        request
    }

    /// Returns the offset the request's bookmark points at, or 0 without a
    /// bookmark.
    fn offset(&self) -> Result<usize, String> {
        let Some(bookmark) = &self.bookmark else {
            return Ok(0);
        };
        bookmark
            .strip_prefix(BOOKMARK_PREFIX)
            .and_then(|offset| offset.parse().ok())
            .ok_or_else(|| format!("Invalid bookmark `{bookmark}`: this list did not issue it"))
    }
}

/// Waits for the delay a list script attached to `response`, then returns it.
pub(super) async fn delay(response: Response) -> Response {
    if let Some(ResponseDelay(delay)) = response.extensions().get::<ResponseDelay>().copied() {
        tokio::time::sleep(delay).await;
    }
    response
}

/// The outcome of paging through an operation with sample arguments.
#[derive(Debug, Clone)]
pub struct PagingOutcome {
    /// The number of items on each page received, in order.
    pub page_items: Vec<usize>,
    /// `Ok` when the stream ended normally; otherwise the error that ended
    /// it, or why the call could not be made.
    pub result: Result<(), String>,
}

impl PagingOutcome {
    #[doc(hidden)]
    pub fn from_sample_error(outcome: SampleOutcome) -> Self {
        PagingOutcome {
            page_items: Vec::new(),
            result: outcome.result,
        }
    }

    #[doc(hidden)]
    pub async fn from_pages<T>(mut pages: PageStream<'_, T>) -> Self {
        let mut outcome = PagingOutcome {
            page_items: Vec::new(),
            result: Ok(()),
        };
        while let Some(page) = pages.next().await {
            match page {
                Ok(page) => outcome.page_items.push(page.items.len()),
                Err(error) => outcome.result = Err(error.to_string()),
            }
        }
        outcome
    }
}

/// Pages through the paginated operation `operation_id` with `options`,
/// after setting every required argument to a sample built from the
/// document. Returns `None` when the operation is not paginated.
///
/// This is test support: it lets a test page through every paginated
/// operation without writing each call by hand.
pub async fn page_with_samples(
    client: &Client,
    operation_id: &str,
    options: PageOptions,
) -> Option<PagingOutcome> {
    crate::generated::sample_calls::pages(client, operation_id, options).await
}
