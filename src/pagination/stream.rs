//! The state machine behind [`Paginated::pages_with`]: one request per
//! page, optionally started one page ahead.

use std::collections::HashSet;
use std::pin::Pin;

use futures::future::{self, MaybeDone};
use futures::stream::{self, StreamExt};

use super::{
    Page, PageFuture, PageOptions, PageStream, Paginated, PaginationError, PAGE_SIZE_RANGE,
};

/// A page request that has not completed yet, or its result.
type Fetch<'a, B> = MaybeDone<PageFuture<'a, <B as Paginated<'a>>::Page>>;

/// The stream's next step, taken when it is polled.
enum Next<'a, B: Paginated<'a>> {
    /// Sends a request with this builder.
    Request(B),
    /// Waits for a request that was started when the previous page was
    /// yielded. The builder is the one it was sent with.
    InFlight(B, Fetch<'a, B>),
}

struct State<'a, B: Paginated<'a>> {
    /// `None` once the stream has ended.
    next: Option<Next<'a, B>>,
    /// Bookmarks returned so far.
    seen: HashSet<String>,
    prefetch: bool,
}

type Step<'a, B> = Option<(
    Result<Page<<B as Paginated<'a>>::Item>, PaginationError>,
    State<'a, B>,
)>;

/// Checks the page size, then streams the pages.
pub(super) fn pages<'a, B: Paginated<'a>>(
    builder: B,
    options: PageOptions,
) -> PageStream<'a, B::Item> {
    match apply_page_size(builder, &options) {
        Ok(builder) => {
            let state = State {
                next: Some(Next::Request(builder)),
                seen: HashSet::new(),
                prefetch: options.prefetch,
            };
            stream::unfold(state, next_page).boxed()
        }
        Err(invalid) => stream::once(future::ready(Err(invalid.into_error::<B>()))).boxed(),
    }
}

/// A page size that stops the stream before its first request.
enum InvalidPageSize {
    OutOfRange(u64),
    Unsupported,
}

impl InvalidPageSize {
    fn into_error<'a, B: Paginated<'a>>(self) -> PaginationError {
        let operation_id = B::OPERATION_ID;
        match self {
            InvalidPageSize::OutOfRange(page_size) => PaginationError::InvalidPageSize {
                operation_id,
                page_size,
            },
            InvalidPageSize::Unsupported => PaginationError::PageSizeUnsupported { operation_id },
        }
    }
}

/// Sets the page size from `options`, and checks it (or the one the builder
/// already has) against [`PAGE_SIZE_RANGE`].
fn apply_page_size<'a, B: Paginated<'a>>(
    builder: B,
    options: &PageOptions,
) -> Result<B, InvalidPageSize> {
    let builder = match options.page_size {
        Some(page_size) => {
            check_page_size(page_size)?;
            builder
                .with_page_size(page_size)
                .ok_or(InvalidPageSize::Unsupported)?
        }
        None => builder,
    };

    if let Some(page_size) = builder.requested_page_size() {
        check_page_size(page_size)?;
    }
    Ok(builder)
}

fn check_page_size(page_size: u64) -> Result<(), InvalidPageSize> {
    if PAGE_SIZE_RANGE.contains(&page_size) {
        Ok(())
    } else {
        Err(InvalidPageSize::OutOfRange(page_size))
    }
}

async fn next_page<'a, B: Paginated<'a>>(mut state: State<'a, B>) -> Step<'a, B> {
    let (builder, result) = match state.next.take()? {
        Next::Request(builder) => {
            let result = builder.clone().fetch().await;
            (builder, result)
        }
        Next::InFlight(builder, mut fetch) => {
            (&mut fetch).await;
            (builder, Pin::new(&mut fetch).take_output()?)
        }
    };

    let page = match result {
        Ok(page) => page,
        Err(error) => return Some((Err(PaginationError::Api(error)), state)),
    };
    let (items, bookmark) = B::into_parts(page);
    let next_bookmark = bookmark.filter(|b| !b.is_empty());

    if let Some(bookmark) = &next_bookmark {
        if !state.seen.insert(bookmark.clone()) {
            let error = PaginationError::RepeatedBookmark {
                operation_id: B::OPERATION_ID,
                bookmark: bookmark.clone(),
            };
            return Some((Err(error), state));
        }
        let builder = builder.with_bookmark(bookmark);
        state.next = Some(if state.prefetch {
            start(builder).await
        } else {
            Next::Request(builder)
        });
    }

    Some((
        Ok(Page {
            items,
            next_bookmark,
        }),
        state,
    ))
}

/// Starts the request for the next page by polling it once, so that it is
/// on its way (or waiting for the client's request hooks) while the caller
/// handles the page about to be yielded. Later polls of the stream drive it
/// to completion.
async fn start<'a, B: Paginated<'a>>(builder: B) -> Next<'a, B> {
    let mut fetch = future::maybe_done(builder.clone().fetch());
    let _ = futures::poll!(&mut fetch);
    Next::InFlight(builder, fetch)
}
