//! Free-form JSON crosses the boundary as JSON **text** (`str` / `String`), in fields whose
//! names end in `_json`: custom fields, event details, personalizations, a purchase's cart, a
//! field value, and the open-ended parts of responses (stats, report data, meta).
//!
//! Text is natural in every language (`json.dumps`/`json.loads`, kotlinx/Gson, `JSONSerialization`)
//! and keeps numbers exact. Inputs are parsed here; text that is not valid JSON, or not an object
//! where an object is required, is a `BentoError::InvalidInput` naming the field.

use std::fmt::Display;

use bento::{JsonMap, JsonObjectError};
use serde_json::Value;

use crate::error::BentoError;

/// The largest JSON text accepted in one field (the API's own request limit is far lower).
pub const MAX_JSON_TEXT: usize = 8 * 1024 * 1024;

// `field` is a `Display` so that a name like `subscribers[41].custom_fields_json` is only
// formatted when there is an error: building it for every valid record was a measurable part
// of a 100,000-row import.

/// Parses any JSON value.
pub fn parse_value(field: impl Display, text: &str) -> Result<Value, BentoError> {
    check_size(&field, text)?;
    // serde_json stops at a nesting depth of 128, so hostile input cannot overflow the stack.
    serde_json::from_str(text).map_err(|e| not_json(&field, &e))
}

fn check_size(field: &impl Display, text: &str) -> Result<(), BentoError> {
    if text.len() > MAX_JSON_TEXT {
        return Err(BentoError::invalid(
            field.to_string(),
            "JSON text is too large (over 8 MiB)",
        ));
    }
    Ok(())
}

fn not_json(field: &impl Display, e: &serde_json::Error) -> BentoError {
    BentoError::invalid(
        field.to_string(),
        format!(
            "is not valid JSON text (line {}, column {}: {})",
            e.line(),
            e.column(),
            classify(e)
        ),
    )
}

fn classify(e: &serde_json::Error) -> &'static str {
    use serde_json::error::Category;
    match e.classify() {
        Category::Io => "read error",
        Category::Syntax => "syntax error",
        Category::Data => "unexpected data",
        Category::Eof => "unexpected end of input",
    }
}

/// Parses a JSON object (`{"key": value, ..}`) with the core's parser, straight into its map.
pub fn parse_object(field: impl Display, text: &str) -> Result<JsonMap, BentoError> {
    check_size(&field, text)?;
    bento::json_object_from_str(text).map_err(|e| match e {
        JsonObjectError::Syntax(e) => not_json(&field, &e),
        JsonObjectError::NotAnObject(kind) => BentoError::invalid(
            field.to_string(),
            format!("must be a JSON object, not {kind}"),
        ),
    })
}

/// Parses an optional JSON object.
pub fn parse_opt_object(
    field: impl Display,
    text: Option<&str>,
) -> Result<Option<JsonMap>, BentoError> {
    text.map(|t| parse_object(field, t)).transpose()
}

/// A map as JSON object text.
pub fn map_text(map: JsonMap) -> String {
    Value::Object(map.into_iter().collect()).to_string()
}

/// An optional map as JSON object text.
pub fn opt_map_text(map: Option<JsonMap>) -> Option<String> {
    map.map(map_text)
}

/// An optional value as JSON text.
pub fn opt_value_text(value: Option<Value>) -> Option<String> {
    value.map(|v| v.to_string())
}
