//! Passes about operation responses.

use serde_json::{json, Map, Value};

use super::walk::{for_each_operation, ref_name, resolve};
use super::PassOutput;

/// Replaces each `default` response with `4XX` and `5XX` responses of the
/// same shape, unless the operation already declares those ranges.
///
/// Progenitor treats `default` as a possible success, so an operation with
/// `200: T` and `default: Error` would have two success types. As ranges the
/// error bodies still decode into their schema, and a status the document
/// does not mention is reported as an unexpected response.
pub fn default_response_as_errors(document: &mut Value, _output: &mut PassOutput) -> usize {
    let mut changed = 0;

    for_each_operation(document, |op| {
        let Some(responses) = op
            .operation
            .get_mut("responses")
            .and_then(Value::as_object_mut)
        else {
            return;
        };
        let Some(default) = responses.shift_remove("default") else {
            return;
        };

        for range in ["4XX", "5XX"] {
            if !responses.contains_key(range) {
                responses.insert(range.to_owned(), default.clone());
            }
        }
        changed += 1;
    });

    changed
}

/// Gives every error response of an operation one schema when they differ.
///
/// Progenitor supports one error type per operation. Where the document uses
/// several (a detailed 422 beside plain errors, or an `anyOf` error), the
/// error responses all get a new component that is a `oneOf` of the distinct
/// schemas, most specific first, so each body decodes with its detail kept.
pub fn merge_error_responses(document: &mut Value, _output: &mut PassOutput) -> usize {
    let snapshot = document.clone();
    let mut new_components: Vec<(String, Value)> = Vec::new();
    let mut changed = 0;

    for_each_operation(document, |op| {
        let Some(responses) = op
            .operation
            .get_mut("responses")
            .and_then(Value::as_object_mut)
        else {
            return;
        };

        let schemas = distinct_error_schemas(responses);
        if schemas.len() < 2 {
            return;
        }

        let members = union_members(&snapshot, &schemas);
        let name = union_name(&members, &snapshot, &new_components);
        if !new_components.iter().any(|(existing, _)| *existing == name) {
            new_components.push((name.clone(), json!({ "oneOf": members })));
        }

        set_error_schemas(responses, &name);
        changed += 1;
    });

    let schemas = document
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut);
    if let Some(schemas) = schemas {
        for (name, schema) in new_components {
            schemas.insert(name, schema);
        }
    }

    changed
}

/// Removes explicit error statuses (such as `404`) that a `4XX` or `5XX`
/// range of the same operation covers with the same body schema.
///
/// progenitor matches ranges before codes, so such codes are unreachable arms
/// that would only produce compiler warnings; the range decodes them alike.
pub fn collapse_covered_error_codes(document: &mut Value, _output: &mut PassOutput) -> usize {
    let mut changed = 0;

    for_each_operation(document, |op| {
        let Some(responses) = op
            .operation
            .get_mut("responses")
            .and_then(Value::as_object_mut)
        else {
            return;
        };

        let covered: Vec<String> = responses
            .iter()
            .filter(|(status, _)| status.len() == 3 && status.chars().all(|c| c.is_ascii_digit()))
            .filter(|(status, response)| {
                let range = format!("{}XX", &status[..1]);
                responses
                    .get(&range)
                    .is_some_and(|ranged| body_schema(ranged) == body_schema(response))
            })
            .map(|(status, _)| status.clone())
            .collect();

        for status in covered {
            responses.shift_remove(&status);
            changed += 1;
        }
    });

    changed
}

fn body_schema(response: &Value) -> Option<&Value> {
    response
        .get("content")?
        .as_object()?
        .iter()
        .find(|(media_type, _)| media_type.starts_with("application/json"))
        .and_then(|(_, media)| media.get("schema"))
}

fn is_error_status(status: &str) -> bool {
    status.starts_with('4') || status.starts_with('5')
}

fn json_schema_mut(response: &mut Value) -> Option<&mut Value> {
    response
        .get_mut("content")?
        .as_object_mut()?
        .iter_mut()
        .find(|(media_type, _)| media_type.starts_with("application/json"))
        .and_then(|(_, media)| media.get_mut("schema"))
}

fn distinct_error_schemas(responses: &mut Map<String, Value>) -> Vec<Value> {
    let mut distinct: Vec<Value> = Vec::new();
    for (status, response) in responses.iter_mut() {
        if !is_error_status(status) {
            continue;
        }
        if let Some(schema) = json_schema_mut(response) {
            if !distinct.contains(schema) {
                distinct.push(schema.clone());
            }
        }
    }
    distinct
}

/// Flattens `anyOf`/`oneOf` members, removes duplicates and orders the rest
/// by how many required properties they have, most first, so that an
/// untagged decode tries the most specific shape first.
fn union_members(document: &Value, schemas: &[Value]) -> Vec<Value> {
    let mut members: Vec<Value> = Vec::new();
    for schema in schemas {
        let nested = schema
            .get("anyOf")
            .or_else(|| schema.get("oneOf"))
            .and_then(Value::as_array);
        let parts = nested.cloned().unwrap_or_else(|| vec![schema.clone()]);
        for part in parts {
            if !members.contains(&part) {
                members.push(part);
            }
        }
    }

    members.sort_by_key(|member| std::cmp::Reverse(required_count(document, member)));
    members
}

fn required_count(document: &Value, schema: &Value) -> usize {
    resolve(document, schema)
        .and_then(|s| s.get("required"))
        .and_then(Value::as_array)
        .map_or(0, Vec::len)
}

fn union_name(members: &[Value], document: &Value, taken: &[(String, Value)]) -> String {
    let parts: Vec<String> = members
        .iter()
        .enumerate()
        .map(|(index, member)| {
            ref_name(member)
                .map(str::to_owned)
                .unwrap_or_else(|| format!("Inline{index}"))
        })
        .collect();
    let base = parts.join("Or");

    let exists = |name: &str| {
        document
            .pointer(&format!("/components/schemas/{name}"))
            .is_some()
            && !taken.iter().any(|(t, _)| t == name)
    };
    let mut name = base.clone();
    let mut suffix = 2;
    while exists(&name) {
        name = format!("{base}{suffix}");
        suffix += 1;
    }
    name
}

fn set_error_schemas(responses: &mut Map<String, Value>, component: &str) {
    let reference = json!({ "$ref": format!("#/components/schemas/{component}") });
    for (status, response) in responses.iter_mut() {
        if !is_error_status(status) {
            continue;
        }
        if let Some(schema) = json_schema_mut(response) {
            *schema = reference.clone();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error_response(schema: Value) -> Value {
        json!({"description": "e", "content": {"application/json": {"schema": schema}}})
    }

    #[test]
    fn default_becomes_error_ranges() {
        let mut doc = json!({"paths": {"/a": {"get": {"operationId": "a", "responses": {
            "200": {"description": "ok"},
            "5XX": error_response(json!({"type": "string"})),
            "default": error_response(json!({"$ref": "#/components/schemas/Error"}))
        }}}}});

        let changed = default_response_as_errors(&mut doc, &mut PassOutput::default());

        let responses = &doc["paths"]["/a"]["get"]["responses"];
        assert_eq!(changed, 1);
        assert!(responses.get("default").is_none());
        assert_eq!(
            responses["4XX"]["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/Error"
        );
        assert_eq!(
            responses["5XX"]["content"]["application/json"]["schema"]["type"], "string",
            "an explicit range keeps its own schema"
        );
    }

    #[test]
    fn differing_errors_merge_most_specific_first() {
        let mut doc = json!({
            "paths": {"/a": {"post": {"operationId": "a", "responses": {
                "200": {"description": "ok"},
                "400": error_response(json!({"$ref": "#/components/schemas/Error"})),
                "422": error_response(json!({"anyOf": [
                    {"$ref": "#/components/schemas/Error"},
                    {"$ref": "#/components/schemas/DetailedError"}
                ]}))
            }}}},
            "components": {"schemas": {
                "Error": {"type": "object", "required": ["code", "message"]},
                "DetailedError": {"type": "object", "required": ["code", "message", "details"]}
            }}
        });

        let changed = merge_error_responses(&mut doc, &mut PassOutput::default());

        assert_eq!(changed, 1);
        let union = &doc["components"]["schemas"]["DetailedErrorOrError"];
        assert_eq!(
            union["oneOf"][0]["$ref"],
            "#/components/schemas/DetailedError"
        );
        assert_eq!(union["oneOf"][1]["$ref"], "#/components/schemas/Error");
        for status in ["400", "422"] {
            assert_eq!(
                doc["paths"]["/a"]["post"]["responses"][status]["content"]["application/json"]
                    ["schema"]["$ref"],
                "#/components/schemas/DetailedErrorOrError"
            );
        }
    }

    #[test]
    fn covered_codes_collapse_into_range() {
        let mut doc = json!({"paths": {"/a": {"get": {"operationId": "a", "responses": {
            "200": {"description": "ok"},
            "404": error_response(json!({"$ref": "#/components/schemas/Error"})),
            "409": error_response(json!({"type": "string"})),
            "4XX": error_response(json!({"$ref": "#/components/schemas/Error"}))
        }}}}});

        let changed = collapse_covered_error_codes(&mut doc, &mut PassOutput::default());

        let responses = doc["paths"]["/a"]["get"]["responses"].as_object().unwrap();
        let statuses: Vec<&str> = responses.keys().map(String::as_str).collect();
        assert_eq!(changed, 1);
        assert_eq!(statuses, ["200", "409", "4XX"]);
    }

    #[test]
    fn identical_errors_stay() {
        let mut doc = json!({"paths": {"/a": {"get": {"operationId": "a", "responses": {
            "400": error_response(json!({"$ref": "#/components/schemas/Error"})),
            "404": error_response(json!({"$ref": "#/components/schemas/Error"}))
        }}}}});
        let before = doc.clone();

        let changed = merge_error_responses(&mut doc, &mut PassOutput::default());

        assert_eq!(changed, 0);
        assert_eq!(doc, before);
    }
}
