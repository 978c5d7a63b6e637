//! Reviewer-facing reports: the spec report (what the passes changed) and
//! the API surface (one line per operation). Neither contains text from the
//! document's descriptions, so both can be committed as snapshots.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use heck::ToPascalCase;
use quote::ToTokens;
use serde_json::Value;

use crate::areas::area_of_tag;
use crate::build::Pipeline;
use crate::pagination::send_signatures;
use crate::passes::{mark_variant_tags, PASSES};
use crate::sample_calls::builder_fields;
use crate::select::area_sizes;

/// The spec report: the pin, counts of operations and schemas, and how many
/// places each normalization pass and post-processing step changed.
pub fn spec_report(pipeline: &Pipeline) -> String {
    let mut out = String::new();
    let pin = &pipeline.loaded.pin;
    let document = &pipeline.loaded.document;

    let _ = writeln!(
        out,
        "Pinterest OpenAPI {} (upstream commit {})",
        pin.version, pin.upstream_commit
    );
    let _ = writeln!(out, "sha256 {}", pin.sha256);
    let _ = writeln!(out, "operations in document: {}", pipeline.all_facts.len());
    let _ = writeln!(out, "API areas generated: {}", pipeline.selection);
    let _ = writeln!(
        out,
        "operations generated: {} of {}",
        generated_operation_count(pipeline),
        pipeline.facts.len()
    );
    let _ = writeln!(out, "component schemas: {}", component_count(document));
    let _ = writeln!(
        out,
        "correction rules applied: {}",
        pipeline.loaded.corrections_applied
    );

    out.push_str("\nnormalization passes (places changed, reason):\n");
    for ((name, count), pass) in pipeline.normalized.counts.iter().zip(PASSES) {
        let _ = writeln!(out, "  {name:<32} {count:>5}  {}", pass.reason);
    }

    let mut marked = document.clone();
    let closed_tags = mark_variant_tags(&mut marked);
    let _ = writeln!(
        out,
        "\nopen enums (keep unknown values as Unrecognized): {}",
        pipeline.normalized.output.owned_enums.len()
    );
    let _ = writeln!(
        out,
        "closed enums (variant tags of oneOf/anyOf): {closed_tags}"
    );

    let _ = writeln!(
        out,
        "bookmark-paginated operations: {}",
        pipeline.paginated.len()
    );

    out.push_str("\npost-processing (places changed):\n");
    for (name, count) in &pipeline.generated.postprocess_counts {
        let _ = writeln!(out, "  {name:<32} {count:>5}");
    }

    out.push_str(&area_table(pipeline));

    out.push_str("\noperations by tag (tag, operations, area):\n");
    for (tag, count) in operations_by_tag(pipeline) {
        let area = area_of_tag(&tag).map_or("NO AREA", |area| area.feature);
        let _ = writeln!(out, "  {tag:<40} {count:>4}  {area}");
    }
    out
}

/// One line per operation: generated method, HTTP method and path, the
/// builder's arguments with types (`?` marks optional ones) and the success
/// type.
pub fn api_surface(pipeline: &Pipeline) -> String {
    let fields = builder_fields(&pipeline.generated.file);
    let success = success_types(&pipeline.generated.file);
    let mut lines = Vec::with_capacity(pipeline.facts.len());

    for fact in &pipeline.facts {
        let arguments = fields
            .get(&fact.method_name)
            .map(|fields| {
                fields
                    .iter()
                    .map(|f| {
                        let marker = if f.required { "" } else { "?" };
                        format!("{}{marker}: {}", f.name, compact(&f.ty))
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .unwrap_or_else(|| "NOT GENERATED".to_owned());
        let returns = success
            .get(&fact.method_name.to_pascal_case())
            .cloned()
            .unwrap_or_else(|| "?".to_owned());

        lines.push(format!(
            "{} {} {} ({arguments}) -> {returns}",
            fact.method_name, fact.http_method, fact.path
        ));
    }
    lines.join("\n") + "\n"
}

/// Each API area alone: its cargo feature, operations, and the component
/// schemas and crate-owned enums those operations reach.
fn area_table(pipeline: &Pipeline) -> String {
    let mut out = String::from(
        "\nAPI areas, each alone (feature, operations, component schemas, owned enums; * default):\n",
    );
    for size in area_sizes(&pipeline.normalized, &pipeline.all_facts) {
        let marker = if size.default { "*" } else { "" };
        let _ = writeln!(
            out,
            "  {:<20} {marker:<2}{:>4} {:>5} {:>5}",
            size.feature, size.operations, size.schemas, size.owned_enums
        );
    }
    out
}

fn compact(tokens: &impl ToTokens) -> String {
    tokens
        .to_token_stream()
        .to_string()
        .replace(' ', "")
        .replace("::std::string::", "")
        .replace("::std::vec::", "")
        .replace("::pinterest_v5::", "")
}

/// Success type of each builder's `send`, by builder struct name.
fn success_types(file: &syn::File) -> BTreeMap<String, String> {
    send_signatures(file)
        .into_iter()
        .map(|(builder, (success, _))| (builder, compact(&success)))
        .collect()
}

fn generated_operation_count(pipeline: &Pipeline) -> usize {
    let fields = builder_fields(&pipeline.generated.file);
    pipeline
        .facts
        .iter()
        .filter(|fact| fields.contains_key(&fact.method_name))
        .count()
}

fn component_count(document: &Value) -> usize {
    document
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .map_or(0, |schemas| schemas.len())
}

fn operations_by_tag(pipeline: &Pipeline) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for fact in &pipeline.all_facts {
        for tag in &fact.tags {
            *counts.entry(tag.clone()).or_default() += 1;
        }
    }
    counts
}

/// The committed snapshots of what generation produces, relative to the
/// repository root, with the insta expression that names each.
pub const SNAPSHOT_FILES: [(&str, &str); 2] = [
    (
        "codegen/tests/snapshots/snapshots__spec_report.snap",
        "outputs().spec_report",
    ),
    (
        "codegen/tests/snapshots/snapshots__api_surface.snap",
        "outputs().api_surface",
    ),
];

/// The current contents for [`SNAPSHOT_FILES`], in the same order.
pub fn snapshot_contents(pipeline: &Pipeline) -> [String; 2] {
    [spec_report(pipeline), api_surface(pipeline)]
}

/// A snapshot file in insta's format.
pub fn snapshot_file(expression: &str, content: &str) -> String {
    format!(
        "---\nsource: codegen/tests/snapshots.rs\nexpression: {expression}\n---\n{}\n",
        content.trim_end()
    )
}

/// The content of a snapshot file, without insta's header.
pub fn snapshot_body(file: &str) -> &str {
    file.splitn(3, "---\n").nth(2).unwrap_or(file).trim_end()
}
