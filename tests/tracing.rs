//! The tracing span of a call, in its own test binary: tracing caches
//! whether anyone listens to a call site, and tests on other threads
//! without a subscriber can make that cache skip this test's subscriber.

#![cfg(all(feature = "mock", feature = "content"))]

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use pinterest_v5::mock::{Fault, MockServer};
use pinterest_v5::RetryPolicy;

const LIST: &str = "boards/list";

/// A `tracing` writer that keeps everything in memory.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn retries_are_traced_with_call_fields_and_no_token() {
    let mock = MockServer::start().await.unwrap();
    mock.set_access_token("pina_SECRET_TOKEN_123");
    let client = mock
        .client_builder()
        .retry_policy(RetryPolicy::new().base_delay(Duration::ZERO))
        .build()
        .unwrap();
    mock.script_faults(
        LIST,
        [
            Fault::status(503).header("x-pinterest-rid", "rid-7"),
            Fault::pass(),
        ],
    )
    .unwrap();
    let output = Captured::default();
    let writer = output.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();

    let guard = tracing::subscriber::set_default(subscriber);
    client.boards_list().send().await.unwrap();
    drop(guard);

    let text = String::from_utf8(output.0.lock().unwrap().clone()).unwrap();
    assert!(text.contains("retrying after a retryable status"), "{text}");
    for field in [
        "pinterest.operation=\"boards_list\"",
        "http.request.method=GET",
        "pinterest.ratelimit_category=\"org_read\"",
        "pinterest.attempt=1",
        "http.response.status_code=503",
        "pinterest.request_id=\"rid-7\"",
        "url.full=",
    ] {
        assert!(text.contains(field), "missing {field} in {text}");
    }
    assert!(!text.contains("SECRET_TOKEN"), "{text}");
}
