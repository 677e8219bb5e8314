//! Input checks run before any request is built. Messages name the field and the rule and
//! never echo the value (it may be a subscriber's email).

use std::net::IpAddr;

use crate::error::Error;

/// API limits per request.
pub mod limits {
    /// `/batch/subscribers`: 1–1000 per request.
    pub const SUBSCRIBERS: usize = 1000;
    /// `/batch/events`: 1–1000 per request.
    pub const EVENTS: usize = 1000;
    /// `/batch/emails`: 1–60 per request.
    pub const EMAILS: usize = 60;
    /// `/batch/broadcasts`: 1–100 per request.
    pub const BROADCASTS: usize = 100;
    /// `/fetch/commands`: 1–100 per request.
    pub const COMMANDS: usize = 100;
}

/// A field name, formatted only when an error needs it: batch validation runs once per
/// record, and building `subscribers[412].email` for every valid record cost more than the
/// checks themselves.
pub(crate) trait Field {
    /// The name, e.g. `events[3].email`.
    fn name(&self) -> String;
}

impl Field for &str {
    fn name(&self) -> String {
        (*self).to_owned()
    }
}

impl Field for String {
    fn name(&self) -> String {
        self.clone()
    }
}

/// Item `index` of the batch `list`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Item<'a> {
    list: &'a str,
    index: usize,
}

impl<'a> Item<'a> {
    pub(crate) fn new(list: &'a str, index: usize) -> Self {
        Item { list, index }
    }

    /// The field `leaf` of this item (`list[index].leaf`).
    pub(crate) fn at(self, leaf: &'a str) -> ItemField<'a> {
        ItemField { item: self, leaf }
    }
}

/// A field of a batch item.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ItemField<'a> {
    item: Item<'a>,
    leaf: &'a str,
}

impl Field for ItemField<'_> {
    fn name(&self) -> String {
        format!("{}[{}].{}", self.item.list, self.item.index, self.leaf)
    }
}

/// A pragmatic syntax check: one `@`, a non-empty local part of at most 64 bytes, a dotted
/// domain of letters, digits and hyphens, no whitespace, at most 254 bytes in all.
pub fn is_valid_email(email: &str) -> bool {
    if email.len() > 254 || email.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return false;
    }
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    if local.is_empty()
        || local.len() > 64
        || local.starts_with('.')
        || local.ends_with('.')
        || local.contains("..")
        || local.contains(['@', '<', '>', '(', ')', ',', ';', ':', '\\', '"', '[', ']'])
    {
        return false;
    }
    let Some((_, tld)) = domain.rsplit_once('.') else {
        return false;
    };
    domain.split('.').all(is_dns_label)
        && tld.len() >= 2
        && !tld.bytes().all(|b| b.is_ascii_digit())
}

fn is_dns_label(l: &str) -> bool {
    !l.is_empty()
        && l.len() <= 63
        && !l.starts_with('-')
        && !l.ends_with('-')
        && l.chars().all(|c| c.is_alphanumeric() || c == '-')
}

pub(crate) fn email(field: impl Field, value: &str) -> Result<(), Error> {
    if value.trim().is_empty() {
        return Err(Error::invalid(field.name(), "is required"));
    }
    if !is_valid_email(value) {
        return Err(Error::invalid(field.name(), "is not a valid email address"));
    }
    Ok(())
}

pub(crate) fn not_blank(field: impl Field, value: &str) -> Result<(), Error> {
    if value.trim().is_empty() {
        return Err(Error::invalid(field.name(), "must not be blank"));
    }
    Ok(())
}

pub(crate) fn ip(field: impl Field, value: &str) -> Result<(), Error> {
    value
        .trim()
        .parse::<IpAddr>()
        .map(|_| ())
        .map_err(|_| Error::invalid(field.name(), "is not a valid IPv4 or IPv6 address"))
}

/// ISO-4217 style: three ASCII uppercase letters.
pub(crate) fn currency(field: impl Field, value: &str) -> Result<(), Error> {
    if value.len() == 3 && value.bytes().all(|b| b.is_ascii_uppercase()) {
        Ok(())
    } else {
        Err(Error::invalid(
            field.name(),
            "must be a three-letter uppercase ISO-4217 currency code such as USD",
        ))
    }
}

/// A bare host name (no scheme, path or port), as the blacklist check wants it.
pub(crate) fn domain(field: impl Field, value: &str) -> Result<(), Error> {
    let ok = value.contains('.') && value.len() <= 253 && value.split('.').all(is_dns_label);
    if ok {
        Ok(())
    } else {
        Err(Error::invalid(
            field.name(),
            "must be a bare domain such as example.com (no scheme, path or port)",
        ))
    }
}

/// An ISO-8601 date or date-time: at least `YYYY-MM-DD`, digits where digits belong.
pub(crate) fn iso_date(field: impl Field, value: &str) -> Result<(), Error> {
    let b = value.as_bytes();
    let date_ok = b.len() >= 10
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && b[5..7].iter().all(u8::is_ascii_digit)
        && b[7] == b'-'
        && b[8..10].iter().all(u8::is_ascii_digit)
        && (b.len() == 10 || b[10] == b'T' || b[10] == b' ');
    if date_ok {
        Ok(())
    } else {
        Err(Error::invalid(
            field.name(),
            "must be an ISO-8601 date or date-time such as 2026-01-31T12:00:00Z",
        ))
    }
}

pub(crate) fn batch_size(field: &str, len: usize, max: usize) -> Result<(), Error> {
    if len == 0 {
        return Err(Error::invalid(
            field.name(),
            format!("must contain between 1 and {max} items, got none"),
        ));
    }
    if len > max {
        return Err(Error::invalid(
            field.name(),
            format!("must contain between 1 and {max} items, got {len}; use the chunked helper"),
        ));
    }
    Ok(())
}

/// A map of free-form values must have non-blank keys.
pub(crate) fn keys<'a, V: 'a>(
    field: impl Field,
    map: impl IntoIterator<Item = (&'a String, V)>,
) -> Result<(), Error> {
    for (k, _) in map {
        if k.trim().is_empty() {
            return Err(Error::invalid(field.name(), "keys must not be blank"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_syntax() {
        for ok in [
            "a@b.co",
            "jane.doe+tag@sub.acme.io",
            "o'brien@x-y.org",
            "ünï@exämple.de",
        ] {
            assert!(is_valid_email(ok), "{ok}");
        }
        for bad in [
            "",
            "plain",
            "@x.io",
            "a@",
            "a@b",
            "a@b.",
            "a b@c.io",
            "a@@b.io",
            "a@-b.io",
            "a..b@c.io",
            ".a@b.io",
            "a@b.123",
            "a@b..io",
            "<a@b.io>",
        ] {
            assert!(!is_valid_email(bad), "{bad}");
        }
        assert!(!is_valid_email(&format!("{}@x.io", "a".repeat(65))));
    }

    #[test]
    fn error_messages_name_the_field_and_never_the_value() {
        let e = email("events[2].email", "jane@@acme.io").unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid input: events[2].email: is not a valid email address"
        );
        assert!(!e.to_string().contains("jane"));
    }

    #[test]
    fn ip_currency_domain_date_and_sizes() {
        assert!(ip("ip", "208.67.222.222").is_ok());
        assert!(ip("ip", "2001:db8::1").is_ok());
        assert!(ip("ip", "300.1.1.1").is_err());
        assert!(currency("c", "USD").is_ok());
        assert!(currency("c", "usd").is_err());
        assert!(currency("c", "US").is_err());
        assert!(domain("d", "acme.io").is_ok());
        assert!(domain("d", "https://acme.io").is_err());
        assert!(domain("d", "acme.io/x").is_err());
        assert!(iso_date("d", "2026-01-31").is_ok());
        assert!(iso_date("d", "2026-01-31T10:00:00.000Z").is_ok());
        assert!(iso_date("d", "31/01/2026").is_err());
        assert!(batch_size("events", 0, 1000).is_err());
        assert!(batch_size("events", 1000, 1000).is_ok());
        let e = batch_size("emails", 61, 60).unwrap_err();
        assert!(e.to_string().contains("between 1 and 60"));
    }
}
