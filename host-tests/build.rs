//! Builds the bento component (`bento-component`, `wasm32-wasip2`, profile `release-small`)
//! with a nested `cargo build` and hands its path to the crate as `BENTO_COMPONENT_WASM`.
//!
//! The nested build gets its own target directory under `OUT_DIR` (sharing the outer one
//! would deadlock on its lock) and none of the outer build's rustflags or wrappers (they are
//! meant for the host, e.g. clippy's driver, and would needlessly invalidate the wasm build).

use std::env;
use std::path::PathBuf;
use std::process::Command;

fn main() {
    let out_dir = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let manifest_dir =
        PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let workspace = manifest_dir
        .parent()
        .expect("host-tests lives in the workspace root");
    let target_dir = out_dir.join("component-target");
    let cargo = env::var_os("CARGO").unwrap_or_else(|| "cargo".into());

    for path in [
        "bento-component/src",
        "bento-component/Cargo.toml",
        "bento-core/src",
        "bento-core/Cargo.toml",
        "wit",
    ] {
        println!("cargo:rerun-if-changed={}", workspace.join(path).display());
    }

    let output = Command::new(cargo)
        .current_dir(workspace)
        .args([
            "build",
            "-p",
            "bento-component",
            "--target",
            "wasm32-wasip2",
            "--profile",
            "release-small",
        ])
        .env("CARGO_TARGET_DIR", &target_dir)
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("RUSTFLAGS")
        .env_remove("RUSTC_WRAPPER")
        .env_remove("RUSTC_WORKSPACE_WRAPPER")
        .output()
        .expect("could not run cargo for the component");
    if !output.status.success() {
        panic!(
            "building bento-component failed:\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }

    let wasm = target_dir.join("wasm32-wasip2/release-small/bento_component.wasm");
    assert!(wasm.exists(), "no component at {}", wasm.display());
    println!("cargo:rustc-env=BENTO_COMPONENT_WASM={}", wasm.display());
}
