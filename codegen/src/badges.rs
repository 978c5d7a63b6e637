//! Marks each generated operation with the cargo feature that enables it.
//!
//! docs.rs documents the crate with every feature and `--cfg docsrs`. There
//! `doc(cfg(...))` shows a badge such as "Available on crate feature `ads`
//! only" on the `Client` method and the builder of each operation.

use std::collections::HashMap;

use heck::ToPascalCase;

use crate::areas::areas_of_tags;
use crate::inventory::OperationFacts;

/// Adds `#[cfg_attr(docsrs, doc(cfg(feature = "...")))]` to the `Client`
/// method and the builder struct of every operation in `facts`. Returns how
/// many items it marked.
pub fn mark_operation_features(file: &mut syn::File, facts: &[OperationFacts]) -> usize {
    let mut methods = HashMap::new();
    let mut builders = HashMap::new();
    for fact in facts {
        let attribute = feature_attribute(&fact.tags);
        if let Some(attribute) = attribute {
            builders.insert(fact.method_name.to_pascal_case(), attribute.clone());
            methods.insert(fact.method_name.clone(), attribute);
        }
    }

    let mut marked = 0;
    for item in &mut file.items {
        match item {
            syn::Item::Impl(block) if is_client_impl(block) => {
                for member in &mut block.items {
                    if let syn::ImplItem::Fn(method) = member {
                        if let Some(attribute) = methods.get(&method.sig.ident.to_string()) {
                            method.attrs.push(attribute.clone());
                            marked += 1;
                        }
                    }
                }
            }
            syn::Item::Mod(module) if module.ident == "builder" => {
                let items = module.content.iter_mut().flat_map(|(_, items)| items);
                for builder in items {
                    if let syn::Item::Struct(builder) = builder {
                        if let Some(attribute) = builders.get(&builder.ident.to_string()) {
                            builder.attrs.push(attribute.clone());
                            marked += 1;
                        }
                    }
                }
            }
            _ => {}
        }
    }
    marked
}

/// Builds the badge attribute for an operation with these tags: one
/// feature, or `any` of several when its tags span areas.
fn feature_attribute(tags: &[String]) -> Option<syn::Attribute> {
    let features: Vec<&str> = areas_of_tags(tags)
        .iter()
        .map(|area| area.feature)
        .collect();
    match features.as_slice() {
        [] => None,
        [feature] => Some(syn::parse_quote! {
            #[cfg_attr(docsrs, doc(cfg(feature = #feature)))]
        }),
        several => Some(syn::parse_quote! {
            #[cfg_attr(docsrs, doc(cfg(any( #(feature = #several),* ))))]
        }),
    }
}

/// Checks whether `block` is an inherent `impl Client`.
fn is_client_impl(block: &syn::ItemImpl) -> bool {
    if block.trait_.is_some() {
        return false;
    }
    matches!(&*block.self_ty, syn::Type::Path(path) if path.path.is_ident("Client"))
}

#[cfg(test)]
mod tests {
    use quote::ToTokens;

    use super::*;
    use crate::samples::SampleShape;

    fn fact(operation_id: &str, method_name: &str, tags: &[&str]) -> OperationFacts {
        OperationFacts {
            operation_id: operation_id.to_owned(),
            method_name: method_name.to_owned(),
            http_method: "GET".to_owned(),
            path: "/".to_owned(),
            success_status: 200,
            success_sample: None,
            success_shape: SampleShape::default(),
            tags: tags.iter().map(|tag| tag.to_string()).collect(),
            ratelimit_category: None,
            sandbox_disabled: false,
            scopes: Vec::new(),
            basic_auth: false,
        }
    }

    #[test]
    fn marks_methods_and_builders() {
        let mut file: syn::File = syn::parse_quote! {
            pub struct Client;
            impl Client {
                pub fn boards_list(&self) {}
                pub fn campaigns_list(&self) {}
                pub fn baseurl(&self) {}
            }
            pub mod builder {
                pub struct BoardsList;
                pub struct CampaignsList;
            }
        };
        let facts = [
            fact("boards/list", "boards_list", &["boards"]),
            fact(
                "campaigns/list",
                "campaigns_list",
                &["campaigns", "billing"],
            ),
        ];

        let marked = mark_operation_features(&mut file, &facts);

        assert_eq!(marked, 4);
        let source = file.to_token_stream().to_string();
        assert!(
            source.contains(
                r#"# [cfg_attr (docsrs , doc (cfg (feature = "content")))] pub fn boards_list"#
            ),
            "{source}"
        );
        assert!(
            source.contains(r#"doc (cfg (any (feature = "ads" , feature = "billing")))"#),
            "{source}"
        );
        assert!(
            source.contains(
                r#"# [cfg_attr (docsrs , doc (cfg (feature = "content")))] pub struct BoardsList"#
            ),
            "{source}"
        );
        assert!(source.contains("pub fn baseurl"), "{source}");
        assert_eq!(source.matches("cfg_attr").count(), 4);
    }
}
