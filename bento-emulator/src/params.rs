//! Request parameters, merged the way Rails merges `params`: query string, JSON body and form body.
//!
//! Bracketed keys (`created_at[gt]=…`, `data_deletion_request[email]=…`, `tags[]=a`) are nested into
//! JSON objects and arrays, so handlers read one shape whatever the client sent.
//!
//! Parsing is bounded ([`Limits`]): a key nested deeper than `max_depth`, more than `max_params`
//! pairs, or a JSON body nested deeper than `max_depth` or with more than `max_json_values`
//! values is refused before any value is built. Without the depth bound one 60 KB query
//! (`a[x][x]…` 20,000 times) built a 20,000-deep value whose recursive drop overflowed the stack
//! and killed the emulator.

use http::StatusCode;
use serde_json::{Map, Value};

/// Bounds on parameter parsing (from [`crate::EmulatorConfig`]).
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Deepest nesting: segments of a bracketed key (`a[b][c]` = 3), levels of a JSON body.
    pub max_depth: usize,
    /// Most `key=value` pairs in a query string or a form body.
    pub max_params: usize,
    /// Most values (scalars and containers, roughly: containers + commas + 1) in a JSON body.
    pub max_json_values: usize,
}

/// A request whose parameters are over a limit: answered at once with `status` and
/// `{"error": message}`, before authentication (Rack refuses such input while parsing too).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParamError {
    /// 400 (too deep), 413 (too many body parameters/values) or 414 (too many query parameters).
    pub status: StatusCode,
    /// What was over which limit.
    pub message: String,
}

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
    /// Parses the query string and the body according to its content type. Input over a limit
    /// is an error; a body that is merely not JSON is recorded in `body_error` (answered 400
    /// after authentication).
    pub fn parse(
        query: Option<&str>,
        content_type: Option<&str>,
        body: &[u8],
        limits: &Limits,
    ) -> Result<Params, ParamError> {
        let mut p = Params {
            query: parse_form(query.unwrap_or_default().as_bytes(), limits, Source::Query)?,
            ..Params::default()
        };
        let ct = content_type.unwrap_or_default().to_ascii_lowercase();
        let trimmed = body.trim_ascii();
        if trimmed.is_empty() {
            return Ok(p);
        }
        if ct.contains("application/x-www-form-urlencoded") {
            p.body = parse_form(body, limits, Source::Body)?;
        } else if ct.contains("json") || trimmed.starts_with(b"{") || trimmed.starts_with(b"[") {
            check_json(trimmed, limits)?;
            match serde_json::from_slice::<Value>(trimmed) {
                Ok(Value::Object(m)) => p.body = m,
                Ok(_) => {}
                Err(e) => p.body_error = Some(format!("Invalid JSON in request body: {e}")),
            }
        }
        Ok(p)
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

/// Where form-encoded parameters came from (for the status and message of a [`ParamError`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The query string.
    Query,
    /// An `application/x-www-form-urlencoded` body.
    Body,
}

impl Source {
    fn name(self) -> &'static str {
        match self {
            Source::Query => "query string",
            Source::Body => "form body",
        }
    }
}

fn too_deep(what: &str, limits: &Limits) -> ParamError {
    ParamError {
        status: StatusCode::BAD_REQUEST,
        message: format!("{what} is nested deeper than {} levels", limits.max_depth),
    }
}

/// Parses `application/x-www-form-urlencoded` bytes (or a query string) into nested JSON.
pub fn parse_form(
    bytes: &[u8],
    limits: &Limits,
    source: Source,
) -> Result<Map<String, Value>, ParamError> {
    let mut root = Value::Object(Map::new());
    for (n, (k, v)) in form_urlencoded::parse(bytes).enumerate() {
        if n >= limits.max_params {
            return Err(ParamError {
                status: match source {
                    Source::Query => StatusCode::URI_TOO_LONG,
                    Source::Body => StatusCode::PAYLOAD_TOO_LARGE,
                },
                message: format!(
                    "{} has more than {} parameters",
                    source.name(),
                    limits.max_params
                ),
            });
        }
        let path = key_path(&k, limits.max_depth).ok_or_else(|| {
            too_deep(&format!("a parameter key in the {}", source.name()), limits)
        })?;
        insert_nested(&mut root, &path, Value::String(v.into_owned()));
    }
    Ok(match root {
        Value::Object(m) => m,
        _ => Map::new(),
    })
}

/// Refuses a JSON body nested deeper than `max_depth` or with more than `max_json_values`
/// values, by a scan of the bytes before anything is parsed: serde_json alone would build up to
/// 128 levels (its recursion limit) and about 16 values of 32 bytes per 2 bytes of `[1,1,…]`.
fn check_json(bytes: &[u8], limits: &Limits) -> Result<(), ParamError> {
    let (mut depth, mut values) = (0usize, 1usize);
    let (mut in_string, mut escaped) = (false, false);
    for &c in bytes {
        if in_string {
            if escaped {
                escaped = false;
            } else if c == b'\\' {
                escaped = true;
            } else if c == b'"' {
                in_string = false;
            }
            continue;
        }
        match c {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                values += 1;
                if depth > limits.max_depth {
                    return Err(too_deep("the JSON body", limits));
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            b',' => values += 1,
            _ => continue,
        }
        if values > limits.max_json_values {
            return Err(ParamError {
                status: StatusCode::PAYLOAD_TOO_LARGE,
                message: format!(
                    "the JSON body has more than {} values",
                    limits.max_json_values
                ),
            });
        }
    }
    Ok(())
}

/// `a[b][]` -> ["a", "b", ""]; a key without brackets is one segment. `None` when the key has
/// more than `max_segments` segments (counted before anything is built).
fn key_path(key: &str, max_segments: usize) -> Option<Vec<String>> {
    let Some(open) = key.find('[') else {
        return Some(vec![key.to_string()]);
    };
    let mut out = vec![key[..open].to_string()];
    let mut rest = &key[open..];
    while let Some(r) = rest.strip_prefix('[') {
        match r.find(']') {
            Some(close) => {
                if out.len() >= max_segments {
                    return None;
                }
                out.push(r[..close].to_string());
                rest = &r[close + 1..];
            }
            None => {
                // Unbalanced bracket: keep the raw key rather than guess.
                return Some(vec![key.to_string()]);
            }
        }
    }
    Some(out)
}

fn insert_nested(root: &mut Value, path: &[String], value: Value) {
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

    const LIMITS: Limits = Limits {
        max_depth: 32,
        max_params: 100,
        max_json_values: 1000,
    };

    fn parse(query: Option<&str>, ct: Option<&str>, body: &[u8]) -> Result<Params, ParamError> {
        Params::parse(query, ct, body, &LIMITS)
    }

    #[test]
    fn brackets_nest() {
        let m = parse_form(b"data_deletion_request%5Bemail%5D=a%40x.io&created_at[gt]=2026&tags[]=a&tags[]=b&site_uuid=S", &LIMITS, Source::Query).unwrap();
        assert_eq!(
            Value::Object(m),
            json!({"data_deletion_request": {"email": "a@x.io"}, "created_at": {"gt": "2026"}, "tags": ["a", "b"], "site_uuid": "S"})
        );
    }

    #[test]
    fn bad_json_is_reported_not_panicked() {
        let p = parse(None, Some("application/json"), b"{nope").unwrap();
        assert!(p.body_error.is_some());
        let p = parse(
            Some("site_uuid=Q"),
            Some("application/json"),
            br#"{"site_uuid":"B","x":1}"#,
        )
        .unwrap();
        assert_eq!(p.site_uuid().as_deref(), Some("Q"));
        assert_eq!(p.str("x").as_deref(), Some("1"));
    }

    #[test]
    fn depth_is_bounded_in_query_form_and_json() {
        let key = |levels: usize| format!("a{}", "[x]".repeat(levels - 1));
        // 32 segments are fine, 33 are not; 20,000 are refused without building anything.
        assert!(parse(Some(&format!("{}=1", key(32))), None, b"").is_ok());
        for levels in [33, 20_000] {
            let e = parse(Some(&format!("{}=1", key(levels))), None, b"").unwrap_err();
            assert_eq!(e.status, StatusCode::BAD_REQUEST, "{e:?}");
            assert!(e.message.contains("deeper than 32"), "{e:?}");
            let form = format!("{}=1", key(levels));
            let e = parse(
                None,
                Some("application/x-www-form-urlencoded"),
                form.as_bytes(),
            )
            .unwrap_err();
            assert_eq!(e.status, StatusCode::BAD_REQUEST, "{e:?}");
        }
        let json = |levels: usize| format!("{}1{}", "[".repeat(levels), "]".repeat(levels));
        let ok = format!(r#"{{"a":{}}}"#, json(31));
        assert!(parse(None, Some("application/json"), ok.as_bytes()).is_ok());
        // 100 is under serde_json's own recursion limit (128); 100,000 is far over it.
        for levels in [32, 100, 100_000] {
            let deep = format!(r#"{{"a":{}}}"#, json(levels));
            let e = parse(None, Some("application/json"), deep.as_bytes()).unwrap_err();
            assert_eq!(e.status, StatusCode::BAD_REQUEST, "{levels}: {e:?}");
        }
        // Brackets inside strings are text, not nesting.
        let text = format!(r#"{{"a":"{}\"{}"}}"#, "[".repeat(100), "{".repeat(100));
        let p = parse(None, Some("application/json"), text.as_bytes()).unwrap();
        assert!(p.body_error.is_none(), "{:?}", p.body_error);
    }

    /// What the admin API (which parses with serde_json alone) relies on: serde_json refuses
    /// more than 128 levels itself, with an error rather than a stack overflow.
    #[test]
    fn serde_json_alone_stops_at_128_levels() {
        let nest = |n: usize| format!("{}1{}", "[".repeat(n), "]".repeat(n));
        assert!(serde_json::from_str::<Value>(&nest(127)).is_ok());
        let e = serde_json::from_str::<Value>(&nest(129)).unwrap_err();
        assert!(e.to_string().contains("recursion limit exceeded"), "{e}");
        assert!(serde_json::from_str::<Value>(&nest(1_000_000)).is_err());
    }

    #[test]
    fn counts_are_bounded() {
        let pairs = |n: usize| vec!["t[]=1"; n].join("&");
        assert_eq!(
            parse(Some(&pairs(100)), None, b"").unwrap().query["t"]
                .as_array()
                .map(Vec::len),
            Some(100)
        );
        let e = parse(Some(&pairs(101)), None, b"").unwrap_err();
        assert_eq!(e.status, StatusCode::URI_TOO_LONG);
        let e = parse(
            None,
            Some("application/x-www-form-urlencoded"),
            pairs(101).as_bytes(),
        )
        .unwrap_err();
        assert_eq!(e.status, StatusCode::PAYLOAD_TOO_LARGE);
        let list = |n: usize| format!(r#"{{"a":[{}]}}"#, vec!["1"; n].join(","));
        assert!(parse(None, Some("application/json"), list(990).as_bytes()).is_ok());
        let e = parse(None, Some("application/json"), list(5000).as_bytes()).unwrap_err();
        assert_eq!(e.status, StatusCode::PAYLOAD_TOO_LARGE);
    }
}
