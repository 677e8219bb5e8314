//! Builds the bento component, the example app (`examples/edge-signup`) and their composition
//! with `scripts/build-component.sh` (the one build command; see the README) and hands the
//! paths to the crate as `BENTO_COMPONENT_WASM`, `EDGE_SIGNUP_WASM` and
//! `EDGE_SIGNUP_COMPOSED_WASM`.
//!
//! The app reads its Bento settings at build time; it is built here with test settings, which
//! the crate gets as `EDGE_SIGNUP_PUBLISHABLE_KEY`, `EDGE_SIGNUP_SECRET_KEY` and
//! `EDGE_SIGNUP_SITE_UUID` (the served tests start an emulator with them). No base URL: the
//! app keeps its production default and the served tests route it to the emulator.
//!
//! The nested build gets its own target directory under `OUT_DIR` (sharing the outer one
//! would deadlock on its lock) and none of the outer build's rustflags or wrappers (they are
//! meant for the host, e.g. clippy's driver, and would needlessly invalidate the wasm build).

use std::env;
use std::path::PathBuf;
use std::process::Command;

const APP_SETTINGS: [(&str, &str); 3] = [
    ("PUBLISHABLE_KEY", "pk_edge_signup_test"),
    ("SECRET_KEY", "sk_edge_signup_test"),
    ("SITE_UUID", "edge-signup-test-site"),
];

fn main() {
    let out_dir = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let manifest_dir =
        PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let workspace = manifest_dir
        .parent()
        .expect("host-tests lives in the workspace root");
    let target_dir = out_dir.join("component-target");
    let components = out_dir.join("components");
    let cargo = env::var_os("CARGO").unwrap_or_else(|| "cargo".into());

    for path in [
        "bento-component/src",
        "bento-component/Cargo.toml",
        "bento-core/src",
        "bento-core/Cargo.toml",
        "examples/edge-signup/src",
        "examples/edge-signup/wit",
        "examples/edge-signup/Cargo.toml",
        "wit",
        "scripts/build-component.sh",
        ".cargo/config.toml",
        "Cargo.toml",
    ] {
        println!("cargo:rerun-if-changed={}", workspace.join(path).display());
    }

    let mut build = Command::new("bash");
    build
        .current_dir(workspace)
        .arg(workspace.join("scripts/build-component.sh"))
        .arg("--out")
        .arg(&components)
        .env("CARGO", cargo)
        .env("CARGO_TARGET_DIR", &target_dir)
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("RUSTFLAGS")
        .env_remove("RUSTC_WRAPPER")
        .env_remove("RUSTC_WORKSPACE_WRAPPER")
        .env_remove("BENTO_BASE_URL");
    for (name, value) in APP_SETTINGS {
        build.env(format!("BENTO_{name}"), value);
        println!("cargo:rustc-env=EDGE_SIGNUP_{name}={value}");
    }
    let output = build
        .output()
        .expect("could not run scripts/build-component.sh");
    if !output.status.success() {
        panic!(
            "scripts/build-component.sh failed:\n{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }

    for (var, file) in [
        ("BENTO_COMPONENT_WASM", "bento_component.wasm"),
        ("EDGE_SIGNUP_WASM", "edge_signup.wasm"),
        ("EDGE_SIGNUP_COMPOSED_WASM", "edge_signup_composed.wasm"),
    ] {
        let wasm = components.join(file);
        assert!(wasm.exists(), "no component at {}", wasm.display());
        println!("cargo:rustc-env={var}={}", wasm.display());
    }
}
