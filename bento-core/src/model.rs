//! Shapes shared by several API areas: the JSON:API-like resource envelope and batch counters.
//!
//! Response models are forward compatible: unknown keys are ignored, `null` where a string is
//! expected reads as empty, ids arrive as strings or numbers, counters default to 0.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize};

/// A free-form JSON object (custom fields, event details, personalizations).
pub type JsonMap = std::collections::HashMap<String, serde_json::Value>;

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
