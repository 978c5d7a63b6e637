//! The OpenAPI document Prism serves, and the facts about it that the
//! suite's own checks need.
//!
//! Prism gets a working copy of the pinned document with the crate's own
//! correction rules (`spec/corrections.json`) applied, written at test time
//! into an ignored folder, so that Prism and the generated client read the
//! same document. The document is third-party data and never committed.

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};

use serde_json::Value;

/// Environment variable naming the folder that contains the pinned document.
const SPEC_DIR_ENV: &str = "PINTEREST_SPEC_DIR";

/// Loads the pinned document and applies the correction rules.
pub fn corrected_document(crate_dir: &Path) -> Result<Value, String> {
    let path = pinned_document_path(crate_dir)?;
    let text =
        fs::read_to_string(&path).map_err(|e| format!("failed to read {}: {e}", path.display()))?;
    let mut document: Value = serde_json::from_str(&text)
        .map_err(|e| format!("{} is not valid JSON: {e}", path.display()))?;

    let rules_path = crate_dir.join("spec/corrections.json");
    let rules_text = fs::read_to_string(&rules_path)
        .map_err(|e| format!("failed to read {}: {e}", rules_path.display()))?;
    let rules: Vec<Value> = serde_json::from_str(&rules_text)
        .map_err(|e| format!("{} is not a JSON list: {e}", rules_path.display()))?;
    for rule in &rules {
        apply_correction(&mut document, rule)?;
    }
    Ok(document)
}

/// Finds the file named in `spec/pin.toml` where the build script looks for
/// it: in `PINTEREST_SPEC_DIR` (set by `.cargo/config.toml` for cargo
/// commands), then in the crate's `spec/` folder.
fn pinned_document_path(crate_dir: &Path) -> Result<PathBuf, String> {
    let pin_path = crate_dir.join("spec/pin.toml");
    let pin = fs::read_to_string(&pin_path)
        .map_err(|e| format!("failed to read {}: {e}", pin_path.display()))?;
    let file = pin
        .lines()
        .filter_map(|line| line.split_once('='))
        .find(|(key, _)| key.trim() == "file")
        .map(|(_, value)| value.trim().trim_matches('"').to_owned())
        .ok_or_else(|| format!("{} has no `file` entry", pin_path.display()))?;

    let spec_dir = std::env::var_os(SPEC_DIR_ENV)
        .map(PathBuf::from)
        .or_else(|| option_env!("PINTEREST_SPEC_DIR").map(PathBuf::from));
    let candidates: Vec<PathBuf> = spec_dir
        .into_iter()
        .chain([crate_dir.join("spec")])
        .map(|dir| dir.join(&file))
        .collect();
    candidates.iter().find(|p| p.is_file()).cloned().ok_or_else(|| {
        let tried: Vec<String> = candidates.iter().map(|p| p.display().to_string()).collect();
        format!(
            "the pinned OpenAPI document was not found; looked in {}. Set {SPEC_DIR_ENV} to its folder",
            tried.join(", ")
        )
    })
}

/// Applies one `{pointer, action, value}` rule the way the build does.
fn apply_correction(document: &mut Value, rule: &Value) -> Result<(), String> {
    let pointer = rule["pointer"].as_str().unwrap_or_default();
    let fail = |message: &str| format!("correction rule at `{pointer}` does not apply: {message}");
    let (parent_pointer, last) = pointer
        .rsplit_once('/')
        .ok_or_else(|| fail("the pointer is empty"))?;
    let last = last.replace("~1", "/").replace("~0", "~");
    let parent = document
        .pointer_mut(parent_pointer)
        .ok_or_else(|| fail("the parent of the pointer does not exist"))?;

    match (rule["action"].as_str(), parent) {
        (Some("set"), Value::Object(map)) => {
            map.insert(last, rule["value"].clone());
        }
        (Some("remove"), Value::Object(map)) => {
            map.remove(&last)
                .ok_or_else(|| fail("there is nothing to remove"))?;
        }
        (Some("set"), Value::Array(items)) => {
            let slot = last
                .parse::<usize>()
                .ok()
                .and_then(|index| items.get_mut(index))
                .ok_or_else(|| fail("no such array index"))?;
            *slot = rule["value"].clone();
        }
        (Some("remove"), Value::Array(items)) => {
            let index = last
                .parse::<usize>()
                .ok()
                .filter(|index| *index < items.len())
                .ok_or_else(|| fail("no such array index"))?;
            items.remove(index);
        }
        _ => return Err(fail("unknown action or parent type")),
    }
    Ok(())
}

/// Writes `document` to `folder/openapi.json` and returns the path.
pub fn write_working_copy(document: &Value, folder: &Path) -> Result<PathBuf, String> {
    let path = folder.join("openapi.json");
    let text = serde_json::to_string(document)
        .map_err(|e| format!("failed to serialize the working copy: {e}"))?;
    fs::write(&path, text).map_err(|e| format!("failed to write {}: {e}", path.display()))?;
    Ok(path)
}

/// How a query parameter may appear in a query string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueryForm {
    /// An array with `explode: true` (the default): the key repeats once per item.
    Repeated,
    /// A `style: deepObject` object: only `name[key]` keys, never `name` itself.
    DeepObject,
    /// Anything else, including arrays with `explode: false`: the key
    /// appears at most once.
    Single,
}

/// Query parameters of every operation, by `(METHOD, path template)`.
pub fn query_forms(document: &Value) -> HashMap<(String, String), HashMap<String, QueryForm>> {
    let mut forms = HashMap::new();
    let Some(paths) = document["paths"].as_object() else {
        return forms;
    };

    for (path, item) in paths {
        let Some(item) = item.as_object() else {
            continue;
        };
        for (method, operation) in item {
            if operation.get("operationId").is_none() {
                continue;
            }
            let parameters = item
                .get("parameters")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .chain(operation["parameters"].as_array().into_iter().flatten());
            let mut by_name = HashMap::new();
            for parameter in parameters {
                let parameter = resolve(document, parameter);
                if parameter["in"] != "query" {
                    continue;
                }
                if let Some(name) = parameter["name"].as_str() {
                    by_name.insert(name.to_owned(), query_form(document, parameter));
                }
            }
            forms.insert((method.to_ascii_uppercase(), path.clone()), by_name);
        }
    }
    forms
}

fn query_form(document: &Value, parameter: &Value) -> QueryForm {
    if parameter["style"] == "deepObject" {
        return QueryForm::DeepObject;
    }
    let style_is_form = parameter["style"].as_str().is_none_or(|s| s == "form");
    let explode = parameter["explode"].as_bool().unwrap_or(style_is_form);
    let is_array = resolve(document, &parameter["schema"])["type"] == "array";
    if is_array && explode {
        QueryForm::Repeated
    } else {
        QueryForm::Single
    }
}

fn resolve<'a>(document: &'a Value, mut value: &'a Value) -> &'a Value {
    for _ in 0..32 {
        let Some(target) = value["$ref"].as_str() else {
            return value;
        };
        match target.strip_prefix('#').and_then(|p| document.pointer(p)) {
            Some(next) => value = next,
            None => return &Value::Null,
        }
    }
    &Value::Null
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn query_form_follows_style_and_explode() {
        let document = json!({"components": {"schemas": {"List": {"type": "array", "items": {"type": "string"}}}}});
        let array = json!({"$ref": "#/components/schemas/List"});

        let exploded = json!({"name": "a", "in": "query", "schema": array});
        let joined = json!({"name": "a", "in": "query", "explode": false, "schema": array});
        let deep = json!({"name": "a", "in": "query", "style": "deepObject", "schema": {"type": "object"}});
        let scalar = json!({"name": "a", "in": "query", "schema": {"type": "string"}});

        assert_eq!(query_form(&document, &exploded), QueryForm::Repeated);
        assert_eq!(query_form(&document, &joined), QueryForm::Single);
        assert_eq!(query_form(&document, &deep), QueryForm::DeepObject);
        assert_eq!(query_form(&document, &scalar), QueryForm::Single);
    }

    #[test]
    fn corrections_set_and_remove() {
        let mut document = json!({"paths": {"/a/b": {"get": {"x": 1, "y": [1, 2]}}}});

        apply_correction(
            &mut document,
            &json!({"pointer": "/paths/~1a~1b/get/x", "action": "set", "value": 2}),
        )
        .unwrap();
        apply_correction(
            &mut document,
            &json!({"pointer": "/paths/~1a~1b/get/y/0", "action": "remove"}),
        )
        .unwrap();

        assert_eq!(
            document,
            json!({"paths": {"/a/b": {"get": {"x": 2, "y": [2]}}}})
        );
    }
}
