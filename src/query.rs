//! Query-string formats that progenitor does not produce itself.
//!
//! Generated code uses these for the parameters the OpenAPI document marks
//! `explode: false` (arrays sent as one comma-joined value, such as
//! `columns=SPEND_IN_DOLLAR,TOTAL_CLICKTHROUGH`) and `style: deepObject`
//! (objects sent as `parameters[catalog_type]=RETAIL`). Both serialize into
//! the `(name, value)` pairs that `reqwest::RequestBuilder::query` expects.

use serde::ser::{Error as _, Serialize, Serializer};
use serde_json::Value;

/// A query parameter sent as one `name=a,b,c` pair.
#[doc(hidden)]
pub struct CommaJoined<'a, T> {
    name: &'a str,
    value: &'a T,
}

impl<'a, T> CommaJoined<'a, T> {
    /// Wraps a parameter value; called by generated code.
    pub fn new(name: &'a str, value: &'a T) -> Self {
        CommaJoined { name, value }
    }
}

impl<T: Serialize> Serialize for CommaJoined<'_, T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let value = serde_json::to_value(self.value).map_err(S::Error::custom)?;
        let pairs = comma_joined_pairs(self.name, &value).map_err(S::Error::custom)?;
        pairs.serialize(serializer)
    }
}

/// A query parameter sent as `name[key]=value` pairs.
#[doc(hidden)]
pub struct DeepObject<'a, T> {
    name: &'a str,
    value: &'a T,
}

impl<'a, T> DeepObject<'a, T> {
    /// Wraps a parameter value; called by generated code.
    pub fn new(name: &'a str, value: &'a T) -> Self {
        DeepObject { name, value }
    }
}

impl<T: Serialize> Serialize for DeepObject<'_, T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let value = serde_json::to_value(self.value).map_err(S::Error::custom)?;
        let mut pairs = Vec::new();
        deep_object_pairs(self.name.to_owned(), &value, &mut pairs).map_err(S::Error::custom)?;
        pairs.serialize(serializer)
    }
}

/// The pairs for a comma-joined parameter: none for null, one otherwise.
fn comma_joined_pairs(name: &str, value: &Value) -> Result<Vec<(String, String)>, String> {
    let joined = match value {
        Value::Null => return Ok(Vec::new()),
        Value::Array(items) => items
            .iter()
            .map(|item| scalar(name, item))
            .collect::<Result<Vec<_>, _>>()?
            .join(","),
        other => scalar(name, other)?,
    };
    Ok(vec![(name.to_owned(), joined)])
}

/// Appends the pairs for a deep-object parameter. Nested objects extend the
/// key (`name[a][b]=v`); array members repeat the key.
fn deep_object_pairs(
    key: String,
    value: &Value,
    pairs: &mut Vec<(String, String)>,
) -> Result<(), String> {
    match value {
        Value::Null => Ok(()),
        Value::Object(fields) => {
            for (field, child) in fields {
                deep_object_pairs(format!("{key}[{field}]"), child, pairs)?;
            }
            Ok(())
        }
        Value::Array(items) => {
            for item in items {
                let text = scalar(&key, item)?;
                pairs.push((key.clone(), text));
            }
            Ok(())
        }
        scalar_value => {
            let text = scalar(&key, scalar_value)?;
            pairs.push((key, text));
            Ok(())
        }
    }
}

fn scalar(name: &str, value: &Value) -> Result<String, String> {
    match value {
        Value::String(text) => Ok(text.clone()),
        Value::Number(number) => Ok(number.to_string()),
        Value::Bool(flag) => Ok(flag.to_string()),
        other => Err(format!(
            "query parameter `{name}` contains {other}, which has no query-string form"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode<T: Serialize>(value: &T) -> String {
        serde_urlencoded::to_string(value).unwrap()
    }

    #[test]
    fn comma_joined_array_is_one_pair() {
        let columns = vec!["SPEND_IN_DOLLAR", "TOTAL_CLICKTHROUGH"];

        let query = encode(&CommaJoined::new("columns", &columns));

        assert_eq!(query, "columns=SPEND_IN_DOLLAR%2CTOTAL_CLICKTHROUGH");
    }

    #[test]
    fn comma_joined_none_sends_nothing() {
        let ids: Option<Vec<i64>> = None;

        assert_eq!(encode(&CommaJoined::new("id", &ids)), "");
        assert_eq!(
            encode(&CommaJoined::new("id", &Some(vec![1, 2]))),
            "id=1%2C2"
        );
    }

    #[test]
    fn deep_object_brackets_each_key() {
        let value = serde_json::json!({"catalog_type": "RETAIL", "filter": {"a": 1}, "skip": null});

        let query = encode(&DeepObject::new("parameters", &value));

        assert_eq!(
            query,
            "parameters%5Bcatalog_type%5D=RETAIL&parameters%5Bfilter%5D%5Ba%5D=1"
        );
    }

    #[test]
    fn nested_array_in_comma_joined_is_an_error() {
        let value = vec![vec![1]];

        let err = serde_urlencoded::to_string(CommaJoined::new("ids", &value)).unwrap_err();

        assert!(err.to_string().contains("`ids`"), "{err}");
    }
}
