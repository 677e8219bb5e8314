//! What every area's request/parse tests share (test builds only): a fixed config, the request
//! an operation builds taken apart for comparison, and the parse of a hand-built response.
//! Each area's tests sit at the bottom of its module, as ruma keeps an endpoint's tests beside
//! the endpoint; promises over every operation at once stay in `tests/properties.rs`.

use serde_json::Value;

use crate::config::{Config, ConfigBuilder};
use crate::error::Error;
use crate::model::JsonMap;
use crate::operation::Operation;

pub(crate) fn config() -> Config {
    ConfigBuilder::new()
        .publishable_key("pk")
        .secret_key("sk")
        .site_uuid("site-1")
        .build()
        .unwrap()
}

/// The request an operation builds: (method, path, query pairs, JSON body or Null).
pub(crate) fn request<O: Operation>(op: &O) -> (String, String, Vec<(String, String)>, Value) {
    let req = op.to_request(&config()).unwrap();
    let uri = req.uri();
    assert_eq!(uri.scheme_str(), Some("https"));
    assert_eq!(uri.host(), Some("app.bentonow.com"));
    let path = uri.path().strip_prefix("/api/v1").unwrap().to_owned();
    let query: Vec<(String, String)> = form_urlencoded::parse(uri.query().unwrap_or("").as_bytes())
        .into_owned()
        .collect();
    assert_eq!(
        query[0],
        ("site_uuid".into(), "site-1".into()),
        "site_uuid leads every query"
    );
    let h = req.headers();
    assert_eq!(h["authorization"], "Basic cGs6c2s=");
    assert_eq!(h["user-agent"], "bento-rust-site-1");
    assert_eq!(h["accept"], "application/json");
    let body = if req.body().is_empty() {
        assert!(h.get("content-type").is_none());
        Value::Null
    } else if h["content-type"] == "application/json" {
        serde_json::from_slice(req.body()).unwrap()
    } else {
        Value::String(String::from_utf8(req.body().clone()).unwrap())
    };
    (req.method().to_string(), path, query[1..].to_vec(), body)
}

/// Query pairs as [`request`] returns them.
pub(crate) fn q(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// `op`'s parse of a response with `status` and `body`.
pub(crate) fn parse<O: Operation>(op: &O, status: u16, body: &str) -> Result<O::Output, Error> {
    let response = http::Response::builder()
        .status(status)
        .body(body.as_bytes().to_vec())
        .unwrap();
    op.parse_response(&response)
}

/// A JSON object literal as a [`JsonMap`].
pub(crate) fn map(v: Value) -> JsonMap {
    serde_json::from_value(v).unwrap()
}
