//! Streams 10,000 items of `boards/list` from the embedded mock, which
//! delays every page by a simulated round trip, with pages requested on
//! demand (sequential) and with prefetch of the next page.
//!
//! The caller either takes no time per page or spends as long on each page
//! as one round trip takes: prefetch can only help when the caller does work
//! between pages, because it overlaps that work with the next request.
//!
//! Run with `cargo bench --bench pagination --features mock`; results are
//! recorded in `docs/benchmarks.md`.

use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use futures::TryStreamExt;
use pinterest_v5::mock::{ListScript, MockServer};
use pinterest_v5::pagination::{PageOptions, Paginated};
use pinterest_v5::Client;

const ITEMS: usize = 10_000;
const PAGE_SIZE: u64 = 250;
/// The mock's delay before each page's response.
const LATENCY: Duration = Duration::from_millis(10);
/// The caller's time per page: none, or one round trip.
const PROCESSING: [Duration; 2] = [Duration::ZERO, LATENCY];

fn pagination(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().expect("a Tokio runtime starts");
    let mock = runtime
        .block_on(MockServer::start())
        .expect("the mock starts on 127.0.0.1");
    let script = ListScript::new(ITEMS).latency(LATENCY);
    mock.script_list("boards/list", script)
        .expect("boards/list is a paginated list");
    let client = mock.client();

    let mut group = c.benchmark_group("pagination_10000_items");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(10));
    for processing in PROCESSING {
        let input = format!("{} ms per page", processing.as_millis());
        for (name, prefetch) in [("sequential", false), ("prefetch", true)] {
            let id = BenchmarkId::new(name, &input);
            group.bench_function(id, |b| {
                b.to_async(&runtime)
                    .iter(|| stream_all(&client, prefetch, processing));
            });
        }
    }
    group.finish();
}

/// Streams the whole list, waiting `processing` after each page, and
/// returns the number of items received.
async fn stream_all(client: &Client, prefetch: bool, processing: Duration) -> usize {
    let options = PageOptions::new().page_size(PAGE_SIZE).prefetch(prefetch);
    let mut pages = client.boards_list().pages_with(options);

    let mut received = 0;
    while let Some(page) = pages.try_next().await.expect("the mock serves every page") {
        received += page.items.len();
        if !processing.is_zero() {
            tokio::time::sleep(processing).await;
        }
    }
    assert_eq!(received, ITEMS, "every item arrives");
    received
}

criterion_group!(benches, pagination);
criterion_main!(benches);
