//! Rewrites of progenitor's output that a change to the document cannot
//! express. Each rewrite targets one narrow, recognizable construct and fails
//! loudly when it does not find it, so a progenitor upgrade that changes its
//! output is noticed at build time.

use heck::ToSnakeCase;
use syn::visit_mut::{self, VisitMut};

use crate::generate::GenerateError;
use crate::passes::{QueryStyle, QueryStyleKind};

/// progenitor's spelling of an `operationId` in generated code.
pub fn progenitor_operation_name(operation_id: &str) -> String {
    let dashed: String = operation_id
        .replace('\'', "")
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    dashed.to_snake_case()
}

/// Points each query parameter listed in `styles` at the crate's own
/// serializer (`crate::query::CommaJoined` or `crate::query::DeepObject`)
/// instead of `progenitor_client::QueryParam`. Returns how many call sites
/// changed, which must equal `styles.len()`.
pub fn rewrite_query_styles(
    file: &mut syn::File,
    styles: &[QueryStyle],
) -> Result<usize, GenerateError> {
    let mut rewriter = QueryRewriter {
        styles: styles
            .iter()
            .map(|s| {
                (
                    progenitor_operation_name(&s.operation_id),
                    s.parameter.clone(),
                    s.kind,
                )
            })
            .collect(),
        current_operation: None,
        rewritten: Vec::new(),
    };
    rewriter.visit_file_mut(file);

    let missing: Vec<String> = rewriter
        .styles
        .iter()
        .filter(|(op, param, _)| {
            !rewriter
                .rewritten
                .iter()
                .any(|(o, p)| o == op && p == param)
        })
        .map(|(op, param, _)| format!("{op}.{param}"))
        .collect();
    if !missing.is_empty() {
        return Err(GenerateError::Postprocess(format!(
            "no `QueryParam::new` call found for query parameters {}",
            missing.join(", ")
        )));
    }
    Ok(rewriter.rewritten.len())
}

struct QueryRewriter {
    styles: Vec<(String, String, QueryStyleKind)>,
    current_operation: Option<String>,
    rewritten: Vec<(String, String)>,
}

impl VisitMut for QueryRewriter {
    fn visit_impl_item_fn_mut(&mut self, function: &mut syn::ImplItemFn) {
        let previous = self.current_operation.take();
        self.current_operation = operation_name_in(&function.block);
        visit_mut::visit_impl_item_fn_mut(self, function);
        self.current_operation = previous;
    }

    fn visit_expr_call_mut(&mut self, call: &mut syn::ExprCall) {
        visit_mut::visit_expr_call_mut(self, call);

        let Some(operation) = self.current_operation.clone() else {
            return;
        };
        let syn::Expr::Path(function) = call.func.as_mut() else {
            return;
        };
        if !path_ends_with(&function.path, &["QueryParam", "new"]) {
            return;
        }
        let Some(parameter) = call.args.first().and_then(string_literal) else {
            return;
        };

        let kind = self
            .styles
            .iter()
            .find(|(op, param, _)| *op == operation && *param == parameter)
            .map(|(_, _, kind)| *kind);
        let replacement: syn::Path = match kind {
            Some(QueryStyleKind::CommaJoined) => syn::parse_quote!(crate::query::CommaJoined::new),
            Some(QueryStyleKind::DeepObject) => syn::parse_quote!(crate::query::DeepObject::new),
            None => return,
        };
        function.path = replacement;
        self.rewritten.push((operation, parameter));
    }
}

/// The operation name in an `OperationInfo { operation_id: "..." }` literal
/// inside `block`, which progenitor emits in every request-sending function.
fn operation_name_in(block: &syn::Block) -> Option<String> {
    struct Finder(Option<String>);

    impl<'ast> syn::visit::Visit<'ast> for Finder {
        fn visit_expr_struct(&mut self, expr: &'ast syn::ExprStruct) {
            if path_ends_with(&expr.path, &["OperationInfo"]) {
                for field in &expr.fields {
                    let is_id =
                        matches!(&field.member, syn::Member::Named(name) if name == "operation_id");
                    if is_id {
                        self.0 = string_literal(&field.expr);
                    }
                }
            }
            syn::visit::visit_expr_struct(self, expr);
        }
    }

    let mut finder = Finder(None);
    syn::visit::Visit::visit_block(&mut finder, block);
    finder.0
}

fn path_ends_with(path: &syn::Path, tail: &[&str]) -> bool {
    let segments: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
    segments.len() >= tail.len()
        && segments[segments.len() - tail.len()..]
            .iter()
            .zip(tail)
            .all(|(a, b)| a == b)
}

fn string_literal(expr: &syn::Expr) -> Option<String> {
    match expr {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(literal),
            ..
        }) => Some(literal.value()),
        _ => None,
    }
}

/// The items of the generated top-level module `name`, such as `builder`.
pub(crate) fn module_items<'f>(file: &'f syn::File, name: &str) -> Option<&'f Vec<syn::Item>> {
    file.items.iter().find_map(|item| match item {
        syn::Item::Mod(m) if m.ident == name => m.content.as_ref().map(|(_, items)| items),
        _ => None,
    })
}

/// Appends `items` to the generated `types` module. Returns how many were added.
pub fn append_to_types(
    file: &mut syn::File,
    items: Vec<syn::Item>,
) -> Result<usize, GenerateError> {
    append_to_module(file, "types", items)
}

/// Appends `items` to the generated top-level module `name`. Returns how
/// many were added.
pub fn append_to_module(
    file: &mut syn::File,
    name: &str,
    items: Vec<syn::Item>,
) -> Result<usize, GenerateError> {
    let module = file.items.iter_mut().find_map(|item| match item {
        syn::Item::Mod(module) if module.ident == name => module.content.as_mut(),
        _ => None,
    });
    let Some((_, content)) = module else {
        return Err(GenerateError::Postprocess(format!(
            "the generated file has no `{name}` module"
        )));
    };

    let count = items.len();
    content.extend(items);
    Ok(count)
}

/// Marks fenced code blocks without a language in generated doc comments as
/// `text`. Descriptions in the document contain such blocks (JSON, shell
/// commands), which rustdoc would otherwise compile as Rust doctests.
/// Returns how many doc comments changed.
pub fn fence_untagged_code_blocks(file: &mut syn::File) -> usize {
    let mut fencer = Fencer { changed: 0 };
    fencer.visit_file_mut(file);
    fencer.changed
}

struct Fencer {
    changed: usize,
}

impl VisitMut for Fencer {
    fn visit_attribute_mut(&mut self, attribute: &mut syn::Attribute) {
        if !attribute.path().is_ident("doc") {
            return;
        }
        let syn::Meta::NameValue(pair) = &mut attribute.meta else {
            return;
        };
        let Some(text) = string_literal(&pair.value) else {
            return;
        };
        let fenced = tag_untagged_fences(&fence_indented_blocks(&dedent(&text)));
        if fenced != text {
            pair.value = syn::parse_quote!(#fenced);
            self.changed += 1;
        }
    }
}

/// Removes the indentation that all non-blank lines share, which some
/// descriptions in the document carry as a whole.
fn dedent(doc: &str) -> String {
    let common = doc
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| line.len() - line.trim_start_matches(' ').len())
        .min()
        .unwrap_or(0);
    if common == 0 {
        return doc.to_owned();
    }
    doc.split('\n')
        .map(|line| {
            line.get(common..)
                .unwrap_or_else(|| line.trim_start_matches(' '))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Wraps Markdown indented code blocks (a run of lines indented by four or
/// more spaces after a blank line, outside a fence) in a `text` fence,
/// because rustdoc compiles indented blocks as Rust doctests.
fn fence_indented_blocks(doc: &str) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut in_fence = false;
    let mut in_indented = false;
    let mut previous_blank = true;

    for line in doc.split('\n') {
        let blank = line.trim().is_empty();
        let indented = line.starts_with("    ") || line.starts_with('\t');
        if line.trim_start().starts_with("```") && !in_indented {
            in_fence = !in_fence;
        }

        if in_indented && !blank && !indented {
            close_indented(&mut out);
            in_indented = false;
        }
        if !in_fence && !in_indented && indented && !blank && previous_blank {
            out.push("```text".to_owned());
            in_indented = true;
        }

        out.push(line.to_owned());
        previous_blank = blank;
    }
    if in_indented {
        close_indented(&mut out);
    }
    out.join("\n")
}

/// Closes a `text` fence opened for an indented block, before the blank
/// lines that ended it.
fn close_indented(out: &mut Vec<String>) {
    let trailing_blank = out
        .iter()
        .rev()
        .take_while(|line| line.trim().is_empty())
        .count();
    let at = out.len() - trailing_blank;
    out.insert(at, "```".to_owned());
}

/// Adds `text` to every opening code fence that has no language.
fn tag_untagged_fences(doc: &str) -> String {
    let mut in_block = false;
    let lines: Vec<String> = doc
        .split('\n')
        .map(|line| {
            let trimmed = line.trim_start();
            if !trimmed.starts_with("```") {
                return line.to_owned();
            }
            let opening = !in_block;
            in_block = !in_block;
            if opening && trimmed.trim_end() == "```" {
                format!("{}text", line.trim_end())
            } else {
                line.to_owned()
            }
        })
        .collect();
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::ToTokens;

    #[test]
    fn operation_names_match_progenitor() {
        assert_eq!(
            progenitor_operation_name("ad_groups/analytics"),
            "ad_groups_analytics"
        );
        assert_eq!(progenitor_operation_name("boards/list"), "boards_list");
        assert_eq!(
            progenitor_operation_name("user_account/get"),
            "user_account_get"
        );
    }

    #[test]
    fn query_params_rewritten_per_operation() {
        let mut file: syn::File = syn::parse_quote! {
            impl<'a> A<'a> {
                pub async fn send(self) {
                    let r = client.get(url)
                        .query(&progenitor_client::QueryParam::new("columns", &columns))
                        .query(&progenitor_client::QueryParam::new("other", &other));
                    let info = OperationInfo { operation_id: "ads_analytics" };
                }
            }
            impl<'a> B<'a> {
                pub async fn send(self) {
                    let r = client.get(url).query(&progenitor_client::QueryParam::new("columns", &columns));
                    let info = OperationInfo { operation_id: "other_op" };
                }
            }
        };
        let styles = [QueryStyle {
            operation_id: "ads/analytics".into(),
            parameter: "columns".into(),
            kind: QueryStyleKind::CommaJoined,
        }];

        let count = rewrite_query_styles(&mut file, &styles).unwrap();

        let source = file.to_token_stream().to_string();
        assert_eq!(count, 1);
        assert_eq!(
            source
                .matches("crate :: query :: CommaJoined :: new (\"columns\"")
                .count(),
            1
        );
        assert_eq!(source.matches("QueryParam :: new (\"columns\"").count(), 1);
        assert_eq!(source.matches("QueryParam :: new (\"other\"").count(), 1);
    }

    #[test]
    fn untagged_fences_become_text() {
        let doc = "Example:\n```\ncurl -X POST\n```\nand\n  ```json\n{}\n  ```\n```\nx\n```";

        let fenced = tag_untagged_fences(doc);

        assert_eq!(
            fenced,
            "Example:\n```text\ncurl -X POST\n```\nand\n  ```json\n{}\n  ```\n```text\nx\n```"
        );
    }

    #[test]
    fn indented_description_becomes_prose() {
        let doc = "    List Pins.\n\n    - one\n    - two";

        assert_eq!(
            fence_indented_blocks(&dedent(doc)),
            "List Pins.\n\n- one\n- two"
        );
    }

    #[test]
    fn indented_block_fenced_as_text() {
        let doc = "Call it like this:\n\n    curl -X GET `x`\n    more\n\nThen done.";

        let fenced = fence_indented_blocks(&dedent(doc));

        assert_eq!(
            fenced,
            "Call it like this:\n\n```text\n    curl -X GET `x`\n    more\n```\n\nThen done."
        );
    }

    #[test]
    fn missing_call_site_is_an_error() {
        let mut file: syn::File = syn::parse_quote! { fn f() {} };
        let styles = [QueryStyle {
            operation_id: "x".into(),
            parameter: "y".into(),
            kind: QueryStyleKind::DeepObject,
        }];

        let err = rewrite_query_styles(&mut file, &styles).unwrap_err();

        assert!(err.to_string().contains("x.y"), "{err}");
    }
}
