//! Free-form JSON (custom fields, event details, personalizations, a purchase's cart, a field
//! value, and the open-ended parts of responses: stats, report data, meta) crosses the boundary
//! as [`JsonValue`]: JSON text on the wire between the languages, a native value in Python
//! (`dict`/`list`/scalars, converted by the binding as `uniffi.toml` configures), a Jackson
//! `JsonNode` in Kotlin (`kotlin/BentoJson.kt`), the text in Swift. Inputs also keep their older `*_json` text fields (deprecated).
//!
//! Inputs are parsed here; a value that is not JSON, or not an object where an object is
//! required, is a `BentoError::InvalidInput` naming the field.

use std::fmt::Display;

use bento::JsonMap;
use serde_json::Value;

use crate::error::BentoError;

/// The largest JSON text accepted in one field: the core's one cap for every surface.
pub const MAX_JSON_TEXT: usize = bento::json_text::MAX_JSON_TEXT_BYTES;

// `field` is a `Display` so that a name like `subscribers[41].custom_fields_json` is only
// formatted when there is an error: building it for every valid record was a measurable part
// of a 100,000-row import.

/// Parses any JSON value: the core's JSON-text module (one cap, one parser, one wording on
/// every surface).
pub fn parse_value(field: impl Display, text: &str) -> Result<Value, BentoError> {
    Ok(bento::json_text::value(&field, text)?)
}

/// Parses a JSON object (`{"key": value, ..}`) with the core's parser, straight into its map.
pub fn parse_object(field: impl Display, text: &str) -> Result<JsonMap, BentoError> {
    Ok(bento::json_text::object(&field, text)?)
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

/// Free-form JSON as the foreign language's own values: in Python a `dict`, `list`, `str`,
/// `int`, `float`, `bool` or `None` (the binding runs `json.dumps`/`json.loads`, configured in
/// `uniffi.toml`); in Kotlin a Jackson `JsonNode` (`kotlin/BentoJson.kt`); in Swift the JSON text
/// (a `String`).
///
/// Rust holds the text; it is parsed where the field is converted, so an error names the field.
#[derive(Debug, Clone, PartialEq)]
pub struct JsonValue(pub String);

uniffi::custom_type!(JsonValue, String, {
    lower: |v| v.0,
    try_lift: |s| Ok(JsonValue(s)),
});

/// What the Python binding sends instead of JSON text when `json.dumps` refused a value (a
/// `set`, `float('nan')`, an object): the mark, then Python's reason. Never valid JSON, so it can
/// never be mistaken for a value; it becomes an `InvalidInput` that names the field.
pub const NOT_JSON_MARK: char = '\u{0}';

impl JsonValue {
    /// The value as JSON text.
    pub fn text(&self) -> &str {
        &self.0
    }

    fn refused(&self, field: &impl Display) -> Option<BentoError> {
        self.0.strip_prefix(NOT_JSON_MARK).map(|reason| {
            BentoError::invalid(field.to_string(), format!("is not a JSON value ({reason})"))
        })
    }

    /// Parses the value.
    pub fn parse(&self, field: impl Display) -> Result<Value, BentoError> {
        match self.refused(&field) {
            Some(e) => Err(e),
            None => parse_value(field, &self.0),
        }
    }

    /// Parses the value as a JSON object.
    pub fn parse_object(&self, field: impl Display) -> Result<JsonMap, BentoError> {
        match self.refused(&field) {
            Some(e) => Err(e),
            None => parse_object(field, &self.0),
        }
    }
}

/// An optional object given as a native value (`native`, field `{at}.{name}`) or as JSON text
/// (`text`, field `{at}.{name}_json`). When both are set they must hold the same value (a record
/// made by `purchase_event` and friends carries both).
pub fn either_object(
    at: &dyn Display,
    name: &str,
    native: Option<&JsonValue>,
    text: Option<&str>,
) -> Result<Option<JsonMap>, BentoError> {
    let from_text = || parse_opt_object(format_args!("{at}.{name}_json"), text);
    match native {
        None => from_text(),
        Some(v) => {
            let map = v.parse_object(format_args!("{at}.{name}"))?;
            if let Some(other) = from_text()?
                && other != map
            {
                return Err(BentoError::invalid(
                    format!("{at}.{name}"),
                    format!("differs from `{name}_json`: set one of them"),
                ));
            }
            Ok(Some(map))
        }
    }
}

/// An optional map as a native value.
pub fn opt_map_value(map: Option<JsonMap>) -> Option<JsonValue> {
    map.map(|m| JsonValue(map_text(m)))
}

/// An optional value as a native value.
pub fn opt_value(value: Option<Value>) -> Option<JsonValue> {
    value.map(|v| JsonValue(v.to_string()))
}
