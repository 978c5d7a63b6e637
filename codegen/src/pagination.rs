//! Finding bookmark-paginated operations in the generated client and
//! implementing `crate::pagination::Paginated` for their builders.
//!
//! An operation is paginated when its builder has an optional `bookmark`
//! argument and its success type is a struct with an `items` list and an
//! optional `bookmark` string. The rule reads the generated code, so it
//! follows whatever the document composes (Pinterest uses `allOf` with a
//! `Paginated` component).

use std::collections::HashMap;

use quote::{format_ident, quote};

use crate::generate::GenerateError;
use crate::inventory::OperationFacts;
use crate::postprocess::module_items;
use crate::sample_calls::builder_fields;

/// A paginated operation and the types its pages hold.
#[derive(Debug, Clone)]
pub struct PaginatedOperation {
    /// `operationId` as the document spells it.
    pub operation_id: String,
    /// The generated method name.
    pub method_name: String,
    /// The builder struct name.
    pub builder: String,
    /// The success type (the page).
    pub page: syn::Type,
    /// The element type of `items`.
    pub item: syn::Type,
    /// The error body type.
    pub error: syn::Type,
    /// Whether the builder has an optional `page_size` argument.
    pub has_page_size: bool,
}

/// Finds every paginated operation, in document order.
pub fn paginated_operations(file: &syn::File, facts: &[OperationFacts]) -> Vec<PaginatedOperation> {
    let fields = builder_fields(file);
    let signatures = send_signatures(file);
    let structs = type_fields(file);

    facts
        .iter()
        .filter_map(|fact| {
            let optional = |name: &str| {
                fields
                    .get(&fact.method_name)
                    .is_some_and(|fields| fields.iter().any(|f| f.name == name && !f.required))
            };
            if !optional("bookmark") {
                return None;
            }
            let builder = builder_name(&fact.method_name);
            let (page, error) = signatures.get(&builder)?.clone();
            let item = page_item(&page, &structs)?;
            Some(PaginatedOperation {
                operation_id: fact.operation_id.clone(),
                method_name: fact.method_name.clone(),
                builder,
                page,
                item,
                error,
                has_page_size: optional("page_size"),
            })
        })
        .collect()
}

/// `impl Paginated for X`, one per paginated operation, to be placed inside
/// the generated `builder` module so that it can read the builder's private
/// `page_size` field.
pub fn paginated_impls(operations: &[PaginatedOperation]) -> Result<Vec<syn::Item>, GenerateError> {
    operations
        .iter()
        .map(|op| {
            let builder = format_ident!("{}", op.builder);
            let (page, item) = (&op.page, &op.item);
            let operation_id = &op.operation_id;
            let page_size = page_size_methods(op.has_page_size);
            let tokens = quote! {
                impl<'a> crate::pagination::Paginated<'a> for #builder<'a> {
                    type Item = #item;
                    type Page = #page;

                    const OPERATION_ID: &'static str = #operation_id;

                    fn with_bookmark(self, bookmark: &str) -> Self {
                        self.bookmark(bookmark)
                    }

                    #page_size

                    fn fetch(self) -> crate::pagination::PageFuture<'a, Self::Page> {
                        ::std::boxed::Box::pin(async move { self.send().await.map(ResponseValue::into_inner) })
                    }

                    fn into_parts(page: Self::Page) -> (::std::vec::Vec<Self::Item>, ::std::option::Option<::std::string::String>) {
                        (page.items, page.bookmark)
                    }
                }
            };
            syn::parse2(tokens).map_err(|e| GenerateError::Syntax(e.to_string()))
        })
        .collect()
}

/// `requested_page_size` and `with_page_size` for a builder with or without
/// a `page_size` argument.
fn page_size_methods(has_page_size: bool) -> proc_macro2::TokenStream {
    if !has_page_size {
        return quote! {
            fn requested_page_size(&self) -> ::std::option::Option<u64> {
                ::std::option::Option::None
            }

            fn with_page_size(self, _page_size: u64) -> ::std::option::Option<Self> {
                ::std::option::Option::None
            }
        };
    }
    quote! {
        fn requested_page_size(&self) -> ::std::option::Option<u64> {
            match &self.page_size {
                ::std::result::Result::Ok(::std::option::Option::Some(value)) => u64::try_from(*value).ok(),
                _ => ::std::option::Option::None,
            }
        }

        fn with_page_size(self, page_size: u64) -> ::std::option::Option<Self> {
            ::std::option::Option::Some(self.page_size(page_size))
        }
    }
}

/// progenitor's builder struct name for a method name.
fn builder_name(method_name: &str) -> String {
    heck::ToPascalCase::to_pascal_case(method_name)
}

/// `(success type, error type)` of each builder's `send`, by builder name,
/// with paths made to resolve from the generated file's root.
pub(crate) fn send_signatures(file: &syn::File) -> HashMap<String, (syn::Type, syn::Type)> {
    let mut signatures = HashMap::new();
    let Some(items) = module_items(file, "builder") else {
        return signatures;
    };

    for item in items {
        let syn::Item::Impl(block) = item else {
            continue;
        };
        let syn::Type::Path(self_type) = block.self_ty.as_ref() else {
            continue;
        };
        let Some(name) = self_type.path.segments.last().map(|s| s.ident.to_string()) else {
            continue;
        };

        for member in &block.items {
            let syn::ImplItem::Fn(function) = member else {
                continue;
            };
            // `send_raw` once the call wrappers are in; `send` before.
            if function.sig.ident != "send" && function.sig.ident != "send_raw" {
                continue;
            }
            let syn::ReturnType::Type(_, ty) = &function.sig.output else {
                continue;
            };
            if let Some(types) = result_types(ty) {
                signatures.insert(name.clone(), types);
            }
        }
    }
    signatures
}

/// `(T, E)` from `Result<ResponseValue<T>, Error<E>>`.
pub(crate) fn result_types(ty: &syn::Type) -> Option<(syn::Type, syn::Type)> {
    let args = generic_arguments(ty)?;
    let success = generic_arguments(args.first()?)?.first()?.clone();
    let error = generic_arguments(args.get(1)?)?.first()?.clone();
    Some((success, error))
}

fn generic_arguments(ty: &syn::Type) -> Option<Vec<syn::Type>> {
    let syn::Type::Path(path) = ty else {
        return None;
    };
    let syn::PathArguments::AngleBracketed(args) = &path.path.segments.last()?.arguments else {
        return None;
    };
    Some(
        args.args
            .iter()
            .filter_map(|arg| match arg {
                syn::GenericArgument::Type(t) => Some(t.clone()),
                _ => None,
            })
            .collect(),
    )
}

/// Named fields of the structs in the `types` module, by struct name.
fn type_fields(file: &syn::File) -> HashMap<String, Vec<(String, syn::Type)>> {
    let mut structs = HashMap::new();
    let Some(items) = module_items(file, "types") else {
        return structs;
    };
    for item in items {
        let syn::Item::Struct(definition) = item else {
            continue;
        };
        let fields = definition
            .fields
            .iter()
            .filter_map(|f| Some((f.ident.as_ref()?.to_string(), f.ty.clone())))
            .collect();
        structs.insert(definition.ident.to_string(), fields);
    }
    structs
}

/// Returns the element type of the page's `items` when the page also has
/// an optional `bookmark` string.
fn page_item(
    page: &syn::Type,
    structs: &HashMap<String, Vec<(String, syn::Type)>>,
) -> Option<syn::Type> {
    let syn::Type::Path(path) = page else {
        return None;
    };
    let name = path.path.segments.last()?.ident.to_string();
    let fields = structs.get(&name)?;

    let bookmark_is_optional_string = fields.iter().any(|(field, ty)| {
        field == "bookmark"
            && quote!(#ty)
                .to_string()
                .replace(' ', "")
                .ends_with("Option<::std::string::String>")
    });
    if !bookmark_is_optional_string {
        return None;
    }

    let (_, items) = fields.iter().find(|(field, _)| field == "items")?;
    let item = generic_arguments(items)?.first()?.clone();
    Some(qualify_in_types(item))
}

/// Qualifies a type written inside the `types` module so that it resolves
/// from the root of the generated file: a bare name gets a `types::` prefix.
fn qualify_in_types(ty: syn::Type) -> syn::Type {
    match &ty {
        syn::Type::Path(path)
            if path.qself.is_none()
                && path.path.leading_colon.is_none()
                && path.path.segments.len() == 1 =>
        {
            let segment = &path.path.segments[0];
            syn::parse_quote!(types::#segment)
        }
        _ => ty,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_item_needs_items_and_bookmark() {
        let file: syn::File = syn::parse_quote! {
            pub mod types {
                pub struct ListResponse {
                    pub bookmark: ::std::option::Option<::std::string::String>,
                    pub items: ::std::vec::Vec<Board>,
                }
                pub struct Other {
                    pub items: ::std::vec::Vec<Board>,
                }
            }
        };
        let structs = type_fields(&file);

        let item = page_item(&syn::parse_quote!(types::ListResponse), &structs).unwrap();

        assert_eq!(quote!(#item).to_string().replace(' ', ""), "types::Board");
        assert!(page_item(&syn::parse_quote!(types::Other), &structs).is_none());
    }

    #[test]
    fn result_types_split_success_and_error() {
        let ty: syn::Type =
            syn::parse_quote!(Result<ResponseValue<types::Page>, Error<types::Error>>);

        let (success, error) = result_types(&ty).unwrap();

        assert_eq!(quote!(#success).to_string().replace(' ', ""), "types::Page");
        assert_eq!(quote!(#error).to_string().replace(' ', ""), "types::Error");
    }
}
