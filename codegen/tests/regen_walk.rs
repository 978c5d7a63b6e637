//! The release walk 5.20.0 -> 5.22.0 -> 5.23.0: each release generates with
//! no hand edits, and each step's API diff agrees with counts computed here
//! straight from the raw documents.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use pinterest_v5_codegen::regen::{api_diff, load_release};
use pinterest_v5_codegen::report::spec_report;
use pinterest_v5_codegen::spec::{read_corrections, SPEC_DIR_ENV};
use pinterest_v5_codegen::Pipeline;
use serde_json::Value;

const RELEASES: [(&str, usize); 3] = [("5.20.0", 223), ("5.22.0", 228), ("5.23.0", 231)];

fn repository_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap()
}

fn release_path(version: &str) -> PathBuf {
    let dir = std::env::var_os(SPEC_DIR_ENV)
        .map(PathBuf::from)
        .unwrap_or_else(|| repository_root().join("spec"));
    dir.join(format!("pinterest-openapi-{version}.json"))
}

fn raw_document(version: &str) -> Value {
    let path = release_path(version);
    let bytes =
        std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_slice(&bytes).unwrap()
}

/// Operation ids counted without the crate's code: every object under a
/// path item whose key is an HTTP method.
fn operation_ids(document: &Value) -> BTreeSet<String> {
    let methods = [
        "get", "put", "post", "delete", "patch", "head", "options", "trace",
    ];
    document["paths"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|item| item.as_object().unwrap().iter())
        .filter(|(method, _)| methods.contains(&method.as_str()))
        .map(|(_, operation)| operation["operationId"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn three_release_walk() {
    let corrections = read_corrections(&repository_root().join("spec/corrections.json")).unwrap();
    let mut previous: Option<(String, Value)> = None;

    for (version, expected_operations) in RELEASES {
        let path = release_path(version);
        let bytes = std::fs::read(&path).unwrap();
        let (loaded, _stale) = load_release(&path, &bytes, "test", &corrections).unwrap();
        let document = loaded.document.clone();

        let pipeline = Pipeline::from_loaded(loaded)
            .unwrap_or_else(|e| panic!("{version} does not generate: {e}"));
        let report = spec_report(&pipeline);
        let generated =
            format!("operations generated: {expected_operations} of {expected_operations}");
        assert!(report.contains(&generated), "{version}:\n{report}");

        let raw_ids = operation_ids(&raw_document(version));
        assert_eq!(raw_ids.len(), expected_operations, "{version}");

        if let Some((old_version, old_document)) = &previous {
            let diff = api_diff(old_document, &document);
            let old_ids = operation_ids(&raw_document(old_version));

            let added = raw_ids.difference(&old_ids).count();
            let removed = old_ids.difference(&raw_ids).count();
            assert_eq!(
                diff.operations_added(),
                added,
                "{old_version} -> {version}:\n{diff}"
            );
            assert_eq!(
                diff.operations_removed(),
                removed,
                "{old_version} -> {version}:\n{diff}"
            );
            assert!(added > 0, "{old_version} -> {version} adds operations");
            println!(
                "{old_version} -> {version}: {added} operations added, {removed} removed, {:?}",
                diff.compatibility()
            );
        }
        previous = Some((version.to_owned(), document));
    }
}
