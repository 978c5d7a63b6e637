//! The pass that takes string enums away from typify.
//!
//! typify names enum variants by dropping the characters that cannot appear
//! in an identifier, so `Etc/GMT+1` and `Etc/GMT-1` both become `EtcXGmtX1`
//! and it panics. Its enums also fail to decode a value that upstream adds
//! later. The crate therefore generates every string enum with two or more
//! values itself: variants get distinct identifiers, every value serializes
//! back to its exact string, and an `Unrecognized(String)` variant keeps any
//! value the document does not list. The schema is replaced by an
//! `x-rust-type` reference, which typify uses as is.
//!
//! Single-value enums are owned too, except where they tell the members of a
//! `oneOf` or `anyOf` apart (the discriminator tag, such as `source_type`):
//! typify needs to see those constants to pick the variant, and an open tag
//! would let every variant match.

use std::collections::{BTreeSet, HashMap};

use heck::ToPascalCase;
use serde_json::{json, Map, Value};

use super::walk::{for_each_operation, operation_id, type_name};
use super::PassOutput;

/// Name of the catch-all variant that carries values the document does not list.
pub const UNRECOGNIZED: &str = "Unrecognized";

/// A string enum that the crate generates itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnedEnum {
    /// Rust type name, unique in the `types` module.
    pub name: String,
    /// The schema's description, used as rustdoc.
    pub description: Option<String>,
    /// Known values in document order.
    pub variants: Vec<OwnedVariant>,
}

/// One known value of an [`OwnedEnum`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnedVariant {
    /// Rust variant identifier.
    pub ident: String,
    /// The exact string on the wire.
    pub value: String,
}

/// Key that marks a single-value enum schema as the tag that tells the
/// members of a `oneOf` or `anyOf` apart. [`owned_string_enums`] adds it
/// while it runs and removes it afterwards; the sampler reads it to leave
/// tags out of the forward-compatibility mutations.
pub const VARIANT_TAG_MARKER: &str = "x-pinterest-v5-variant-tag";

/// Replaces string enum schemas with references to crate-generated enums.
pub fn owned_string_enums(document: &mut Value, output: &mut PassOutput) -> usize {
    mark_variant_tags(document);
    let mut registry = Registry::new(document);

    visit_components(document, &mut registry);
    visit_parameters_and_bodies(document, &mut registry);
    remove_key_everywhere(document, VARIANT_TAG_MARKER);

    let replaced = registry.replaced;
    output.owned_enums.extend(registry.enums);
    output.component_enums.extend(registry.component_roots);
    replaced
}

struct Registry {
    /// Rust names of component schemas; an inline enum never takes one of them.
    components: BTreeSet<String>,
    enums: Vec<OwnedEnum>,
    by_name: HashMap<String, usize>,
    /// Component schemas that are themselves owned enums, by Rust name.
    component_roots: Vec<String>,
    replaced: usize,
}

impl Registry {
    fn new(document: &Value) -> Self {
        let components = document
            .pointer("/components/schemas")
            .and_then(Value::as_object)
            .map(|schemas| schemas.keys().map(|name| type_name(&[name])).collect())
            .unwrap_or_default();

        Registry {
            components,
            enums: Vec::new(),
            by_name: HashMap::new(),
            component_roots: Vec::new(),
            replaced: 0,
        }
    }

    /// Registers an enum under `base` (or a numbered variant of it when that
    /// name holds other values) and returns the name to reference.
    fn register(
        &mut self,
        base: &str,
        is_component: bool,
        values: &[String],
        description: Option<String>,
    ) -> String {
        let mut candidate = base.to_owned();
        let mut suffix = 2;

        loop {
            if let Some(&index) = self.by_name.get(&candidate) {
                let existing: Vec<&str> = self.enums[index]
                    .variants
                    .iter()
                    .map(|v| v.value.as_str())
                    .collect();
                if existing == values {
                    return candidate;
                }
            } else if is_component || !self.components.contains(&candidate) {
                break;
            }
            candidate = format!("{base}{suffix}");
            suffix += 1;
        }

        let variants = variant_identifiers(values)
            .into_iter()
            .zip(values)
            .map(|(ident, value)| OwnedVariant {
                ident,
                value: value.clone(),
            })
            .collect();

        self.by_name.insert(candidate.clone(), self.enums.len());
        self.enums.push(OwnedEnum {
            name: candidate.clone(),
            description,
            variants,
        });
        candidate
    }
}

fn visit_components(document: &mut Value, registry: &mut Registry) {
    let Some(schemas) = document
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    else {
        return;
    };

    let mut nullable_roots = Vec::new();
    for (name, schema) in schemas.iter_mut() {
        let rust_name = type_name(&[name]);
        let root_is_nullable_enum = schema
            .as_object()
            .is_some_and(|map| string_enum_values(map).is_some() && is_nullable(map));

        visit_schema(schema, &rust_name, true, registry);

        // The component's own type is the enum itself; where it is nullable,
        // the references carry the nullability instead (see below).
        if root_is_nullable_enum {
            *schema = unwrap_nullable(schema.take());
            nullable_roots.push(format!("#/components/schemas/{name}"));
        }
        if registry.by_name.contains_key(&rust_name) {
            registry.component_roots.push(rust_name);
        }
    }

    wrap_nullable_references(document, &nullable_roots);
}

fn unwrap_nullable(schema: Value) -> Value {
    let mut schema = schema;
    let inner = schema
        .get_mut("oneOf")
        .and_then(Value::as_array_mut)
        .and_then(|members| members.pop());
    let Some(mut inner) = inner else {
        return schema;
    };
    if let (Some(target), Some(outer)) = (inner.as_object_mut(), schema.as_object()) {
        for key in ["description", "default"] {
            if let Some(value) = outer.get(key) {
                target.insert(key.to_owned(), value.clone());
            }
        }
    }
    inner
}

/// Rewrites every `$ref` to one of `targets` as a nullable `allOf` around the
/// reference, so that a nullable enum component stays nullable where used.
fn wrap_nullable_references(value: &mut Value, targets: &[String]) {
    match value {
        Value::Object(map) => {
            let is_target = map
                .get("$ref")
                .and_then(Value::as_str)
                .is_some_and(|target| targets.iter().any(|t| t == target));
            if is_target {
                let reference = Value::Object(std::mem::take(map));
                *value = json!({ "nullable": true, "allOf": [reference] });
                return;
            }
            for child in map.values_mut() {
                wrap_nullable_references(child, targets);
            }
        }
        Value::Array(items) => {
            for item in items {
                wrap_nullable_references(item, targets);
            }
        }
        _ => {}
    }
}

fn visit_parameters_and_bodies(document: &mut Value, registry: &mut Registry) {
    if let Some(parameters) = document
        .pointer_mut("/components/parameters")
        .and_then(Value::as_object_mut)
    {
        for (name, parameter) in parameters.iter_mut() {
            if let Some(schema) = parameter.get_mut("schema") {
                visit_schema(schema, &type_name(&[name]), false, registry);
            }
        }
    }

    for_each_operation(document, |op| {
        let base = type_name(&[&operation_id(op.operation)]);
        visit_operation(op.operation, &base, registry);
    });
}

fn visit_operation(operation: &mut Map<String, Value>, base: &str, registry: &mut Registry) {
    if let Some(parameters) = operation
        .get_mut("parameters")
        .and_then(Value::as_array_mut)
    {
        for parameter in parameters {
            let name = parameter
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
            if let Some(schema) = parameter.get_mut("schema") {
                visit_schema(
                    schema,
                    &format!("{base}{}", type_name(&[&name])),
                    false,
                    registry,
                );
            }
        }
    }

    if let Some(content) = operation
        .get_mut("requestBody")
        .and_then(|body| body.get_mut("content"))
        .and_then(Value::as_object_mut)
    {
        for media in content.values_mut() {
            if let Some(schema) = media.get_mut("schema") {
                visit_schema(schema, &format!("{base}Body"), false, registry);
            }
        }
    }

    if let Some(responses) = operation
        .get_mut("responses")
        .and_then(Value::as_object_mut)
    {
        for response in responses.values_mut() {
            let Some(content) = response.get_mut("content").and_then(Value::as_object_mut) else {
                continue;
            };
            for media in content.values_mut() {
                if let Some(schema) = media.get_mut("schema") {
                    visit_schema(schema, &format!("{base}Response"), false, registry);
                }
            }
        }
    }
}

/// Visits one schema. `name` is the Rust name a type at this place gets;
/// `is_component` marks the root of a component schema, whose enum keeps the
/// component's own name.
fn visit_schema(schema: &mut Value, name: &str, is_component: bool, registry: &mut Registry) {
    let Some(map) = schema.as_object_mut() else {
        return;
    };
    if map.contains_key("$ref") {
        return;
    }

    merge_enum_alternatives(map);

    if map.contains_key(VARIANT_TAG_MARKER) {
        return;
    }
    if let Some(values) = string_enum_values(map) {
        let nullable = is_nullable(map);
        let description = map
            .get("description")
            .and_then(Value::as_str)
            .map(str::to_owned);
        let type_name = registry.register(name, is_component, &values, description);
        *schema = reference_schema(map, &type_name, nullable);
        registry.replaced += 1;
        return;
    }

    visit_children(map, name, registry);
}

fn visit_children(map: &mut Map<String, Value>, name: &str, registry: &mut Registry) {
    if let Some(properties) = map.get_mut("properties").and_then(Value::as_object_mut) {
        for (property, child) in properties.iter_mut() {
            visit_schema(
                child,
                &format!("{name}{}", type_name(&[property])),
                false,
                registry,
            );
        }
    }

    if let Some(items) = map.get_mut("items") {
        visit_schema(items, &format!("{name}Item"), false, registry);
    }

    if let Some(additional) = map.get_mut("additionalProperties") {
        visit_schema(additional, &format!("{name}Value"), false, registry);
    }

    // typify names the combined type itself `name`, so members that become
    // owned enums take a distinct, position-based name.
    for key in ["allOf", "oneOf", "anyOf"] {
        if let Some(members) = map.get_mut(key).and_then(Value::as_array_mut) {
            for (index, member) in members.iter_mut().enumerate() {
                visit_schema(member, &format!("{name}Variant{index}"), false, registry);
            }
        }
    }
}

/// Turns a `oneOf` or `anyOf` whose members are all inline string enums into
/// one string enum with the union of their values. A value that is in one
/// list is valid for the whole schema; as separate variants, values that two
/// lists share would match both and fail `oneOf` decoding.
fn merge_enum_alternatives(map: &mut Map<String, Value>) {
    for key in ["oneOf", "anyOf"] {
        let Some(members) = map.get(key).and_then(Value::as_array) else {
            continue;
        };
        let lists: Option<Vec<Vec<String>>> = members
            .iter()
            .map(|member| member.as_object().and_then(string_enum_values))
            .collect();
        let Some(lists) = lists else {
            continue;
        };

        let mut union: Vec<String> = Vec::new();
        for value in lists.into_iter().flatten() {
            if !union.contains(&value) {
                union.push(value);
            }
        }
        map.shift_remove(key);
        map.insert("type".into(), Value::from("string"));
        map.insert("enum".into(), Value::from(union));
    }
}

/// The distinct string values of an enum schema of type string (or
/// untyped); `None` for any other schema.
fn string_enum_values(map: &Map<String, Value>) -> Option<Vec<String>> {
    let values = map.get("enum")?.as_array()?;
    let typed_string = match map.get("type") {
        None => true,
        Some(kind) => kind == "string",
    };
    if !typed_string || !values.iter().all(|v| v.is_string() || v.is_null()) {
        return None;
    }

    let mut strings: Vec<String> = Vec::new();
    for value in values.iter().filter_map(Value::as_str) {
        if !strings.iter().any(|s| s == value) {
            strings.push(value.to_owned());
        }
    }
    (!strings.is_empty()).then_some(strings)
}

/// Marks every single-value enum that tells `oneOf` or `anyOf` members apart
/// with [`VARIANT_TAG_MARKER`]. Returns how many schemas it marked.
pub fn mark_variant_tags(document: &mut Value) -> usize {
    let mut members = Vec::new();
    collect_union_members(document, "", &mut members);

    let mut tags = BTreeSet::new();
    for member in members {
        collect_tags(document, &member, 0, &mut tags);
    }

    for pointer in &tags {
        if let Some(Value::Object(map)) = document.pointer_mut(pointer) {
            map.insert(VARIANT_TAG_MARKER.to_owned(), Value::Bool(true));
        }
    }
    tags.len()
}

/// JSON pointers of the (resolved) members of every `oneOf` and `anyOf`.
fn collect_union_members(value: &Value, path: &str, members: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for key in ["oneOf", "anyOf"] {
                let Some(list) = map.get(key).and_then(Value::as_array) else {
                    continue;
                };
                for (index, member) in list.iter().enumerate() {
                    members.push(target_pointer(member, &format!("{path}/{key}/{index}")));
                }
            }
            for (key, child) in map {
                let child_path = format!("{path}/{}", key.replace('~', "~0").replace('/', "~1"));
                collect_union_members(child, &child_path, members);
            }
        }
        Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                collect_union_members(item, &format!("{path}/{index}"), members);
            }
        }
        _ => {}
    }
}

/// The pointer a schema at `path` stands for: its `$ref` target, or itself.
fn target_pointer(schema: &Value, path: &str) -> String {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(target) => target.trim_start_matches('#').to_owned(),
        None => path.to_owned(),
    }
}

/// Adds the single-value enum properties of the schema at `pointer` (and of
/// its `allOf` members) to `tags`.
fn collect_tags(document: &Value, pointer: &str, level: usize, tags: &mut BTreeSet<String>) {
    let Some(schema) = document.pointer(pointer) else {
        return;
    };
    if level > 8 {
        return;
    }

    if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
        for (name, property) in properties {
            let property_path = format!(
                "{pointer}/properties/{}",
                name.replace('~', "~0").replace('/', "~1")
            );
            let target = target_pointer(property, &property_path);
            let is_constant = document
                .pointer(&target)
                .and_then(Value::as_object)
                .and_then(string_enum_values)
                .is_some_and(|values| values.len() == 1);
            if is_constant {
                tags.insert(target);
            }
        }
    }

    if let Some(members) = schema.get("allOf").and_then(Value::as_array) {
        for (index, member) in members.iter().enumerate() {
            let member_pointer = target_pointer(member, &format!("{pointer}/allOf/{index}"));
            collect_tags(document, &member_pointer, level + 1, tags);
        }
    }
}

fn remove_key_everywhere(value: &mut Value, key: &str) {
    match value {
        Value::Object(map) => {
            map.shift_remove(key);
            for child in map.values_mut() {
                remove_key_everywhere(child, key);
            }
        }
        Value::Array(items) => {
            for item in items {
                remove_key_everywhere(item, key);
            }
        }
        _ => {}
    }
}

fn is_nullable(map: &Map<String, Value>) -> bool {
    let flagged = map.get("nullable") == Some(&Value::Bool(true));
    let lists_null = map
        .get("enum")
        .and_then(Value::as_array)
        .is_some_and(|values| values.iter().any(Value::is_null));
    flagged || lists_null
}

/// The schema that replaces an enum: an `x-rust-type` reference to the
/// crate's own type, wrapped so that typify makes it an `Option` when the
/// enum is nullable. Description and default stay.
fn reference_schema(original: &Map<String, Value>, type_name: &str, nullable: bool) -> Value {
    let extension = json!({
        "crate": "pinterest-v5",
        "version": "*",
        "path": format!("pinterest_v5::types::{type_name}"),
    });
    let mut reference = json!({ "type": "string", "x-rust-type": extension });

    if nullable {
        reference = json!({ "nullable": true, "oneOf": [reference] });
    }

    let target = reference.as_object_mut().expect("built as an object");
    for key in ["description", "default"] {
        if let Some(value) = original.get(key).filter(|v| !v.is_null()) {
            target.insert(key.to_owned(), value.clone());
        }
    }
    reference
}

/// Distinct Rust identifiers for enum values.
///
/// Values first get the plain PascalCase form (`in_progress` to `InProgress`).
/// Values that then share an identifier spell their symbols out (`+` as
/// `Plus`, `-` as `Minus`), and any that still share one get a number.
pub fn variant_identifiers(values: &[String]) -> Vec<String> {
    let mut idents: Vec<String> = values.iter().map(|v| plain_identifier(v)).collect();

    let clashing = clashing_indexes(&idents);
    for &index in &clashing {
        idents[index] = spelled_identifier(&values[index]);
    }

    number_remaining_clashes(&mut idents);
    idents
}

fn plain_identifier(value: &str) -> String {
    let words: String = value
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    finish_identifier(words.to_pascal_case())
}

fn spelled_identifier(value: &str) -> String {
    let mut words = String::new();
    for c in value.chars() {
        match symbol_word(c) {
            Some(word) => {
                words.push('_');
                words.push_str(word);
                words.push('_');
            }
            None if c.is_ascii_alphanumeric() => words.push(c),
            None if c == '_' || c == ' ' => words.push('_'),
            None => words.push_str(&format!("_u{:04x}_", c as u32)),
        }
    }
    finish_identifier(words.to_pascal_case())
}

fn symbol_word(c: char) -> Option<&'static str> {
    let word = match c {
        '+' => "plus",
        '-' => "minus",
        '.' => "dot",
        '/' => "slash",
        ':' => "colon",
        '&' => "and",
        '@' => "at",
        '%' => "percent",
        '#' => "hash",
        '*' => "star",
        '=' => "equals",
        ',' => "comma",
        '(' | ')' => "paren",
        _ => return None,
    };
    Some(word)
}

fn finish_identifier(ident: String) -> String {
    let ident = match ident.chars().next() {
        None => "Empty".to_owned(),
        Some(first) if first.is_ascii_digit() => format!("V{ident}"),
        Some(_) => ident,
    };
    match ident.as_str() {
        UNRECOGNIZED | "Self" => format!("{ident}Value"),
        _ => ident,
    }
}

fn clashing_indexes(idents: &[String]) -> Vec<usize> {
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for ident in idents {
        *counts.entry(ident.as_str()).or_default() += 1;
    }
    (0..idents.len())
        .filter(|&i| counts[idents[i].as_str()] > 1)
        .collect()
}

fn number_remaining_clashes(idents: &mut [String]) {
    let mut seen: BTreeSet<String> = BTreeSet::new();
    for ident in idents.iter_mut() {
        let base = ident.clone();
        let mut suffix = 2;
        while seen.contains(ident.as_str()) {
            *ident = format!("{base}{suffix}");
            suffix += 1;
        }
        seen.insert(ident.clone());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(values: &[&str]) -> Vec<String> {
        values.iter().map(|v| v.to_string()).collect()
    }

    #[test]
    fn identifiers_plain_when_distinct() {
        let idents =
            variant_identifiers(&strings(&["IN_PROGRESS", "done", "America/New_York", "3D"]));

        assert_eq!(idents, ["InProgress", "Done", "AmericaNewYork", "V3d"]);
    }

    #[test]
    fn identifiers_spell_symbols_on_clash() {
        let idents = variant_identifiers(&strings(&["Etc/GMT+1", "Etc/GMT-1", "Etc/GMT"]));

        assert_eq!(idents, ["EtcSlashGmtPlus1", "EtcSlashGmtMinus1", "EtcGmt"]);
    }

    #[test]
    fn identifiers_numbered_as_last_resort() {
        let idents = variant_identifiers(&strings(&["a_b", "a b", "Unrecognized"]));

        assert_eq!(idents, ["AB", "AB2", "UnrecognizedValue"]);
    }

    #[test]
    fn pass_replaces_inline_and_component_enums() {
        let mut doc = json!({
            "components": {"schemas": {
                "Zone": {"type": "string", "enum": ["Etc/GMT+1", "Etc/GMT-1"]},
                "Line": {"type": "object", "properties": {
                    "paid": {"type": "string", "nullable": true, "enum": ["PAID", "BONUS", null],
                             "description": "How the line is paid."},
                    "kind": {"type": "string", "enum": ["ONLY"]},
                    "tags": {"type": "array", "items": {"enum": ["A", "B"]}}
                }}
            }},
            "paths": {}
        });
        let mut output = PassOutput::default();

        let changed = owned_string_enums(&mut doc, &mut output);

        assert_eq!(changed, 4);
        let names: Vec<&str> = output.owned_enums.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["Zone", "LinePaid", "LineKind", "LineTagsItem"]);
        assert_eq!(
            doc.pointer("/components/schemas/Zone/x-rust-type/path"),
            Some(&json!("pinterest_v5::types::Zone"))
        );
        let paid = &doc["components"]["schemas"]["Line"]["properties"]["paid"];
        assert_eq!(paid["nullable"], true);
        assert_eq!(
            paid["oneOf"][0]["x-rust-type"]["path"],
            "pinterest_v5::types::LinePaid"
        );
        assert_eq!(paid["description"], "How the line is paid.");
        assert_eq!(
            doc["components"]["schemas"]["Line"]["properties"]["kind"]["x-rust-type"]["path"],
            "pinterest_v5::types::LineKind",
            "a single-value enum that is no variant tag is open too"
        );
    }

    #[test]
    fn variant_tags_stay_closed() {
        let mut doc = json!({"components": {"schemas": {
            "Source": {"oneOf": [
                {"$ref": "#/components/schemas/ByUrl"},
                {"type": "object", "properties": {"source_type": {"type": "string", "enum": ["inline"]}}}
            ]},
            "ByUrl": {"allOf": [{"$ref": "#/components/schemas/Base"}],
                      "properties": {"source_type": {"type": "string", "enum": ["url"]}}},
            "Base": {"type": "object", "properties": {"kind": {"$ref": "#/components/schemas/Kind"}}},
            "Kind": {"type": "string", "enum": ["ONLY"]}
        }}});
        let mut output = PassOutput::default();

        let changed = owned_string_enums(&mut doc, &mut output);

        let schemas = &doc["components"]["schemas"];
        assert_eq!(changed, 0, "{:?}", output.owned_enums);
        assert_eq!(
            schemas["ByUrl"]["properties"]["source_type"]["enum"],
            json!(["url"])
        );
        assert_eq!(
            schemas["Source"]["oneOf"][1]["properties"]["source_type"]["enum"],
            json!(["inline"])
        );
        assert_eq!(
            schemas["Kind"]["enum"],
            json!(["ONLY"]),
            "a tag reached through allOf and $ref"
        );
        assert!(
            !doc.to_string().contains(VARIANT_TAG_MARKER),
            "markers are removed"
        );
    }

    #[test]
    fn enum_alternatives_merge_into_one() {
        let mut doc = json!({"components": {"schemas": {"M": {"type": "array", "items": {"oneOf": [
            {"type": "string", "enum": ["IMPRESSION", "SAVE"]},
            {"type": "string", "enum": ["SAVE", "VIDEO_START"]}
        ]}}}}});
        let mut output = PassOutput::default();

        let changed = owned_string_enums(&mut doc, &mut output);

        let values: Vec<&str> = output.owned_enums[0]
            .variants
            .iter()
            .map(|v| v.value.as_str())
            .collect();
        assert_eq!(changed, 1);
        assert_eq!(values, ["IMPRESSION", "SAVE", "VIDEO_START"]);
        assert!(doc.pointer("/components/schemas/M/items/oneOf").is_none());
    }

    #[test]
    fn inline_enum_avoids_component_name() {
        let mut doc = json!({"components": {"schemas": {
            "Label": {"type": "object", "properties": {"parent_type": {"type": "string", "enum": ["A", "B"]}}},
            "LabelParentType": {"type": "object"}
        }}});
        let mut output = PassOutput::default();

        owned_string_enums(&mut doc, &mut output);

        assert_eq!(output.owned_enums[0].name, "LabelParentType2");
    }

    #[test]
    fn enum_members_of_mixed_one_of_get_own_names() {
        let mut doc = json!({"components": {"schemas": {
            "A": {"type": "object", "properties": {"s": {"oneOf": [
                {"type": "string", "enum": ["X", "Y"]},
                {"type": "object", "properties": {"n": {"type": "integer"}}},
                {"type": "string", "enum": ["Z", "W"]}
            ]}}}
        }}});
        let mut output = PassOutput::default();

        let changed = owned_string_enums(&mut doc, &mut output);

        let names: Vec<&str> = output.owned_enums.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(changed, 2);
        assert_eq!(names, ["ASVariant0", "ASVariant2"]);
    }
}
