//! Scripted fault sequences: the next responses of one operation, each with
//! its own status, headers, body and delay. Retry and rate-limit tests use
//! them to count attempts against known failures.

use std::collections::VecDeque;
use std::time::Duration;

use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

use super::{MockError, MockServer, OPERATIONS};

/// One scripted response. Build it with [`Fault::status`] or
/// [`Fault::pass`], then add headers, a body or a delay.
///
/// ```no_run
/// # async fn run(mock: pinterest_v5::mock::MockServer) -> Result<(), Box<dyn std::error::Error>> {
/// use std::time::Duration;
/// use pinterest_v5::mock::Fault;
///
/// mock.script_faults(
///     "boards/list",
///     [
///         Fault::status(503),
///         Fault::status(429).header("Retry-After", "1"),
///         Fault::pass().delay(Duration::from_millis(50)),
///     ],
/// )?;
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct Fault {
    status: Option<u16>,
    headers: Vec<(String, String)>,
    body: FaultBody,
    delay: Duration,
}

#[derive(Debug, Clone)]
enum FaultBody {
    Json(Value),
    Raw {
        bytes: Vec<u8>,
        content_type: String,
    },
}

impl Fault {
    /// A response with `status` and a Pinterest-shaped JSON body whose
    /// `code` is the status.
    pub fn status(status: u16) -> Fault {
        Fault {
            status: Some(status),
            headers: Vec::new(),
            body: FaultBody::Json(json!({ "code": status, "message": "scripted fault" })),
            delay: Duration::ZERO,
        }
    }

    /// The operation's normal response, for a sequence that ends in success
    /// or for a delay alone.
    pub fn pass() -> Fault {
        Fault {
            status: None,
            ..Fault::status(200)
        }
    }

    /// Adds a response header.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Fault {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Sets a JSON body.
    pub fn json(mut self, body: Value) -> Fault {
        self.body = FaultBody::Json(body);
        self
    }

    /// Sets a body of any bytes, such as a proxy's HTML page or a truncated
    /// JSON document.
    pub fn raw_body(mut self, bytes: impl Into<Vec<u8>>, content_type: impl Into<String>) -> Fault {
        self.body = FaultBody::Raw {
            bytes: bytes.into(),
            content_type: content_type.into(),
        };
        self
    }

    /// Waits this long before responding.
    pub fn delay(mut self, delay: Duration) -> Fault {
        self.delay = delay;
        self
    }

    /// The response, or `None` for [`Fault::pass`]. Invalid statuses and
    /// headers were rejected by [`MockServer::script_faults`].
    pub(super) fn response(&self) -> Option<Response> {
        let status = StatusCode::from_u16(self.status?).ok()?;
        let mut response = match &self.body {
            FaultBody::Json(value) => (status, axum::Json(value.clone())).into_response(),
            FaultBody::Raw {
                bytes,
                content_type,
            } => (
                status,
                [(axum::http::header::CONTENT_TYPE, content_type.clone())],
                bytes.clone(),
            )
                .into_response(),
        };
        for (name, value) in &self.headers {
            if let (Ok(name), Ok(value)) = (
                HeaderName::from_bytes(name.as_bytes()),
                HeaderValue::from_str(value),
            ) {
                response.headers_mut().append(name, value);
            }
        }
        Some(response)
    }

    /// The delay before responding.
    pub(super) fn wait(&self) -> Duration {
        self.delay
    }

    fn check(&self) -> Result<(), MockError> {
        if let Some(status) = self.status {
            StatusCode::from_u16(status).map_err(|_| MockError::InvalidStatus(status))?;
        }
        for (name, value) in &self.headers {
            let valid = HeaderName::from_bytes(name.as_bytes()).is_ok()
                && HeaderValue::from_str(value).is_ok();
            if !valid {
                return Err(MockError::InvalidHeader(name.clone()));
            }
        }
        Ok(())
    }
}

/// The delay a scripted fault asks for, carried on the response to the
/// server's handler.
#[derive(Debug, Clone, Copy)]
pub(super) struct FaultDelay(pub(super) Duration);

impl MockServer {
    /// Queues `faults` as the next responses of `operation_id` (as the
    /// document spells it, such as `boards/list`), one per request. When the
    /// queue is empty the operation answers as before. Replaces an earlier
    /// queue for the operation.
    pub fn script_faults(
        &self,
        operation_id: &str,
        faults: impl IntoIterator<Item = Fault>,
    ) -> Result<(), MockError> {
        let operation = OPERATIONS
            .iter()
            .find(|op| op.operation_id == operation_id)
            .ok_or_else(|| MockError::UnknownOperation(operation_id.to_owned()))?;
        let faults: VecDeque<Fault> = faults.into_iter().collect();
        for fault in &faults {
            fault.check()?;
        }

        self.lock().faults.insert(operation.operation_id, faults);
        Ok(())
    }

    /// A client builder pointed at the mock with its token, for tests that
    /// set their own retry policy, rate limits or timeouts.
    pub fn client_builder(&self) -> crate::ClientBuilder {
        let token = self.lock().access_token.clone();
        crate::Client::builder()
            .base_url(crate::BaseUrl::Custom(self.base_url()))
            .access_token(token)
            .app_credentials(crate::auth::AppCredentials::new(
                super::MOCK_CLIENT_ID,
                super::MOCK_CLIENT_SECRET,
            ))
    }

    /// How many requests reached `operation_id` so far.
    pub fn request_count(&self, operation_id: &str) -> usize {
        self.lock()
            .requests
            .iter()
            .filter(|r| r.operation_id == Some(operation_id))
            .count()
    }
}
