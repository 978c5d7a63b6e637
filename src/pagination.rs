//! Streams over bookmark-paginated operations.
//!
//! Pinterest lists return `items` and an opaque `bookmark`; passing the
//! bookmark back returns the next page, and the last page has none. Every
//! paginated operation's builder implements [`Paginated`], so it can be
//! turned into a stream of pages or of items:
//!
//! ```no_run
//! # async fn run(client: pinterest_v5::Client) -> Result<(), Box<dyn std::error::Error>> {
//! use futures::TryStreamExt;
//! use pinterest_v5::pagination::Paginated;
//!
//! let boards: Vec<_> = client.boards_list().page_size(100).items().try_collect().await?;
//!
//! // Or page by page, saving the bookmark to resume a long job later.
//! let mut pages = client.pins_list().pages();
//! while let Some(page) = pages.try_next().await? {
//!     println!("{} Pins, resume from {:?}", page.items.len(), page.next_bookmark);
//! }
//! # Ok(())
//! # }
//! ```
//!
//! A stream ends after the page whose bookmark is missing, null or empty. A
//! bookmark that comes back a second time ends the stream with
//! [`PaginationError::RepeatedBookmark`] instead of looping forever.
//!
//! # Page size and prefetch
//!
//! [`Paginated::pages_with`] and [`Paginated::items_with`] take
//! [`PageOptions`]: a page size, checked against [`PAGE_SIZE_RANGE`] before
//! any request is sent, and an opt-in prefetch that requests the next page
//! while the caller handles the current one, never more than one page
//! ahead. A `page_size` above 250 set on the builder itself is rejected the
//! same way. The builder's setter cannot store 0, because the parameter is
//! a `NonZeroU64`, so there the first page fails with `Error::InvalidRequest`
//! instead, also before sending.
//!
//! ```no_run
//! # async fn run(client: pinterest_v5::Client) -> Result<(), Box<dyn std::error::Error>> {
//! use futures::TryStreamExt;
//! use pinterest_v5::pagination::{PageOptions, Paginated};
//!
//! let options = PageOptions::new().page_size(250).prefetch(true);
//! let mut pins = client.pins_list().items_with(options);
//! while let Some(pin) = pins.try_next().await? {
//!     println!("{:?}", pin.id);
//! }
//! # Ok(())
//! # }
//! ```
//!
//! # Failed pages
//!
//! A page request goes through the client like any other request, so it
//! gets the client's retry policy, if any. The stream adds no retries of
//! its own. When the request still fails, the stream yields
//! [`PaginationError::Api`] and ends. The pages before it were delivered
//! with their `next_bookmark`: pass the last one to the builder's
//! `bookmark` setter to resume from the failed page.

mod stream;

use std::fmt;
use std::ops::RangeInclusive;

use futures::future::BoxFuture;
use futures::stream::{self as futures_stream, BoxStream, StreamExt, TryStreamExt};

/// The page sizes Pinterest accepts for `page_size`.
pub const PAGE_SIZE_RANGE: RangeInclusive<u64> = 1..=250;

/// The future a builder returns for one page.
pub type PageFuture<'a, P> = BoxFuture<'a, Result<P, crate::Error>>;

/// A stream of pages, as [`Paginated::pages`] returns it.
pub type PageStream<'a, T> = BoxStream<'a, Result<Page<T>, PaginationError>>;

/// The future [`Paginated::collect_items`] returns.
pub type CollectFuture<'a, T> = BoxFuture<'a, Result<Vec<T>, PaginationError>>;

/// A stream of items, as [`Paginated::items`] returns it.
pub type ItemStream<'a, T> = BoxStream<'a, Result<T, PaginationError>>;

/// One page of a paginated list.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    /// The page's items, in the order the API returned them.
    pub items: Vec<T>,
    /// The bookmark for the next page; `None` on the last page. Pass it to
    /// the builder's `bookmark` setter to resume from the next page later.
    pub next_bookmark: Option<String>,
}

/// Options for [`Paginated::pages_with`] and [`Paginated::items_with`].
///
/// The default sends the builder's own arguments and requests each page
/// when the caller asks for it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageOptions {
    page_size: Option<u64>,
    prefetch: bool,
}

impl PageOptions {
    /// Creates the default options: no page size override, no prefetch.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the number of items to request per page. The stream checks it
    /// against [`PAGE_SIZE_RANGE`] before sending anything and yields
    /// [`PaginationError::InvalidPageSize`] when it is outside. It replaces
    /// a `page_size` set on the builder.
    pub fn page_size(mut self, page_size: u64) -> Self {
        self.page_size = Some(page_size);
        self
    }

    /// Sets whether to request the next page as soon as the current one is
    /// yielded, so that the request runs while the caller handles the
    /// current page. The stream is never more than one page ahead of the
    /// caller: it starts the request for page `n + 1` when it yields page
    /// `n`, and no other. The request makes progress while the stream is
    /// polled; the client's request hooks (token refresh, rate limits) apply
    /// to it as to any request. Off by default.
    pub fn prefetch(mut self, prefetch: bool) -> Self {
        self.prefetch = prefetch;
        self
    }
}

/// Errors from a pagination stream.
#[non_exhaustive]
#[derive(Debug)]
pub enum PaginationError {
    /// A page request failed, after the client's retry policy if it has
    /// one. Pages before it were delivered; resume from the last page's
    /// `next_bookmark`.
    Api(crate::Error),
    /// The API returned a bookmark it had returned before, so following it
    /// would loop forever.
    RepeatedBookmark {
        /// The operation being paged.
        operation_id: &'static str,
        /// The repeated bookmark.
        bookmark: String,
    },
    /// The page size is outside [`PAGE_SIZE_RANGE`]. Nothing was sent.
    InvalidPageSize {
        /// The operation being paged.
        operation_id: &'static str,
        /// The rejected page size.
        page_size: u64,
    },
    /// [`PageOptions::page_size`] was set for an operation that has no
    /// `page_size` parameter. Nothing was sent.
    PageSizeUnsupported {
        /// The operation being paged.
        operation_id: &'static str,
    },
}

impl fmt::Display for PaginationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PaginationError::Api(error) => write!(f, "a page request failed: {error}"),
            PaginationError::RepeatedBookmark {
                operation_id,
                bookmark,
            } => write!(
                f,
                "`{operation_id}` returned bookmark `{bookmark}` a second time; stopping instead of looping"
            ),
            PaginationError::InvalidPageSize {
                operation_id,
                page_size,
            } => write!(
                f,
                "invalid page_size {page_size} for `{operation_id}`: use a value from {} to {}",
                PAGE_SIZE_RANGE.start(),
                PAGE_SIZE_RANGE.end()
            ),
            PaginationError::PageSizeUnsupported { operation_id } => write!(
                f,
                "`{operation_id}` has no page_size parameter; remove the page size from the PageOptions"
            ),
        }
    }
}

impl std::error::Error for PaginationError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            PaginationError::Api(error) => Some(error),
            _ => None,
        }
    }
}

/// A builder of a bookmark-paginated operation. Generated for every such
/// operation; see [`paginated_operations`].
pub trait Paginated<'a>: Clone + Send + Sized + 'a {
    /// The type of the list's elements.
    type Item: Send + 'a;
    /// The operation's success type, one page.
    type Page: Send + 'a;

    /// The operation's `operationId`.
    const OPERATION_ID: &'static str;

    /// Sets the bookmark of the page to request.
    fn with_bookmark(self, bookmark: &str) -> Self;

    /// Returns the `page_size` set on the builder. Returns `None` when it is
    /// unset, when the operation has no `page_size` parameter, or when the
    /// builder's setter rejected the value. The setter rejects 0, because
    /// it does not convert to the parameter's `NonZeroU64`, and `fetch` then
    /// fails with `Error::InvalidRequest` before sending.
    fn requested_page_size(&self) -> Option<u64>;

    /// Sets `page_size`, or returns `None` when the operation has no
    /// `page_size` parameter. The value is not checked here; the streams
    /// check it.
    fn with_page_size(self, page_size: u64) -> Option<Self>;

    /// Requests one page with the builder's arguments.
    fn fetch(self) -> PageFuture<'a, Self::Page>;

    /// Splits a page into its items and its next bookmark.
    fn into_parts(page: Self::Page) -> (Vec<Self::Item>, Option<String>);

    /// Streams the list page by page, starting from the builder's bookmark
    /// (the first page when none is set). Same as
    /// [`pages_with`](Paginated::pages_with) with the default options.
    fn pages(self) -> PageStream<'a, Self::Item> {
        self.pages_with(PageOptions::default())
    }

    /// Streams the list page by page with `options`. When the page size is
    /// outside [`PAGE_SIZE_RANGE`], the stream yields
    /// [`PaginationError::InvalidPageSize`] and ends without sending a
    /// request.
    fn pages_with(self, options: PageOptions) -> PageStream<'a, Self::Item> {
        stream::pages(self, options)
    }

    /// Streams the list's items across all pages.
    fn items(self) -> ItemStream<'a, Self::Item> {
        self.items_with(PageOptions::default())
    }

    /// Streams the list's items across all pages, with `options` as in
    /// [`pages_with`](Paginated::pages_with).
    fn items_with(self, options: PageOptions) -> ItemStream<'a, Self::Item> {
        self.pages_with(options)
            .map_ok(|page| futures_stream::iter(page.items.into_iter().map(Ok)))
            .try_flatten()
            .boxed()
    }

    /// Collects at most `max` items, requesting no page after the one that
    /// reaches `max`.
    fn collect_items(self, max: usize) -> CollectFuture<'a, Self::Item> {
        Box::pin(async move {
            let mut items = Vec::new();
            let mut pages = self.pages();
            while items.len() < max {
                let Some(page) = pages.try_next().await? else {
                    break;
                };
                items.extend(page.items);
            }
            items.truncate(max);
            Ok(items)
        })
    }
}

/// Returns the `operationId` of every operation whose builder implements
/// [`Paginated`].
pub fn paginated_operations() -> &'static [&'static str] {
    crate::generated::PAGINATED_OPERATIONS
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    /// A fake list: `pages[i]` is what the API returns for bookmark `i`
    /// (`None` for the first request).
    /// A page's items and bookmark, or the status it fails with.
    type FakePage<B> = Result<(Vec<u32>, Option<B>), u16>;

    #[derive(Clone)]
    struct FakeList {
        pages: Arc<Vec<FakePage<String>>>,
        requested: Arc<Mutex<Vec<Option<String>>>>,
        bookmark: Option<String>,
        page_size: Option<u64>,
    }

    impl FakeList {
        fn new(pages: Vec<FakePage<&str>>) -> Self {
            let pages = pages
                .into_iter()
                .map(|page| page.map(|(items, bookmark)| (items, bookmark.map(str::to_owned))))
                .collect();
            FakeList {
                pages: Arc::new(pages),
                requested: Arc::default(),
                bookmark: None,
                page_size: None,
            }
        }
    }

    impl<'a> Paginated<'a> for FakeList {
        type Item = u32;
        type Page = (Vec<u32>, Option<String>);

        const OPERATION_ID: &'static str = "fake/list";

        fn with_bookmark(mut self, bookmark: &str) -> Self {
            self.bookmark = Some(bookmark.to_owned());
            self
        }

        fn requested_page_size(&self) -> Option<u64> {
            self.page_size
        }

        fn with_page_size(mut self, page_size: u64) -> Option<Self> {
            self.page_size = Some(page_size);
            Some(self)
        }

        fn fetch(self) -> PageFuture<'a, Self::Page> {
            Box::pin(async move {
                self.requested.lock().unwrap().push(self.bookmark.clone());
                let index = self
                    .bookmark
                    .as_deref()
                    .map_or(0, |b| b.trim_start_matches('p').parse().unwrap());
                match &self.pages[index] {
                    Ok(page) => Ok(page.clone()),
                    Err(_) => Err(crate::Error::InvalidRequest(
                        crate::error::InvalidRequestError {
                            operation: "fake_list",
                            message: "page failed".to_owned(),
                        },
                    )),
                }
            })
        }

        fn into_parts(page: Self::Page) -> (Vec<u32>, Option<String>) {
            page
        }
    }

    #[tokio::test]
    async fn items_in_order_across_pages() {
        let list = FakeList::new(vec![
            Ok((vec![1, 2], Some("p1"))),
            Ok((vec![3], Some("p2"))),
            Ok((vec![4, 5], None)),
        ]);

        let items: Vec<u32> = list.clone().items().try_collect().await.unwrap();

        assert_eq!(items, [1, 2, 3, 4, 5]);
        assert_eq!(
            *list.requested.lock().unwrap(),
            [None, Some("p1".into()), Some("p2".into())]
        );
    }

    #[tokio::test]
    async fn empty_bookmark_ends_stream() {
        let list = FakeList::new(vec![Ok((vec![1], Some("")))]);

        let pages: Vec<Page<u32>> = list.items_pages().await;

        assert_eq!(pages.len(), 1);
        assert_eq!(pages[0].next_bookmark, None);
    }

    #[tokio::test]
    async fn empty_list_yields_one_empty_page() {
        let list = FakeList::new(vec![Ok((vec![], None))]);

        let items: Vec<u32> = list.items().try_collect().await.unwrap();

        assert!(items.is_empty());
    }

    #[tokio::test]
    async fn repeated_bookmark_stops_with_error() {
        let list = FakeList::new(vec![Ok((vec![1], Some("p1"))), Ok((vec![2], Some("p1")))]);

        let results: Vec<_> = list.clone().pages().collect().await;

        assert_eq!(results.len(), 2);
        assert!(results[0].is_ok());
        let Err(PaginationError::RepeatedBookmark {
            bookmark,
            operation_id,
        }) = &results[1]
        else {
            panic!("expected a repeated-bookmark error");
        };
        assert_eq!(bookmark, "p1");
        assert_eq!(*operation_id, "fake/list");
        assert_eq!(
            list.requested.lock().unwrap().len(),
            2,
            "no request after the repeat"
        );
    }

    #[tokio::test]
    async fn error_mid_stream_allows_resume() {
        let list = FakeList::new(vec![
            Ok((vec![1], Some("p1"))),
            Err(500),
            Ok((vec![3], None)),
        ]);

        let results: Vec<_> = list.clone().pages().collect().await;

        assert_eq!(results.len(), 2, "the stream ends at the failed page");
        let resume_from = results[0].as_ref().unwrap().next_bookmark.clone().unwrap();
        assert!(matches!(results[1], Err(PaginationError::Api(_))));
        assert_eq!(resume_from, "p1");
    }

    #[tokio::test]
    async fn resume_from_saved_bookmark() {
        let list = FakeList::new(vec![
            Ok((vec![1], Some("p1"))),
            Ok((vec![2], Some("p2"))),
            Ok((vec![3], None)),
        ]);

        let items: Vec<u32> = list
            .clone()
            .with_bookmark("p1")
            .items()
            .try_collect()
            .await
            .unwrap();

        assert_eq!(items, [2, 3]);
    }

    #[tokio::test]
    async fn collect_items_stops_at_max() {
        let list = FakeList::new(vec![
            Ok((vec![1, 2], Some("p1"))),
            Ok((vec![3, 4], Some("p2"))),
            Ok((vec![5], None)),
        ]);

        let items = list.clone().collect_items(3).await.unwrap();

        assert_eq!(items, [1, 2, 3]);
        assert_eq!(
            list.requested.lock().unwrap().len(),
            2,
            "the third page is never requested"
        );
    }

    fn three_pages() -> FakeList {
        FakeList::new(vec![
            Ok((vec![1], Some("p1"))),
            Ok((vec![2], Some("p2"))),
            Ok((vec![3], None)),
        ])
    }

    /// Pulls every page and returns, for each, how many requests had been
    /// started when the caller received it.
    async fn requests_started_per_page(list: FakeList, options: PageOptions) -> Vec<usize> {
        let mut pages = list.clone().pages_with(options);
        let mut started = Vec::new();
        while let Some(page) = pages.try_next().await.unwrap() {
            assert!(!page.items.is_empty());
            started.push(list.requested.lock().unwrap().len());
        }
        started
    }

    #[tokio::test]
    async fn prefetch_starts_exactly_one_page_ahead() {
        let options = PageOptions::new().prefetch(true);

        let started = requests_started_per_page(three_pages(), options).await;

        assert_eq!(started, [2, 3, 3], "the last page has nothing to prefetch");
    }

    #[tokio::test]
    async fn sequential_requests_on_demand() {
        let started = requests_started_per_page(three_pages(), PageOptions::new()).await;

        assert_eq!(started, [1, 2, 3]);
    }

    #[tokio::test]
    async fn prefetch_keeps_order_and_error() {
        let list = FakeList::new(vec![Ok((vec![1], Some("p1"))), Err(500)]);

        let results: Vec<_> = list
            .pages_with(PageOptions::new().prefetch(true))
            .collect()
            .await;

        assert_eq!(results.len(), 2);
        assert_eq!(results[0].as_ref().unwrap().items, [1]);
        assert!(matches!(results[1], Err(PaginationError::Api(_))));
    }

    #[tokio::test]
    async fn page_size_bounds() {
        for (page_size, valid) in [(0, false), (1, true), (250, true), (251, false)] {
            let list = three_pages();
            let options = PageOptions::new().page_size(page_size);

            let first = list.clone().pages_with(options).next().await.unwrap();

            match first {
                Ok(_) => assert!(valid, "{page_size} was accepted"),
                Err(PaginationError::InvalidPageSize {
                    page_size: value, ..
                }) => {
                    assert!(!valid, "{page_size} was rejected");
                    assert_eq!(value, page_size);
                }
                Err(other) => panic!("unexpected error for {page_size}: {other}"),
            }
            let sent = list.requested.lock().unwrap().len();
            assert_eq!(sent, usize::from(valid), "requests for {page_size}");
        }
    }

    #[tokio::test]
    async fn builder_page_size_checked() {
        let list = three_pages().with_page_size(300).unwrap();

        let error = list
            .clone()
            .items()
            .try_collect::<Vec<_>>()
            .await
            .unwrap_err();

        assert!(error.to_string().contains("300"), "{error}");
        assert!(list.requested.lock().unwrap().is_empty());
    }

    impl FakeList {
        async fn items_pages(self) -> Vec<Page<u32>> {
            self.pages().try_collect().await.unwrap()
        }
    }

    #[test]
    fn every_list_operation_is_paginated() {
        let operations = paginated_operations();

        assert!(operations.contains(&"boards/list"));
        assert!(operations.contains(&"pins/list"));
        assert!(!operations.contains(&"boards/get"));
    }
}
