//! Facts about each operation, read from the document: what the mock serves,
//! what the API surface snapshot lists and what tests call.

use serde_json::Value;

use crate::passes::mark_variant_tags;
use crate::passes::walk::{operation_id, resolve, METHODS};
use crate::postprocess::progenitor_operation_name;
use crate::samples::{sample_with_shape, SampleShape};

/// One operation of the document.
#[derive(Debug, Clone)]
pub struct OperationFacts {
    /// `operationId` as the document spells it, for example `boards/list`.
    pub operation_id: String,
    /// The generated method name, for example `boards_list`.
    pub method_name: String,
    /// Uppercase HTTP method.
    pub http_method: String,
    /// Path template relative to the server URL.
    pub path: String,
    /// The lowest 2xx status the document declares.
    pub success_status: u16,
    /// A sample success body, `None` when the success response has no JSON body.
    pub success_sample: Option<Value>,
    /// Where the sample holds open enum values and extensible objects.
    pub success_shape: SampleShape,
    /// The operation's tags.
    pub tags: Vec<String>,
    /// The `x-ratelimit-category` extension.
    pub ratelimit_category: Option<String>,
    /// Whether `x-sandbox` says the sandbox does not serve this operation.
    pub sandbox_disabled: bool,
    /// The OAuth scopes the operation's `pinterest_oauth2` security
    /// requirement lists.
    pub scopes: Vec<String>,
    /// Whether the operation authenticates with HTTP Basic (the app's
    /// client id and secret) instead of a bearer token.
    pub basic_auth: bool,
}

/// Every operation in document order.
pub fn operations(document: &Value) -> Vec<OperationFacts> {
    // Samples read the variant-tag markers to keep tags out of the shape.
    let mut marked = document.clone();
    mark_variant_tags(&mut marked);
    let document = &marked;

    let mut facts = Vec::new();
    let Some(paths) = document.get("paths").and_then(Value::as_object) else {
        return facts;
    };

    for (path, item) in paths {
        for method in METHODS {
            if let Some(operation) = item.get(*method).and_then(Value::as_object) {
                facts.push(operation_facts(document, path, method, operation));
            }
        }
    }
    facts
}

fn operation_facts(
    document: &Value,
    path: &str,
    method: &str,
    operation: &serde_json::Map<String, Value>,
) -> OperationFacts {
    let id = operation_id(operation);
    let (success_status, success) = success_response(document, operation);
    let (success_sample, success_shape) = match success {
        Some((value, shape)) => (Some(value), shape),
        None => (None, SampleShape::default()),
    };

    OperationFacts {
        method_name: progenitor_operation_name(&id),
        operation_id: id,
        http_method: method.to_ascii_uppercase(),
        path: path.to_owned(),
        success_status,
        success_sample,
        success_shape,
        tags: operation
            .get("tags")
            .and_then(Value::as_array)
            .map(|tags| {
                tags.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default(),
        ratelimit_category: operation
            .get("x-ratelimit-category")
            .and_then(Value::as_str)
            .map(str::to_owned),
        sandbox_disabled: operation.get("x-sandbox").and_then(Value::as_str) == Some("disabled"),
        scopes: oauth_scopes(operation),
        basic_auth: uses_basic_auth(operation),
    }
}

/// Whether every security requirement of the operation is `basic`.
fn uses_basic_auth(operation: &serde_json::Map<String, Value>) -> bool {
    let requirements = operation.get("security").and_then(Value::as_array);
    requirements
        .is_some_and(|list| !list.is_empty() && list.iter().all(|r| r.get("basic").is_some()))
}

/// The scopes of the first `pinterest_oauth2` security requirement.
fn oauth_scopes(operation: &serde_json::Map<String, Value>) -> Vec<String> {
    operation
        .get("security")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .find_map(|requirement| requirement.get("pinterest_oauth2")?.as_array())
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect()
}

fn success_response(
    document: &Value,
    operation: &serde_json::Map<String, Value>,
) -> (u16, Option<(Value, SampleShape)>) {
    let Some(responses) = operation.get("responses").and_then(Value::as_object) else {
        return (200, None);
    };

    let mut successes: Vec<(u16, &Value)> = responses
        .iter()
        .filter_map(|(status, response)| Some((status.parse::<u16>().ok()?, response)))
        .filter(|(status, _)| (200..300).contains(status))
        .collect();
    successes.sort_by_key(|(status, _)| *status);

    let Some((status, response)) = successes.first() else {
        return (200, None);
    };
    let body = resolve(document, response)
        .and_then(|r| r.get("content"))
        .and_then(|c| c.get("application/json"))
        .and_then(|m| m.get("schema"))
        .map(|schema| sample_with_shape(document, schema));
    (*status, body)
}
