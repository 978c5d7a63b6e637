//! Everything `build.rs` produces, in one call.

use std::path::Path;

use proc_macro2::Literal;

use crate::inventory::{operations, OperationFacts};
use crate::sample_calls::sample_calls_module;
use crate::{generate, normalize, spec};

/// The files the build script writes into `OUT_DIR`.
pub struct BuildOutput {
    /// The generated client (`codegen.rs`).
    pub client_source: String,
    /// The pinned upstream release.
    pub spec_version: String,
    /// The embedded mock's table of operations (`mock_table.rs`).
    pub mock_table_source: String,
}

/// Loads the pinned document and generates every build output.
pub fn run(
    crate_dir: &Path,
    spec_dir: Option<&Path>,
) -> Result<BuildOutput, Box<dyn std::error::Error>> {
    let loaded = spec::load_pinned(crate_dir, spec_dir)?;
    let facts = operations(&loaded.document);
    let spec_version = loaded.pin.version.clone();

    let original = loaded.document.clone();
    let normalized = normalize(loaded.document);
    let mut generated = generate(&normalized)?;
    let calls = sample_calls_module(&generated.file, &original, &facts)?;
    generated.file.items.push(calls);

    Ok(BuildOutput {
        client_source: generated.to_source(),
        spec_version,
        mock_table_source: mock_table_source(&facts),
    })
}

/// Rust source for a static table the mock serves from: one
/// `MockOperation { .. }` per operation.
pub fn mock_table_source(facts: &[OperationFacts]) -> String {
    let mut source = String::from("&[\n");
    for fact in facts {
        let body = match &fact.success_sample {
            Some(value) => format!("Some({})", Literal::string(&value.to_string())),
            None => "None".to_owned(),
        };
        source.push_str(&format!(
            "    MockOperation {{ operation_id: {}, method_name: {}, method: {}, path: {}, status: {}, body: {} }},\n",
            Literal::string(&fact.operation_id),
            Literal::string(&fact.method_name),
            Literal::string(&fact.http_method),
            Literal::string(&fact.path),
            fact.success_status,
            body,
        ));
    }
    source.push(']');
    source
}
