//! A recording proxy between the client and Prism.
//!
//! The client cannot show the raw request it sent or the headers it got
//! back, so the suite points it at this proxy, which forwards every request
//! to Prism unchanged and records the request line, body and Prism's answer,
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

/// Time limit for Prism's answer to one forwarded request.
const UPSTREAM_TIMEOUT: Duration = Duration::from_secs(15);

/// Headers that describe one connection and are not forwarded.
const HOP_BY_HOP: &[header::HeaderName] = &[
    header::CONNECTION,
    header::HOST,
    header::CONTENT_LENGTH,
    header::TRANSFER_ENCODING,
];

/// One request the client sent and what Prism answered.
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
    /// Why forwarding failed, if it did.
    pub error: Option<String>,
}

impl Exchange {
    /// The request as a readable block for failure messages.
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

    /// The base URL to give the client.
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

async fn receive(request: reqwest::RequestBuilder) -> Result<(StatusCode, HeaderMap, Bytes), String> {
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

/// Parses the `sl-violations` header, a JSON array of objects with
/// `location`, `severity`, `code` and `message`. A header that does not
/// parse becomes one violation that quotes it, so it is never lost.
pub fn parse_violations(header: &str) -> Vec<Violation> {
    let Ok(Value::Array(entries)) = serde_json::from_str::<Value>(header) else {
        return vec![Violation {
            location: Vec::new(),
            severity: "Unparsed".to_owned(),
            message: header.to_owned(),
        }];
    };

    entries
        .iter()
        .map(|entry| Violation {
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
            message: entry["message"]
                .as_str()
                .map_or_else(|| entry.to_string(), str::to_owned),
        })
        .collect()
}

/// The first `max` characters of `text`, marked when cut.
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
        assert_eq!(
            violations[0].to_string(),
            "Error at request.query.page_size: must be <= 250"
        );
    }

    #[test]
    fn unparsable_violations_header_is_kept() {
        let violations = parse_violations("not json");

        assert_eq!(violations.len(), 1);
        assert_eq!(violations[0].message, "not json");
    }
}
