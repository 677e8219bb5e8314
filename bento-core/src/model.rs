//! Shapes shared by several API areas: the JSON:API-like resource envelope and batch counters.
//!
//! Response models are forward compatible: unknown keys are ignored, `null` where a string is
//! expected reads as empty, ids arrive as strings or numbers, counters default to 0.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize};

/// A free-form JSON object (custom fields, event details, personalizations).
pub type JsonMap = std::collections::HashMap<String, serde_json::Value>;

/// Serializes a [`JsonMap`] with its keys in order, so the same input always gives the same
/// bytes (a `HashMap` iterates in a per-process random order). The guide's struct literals
/// (`custom_fields: HashMap::new()`) fix the type as `HashMap`, so the order is the keys',
/// not the caller's insertion order; nested objects are `serde_json::Map`s, already sorted.
pub(crate) fn sorted<S: serde::Serializer>(map: &JsonMap, s: S) -> Result<S::Ok, S::Error> {
    let mut entries: Vec<(&String, &serde_json::Value)> = map.iter().collect();
    entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
    s.collect_map(entries)
}

/// [`sorted`] for an optional map.
pub(crate) fn sorted_opt<S: serde::Serializer>(
    map: &Option<JsonMap>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match map {
        Some(map) => sorted(map, s),
        None => s.serialize_none(),
    }
}

/// Why text that must be a JSON object was refused by [`json_object_from_str`].
#[derive(Debug)]
pub enum JsonObjectError {
    /// Not JSON (serde_json's error carries the line and column).
    Syntax(serde_json::Error),
    /// Well-formed JSON of another kind: `null`, `a boolean`, `a number`, `a string` or
    /// `an array`.
    NotAnObject(&'static str),
}

/// Parses JSON text that must be an object straight into a [`JsonMap`] (no intermediate
/// `Value::Object` to rebuild). The boundaries that take free-form JSON as text (the WASI
/// component, the FFI) share it, so both tell broken text from a well-formed non-object the
/// same way; each words its own error.
pub fn json_object_from_str(text: &str) -> Result<JsonMap, JsonObjectError> {
    use serde_json::Value;
    // `from_slice` rather than `from_str`, here and wherever the crate parses text: responses
    // are bytes, and one reader type means one copy of serde_json's parser in the component
    // (a second, `StrRead`, costs ~10 KB there).
    match crate::objects::from_slice::<JsonMap>(text.as_bytes()) {
        Ok(map) => Ok(map),
        // A type error stops at the first token (the `[` of a broken array too): parse it
        // again, on this error path only, to tell broken text from a well-formed non-object
        // (fuzz finding F5, FUZZING.md).
        Err(e) if e.classify() == serde_json::error::Category::Data => {
            match crate::objects::from_slice::<Value>(text.as_bytes()) {
                Ok(Value::Object(map)) => Ok(map.into_iter().collect()),
                Ok(Value::Null) => Err(JsonObjectError::NotAnObject("null")),
                Ok(Value::Bool(_)) => Err(JsonObjectError::NotAnObject("a boolean")),
                Ok(Value::Number(_)) => Err(JsonObjectError::NotAnObject("a number")),
                Ok(Value::String(_)) => Err(JsonObjectError::NotAnObject("a string")),
                Ok(Value::Array(_)) => Err(JsonObjectError::NotAnObject("an array")),
                Err(e) => Err(JsonObjectError::Syntax(e)),
            }
        }
        Err(e) => Err(JsonObjectError::Syntax(e)),
    }
}

/// `{"id": "..", "type": "..", "attributes": {..}}`, the shape of every `data` item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Resource<A> {
    /// The id, as a string (the API sends strings; numbers are accepted too).
    #[serde(deserialize_with = "string_or_number")]
    pub id: String,
    /// The resource type (`visitors`, `tags`, `visitors-fields`, ...).
    #[serde(rename = "type", default, deserialize_with = "nullable")]
    pub kind: String,
    /// The attributes.
    pub attributes: A,
}

/// The counters of a batch write: `{"results": n, "failed": m}`.
///
/// `result` is accepted as an alias of `results` and a missing `failed` is 0, as the API's
/// older answers have it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct BatchResult {
    /// Records the API accepted (queued).
    #[serde(alias = "result", default)]
    pub results: u64,
    /// Records the API did not accept.
    #[serde(default)]
    pub failed: u64,
}

impl fmt::Display for BatchResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.failed == 0 {
            write!(f, "{}", self.results)
        } else {
            write!(f, "{} ({} failed)", self.results, self.failed)
        }
    }
}

/// Accepts a string or a number (ids) and returns it as a string.
pub(crate) fn string_or_number<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    // A visitor rather than an untagged enum: no buffering of the value, and much less code
    // (the component pays for every monomorphized deserializer in size).
    struct Id;
    impl serde::de::Visitor<'_> for Id {
        type Value = String;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a string or a number")
        }
        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<String, E> {
            Ok(v.to_owned())
        }
        fn visit_string<E: serde::de::Error>(self, v: String) -> Result<String, E> {
            Ok(v)
        }
        fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<String, E> {
            Ok(v.to_string())
        }
        fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<String, E> {
            Ok(v.to_string())
        }
        fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<String, E> {
            // serde_json's own float formatting (ryu, linked anyway for request bodies), not
            // core's float `Display` (16 KB of the component). JSON has no NaN or infinity.
            Ok(serde_json::Number::from_f64(v).map_or_else(String::new, |n| n.to_string()))
        }
    }
    d.deserialize_any(Id)
}

/// Like [`string_or_number`], for optional ids.
pub(crate) fn opt_string_or_number<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    struct Wrap(#[serde(deserialize_with = "string_or_number")] String);
    Ok(Option::<Wrap>::deserialize(d)?.map(|w| w.0))
}

/// `null` reads as the type's default (e.g. a tag whose `name` is null).
pub(crate) fn nullable<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batch_result_accepts_result_alias_and_missing_failed() {
        let r: BatchResult = serde_json::from_str(r#"{"result":3}"#).unwrap();
        assert_eq!(
            r,
            BatchResult {
                results: 3,
                failed: 0
            }
        );
        let r: BatchResult = serde_json::from_str(r#"{"results":2,"failed":1}"#).unwrap();
        assert_eq!(r.to_string(), "2 (1 failed)");
    }

    #[test]
    fn json_object_text_is_an_object_broken_text_or_another_kind() {
        let map = json_object_from_str(r#"{"a":1,"a":2,"b":[null]}"#).unwrap();
        assert_eq!((map["a"].as_i64(), map.len()), (Some(2), 2));
        for (text, kind) in [
            ("[1]", "an array"),
            ("null", "null"),
            ("1.5", "a number"),
            ("\"s\"", "a string"),
            ("true", "a boolean"),
        ] {
            match json_object_from_str(text) {
                Err(JsonObjectError::NotAnObject(k)) => assert_eq!(k, kind, "{text}"),
                other => panic!("{text}: {other:?}"),
            }
        }
        for broken in ["[", "[1,", "{", r#"{"a":1} x"#, "{'a': 1}", ""] {
            assert!(
                matches!(
                    json_object_from_str(broken),
                    Err(JsonObjectError::Syntax(_))
                ),
                "{broken:?}"
            );
        }
    }

    #[test]
    fn resource_ids_may_be_numbers_and_types_null() {
        let r: Resource<serde_json::Value> =
            serde_json::from_str(r#"{"id":5510,"type":null,"attributes":{}}"#).unwrap();
        assert_eq!(r.id, "5510");
        assert_eq!(r.kind, "");
    }

    #[test]
    fn ids_read_strings_integers_and_floats_and_reject_other_shapes() {
        let id = |json: &str| {
            serde_json::from_str::<Resource<serde_json::Value>>(&format!(
                r#"{{"id":{json},"attributes":{{}}}}"#
            ))
            .map(|r| r.id)
        };
        assert_eq!(id(r#""abc""#).unwrap(), "abc");
        assert_eq!(id("-7").unwrap(), "-7");
        assert_eq!(id("18446744073709551615").unwrap(), "18446744073709551615");
        assert_eq!(id("1.5").unwrap(), "1.5");
        assert_eq!(id("2.0").unwrap(), "2.0");
        for bad in ["null", "true", "[1]", r#"{"a":1}"#] {
            let err = id(bad).unwrap_err().to_string();
            assert!(err.contains("a string or a number"), "{bad}: {err}");
        }
    }
}
