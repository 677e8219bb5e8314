//! §2.1 #29–#34: experimental endpoints, answered deterministically from small built-in rules
//! (the live service uses MX lookups, reputation feeds and models; these tables are invented
//! stand-ins that exercise every answer shape).

use super::{Ctx, missing};
use crate::util::{as_bool, error, ok, valid_email};
use axum::response::Response;
use http::StatusCode;
use serde_json::{Value, json};
use std::net::IpAddr;

const DISPOSABLE: &[&str] = &[
    "mailinator.com",
    "guerrillamail.com",
    "10minutemail.com",
    "yopmail.com",
    "tempmail.com",
    "temp-mail.org",
    "trashmail.com",
    "sharklasers.com",
    "getnada.com",
    "throwawaymail.com",
    "dispostable.com",
    "maildrop.cc",
];
const TYPO: &[&str] = &[
    "gmial.com",
    "gmai.com",
    "gamil.com",
    "hotmial.com",
    "yaho.com",
    "outlok.com",
];
const FREE: &[&str] = &[
    "gmail.com",
    "googlemail.com",
    "yahoo.com",
    "hotmail.com",
    "outlook.com",
    "live.com",
    "aol.com",
    "icloud.com",
    "proton.me",
    "protonmail.com",
    "gmx.com",
    "mail.com",
    "yandex.com",
];
const ROLE: &[&str] = &[
    "admin",
    "info",
    "support",
    "noreply",
    "no-reply",
    "sales",
    "contact",
    "webmaster",
    "postmaster",
    "abuse",
    "hello",
];

fn domain_of(email: &str) -> String {
    email
        .trim()
        .rsplit_once('@')
        .map(|(_, d)| d.to_ascii_lowercase())
        .unwrap_or_default()
}

fn local_of(email: &str) -> String {
    email
        .trim()
        .rsplit_once('@')
        .map(|(l, _)| l.to_ascii_lowercase())
        .unwrap_or_default()
}

/// Name heuristics from the DOCS spam page: digits, HTML, links.
fn suspicious_name(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    name.chars().any(|c| c.is_ascii_digit())
        || n.contains('<')
        || n.contains("http")
        || n.contains("www.")
}

/// #29 `{"valid": bool}`: syntax, disposable and typo domains, suspicious names.
pub async fn validation(ctx: Ctx) -> Response {
    let Some(email) = ctx.p.str("email") else {
        return missing("email");
    };
    let domain = domain_of(&email);
    let name_ok = ctx.p.str("name").is_none_or(|n| !suspicious_name(&n));
    let valid = valid_email(&email)
        && !DISPOSABLE.contains(&domain.as_str())
        && !TYPO.contains(&domain.as_str())
        && name_ok;
    ok(json!({"valid": valid}))
}

/// #30 `{"valid": bool, "reasons": [..]}`. `block_free_providers` adds the free-provider rule;
/// `wiggleroom` waives the role-account rule (invented meaning).
pub async fn jesses_ruleset(ctx: Ctx) -> Response {
    let Some(email) = ctx.p.str("email") else {
        return missing("email");
    };
    let domain = domain_of(&email);
    let mut reasons: Vec<&str> = Vec::new();
    if !valid_email(&email) {
        reasons.push("Email is invalid");
    }
    if DISPOSABLE.contains(&domain.as_str()) {
        reasons.push("Email provider is disposable");
    }
    if TYPO.contains(&domain.as_str()) {
        reasons.push("Email domain looks like a typo");
    }
    if ctx.p.get("block_free_providers").is_some_and(as_bool) && FREE.contains(&domain.as_str()) {
        reasons.push("Email provider is free");
    }
    if !ctx.p.get("wiggleroom").is_some_and(as_bool) && ROLE.contains(&local_of(&email).as_str()) {
        reasons.push("Email is a role account");
    }
    ok(json!({"valid": reasons.is_empty(), "reasons": reasons}))
}

fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// #31 `{"valid", "reasons", "safe_original_content"}`; blank content is
/// `{"valid": false, "reasons": ["Content is required"]}`.
pub async fn content_moderation(ctx: Ctx) -> Response {
    let Some(content) = ctx.p.str("content") else {
        return ok(json!({"valid": false, "reasons": ["Content is required"]}));
    };
    let lower = content.to_ascii_lowercase();
    let mut reasons: Vec<&str> = Vec::new();
    let links = lower.matches("http://").count()
        + lower.matches("https://").count()
        + lower.matches("www.").count();
    if links > 3 {
        reasons.push("Link spam");
    }
    if ["bit.ly/", "tinyurl.com/", "goo.gl/", "ow.ly/", "t.co/"]
        .iter()
        .any(|s| lower.contains(s))
    {
        reasons.push("URL shortener");
    }
    if [
        "viagra",
        "casino",
        "free money",
        "crypto giveaway",
        "wire transfer",
        "click here to claim",
    ]
    .iter()
    .any(|w| lower.contains(w))
    {
        reasons.push("Spam keywords");
    }
    if lower.contains("<script") || lower.contains("javascript:") {
        reasons.push("Unsafe HTML");
    }
    ok(
        json!({"valid": reasons.is_empty(), "reasons": reasons, "safe_original_content": escape_html(&content)}),
    )
}

const NAMES: &[(&str, &str, f64)] = &[
    ("mary", "female", 0.97),
    ("jane", "female", 0.98),
    ("emma", "female", 0.98),
    ("olivia", "female", 0.97),
    ("sophia", "female", 0.97),
    ("sarah", "female", 0.98),
    ("anna", "female", 0.96),
    ("linda", "female", 0.98),
    ("jennifer", "female", 0.98),
    ("julia", "female", 0.95),
    ("taylor", "female", 0.6),
    ("john", "male", 0.99),
    ("james", "male", 0.99),
    ("michael", "male", 0.99),
    ("robert", "male", 0.99),
    ("david", "male", 0.99),
    ("william", "male", 0.99),
    ("jesse", "male", 0.94),
    ("peter", "male", 0.98),
    ("thomas", "male", 0.99),
    ("daniel", "male", 0.98),
    ("alex", "male", 0.55),
];

/// #32 `{"gender", "confidence"}` from a small first-name table; unknown names give nulls.
pub async fn gender(ctx: Ctx) -> Response {
    let Some(name) = ctx.p.str("name") else {
        return missing("name");
    };
    let first = name
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_lowercase();
    match NAMES.iter().find(|(n, _, _)| *n == first) {
        Some((_, g, c)) => ok(json!({"gender": g, "confidence": c})),
        None => ok(json!({"gender": null, "confidence": null})),
    }
}

/// #33 geolocation is disabled on the live API and answers `{}` (SKILL 2026-07).
pub async fn geolocation(_ctx: Ctx) -> Response {
    ok(json!({}))
}

/// #34 `{"query", "description", "results"}`; `results` is null when the domain/IP is clean,
/// otherwise the provider map with `true` for the (invented) listing providers.
pub async fn blacklist(ctx: Ctx) -> Response {
    let cfg = &ctx.app.config;
    let ip = ctx.p.str("ip").or_else(|| ctx.p.str("ip_address"));
    let domain = ctx.p.str("domain");
    let (query, listed) = if let Some(domain) = domain {
        // Accept a pasted URL: drop the scheme, path and port.
        let d = domain.to_ascii_lowercase();
        let d = d.split("://").last().unwrap_or_default();
        let d = d
            .split(['/', ':'])
            .next()
            .unwrap_or_default()
            .trim_end_matches('.')
            .to_string();
        if !d.contains('.') {
            return error(
                StatusCode::BAD_REQUEST,
                "Please provide an IP or clean domain (google.com).",
            );
        }
        let listed = cfg.blacklisted_domains.iter().any(|b| {
            let b = b.to_ascii_lowercase();
            d == b || d.ends_with(&format!(".{b}"))
        });
        (d, listed)
    } else if let Some(ip) = ip {
        let Ok(addr) = ip.parse::<IpAddr>() else {
            return error(StatusCode::BAD_REQUEST, "Invalid IP");
        };
        let listed = cfg
            .blacklisted_ips
            .iter()
            .any(|b| b.parse::<IpAddr>().ok() == Some(addr));
        (addr.to_string(), listed)
    } else {
        return error(
            StatusCode::BAD_REQUEST,
            "Please provide an IP or clean domain (google.com).",
        );
    };
    let results = if listed {
        json!({"just_registered": false, "spamhaus": true, "nordspam": true, "spfbl": false, "sorbs": false, "abusix": true})
    } else {
        Value::Null
    };
    let description = if listed {
        format!("{query} is listed on one or more blacklists.")
    } else {
        format!("{query} is not listed on any blacklist we check.")
    };
    ok(json!({"query": query, "description": description, "results": results}))
}
