//! Passes about object fields.

use serde_json::Value;

use super::PassOutput;

/// Removes `additionalProperties: false` everywhere, so that generated structs
/// ignore fields they do not know instead of rejecting the whole response.
pub fn allow_unknown_fields(document: &mut Value, _output: &mut PassOutput) -> usize {
    remove_closed_objects(document)
}

fn remove_closed_objects(value: &mut Value) -> usize {
    match value {
        Value::Object(map) => {
            let mut changed = 0;
            if map.get("additionalProperties") == Some(&Value::Bool(false)) {
                map.shift_remove("additionalProperties");
                changed += 1;
            }
            for child in map.values_mut() {
                changed += remove_closed_objects(child);
            }
            changed
        }
        Value::Array(items) => items.iter_mut().map(remove_closed_objects).sum(),
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn closed_objects_become_open() {
        let mut doc = json!({"components": {"schemas": {
            "A": {"type": "object", "additionalProperties": false,
                  "properties": {"b": {"type": "object", "additionalProperties": false}}},
            "M": {"type": "object", "additionalProperties": {"type": "string"}}
        }}});

        let changed = allow_unknown_fields(&mut doc, &mut PassOutput::default());

        assert_eq!(changed, 2);
        assert!(doc.pointer("/components/schemas/A/additionalProperties").is_none());
        assert!(doc
            .pointer("/components/schemas/A/properties/b/additionalProperties")
            .is_none());
        assert_eq!(
            doc.pointer("/components/schemas/M/additionalProperties"),
            Some(&json!({"type": "string"}))
        );
    }
}
