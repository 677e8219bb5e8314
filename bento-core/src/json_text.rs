//! Free-form JSON that arrives as text at a foreign boundary (the WASI component's `json`
//! strings, the FFI's JSON values): one size cap, one parser, one wording of the errors, so
//! every surface refuses the same text with the same `InvalidInput`.
//!
//! Numbers stay exact: serde_json reads an integer beyond 64 bits as a rounded float (2^70
//! would be sent as `1.1805916207174113e21`), so a text holding one is refused, naming the field
//! and the integer ([`oversized_integer`]).

use std::borrow::Cow;
use std::fmt::Display;

use serde_json::Value;

use crate::error::Error;
use crate::model::{JsonMap, JsonObjectError, json_object_from_str};

/// The largest JSON text accepted in one field (the API's own request limit is far lower).
pub const MAX_JSON_TEXT_BYTES: usize = 8 * 1024 * 1024;

/// Parses any JSON value from the text of `field`. serde_json stops at a nesting depth of
/// 128, so hostile input cannot overflow the stack.
pub fn value(field: &dyn Display, text: &str) -> Result<Value, Error> {
    check_size(field, text)?;
    // `from_slice`, as everywhere in the core: one serde_json reader type (a `from_str` links
    // a second copy of the parser, ~10 KB in the component).
    let value = crate::objects::from_slice(text.as_bytes()).map_err(|e| not_json(field, &e))?;
    if has_float(&value) {
        exact(field, text)?;
    }
    Ok(value)
}

/// Parses a JSON object (`{"key": value, ..}`) from the text of `field`.
pub fn object(field: &dyn Display, text: &str) -> Result<JsonMap, Error> {
    check_size(field, text)?;
    let map = json_object_from_str(text).map_err(|e| match e {
        JsonObjectError::Syntax(e) => not_json(field, &e),
        JsonObjectError::NotAnObject(kind) => Error::invalid(
            field.to_string(),
            format!("must be a JSON object, not {kind}"),
        ),
    })?;
    if map.values().any(has_float) {
        exact(field, text)?;
    }
    Ok(map)
}

/// Whether `value` holds a float anywhere. serde_json reads an integer beyond 64 bits as a
/// float, so text whose value holds none cannot hold one, and the scan of the text
/// ([`oversized_integer`]) is skipped: most free-form JSON (custom fields, event details) has
/// no floats, and the scan was a tenth of the component's per-record work in a bulk import.
fn has_float(value: &Value) -> bool {
    match value {
        Value::Number(n) => n.is_f64(),
        Value::Array(items) => items.iter().any(has_float),
        Value::Object(map) => map.values().any(has_float),
        Value::Null | Value::Bool(_) | Value::String(_) => false,
    }
}

/// [`object`] for optional text.
pub fn opt_object(field: &dyn Display, text: Option<&str>) -> Result<Option<JsonMap>, Error> {
    text.map(|t| object(field, t)).transpose()
}

/// Checks the JSON object text of `field` by exactly the rules of [`object`] — the size cap,
/// the syntax (lone surrogates and nesting depth included), that it is an object, exact
/// numbers — and runs `key` on each top-level member name (decoded), without building the
/// object: for text that is sent on as written ([`crate::ImportSubscriberText`]). Building,
/// writing and freeing a map per record was half of a 100,000-row import through the WASI
/// component. Errors come in the order [`object`] and a check of its keys would give them:
/// the text's own first, then the first key `key` refused.
pub fn check_object(
    field: &dyn Display,
    text: &str,
    key: &mut dyn FnMut(&str) -> Result<(), Error>,
) -> Result<(), Error> {
    use serde::de::DeserializeSeed;
    check_size(field, text)?;
    let mut scan = Scan { key, refused: None };
    let mut de = serde_json::Deserializer::from_slice(text.as_bytes());
    let top = Top(&mut scan)
        .deserialize(&mut de)
        .and_then(|top| de.end().map(|()| top))
        .map_err(|e| not_json(field, &e))?;
    let has_float = top.map_err(|kind| {
        Error::invalid(
            field.to_string(),
            format!("must be a JSON object, not {kind}"),
        )
    })?;
    // A float in the object as a map would hold it (serde_json reads an integer beyond 64
    // bits as one): `object` scans the text only then, and so does this.
    if has_float {
        exact(field, text)?;
    }
    scan.refused.map_or(Ok(()), Err)
}

/// The members of a JSON object text that [`check_object`] accepted: what is between the
/// braces, trimmed (empty for `{}`), to be written into another object as they are.
pub(crate) fn members(object_text: &str) -> &str {
    let t = object_text.trim_matches(is_json_space);
    t.strip_prefix('{')
        .and_then(|t| t.strip_suffix('}'))
        .unwrap_or_default()
        .trim_matches(is_json_space)
}

fn is_json_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r')
}

/// The state of one [`check_object`] pass.
struct Scan<'k> {
    key: &'k mut dyn FnMut(&str) -> Result<(), Error>,
    /// The first key refused (the scan goes on: a syntax error later in the text wins).
    refused: Option<Error>,
}

/// The top-level value: for an object, whether it holds a float; else what it is instead.
struct Top<'a, 'k>(&'a mut Scan<'k>);
/// Any value inside the object: whether it holds a float.
struct Member;
/// A member name: read as a string (so escapes are checked), borrowed from the text unless
/// it had escapes.
struct NameSeed;

/// The members of one object that hold a float, as a map keeps them: a later member of the
/// same name replaces an earlier one (`{"a":1e400,"a":2}` holds none, as in [`object`]).
/// Empty, and never allocated, for objects without floats.
#[derive(Default)]
struct Floats(Vec<String>);

impl Floats {
    fn member(&mut self, name: &str, float: bool) {
        match self.0.iter().position(|k| k == name) {
            Some(i) if !float => {
                self.0.swap_remove(i);
            }
            Some(_) => {}
            None if float => self.0.push(name.to_owned()),
            None => {}
        }
    }

    fn any(&self) -> bool {
        !self.0.is_empty()
    }
}

/// Whether the members of `map` hold a float, as a map keeps them; `on_name` sees each name.
fn object_floats<'de, A: serde::de::MapAccess<'de>>(
    mut map: A,
    on_name: &mut dyn FnMut(&str),
) -> Result<bool, A::Error> {
    let mut floats = Floats::default();
    while let Some(name) = map.next_key_seed(NameSeed)? {
        on_name(&name);
        let float = map.next_value_seed(Member)?;
        floats.member(&name, float);
    }
    Ok(floats.any())
}

impl<'de> serde::de::DeserializeSeed<'de> for Top<'_, '_> {
    type Value = Result<bool, &'static str>;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Top<'_, '_> {
    type Value = Result<bool, &'static str>;
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON object")
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        let scan = self.0;
        let floats = object_floats(map, &mut |name| {
            if scan.refused.is_none() {
                scan.refused = (scan.key)(name).err();
            }
        })?;
        Ok(Ok(floats))
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element_seed(Member)?.is_some() {}
        Ok(Err("an array"))
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Err("null"))
    }
    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        Ok(Err("a boolean"))
    }
    fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
        Ok(Err("a number"))
    }
    fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
        Ok(Err("a number"))
    }
    fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
        Ok(Err("a number"))
    }
    fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
        Ok(Err("a string"))
    }
}

impl<'de> serde::de::DeserializeSeed<'de> for Member {
    type Value = bool;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<bool, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Member {
    type Value = bool;
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<bool, A::Error> {
        object_floats(map, &mut |_| {})
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<bool, A::Error> {
        let mut float = false;
        while let Some(f) = seq.next_element_seed(Member)? {
            float |= f;
        }
        Ok(float)
    }
    fn visit_unit<E>(self) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_bool<E>(self, _: bool) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_i64<E>(self, _: i64) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_u64<E>(self, _: u64) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_f64<E>(self, _: f64) -> Result<bool, E> {
        Ok(true)
    }
    fn visit_str<E>(self, _: &str) -> Result<bool, E> {
        Ok(false)
    }
}

impl<'de> serde::de::DeserializeSeed<'de> for NameSeed {
    type Value = Cow<'de, str>;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Cow<'de, str>, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> serde::de::Visitor<'de> for NameSeed {
    type Value = Cow<'de, str>;
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a member name")
    }
    fn visit_borrowed_str<E>(self, name: &'de str) -> Result<Cow<'de, str>, E> {
        Ok(Cow::Borrowed(name))
    }
    fn visit_str<E>(self, name: &str) -> Result<Cow<'de, str>, E> {
        Ok(Cow::Owned(name.to_owned()))
    }
}

/// An integer in a JSON text that does not fit in 64 bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OversizedInteger<'a> {
    /// Its digits (with the sign), as written.
    pub digits: &'a str,
    /// Its byte offset in the text.
    pub offset: usize,
    /// The index of the element of the top-level array that holds it (0 when the text is not
    /// an array): the row of a bulk import.
    pub element: usize,
}

/// The first integer in the JSON `text` outside the range of `i64` and `u64`, read the way
/// serde_json would read it (as a rounded float), or `None`. One pass over the bytes, skipping
/// strings; meant for text that parses (in other text it may find a number anywhere).
pub fn oversized_integer(text: &str) -> Option<OversizedInteger<'_>> {
    let bytes = text.as_bytes();
    let (mut at, mut depth, mut element) = (0, 0usize, 0);
    while let Some(&b) = bytes.get(at) {
        match b {
            b'"' => {
                // To the closing quote, stepping over escapes (`\"` does not close).
                at += 1;
                while let Some(&c) = bytes.get(at) {
                    at += if c == b'\\' { 2 } else { 1 };
                    if c == b'"' {
                        break;
                    }
                }
                continue;
            }
            b'[' | b'{' => depth += 1,
            b']' | b'}' => depth = depth.saturating_sub(1),
            b',' if depth == 1 => element += 1,
            b'-' | b'0'..=b'9' => {
                let start = at;
                at += 1;
                while bytes.get(at).is_some_and(u8::is_ascii_digit) {
                    at += 1;
                }
                let fraction = matches!(bytes.get(at), Some(b'.' | b'e' | b'E'));
                // i64::MIN has 19 digits and u64::MAX 20: shorter integers always fit.
                let digits = text.get(start..at).unwrap_or_default();
                if !fraction
                    && digits.len() >= 19
                    && digits.parse::<i64>().is_err()
                    && digits.parse::<u64>().is_err()
                {
                    return Some(OversizedInteger {
                        digits,
                        offset: start,
                        element,
                    });
                }
                continue;
            }
            _ => {}
        }
        at += 1;
    }
    None
}

/// The refusal of a text holding an integer beyond 64 bits.
pub fn oversized_integer_reason(digits: &str) -> String {
    format!(
        "the integer {digits} does not fit in 64 bits (JSON numbers are 64-bit integers or \
         floats in the Rust core); pass it as a string"
    )
}

fn exact(field: &dyn Display, text: &str) -> Result<(), Error> {
    match oversized_integer(text) {
        Some(big) => Err(Error::invalid(
            field.to_string(),
            oversized_integer_reason(big.digits),
        )),
        None => Ok(()),
    }
}

fn check_size(field: &dyn Display, text: &str) -> Result<(), Error> {
    if text.len() > MAX_JSON_TEXT_BYTES {
        return Err(Error::invalid(
            field.to_string(),
            "JSON text is too large (over 8 MiB)",
        ));
    }
    Ok(())
}

fn not_json(field: &dyn Display, e: &serde_json::Error) -> Error {
    use serde_json::error::Category;
    let what = match e.classify() {
        Category::Io => "read error",
        Category::Syntax => "syntax error",
        Category::Data => "unexpected data",
        Category::Eof => "unexpected end of input",
    };
    Error::invalid(
        field.to_string(),
        format!(
            "is not valid JSON text (line {}, column {}: {what})",
            e.line(),
            e.column()
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reason(e: Error) -> String {
        match e {
            Error::InvalidInput { field, reason } => {
                assert_eq!(field, "events[3].details");
                reason
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn one_wording_for_every_refusal() {
        let f = &"events[3].details";
        assert!(object(f, r#"{"a":1}"#).is_ok());
        assert_eq!(
            reason(object(f, "[1,2").unwrap_err()),
            "is not valid JSON text (line 1, column 4: unexpected end of input)"
        );
        assert_eq!(
            reason(object(f, "[1,2]").unwrap_err()),
            "must be a JSON object, not an array"
        );
        assert_eq!(
            reason(object(f, "null").unwrap_err()),
            "must be a JSON object, not null"
        );
        let huge = format!("{{\"k\":\"{}\"}}", "x".repeat(MAX_JSON_TEXT_BYTES));
        assert_eq!(
            reason(object(f, &huge).unwrap_err()),
            "JSON text is too large (over 8 MiB)"
        );
        assert_eq!(
            reason(value(f, &huge).unwrap_err()),
            "JSON text is too large (over 8 MiB)"
        );
        assert_eq!(
            reason(value(f, "12345678901234567890123").unwrap_err()),
            oversized_integer_reason("12345678901234567890123")
        );
        assert!(
            reason(object(f, r#"{"n": [1, -9223372036854775809]}"#).unwrap_err())
                .starts_with("the integer -9223372036854775809 does not fit in 64 bits")
        );
    }

    #[test]
    fn the_scan_is_skipped_only_where_no_oversized_integer_can_be() {
        let f = &"details";
        // Without a float in the value there is nothing to find; with one (however deep, and
        // beside real floats) the oversized integer is still refused.
        assert!(object(f, r#"{"a": 1, "b": [true, null, "99999999999999999999"]}"#).is_ok());
        assert!(object(f, r#"{"a": 1.5, "b": {"c": [2.5, 1e3]}}"#).is_ok());
        for text in [
            r#"{"a": {"b": [1, {"c": 99999999999999999999}]}}"#,
            r#"{"a": 0.5, "b": -99999999999999999999}"#,
        ] {
            assert!(object(f, text).is_err(), "{text}");
            assert!(value(f, text).is_err(), "{text}");
        }
        assert!(value(f, "[[[1.0], 2], 18446744073709551616]").is_err());
    }

    #[test]
    fn only_integers_beyond_64_bits_are_oversized() {
        fn find(text: &str) -> Option<(&str, usize)> {
            oversized_integer(text).map(|b| (b.digits, b.element))
        }
        // The edges of both ranges fit; one past them does not.
        assert_eq!(find("[18446744073709551615, -9223372036854775808]"), None);
        assert_eq!(
            find("[1, 18446744073709551616]"),
            Some(("18446744073709551616", 1))
        );
        assert_eq!(
            find("[-9223372036854775809]"),
            Some(("-9223372036854775809", 0))
        );
        // Floats, and digits inside strings (escaped quotes included), are not integers.
        assert_eq!(find("[1.5e400, 123456789012345678901.0, 1e30]"), None);
        assert_eq!(
            find(r#"{"phone": "123456789012345678901", "q": "a\"123456789012345678901"}"#),
            None
        );
        // The element is the top-level one: commas inside nested values do not count.
        assert_eq!(
            find(r#"[{"a": [1, 2], "b": "x,y"}, {"c": {"d": [3, 99999999999999999999]}}]"#),
            Some(("99999999999999999999", 1))
        );
        let big = oversized_integer(r#"{"k": 100000000000000000000}"#).unwrap();
        assert_eq!((big.offset, big.element), (6, 0));
    }
}
