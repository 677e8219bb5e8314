//! `import_subscribers_chunked_json`'s input: one JSON text, `[{"email": .., ..}, ..]`, read
//! straight into the core's import rows.
//!
//! This is the Python bulk path (dict rows cross the boundary as one `json.dumps` text), so it
//! is read in one pass by a serde visitor: the named keys go into the row's fields, every other
//! key into its custom fields, with no intermediate JSON object per row. Reading each row into
//! a `serde_json::Map` first (a `BTreeMap`) and moving the keys out cost about a third of the
//! Rust side of a 100,000-row import.

use std::cell::RefCell;
use std::fmt;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};

use crate::error::BentoError;

/// The cap on the text (larger imports: call it per batch).
pub const MAX_BULK_JSON_TEXT: usize = 512 * 1024 * 1024;

const FIELD: &str = "rows_json";

/// The rows of `text`, or an `InvalidInput` naming the text or the row's key that is wrong.
pub(crate) fn import_rows(text: &str) -> Result<Vec<bento::ImportSubscriberData>, BentoError> {
    if text.len() > MAX_BULK_JSON_TEXT {
        return Err(BentoError::invalid(
            FIELD,
            "JSON text is too large (over 512 MiB)",
        ));
    }
    // A row's own problem (a key of the wrong type, no email) is kept here, where the
    // visitor knows the row and key, and preferred to serde's message, which knows neither.
    let problem = RefCell::new(None);
    let mut de = serde_json::Deserializer::from_str(text);
    // serde_json stops at a nesting depth of 128, so hostile input cannot overflow the stack.
    let rows = de::Deserializer::deserialize_seq(&mut de, Rows(&problem)).and_then(|rows| {
        de.end()?;
        Ok(rows)
    });
    match (rows, problem.into_inner()) {
        (_, Some((field, reason))) => Err(BentoError::invalid(field, reason)),
        (Ok(rows), None) => match bento::json_text::oversized_integer(text) {
            // serde_json has read it as a rounded float: refused, as in every JSON value.
            Some(big) => Err(BentoError::invalid(
                format!("{FIELD}[{}]", big.element),
                bento::json_text::oversized_integer_reason(big.digits),
            )),
            None => Ok(rows),
        },
        (Err(e), None) => Err(BentoError::invalid(
            FIELD,
            format!("is not a JSON array of objects ({e})"),
        )),
    }
}

type Problem<'a> = &'a RefCell<Option<(String, &'static str)>>;

struct Rows<'a>(Problem<'a>);

impl<'de> Visitor<'de> for Rows<'_> {
    type Value = Vec<bento::ImportSubscriberData>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of objects")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        // The size hint is only trusted up to a bound: it comes from the input.
        let mut rows = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        while let Some(row) = seq.next_element_seed(Row {
            index: rows.len(),
            problem: self.0,
        })? {
            rows.push(row);
        }
        Ok(rows)
    }
}

struct Row<'a> {
    index: usize,
    problem: Problem<'a>,
}

impl Row<'_> {
    fn fail<E: de::Error>(&self, key: &str, reason: &'static str) -> E {
        *self.problem.borrow_mut() = Some((format!("{FIELD}[{}].{key}", self.index), reason));
        E::custom(reason)
    }
}

impl<'de> DeserializeSeed<'de> for Row<'_> {
    type Value = bento::ImportSubscriberData;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Row<'_> {
    type Value = bento::ImportSubscriberData;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut row = bento::ImportSubscriberData::new(String::new());
        let mut email = None;
        while let Some(key) = map.next_key::<String>()? {
            let slot = match key.as_str() {
                "email" => &mut email,
                "first_name" => &mut row.first_name,
                "last_name" => &mut row.last_name,
                "tags" => &mut row.tags,
                "remove_tags" => &mut row.remove_tags,
                _ => {
                    // The last of repeated keys wins, as in a JSON object read into a map.
                    let value = map.next_value::<serde_json::Value>()?;
                    row.custom_fields.insert(key, value);
                    continue;
                }
            };
            *slot = match map.next_value::<serde_json::Value>()? {
                serde_json::Value::Null => None,
                serde_json::Value::String(s) => Some(s),
                _ => return Err(self.fail(&key, "must be a string")),
            };
        }
        row.email = email.ok_or_else(|| self.fail("email", "is required"))?;
        Ok(row)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field_and_reason(text: &str) -> (String, String) {
        match import_rows(text) {
            Err(BentoError::InvalidInput { field, reason }) => (field, reason),
            other => panic!("{text}: {other:?}"),
        }
    }

    #[test]
    fn rows_are_read_with_their_custom_fields() {
        let rows = import_rows(
            r#"[{"email": "a@example.com", "first_name": "A", "tags": "x,y", "plan": "pro",
                 "score": 7, "nested": {"k": [1, 2]}, "last_name": null},
                {"email": "b@example.com"}]"#,
        )
        .expect("rows");
        assert_eq!(rows.len(), 2);
        let a = &rows[0];
        assert_eq!(a.email, "a@example.com");
        assert_eq!(a.first_name.as_deref(), Some("A"));
        assert_eq!(a.last_name, None);
        assert_eq!(a.tags.as_deref(), Some("x,y"));
        assert_eq!(a.custom_fields.len(), 3);
        assert_eq!(a.custom_fields["score"], serde_json::json!(7));
        assert_eq!(a.custom_fields["nested"], serde_json::json!({"k": [1, 2]}));
        assert!(rows[1].custom_fields.is_empty());
        assert_eq!(import_rows("[]").expect("empty").len(), 0);
    }

    #[test]
    fn a_bad_row_names_its_index_and_key() {
        for (text, field, reason) in [
            (
                r#"[{"first_name": "no email"}]"#,
                "rows_json[0].email",
                "is required",
            ),
            (
                r#"[{"email": "a@example.com"}, {"email": 7}]"#,
                "rows_json[1].email",
                "must be a string",
            ),
            (
                r#"[{"email": "a@example.com", "tags": ["a"]}]"#,
                "rows_json[0].tags",
                "must be a string",
            ),
        ] {
            assert_eq!(
                field_and_reason(text),
                (field.into(), reason.into()),
                "{text}"
            );
        }
    }

    #[test]
    fn an_integer_beyond_64_bits_names_its_row() {
        let text = r#"[{"email": "a@example.com", "n": 18446744073709551615},
                       {"email": "b@example.com", "deep": {"list": [1, 2, 36893488147419103232]}}]"#;
        let (field, reason) = field_and_reason(text);
        assert_eq!(field, "rows_json[1]");
        assert!(
            reason.starts_with("the integer 36893488147419103232 does not fit"),
            "{reason}"
        );
    }

    #[test]
    fn text_that_is_not_an_array_of_objects_names_the_text() {
        for text in [
            "not json",
            r#"{"email": "a@example.com"}"#,
            "[1]",
            r#"[{"email": "a@example.com"}] trailing"#,
            r#"[{"email": "a@example.com"}"#,
            &format!("[{}{}]", "[".repeat(200), "]".repeat(200)),
        ] {
            let (field, reason) = field_and_reason(text);
            assert_eq!(field, "rows_json", "{text}");
            assert!(
                reason.starts_with("is not a JSON array of objects"),
                "{reason}"
            );
        }
    }
}
