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

fn is_object_schema(document: &Value, schema: &Value) -> bool {
    let Some(schema) = resolve(document, schema) else {
        return false;
    };
    match schema.get("type").and_then(Value::as_str) {
        Some(kind) => kind == "object",
        None => {
            !schema.get("enum").is_some()
                && (schema.get("properties").is_some() || schema.get("allOf").is_some())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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
