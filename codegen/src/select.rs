//! Keeping only the selected operations and the components they reach.
//!
//! Selection runs on the normalized document, after every pass has named
//! its schemas and enums, so a type has the same name whatever the
//! selection: pruning only removes components, it never renames one.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::areas::AREAS;
use crate::inventory::OperationFacts;
use crate::passes::walk::{operation_id, METHODS};
use crate::Normalized;

/// Component schemas generated whatever the selection, because hand-written
/// code names them: `src/auth/error.rs` reads Pinterest's error code from
/// these error bodies.
pub const ALWAYS_GENERATED: &[&str] = &["Error", "Pinterest.Lib.Error", "DetailedErrorOrError"];

/// The sections of `components` whose entries `$ref`s point at.
const COMPONENT_SECTIONS: &[&str] = &[
    "schemas",
    "parameters",
    "responses",
    "requestBodies",
    "headers",
];

/// The components and owned enums a set of operations needs.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Reach {
    /// JSON pointers of the components reached, for example
    /// `/components/schemas/Board`.
    pub components: BTreeSet<String>,
    /// Names of the crate-owned enums reached.
    pub owned_enums: BTreeSet<String>,
}

impl Reach {
    /// Counts the component schemas reached.
    pub fn schema_count(&self) -> usize {
        self.components
            .iter()
            .filter(|pointer| pointer.starts_with("/components/schemas/"))
            .count()
    }
}

/// How much of the document one area generates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AreaSize {
    /// The area's cargo feature, or `full`.
    pub feature: &'static str,
    /// Whether the area is in the default feature set.
    pub default: bool,
    /// Operations in the area.
    pub operations: usize,
    /// Component schemas the operations reach, with [`ALWAYS_GENERATED`].
    pub schemas: usize,
    /// Crate-owned enums the operations reach.
    pub owned_enums: usize,
}

/// Finds the components and owned enums that the operations with the given
/// `operationId`s reach, following `$ref`s and discriminator mappings
/// transitively, plus [`ALWAYS_GENERATED`].
pub fn reach(document: &Value, operation_ids: &BTreeSet<String>) -> Reach {
    let mut walker = Walker {
        document,
        reach: Reach::default(),
        pending: Vec::new(),
    };

    for name in ALWAYS_GENERATED {
        walker.follow(&format!("/components/schemas/{}", escape_pointer(name)));
    }

    let paths = document.get("paths").and_then(Value::as_object);
    for item in paths.into_iter().flat_map(|paths| paths.values()) {
        let selected: Vec<&Value> = METHODS
            .iter()
            .filter_map(|method| item.get(*method))
            .filter(|op| {
                op.as_object()
                    .is_some_and(|op| operation_ids.contains(&operation_id(op)))
            })
            .collect();
        if selected.is_empty() {
            continue;
        }
        if let Some(shared) = item.get("parameters") {
            walker.pending.push(shared);
        }
        walker.pending.extend(selected);
    }

    walker.run();
    walker.reach
}

/// Copies `normalized`, keeping only the operations in `operation_ids` and
/// the components and owned enums they reach.
pub fn prune(normalized: &Normalized, operation_ids: &BTreeSet<String>) -> Normalized {
    let mut selected = normalized.clone();
    remove_operations(&mut selected.document, operation_ids);

    let reached = reach(&selected.document, operation_ids);
    remove_components(&mut selected.document, &reached);

    let output = &mut selected.output;
    output
        .owned_enums
        .retain(|owned| reached.owned_enums.contains(&owned.name));
    output
        .component_enums
        .retain(|name| reached.owned_enums.contains(name));
    output
        .query_styles
        .retain(|style| operation_ids.contains(&style.operation_id));
    selected
}

/// Measures each area alone and `full` on the normalized document.
/// `facts` lists every operation of the document.
pub fn area_sizes(normalized: &Normalized, facts: &[OperationFacts]) -> Vec<AreaSize> {
    let size = |feature, default, ids: BTreeSet<String>| {
        let reached = reach(&normalized.document, &ids);
        AreaSize {
            feature,
            default,
            operations: ids.len(),
            schemas: reached.schema_count(),
            owned_enums: reached.owned_enums.len(),
        }
    };

    let mut sizes: Vec<AreaSize> = AREAS
        .iter()
        .map(|area| {
            let ids = facts
                .iter()
                .filter(|fact| {
                    fact.tags
                        .iter()
                        .any(|tag| area.tags.contains(&tag.as_str()))
                })
                .map(|fact| fact.operation_id.clone())
                .collect();
            size(area.feature, area.default, ids)
        })
        .collect();

    let all = facts.iter().map(|fact| fact.operation_id.clone()).collect();
    sizes.push(size(crate::areas::FULL_FEATURE, false, all));
    sizes
}

struct Walker<'a> {
    document: &'a Value,
    reach: Reach,
    pending: Vec<&'a Value>,
}

impl<'a> Walker<'a> {
    /// Queues the component at `pointer` unless it was reached before.
    fn follow(&mut self, pointer: &str) {
        if !pointer.starts_with("/components/") || self.reach.components.contains(pointer) {
            return;
        }
        if let Some(target) = self.document.pointer(pointer) {
            self.reach.components.insert(pointer.to_owned());
            self.pending.push(target);
        }
    }

    fn run(&mut self) {
        while let Some(value) = self.pending.pop() {
            match value {
                Value::Object(map) => {
                    for (key, child) in map {
                        self.visit_entry(key, child);
                    }
                }
                Value::Array(items) => self.pending.extend(items),
                _ => {}
            }
        }
    }

    fn visit_entry(&mut self, key: &str, child: &'a Value) {
        match (key, child) {
            ("$ref", Value::String(target)) => {
                if let Some(pointer) = target.strip_prefix('#') {
                    self.follow(pointer);
                }
            }
            ("x-rust-type", _) => {
                let name = child
                    .get("path")
                    .and_then(Value::as_str)
                    .and_then(|path| path.rsplit("::").next());
                if let Some(name) = name {
                    self.reach.owned_enums.insert(name.to_owned());
                }
            }
            ("discriminator", _) => {
                let mapping = child.get("mapping").and_then(Value::as_object);
                for target in mapping.into_iter().flat_map(|m| m.values()) {
                    if let Some(pointer) = target.as_str().and_then(|t| t.strip_prefix('#')) {
                        self.follow(pointer);
                    }
                }
            }
            _ => self.pending.push(child),
        }
    }
}

/// Removes every operation not in `operation_ids`, and path items left with
/// no operation.
fn remove_operations(document: &mut Value, operation_ids: &BTreeSet<String>) {
    let Some(paths) = document.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };

    for item in paths.values_mut() {
        if let Some(item) = item.as_object_mut() {
            item.retain(|key, op| {
                !METHODS.contains(&key.as_str())
                    || op
                        .as_object()
                        .is_some_and(|op| operation_ids.contains(&operation_id(op)))
            });
        }
    }
    paths.retain(|_, item| {
        item.as_object()
            .is_some_and(|item| item.keys().any(|key| METHODS.contains(&key.as_str())))
    });
}

fn remove_components(document: &mut Value, reached: &Reach) {
    for section in COMPONENT_SECTIONS {
        let Some(entries) = document
            .pointer_mut(&format!("/components/{section}"))
            .and_then(Value::as_object_mut)
        else {
            continue;
        };
        entries.retain(|name, _| {
            let pointer = format!("/components/{section}/{}", escape_pointer(name));
            reached.components.contains(&pointer)
        });
    }
}

/// Escapes a key for use in a JSON pointer (RFC 6901).
fn escape_pointer(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::passes::{OwnedEnum, PassOutput, QueryStyle, QueryStyleKind};

    fn document() -> Value {
        json!({
            "paths": {
                "/boards": {
                    "parameters": [{ "$ref": "#/components/parameters/Shared" }],
                    "get": {
                        "operationId": "boards/list",
                        "responses": { "200": { "content": { "application/json": {
                            "schema": { "$ref": "#/components/schemas/BoardPage" }
                        } } } }
                    }
                },
                "/campaigns": {
                    "get": {
                        "operationId": "campaigns/list",
                        "responses": { "200": { "content": { "application/json": {
                            "schema": { "$ref": "#/components/schemas/Campaign" }
                        } } } }
                    }
                }
            },
            "components": {
                "parameters": {
                    "Shared": { "name": "ad_account_id", "in": "query", "schema": { "type": "string" } }
                },
                "schemas": {
                    "Error": { "type": "object" },
                    "BoardPage": {
                        "type": "object",
                        "properties": {
                            "items": { "type": "array", "items": { "$ref": "#/components/schemas/Board" } }
                        }
                    },
                    "Board": {
                        "oneOf": [{ "$ref": "#/components/schemas/Privacy" }],
                        "discriminator": { "mapping": { "secret": "#/components/schemas/Secret" } }
                    },
                    "Privacy": { "type": "string", "x-rust-type": { "path": "pinterest_v5::types::Privacy" } },
                    "Secret": { "type": "object" },
                    "Campaign": {
                        "type": "object",
                        "properties": {
                            "status": { "type": "string", "x-rust-type": { "path": "pinterest_v5::types::CampaignStatus" } }
                        }
                    }
                }
            }
        })
    }

    fn ids(ids: &[&str]) -> BTreeSet<String> {
        ids.iter().map(|id| id.to_string()).collect()
    }

    #[test]
    fn reach_follows_refs_transitively() {
        let reached = reach(&document(), &ids(&["boards/list"]));

        let expected: BTreeSet<String> = [
            "/components/parameters/Shared",
            "/components/schemas/Board",
            "/components/schemas/BoardPage",
            "/components/schemas/Error",
            "/components/schemas/Privacy",
            "/components/schemas/Secret",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        assert_eq!(reached.components, expected);
        assert_eq!(reached.owned_enums, ids(&["Privacy"]));
        assert_eq!(reached.schema_count(), 5);
    }

    #[test]
    fn prune_keeps_selected_only() {
        let enum_named = |name: &str| OwnedEnum {
            name: name.to_owned(),
            description: None,
            variants: Vec::new(),
        };
        let normalized = Normalized {
            document: document(),
            output: PassOutput {
                owned_enums: vec![enum_named("Privacy"), enum_named("CampaignStatus")],
                component_enums: vec!["Privacy".to_owned()],
                query_styles: vec![QueryStyle {
                    operation_id: "campaigns/list".to_owned(),
                    parameter: "entity_statuses".to_owned(),
                    kind: QueryStyleKind::CommaJoined,
                }],
            },
            counts: vec![("some_pass", 3)],
        };

        let pruned = prune(&normalized, &ids(&["campaigns/list"]));

        let paths = pruned.document["paths"].as_object().unwrap();
        assert_eq!(paths.keys().collect::<Vec<_>>(), ["/campaigns"]);
        let schemas = pruned.document["components"]["schemas"]
            .as_object()
            .unwrap();
        assert_eq!(schemas.keys().collect::<Vec<_>>(), ["Error", "Campaign"]);
        assert!(pruned.document["components"]["parameters"]
            .as_object()
            .unwrap()
            .is_empty());
        let owned: Vec<&str> = pruned
            .output
            .owned_enums
            .iter()
            .map(|e| e.name.as_str())
            .collect();
        assert_eq!(owned, ["CampaignStatus"]);
        assert!(pruned.output.component_enums.is_empty());
        assert_eq!(pruned.output.query_styles.len(), 1);
        assert_eq!(pruned.counts, normalized.counts);
    }

    #[test]
    fn pointer_escaping() {
        assert_eq!(escape_pointer("a/b~c"), "a~1b~0c");
        assert_eq!(escape_pointer("Pinterest.Lib.Error"), "Pinterest.Lib.Error");
    }
}
