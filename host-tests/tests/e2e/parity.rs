//! Drift between surfaces is a failing test: every operation and helper of the core
//! (`bento_core::OPERATIONS`, `bento_core::HELPERS`, from the same macro the Rust clients are
//! generated from) has a function on the WIT `client` resource, and the resource has nothing
//! the core does not know. Read from `wit/bento.wit` with wit-parser, not a second list.

use std::collections::BTreeSet;

#[test]
fn every_core_operation_has_a_wit_function_and_the_reverse() {
    let mut resolve = wit_parser::Resolve::new();
    let wit = concat!(env!("CARGO_MANIFEST_DIR"), "/../wit");
    resolve.push_dir(wit).expect("wit/ parses with its deps");
    let api = resolve
        .interfaces
        .iter()
        .find(|(_, i)| {
            i.name.as_deref() == Some("api")
                && i.package
                    .is_some_and(|p| resolve.packages[p].name.name == "bento")
        })
        .map(|(_, i)| i)
        .expect("the bentonow:bento/api interface");
    let wit_methods: BTreeSet<String> = api
        .functions
        .values()
        .filter_map(|f| match f.kind {
            // The `client` resource's methods (the stepped runs' `next`/`finish` are theirs).
            wit_parser::FunctionKind::Method(id)
                if resolve.types[id].name.as_deref() == Some("client") =>
            {
                Some(f.item_name().replace('-', "_"))
            }
            _ => None,
        })
        .collect();
    let core: BTreeSet<String> = bento_core::OPERATIONS
        .iter()
        .chain(bento_core::HELPERS)
        .map(|s| s.to_string())
        .collect();
    let missing: Vec<_> = core.difference(&wit_methods).collect();
    let unknown: Vec<_> = wit_methods.difference(&core).collect();
    assert!(
        missing.is_empty() && unknown.is_empty(),
        "core operations without a WIT function: {missing:?}; WIT functions the core does not list: {unknown:?}"
    );
    assert_eq!(
        wit_methods.len(),
        bento_core::OPERATIONS.len() + bento_core::HELPERS.len()
    );
}
