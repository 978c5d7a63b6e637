//! Passes about `anyOf` and `oneOf`.

use serde_json::Value;

use super::walk::resolve;
use super::PassOutput;

/// Rewrites an `anyOf` that has a non-object member as a `oneOf`.
///
/// typify generates a struct of flattened optional members for `anyOf`,
/// which can hold only objects: a string or an array fails to decode. As a
/// `oneOf` it becomes an untagged enum, which decodes a value into the first
/// member it matches.
pub fn any_of_as_one_of(document: &mut Value, _output: &mut PassOutput) -> usize {
    let snapshot = document.clone();
    rewrite(document, &snapshot)
}

fn rewrite(value: &mut Value, document: &Value) -> usize {
    match value {
        Value::Object(map) => {
            let mut changed = 0;
            let has_scalar_member = map
                .get("anyOf")
                .and_then(Value::as_array)
                .is_some_and(|members| members.iter().any(|m| !is_object_schema(document, m)));
            if has_scalar_member {
                if let Some(members) = map.shift_remove("anyOf") {
                    map.insert("oneOf".to_owned(), members);
                    changed += 1;
                }
            }
            for child in map.values_mut() {
                changed += rewrite(child, document);
            }
            changed
        }
        Value::Array(items) => items.iter_mut().map(|item| rewrite(item, document)).sum(),
        _ => 0,
    }
}

/// Flattens an `allOf` whose own `properties` redefine a property of one of
/// its members: the members' properties and `required` lists are copied in,
/// the schema's own definitions win, and the `allOf` goes away.
///
/// Read literally, such an intersection can be unsatisfiable (a base whose
/// `values` are strings, a derived schema whose `values` are objects), and
/// typify then generates a type with no values at all. The document means
/// the derived definition to override the base, as in class inheritance.
pub fn all_of_overrides(document: &mut Value, _output: &mut PassOutput) -> usize {
    let snapshot = document.clone();
    flatten_overrides(document, &snapshot)
}

fn flatten_overrides(value: &mut Value, document: &Value) -> usize {
    match value {
        Value::Object(map) => {
            let mut changed = 0;
            if let Some(flattened) = flattened_override(map, document) {
                *map = flattened;
                changed += 1;
            }
            for child in map.values_mut() {
                changed += flatten_overrides(child, document);
            }
            changed
        }
        Value::Array(items) => items
            .iter_mut()
            .map(|item| flatten_overrides(item, document))
            .sum(),
        _ => 0,
    }
}

fn flattened_override(
    map: &serde_json::Map<String, Value>,
    document: &Value,
) -> Option<serde_json::Map<String, Value>> {
    let own = map.get("properties")?.as_object()?;
    let members = map.get("allOf")?.as_array()?;
    let resolved: Vec<&serde_json::Map<String, Value>> = members
        .iter()
        .map(|member| resolve(document, member).and_then(Value::as_object))
        .collect::<Option<_>>()?;

    let overrides = resolved.iter().any(|member| {
        member
            .get("properties")
            .and_then(Value::as_object)
            .is_some_and(|base| {
                own.iter()
                    .any(|(name, schema)| base.get(name).is_some_and(|b| b != schema))
            })
    });
    let simple = resolved
        .iter()
        .all(|member| !member.contains_key("allOf") && !member.contains_key("oneOf"));
    if !overrides || !simple {
        return None;
    }

    let mut flat = map.clone();
    flat.shift_remove("allOf");
    flat.entry("type").or_insert_with(|| Value::from("object"));
    for member in resolved {
        copy_missing_properties(&mut flat, member);
    }
    Some(flat)
}

fn copy_missing_properties(
    target: &mut serde_json::Map<String, Value>,
    member: &serde_json::Map<String, Value>,
) {
    if let (Some(Value::Object(properties)), Some(Value::Object(base))) =
        (target.get_mut("properties"), member.get("properties"))
    {
        for (name, schema) in base {
            properties
                .entry(name.clone())
                .or_insert_with(|| schema.clone());
        }
    }

    let base_required = member
        .get("required")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let required = target
        .entry("required")
        .or_insert_with(|| Value::Array(Vec::new()));
    if let Value::Array(required) = required {
        for name in base_required {
            if !required.contains(&name) {
                required.push(name);
            }
        }
    }
}

fn is_object_schema(document: &Value, schema: &Value) -> bool {
    let Some(schema) = resolve(document, schema) else {
        return false;
    };
    match schema.get("type").and_then(Value::as_str) {
        Some(kind) => kind == "object",
        None => {
            schema.get("enum").is_none()
                && (schema.get("properties").is_some() || schema.get("allOf").is_some())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn overriding_all_of_is_flattened() {
        let mut doc = json!({"components": {"schemas": {
            "Base": {"type": "object", "required": ["field", "values"], "properties": {
                "field": {"type": "string"},
                "operation": {"type": "string", "enum": ["SET", "ADD"]},
                "values": {"type": "array", "items": {"type": "string"}}
            }},
            "Derived": {"allOf": [{"$ref": "#/components/schemas/Base"}], "properties": {
                "field": {"type": "string", "enum": ["AGE"]},
                "values": {"type": "array", "items": {"type": "object"}}
            }},
            "Plain": {"allOf": [{"$ref": "#/components/schemas/Base"}], "properties": {
                "extra": {"type": "integer"}
            }}
        }}});

        let changed = all_of_overrides(&mut doc, &mut PassOutput::default());

        let derived = &doc["components"]["schemas"]["Derived"];
        assert_eq!(changed, 1);
        assert!(derived.get("allOf").is_none());
        assert_eq!(derived["properties"]["field"]["enum"], json!(["AGE"]));
        assert_eq!(derived["properties"]["values"]["items"]["type"], "object");
        assert_eq!(
            derived["properties"]["operation"]["enum"],
            json!(["SET", "ADD"])
        );
        assert_eq!(derived["required"], json!(["field", "values"]));
        assert!(
            doc["components"]["schemas"]["Plain"].get("allOf").is_some(),
            "no override, no change"
        );
    }

    #[test]
    fn any_of_with_string_member_becomes_one_of() {
        let mut doc = json!({"components": {"schemas": {
            "Language": {"anyOf": [{"$ref": "#/components/schemas/Code"}, {"type": "string"}]},
            "Code": {"type": "string", "enum": ["EN", "FR"]},
            "Objects": {"anyOf": [{"type": "object"}, {"$ref": "#/components/schemas/Obj"}]},
            "Obj": {"type": "object", "properties": {"a": {"type": "integer"}}}
        }}});

        let changed = any_of_as_one_of(&mut doc, &mut PassOutput::default());

        assert_eq!(changed, 1);
        assert!(doc.pointer("/components/schemas/Language/oneOf").is_some());
        assert!(
            doc.pointer("/components/schemas/Objects/anyOf").is_some(),
            "object-only anyOf stays"
        );
    }
}
