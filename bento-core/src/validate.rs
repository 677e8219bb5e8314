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
    /// The largest request body this client sends (10 MiB): 60 emails of 1 MB each would
    /// otherwise go out as one 63 MB request.
    pub const MAX_REQUEST_BYTES: usize = 10 * 1024 * 1024;
    /// The largest `$purchase` amount, in cents, either sign (10^15: ten trillion units).
    pub const MAX_AMOUNT_CENTS: i64 = 1_000_000_000_000_000;
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
        self.to_string()
    }
}

impl std::fmt::Display for ItemField<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}[{}].{}", self.item.list, self.item.index, self.leaf)
    }
}

/// A pragmatic syntax check: one `@`, a non-empty local part of at most 64 bytes, a dotted
/// domain of letters, digits and hyphens, no whitespace, at most 254 bytes in all. The length
/// is checked here; the two paths below check the rest.
pub fn is_valid_email(email: &str) -> bool {
    if email.len() > 254 {
        return false;
    }
    if email.is_ascii() {
        is_valid_ascii_email(email.as_bytes())
    } else {
        is_valid_email_by_chars(email)
    }
}

/// [`is_valid_email_by_chars`]'s rules for ASCII text (nearly every address), in one pass
/// over the bytes per part: whitespace and control characters are the bytes up to the space
/// and DEL, letters and digits are ASCII's, and nothing is deceptive. The checks by `str`
/// searches (`contains("..")`, a 12-character set, label splits) were a quarter of the
/// component's per-record CPU in a bulk import. `the_ascii_path_agrees_with_the_char_rules`
/// holds the two to the same answer.
fn is_valid_ascii_email(email: &[u8]) -> bool {
    if email.iter().any(|&b| b <= b' ' || b == 0x7f) {
        return false;
    }
    let Some(at) = email.iter().position(|&b| b == b'@') else {
        return false;
    };
    let (local, domain) = (&email[..at], &email[at + 1..]);
    let (Some(&first), Some(&last)) = (local.first(), local.last()) else {
        return false;
    };
    if local.len() > 64 || first == b'.' || last == b'.' {
        return false;
    }
    let mut previous = 0u8;
    for &b in local {
        let special = matches!(
            b,
            b'<' | b'>' | b'(' | b')' | b',' | b';' | b':' | b'\\' | b'"' | b'[' | b']'
        );
        if special || (b == b'.' && previous == b'.') {
            return false;
        }
        previous = b;
    }
    let mut labels = 0usize;
    let mut tld: &[u8] = &[];
    for label in domain.split(|&b| b == b'.') {
        let ok = matches!((label.first(), label.last()), (Some(&f), Some(&l)) if f != b'-' && l != b'-')
            && label.len() <= 63
            && label
                .iter()
                .all(|&b| b.is_ascii_alphanumeric() || b == b'-');
        if !ok {
            return false;
        }
        labels += 1;
        tld = label;
    }
    labels >= 2 && tld.len() >= 2 && !tld.iter().all(u8::is_ascii_digit)
}

/// The rules but the overall length, for any text: what [`is_valid_email`] checks non-ASCII
/// text by.
fn is_valid_email_by_chars(email: &str) -> bool {
    if email
        .chars()
        .any(|c| c.is_whitespace() || c.is_control() || is_deceptive(c))
    {
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

/// Characters no real address contains but that make one look like another: invisible
/// format characters (zero-width space and joiners, the byte-order mark, soft hyphen) and
/// bidirectional overrides (U+202E shows `moc.evil@jane` as `jane@live.com`), and the
/// full-width and half-width forms (`ｊａｎｅ` beside `jane`).
fn is_deceptive(c: char) -> bool {
    matches!(c,
        '\u{00AD}'
        | '\u{034F}'
        | '\u{061C}'
        | '\u{115F}'..='\u{1160}'
        | '\u{17B4}'..='\u{17B5}'
        | '\u{180B}'..='\u{180F}'
        | '\u{200B}'..='\u{200F}'
        | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{206F}'
        | '\u{3164}'
        | '\u{FE00}'..='\u{FE0F}'
        | '\u{FEFF}'
        | '\u{FF00}'..='\u{FFEF}'
        | '\u{FFF0}'..='\u{FFFF}'
        | '\u{E0000}'..='\u{E0FFF}'
    )
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

/// An ISO-8601 date or date-time that exists: `YYYY-MM-DD`, optionally followed by `T` (or a
/// space) and `HH:MM[:SS[.fraction]]`, optionally a zone (`Z`, `±HH:MM`, `±HHMM`, `±HH`).
pub(crate) fn iso_date(field: impl Field, value: &str) -> Result<(), Error> {
    if parse_iso_date(value.as_bytes()).is_some() {
        Ok(())
    } else {
        Err(Error::invalid(
            field.name(),
            "must be a valid ISO-8601 date or date-time such as 2026-01-31T12:00:00Z",
        ))
    }
}

fn parse_iso_date(b: &[u8]) -> Option<()> {
    let num = |s: &[u8]| -> Option<u32> {
        if s.is_empty() || !s.iter().all(u8::is_ascii_digit) {
            return None;
        }
        s.iter().try_fold(0u32, |n, d| {
            n.checked_mul(10)?.checked_add(u32::from(d - b'0'))
        })
    };
    let (year, month, day) = (num(b.get(..4)?)?, num(b.get(5..7)?)?, num(b.get(8..10)?)?);
    if b[4] != b'-' || b[7] != b'-' || !(1..=12).contains(&month) {
        return None;
    }
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days = match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    if !(1..=days).contains(&day) {
        return None;
    }
    let rest = &b[10..];
    if rest.is_empty() {
        return Some(());
    }
    if rest[0] != b'T' && rest[0] != b' ' {
        return None;
    }
    let time = &rest[1..];
    let (hour, minute) = (num(time.get(..2)?)?, num(time.get(3..5)?)?);
    if time[2] != b':' || hour > 23 || minute > 59 {
        return None;
    }
    let mut rest = &time[5..];
    if rest.first() == Some(&b':') {
        let second = num(rest.get(1..3)?)?;
        if second > 60 {
            return None;
        }
        rest = &rest[3..];
        if rest.first() == Some(&b'.') {
            let digits = rest[1..].iter().take_while(|c| c.is_ascii_digit()).count();
            if digits == 0 || digits > 9 {
                return None;
            }
            rest = &rest[1 + digits..];
        }
    }
    match rest {
        [] | [b'Z'] => Some(()),
        [b'+' | b'-', zone @ ..] => {
            let (h, m) = match zone {
                [h1, h2] => (num(&[*h1, *h2])?, 0),
                [h1, h2, b':', m1, m2] | [h1, h2, m1, m2] => (num(&[*h1, *h2])?, num(&[*m1, *m2])?),
                _ => return None,
            };
            (h <= 23 && m <= 59).then_some(())
        }
        _ => None,
    }
}

/// A batch request's records: 1 to `max` of them ([`batch_size`]), each passing `check` under
/// its own name (`list[i].field`), the first failure reported. Every batch operation checks its
/// records this way, and [`crate::EmailBatch`] again at construction.
pub(crate) fn batch<T>(
    list: &str,
    items: &[T],
    max: usize,
    check: impl Fn(&T, Item<'_>) -> Result<(), Error>,
) -> Result<(), Error> {
    batch_size(list, items.len(), max)?;
    for (i, item) in items.iter().enumerate() {
        check(item, Item::new(list, i))?;
    }
    Ok(())
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
        key(&field, k)?;
    }
    Ok(())
}

/// One key of a map of free-form values ([`keys`]; JSON object text checked key by key).
pub(crate) fn key(field: &impl Field, key: &str) -> Result<(), Error> {
    if key.trim().is_empty() {
        return Err(Error::invalid(field.name(), "keys must not be blank"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ascii_path_agrees_with_the_char_rules() {
        // Every word of up to 5 characters over an alphabet of the characters the rules treat
        // specially, alone, as the local part, as the domain and in both, then 200,000 random
        // texts of up to 89: both paths give the same answer for every one.
        const ALPHABET: &[u8] = b"a1-.@<\\\" \x7f_Z";
        let mut checked = 0usize;
        let mut check = |text: &str| {
            assert_eq!(
                is_valid_ascii_email(text.as_bytes()),
                is_valid_email_by_chars(text),
                "{text:?}"
            );
            checked += 1;
        };
        let mut word = Vec::new();
        for len in 0..=5u32 {
            for n in 0..ALPHABET.len().pow(len) {
                word.clear();
                let mut k = n;
                for _ in 0..len {
                    word.push(ALPHABET[k % ALPHABET.len()]);
                    k /= ALPHABET.len();
                }
                let w = std::str::from_utf8(&word).unwrap();
                check(w);
                check(&format!("{w}@ex-1.io"));
                check(&format!("jane@{w}"));
                check(&format!("j{w}@a{w}.io"));
            }
        }
        let mut seed = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for _ in 0..200_000 {
            let len = (next() % 90) as usize;
            let text: String = (0..len)
                .map(|_| char::from(ALPHABET[(next() % ALPHABET.len() as u64) as usize]))
                .collect();
            check(&text);
        }
        for long in [
            format!("{}@x.io", "a".repeat(64)),
            format!("{}@x.io", "a".repeat(65)),
            format!("a@{}.io", "b".repeat(63)),
            format!("a@{}.io", "b".repeat(64)),
            format!("a@{}.io", "b.".repeat(124)),
            format!("a@{}.io", "b.".repeat(125)),
        ] {
            check(&long);
        }
        assert!(checked > 1_000_000, "{checked}");
    }

    #[test]
    fn the_ascii_shortcut_agrees_with_the_char_rules() {
        // Every ASCII character, in the local part and in the domain.
        for b in 0u8..128 {
            let c = char::from(b);
            let refused = c.is_whitespace() || c.is_control() || is_deceptive(c);
            for email in [format!("a{c}b@example.com"), format!("ab@exa{c}mple.com")] {
                if refused {
                    assert!(!is_valid_email(&email), "{b:#x}");
                }
            }
            assert_eq!(b <= b' ' || b == 0x7f, refused, "{b:#x}");
        }
    }

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
            // Issue 11, finding 9: look-alike and invisible characters.
            "jane\u{202E}@acme.io",
            "ja\u{200B}ne@acme.io",
            "\u{FEFF}jane@acme.io",
            "\u{FF4A}ane@acme.io",
            "jane@acme\u{FF0E}io",
            "jane\u{00AD}@acme.io",
        ] {
            assert!(!is_valid_email(bad), "{bad:?}");
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
        // Issue 11, finding 9: dates that do not exist were sent.
        for bad in [
            "2026-99-99T99:99:99Z",
            "2026-02-29",
            "2026-04-31",
            "2026-01-31T24:00:00Z",
            "2026-01-31T10:60",
            "2026-01-31T10:00:00+25:00",
            "2026-01-31T10:00:00Zjunk",
            "2026-01-31T10:00:00.Z",
            "2026-01-31X",
        ] {
            assert!(iso_date("d", bad).is_err(), "{bad}");
        }
        for ok in [
            "2024-02-29",
            "2026-01-31 10:00",
            "2026-01-31T10:00:00+02:00",
            "2026-01-31T10:00:00-0530",
            "2026-12-31T23:59:60.123456Z",
        ] {
            assert!(iso_date("d", ok).is_ok(), "{ok}");
        }
        assert!(batch_size("events", 0, 1000).is_err());
        assert!(batch_size("events", 1000, 1000).is_ok());
        let e = batch_size("emails", 61, 60).unwrap_err();
        assert!(e.to_string().contains("between 1 and 60"));
    }
}
