//! Request parameters, merged the way Rails merges `params`: query string, JSON body and form body.
//!
//! Bracketed keys (`created_at[gt]=…`, `data_deletion_request[email]=…`, `tags[]=a`) are nested into
//! JSON objects and arrays, so handlers read one shape whatever the client sent.

use serde_json::{Map, Value};

/// Parsed parameters of one API request.
#[derive(Debug, Clone, Default)]
pub struct Params {
    /// Query-string parameters (values are strings, arrays or nested objects).
    pub query: Map<String, Value>,
    /// Body parameters when the body is a JSON object or a form.
    pub body: Map<String, Value>,
    /// Why the body could not be parsed (answered with 400 after authentication).
    pub body_error: Option<String>,
}

impl Params {
    /// Parses the query string and the body according to its content type.
    pub fn parse(query: Option<&str>, content_type: Option<&str>, body: &[u8]) -> Params {
        let mut p = Params {
            query: parse_form(query.unwrap_or_default().as_bytes()),
            ..Params::default()
        };
        let ct = content_type.unwrap_or_default().to_ascii_lowercase();
        let trimmed = body.trim_ascii();
        if trimmed.is_empty() {
            return p;
        }
        if ct.contains("application/x-www-form-urlencoded") {
            p.body = parse_form(body);
        } else if ct.contains("json") || trimmed.starts_with(b"{") || trimmed.starts_with(b"[") {
            match serde_json::from_slice::<Value>(trimmed) {
                Ok(Value::Object(m)) => p.body = m,
                Ok(_) => {}
                Err(e) => p.body_error = Some(format!("Invalid JSON in request body: {e}")),
            }
        }
        p
    }

    /// A parameter: body first, then query (Rails' request params override query params).
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.body
            .get(key)
            .filter(|v| !v.is_null())
            .or_else(|| self.query.get(key))
    }

    /// A non-blank parameter as a trimmed string (numbers and booleans are stringified).
    pub fn str(&self, key: &str) -> Option<String> {
        self.get(key)
            .and_then(crate::util::as_string)
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
    }

    /// `site_uuid`: the query wins when both are present (§1.3).
    pub fn site_uuid(&self) -> Option<String> {
        let q = self.query.get("site_uuid").and_then(crate::util::as_string);
        let b = self.body.get("site_uuid").and_then(crate::util::as_string);
        q.or(b)
            .map(|s| s.trim().trim_matches('"').to_string())
            .filter(|s| !s.is_empty())
    }
}

/// Parses `application/x-www-form-urlencoded` bytes (or a query string) into nested JSON.
pub fn parse_form(bytes: &[u8]) -> Map<String, Value> {
    let mut root = Value::Object(Map::new());
    for (k, v) in form_urlencoded::parse(bytes) {
        insert_nested(&mut root, &k, Value::String(v.into_owned()));
    }
    match root {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

/// `a[b][]` -> ["a", "b", ""]; a key without brackets is one segment.
fn key_path(key: &str) -> Vec<String> {
    let Some(open) = key.find('[') else {
        return vec![key.to_string()];
    };
    let mut out = vec![key[..open].to_string()];
    let mut rest = &key[open..];
    while let Some(r) = rest.strip_prefix('[') {
        match r.find(']') {
            Some(close) => {
                out.push(r[..close].to_string());
                rest = &r[close + 1..];
            }
            None => {
                // Unbalanced bracket: keep the raw key rather than guess.
                return vec![key.to_string()];
            }
        }
    }
    out
}

fn insert_nested(root: &mut Value, key: &str, value: Value) {
    let path = key_path(key);
    let mut cur = root;
    for (i, seg) in path.iter().enumerate() {
        let last = i + 1 == path.len();
        if seg.is_empty() && i > 0 {
            // `[]`: append to an array.
            if !cur.is_array() {
                *cur = Value::Array(Vec::new());
            }
            let Value::Array(arr) = cur else { return };
            if last {
                arr.push(value);
                return;
            }
            arr.push(Value::Object(Map::new()));
            let Some(next) = arr.last_mut() else { return };
            cur = next;
            continue;
        }
        if !cur.is_object() {
            *cur = Value::Object(Map::new());
        }
        let Value::Object(map) = cur else { return };
        if last {
            map.insert(seg.clone(), value);
            return;
        }
        cur = map
            .entry(seg.clone())
            .or_insert_with(|| Value::Object(Map::new()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn brackets_nest() {
        let m = parse_form(b"data_deletion_request%5Bemail%5D=a%40x.io&created_at[gt]=2026&tags[]=a&tags[]=b&site_uuid=S");
        assert_eq!(
            Value::Object(m),
            json!({"data_deletion_request": {"email": "a@x.io"}, "created_at": {"gt": "2026"}, "tags": ["a", "b"], "site_uuid": "S"})
        );
    }

    #[test]
    fn bad_json_is_reported_not_panicked() {
        let p = Params::parse(None, Some("application/json"), b"{nope");
        assert!(p.body_error.is_some());
        let p = Params::parse(
            Some("site_uuid=Q"),
            Some("application/json"),
            br#"{"site_uuid":"B","x":1}"#,
        );
        assert_eq!(p.site_uuid().as_deref(), Some("Q"));
        assert_eq!(p.str("x").as_deref(), Some("1"));
    }
}
