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
    rewrite_docs(file, |text| {
        tag_untagged_fences(&fence_indented_blocks(&dedent(text)))
    })
}

/// Applies `rewrite` to the text of every `#[doc = "…"]` attribute in
/// `file` and returns how many it changed.
fn rewrite_docs(file: &mut syn::File, rewrite: fn(&str) -> String) -> usize {
    let mut rewriter = DocRewriter {
        rewrite,
        changed: 0,
    };
    rewriter.visit_file_mut(file);
    rewriter.changed
}

struct DocRewriter {
    rewrite: fn(&str) -> String,
    changed: usize,
}

impl VisitMut for DocRewriter {
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
        let rewritten = (self.rewrite)(&text);
        if rewritten != text {
            pair.value = syn::parse_quote!(#rewritten);
            self.changed += 1;
        }
    }
}

/// Makes description text from the document safe for rustdoc, outside code
/// blocks and code spans. HTML tags become literal text and bare URLs become
/// autolinks. Brackets that are not Markdown links are escaped, so rustdoc
/// does not read them as intra-doc links. Returns how many doc comments
/// changed.
pub fn escape_doc_markup(file: &mut syn::File) -> usize {
    rewrite_docs(file, escape_markup)
}

fn escape_markup(doc: &str) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut in_fence = false;

    for line in doc.split('\n') {
        if line.trim_start().starts_with("```") {
            in_fence = !in_fence;
            out.push(line.to_owned());
            continue;
        }
        if in_fence {
            out.push(line.to_owned());
            continue;
        }
        out.push(escape_line(line));
    }
    out.join("\n")
}

/// Escapes one line, leaving code spans (between backticks) as they are.
fn escape_line(line: &str) -> String {
    line.split('`')
        .enumerate()
        .map(|(index, part)| {
            if index % 2 == 1 {
                part.to_owned()
            } else {
                escape_text(part)
            }
        })
        .collect::<Vec<_>>()
        .join("`")
}

fn escape_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    let mut index = 0;

    while index < text.len() {
        let rest = &text[index..];
        let c = rest.chars().next().unwrap_or(' ');
        if let Some(autolink) = existing_autolink(rest) {
            out.push_str(autolink);
            index += autolink.len();
        } else if let Some(length) = bare_url_length(text, index) {
            out.push('<');
            out.push_str(&rest[..length]);
            out.push('>');
            index += length;
        } else if let Some(tag) = generator_tag(rest) {
            out.push_str(tag);
            index += tag.len();
        } else if c == '<' {
            out.push_str("&lt;");
            index += 1;
        } else if c == '[' && !starts_markdown_link(rest) {
            out.push_str("\\[");
            index += 1;
        } else if c == ']' && !out.ends_with("\\[") && !closes_markdown_link(text, index) {
            out.push_str("\\]");
            index += 1;
        } else {
            out.push(c);
            index += c.len_utf8();
        }
    }
    out
}

/// The collapsible-schema tags that typify writes around each type's JSON
/// schema, which rustdoc renders correctly.
fn generator_tag(rest: &str) -> Option<&'static str> {
    ["<details>", "</details>", "<summary>", "</summary>"]
        .into_iter()
        .find(|tag| rest.starts_with(tag))
}

/// `<https://…>` already written as an autolink.
fn existing_autolink(rest: &str) -> Option<&str> {
    let body = rest.strip_prefix('<')?;
    if !(body.starts_with("http://") || body.starts_with("https://")) {
        return None;
    }
    let end = body.find(|c: char| c == '>' || c.is_whitespace())?;
    body[end..].starts_with('>').then(|| &rest[..end + 2])
}

/// The length of a bare URL with a host starting at `index`, unless it is
/// the target of a Markdown link.
fn bare_url_length(text: &str, index: usize) -> Option<usize> {
    let rest = &text[index..];
    let scheme = if rest.starts_with("https://") {
        8
    } else if rest.starts_with("http://") {
        7
    } else {
        return None;
    };
    if text[..index].ends_with("](") {
        return None;
    }
    if !rest[scheme..].starts_with(|c: char| c.is_ascii_alphanumeric()) {
        return None;
    }
    let end = rest
        .find(|c: char| c.is_whitespace() || matches!(c, ')' | '>' | '<' | ']' | '"' | '\''))
        .unwrap_or(rest.len());
    let length = rest[..end]
        .trim_end_matches(['.', ',', ';', ':', '!', '?'])
        .len();
    (length > scheme).then_some(length)
}

/// `[text](…)` or `[text][…]`.
fn starts_markdown_link(rest: &str) -> bool {
    let Some(close) = rest.find(']') else {
        return false;
    };
    let after = &rest[close + 1..];
    after.starts_with('(') || after.starts_with('[')
}

fn closes_markdown_link(text: &str, index: usize) -> bool {
    let after = &text[index + 1..];
    let opened = text[..index]
        .rfind('[')
        .is_some_and(|open| !text[open..index].contains(']'));
    opened && (after.starts_with('(') || after.starts_with('['))
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
mod escape_tests {
    use super::escape_markup;

    #[test]
    fn html_becomes_text() {
        assert_eq!(
            escape_markup("a <p>b</p> <br/>"),
            "a &lt;p>b&lt;/p> &lt;br/>"
        );
    }

    #[test]
    fn schema_details_tags_stay() {
        let doc = "<details><summary>JSON schema</summary>";

        assert_eq!(escape_markup(doc), doc);
    }

    #[test]
    fn bare_urls_become_autolinks() {
        let doc = "Sandbox (https://api-sandbox.pinterest.com/v5). \"url\": \"http://x.example/a\"";

        let escaped = escape_markup(doc);

        assert!(
            escaped.contains("(<https://api-sandbox.pinterest.com/v5>)."),
            "{escaped}"
        );
        assert!(escaped.contains("\"<http://x.example/a>\""), "{escaped}");
    }

    #[test]
    fn links_code_and_hostless_urls_stay() {
        let kept = "[docs](https://a.example/x) `<p>` <https://b.example/y> or https://.";

        assert_eq!(escape_markup(kept), kept);
    }

    #[test]
    fn lone_brackets_are_escaped() {
        assert_eq!(
            escape_markup("[value] and [DCA]"),
            "\\[value\\] and \\[DCA\\]"
        );
    }

    #[test]
    fn fenced_blocks_stay() {
        let doc = "```text\n<p>[x] https://a.example\n```";

        assert_eq!(escape_markup(doc), doc);
    }
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
