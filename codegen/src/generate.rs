//! Running progenitor over the normalized document.

use std::fmt;

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::passes::{Normalized, OwnedEnum};
use crate::postprocess;

/// Errors from code generation.
#[derive(Debug)]
pub enum GenerateError {
    /// The normalized document is not an OpenAPI 3.0 document openapiv3 reads.
    Document(String),
    /// progenitor or typify rejected the document.
    Progenitor(String),
    /// The generated tokens do not parse as a Rust file.
    Syntax(String),
    /// A post-processing step did not find what it expected.
    Postprocess(String),
}

impl fmt::Display for GenerateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GenerateError::Document(m) => {
                write!(f, "the normalized document is not valid OpenAPI 3.0: {m}")
            }
            GenerateError::Progenitor(m) => write!(f, "progenitor failed: {m}"),
            GenerateError::Syntax(m) => write!(f, "generated code does not parse: {m}"),
            GenerateError::Postprocess(m) => write!(f, "post-processing failed: {m}"),
        }
    }
}

impl std::error::Error for GenerateError {}

/// The generated client.
pub struct Generated {
    /// The client as a parsed Rust file, after post-processing.
    pub file: syn::File,
    /// How many places each post-processing step changed.
    pub postprocess_counts: Vec<(&'static str, usize)>,
}

impl Generated {
    /// The client as formatted Rust source.
    pub fn to_source(&self) -> String {
        prettyplease::unparse(&self.file)
    }
}

/// Generates the client for a normalized document.
pub fn generate(normalized: &Normalized) -> Result<Generated, GenerateError> {
    let spec: openapiv3::OpenAPI = serde_json::from_value(normalized.document.clone())
        .map_err(|e| GenerateError::Document(e.to_string()))?;

    let tokens = run_progenitor(&spec, &normalized.output.component_enums)?;
    let mut file: syn::File =
        syn::parse2(tokens).map_err(|e| GenerateError::Syntax(e.to_string()))?;

    let mut postprocess_counts = Vec::new();
    let rewritten = postprocess::rewrite_query_styles(&mut file, &normalized.output.query_styles)?;
    postprocess_counts.push(("query_style_call_sites", rewritten));

    let fenced = postprocess::fence_untagged_code_blocks(&mut file);
    postprocess_counts.push(("doc_code_blocks_marked_text", fenced));
    let mut escaped = postprocess::escape_doc_markup(&mut file);

    let mut enums = syn::File {
        shebang: None,
        attrs: Vec::new(),
        items: owned_enum_items(&normalized.output.owned_enums),
    };
    escaped += postprocess::escape_doc_markup(&mut enums);
    postprocess_counts.push(("doc_comments_escaped", escaped));
    enums
        .items
        .push(known_values_check(&normalized.output.owned_enums));
    postprocess::append_to_types(&mut file, enums.items)?;
    postprocess_counts.push(("owned_enums_emitted", normalized.output.owned_enums.len()));

    Ok(Generated {
        file,
        postprocess_counts,
    })
}

fn run_progenitor(
    spec: &openapiv3::OpenAPI,
    component_enums: &[String],
) -> Result<TokenStream, GenerateError> {
    let mut settings = progenitor::GenerationSettings::default();
    settings
        .with_interface(progenitor::InterfaceStyle::Builder)
        .with_tag(progenitor::TagStyle::Merged)
        .with_inner_type(quote! { crate::client::Inner })
        .with_hooks(progenitor::HooksMode::Expected)
        .with_crate("pinterest-v5", progenitor::CrateVers::Any, None);
    for name in component_enums {
        settings.with_replacement(
            name,
            format!("::pinterest_v5::types::{name}"),
            std::iter::empty(),
        );
    }

    let mut generator = progenitor::Generator::new(&settings);

    // typify reports some schema problems by panicking; turn that into an error
    // that names the problem instead of a bare build-script crash.
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        generator.generate_tokens(spec)
    }));
    match result {
        Ok(Ok(tokens)) => Ok(tokens),
        Ok(Err(e)) => Err(GenerateError::Progenitor(e.to_string())),
        Err(panic) => {
            let message = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "unknown panic".to_owned());
            Err(GenerateError::Progenitor(message))
        }
    }
}

/// Rust items for the crate-owned string enums.
pub fn owned_enum_items(enums: &[OwnedEnum]) -> Vec<syn::Item> {
    enums
        .iter()
        .flat_map(|owned| {
            let tokens = owned_enum_tokens(owned);
            let file: syn::File = syn::parse2(tokens).expect("owned enum tokens are valid Rust");
            file.items
        })
        .collect()
}

/// A function (behind the `mock` feature) that serializes every known value
/// of every owned enum, checks the exact wire string and decodes it back.
/// Returns how many values it checked and a description of each failure.
fn known_values_check(enums: &[OwnedEnum]) -> syn::Item {
    let names: Vec<_> = enums.iter().map(|e| format_ident!("{}", e.name)).collect();

    syn::parse_quote! {
        #[cfg(feature = "mock")]
        pub(crate) fn check_known_enum_values() -> (usize, ::std::vec::Vec<::std::string::String>) {
            let mut checked = 0;
            let mut failures = ::std::vec::Vec::new();
            macro_rules! check {
                ($name:ident) => {
                    for known in $name::KNOWN {
                        checked += 1;
                        let wire = ::serde_json::to_value(known).ok();
                        let expected = ::serde_json::Value::String(known.as_str().to_owned());
                        if wire.as_ref() != Some(&expected) {
                            failures.push(format!("{}::{:?} serialized as {:?}", stringify!($name), known, wire));
                        }
                        let decoded = ::serde_json::from_value::<$name>(expected).ok();
                        if decoded.as_ref() != Some(known) {
                            failures.push(format!("{}::{:?} decoded as {:?}", stringify!($name), known, decoded));
                        }
                    }
                };
            }
            #( check!(#names); )*
            (checked, failures)
        }
    }
}

fn owned_enum_tokens(owned: &OwnedEnum) -> TokenStream {
    let name = format_ident!("{}", owned.name);
    let idents: Vec<_> = owned
        .variants
        .iter()
        .map(|v| format_ident!("{}", v.ident))
        .collect();
    let values: Vec<&str> = owned.variants.iter().map(|v| v.value.as_str()).collect();
    let docs = owned
        .description
        .clone()
        .unwrap_or_else(|| format!("Values of `{}`.", owned.name));
    let variant_docs = values.iter().map(|v| format!("`{v}`"));

    quote! {
        #[doc = #docs]
        ///
        /// Values this version of the crate does not know decode to
        /// `Unrecognized` and serialize back unchanged.
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum #name {
            #(
                #[doc = #variant_docs]
                #idents,
            )*
            /// A value this version of the crate does not know, kept as sent.
            Unrecognized(::std::string::String),
        }

        impl #name {
            /// The value as it appears on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    #( Self::#idents => #values, )*
                    Self::Unrecognized(value) => value.as_str(),
                }
            }

            /// Every value this version of the crate knows, in document order.
            pub const KNOWN: &'static [Self] = &[ #( Self::#idents, )* ];
        }

        impl ::std::convert::From<&str> for #name {
            fn from(value: &str) -> Self {
                match value {
                    #( #values => Self::#idents, )*
                    other => Self::Unrecognized(other.to_owned()),
                }
            }
        }

        impl ::std::convert::From<::std::string::String> for #name {
            fn from(value: ::std::string::String) -> Self {
                Self::from(value.as_str())
            }
        }

        impl ::std::str::FromStr for #name {
            type Err = ::std::convert::Infallible;

            fn from_str(value: &str) -> ::std::result::Result<Self, Self::Err> {
                Ok(Self::from(value))
            }
        }

        impl ::std::fmt::Display for #name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::serde::Serialize for #name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for #name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                let value = <::std::borrow::Cow<'de, str> as ::serde::Deserialize>::deserialize(deserializer)?;
                Ok(Self::from(value.as_ref()))
            }
        }
    }
}
