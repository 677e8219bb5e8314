//! Experimental utilities: email validation, Jesse's ruleset, content moderation, gender,
//! geolocation and blacklist checks (`/experimental/*`).

use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::model::{JsonMap, nullable};
use crate::operation::{Member, RequestSpec, decode_json, operation};
use crate::validate;

/// Input of [`ValidateEmail`], as the guide writes it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct ValidationData {
    /// The address to check.
    pub email: String,
    /// The person's name (checked for spam patterns).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The signup's user agent (accepted, currently ignored by the API).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_agent: Option<String>,
    /// The signup's IP (accepted, currently ignored by the API).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ip: Option<String>,
}

/// `{"valid": bool, "reasons": [..]}`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ValidationResult {
    /// Whether the address looks deliverable and genuine.
    #[serde(default, deserialize_with = "nullable")]
    pub valid: bool,
    /// Why not (Jesse's ruleset and moderation answer with reasons).
    #[serde(default, deserialize_with = "nullable")]
    pub reasons: Vec<String>,
}

/// `POST /experimental/validation`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidateEmail {
    /// The input.
    pub data: ValidationData,
}

impl ValidateEmail {
    /// Validates `data`.
    pub fn new(data: ValidationData) -> Self {
        ValidateEmail { data }
    }
}

operation! {
    ValidateEmail => ValidationResult, Idempotent,
    request(self, config) {
        // Only a blank email is refused here: judging addresses is the endpoint's job.
        validate::not_blank("email", &self.data.email)?;
        if let Some(ip) = &self.data.ip {
            validate::ip("ip", ip)?;
        }
        RequestSpec::post("/experimental/validation").json(&self.data)?.build(config)
    }
    decode(status, body) { decode_json(status, body) }
}

/// `POST /experimental/jesses_ruleset`: Bento's opinionated checks.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct JessesRuleset {
    /// The address.
    pub email: String,
    /// Reject free mail providers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub block_free_providers: Option<bool>,
    /// Be lenient.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wiggleroom: Option<bool>,
}

impl JessesRuleset {
    /// Checks `email`.
    pub fn new(email: impl Into<String>) -> Self {
        JessesRuleset {
            email: email.into(),
            ..Default::default()
        }
    }
}

operation! {
    JessesRuleset => ValidationResult, Idempotent,
    request(self, config) {
        validate::not_blank("email", &self.email)?;
        RequestSpec::post("/experimental/jesses_ruleset").json(self)?.build(config)
    }
    decode(status, body) { decode_json(status, body) }
}

/// `{"valid", "reasons", "safe_original_content"}`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ModerationResult {
    /// Whether the content is acceptable.
    #[serde(default, deserialize_with = "nullable")]
    pub valid: bool,
    /// Why not.
    #[serde(default, deserialize_with = "nullable")]
    pub reasons: Vec<String>,
    /// The content, made safe.
    #[serde(default)]
    pub safe_original_content: Option<String>,
}

/// `POST /experimental/content_moderation`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModerateContent {
    /// The text.
    pub content: String,
}

impl ModerateContent {
    /// Moderates `content`.
    pub fn new(content: impl Into<String>) -> Self {
        ModerateContent {
            content: content.into(),
        }
    }
}

operation! {
    ModerateContent => ModerationResult, Idempotent,
    request(self, config) {
        validate::not_blank("content", &self.content)?;
        RequestSpec::post("/experimental/content_moderation")
            .json(&Member("content", &self.content))?
            .build(config)
    }
    decode(status, body) { decode_json(status, body) }
}

/// `{"gender": .., "confidence": ..}`; both `null` (or `"unknown"`) when unsure.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct GenderResult {
    /// `male`, `female`, `unknown`, or `None`.
    #[serde(default)]
    pub gender: Option<String>,
    /// 0–1.
    #[serde(default)]
    pub confidence: Option<f64>,
}

/// `POST /experimental/gender`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetGender {
    /// A first name.
    pub name: String,
}

impl GetGender {
    /// Guesses for `name`.
    pub fn new(name: impl Into<String>) -> Self {
        GetGender { name: name.into() }
    }
}

operation! {
    GetGender => GenderResult, Idempotent,
    request(self, config) {
        validate::not_blank("name", &self.name)?;
        RequestSpec::post("/experimental/gender")
            .json(&Member("name", self.name.trim()))?
            .build(config)
    }
    decode(status, body) { decode_json(status, body) }
}

/// A location (every key optional; the live endpoint currently answers `{}`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Location {
    /// The queried IP.
    #[serde(default)]
    pub request: Option<String>,
    /// The IP.
    #[serde(default)]
    pub ip: Option<String>,
    /// ISO 3166 alpha-2.
    #[serde(default)]
    pub country_code2: Option<String>,
    /// ISO 3166 alpha-3.
    #[serde(default)]
    pub country_code3: Option<String>,
    /// Country.
    #[serde(default)]
    pub country_name: Option<String>,
    /// Continent.
    #[serde(default)]
    pub continent_code: Option<String>,
    /// Region.
    #[serde(default)]
    pub region_name: Option<String>,
    /// City.
    #[serde(default)]
    pub city_name: Option<String>,
    /// Postal code.
    #[serde(default)]
    pub postal_code: Option<String>,
    /// Latitude.
    #[serde(default)]
    pub latitude: Option<f64>,
    /// Longitude.
    #[serde(default)]
    pub longitude: Option<f64>,
    /// DMA code.
    #[serde(default)]
    pub dma_code: Option<String>,
    /// Area code.
    #[serde(default)]
    pub area_code: Option<String>,
    /// Time zone.
    #[serde(default)]
    pub timezone: Option<String>,
    /// Region, spelled out.
    #[serde(default)]
    pub real_region_name: Option<String>,
}

impl Location {
    /// Whether the API said nothing (`{}`).
    pub fn is_empty(&self) -> bool {
        *self == Location::default()
    }
}

/// `GET /experimental/geolocation?ip=`: `None` when the API answers `{}` (as it does while the
/// feature is disabled).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeolocateIp {
    /// The IP.
    pub ip: String,
}

impl GeolocateIp {
    /// Locates `ip`.
    pub fn new(ip: impl Into<String>) -> Self {
        GeolocateIp { ip: ip.into() }
    }
}

operation! {
    GeolocateIp => Option<Location>, Idempotent,
    request(self, config) {
        validate::ip("ip", &self.ip)?;
        RequestSpec::get("/experimental/geolocation").query("ip", self.ip.trim()).build(config)
    }
    decode(status, body) {
        let location: Location = decode_json(status, body)?;
        Ok(Some(location).filter(|l| !l.is_empty()))
    }
}

/// Input of [`GetBlacklistStatus`], as the guide writes it: exactly one of `domain` or `ip`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BlacklistData {
    /// A bare domain (`example.com`).
    pub domain: Option<String>,
    /// An IP address.
    pub ip: Option<String>,
}

/// `{"query", "description", "results": {provider: listed}}`; `results` is `None` when the API
/// sends `null` (nothing listed).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct BlacklistResult {
    /// What was checked.
    #[serde(default)]
    pub query: Option<String>,
    /// A description.
    #[serde(default)]
    pub description: Option<String>,
    /// Per provider (`spamhaus`, `sorbs`, ...): `true` means listed.
    #[serde(default)]
    pub results: Option<JsonMap>,
}

impl BlacklistResult {
    /// The providers that list the domain or IP.
    pub fn listed_on(&self) -> Vec<&str> {
        let mut listed: Vec<&str> = self
            .results
            .iter()
            .flatten()
            .filter(|(_, v)| v.as_bool() == Some(true))
            .map(|(k, _)| k.as_str())
            .collect();
        listed.sort_unstable();
        listed
    }
}

/// `GET /experimental/blacklist?domain=` or `?ip=` (not the legacy `blacklist.json`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetBlacklistStatus {
    /// The input.
    pub data: BlacklistData,
}

impl GetBlacklistStatus {
    /// Checks `data`.
    pub fn new(data: BlacklistData) -> Self {
        GetBlacklistStatus { data }
    }
}

operation! {
    GetBlacklistStatus => BlacklistResult, Idempotent,
    request(self, config) {
        let spec = RequestSpec::get("/experimental/blacklist");
        let domain = self.data.domain.as_deref().map(str::trim).filter(|s| !s.is_empty());
        let ip = self.data.ip.as_deref().map(str::trim).filter(|s| !s.is_empty());
        match (domain, ip) {
            (Some(d), None) => {
                validate::domain("domain", d)?;
                spec.query("domain", d)
            }
            (None, Some(ip)) => {
                validate::ip("ip", ip)?;
                spec.query("ip", ip)
            }
            _ => return Err(Error::invalid("domain/ip", "set exactly one of domain or ip")),
        }
        .build(config)
    }
    decode(status, body) { decode_json(status, body) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::operation::Operation;
    use crate::test_support::{config, parse, q, request};
    use serde_json::json;

    #[test]
    fn experimental_utilities() {
        let data = ValidationData {
            email: "user@example.com".into(),
            name: Some("John Doe".into()),
            user_agent: None,
            ip: Some("192.168.1.1".into()),
        };
        let (m, p, _, body) = request(&ValidateEmail::new(data));
        assert_eq!(
            (m.as_str(), p.as_str(), body),
            (
                "POST",
                "/experimental/validation",
                json!({"email": "user@example.com", "name": "John Doe", "ip": "192.168.1.1"})
            )
        );
        assert!(
            parse(
                &ValidateEmail::new(ValidationData::default()),
                200,
                r#"{"valid":true}"#
            )
            .unwrap()
            .valid
        );
        let bad_ip = ValidationData {
            email: "a@b.io".into(),
            ip: Some("1.2.3".into()),
            ..Default::default()
        };
        assert!(ValidateEmail::new(bad_ip).to_request(&config()).is_err());

        let (_, p, _, body) = request(&JessesRuleset {
            block_free_providers: Some(true),
            ..JessesRuleset::new("a@gmail.com")
        });
        assert_eq!(
            (p.as_str(), body),
            (
                "/experimental/jesses_ruleset",
                json!({"email": "a@gmail.com", "block_free_providers": true})
            )
        );
        let r = parse(
            &JessesRuleset::new("a@b.io"),
            200,
            r#"{"valid":false,"reasons":["Email provider is free"]}"#,
        )
        .unwrap();
        assert_eq!(r.reasons, ["Email provider is free"]);

        let (_, p, _, body) = request(&ModerateContent::new("hello"));
        assert_eq!(
            (p.as_str(), body),
            (
                "/experimental/content_moderation",
                json!({"content": "hello"})
            )
        );
        let r = parse(
            &ModerateContent::new("x"),
            200,
            r#"{"valid":false,"reasons":["Link spam"],"safe_original_content":"x"}"#,
        )
        .unwrap();
        assert_eq!(r.safe_original_content.as_deref(), Some("x"));

        let (_, p, _, body) = request(&GetGender::new("Alex"));
        assert_eq!(
            (p.as_str(), body),
            ("/experimental/gender", json!({"name": "Alex"}))
        );
        assert_eq!(
            parse(
                &GetGender::new("x"),
                200,
                r#"{"gender":null,"confidence":null}"#
            )
            .unwrap(),
            GenderResult::default()
        );
        assert_eq!(
            parse(
                &GetGender::new("x"),
                200,
                r#"{"gender":"female","confidence":0.95}"#
            )
            .unwrap()
            .confidence,
            Some(0.95)
        );

        let (m, p, query, _) = request(&GeolocateIp::new("208.67.222.222"));
        assert_eq!(
            (m.as_str(), p.as_str(), query),
            (
                "GET",
                "/experimental/geolocation",
                q(&[("ip", "208.67.222.222")])
            )
        );
        assert_eq!(
            parse(&GeolocateIp::new("1.1.1.1"), 200, "{}").unwrap(),
            None
        );
        assert_eq!(
            parse(
                &GeolocateIp::new("1.1.1.1"),
                200,
                r#"{"city_name":"SF","latitude":37.7}"#
            )
            .unwrap()
            .unwrap()
            .city_name
            .as_deref(),
            Some("SF")
        );

        let op = GetBlacklistStatus::new(BlacklistData {
            domain: Some("example.com".into()),
            ip: None,
        });
        let (m, p, query, _) = request(&op);
        assert_eq!(
            (m.as_str(), p.as_str(), query),
            (
                "GET",
                "/experimental/blacklist",
                q(&[("domain", "example.com")])
            )
        );
        assert_eq!(
            request(&GetBlacklistStatus::new(BlacklistData {
                domain: None,
                ip: Some("1.2.3.4".into())
            }))
            .2,
            q(&[("ip", "1.2.3.4")])
        );
        for bad in [
            BlacklistData::default(),
            BlacklistData {
                domain: Some("a.io".into()),
                ip: Some("1.2.3.4".into()),
            },
            BlacklistData {
                domain: Some("https://a.io".into()),
                ip: None,
            },
        ] {
            assert!(matches!(
                GetBlacklistStatus::new(bad).to_request(&config()),
                Err(Error::InvalidInput { .. })
            ));
        }
        let r = parse(
            &op,
            200,
            r#"{"query":"acme.io","description":"d","results":null}"#,
        )
        .unwrap();
        assert_eq!(r.results, None);
        let r = parse(
            &op,
            200,
            r#"{"query":"acme.io","results":{"spamhaus":true,"sorbs":false}}"#,
        )
        .unwrap();
        assert_eq!(r.listed_on(), ["spamhaus"]);
    }
}
