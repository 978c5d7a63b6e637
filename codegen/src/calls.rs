//! What every call needs at run time besides its request: the table of
//! per-operation facts (rate-limit category, sandbox support, scopes), the
//! error codes the document's examples show, and the `send` methods that
//! turn progenitor's error into the crate's own.
//!
//! progenitor names the builder method that sends a request `send` and makes
//! it return `progenitor_client::Error<E>`. [`wrap_send_methods`] renames
//! that method to `send_raw` (crate-private) and adds a public `send` and
//! `send_with` that run it under the crate's call context
//! (`crate::call::run`), which applies retries, rate limits and error
//! mapping.

use std::collections::BTreeSet;

use proc_macro2::TokenStream;
use quote::quote;
use serde_json::Value;

use crate::generate::GenerateError;
use crate::inventory::OperationFacts;
use crate::pagination::result_types;
use crate::passes::walk::{resolve, METHODS};

/// `OPERATIONS`: one `crate::call::OperationFacts` per operation, sorted by
/// generated method name so the crate can binary-search it by the
/// `operation_id` progenitor puts in `OperationInfo`.
pub fn operation_table(facts: &[OperationFacts]) -> syn::Item {
    let mut sorted: Vec<&OperationFacts> = facts.iter().collect();
    sorted.sort_by(|a, b| a.method_name.cmp(&b.method_name));

    let rows = sorted.iter().map(|fact| {
        let name = &fact.method_name;
        let category = fact.ratelimit_category.as_deref().unwrap_or("");
        let sandbox_disabled = fact.sandbox_disabled;
        let scopes = &fact.scopes;
        let basic_auth = fact.basic_auth;
        quote! {
            crate::call::OperationFacts {
                name: #name,
                ratelimit_category: #category,
                sandbox_disabled: #sandbox_disabled,
                scopes: &[ #(#scopes),* ],
                basic_auth: #basic_auth,
            }
        }
    });

    syn::parse_quote! {
        pub(crate) const OPERATIONS: &[crate::call::OperationFacts] = &[ #(#rows),* ];
    }
}

/// `ERROR_EXAMPLES`: every `(HTTP status, Pinterest code)` pair that an
/// error response example in the document shows, sorted and deduplicated.
pub fn error_examples_table(document: &Value) -> syn::Item {
    let pairs = error_examples(document);
    let rows = pairs
        .iter()
        .map(|(status, code)| quote! { (#status, #code) });

    syn::parse_quote! {
        pub(crate) const ERROR_EXAMPLES: &[(u16, i64)] = &[ #(#rows),* ];
    }
}

/// The `(status, code)` pairs of the document's error response examples.
pub fn error_examples(document: &Value) -> BTreeSet<(u16, i64)> {
    let mut pairs = BTreeSet::new();
    let Some(paths) = document.get("paths").and_then(Value::as_object) else {
        return pairs;
    };

    let operations = paths.values().flat_map(|item| {
        METHODS
            .iter()
            .filter_map(move |method| item.get(*method))
            .filter_map(|op| op.get("responses")?.as_object())
    });
    for responses in operations {
        for (status, response) in responses {
            let Ok(status) = status.parse::<u16>() else {
                continue;
            };
            let Some(content) = resolve(document, response)
                .and_then(|r| r.get("content"))
                .and_then(Value::as_object)
            else {
                continue;
            };
            for code in content.values().flat_map(example_codes) {
                pairs.insert((status, code));
            }
        }
    }
    pairs
}

/// The `code` of the media type's `example` and of each of its `examples`.
fn example_codes(media: &Value) -> Vec<i64> {
    let single = media.get("example");
    let named = media
        .get("examples")
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(|examples| examples.values())
        .filter_map(|example| example.get("value"));

    single
        .into_iter()
        .chain(named)
        .filter_map(|value| value.get("code")?.as_i64())
        .collect()
}

/// Renames each builder's `send` to `send_raw` and adds the public `send`
/// and `send_with`. Returns how many builders changed; an output with no
/// `send` at all means progenitor's layout changed, which is an error.
pub fn wrap_send_methods(file: &mut syn::File) -> Result<usize, GenerateError> {
    let items = builder_items_mut(file).ok_or_else(|| {
        GenerateError::Postprocess("the generated code has no `builder` module".to_owned())
    })?;

    let mut wrapped = 0;
    for item in items {
        let syn::Item::Impl(block) = item else {
            continue;
        };
        if wrap_in_impl(block)? {
            wrapped += 1;
        }
    }

    if wrapped == 0 {
        return Err(GenerateError::Postprocess(
            "found no `send` method in the builder module; progenitor's output changed".to_owned(),
        ));
    }
    Ok(wrapped)
}

fn builder_items_mut(file: &mut syn::File) -> Option<&mut Vec<syn::Item>> {
    file.items.iter_mut().find_map(|item| match item {
        syn::Item::Mod(module) if module.ident == "builder" => {
            module.content.as_mut().map(|(_, items)| items)
        }
        _ => None,
    })
}

/// Wraps the `send` of one builder impl block, if it has one.
fn wrap_in_impl(block: &mut syn::ItemImpl) -> Result<bool, GenerateError> {
    let Some(position) = block.items.iter().position(is_send) else {
        return Ok(false);
    };
    let syn::ImplItem::Fn(original) = &mut block.items[position] else {
        return Ok(false);
    };

    let success = success_type(&original.sig.output).ok_or_else(|| {
        GenerateError::Postprocess(format!(
            "`send` returns `{}`, not `Result<ResponseValue<T>, Error<E>>`",
            quote!(#original.sig.output)
        ))
    })?;
    let docs: Vec<syn::Attribute> = original
        .attrs
        .iter()
        .filter(|a| a.path().is_ident("doc"))
        .cloned()
        .collect();

    let operation = operation_name(original).ok_or_else(|| {
        GenerateError::Postprocess(
            "a `send` method has no `OperationInfo { operation_id: \"…\" }`".to_owned(),
        )
    })?;

    original.sig.ident = syn::Ident::new("send_raw", original.sig.ident.span());
    original.vis = syn::parse_quote!(pub(crate));
    original.attrs.retain(|a| !a.path().is_ident("doc"));

    for wrapper in wrappers(&docs, &success, &operation) {
        block.items.push(wrapper);
    }
    Ok(true)
}

/// The `operation_id` string progenitor writes into the method's
/// `OperationInfo`.
fn operation_name(function: &syn::ImplItemFn) -> Option<String> {
    let body = quote!(#function).to_string();
    let (_, rest) = body.split_once("operation_id :")?;
    let literal = rest.trim_start().strip_prefix('"')?;
    let (name, _) = literal.split_once('"')?;
    Some(name.to_owned())
}

fn is_send(item: &syn::ImplItem) -> bool {
    matches!(item, syn::ImplItem::Fn(f) if f.sig.ident == "send")
}

/// `T` from a `send` that returns `Result<ResponseValue<T>, Error<E>>`.
fn success_type(output: &syn::ReturnType) -> Option<syn::Type> {
    let syn::ReturnType::Type(_, ty) = output else {
        return None;
    };
    result_types(ty).map(|(success, _)| success)
}

/// The public `send` and `send_with` for a builder whose response is
/// `success`. JSON responses pass a decoder that finds the failing JSON
/// path; `()` and byte streams have none.
fn wrappers(docs: &[syn::Attribute], success: &syn::Type, operation: &str) -> Vec<syn::ImplItem> {
    let decoder = path_decoder(success);

    let send: syn::ImplItem = syn::parse_quote! {
        #(#docs)*
        ///
        /// Retries, rate limiting and timeouts follow the client's settings;
        /// use `send_with` to change them for this call.
        pub async fn send(self) -> Result<ResponseValue<#success>, crate::Error> {
            self.send_with(crate::CallOptions::default()).await
        }
    };
    let send_with: syn::ImplItem = syn::parse_quote! {
        /// Sends the request like `send`, with options for this call only.
        pub async fn send_with(
            self,
            options: crate::CallOptions,
        ) -> Result<ResponseValue<#success>, crate::Error> {
            let client = self.client;
            crate::call::run(client, #operation, options, #decoder, self.send_raw()).await
        }
    };
    vec![send, send_with]
}

fn path_decoder(success: &syn::Type) -> TokenStream {
    let text = quote!(#success).to_string().replace(' ', "");
    if text == "()" || text.ends_with("ByteStream") {
        quote!(None)
    } else {
        quote!(Some(crate::call::failing_path::<#success>))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn send_is_renamed_and_wrapped() {
        let mut file: syn::File = syn::parse_quote! {
            pub mod builder {
                pub struct BoardsList<'a> { client: &'a super::Client }
                impl<'a> BoardsList<'a> {
                    /// Sends a `GET` request to `/boards`
                    pub async fn send(self) -> Result<ResponseValue<types::Page>, Error<types::Error>> {
                        let info = OperationInfo { operation_id: "boards_list" };
                        todo!()
                    }
                }
            }
        };

        let wrapped = wrap_send_methods(&mut file).unwrap();
        let text = quote!(#file).to_string();

        assert_eq!(wrapped, 1);
        assert!(text.contains("pub (crate) async fn send_raw"), "{text}");
        assert!(text.contains("pub async fn send (self)"), "{text}");
        assert!(text.contains("pub async fn send_with"), "{text}");
        assert!(text.contains("failing_path :: < types :: Page >"), "{text}");
        assert!(text.contains("run (client , \"boards_list\""), "{text}");
    }

    #[test]
    fn empty_responses_have_no_path_decoder() {
        let unit: syn::Type = syn::parse_quote!(());
        let stream: syn::Type = syn::parse_quote!(ByteStream);

        assert_eq!(path_decoder(&unit).to_string(), "None");
        assert_eq!(path_decoder(&stream).to_string(), "None");
    }

    #[test]
    fn missing_builder_module_is_an_error() {
        let mut file: syn::File = syn::parse_quote! { pub mod types {} };

        let error = wrap_send_methods(&mut file).unwrap_err();

        assert!(error.to_string().contains("builder"), "{error}");
    }

    #[test]
    fn error_examples_read_single_and_named_examples() {
        let document = json!({
            "paths": { "/pins": { "get": { "responses": {
                "404": { "content": { "application/json": {
                    "example": { "code": 50, "message": "m" }
                }}},
                "403": { "content": { "application/json": {
                    "examples": { "A": { "value": { "code": 654 } }, "B": { "value": { "code": 2625 } } }
                }}},
                "default": { "content": { "application/json": {
                    "example": { "code": 1 }
                }}}
            }}}}
        });

        let pairs: Vec<(u16, i64)> = error_examples(&document).into_iter().collect();

        assert_eq!(pairs, vec![(403, 654), (403, 2625), (404, 50)]);
    }
}
