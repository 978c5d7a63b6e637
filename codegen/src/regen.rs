//! Moving the crate to another upstream release: loading a release that is
//! not pinned yet, and the API diff between two releases with its semver
//! classification.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::{self, Write as _};
use std::path::Path;

use serde_json::Value;

use crate::inventory::operations;
use crate::passes::walk::{resolve, METHODS};
use crate::spec::{self, Correction, LoadedSpec, Pin, SpecError};

/// Loads a release from raw bytes: checks that it is an OpenAPI 3.0 document
/// and applies the correction rules that still apply. Returns the loaded
/// release and the rules that no longer apply (upstream may have fixed them).
pub fn load_release(
    path: &Path,
    bytes: &[u8],
    source: &str,
    corrections: &[Correction],
) -> Result<(LoadedSpec, Vec<Correction>), SpecError> {
    let mut document = spec::parse_document(path, bytes)?;
    check_openapi_version(path, &document)?;

    let mut stale = Vec::new();
    let mut applied = 0;
    for correction in corrections {
        let mut candidate = document.clone();
        match spec::apply_corrections(&mut candidate, std::slice::from_ref(correction)) {
            Ok(()) => {
                document = candidate;
                applied += 1;
            }
            Err(_) => stale.push(correction.clone()),
        }
    }

    let version = document
        .pointer("/info/version")
        .and_then(Value::as_str)
        .unwrap_or("unknown")
        .to_owned();
    let file = path
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_else(|| format!("pinterest-openapi-{version}.json"));
    let pin = Pin {
        version,
        file,
        sha256: spec::sha256_hex(bytes),
        source: source.to_owned(),
        upstream_commit: String::new(),
    };

    let loaded = LoadedSpec {
        pin,
        path: path.to_owned(),
        document,
        corrections_applied: applied,
    };
    Ok((loaded, stale))
}

fn check_openapi_version(path: &Path, document: &Value) -> Result<(), SpecError> {
    let version = document
        .get("openapi")
        .and_then(Value::as_str)
        .unwrap_or("");
    if version.starts_with("3.0.") {
        return Ok(());
    }
    Err(SpecError::Parse {
        path: path.to_owned(),
        message: format!(
            "`openapi` is `{version}`, but only OpenAPI 3.0.x documents are supported"
        ),
    })
}

/// The effect of a release change on users of the crate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Compatibility {
    /// Nothing users can see changed.
    Unchanged,
    /// Only additions: new operations, optional parameters, fields, values.
    Additive,
    /// Something users rely on was removed or changed.
    Breaking,
}

impl Compatibility {
    /// The version bump the change implies for a crate at `version`
    /// (`major.minor.patch`). Before 1.0, Cargo treats a minor bump as
    /// breaking, so breaking changes bump the minor and additions the patch.
    pub fn bump(self, version: &str) -> String {
        let parts: Vec<u64> = version.split('.').map(|p| p.parse().unwrap_or(0)).collect();
        let (major, minor, patch) = (
            parts.first().copied().unwrap_or(0),
            parts.get(1).copied().unwrap_or(0),
            parts.get(2).copied().unwrap_or(0),
        );

        match (self, major) {
            (Compatibility::Unchanged, _) => version.to_owned(),
            (Compatibility::Breaking, 0) => format!("0.{}.0", minor + 1),
            (Compatibility::Breaking, _) => format!("{}.0.0", major + 1),
            (Compatibility::Additive, 0) => format!("0.{minor}.{}", patch + 1),
            (Compatibility::Additive, _) => format!("{major}.{}.0", minor + 1),
        }
    }
}

/// One entry of an [`ApiDiff`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// The changed item, for example `operation boards/list`.
    pub subject: String,
    /// How, for example `added` or `removed`.
    pub detail: String,
    /// Whether this change alone breaks users.
    pub breaking: bool,
}

/// The differences between two releases that users of the crate can see.
#[derive(Debug, Clone, Default)]
pub struct ApiDiff {
    /// Operations added or removed.
    pub operations: Vec<Change>,
    /// Parameters added, removed or changed.
    pub parameters: Vec<Change>,
    /// Success types changed.
    pub success_types: Vec<Change>,
    /// Fields of component schemas added or removed.
    pub fields: Vec<Change>,
    /// Enum values added or removed.
    pub enum_values: Vec<Change>,
}

impl ApiDiff {
    /// Returns every change, grouped by kind.
    pub fn groups(&self) -> [(&'static str, &[Change]); 5] {
        [
            ("operations", &self.operations),
            ("parameters", &self.parameters),
            ("success types", &self.success_types),
            ("fields", &self.fields),
            ("enum values", &self.enum_values),
        ]
    }

    /// Classifies the whole diff.
    pub fn compatibility(&self) -> Compatibility {
        let changes: Vec<&Change> = self.groups().iter().flat_map(|(_, c)| c.iter()).collect();
        if changes.iter().any(|c| c.breaking) {
            Compatibility::Breaking
        } else if changes.is_empty() {
            Compatibility::Unchanged
        } else {
            Compatibility::Additive
        }
    }

    /// Counts the operations added.
    pub fn operations_added(&self) -> usize {
        self.operations
            .iter()
            .filter(|c| c.detail == "added")
            .count()
    }

    /// Counts the operations removed.
    pub fn operations_removed(&self) -> usize {
        self.operations
            .iter()
            .filter(|c| c.detail == "removed")
            .count()
    }
}

impl fmt::Display for ApiDiff {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = String::new();
        for (group, changes) in self.groups() {
            let _ = writeln!(out, "{group}: {} changed", changes.len());
            for change in changes {
                let marker = if change.breaking {
                    "BREAKING"
                } else {
                    "additive"
                };
                let _ = writeln!(out, "  [{marker}] {} {}", change.subject, change.detail);
            }
        }
        let _ = writeln!(out, "classification: {:?}", self.compatibility());
        f.write_str(&out)
    }
}

/// Computes the API diff from `old` to `new` (both documents after corrections).
pub fn api_diff(old: &Value, new: &Value) -> ApiDiff {
    let old_ops = operation_map(old);
    let new_ops = operation_map(new);

    let mut diff = ApiDiff::default();
    diff_operations(&old_ops, &new_ops, &mut diff);
    diff_parameters(old, new, &old_ops, &new_ops, &mut diff);
    diff_success_types(old, new, &old_ops, &new_ops, &mut diff);
    diff_fields(old, new, &mut diff);
    diff_enum_values(old, new, &mut diff);
    diff
}

/// Operations by `operationId`, with their path and method.
fn operation_map(document: &Value) -> BTreeMap<String, (String, String)> {
    operations(document)
        .into_iter()
        .map(|op| (op.operation_id, (op.path, op.http_method)))
        .collect()
}

fn operation<'a>(document: &'a Value, path: &str, method: &str) -> Option<&'a Value> {
    let method = METHODS.iter().find(|m| m.eq_ignore_ascii_case(method))?;
    document.get("paths")?.get(path)?.get(*method)
}

fn diff_operations(
    old: &BTreeMap<String, (String, String)>,
    new: &BTreeMap<String, (String, String)>,
    diff: &mut ApiDiff,
) {
    for (id, (path, method)) in new {
        if !old.contains_key(id) {
            diff.operations.push(change(
                format!("operation {id} ({method} {path})"),
                "added",
                false,
            ));
        }
    }
    for (id, (path, method)) in old {
        if !new.contains_key(id) {
            diff.operations.push(change(
                format!("operation {id} ({method} {path})"),
                "removed",
                true,
            ));
        }
    }
}

/// `(name, in) -> (required, schema)` for an operation's parameters.
fn parameter_map(document: &Value, operation: &Value) -> BTreeMap<(String, String), (bool, Value)> {
    let mut parameters = BTreeMap::new();
    for parameter in operation
        .get("parameters")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let Some(parameter) = resolve(document, parameter) else {
            continue;
        };
        let name = parameter
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let location = parameter
            .get("in")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let required = parameter.get("required") == Some(&Value::Bool(true));
        let schema = parameter.get("schema").cloned().unwrap_or(Value::Null);
        parameters.insert((name, location), (required, without_docs(&schema)));
    }
    parameters
}

fn diff_parameters(
    old: &Value,
    new: &Value,
    old_ops: &BTreeMap<String, (String, String)>,
    new_ops: &BTreeMap<String, (String, String)>,
    diff: &mut ApiDiff,
) {
    for (id, (path, method)) in new_ops {
        let Some((old_path, old_method)) = old_ops.get(id) else {
            continue;
        };
        let (Some(old_op), Some(new_op)) = (
            operation(old, old_path, old_method),
            operation(new, path, method),
        ) else {
            continue;
        };
        let before = parameter_map(old, old_op);
        let after = parameter_map(new, new_op);

        for ((name, location), (required, schema)) in &after {
            let subject = format!("{id} {location} parameter `{name}`");
            match before.get(&(name.clone(), location.clone())) {
                None if *required => {
                    diff.parameters
                        .push(change(subject, "added (required)", true))
                }
                None => diff
                    .parameters
                    .push(change(subject, "added (optional)", false)),
                Some((was_required, _)) if *required && !was_required => diff
                    .parameters
                    .push(change(subject, "became required", true)),
                Some((_, old_schema)) if old_schema != schema => {
                    diff.parameters
                        .push(change(subject, "schema changed", true))
                }
                Some(_) => {}
            }
        }
        for (name, location) in before.keys() {
            if !after.contains_key(&(name.clone(), location.clone())) {
                diff.parameters.push(change(
                    format!("{id} {location} parameter `{name}`"),
                    "removed",
                    true,
                ));
            }
        }
    }
}

/// The schema of the lowest 2xx JSON response, without documentation keys.
fn success_schema(document: &Value, path: &str, method: &str) -> Option<Value> {
    let responses = operation(document, path, method)?
        .get("responses")?
        .as_object()?;
    let (_, response) = responses
        .iter()
        .filter(|(status, _)| status.starts_with('2'))
        .min_by_key(|(status, _)| (*status).clone())?;
    let schema = response
        .get("content")?
        .get("application/json")?
        .get("schema")?;
    Some(without_docs(schema))
}

/// A success type changed when its schema (a reference or an inline shape,
/// without documentation keys) changed. A component that changed behind the
/// same reference shows up under fields instead.
fn diff_success_types(
    old: &Value,
    new: &Value,
    old_ops: &BTreeMap<String, (String, String)>,
    new_ops: &BTreeMap<String, (String, String)>,
    diff: &mut ApiDiff,
) {
    for (id, (path, method)) in new_ops {
        let Some((old_path, old_method)) = old_ops.get(id) else {
            continue;
        };
        let before = success_schema(old, old_path, old_method);
        let after = success_schema(new, path, method);
        if before != after {
            let detail = format!(
                "changed from {} to {}",
                schema_label(&before),
                schema_label(&after)
            );
            diff.success_types.push(Change {
                subject: format!("{id} success type"),
                detail,
                breaking: true,
            });
        }
    }
}

fn schema_label(schema: &Option<Value>) -> String {
    match schema {
        None => "no body".to_owned(),
        Some(schema) => match schema.get("$ref").and_then(Value::as_str) {
            Some(target) => target.rsplit('/').next().unwrap_or(target).to_owned(),
            None => "an inline schema".to_owned(),
        },
    }
}

fn diff_fields(old: &Value, new: &Value, diff: &mut ApiDiff) {
    let before = component_fields(old);
    let after = component_fields(new);

    for (schema, fields) in &after {
        let Some(old_fields) = before.get(schema) else {
            diff.fields
                .push(change(format!("type {schema}"), "added", false));
            continue;
        };
        for field in fields.difference(old_fields) {
            diff.fields.push(change(
                format!("type {schema} field `{field}`"),
                "added",
                false,
            ));
        }
        for field in old_fields.difference(fields) {
            diff.fields.push(change(
                format!("type {schema} field `{field}`"),
                "removed",
                true,
            ));
        }
    }
    for schema in before.keys() {
        if !after.contains_key(schema) {
            diff.fields
                .push(change(format!("type {schema}"), "removed", true));
        }
    }
}

fn component_fields(document: &Value) -> BTreeMap<String, BTreeSet<String>> {
    let Some(schemas) = document
        .pointer("/components/schemas")
        .and_then(Value::as_object)
    else {
        return BTreeMap::new();
    };
    schemas
        .iter()
        .map(|(name, schema)| {
            let fields = schema
                .get("properties")
                .and_then(Value::as_object)
                .map(|properties| properties.keys().cloned().collect())
                .unwrap_or_default();
            (name.clone(), fields)
        })
        .collect()
}

fn diff_enum_values(old: &Value, new: &Value, diff: &mut ApiDiff) {
    let before = component_enums(old);
    let after = component_enums(new);

    for (schema, values) in &after {
        let Some(old_values) = before.get(schema) else {
            continue;
        };
        for value in values.difference(old_values) {
            diff.enum_values.push(change(
                format!("enum {schema} value `{value}`"),
                "added",
                false,
            ));
        }
        for value in old_values.difference(values) {
            diff.enum_values.push(change(
                format!("enum {schema} value `{value}`"),
                "removed",
                true,
            ));
        }
    }
}

/// String enum values of component schemas and their direct properties,
/// keyed `Component` or `Component.property`.
fn component_enums(document: &Value) -> BTreeMap<String, BTreeSet<String>> {
    let mut enums = BTreeMap::new();
    let Some(schemas) = document
        .pointer("/components/schemas")
        .and_then(Value::as_object)
    else {
        return enums;
    };

    for (name, schema) in schemas {
        if let Some(values) = enum_values(schema) {
            enums.insert(name.clone(), values);
        }
        for (property, child) in schema
            .get("properties")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            if let Some(values) = enum_values(child) {
                enums.insert(format!("{name}.{property}"), values);
            }
        }
    }
    enums
}

fn enum_values(schema: &Value) -> Option<BTreeSet<String>> {
    let values = schema.get("enum")?.as_array()?;
    Some(
        values
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
    )
}

/// A schema without keys that only document it.
fn without_docs(schema: &Value) -> Value {
    match schema {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(key, _)| {
                    !matches!(
                        key.as_str(),
                        "description" | "example" | "title" | "examples"
                    )
                })
                .map(|(key, value)| (key.clone(), without_docs(value)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(without_docs).collect()),
        other => other.clone(),
    }
}

fn change(subject: String, detail: &str, breaking: bool) -> Change {
    Change {
        subject,
        detail: detail.to_owned(),
        breaking,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn document(operations: Value, schemas: Value) -> Value {
        json!({"openapi": "3.0.3", "info": {"version": "1"}, "paths": operations, "components": {"schemas": schemas}})
    }

    #[test]
    fn diff_classifies_changes() {
        let old = document(
            json!({"/a": {"get": {"operationId": "a/get", "parameters": [
                {"name": "x", "in": "query", "schema": {"type": "string"}}
            ], "responses": {"200": {"description": "ok"}}}}}),
            json!({"T": {"type": "object", "properties": {"f": {"type": "string"}}},
                   "E": {"type": "string", "enum": ["A"]}}),
        );
        let additive = document(
            json!({"/a": {"get": {"operationId": "a/get", "parameters": [
                {"name": "x", "in": "query", "schema": {"type": "string"}, "description": "docs only"},
                {"name": "y", "in": "query", "schema": {"type": "integer"}}
            ], "responses": {"200": {"description": "ok"}}}},
             "/b": {"post": {"operationId": "b/post", "responses": {"200": {"description": "ok"}}}}}),
            json!({"T": {"type": "object", "properties": {"f": {"type": "string"}, "g": {"type": "integer"}}},
                   "E": {"type": "string", "enum": ["A", "B"]}}),
        );
        let breaking = document(
            json!({"/a": {"get": {"operationId": "a/get", "parameters": [
                {"name": "x", "in": "query", "required": true, "schema": {"type": "string"}}
            ], "responses": {"200": {"description": "ok", "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/T"}}}}}}}}),
            json!({"T": {"type": "object", "properties": {}}, "E": {"type": "string", "enum": ["A"]}}),
        );

        let up = api_diff(&old, &additive);
        let down = api_diff(&old, &breaking);

        assert_eq!(up.compatibility(), Compatibility::Additive, "{up}");
        assert_eq!(up.operations_added(), 1);
        assert_eq!(up.parameters.len(), 1, "{up}");
        assert_eq!(up.fields.len(), 1);
        assert_eq!(up.enum_values.len(), 1);
        assert_eq!(down.compatibility(), Compatibility::Breaking, "{down}");
        assert!(down
            .parameters
            .iter()
            .any(|c| c.detail == "became required"));
        assert!(down.fields.iter().any(|c| c.detail == "removed"));
        assert_eq!(down.success_types.len(), 1, "{down}");
        assert_eq!(down.success_types[0].detail, "changed from no body to T");
        assert_eq!(
            api_diff(&old, &old).compatibility(),
            Compatibility::Unchanged
        );
    }

    #[test]
    fn bump_follows_cargo_semver() {
        assert_eq!(Compatibility::Breaking.bump("0.1.3"), "0.2.0");
        assert_eq!(Compatibility::Additive.bump("0.1.3"), "0.1.4");
        assert_eq!(Compatibility::Breaking.bump("1.4.2"), "2.0.0");
        assert_eq!(Compatibility::Additive.bump("1.4.2"), "1.5.0");
        assert_eq!(Compatibility::Unchanged.bump("1.4.2"), "1.4.2");
    }

    #[test]
    fn release_must_be_openapi_3_0() {
        let bytes = br#"{"openapi": "3.1.0", "info": {"version": "9"}, "paths": {}}"#;

        let err = load_release(Path::new("x.json"), bytes, "test", &[]).unwrap_err();

        assert!(err.to_string().contains("3.1.0"), "{err}");
    }
}
