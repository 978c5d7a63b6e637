//! Schema-valid sample values, built from a schema and its `example`s.
//!
//! The embedded mock answers with these, and tests use them as arguments.
//! A sample prefers the document's own `example` at each leaf, falls back to
//! a value that satisfies the type, format, pattern and bounds, and takes the
//! first member of a `oneOf` or `anyOf`.

use serde_json::{Map, Value};

use crate::passes::walk::resolve;

/// How deep references are followed before a sample stops at a minimal value.
/// Pinterest's schemas nest about six levels; recursive ones need a stop.
const MAX_DEPTH: usize = 12;

/// Properties beyond the required ones are filled down to this depth, so
/// samples read like real responses without growing without bound.
const OPTIONAL_DEPTH: usize = 4;

/// A sample value for `schema` inside `document`.
pub fn sample(document: &Value, schema: &Value) -> Value {
    Sampler { document }.value(schema, 0)
}

struct Sampler<'a> {
    document: &'a Value,
}

impl Sampler<'_> {
    fn value(&self, schema: &Value, depth: usize) -> Value {
        let Some(schema) = resolve(self.document, schema) else {
            return Value::Null;
        };
        let Some(map) = schema.as_object() else {
            return Value::Null;
        };
        if depth > MAX_DEPTH {
            return minimal(map);
        }

        if let Some(values) = map.get("enum").and_then(Value::as_array) {
            if let Some(first) = values.iter().find(|v| !v.is_null()) {
                return first.clone();
            }
        }
        if let Some(members) = map.get("allOf").and_then(Value::as_array) {
            return self.merged(members, depth);
        }
        for key in ["oneOf", "anyOf"] {
            if let Some(first) = map.get(key).and_then(Value::as_array).and_then(|m| m.first()) {
                return self.value(first, depth + 1);
            }
        }

        match map.get("type").and_then(Value::as_str) {
            Some("object") => self.object(map, depth),
            Some("array") => self.array(map, depth),
            Some("string") => string(map),
            Some("integer") => integer(map),
            Some("number") => number(map),
            Some("boolean") => map.get("example").filter(|e| e.is_boolean()).cloned().unwrap_or(Value::Bool(true)),
            _ if map.contains_key("properties") => self.object(map, depth),
            _ => map.get("example").cloned().unwrap_or(Value::Null),
        }
    }

    fn merged(&self, members: &[Value], depth: usize) -> Value {
        let mut merged = Map::new();
        for member in members {
            match self.value(member, depth + 1) {
                Value::Object(fields) => merged.extend(fields),
                other if members.len() == 1 => return other,
                _ => {}
            }
        }
        Value::Object(merged)
    }

    fn object(&self, map: &Map<String, Value>, depth: usize) -> Value {
        let required: Vec<&str> = map
            .get("required")
            .and_then(Value::as_array)
            .map(|names| names.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();

        let mut fields = Map::new();
        if let Some(properties) = map.get("properties").and_then(Value::as_object) {
            for (name, property) in properties {
                let wanted = required.contains(&name.as_str()) || depth < OPTIONAL_DEPTH;
                if wanted && !is_read_only_null(property) {
                    fields.insert(name.clone(), self.value(property, depth + 1));
                }
            }
        }
        Value::Object(fields)
    }

    fn array(&self, map: &Map<String, Value>, depth: usize) -> Value {
        let Some(items) = map.get("items") else {
            return Value::Array(Vec::new());
        };
        let min = map.get("minItems").and_then(Value::as_u64).unwrap_or(1).max(1);
        let max = map.get("maxItems").and_then(Value::as_u64).unwrap_or(u64::MAX);
        if max == 0 {
            return Value::Array(Vec::new());
        }

        let item = self.value(items, depth + 1);
        Value::Array(vec![item; min.min(max) as usize])
    }
}

fn is_read_only_null(property: &Value) -> bool {
    property.get("nullable") == Some(&Value::Bool(true)) && property.get("type").is_none()
}

fn minimal(map: &Map<String, Value>) -> Value {
    match map.get("type").and_then(Value::as_str) {
        Some("array") => Value::Array(Vec::new()),
        Some("string") => string(map),
        Some("integer") => integer(map),
        Some("number") => number(map),
        Some("boolean") => Value::Bool(true),
        _ if map.get("nullable") == Some(&Value::Bool(true)) => Value::Null,
        _ => Value::Object(Map::new()),
    }
}

/// Strings tried, in order, when the schema's own example does not fit.
const STRING_CANDIDATES: &[&str] = &[
    "549755885175",
    "2024-01-15",
    "2024-01-15T10:30:00.000Z",
    "https://example.com/image.jpg",
    "12:30",
    "AG549755885175",
    "C549755885175",
    "abc123",
    "example",
];

fn string(map: &Map<String, Value>) -> Value {
    let example = map.get("example").and_then(Value::as_str);
    let by_format = match map.get("format").and_then(Value::as_str) {
        Some("date-time") => Some("2024-01-15T10:30:00Z"),
        Some("date") => Some("2024-01-15"),
        Some("uri") | Some("url") => Some("https://example.com/"),
        Some("email") => Some("user@example.com"),
        Some("uuid") => Some("3fa85f64-5717-4562-b3fc-2c963f66afa6"),
        _ => None,
    };

    let candidates = example.into_iter().chain(by_format).chain(STRING_CANDIDATES.iter().copied());
    let chosen = candidates
        .into_iter()
        .find(|candidate| fits_string(map, candidate))
        .unwrap_or("example");
    Value::String(chosen.to_owned())
}

fn fits_string(map: &Map<String, Value>, candidate: &str) -> bool {
    let length = candidate.chars().count() as u64;
    let min_ok = map.get("minLength").and_then(Value::as_u64).is_none_or(|min| length >= min);
    let max_ok = map.get("maxLength").and_then(Value::as_u64).is_none_or(|max| length <= max);
    let pattern_ok = match map.get("pattern").and_then(Value::as_str) {
        None => true,
        Some(pattern) => regress::Regex::new(pattern).is_ok_and(|re| re.find(candidate).is_some()),
    };
    min_ok && max_ok && pattern_ok
}

fn integer(map: &Map<String, Value>) -> Value {
    let min = map.get("minimum").and_then(Value::as_i64);
    let max = map.get("maximum").and_then(Value::as_i64);
    let example = map.get("example").and_then(Value::as_i64);

    let in_bounds = |v: i64| min.is_none_or(|m| v >= m) && max.is_none_or(|m| v <= m);
    let chosen = example
        .filter(|&v| in_bounds(v))
        .or_else(|| [1, min.unwrap_or(1), max.unwrap_or(1)].into_iter().find(|&v| in_bounds(v)))
        .unwrap_or(0);
    Value::from(chosen)
}

fn number(map: &Map<String, Value>) -> Value {
    let min = map.get("minimum").and_then(Value::as_f64);
    let max = map.get("maximum").and_then(Value::as_f64);
    let example = map.get("example").and_then(Value::as_f64);

    let in_bounds = |v: f64| min.is_none_or(|m| v >= m) && max.is_none_or(|m| v <= m);
    let chosen = example
        .filter(|&v| in_bounds(v))
        .unwrap_or_else(|| if in_bounds(1.0) { 1.0 } else { min.or(max).unwrap_or(0.0) });
    Value::from(chosen)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sample_uses_examples_and_constraints() {
        let doc = json!({"components": {"schemas": {
            "Board": {"type": "object", "required": ["id"], "properties": {
                "id": {"type": "string", "pattern": "^\\d+$", "example": "not digits"},
                "name": {"type": "string", "example": "Summer recipes"},
                "privacy": {"type": "string", "enum": ["PUBLIC", "SECRET"]},
                "count": {"type": "integer", "minimum": 5, "maximum": 10},
                "when": {"type": "string", "format": "date-time"}
            }}
        }}});

        let value = sample(&doc, &json!({"$ref": "#/components/schemas/Board"}));

        assert_eq!(value["id"], "549755885175", "an example that breaks the pattern is replaced");
        assert_eq!(value["name"], "Summer recipes");
        assert_eq!(value["privacy"], "PUBLIC");
        assert_eq!(value["count"], 5);
        assert_eq!(value["when"], "2024-01-15T10:30:00Z");
    }

    #[test]
    fn sample_merges_all_of_and_picks_first_one_of() {
        let doc = json!({});
        let schema = json!({"allOf": [
            {"type": "object", "properties": {"items": {"type": "array", "items": {"type": "integer"}}}},
            {"type": "object", "properties": {"bookmark": {"type": "string", "nullable": true}}},
            {"oneOf": [{"type": "object", "properties": {"kind": {"enum": ["a"]}}},
                       {"type": "object", "properties": {"kind": {"enum": ["b"]}}}]}
        ]});

        let value = sample(&doc, &schema);

        assert_eq!(value, json!({"items": [1], "bookmark": "549755885175", "kind": "a"}));
    }

    #[test]
    fn recursive_schema_terminates() {
        let doc = json!({"components": {"schemas": {"Node": {"type": "object", "required": ["child"],
            "properties": {"child": {"$ref": "#/components/schemas/Node"}}}}}});

        let value = sample(&doc, &json!({"$ref": "#/components/schemas/Node"}));

        let depth = value.to_string().matches("child").count();
        assert!(depth > 3 && depth <= MAX_DEPTH + 1, "depth {depth}");
    }
}
