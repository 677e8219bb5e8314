//! `uniffi-bindgen`, pinned to the workspace's uniffi version so the generated foreign bindings
//! always match the scaffolding compiled into `bento-ffi`.
//!
//! `cargo run -p uniffi-bindgen -- generate <libbento_ffi.so> --language python --out-dir DIR`
//!
//! One adjustment: maturin passes the crate's own `uniffi.toml` as `--config`. uniffi 0.32 reads
//! that file by itself in library mode (it is the crate's config), and takes `--config` to mean a
//! new-style *global* file, so every wheel build warned that `uniffi.toml` "looks like an
//! old-style --config override file". A `--config` naming a crate's own `uniffi.toml` (the file
//! sits next to a `Cargo.toml`) is therefore dropped before uniffi sees the arguments; any other
//! `--config` is passed through unchanged.

use std::ffi::OsString;
use std::path::Path;
use std::process::{Command, ExitCode};

/// Whether `path` is a crate's own `uniffi.toml`, which uniffi already reads.
fn is_crate_config(path: &Path) -> bool {
    path.file_name().is_some_and(|n| n == "uniffi.toml")
        && path
            .parent()
            .map(|dir| {
                if dir.as_os_str().is_empty() {
                    Path::new(".")
                } else {
                    dir
                }
            })
            .is_some_and(|dir| dir.join("Cargo.toml").is_file())
}

/// The arguments without a `--config <crate>/uniffi.toml` (either spelling).
fn without_crate_config(args: &[OsString]) -> Vec<OsString> {
    let mut out = Vec::with_capacity(args.len());
    let mut i = 0;
    while let Some(arg) = args.get(i) {
        if arg == "--config"
            && let Some(value) = args.get(i + 1)
            && is_crate_config(Path::new(value))
        {
            i += 2;
            continue;
        }
        if let Some(value) = arg.to_str().and_then(|a| a.strip_prefix("--config="))
            && is_crate_config(Path::new(value))
        {
            i += 1;
            continue;
        }
        out.push(arg.clone());
        i += 1;
    }
    out
}

fn main() -> ExitCode {
    let args: Vec<OsString> = std::env::args_os().collect();
    let kept = without_crate_config(&args);
    if kept.len() == args.len() {
        uniffi::uniffi_bindgen_main();
        return ExitCode::SUCCESS;
    }
    // uniffi parses the process's own arguments: run again without the redundant flag.
    let status = std::env::current_exe()
        .and_then(|exe| Command::new(exe).args(kept.iter().skip(1)).status());
    match status {
        Ok(s) if s.success() => ExitCode::SUCCESS,
        Ok(s) => ExitCode::from(u8::try_from(s.code().unwrap_or(1)).unwrap_or(1)),
        Err(e) => {
            eprintln!("uniffi-bindgen: could not run itself again: {e}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn os(args: &[&str]) -> Vec<OsString> {
        args.iter().map(OsString::from).collect()
    }

    #[test]
    fn drops_only_a_crates_own_uniffi_toml() {
        let manifest_dir = env!("CARGO_MANIFEST_DIR");
        let crate_toml = format!("{manifest_dir}/../bento-ffi/uniffi.toml");
        let args = os(&[
            "bindgen",
            "generate",
            "--config",
            &crate_toml,
            "--library",
            "x.so",
        ]);
        assert_eq!(
            without_crate_config(&args),
            os(&["bindgen", "generate", "--library", "x.so"])
        );
        let eq = format!("--config={crate_toml}");
        assert_eq!(
            without_crate_config(&os(&["b", &eq, "x.so"])),
            os(&["b", "x.so"])
        );
        // A global config elsewhere is the user's: kept.
        let other = os(&["b", "--config", "/tmp/global-uniffi.toml", "x.so"]);
        assert_eq!(without_crate_config(&other), other);
        let trailing = os(&["b", "--config"]);
        assert_eq!(without_crate_config(&trailing), trailing);
    }
}
