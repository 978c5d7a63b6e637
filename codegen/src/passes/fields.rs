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

/// Removes `format: date-time` from strings whose own example is not an
/// RFC 3339 date-time (such as `2024-01-01T20:20:00`, with no offset).
///
/// The example shows what the API sends; a typed `DateTime<Utc>` would fail
/// to decode it, so such fields stay strings.
pub fn date_time_examples_as_strings(document: &mut Value, _output: &mut PassOutput) -> usize {
    match document {
        Value::Object(map) => {
            let mut changed = 0;
            let is_date_time = map.get("format").and_then(Value::as_str) == Some("date-time");
            let example_invalid = map
                .get("example")
                .is_some_and(|example| !example.as_str().is_some_and(is_rfc3339));
            if is_date_time && example_invalid {
                map.shift_remove("format");
                changed += 1;
            }
            for child in map.values_mut() {
                changed += date_time_examples_as_strings(child, _output);
            }
            changed
        }
        Value::Array(items) => items
            .iter_mut()
            .map(|item| date_time_examples_as_strings(item, _output))
            .sum(),
        _ => 0,
    }
}

/// Whether `text` is an RFC 3339 date-time: `YYYY-MM-DDThh:mm:ss`, optional
/// fraction, then `Z` or an offset.
fn is_rfc3339(text: &str) -> bool {
    let bytes = text.as_bytes();
    let digits = |range: std::ops::Range<usize>| {
        bytes
            .get(range)
            .is_some_and(|b| b.iter().all(u8::is_ascii_digit))
    };
    let shape = bytes.len() >= 20
        && digits(0..4)
        && bytes[4] == b'-'
        && digits(5..7)
        && bytes[7] == b'-'
        && digits(8..10)
        && matches!(bytes[10], b'T' | b't')
        && digits(11..13)
        && bytes[13] == b':'
        && digits(14..16)
        && bytes[16] == b':'
        && digits(17..19);
    if !shape {
        return false;
    }

    let mut rest = &text[19..];
    if let Some(fraction) = rest.strip_prefix('.') {
        let length = fraction.bytes().take_while(u8::is_ascii_digit).count();
        if length == 0 {
            return false;
        }
        rest = &fraction[length..];
    }
    match rest.as_bytes() {
        [b'Z' | b'z'] => true,
        [b'+' | b'-', h1, h2, b':', m1, m2] => [h1, h2, m1, m2].iter().all(|b| b.is_ascii_digit()),
        _ => false,
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
        assert!(doc
            .pointer("/components/schemas/A/additionalProperties")
            .is_none());
        assert!(doc
            .pointer("/components/schemas/A/properties/b/additionalProperties")
            .is_none());
        assert_eq!(
            doc.pointer("/components/schemas/M/additionalProperties"),
            Some(&json!({"type": "string"}))
        );
    }

    #[test]
    fn date_time_without_offset_becomes_string() {
        let mut doc = json!({"components": {"schemas": {"Batch": {"properties": {
            "completed": {"type": "string", "format": "date-time", "example": "2024-01-01T20:20:00"},
            "created": {"type": "string", "format": "date-time", "example": "2020-01-01T20:10:40-00:00"},
            "updated": {"type": "string", "format": "date-time", "example": "2022-03-14T15:16:34.5Z"},
            "plain": {"type": "string", "format": "date-time"}
        }}}}});

        let changed = date_time_examples_as_strings(&mut doc, &mut PassOutput::default());

        let properties = &doc["components"]["schemas"]["Batch"]["properties"];
        assert_eq!(changed, 1);
        assert!(properties["completed"].get("format").is_none());
        assert_eq!(properties["created"]["format"], "date-time");
        assert_eq!(properties["updated"]["format"], "date-time");
        assert_eq!(properties["plain"]["format"], "date-time");
    }
}
