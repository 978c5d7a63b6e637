//! The crate's cargo features match the API areas that codegen defines,
//! and generating one area alone gives the same types as generating all.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use pinterest_v5_codegen::areas::{AREAS, FULL_FEATURE};
use pinterest_v5_codegen::report::api_surface;
use pinterest_v5_codegen::spec::{load_pinned, SPEC_DIR_ENV};
use pinterest_v5_codegen::{Pipeline, Selection};
use proc_macro2::{Delimiter, Group, TokenStream, TokenTree};
use quote::ToTokens;

fn crate_features() -> toml::Table {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("../Cargo.toml");
    let text = std::fs::read_to_string(&manifest).expect("the crate's Cargo.toml is readable");
    let manifest: toml::Table = text.parse().expect("Cargo.toml is valid TOML");
    manifest["features"]
        .as_table()
        .expect("Cargo.toml has a [features] table")
        .clone()
}

fn names(value: &toml::Value) -> BTreeSet<String> {
    value
        .as_array()
        .expect("a feature lists other features")
        .iter()
        .map(|name| name.as_str().expect("feature names are strings").to_owned())
        .collect()
}

#[test]
fn every_area_is_a_feature() {
    let features = crate_features();

    for area in AREAS {
        let enables = features
            .get(area.feature)
            .unwrap_or_else(|| panic!("Cargo.toml has no feature `{}`", area.feature));
        assert!(
            names(enables).is_empty(),
            "area feature `{}` should enable nothing else",
            area.feature
        );
    }
}

#[test]
fn full_enables_every_area() {
    let features = crate_features();
    let expected: BTreeSet<String> = AREAS.iter().map(|a| a.feature.to_owned()).collect();

    assert_eq!(names(&features[FULL_FEATURE]), expected);
}

#[test]
fn default_features_match_areas() {
    let features = crate_features();
    let expected: BTreeSet<String> = AREAS
        .iter()
        .filter(|area| area.default)
        .map(|area| area.feature.to_owned())
        .collect();

    assert_eq!(names(&features["default"]), expected);
}

/// The feature tables in the README and the crate docs list every area and
/// mark the defaults.
#[test]
fn feature_tables_list_areas() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    for file in ["README.md", "src/lib.rs"] {
        let text = std::fs::read_to_string(root.join(file)).expect("file is readable");
        for area in AREAS {
            let default = if area.default { "**yes**" } else { "no" };
            let row = format!("| `{}` | {default} |", area.feature);
            assert!(
                text.contains(&row),
                "{file} has no feature table row starting with `{row}`"
            );
        }
    }
}

/// Every struct, enum and type alias of the generated `types` module, by
/// name, as tokens without doc comments. typify merges inline schemas that
/// share a name and shape and keeps the first one's description, so a
/// type's documentation may differ between selections; its name and
/// definition may not.
fn type_items(file: &syn::File) -> BTreeMap<String, String> {
    let types = file
        .items
        .iter()
        .find_map(|item| match item {
            syn::Item::Mod(module) if module.ident == "types" => module.content.as_ref(),
            _ => None,
        })
        .map(|(_, items)| items.as_slice())
        .unwrap_or_default();

    types
        .iter()
        .filter_map(|item| {
            let name = match item {
                syn::Item::Struct(item) => item.ident.to_string(),
                syn::Item::Enum(item) => item.ident.to_string(),
                syn::Item::Type(item) => item.ident.to_string(),
                _ => return None,
            };
            Some((name, without_docs(item.to_token_stream()).to_string()))
        })
        .collect()
}

/// `tokens` without `#[doc = ...]` attributes, at any depth.
fn without_docs(tokens: TokenStream) -> TokenStream {
    let mut kept = Vec::new();
    let mut tokens = tokens.into_iter().peekable();

    while let Some(token) = tokens.next() {
        if let TokenTree::Punct(punct) = &token {
            if punct.as_char() == '#' {
                if let Some(TokenTree::Group(group)) = tokens.peek() {
                    let is_doc = group.delimiter() == Delimiter::Bracket
                        && matches!(group.stream().into_iter().next(), Some(TokenTree::Ident(ident)) if ident == "doc");
                    if is_doc {
                        tokens.next();
                        continue;
                    }
                }
            }
        }
        if let TokenTree::Group(group) = token {
            let mut inner = Group::new(group.delimiter(), without_docs(group.stream()));
            inner.set_span(group.span());
            kept.push(TokenTree::Group(inner));
        } else {
            kept.push(token);
        }
    }
    kept.into_iter().collect()
}

#[test]
fn each_area_generates_alone() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let spec_dir = std::env::var_os(SPEC_DIR_ENV).map(PathBuf::from);
    let loaded = load_pinned(&root, spec_dir.as_deref()).unwrap_or_else(|e| panic!("{e}"));
    let full = Pipeline::from_loaded(loaded.clone()).unwrap_or_else(|e| panic!("{e}"));
    let full_types = type_items(&full.generated.file);
    let mut generated_operations = 0;

    for area in AREAS {
        let selection = Selection::of([area.feature]).unwrap();
        let pipeline = Pipeline::from_loaded_selected(loaded.clone(), &selection)
            .unwrap_or_else(|e| panic!("area `{}` does not generate: {e}", area.feature));

        assert!(
            !pipeline.facts.is_empty(),
            "area `{}` has no operations",
            area.feature
        );
        let surface = api_surface(&pipeline);
        assert!(
            !surface.contains("NOT GENERATED"),
            "area `{}` misses operations:\n{surface}",
            area.feature
        );
        generated_operations += pipeline.facts.len();

        for (name, tokens) in type_items(&pipeline.generated.file) {
            let in_full = full_types.get(&name);
            assert!(
                in_full.is_some(),
                "area `{}` generates type `{name}`, which the full build lacks",
                area.feature
            );
            assert!(
                in_full == Some(&tokens),
                "area `{}` generates type `{name}` differently from the full build",
                area.feature
            );
        }
    }

    assert_eq!(generated_operations, full.facts.len());
}
