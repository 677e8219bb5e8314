//! Drift between surfaces is a failing test (issue #15): every operation and helper of the core
//! (`bento::OPERATIONS`, `bento::HELPERS`, from the same macro the Rust clients are generated
//! from) has a method on the exported `BentoClient` and on `AsyncBentoClient`, and neither
//! exports anything the core does not list except the names in [`FFI_ONLY`], each with its
//! reason. The WIT side is `host-tests/tests/e2e/parity.rs`.
//!
//! The exported methods are read from the crate's source: every `fn` of every
//! `#[uniffi::export]`-ed `impl BentoClient` (or `impl AsyncBentoClient`) block under `src/`
//! (uniffi exports all of a block's methods, `pub` or not), and every `fn` of the
//! `client_methods! { .. }` list, which generates the API methods of both. `cargo fmt` fixes
//! the layout the scan relies on: a block opens at column 0 (`impl BentoClient {` right after
//! its attributes, or `client_methods! {`), closes with `}` at column 0, and its methods start
//! at an indentation of four spaces.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The exported client objects.
const CLIENTS: &[&str] = &["BentoClient", "AsyncBentoClient"];

/// Exported client methods that are not core operations or helpers, and why (the same on both
/// clients).
const FFI_ONLY: &[(&str, &str)] = &[
    ("new", "the constructor (`BentoClient(config)`)"),
    (
        "from_env",
        "a constructor from the BENTO_* environment variables",
    ),
    (
        "with_deadline",
        "the same client with another per-call deadline (the Rust client's `with_deadline`)",
    ),
    ("site_uuid", "an accessor of the client's config"),
    ("base_url", "an accessor of the client's config"),
    (
        "import_subscribers_chunked_json",
        "`import_subscribers_chunked` with the rows as one JSON text (the Python bulk path)",
    ),
    (
        "import_subscribers_chunked_marshal",
        "`import_subscribers_chunked` with the rows as Python marshal data (the Python package's \
         fast path for dict rows)",
    ),
];

/// Core names the FFI spells differently: `(core name, FFI method)`. None today; a rename
/// goes here rather than into either list of missing names.
const RENAMED: &[(&str, &str)] = &[];

/// `fn` names at the start of a (trimmed) line: `fn x(`, `pub fn x(`, `pub(crate) fn x<`, ..
fn fn_name(line: &str) -> Option<&str> {
    let rest = line
        .strip_prefix("pub ")
        .or_else(|| line.strip_prefix("pub(crate) "))
        .unwrap_or(line);
    let rest = rest.strip_prefix("fn ")?;
    let end = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(rest.len());
    Some(&rest[..end]).filter(|n| !n.is_empty())
}

/// Every exported method of the client object `client` in `source`, by file name for the
/// messages.
fn exported_methods(
    file: &str,
    source: &str,
    client: &str,
    out: &mut BTreeMap<String, String>,
) -> usize {
    let mut blocks = 0;
    let mut export_pending = false;
    let mut in_block = false;
    for (n, line) in source.lines().enumerate() {
        let at = format!("{file}:{}", n + 1);
        if in_block {
            if line == "}" {
                in_block = false;
                continue;
            }
            let Some(body) = line.strip_prefix("    ") else {
                continue;
            };
            if body.starts_with("#[uniffi::method") && body.contains("name") {
                panic!("{at}: a renamed export (`{body}`): teach this scan the `name = ..` form");
            }
            if body.starts_with(' ') {
                continue; // inside a method
            }
            if let Some(name) = fn_name(body)
                && let Some(first) = out.insert(name.to_owned(), at.clone())
            {
                panic!("{at}: `{name}` is exported twice (also at {first})");
            }
            continue;
        }
        if line.starts_with("#[uniffi::export") {
            export_pending = true;
        } else if export_pending && (line.starts_with("#[") || line.starts_with("///")) {
            // More attributes or docs of the same item.
        } else {
            let exported_impl = export_pending
                && (line == format!("impl {client} {{")
                    || (line.starts_with("impl ") && line.ends_with(&format!(" for {client} {{"))));
            if exported_impl || line == "client_methods! {" {
                in_block = true;
                blocks += 1;
            } else if line.starts_with("impl")
                && line
                    .split(|c: char| !c.is_alphanumeric())
                    .any(|w| w == client)
                && export_pending
            {
                panic!("{at}: an exported `impl` this scan cannot read: `{line}`");
            }
            export_pending = false;
        }
    }
    assert!(
        !in_block,
        "{file}: an exported `impl {client}` block never closes"
    );
    blocks
}

fn ffi_methods(client: &str) -> BTreeMap<String, String> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files: Vec<_> = std::fs::read_dir(&src)
        .expect("bento-ffi/src is readable")
        .map(|e| e.expect("a directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        .collect();
    files.sort();
    let mut methods = BTreeMap::new();
    let mut blocks = 0;
    for path in &files {
        let source = std::fs::read_to_string(path).expect("a source file is readable");
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        blocks += exported_methods(&name, &source, client, &mut methods);
    }
    assert!(
        blocks >= 2,
        "no `#[uniffi::export] impl {client}` block or no `client_methods!` found under {}",
        src.display()
    );
    methods
}

#[test]
fn every_core_operation_has_an_ffi_method_and_the_reverse() {
    for client in CLIENTS {
        check_client(client);
    }
}

fn check_client(client: &str) {
    let ffi = ffi_methods(client);
    let ffi_names: BTreeSet<&str> = ffi.keys().map(String::as_str).collect();
    let core: Vec<&str> = bento::OPERATIONS
        .iter()
        .chain(bento::HELPERS)
        .copied()
        .collect();
    let core_set: BTreeSet<&str> = core.iter().copied().collect();
    assert_eq!(core.len(), core_set.len(), "the core lists a name twice");

    let renamed: BTreeMap<&str, &str> = RENAMED.iter().copied().collect();
    let ffi_only: BTreeMap<&str, &str> = FFI_ONLY.iter().copied().collect();
    // The core's names as the FFI spells them.
    let expected: BTreeSet<&str> = core
        .iter()
        .map(|n| renamed.get(n).copied().unwrap_or(n))
        .collect();

    let missing: Vec<_> = expected.difference(&ffi_names).collect();
    let unknown: Vec<_> = ffi_names
        .iter()
        .filter(|n| !expected.contains(*n) && !ffi_only.contains_key(*n))
        .map(|n| format!("{n} ({})", ffi[*n]))
        .collect();
    // The tables must not go stale either.
    let stale_only: Vec<_> = ffi_only
        .keys()
        .filter(|n| !ffi_names.contains(*n) || expected.contains(*n))
        .collect();
    let stale_renames: Vec<_> = renamed
        .iter()
        .filter(|(core_name, ffi_name)| {
            !core_set.contains(*core_name) || !ffi_names.contains(*ffi_name)
        })
        .collect();
    assert!(
        missing.is_empty()
            && unknown.is_empty()
            && stale_only.is_empty()
            && stale_renames.is_empty(),
        "core operations/helpers without a {client} method: {missing:?}\n\
         {client} methods the core does not list (add them to the core, or to FFI_ONLY with \
         the reason): {unknown:?}\n\
         FFI_ONLY entries that are not (only) FFI methods: {stale_only:?}\n\
         RENAMED entries that no longer apply: {stale_renames:?}"
    );
    assert_eq!(
        ffi_names.len(),
        core.len() + FFI_ONLY.len(),
        "{client}: {ffi_names:?}"
    );
}

#[test]
fn the_scan_reads_what_uniffi_exports() {
    // The scan itself, on a source with every form it must handle (and one it must skip).
    let source = "\
#[uniffi::export(Debug)]
pub struct BentoClient {
    inner: u8,
}

impl BentoClient {
    pub fn core(&self) {}
}

/// Docs.
#[uniffi::export]
impl BentoClient {
    /// A constructor.
    #[uniffi::constructor]
    pub fn new() -> Arc<Self> {
        fn helper() {}
        todo!()
    }

    #[uniffi::method(default(chunk_size))]
    pub fn track_events_chunked(
        &self,
    ) {
        let s = \"}\";
    }
    fn private_but_exported(&self) {}
}

#[uniffi::export]
impl AsyncBentoClient {
    pub fn only_async(&self) {}
}

client_methods! {
    /// Docs.
    #[uniffi::method(default(page))]
    fn get_tags() -> Vec<Tag> {
        call get_tags();
        finish |r| map(r)
    }
}
";
    let mut out = BTreeMap::new();
    assert_eq!(exported_methods("x.rs", source, "BentoClient", &mut out), 2);
    let names: Vec<_> = out.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        [
            "get_tags",
            "new",
            "private_but_exported",
            "track_events_chunked"
        ]
    );
    assert_eq!(out["new"], "x.rs:15");
    let mut out = BTreeMap::new();
    assert_eq!(
        exported_methods("x.rs", source, "AsyncBentoClient", &mut out),
        2
    );
    let names: Vec<_> = out.keys().map(String::as_str).collect();
    assert_eq!(names, ["get_tags", "only_async"]);
}
