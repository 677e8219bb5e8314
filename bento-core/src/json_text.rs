//! Free-form JSON that arrives as text at a foreign boundary (the WASI component's `json`
//! strings, the FFI's JSON values): one size cap, one parser, one wording of the errors, so
//! every surface refuses the same text with the same `InvalidInput`.

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
    serde_json::from_slice(text.as_bytes()).map_err(|e| not_json(field, &e))
}

/// Parses a JSON object (`{"key": value, ..}`) from the text of `field`.
pub fn object(field: &dyn Display, text: &str) -> Result<JsonMap, Error> {
    check_size(field, text)?;
    json_object_from_str(text).map_err(|e| match e {
        JsonObjectError::Syntax(e) => not_json(field, &e),
        JsonObjectError::NotAnObject(kind) => Error::invalid(
            field.to_string(),
            format!("must be a JSON object, not {kind}"),
        ),
    })
}

/// [`object`] for optional text.
pub fn opt_object(field: &dyn Display, text: Option<&str>) -> Result<Option<JsonMap>, Error> {
    text.map(|t| object(field, t)).transpose()
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
        assert!(value(f, "12345678901234567890123").is_ok());
    }
}
