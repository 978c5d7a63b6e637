//! The pass that keeps typify's inline type names from clashing with
//! component names.
//!
//! typify names an inline property type after its parent and the property,
//! so property `parent_type` of component `Label` becomes `LabelParentType`.
//! When a component already has that name, both types are emitted and the
//! code does not compile.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use super::walk::type_name;
use super::PassOutput;

/// Keys that document a schema without changing what it accepts.
const ANNOTATIONS: &[&str] = &[
    "description",
    "example",
    "title",
    "readOnly",
    "writeOnly",
    "deprecated",
    "externalDocs",
];

/// Replaces an inline property schema whose generated name is a component's
/// name with a reference to that component when the two accept the same
/// values, and otherwise moves it into a component of its own under a free
/// name.
pub fn inline_component_collisions(document: &mut Value, _output: &mut PassOutput) -> usize {
    let Some(schemas) = document
        .pointer("/components/schemas")
        .and_then(Value::as_object)
    else {
        return 0;
    };
    let by_rust_name: BTreeMap<String, (String, Value)> = schemas
        .iter()
        .map(|(name, schema)| (type_name(&[name]), (name.clone(), schema.clone())))
        .collect();

    let mut hoisted: Vec<(String, Value)> = Vec::new();
    let mut changed = 0;
    let names: Vec<String> = schemas.keys().cloned().collect();
    for name in names {
        let pointer = format!(
            "/components/schemas/{}",
            name.replace('~', "~0").replace('/', "~1")
        );
        if let Some(schema) = document.pointer_mut(&pointer) {
            let mut context = Context {
                components: &by_rust_name,
                hoisted: &mut hoisted,
                changed: &mut changed,
            };
            visit_properties(schema, &type_name(&[&name]), &mut context);
        }
    }

    if let Some(schemas) = document
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    {
        schemas.extend(hoisted);
    }
    changed
}

struct Context<'a> {
    components: &'a BTreeMap<String, (String, Value)>,
    hoisted: &'a mut Vec<(String, Value)>,
    changed: &'a mut usize,
}

fn visit_properties(schema: &mut Value, parent: &str, context: &mut Context<'_>) {
    let Some(properties) = schema.get_mut("properties").and_then(Value::as_object_mut) else {
        return;
    };

    for (property, child) in properties.iter_mut() {
        let name = format!("{parent}{}", type_name(&[property]));
        if !makes_type(child) {
            continue;
        }
        if let Some((component, component_schema)) = context.components.get(&name) {
            *child = resolve_clash(child, component, component_schema, &name, context);
            *context.changed += 1;
            continue;
        }
        visit_properties(child, &name, context);
    }
}

/// Whether typify emits a named type for an inline schema.
fn makes_type(schema: &Value) -> bool {
    let Some(map) = schema.as_object() else {
        return false;
    };
    !map.contains_key("$ref")
        && ["enum", "properties", "oneOf", "anyOf"]
            .iter()
            .any(|key| map.contains_key(*key))
}

fn resolve_clash(
    inline: &Value,
    component: &str,
    component_schema: &Value,
    name: &str,
    context: &mut Context<'_>,
) -> Value {
    if without_annotations(inline) == without_annotations(component_schema) {
        return json!({ "$ref": format!("#/components/schemas/{component}") });
    }

    let free_name = free_component_name(name, context);
    context.hoisted.push((free_name.clone(), inline.clone()));
    json!({ "$ref": format!("#/components/schemas/{free_name}") })
}

fn free_component_name(name: &str, context: &Context<'_>) -> String {
    let taken = |candidate: &str| {
        context.components.contains_key(candidate)
            || context.hoisted.iter().any(|(n, _)| n == candidate)
    };
    let mut candidate = format!("{name}Inline");
    let mut suffix = 2;
    while taken(&candidate) {
        candidate = format!("{name}Inline{suffix}");
        suffix += 1;
    }
    candidate
}

fn without_annotations(schema: &Value) -> Value {
    match schema {
        Value::Object(map) => {
            let kept: Map<String, Value> = map
                .iter()
                .filter(|(key, _)| !ANNOTATIONS.contains(&key.as_str()))
                .map(|(key, value)| (key.clone(), without_annotations(value)))
                .collect();
            Value::Object(kept)
        }
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_inline_becomes_reference() {
        let mut doc = json!({"components": {"schemas": {
            "Label": {"type": "object", "properties": {
                "parent_type": {"type": "string", "enum": ["CAMPAIGN"], "description": "inline"}
            }},
            "LabelParentType": {"type": "string", "enum": ["CAMPAIGN"], "description": "component"}
        }}});

        let changed = inline_component_collisions(&mut doc, &mut PassOutput::default());

        assert_eq!(changed, 1);
        assert_eq!(
            doc["components"]["schemas"]["Label"]["properties"]["parent_type"],
            json!({"$ref": "#/components/schemas/LabelParentType"})
        );
    }

    #[test]
    fn different_inline_moves_to_free_name() {
        let mut doc = json!({"components": {"schemas": {
            "Label": {"type": "object", "properties": {
                "parent_type": {"type": "string", "enum": ["AD_GROUP"]}
            }},
            "LabelParentType": {"type": "string", "enum": ["CAMPAIGN"]}
        }}});

        let changed = inline_component_collisions(&mut doc, &mut PassOutput::default());

        assert_eq!(changed, 1);
        assert_eq!(
            doc["components"]["schemas"]["Label"]["properties"]["parent_type"]["$ref"],
            "#/components/schemas/LabelParentTypeInline"
        );
        assert_eq!(
            doc["components"]["schemas"]["LabelParentTypeInline"]["enum"],
            json!(["AD_GROUP"])
        );
    }

    #[test]
    fn plain_scalars_are_left_alone() {
        let mut doc = json!({"components": {"schemas": {
            "Label": {"type": "object", "properties": {"name": {"type": "string"}}},
            "LabelName": {"type": "string"}
        }}});
        let before = doc.clone();

        let changed = inline_component_collisions(&mut doc, &mut PassOutput::default());

        assert_eq!(changed, 0);
        assert_eq!(doc, before);
    }
}
