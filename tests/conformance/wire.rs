//! Checks on the raw request that Prism does not make.
//!
//! Prism validates the values it parses out of a request, but its parsers
//! forgive some wire-format mistakes. For an `explode: false` array it keeps
//! only the last of repeated keys (prism-http 5.x, `deserializeArray`). Like
//! `JSON.parse`, it keeps the last of duplicate object keys. These checks
//! catch what that hides.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

use crate::document::QueryForm;

/// Checks a raw query string against the declared forms: a key that is
/// not an exploded array appears at most once, a deep-object parameter is
/// sent only as `name[key]`, and every key belongs to a declared parameter.
pub fn query_problems(query: Option<&str>, forms: &HashMap<String, QueryForm>) -> Vec<String> {
    let pairs: Vec<(String, String)> = match serde_urlencoded::from_str(query.unwrap_or("")) {
        Ok(pairs) => pairs,
        Err(e) => return vec![format!("the query string does not decode: {e}")],
    };
    let mut counts: Vec<(&str, usize)> = Vec::new();
    for (key, _) in &pairs {
        match counts.iter_mut().find(|(k, _)| k == key) {
            Some((_, count)) => *count += 1,
            None => counts.push((key, 1)),
        }
    }

    let mut problems = Vec::new();
    for (key, count) in counts {
        let base = key.split('[').next().unwrap_or(key);
        let form = forms.get(base).copied();
        match form {
            None => problems.push(format!(
                "query key `{key}` is not a parameter the document declares"
            )),
            Some(QueryForm::DeepObject) if key == base => problems.push(format!(
                "query key `{key}` is a deepObject parameter, which is sent as `{key}[name]=value` pairs"
            )),
            Some(QueryForm::Single | QueryForm::DeepObject) if count > 1 => problems.push(format!(
                "query key `{key}` appears {count} times, but the document declares a single value \
                 (arrays with `explode: false` are sent once, comma-joined)"
            )),
            Some(QueryForm::Single) if key != base => problems.push(format!(
                "query key `{key}` has brackets, but `{base}` is not a deepObject parameter"
            )),
            _ => {}
        }
    }
    problems
}

/// Lists the JSON pointers of object keys that occur twice in one object of
/// a JSON text, or returns why the text does not parse.
pub fn duplicate_json_keys(text: &str) -> Result<Vec<String>, String> {
    let found = RefCell::new(Vec::new());
    let mut deserializer = serde_json::Deserializer::from_str(text);
    JsonNode {
        pointer: String::new(),
        found: &found,
    }
    .deserialize(&mut deserializer)
    .map_err(|e| e.to_string())?;
    Ok(found.into_inner())
}

/// One JSON value being walked, at `pointer`.
struct JsonNode<'a> {
    pointer: String,
    found: &'a RefCell<Vec<String>>,
}

impl JsonNode<'_> {
    fn child(&self, token: &str) -> Self {
        let escaped = token.replace('~', "~0").replace('/', "~1");
        JsonNode {
            pointer: format!("{}/{escaped}", self.pointer),
            found: self.found,
        }
    }
}

impl<'de> DeserializeSeed<'de> for JsonNode<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for JsonNode<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }

    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }

    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }

    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }

    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }

    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut items: A) -> Result<(), A::Error> {
        let mut index = 0usize;
        while items
            .next_element_seed(self.child(&index.to_string()))?
            .is_some()
        {
            index += 1;
        }
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut entries: A) -> Result<(), A::Error> {
        let mut seen = HashSet::new();
        while let Some(key) = entries.next_key::<String>()? {
            let child = self.child(&key);
            if !seen.insert(key) {
                self.found.borrow_mut().push(child.pointer.clone());
            }
            entries.next_value_seed(child)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn forms() -> HashMap<String, QueryForm> {
        HashMap::from([
            ("columns".to_owned(), QueryForm::Single),
            ("ids".to_owned(), QueryForm::Repeated),
            ("parameters".to_owned(), QueryForm::DeepObject),
        ])
    }

    #[test]
    fn query_rules_accept_declared_forms() {
        let query = "columns=A%2CB&ids=1&ids=2&parameters%5Bkind%5D=RETAIL&parameters%5Breport%5D%5Btype%5D=X";

        assert!(query_problems(Some(query), &forms()).is_empty());
        assert!(query_problems(None, &forms()).is_empty());
    }

    #[test]
    fn query_rules_flag_repeated_comma_joined_key() {
        let problems = query_problems(Some("columns=A&columns=B"), &forms());

        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(
            problems[0].contains("`columns` appears 2 times"),
            "{problems:?}"
        );
    }

    #[test]
    fn query_rules_flag_bare_deep_object_key() {
        let problems = query_problems(Some("parameters=RETAIL"), &forms());

        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].contains("deepObject"), "{problems:?}");
    }

    #[test]
    fn query_rules_flag_undeclared_key() {
        let problems = query_problems(Some("colums=A"), &forms());

        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].contains("`colums`"), "{problems:?}");
    }

    #[test]
    fn duplicate_json_keys_found_with_pointer() {
        let text = r#"{"data": [{"user_data": {"em": ["a"], "em": ["b"]}}], "ok": 1}"#;

        assert_eq!(duplicate_json_keys(text).unwrap(), ["/data/0/user_data/em"]);
    }

    #[test]
    fn distinct_json_keys_pass() {
        let text = r#"{"a": {"a": 1}, "b": [{"a": 1}, {"a": 2}], "c": null}"#;

        assert!(duplicate_json_keys(text).unwrap().is_empty());
        assert!(duplicate_json_keys("not json").is_err());
    }
}
