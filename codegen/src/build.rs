//! Everything `build.rs` produces, in one call.

use std::collections::BTreeSet;
use std::path::Path;

use proc_macro2::Literal;

use crate::areas::{check_placed, Selection};
use crate::badges::mark_operation_features;
use crate::inventory::{operations, OperationFacts};
use crate::pagination::{paginated_impls, paginated_operations, PaginatedOperation};
use crate::postprocess::append_to_module;
use crate::sample_calls::sample_calls_module;
use crate::spec::LoadedSpec;
use crate::{calls, generate, normalize, select, spec, Generated, Normalized};

/// The files the build script writes into `OUT_DIR`.
pub struct BuildOutput {
    /// The generated client (`codegen.rs`).
    pub client_source: String,
    /// The pinned upstream release.
    pub spec_version: String,
    /// The embedded mock's table of operations (`mock_table.rs`).
    pub mock_table_source: String,
    /// Where each sample response holds open enums and objects
    /// (`response_shapes.rs`).
    pub response_shapes_source: String,
}

/// Loads the pinned document and generates every build output for the
/// selected API areas.
pub fn run(
    crate_dir: &Path,
    spec_dir: Option<&Path>,
    selection: &Selection,
) -> Result<BuildOutput, Box<dyn std::error::Error>> {
    let pipeline = Pipeline::run_selected(crate_dir, spec_dir, selection)?;

    Ok(BuildOutput {
        client_source: pipeline.generated.to_source(),
        spec_version: pipeline.loaded.pin.version.clone(),
        mock_table_source: mock_table_source(&pipeline.facts),
        response_shapes_source: response_shapes_source(&pipeline.facts),
    })
}

/// Every intermediate result of generation, for reports and tests.
pub struct Pipeline {
    /// The pinned document as loaded, after correction rules.
    pub loaded: LoadedSpec,
    /// The API areas generated.
    pub selection: Selection,
    /// Per-operation facts read from that document, for every operation.
    pub all_facts: Vec<OperationFacts>,
    /// Per-operation facts of the selected operations.
    pub facts: Vec<OperationFacts>,
    /// The whole document after the normalization passes, before selection.
    pub normalized: Normalized,
    /// The generated client, including the `sample_calls` module.
    pub generated: Generated,
    /// The bookmark-paginated operations.
    pub paginated: Vec<PaginatedOperation>,
}

impl Pipeline {
    /// Loads, normalizes and generates every operation.
    pub fn run(
        crate_dir: &Path,
        spec_dir: Option<&Path>,
    ) -> Result<Pipeline, Box<dyn std::error::Error>> {
        Self::run_selected(crate_dir, spec_dir, &Selection::all())
    }

    /// Loads, normalizes and generates the operations of the selected areas.
    pub fn run_selected(
        crate_dir: &Path,
        spec_dir: Option<&Path>,
        selection: &Selection,
    ) -> Result<Pipeline, Box<dyn std::error::Error>> {
        let loaded = spec::load_pinned(crate_dir, spec_dir)?;
        Self::from_loaded_selected(loaded, selection)
    }

    /// Normalizes and generates every operation of an already loaded
    /// document.
    pub fn from_loaded(loaded: LoadedSpec) -> Result<Pipeline, Box<dyn std::error::Error>> {
        Self::from_loaded_selected(loaded, &Selection::all())
    }

    /// Normalizes an already loaded document and generates the operations of
    /// the selected areas.
    pub fn from_loaded_selected(
        loaded: LoadedSpec,
        selection: &Selection,
    ) -> Result<Pipeline, Box<dyn std::error::Error>> {
        let all_facts = operations(&loaded.document);
        check_placed(&all_facts)?;
        let facts: Vec<OperationFacts> = all_facts
            .iter()
            .filter(|fact| selection.includes(&fact.tags))
            .cloned()
            .collect();

        let normalized = normalize(loaded.document.clone());
        let selected_ids: BTreeSet<String> =
            facts.iter().map(|fact| fact.operation_id.clone()).collect();
        let mut generated = generate(&select::prune(&normalized, &selected_ids))?;
        let badges = mark_operation_features(&mut generated.file, &facts);
        generated
            .postprocess_counts
            .push(("operation_feature_badges", badges));

        let paginated = paginated_operations(&generated.file, &facts);
        let calls = sample_calls_module(&generated.file, &loaded.document, &facts, &paginated)?;
        generated.file.items.push(calls);

        append_to_module(&mut generated.file, "builder", paginated_impls(&paginated)?)?;
        generated.file.items.push(paginated_list(&paginated));

        generated.file.items.push(calls::operation_table(&facts));
        generated
            .file
            .items
            .push(calls::error_examples_table(&loaded.document));
        calls::wrap_send_methods(&mut generated.file)?;

        Ok(Pipeline {
            loaded,
            selection: selection.clone(),
            all_facts,
            facts,
            normalized,
            generated,
            paginated,
        })
    }
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

/// Rust source for a static table of `ResponseShape { .. }`, one per
/// operation with a JSON success body.
pub fn response_shapes_source(facts: &[OperationFacts]) -> String {
    let list = |pointers: &[String]| {
        let items: Vec<String> = pointers
            .iter()
            .map(|p| Literal::string(p).to_string())
            .collect();
        format!("&[{}]", items.join(", "))
    };

    let mut source = String::from("&[\n");
    for fact in facts.iter().filter(|f| f.success_sample.is_some()) {
        source.push_str(&format!(
            "    ResponseShape {{ operation_id: {}, enum_pointers: {}, object_pointers: {} }},\n",
            Literal::string(&fact.operation_id),
            list(&fact.success_shape.enum_pointers),
            list(&fact.success_shape.object_pointers),
        ));
    }
    source.push(']');
    source
}

/// `PAGINATED_OPERATIONS`: the `operationId` of every paginated operation.
fn paginated_list(operations: &[PaginatedOperation]) -> syn::Item {
    let ids = operations.iter().map(|op| op.operation_id.as_str());
    syn::parse_quote! {
        pub(crate) const PAGINATED_OPERATIONS: &[&str] = &[ #(#ids),* ];
    }
}
