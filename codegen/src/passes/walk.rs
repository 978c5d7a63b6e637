//! Helpers for visiting operations and schemas in an OpenAPI document held as
//! JSON.

use heck::ToPascalCase;
use serde_json::{Map, Value};

/// HTTP methods that can hold an operation in a path item.
pub const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// One operation, with where it sits.
pub struct OperationRef<'a> {
    /// Path template, for example `/boards/{board_id}`.
    pub path: &'a str,
    /// Lowercase HTTP method.
    pub method: &'a str,
    /// The operation object.
    pub operation: &'a mut Map<String, Value>,
}

/// Calls `visit` for every operation in the document, in document order.
pub fn for_each_operation(document: &mut Value, mut visit: impl FnMut(OperationRef<'_>)) {
    let Some(paths) = document.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };

    for (path, item) in paths.iter_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        for (method, operation) in item.iter_mut() {
            if !METHODS.contains(&method.as_str()) {
                continue;
            }
            if let Some(operation) = operation.as_object_mut() {
                visit(OperationRef {
                    path,
                    method,
                    operation,
                });
            }
        }
    }
}

/// The operation's `operationId`, or an empty string.
pub fn operation_id(operation: &Map<String, Value>) -> String {
    operation
        .get("operationId")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

/// The component name a local `$ref` points at, if `schema` is such a ref.
pub fn ref_name(schema: &Value) -> Option<&str> {
    schema
        .get("$ref")?
        .as_str()?
        .strip_prefix("#/components/schemas/")
}

/// Follows local `$ref`s (to schemas or parameters) until a non-ref value.
/// Returns `None` for a dangling or cyclic ref.
pub fn resolve<'a>(document: &'a Value, mut value: &'a Value) -> Option<&'a Value> {
    for _ in 0..32 {
        let Some(target) = value.get("$ref").and_then(Value::as_str) else {
            return Some(value);
        };
        value = document.pointer(target.strip_prefix('#')?)?;
    }
    None
}

/// A Rust type name built from parts of a schema's location.
pub fn type_name(parts: &[&str]) -> String {
    parts.iter().map(|part| part.to_pascal_case()).collect()
}
