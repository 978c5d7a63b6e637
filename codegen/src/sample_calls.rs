//! A generated function that calls any operation by `operationId` with
//! sample arguments built from the document.
//!
//! Tests use it to call all operations through the public builders: against
//! the embedded mock (every sample response must decode) and against an
//! independent validating server (every request must conform). It is emitted
//! behind the crate's `mock` feature.

use std::collections::HashMap;

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use serde_json::Value;

use crate::generate::GenerateError;
use crate::inventory::OperationFacts;
use crate::passes::walk::{resolve, METHODS};
use crate::postprocess::progenitor_operation_name;
use crate::samples::sample;

/// One settable field of a generated operation builder.
#[derive(Debug, Clone)]
pub struct BuilderField {
    /// Setter name, which is also the field name.
    pub name: String,
    /// The type the setter converts into.
    pub ty: syn::Type,
    /// Whether `send` fails without a value.
    pub required: bool,
}

/// Settable fields of every operation builder, by generated method name.
pub fn builder_fields(file: &syn::File) -> HashMap<String, Vec<BuilderField>> {
    let structs = builder_structs(file);
    let mut by_method = HashMap::new();

    for (method, struct_name) in client_methods(file) {
        if let Some(fields) = structs.get(&struct_name) {
            by_method.insert(method, fields.clone());
        }
    }
    by_method
}

/// `(method name, builder struct name)` for every `Client` method that
/// returns `builder::X`.
fn client_methods(file: &syn::File) -> Vec<(String, String)> {
    let mut methods = Vec::new();
    for item in &file.items {
        let syn::Item::Impl(block) = item else {
            continue;
        };
        let is_client = matches!(&*block.self_ty, syn::Type::Path(p) if p.path.is_ident("Client"));
        if !is_client {
            continue;
        }
        for member in &block.items {
            let syn::ImplItem::Fn(function) = member else {
                continue;
            };
            let syn::ReturnType::Type(_, ty) = &function.sig.output else {
                continue;
            };
            let syn::Type::Path(path) = ty.as_ref() else {
                continue;
            };
            let segments: Vec<String> = path
                .path
                .segments
                .iter()
                .map(|s| s.ident.to_string())
                .collect();
            if segments.len() == 2 && segments[0] == "builder" {
                methods.push((function.sig.ident.to_string(), segments[1].clone()));
            }
        }
    }
    methods
}

/// Fields of the structs in the generated `builder` module, except `client`.
fn builder_structs(file: &syn::File) -> HashMap<String, Vec<BuilderField>> {
    let mut structs = HashMap::new();
    let module = file.items.iter().find_map(|item| match item {
        syn::Item::Mod(m) if m.ident == "builder" => m.content.as_ref(),
        _ => None,
    });
    let Some((_, items)) = module else {
        return structs;
    };

    for item in items {
        let syn::Item::Struct(definition) = item else {
            continue;
        };
        let fields = definition
            .fields
            .iter()
            .filter_map(|field| {
                let name = field.ident.as_ref()?.to_string();
                (name != "client")
                    .then(|| builder_field(name, &field.ty))
                    .flatten()
            })
            .collect();
        structs.insert(definition.ident.to_string(), fields);
    }
    structs
}

/// Reads `Result<T, String>` or `Result<Option<T>, String>`.
fn builder_field(name: String, ty: &syn::Type) -> Option<BuilderField> {
    let inner = first_generic(ty, "Result")?;
    let (ty, required) = match first_generic(&inner, "Option") {
        Some(optional) => (optional, false),
        None => (inner, true),
    };
    Some(BuilderField {
        name,
        ty: without_builder_segment(ty),
        required,
    })
}

fn first_generic(ty: &syn::Type, outer: &str) -> Option<syn::Type> {
    let syn::Type::Path(path) = ty else {
        return None;
    };
    let last = path.path.segments.last()?;
    if last.ident != outer {
        return None;
    }
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    args.args.iter().find_map(|arg| match arg {
        syn::GenericArgument::Type(t) => Some(t.clone()),
        _ => None,
    })
}

/// Body fields hold `types::builder::X`; their setters take `types::X`.
fn without_builder_segment(ty: syn::Type) -> syn::Type {
    let syn::Type::Path(mut path) = ty else {
        return ty;
    };
    let segments: Vec<syn::PathSegment> = path
        .path
        .segments
        .iter()
        .filter(|s| s.ident != "builder")
        .cloned()
        .collect();
    path.path.segments = segments.into_iter().collect();
    syn::Type::Path(path)
}

/// The `sample_calls` module: `call(client, operation_id)` with one match
/// arm per operation that sets every required parameter from a sample.
pub fn sample_calls_module(
    file: &syn::File,
    document: &Value,
    facts: &[OperationFacts],
) -> Result<syn::Item, GenerateError> {
    let fields = builder_fields(file);
    let mut arms = Vec::with_capacity(facts.len());

    for fact in facts {
        let builder = fields.get(&fact.method_name).ok_or_else(|| {
            GenerateError::Postprocess(format!(
                "no builder found for operation `{}`",
                fact.operation_id
            ))
        })?;
        let samples = argument_samples(document, fact);
        arms.push(call_arm(fact, builder, &samples)?);
    }

    let tokens = quote! {
        /// Calls operations with sample arguments; see `crate::mock::call_with_samples`.
        #[cfg(feature = "mock")]
        pub(crate) mod sample_calls {
            use super::types;
            use crate::mock::{sample_argument, SampleOutcome};

            pub(crate) async fn call(client: &super::Client, operation_id: &str) -> Option<SampleOutcome> {
                let outcome = match operation_id {
                    #(#arms)*
                    _ => return None,
                };
                Some(outcome)
            }
        }
    };
    syn::parse2(tokens).map_err(|e| GenerateError::Syntax(e.to_string()))
}

fn call_arm(
    fact: &OperationFacts,
    builder: &[BuilderField],
    samples: &HashMap<String, Value>,
) -> Result<TokenStream, GenerateError> {
    let id = &fact.operation_id;
    let method = format_ident!("{}", fact.method_name);

    let mut setters = Vec::new();
    for field in builder.iter().filter(|f| f.required) {
        let value = samples.get(&field.name).ok_or_else(|| {
            GenerateError::Postprocess(format!(
                "no sample for required argument `{}` of operation `{id}`",
                field.name
            ))
        })?;
        let setter = format_ident!("{}", field.name);
        let ty = &field.ty;
        let json = value.to_string();
        let name = &field.name;
        setters.push(quote! {
            let request = match sample_argument::<#ty>(#json, #id, #name) {
                Ok(value) => request.#setter(value),
                Err(outcome) => break 'call outcome,
            };
        });
    }

    if setters.is_empty() {
        return Ok(quote! {
            #id => SampleOutcome::from_result(client.#method().send().await),
        });
    }
    Ok(quote! {
        #id => 'call: {
            let request = client.#method();
            #(#setters)*
            SampleOutcome::from_result(request.send().await)
        }
    })
}

/// Sample JSON for each argument of an operation, keyed by builder field name.
fn argument_samples(document: &Value, fact: &OperationFacts) -> HashMap<String, Value> {
    let mut samples = HashMap::new();
    let Some(item) = document.get("paths").and_then(|p| p.get(&fact.path)) else {
        return samples;
    };
    let method = METHODS
        .iter()
        .find(|m| m.eq_ignore_ascii_case(&fact.http_method))
        .copied()
        .unwrap_or("get");
    let Some(operation) = item.get(method) else {
        return samples;
    };

    let parameters = item
        .get("parameters")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .chain(
            operation
                .get("parameters")
                .and_then(Value::as_array)
                .into_iter()
                .flatten(),
        );
    for parameter in parameters {
        let Some(parameter) = resolve(document, parameter) else {
            continue;
        };
        let (Some(name), Some(schema)) = (
            parameter.get("name").and_then(Value::as_str),
            parameter.get("schema"),
        ) else {
            continue;
        };
        let value = sample(document, schema);
        let field = progenitor_operation_name(name);
        samples.insert(format!("{field}_"), value.clone());
        samples.insert(field, value);
    }

    let body_schema = operation
        .get("requestBody")
        .and_then(|body| resolve(document, body))
        .and_then(|body| body.get("content"))
        .and_then(Value::as_object)
        .and_then(|content| content.values().next())
        .and_then(|media| media.get("schema"));
    if let Some(schema) = body_schema {
        samples.insert("body".to_owned(), sample(document, schema));
    }
    samples
}
