//! Builds the component for `wasm32-wasip2` so that `cargo run -p zoho-harness` and
//! `cargo test` work from a fresh clone with no manual step, then shrinks it with Binaryen's
//! `wasm-opt -Oz` (tools/shrink) when wasm-opt is installed, as scripts/dist.sh does for the
//! distributable, so the harness embeds the same bytes that ship. The wasm file's path is
//! handed to the crate as `ZOHO_COMPONENT_WASM`, and the harness embeds it;
//! `ZOHO_COMPONENT_FINISH` says whether wasm-opt ran.
//!
//! The nested build uses its own target directory: sharing the outer one would deadlock on
//! Cargo's build lock. Wrapper variables set by `cargo clippy` are removed so the guest is
//! compiled, not linted, here (CI lints it separately).

use std::path::{Path, PathBuf};
use std::process::Command;

const TARGET: &str = "wasm32-wasip2";

fn main() {
    let manifest_dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let root = manifest_dir
        .ancestors()
        .nth(2)
        .expect("zoho-host lives in host-harness/ inside the workspace")
        .to_path_buf();
    for watched in ["component/src", "component/Cargo.toml", "wit", "Cargo.lock"] {
        println!("cargo:rerun-if-changed={}", root.join(watched).display());
    }
    println!("cargo:rerun-if-env-changed=ZOHO_COMPONENT_PREBUILT");
    println!("cargo:rerun-if-env-changed={}", zoho_shrink::WASM_OPT_VARIABLE);

    // A packager may hand in a component built elsewhere.
    if let Some(prebuilt) = std::env::var_os("ZOHO_COMPONENT_PREBUILT") {
        println!(
            "cargo:rustc-env=ZOHO_COMPONENT_WASM={}",
            PathBuf::from(prebuilt).display()
        );
        println!("cargo:rustc-env=ZOHO_COMPONENT_FINISH=prebuilt");
        return;
    }

    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    ensure_target_installed();
    let target_dir = component_target_dir(&root);
    let output = Command::new(&cargo)
        .current_dir(&root)
        .args([
            "build",
            "--package",
            "zoho-component",
            "--target",
            TARGET,
            "--profile",
            "wasm",
            "--locked",
        ])
        .env("CARGO_TARGET_DIR", &target_dir)
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("RUSTFLAGS")
        .env_remove("RUSTC_WORKSPACE_WRAPPER")
        .env_remove("RUSTC_WRAPPER")
        .env_remove("CLIPPY_ARGS")
        .env_remove("CARGO_BUILD_TARGET")
        .output()
        .expect("could not run cargo to build the component");
    if !output.status.success() {
        panic!(
            "building the component for {TARGET} failed:\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let wasm = target_dir.join(TARGET).join("wasm").join("zoho_component.wasm");
    assert!(
        wasm.exists(),
        "the component build succeeded but {} is missing",
        wasm.display()
    );
    let embedded = match zoho_shrink::find_wasm_opt() {
        Some(wasm_opt) => {
            println!("cargo:rerun-if-changed={}", wasm_opt.display());
            let raw = std::fs::read(&wasm).expect("reading the built component");
            let shrunk = zoho_shrink::shrink_component(&raw, &wasm_opt, &target_dir.join("shrink"))
                .unwrap_or_else(|e| panic!("shrinking the component with {}: {e:#}", wasm_opt.display()));
            let path = wasm.with_file_name("zoho_component.shrunk.wasm");
            std::fs::write(&path, shrunk).expect("writing the shrunk component");
            println!("cargo:rustc-env=ZOHO_COMPONENT_FINISH=wasm-opt");
            path
        }
        None => {
            println!(
                "cargo:warning=wasm-opt (Binaryen) not found: the component is embedded as LLVM built it, about a fifth larger; install the binaryen package or set {}",
                zoho_shrink::WASM_OPT_VARIABLE
            );
            println!("cargo:rustc-env=ZOHO_COMPONENT_FINISH=no");
            wasm
        }
    };
    println!("cargo:rustc-env=ZOHO_COMPONENT_WASM={}", embedded.display());
}

/// `<workspace target dir>/component`, kept between builds so the guest rebuilds incrementally.
fn component_target_dir(root: &Path) -> PathBuf {
    let outer = std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from);
    let outer = if outer.is_absolute() { outer } else { root.join(outer) };
    outer.join("component")
}

/// Installs the wasm target through rustup when it is missing, so a fresh machine needs no
/// manual step; without rustup, explains what to install.
fn ensure_target_installed() {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let libdir = Command::new(&rustc)
        .args(["--print", "target-libdir", "--target", TARGET])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()));
    if libdir.is_some_and(|dir| dir.exists()) {
        return;
    }
    println!("cargo:warning=installing the {TARGET} target with rustup (needed to build the component)");
    let installed = Command::new("rustup")
        .args(["target", "add", TARGET])
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        installed,
        "the {TARGET} target is missing and `rustup target add {TARGET}` failed; install it and build again"
    );
}
