//! Schema-valid sample values, built from a schema and its `example`s.
//!
//! The embedded mock answers with these, and tests use them as arguments.
//! A sample prefers the document's own `example` at each leaf, falls back to
//! a value that satisfies the type, format, pattern and bounds, and takes the
//! first member of a `oneOf` or `anyOf`.

use std::cell::{Cell, RefCell};

use serde_json::{Map, Value};

use crate::passes::walk::resolve;
use crate::passes::VARIANT_TAG_MARKER;

/// How deep references are followed before a sample stops at a minimal value.
/// Pinterest's schemas nest about six levels; recursive ones need a stop.
const MAX_DEPTH: usize = 12;

/// Properties beyond the required ones are filled down to this depth, so
/// samples read like real responses without growing without bound.
const OPTIONAL_DEPTH: usize = 4;

/// Builds a sample value for `schema` inside `document`.
pub fn sample(document: &Value, schema: &Value) -> Value {
    sample_with_shape(document, schema).0
}

/// Where a sample holds values that a later upstream release could change
/// without breaking a forward-compatible client.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SampleShape {
    /// JSON pointers of values that come from open string enums.
    pub enum_pointers: Vec<String>,
    /// JSON pointers of objects with declared properties (not maps).
    pub object_pointers: Vec<String>,
}

/// Builds a sample value and its [`SampleShape`]. Enum schemas that carry
/// [`VARIANT_TAG_MARKER`] are closed, so their values are not listed.
pub fn sample_with_shape(document: &Value, schema: &Value) -> (Value, SampleShape) {
    let sampler = Sampler {
        document,
        shape: RefCell::new(SampleShape::default()),
        recording: Cell::new(true),
    };
    let value = sampler.value(schema, 0, "", "");

    let mut shape = sampler.shape.into_inner();
    for pointers in [&mut shape.enum_pointers, &mut shape.object_pointers] {
        pointers.sort();
        pointers.dedup();
    }
    (value, shape)
}

struct Sampler<'a> {
    document: &'a Value,
    shape: RefCell<SampleShape>,
    recording: Cell<bool>,
}

impl Sampler<'_> {
    /// `hint` is the property name the value is for, or empty; `path` is the
    /// JSON pointer of the value inside the whole sample.
    fn value(&self, schema: &Value, depth: usize, hint: &str, path: &str) -> Value {
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
                if first.is_string() && !map.contains_key(VARIANT_TAG_MARKER) {
                    self.record(|shape| shape.enum_pointers.push(path.to_owned()));
                }
                return first.clone();
            }
        }
        if map.contains_key("allOf") {
            let flattened = self.flatten_all_of(map, 0);
            return self.value(&Value::Object(flattened), depth + 1, hint, path);
        }
        for key in ["oneOf", "anyOf"] {
            if let Some(first) = map
                .get(key)
                .and_then(Value::as_array)
                .and_then(|m| m.first())
            {
                let chosen = self.value(first, depth + 1, hint, path);
                return self.with_own_properties(map, depth, chosen, path);
            }
        }

        match map.get("type").and_then(Value::as_str) {
            Some("object") => self.object(map, depth, path),
            Some("array") => self.array(map, depth, path),
            None if map.contains_key("items") => self.array(map, depth, path),
            Some("string") => string(map, hint),
            Some("integer") => integer(map),
            Some("number") => number(map),
            Some("boolean") => map
                .get("example")
                .filter(|e| e.is_boolean())
                .cloned()
                .unwrap_or(Value::Bool(true)),
            _ if map.contains_key("properties") => self.object(map, depth, path),
            _ => map.get("example").cloned().unwrap_or(Value::Null),
        }
    }

    fn record(&self, add: impl FnOnce(&mut SampleShape)) {
        if self.recording.get() {
            add(&mut self.shape.borrow_mut());
        }
    }

    /// One schema equivalent to `map`'s `allOf`: the members' properties and
    /// `required` lists combined, and their other keywords (such as `type` or
    /// `enum`) where `map` lacks them.
    fn flatten_all_of(&self, map: &Map<String, Value>, level: usize) -> Map<String, Value> {
        let mut flat = map.clone();
        let Some(Value::Array(members)) = flat.shift_remove("allOf") else {
            return flat;
        };
        if level > MAX_DEPTH {
            return flat;
        }

        for member in &members {
            let Some(member) = resolve(self.document, member).and_then(Value::as_object) else {
                continue;
            };
            let member = self.flatten_all_of(member, level + 1);
            for (key, value) in member {
                merge_keyword(&mut flat, key, value);
            }
        }
        flat
    }

    /// Adds the fields of `map`'s own `properties` to a sample chosen from
    /// one of its `oneOf` or `anyOf` members. The added fields are not
    /// recorded in the shape: the chosen member's fields take precedence, and
    /// a field it also has must not be listed twice with different rules.
    fn with_own_properties(
        &self,
        map: &Map<String, Value>,
        depth: usize,
        chosen: Value,
        path: &str,
    ) -> Value {
        let Value::Object(mut fields) = chosen else {
            return chosen;
        };

        let was_recording = self.recording.replace(false);
        let own = self.object(map, depth, path);
        self.recording.set(was_recording);

        if let Value::Object(own) = own {
            for (name, value) in own {
                fields.entry(name).or_insert(value);
            }
        }
        Value::Object(fields)
    }

    fn object(&self, map: &Map<String, Value>, depth: usize, path: &str) -> Value {
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
                    let child = format!("{path}/{}", escape_pointer(name));
                    fields.insert(name.clone(), self.value(property, depth + 1, name, &child));
                }
            }
        }

        // A map (`additionalProperties` with a schema) gets one entry, and an
        // extra field added to it would have to fit that schema.
        let additional = map.get("additionalProperties").filter(|a| a.is_object());
        if additional.is_none() && map.contains_key("properties") {
            self.record(|shape| shape.object_pointers.push(path.to_owned()));
        }
        if let (true, Some(schema)) = (fields.is_empty(), additional) {
            let child = format!("{path}/example");
            fields.insert(
                "example".to_owned(),
                self.value(schema, depth + 1, "example", &child),
            );
        }
        Value::Object(fields)
    }

    fn array(&self, map: &Map<String, Value>, depth: usize, path: &str) -> Value {
        let Some(items) = map.get("items") else {
            return Value::Array(Vec::new());
        };
        let min = map
            .get("minItems")
            .and_then(Value::as_u64)
            .unwrap_or(1)
            .max(1);
        let max = map
            .get("maxItems")
            .and_then(Value::as_u64)
            .unwrap_or(u64::MAX);
        if max == 0 {
            return Value::Array(Vec::new());
        }

        let item = self.value(items, depth + 1, "", &format!("{path}/0"));
        Value::Array(vec![item; min.min(max) as usize])
    }
}

/// Merges one `allOf` member's keyword into the combined schema. Objects
/// (such as `properties`) merge key by key, so that one member can declare a
/// property and another its pattern; `required` lists are joined; an empty
/// schema gives way to a real one; otherwise the first member's value stays.
fn merge_keyword(target: &mut Map<String, Value>, key: String, value: Value) {
    let Some(existing) = target.get_mut(&key) else {
        target.insert(key, value);
        return;
    };

    match (existing, value) {
        (Value::Array(existing), Value::Array(more)) if key == "required" => {
            for name in more {
                if !existing.contains(&name) {
                    existing.push(name);
                }
            }
        }
        (Value::Object(existing), Value::Object(more)) => {
            if existing.is_empty() {
                *existing = more;
                return;
            }
            for (inner_key, inner_value) in more {
                merge_keyword(existing, inner_key, inner_value);
            }
        }
        _ => {}
    }
}

fn escape_pointer(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

fn is_read_only_null(property: &Value) -> bool {
    property.get("nullable") == Some(&Value::Bool(true)) && property.get("type").is_none()
}

fn minimal(map: &Map<String, Value>) -> Value {
    match map.get("type").and_then(Value::as_str) {
        Some("array") => Value::Array(Vec::new()),
        Some("string") => string(map, ""),
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

fn string(map: &Map<String, Value>, hint: &str) -> Value {
    let example = map.get("example").and_then(Value::as_str);
    let by_format = match map.get("format").and_then(Value::as_str) {
        Some("date-time") => Some("2024-01-15T10:30:00Z"),
        Some("date") => Some("2024-01-15"),
        Some("uri") | Some("url") => Some("https://example.com/"),
        Some("email") => Some("user@example.com"),
        Some("uuid") => Some("3fa85f64-5717-4562-b3fc-2c963f66afa6"),
        _ => None,
    };
    // An unconstrained string reads better named after its property.
    let named = (!hint.is_empty()).then(|| format!("example_{hint}"));

    let candidates = example
        .into_iter()
        .chain(by_format)
        .map(str::to_owned)
        .chain(named)
        .chain(STRING_CANDIDATES.iter().map(|c| c.to_string()));
    let chosen = candidates
        .into_iter()
        .find(|candidate| fits_string(map, candidate))
        .unwrap_or_else(|| "example".to_owned());
    Value::String(chosen)
}

fn fits_string(map: &Map<String, Value>, candidate: &str) -> bool {
    let length = candidate.chars().count() as u64;
    let min_ok = map
        .get("minLength")
        .and_then(Value::as_u64)
        .is_none_or(|min| length >= min);
    let max_ok = map
        .get("maxLength")
        .and_then(Value::as_u64)
        .is_none_or(|max| length <= max);
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
        .or_else(|| {
            [1, min.unwrap_or(1), max.unwrap_or(1)]
                .into_iter()
                .find(|&v| in_bounds(v))
        })
        .unwrap_or(0);
    Value::from(chosen)
}

fn number(map: &Map<String, Value>) -> Value {
    let min = map.get("minimum").and_then(Value::as_f64);
    let max = map.get("maximum").and_then(Value::as_f64);
    let example = map.get("example").and_then(Value::as_f64);

    let in_bounds = |v: f64| min.is_none_or(|m| v >= m) && max.is_none_or(|m| v <= m);
    let chosen = example.filter(|&v| in_bounds(v)).unwrap_or_else(|| {
        if in_bounds(1.0) {
            1.0
        } else {
            min.or(max).unwrap_or(0.0)
        }
    });
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

        assert_eq!(
            value["id"], "549755885175",
            "an example that breaks the pattern is replaced"
        );
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

        assert_eq!(
            value,
            json!({"items": [1], "bookmark": "example_bookmark", "kind": "a"})
        );
    }

    #[test]
    fn map_gets_one_entry() {
        let schema = json!({"type": "object", "additionalProperties": {"type": "number"}});

        assert_eq!(sample(&json!({}), &schema), json!({"example": 1.0}));
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
