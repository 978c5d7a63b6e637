//! Normalization passes over the OpenAPI document.
//!
//! Each pass is a general rule, never a fix for one named schema, so that it
//! also catches the next instance a new upstream release adds. Each has a name,
//! a one-line reason and a count of the places it changed, which the spec
//! report lists. Passes run in the order of [`PASSES`].

mod enums;
mod fields;
mod names;
mod query;
mod responses;
mod unions;
pub mod walk;

use serde_json::Value;

pub use enums::{
    mark_variant_tags, variant_identifiers, OwnedEnum, OwnedVariant, VARIANT_TAG_MARKER,
};
pub use query::{QueryStyle, QueryStyleKind};

/// What passes hand to the code generator besides the rewritten document.
#[derive(Debug, Default, Clone)]
pub struct PassOutput {
    /// String enums that the crate generates itself instead of typify.
    pub owned_enums: Vec<OwnedEnum>,
    /// Component schemas whose type is an owned enum of the same name; typify
    /// must use the owned enum instead of generating a wrapper.
    pub component_enums: Vec<String>,
    /// Query parameters whose wire format differs from progenitor's default.
    pub query_styles: Vec<QueryStyle>,
}

/// A named normalization pass.
pub struct Pass {
    /// Short identifier used in the spec report.
    pub name: &'static str,
    /// Why the pass exists, in one line.
    pub reason: &'static str,
    /// Rewrites the document and returns how many places it changed.
    pub run: fn(&mut Value, &mut PassOutput) -> usize,
}

/// Every pass, in the order they run.
pub const PASSES: &[Pass] = &[
    Pass {
        name: "allow_unknown_fields",
        reason: "`additionalProperties: false` makes typify reject fields that upstream adds later",
        run: fields::allow_unknown_fields,
    },
    Pass {
        name: "date_time_examples_as_strings",
        reason: "a date-time whose own example has no offset shows a wire format chrono's DateTime cannot decode",
        run: fields::date_time_examples_as_strings,
    },
    Pass {
        name: "default_response_as_errors",
        reason: "progenitor counts a `default` response as a success, so `200: T` plus `default: Error` has two success types",
        run: responses::default_response_as_errors,
    },
    Pass {
        name: "merge_error_responses",
        reason: "progenitor needs one error type per operation; differing error schemas become one union that keeps each one's detail",
        run: responses::merge_error_responses,
    },
    Pass {
        name: "collapse_covered_error_codes",
        reason: "progenitor matches 4XX/5XX ranges before codes, so a code with the range's schema is an unreachable match arm",
        run: responses::collapse_covered_error_codes,
    },
    Pass {
        name: "deep_object_query",
        reason: "progenitor rejects `style: deepObject` query parameters; they are generated as form parameters and sent as `name[key]=value`",
        run: query::deep_object_query,
    },
    Pass {
        name: "comma_joined_query_arrays",
        reason: "progenitor repeats the key for every array element; arrays declared `explode: false` are sent comma-joined",
        run: query::comma_joined_query_arrays,
    },
    Pass {
        name: "any_of_as_one_of",
        reason: "typify makes an anyOf a struct of flattened members, which cannot decode a string or array member",
        run: unions::any_of_as_one_of,
    },
    Pass {
        name: "all_of_overrides",
        reason: "an allOf whose own properties redefine a member's is meant as an override; as an intersection typify may find no valid value",
        run: unions::all_of_overrides,
    },
    Pass {
        name: "inline_component_collisions",
        reason: "typify names an inline property type Parent+Property, which can equal an existing component's name",
        run: names::inline_component_collisions,
    },
    Pass {
        name: "owned_string_enums",
        reason: "typify panics when two values map to one identifier and rejects unknown values; the crate generates these enums itself",
        run: enums::owned_string_enums,
    },
];

/// The document after every pass, with the side data passes produced.
#[derive(Debug, Clone)]
pub struct Normalized {
    /// The rewritten document.
    pub document: Value,
    /// What the passes produced for the generator.
    pub output: PassOutput,
    /// `(pass name, places changed)` in run order.
    pub counts: Vec<(&'static str, usize)>,
}

/// Runs every pass in [`PASSES`] over `document`.
pub fn normalize(mut document: Value) -> Normalized {
    let mut output = PassOutput::default();
    let mut counts = Vec::with_capacity(PASSES.len());

    for pass in PASSES {
        let changed = (pass.run)(&mut document, &mut output);
        counts.push((pass.name, changed));
    }

    Normalized {
        document,
        output,
        counts,
    }
}
