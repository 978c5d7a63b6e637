//! Passes about how query parameters go on the wire.

use serde_json::Value;

use super::walk::{for_each_operation, operation_id, resolve};
use super::PassOutput;

/// How a query parameter is serialized when progenitor's default (one
/// `name=value` pair per array element) is wrong for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueryStyleKind {
    /// `style: deepObject`: an object sent as `name[key]=value` pairs.
    DeepObject,
    /// An array with `explode: false`: one `name=a,b,c` pair.
    CommaJoined,
}

/// A query parameter whose wire format the generator must override.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryStyle {
    /// The operation's `operationId` as the document spells it.
    pub operation_id: String,
    /// The parameter's name on the wire.
    pub parameter: String,
    /// The wire format.
    pub kind: QueryStyleKind,
}

/// Records `deepObject` query parameters and rewrites them to `style: form`,
/// the only object style progenitor accepts. The generator later sends them
/// as `name[key]=value`.
pub fn deep_object_query(document: &mut Value, output: &mut PassOutput) -> usize {
    let found = query_parameters_where(document, |parameter, _| {
        parameter.get("style").and_then(Value::as_str) == Some("deepObject")
    });

    for (pointer, style) in &found {
        if let Some(parameter) = document.pointer_mut(pointer).and_then(Value::as_object_mut) {
            parameter.insert("style".into(), Value::from("form"));
            parameter.insert("explode".into(), Value::from(true));
        }
        output.query_styles.push(QueryStyle {
            kind: QueryStyleKind::DeepObject,
            ..style.clone()
        });
    }
    found.len()
}

/// Records array query parameters declared `explode: false`, which must be
/// sent as one comma-joined value. The document itself is not changed.
pub fn comma_joined_query_arrays(document: &mut Value, output: &mut PassOutput) -> usize {
    let found = query_parameters_where(document, |parameter, document| {
        let not_exploded = parameter.get("explode") == Some(&Value::Bool(false));
        let is_array = parameter
            .get("schema")
            .and_then(|schema| resolve(document, schema))
            .and_then(|schema| schema.get("type"))
            .and_then(Value::as_str)
            == Some("array");
        not_exploded && is_array
    });

    for (_, style) in &found {
        output.query_styles.push(QueryStyle {
            kind: QueryStyleKind::CommaJoined,
            ..style.clone()
        });
    }
    found.len()
}

/// Every query parameter (inline or referenced) for which `matches` holds,
/// as the JSON pointer of the parameter object and a [`QueryStyle`] whose
/// kind the caller sets.
fn query_parameters_where(
    document: &mut Value,
    matches: impl Fn(&Value, &Value) -> bool,
) -> Vec<(String, QueryStyle)> {
    let snapshot = document.clone();
    let mut found = Vec::new();

    for_each_operation(document, |op| {
        let id = operation_id(op.operation);
        let Some(parameters) = op.operation.get("parameters").and_then(Value::as_array) else {
            return;
        };

        for (index, parameter) in parameters.iter().enumerate() {
            let pointer = match parameter.get("$ref").and_then(Value::as_str) {
                Some(target) => target.trim_start_matches('#').to_owned(),
                None => format!(
                    "/paths/{}/{}/parameters/{index}",
                    escape_pointer(op.path),
                    op.method
                ),
            };
            let Some(resolved) = resolve(&snapshot, parameter) else {
                continue;
            };
            let in_query = resolved.get("in").and_then(Value::as_str) == Some("query");
            if !in_query || !matches(resolved, &snapshot) {
                continue;
            }

            let name = resolved
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or_default();
            found.push((
                pointer,
                QueryStyle {
                    operation_id: id.clone(),
                    parameter: name.to_owned(),
                    kind: QueryStyleKind::CommaJoined,
                },
            ));
        }
    });

    found
}

fn escape_pointer(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn document() -> Value {
        json!({
            "paths": {"/r": {"get": {"operationId": "reports/stats", "parameters": [
                {"name": "parameters", "in": "query", "style": "deepObject",
                 "schema": {"type": "object"}},
                {"name": "columns", "in": "query", "explode": false,
                 "schema": {"type": "array", "items": {"type": "string"}}},
                {"name": "one", "in": "query", "explode": false, "schema": {"type": "string"}},
                {"$ref": "#/components/parameters/ids"},
                {"name": "tags", "in": "query", "schema": {"type": "array"}}
            ]}}},
            "components": {"parameters": {"ids": {"name": "ids", "in": "query",
                "explode": false, "schema": {"$ref": "#/components/schemas/Ids"}}},
                "schemas": {"Ids": {"type": "array", "items": {"type": "integer"}}}}
        })
    }

    #[test]
    fn deep_object_recorded_and_made_form() {
        let mut doc = document();
        let mut output = PassOutput::default();

        let changed = deep_object_query(&mut doc, &mut output);

        assert_eq!(changed, 1);
        assert_eq!(doc["paths"]["/r"]["get"]["parameters"][0]["style"], "form");
        assert_eq!(
            output.query_styles,
            vec![QueryStyle {
                operation_id: "reports/stats".into(),
                parameter: "parameters".into(),
                kind: QueryStyleKind::DeepObject,
            }]
        );
    }

    #[test]
    fn unexploded_arrays_recorded_through_refs() {
        let mut doc = document();
        let mut output = PassOutput::default();

        let changed = comma_joined_query_arrays(&mut doc, &mut output);

        let names: Vec<&str> = output
            .query_styles
            .iter()
            .map(|s| s.parameter.as_str())
            .collect();
        assert_eq!(changed, 2);
        assert_eq!(names, ["columns", "ids"]);
        assert!(output
            .query_styles
            .iter()
            .all(|s| s.kind == QueryStyleKind::CommaJoined));
    }
}
