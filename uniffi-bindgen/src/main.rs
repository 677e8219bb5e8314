//! `uniffi-bindgen`, pinned to the workspace's uniffi version so the generated foreign bindings
//! always match the scaffolding compiled into `bento-ffi`.
//!
//! `cargo run -p uniffi-bindgen -- generate <libbento_ffi.so> --language python --out-dir DIR`

fn main() {
    uniffi::uniffi_bindgen_main()
}
