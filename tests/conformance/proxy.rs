//! A recording proxy between the client and Prism.
//!
//! The client cannot show the raw request it sent or the headers it got
//! back, so the suite points it at this proxy, which forwards every request
//! to Prism unchanged and records the request line, body and Prism's response,
//! including the `sl-violations` header in which Prism lists what it found
//! invalid about the request.

use std::fmt;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{header, HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use tokio::sync::oneshot;

/// Time limit for Prism's response to one forwarded request.
const UPSTREAM_TIMEOUT: Duration = Duration::from_secs(15);

/// Headers that describe one connection and are not forwarded.
const HOP_BY_HOP: &[header::HeaderName] = &[
    header::CONNECTION,
    header::HOST,
    header::CONTENT_LENGTH,
    header::TRANSFER_ENCODING,
];

/// One request the client sent and Prism's response to it.
#[derive(Debug, Clone)]
pub struct Exchange {
    /// HTTP method.
    pub method: String,
    /// Path and query exactly as sent.
    pub target: String,
    /// Raw query string, without the `?`.
    pub query: Option<String>,
    /// `Content-Type` of the request, if any.
    pub content_type: Option<String>,
    /// Request body as text (lossy for non-UTF-8 bytes).
    pub body: String,
    /// Prism's status, or `None` when forwarding failed.
    pub status: Option<u16>,
    /// Entries of Prism's `sl-violations` header.
    pub violations: Vec<Violation>,
    /// Prism's response body as text (lossy for non-UTF-8 bytes).
    pub response_body: String,
    /// Why forwarding failed, if it did.
    pub error: Option<String>,
}

impl Exchange {
    /// Prism's violations about the request. Violations about the response
    /// concern the document's own examples or Prism's generator, not the
    /// client.
    pub fn request_violations(&self) -> impl Iterator<Item = &Violation> {
        self.violations
            .iter()
            .filter(|v| v.location.first().map(String::as_str) != Some("response"))
    }

    /// Formats the request as a readable block for failure messages.
    pub fn describe_request(&self) -> String {
        let mut text = format!("{} {}", self.method, self.target);
        if let Some(content_type) = &self.content_type {
            text.push_str(&format!("\n      content-type: {content_type}"));
        }
        if !self.body.is_empty() {
            text.push_str(&format!("\n      body: {}", excerpt(&self.body, 600)));
        }
        text
    }
}

/// One entry of Prism's `sl-violations` header.
#[derive(Debug, Clone)]
pub struct Violation {
    /// Where the problem is, for example `["request", "query", "page_size"]`.
    pub location: Vec<String>,
    /// `Error` or `Warning`.
    pub severity: String,
    /// Prism's code for the rule, such as `maximum`, or `401` for missing
    /// or wrong credentials.
    pub code: String,
    /// Prism's message.
    pub message: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} at {}: {}",
            self.severity,
            self.location.join("."),
            self.message
        )
    }
}

struct ProxyState {
    upstream: String,
    http: reqwest::Client,
    exchanges: Mutex<Vec<Exchange>>,
}

/// A running proxy on `127.0.0.1`. It stops when dropped.
pub struct RecordingProxy {
    address: SocketAddr,
    state: Arc<ProxyState>,
    shutdown: Option<oneshot::Sender<()>>,
}

impl RecordingProxy {
    /// Starts a proxy on a free port of `127.0.0.1` that forwards to
    /// `upstream` (a base URL without a trailing slash).
    pub async fn start(upstream: String) -> Result<RecordingProxy, String> {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
            .await
            .map_err(|e| format!("failed to bind the recording proxy to 127.0.0.1: {e}"))?;
        let address = listener
            .local_addr()
            .map_err(|e| format!("failed to read the proxy's address: {e}"))?;
        let http = reqwest::Client::builder()
            .timeout(UPSTREAM_TIMEOUT)
            .build()
            .map_err(|e| format!("failed to build the proxy's HTTP client: {e}"))?;
        let state = Arc::new(ProxyState {
            upstream,
            http,
            exchanges: Mutex::new(Vec::new()),
        });

        let app = axum::Router::new()
            .fallback(forward)
            .with_state(Arc::clone(&state));
        let (shutdown, stopped) = oneshot::channel::<()>();
        tokio::spawn(async move {
            let server = axum::serve(listener, app).with_graceful_shutdown(async {
                let _ = stopped.await;
            });
            if let Err(error) = server.await {
                eprintln!("the recording proxy stopped with an error: {error}");
            }
        });

        Ok(RecordingProxy {
            address,
            state,
            shutdown: Some(shutdown),
        })
    }

    /// Returns the base URL to give the client.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// Removes and returns everything recorded so far, oldest first.
    pub fn take(&self) -> Vec<Exchange> {
        let mut exchanges = self
            .state
            .exchanges
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        std::mem::take(&mut *exchanges)
    }
}

impl Drop for RecordingProxy {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}

async fn forward(
    State(state): State<Arc<ProxyState>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let target = uri
        .path_and_query()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "/".to_owned());
    let mut exchange = Exchange {
        method: method.to_string(),
        target: target.clone(),
        query: uri.query().map(str::to_owned),
        content_type: headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        body: String::from_utf8_lossy(&body).into_owned(),
        status: None,
        violations: Vec::new(),
        response_body: String::new(),
        error: None,
    };

    let mut request = state
        .http
        .request(method, format!("{}{target}", state.upstream))
        .body(body);
    for (name, value) in &headers {
        if !HOP_BY_HOP.contains(name) {
            request = request.header(name, value);
        }
    }

    let response = match receive(request).await {
        Ok((status, headers, body)) => {
            exchange.status = Some(status.as_u16());
            exchange.violations = headers
                .get_all("sl-violations")
                .iter()
                .flat_map(|value| parse_violations(&String::from_utf8_lossy(value.as_bytes())))
                .collect();
            exchange.response_body = String::from_utf8_lossy(&body).into_owned();
            let mut response = Response::new(Body::from(body));
            *response.status_mut() = status;
            for (name, value) in &headers {
                if !HOP_BY_HOP.contains(name) {
                    response.headers_mut().append(name, value.clone());
                }
            }
            response
        }
        Err(error) => {
            exchange.error = Some(error.clone());
            (StatusCode::BAD_GATEWAY, error).into_response()
        }
    };

    state
        .exchanges
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .push(exchange);
    response
}

async fn receive(
    request: reqwest::RequestBuilder,
) -> Result<(StatusCode, HeaderMap, Bytes), String> {
    let response = request
        .send()
        .await
        .map_err(|e| format!("forwarding to Prism failed: {e}"))?;
    let status = response.status();
    let headers = response.headers().clone();
    let body = response
        .bytes()
        .await
        .map_err(|e| format!("reading Prism's response failed: {e}"))?;
    Ok((status, headers, body))
}

/// What Prism puts before the `sl-violations` header when it cuts the
/// header at about 8 KiB (prism-http-server 5.x).
const TRUNCATED_PREFIX: &str = "Too many violations! ";

/// Parses the `sl-violations` header, a JSON array of objects with
/// `location`, `severity`, `code` and `message`, request violations first.
/// A header that does not parse becomes one violation that quotes it, so it
/// is never lost.
pub fn parse_violations(header: &str) -> Vec<Violation> {
    if let Some(cut) = header.strip_prefix(TRUNCATED_PREFIX) {
        return parse_truncated(cut);
    }
    let Ok(Value::Array(entries)) = serde_json::from_str::<Value>(header) else {
        return vec![unparsed(header)];
    };
    entries.iter().map(violation).collect()
}

/// Parses the complete entries of a cut header. Prism lists request
/// violations before response violations, so when the last complete entry
/// is about the response, the cut ones are too; otherwise the cut may hide
/// request violations, and one added violation at `request` reports that.
fn parse_truncated(cut: &str) -> Vec<Violation> {
    let mut violations: Vec<Violation> = complete_objects(cut)
        .into_iter()
        .map(|text| {
            serde_json::from_str::<Value>(text).map_or_else(|_| unparsed(text), |v| violation(&v))
        })
        .collect();
    let last_is_response = violations
        .last()
        .is_some_and(|v| v.location.first().map(String::as_str) == Some("response"));
    if !last_is_response {
        violations.push(Violation {
            location: vec!["request".to_owned()],
            severity: "Unknown".to_owned(),
            code: String::new(),
            message: "Prism cut the sl-violations header short, so further request violations may be missing".to_owned(),
        });
    }
    violations
}

/// Returns the complete top-level `{...}` objects of a JSON array that may
/// be cut off anywhere.
fn complete_objects(text: &str) -> Vec<&str> {
    let mut objects = Vec::new();
    let (mut depth, mut in_string, mut escaped, mut start) = (0usize, false, false, 0usize);
    for (index, c) in text.char_indices() {
        if in_string {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_string = true,
            '{' => {
                if depth == 0 {
                    start = index;
                }
                depth += 1;
            }
            '}' if depth > 0 => {
                depth -= 1;
                if depth == 0 {
                    objects.push(&text[start..=index]);
                }
            }
            _ => {}
        }
    }
    objects
}

fn violation(entry: &Value) -> Violation {
    Violation {
        location: entry["location"]
            .as_array()
            .map(|parts| {
                parts
                    .iter()
                    .map(|p| p.as_str().map_or_else(|| p.to_string(), str::to_owned))
                    .collect()
            })
            .unwrap_or_default(),
        severity: entry["severity"].as_str().unwrap_or("Unknown").to_owned(),
        code: match &entry["code"] {
            Value::String(code) => code.clone(),
            other => other.to_string(),
        },
        message: entry["message"]
            .as_str()
            .map_or_else(|| entry.to_string(), str::to_owned),
    }
}

fn unparsed(text: &str) -> Violation {
    Violation {
        location: Vec::new(),
        severity: "Unparsed".to_owned(),
        code: String::new(),
        message: text.to_owned(),
    }
}

/// Returns the first `max` characters of `text`, marked when cut.
pub fn excerpt(text: &str, max: usize) -> String {
    let mut cut: String = text.chars().take(max).collect();
    if cut.len() < text.len() {
        cut.push('…');
    }
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn violations_header_parses() {
        let header = r#"[{"location":["request","query","page_size"],"severity":"Error","code":"maximum","message":"must be <= 250"}]"#;

        let violations = parse_violations(header);

        assert_eq!(violations.len(), 1);
        assert_eq!(violations[0].location, ["request", "query", "page_size"]);
        assert_eq!(violations[0].code, "maximum");
        assert_eq!(
            violations[0].to_string(),
            "Error at request.query.page_size: must be <= 250"
        );
    }

    #[test]
    fn truncated_header_keeps_complete_entries() {
        let header = r#"Too many violations! [{"location":["request","body"],"severity":"Error","message":"a {\"b\"}"},{"location":["response","body","id"],"severity":"Error","message":"pattern"},{"location":["resp"#;

        let violations = parse_violations(header);

        assert_eq!(violations.len(), 2, "{violations:?}");
        assert_eq!(violations[0].message, r#"a {"b"}"#);
        assert_eq!(violations[1].location, ["response", "body", "id"]);
    }

    #[test]
    fn truncated_request_violations_flag_the_cut() {
        let header = r#"Too many violations! [{"location":["request","body"],"severity":"Error","message":"x"},{"locat"#;

        let violations = parse_violations(header);

        assert_eq!(violations.len(), 2, "{violations:?}");
        assert_eq!(violations[1].location, ["request"]);
        assert!(violations[1].message.contains("cut"), "{violations:?}");
    }

    #[test]
    fn unparsable_violations_header_is_kept() {
        let violations = parse_violations("not json");

        assert_eq!(violations.len(), 1);
        assert_eq!(violations[0].message, "not json");
    }
}
