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
//! TODO: pages are requested one at a time, with no retry and no prefetch of
//! the next page, and `page_size` is not checked against Pinterest's 1..=250
//! before sending.

use std::collections::HashSet;
use std::fmt;

use futures::future::BoxFuture;
use futures::stream::{self, BoxStream, StreamExt, TryStreamExt};

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

/// Errors from a pagination stream.
#[derive(Debug)]
#[non_exhaustive]
pub enum PaginationError {
    /// A page request failed. Pages before it were delivered; resume from
    /// the last page's `next_bookmark`.
    Api(crate::Error),
    /// The API returned a bookmark it had returned before, so following it
    /// would loop forever.
    RepeatedBookmark {
        /// The operation being paged.
        operation_id: &'static str,
        /// The repeated bookmark.
        bookmark: String,
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
        }
    }
}

impl std::error::Error for PaginationError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            PaginationError::Api(error) => Some(error),
            PaginationError::RepeatedBookmark { .. } => None,
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

    /// Requests one page with the builder's arguments.
    fn fetch(self) -> PageFuture<'a, Self::Page>;

    /// Splits a page into its items and its next bookmark.
    fn into_parts(page: Self::Page) -> (Vec<Self::Item>, Option<String>);

    /// Streams the list page by page, starting from the builder's bookmark
    /// (the first page when none is set).
    fn pages(self) -> PageStream<'a, Self::Item> {
        let state = State {
            builder: Some(self),
            seen: HashSet::new(),
        };
        stream::unfold(state, next_page).boxed()
    }

    /// Streams the list's items across all pages.
    fn items(self) -> ItemStream<'a, Self::Item> {
        self.pages()
            .map_ok(|page| stream::iter(page.items.into_iter().map(Ok)))
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

struct State<B> {
    /// The builder for the next page; `None` once the stream has ended.
    builder: Option<B>,
    /// Bookmarks returned so far.
    seen: HashSet<String>,
}

type Step<'a, B> = Option<(
    Result<Page<<B as Paginated<'a>>::Item>, PaginationError>,
    State<B>,
)>;

async fn next_page<'a, B: Paginated<'a>>(mut state: State<B>) -> Step<'a, B> {
    let builder = state.builder.take()?;

    let page = match builder.clone().fetch().await {
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
        state.builder = Some(builder.with_bookmark(bookmark));
    }

    Some((
        Ok(Page {
            items,
            next_bookmark,
        }),
        state,
    ))
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
