//! A generated function that calls any operation by `operationId` with
//! sample arguments built from the document.
//!
//! Tests use it to call all operations through the public builders: against
//! the embedded mock (every sample response must decode) and against an
//! independent validating server (every request must conform). A call sets
//! either the required arguments only or every argument, so that optional
//! query parameters reach the wire too. It is emitted behind the crate's
//! `mock` feature.

use std::collections::HashMap;

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use serde_json::Value;

use crate::generate::GenerateError;
use crate::inventory::OperationFacts;
use crate::pagination::PaginatedOperation;
use crate::passes::walk::{resolve, METHODS};
use crate::postprocess::{module_items, progenitor_operation_name};
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
    let Some(items) = module_items(file, "builder") else {
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

/// Generates the `sample_calls` module: `call(client, operation_id, all_arguments)`
/// with one match arm per operation, and `pages(client, operation_id, options)`
/// with one per paginated operation. An arm sets every required argument
/// from a sample, and every optional one too when `all_arguments` is true.
pub fn sample_calls_module(
    file: &syn::File,
    document: &Value,
    facts: &[OperationFacts],
    paginated: &[PaginatedOperation],
) -> Result<syn::Item, GenerateError> {
    let fields = builder_fields(file);
    let mut arms = Vec::with_capacity(facts.len());
    let mut page_arms = Vec::with_capacity(paginated.len());

    for fact in facts {
        let builder = fields.get(&fact.method_name).ok_or_else(|| {
            GenerateError::Postprocess(format!(
                "no builder found for operation `{}`",
                fact.operation_id
            ))
        })?;
        let samples = argument_samples(document, fact);
        arms.push(call_arm(fact, builder, &samples)?);
        if paginated
            .iter()
            .any(|op| op.operation_id == fact.operation_id)
        {
            page_arms.push(pages_arm(fact, builder, &samples)?);
        }
    }

    // Each arm is a boxed future of its own, because with every arm inside one
    // async function, the poll function of a debug build needs more than the
    // 2 MiB stack of a test thread.
    let tokens = quote! {
        /// Calls operations with sample arguments; see `crate::mock::call_with_samples`.
        #[cfg(feature = "mock")]
        pub(crate) mod sample_calls {
            use super::types;
            use crate::mock::{sample_argument, SampleOutcome};

            pub(crate) async fn call(
                client: &super::Client,
                operation_id: &str,
                all_arguments: bool,
            ) -> Option<SampleOutcome> {
                let call: ::std::pin::Pin<
                    Box<dyn ::std::future::Future<Output = SampleOutcome> + Send + '_>,
                > = match operation_id {
                    #(#arms)*
                    _ => return None,
                };
                Some(call.await)
            }

            pub(crate) async fn pages(
                client: &super::Client,
                operation_id: &str,
                options: crate::pagination::PageOptions,
            ) -> Option<crate::mock::PagingOutcome> {
                let call: ::std::pin::Pin<
                    Box<dyn ::std::future::Future<Output = crate::mock::PagingOutcome> + Send + '_>,
                > = match operation_id {
                    #(#page_arms)*
                    _ => return None,
                };
                Some(call.await)
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
    let setters = argument_setters(fact, builder, samples, true, quote!(outcome))?;

    if setters.is_empty() {
        return Ok(quote! {
            #id => Box::pin(async move {
                SampleOutcome::from_result(client.#method().send().await)
            }),
        });
    }
    Ok(quote! {
        #id => Box::pin(async move {
            'call: {
                let request = client.#method();
                #(#setters)*
                SampleOutcome::from_result(request.send().await)
            }
        }),
    })
}

/// A match arm that sets the required arguments from samples and pages
/// through the list with `options`.
fn pages_arm(
    fact: &OperationFacts,
    builder: &[BuilderField],
    samples: &HashMap<String, Value>,
) -> Result<TokenStream, GenerateError> {
    let id = &fact.operation_id;
    let method = format_ident!("{}", fact.method_name);
    let on_error = quote!(crate::mock::PagingOutcome::from_sample_error(outcome));
    let setters = argument_setters(fact, builder, samples, false, on_error)?;

    if setters.is_empty() {
        return Ok(quote! {
            #id => Box::pin(async move {
                let pages = crate::pagination::Paginated::pages_with(client.#method(), options);
                crate::mock::PagingOutcome::from_pages(pages).await
            }),
        });
    }
    Ok(quote! {
        #id => Box::pin(async move {
            'call: {
                let request = client.#method();
                #(#setters)*
                let pages = crate::pagination::Paginated::pages_with(request, options);
                crate::mock::PagingOutcome::from_pages(pages).await
            }
        }),
    })
}

/// One `let request = …;` statement per argument that sets it from its
/// sample; optional arguments are set only when `all_arguments` is true at
/// run time, and left out entirely unless `with_optional`. A sample that
/// does not fit its type breaks out of the `'call` block with `on_error`,
/// which can use the `SampleOutcome` bound to `outcome`.
fn argument_setters(
    fact: &OperationFacts,
    builder: &[BuilderField],
    samples: &HashMap<String, Value>,
    with_optional: bool,
    on_error: TokenStream,
) -> Result<Vec<TokenStream>, GenerateError> {
    let id = &fact.operation_id;
    let mut setters = Vec::new();
    for field in builder {
        if !field.required && !with_optional {
            continue;
        }
        let value = samples.get(&field.name).ok_or_else(|| {
            GenerateError::Postprocess(format!(
                "no sample for argument `{}` of operation `{id}`",
                field.name
            ))
        })?;
        let setter = format_ident!("{}", field.name);
        let ty = &field.ty;
        let json = value.to_string();
        let name = &field.name;
        let set = quote! {
            match sample_argument::<#ty>(#json, #id, #name) {
                Ok(value) => request.#setter(value),
                Err(outcome) => break 'call #on_error,
            }
        };
        setters.push(if field.required {
            quote! { let request = #set; }
        } else {
            quote! { let request = if all_arguments { #set } else { request }; }
        });
    }
    Ok(setters)
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
        let mut value = sample(document, schema);
        if parameter.get("in").and_then(Value::as_str) == Some("query") {
            add_second_item(document, schema, &mut value);
        }
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

/// Grows a one-item sample array of a query parameter to two items, unless
/// the schema allows only one, so that the request shows whether the array
/// is sent comma-joined or with a repeated key. The second item is the next
/// distinct enum value where the item schema has one, else a copy (unless
/// the schema demands unique items).
fn add_second_item(document: &Value, schema: &Value, value: &mut Value) {
    let Some(schema) = resolve(document, schema) else {
        return;
    };
    let max_items = schema.get("maxItems").and_then(Value::as_u64);
    let unique = schema.get("uniqueItems") == Some(&Value::Bool(true));
    let Value::Array(items) = value else {
        return;
    };
    if items.len() != 1 || max_items.is_some_and(|max| max < 2) {
        return;
    }

    let first = items[0].clone();
    let distinct = schema
        .get("items")
        .map(|item| enum_values(document, item))
        .unwrap_or_default()
        .into_iter()
        .find(|candidate| *candidate != first);
    match distinct {
        Some(second) => items.push(second),
        None if !unique => items.push(first),
        None => {}
    }
}

/// Returns the enum values of a schema, or of the first member of its
/// `oneOf` or `anyOf` (the member the sample was built from).
fn enum_values(document: &Value, schema: &Value) -> Vec<Value> {
    let Some(schema) = resolve(document, schema) else {
        return Vec::new();
    };
    if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        return values.iter().filter(|v| !v.is_null()).cloned().collect();
    }
    ["oneOf", "anyOf"]
        .iter()
        .find_map(|key| schema.get(*key)?.as_array()?.first())
        .map(|first| enum_values(document, first))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn second_item_is_next_enum_value() {
        let document = json!({"components": {"schemas": {
            "Kind": {"type": "string", "enum": ["A", "B", "C"]}
        }}});
        let schema = json!({"type": "array", "items": {"$ref": "#/components/schemas/Kind"}});
        let mut value = json!(["A"]);

        add_second_item(&document, &schema, &mut value);

        assert_eq!(value, json!(["A", "B"]));
    }

    #[test]
    fn second_item_copies_without_enum() {
        let schema = json!({"type": "array", "items": {"type": "integer"}});
        let mut value = json!([1]);

        add_second_item(&json!({}), &schema, &mut value);

        assert_eq!(value, json!([1, 1]));
    }

    #[test]
    fn second_item_respects_max_items() {
        let schema = json!({"type": "array", "maxItems": 1, "items": {"enum": ["A", "B"]}});
        let mut value = json!(["A"]);

        add_second_item(&json!({}), &schema, &mut value);

        assert_eq!(value, json!(["A"]));
    }

    #[test]
    fn second_item_from_first_one_of_member() {
        let schema = json!({"type": "array", "items": {"oneOf": [
            {"enum": ["IMPRESSION", "SAVE"]},
            {"enum": ["IMPRESSION", "VIDEO_START"]}
        ]}});
        let mut value = json!(["IMPRESSION"]);

        add_second_item(&json!({}), &schema, &mut value);

        assert_eq!(value, json!(["IMPRESSION", "SAVE"]));
    }
}
