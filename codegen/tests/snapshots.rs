//! Snapshots of what generation produces from the pinned spec: the spec
//! report and the API surface. A change to either is a change to review.
//! The snapshots hold names, types and counts only, never the document's
//! description text.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use pinterest_v5_codegen::report::{api_surface, spec_report};
use pinterest_v5_codegen::spec::SPEC_DIR_ENV;
use pinterest_v5_codegen::Pipeline;

/// What the tests read from one generation run. `Pipeline` itself holds
/// syntax trees, which cannot be shared between test threads.
struct Outputs {
    spec_report: String,
    api_surface: String,
    source: String,
    operation_count: usize,
    pass_counts: Vec<(&'static str, usize)>,
}

fn outputs() -> &'static Outputs {
    static OUTPUTS: OnceLock<Outputs> = OnceLock::new();
    OUTPUTS.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        let spec_dir = std::env::var_os(SPEC_DIR_ENV).map(PathBuf::from);
        let pipeline = Pipeline::run(root, spec_dir.as_deref()).unwrap_or_else(|e| panic!("{e}"));
        Outputs {
            spec_report: spec_report(&pipeline),
            api_surface: api_surface(&pipeline),
            source: pipeline.generated.to_source(),
            operation_count: pipeline.facts.len(),
            pass_counts: pipeline.normalized.counts.clone(),
        }
    })
}

#[test]
fn spec_report_snapshot() {
    insta::assert_snapshot!("spec_report", outputs().spec_report);
}

#[test]
fn api_surface_snapshot() {
    insta::assert_snapshot!("api_surface", outputs().api_surface);
}

#[test]
fn all_operations_generated() {
    let report = &outputs().spec_report;

    assert!(
        report.contains("operations generated: 231 of 231"),
        "{report}"
    );
    assert_eq!(outputs().operation_count, 231);
}

#[test]
fn every_pass_changed_something() {
    for (name, count) in &outputs().pass_counts {
        assert!(
            *count > 0,
            "pass `{name}` changed nothing in the pinned spec"
        );
    }
}

#[test]
fn no_type_rejects_unknown_fields() {
    assert!(!outputs().source.contains("deny_unknown_fields"));
}

#[test]
fn no_type_is_uninhabited() {
    let empty_enums: Vec<&str> = outputs()
        .source
        .lines()
        .filter(|line| line.trim_start().starts_with("pub enum") && line.trim_end().ends_with("{}"))
        .collect();

    assert!(
        empty_enums.is_empty(),
        "types that no value decodes into: {empty_enums:?}"
    );
}
