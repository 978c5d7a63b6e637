//! Generates the client from Pinterest's pinned OpenAPI document.
//!
//! All logic lives in the `pinterest-v5-codegen` library, which
//! `cargo xtask` also uses; this script only wires it to cargo.

use std::path::{Path, PathBuf};

use pinterest_v5_codegen::spec::SPEC_DIR_ENV;
use pinterest_v5_codegen::Selection;

fn main() {
    let crate_dir = PathBuf::from(env("CARGO_MANIFEST_DIR"));
    let spec_dir = std::env::var_os(SPEC_DIR_ENV).map(PathBuf::from);

    println!("cargo:rerun-if-env-changed={SPEC_DIR_ENV}");
    println!("cargo:rerun-if-changed=spec");
    if let Some(dir) = &spec_dir {
        println!("cargo:rerun-if-changed={}", dir.display());
    }

    // Cargo reruns this script when the enabled features change.
    let selection = Selection::from_cargo_features(|name| std::env::var_os(name).is_some());

    let output = pinterest_v5_codegen::build::run(&crate_dir, spec_dir.as_deref(), &selection)
        .unwrap_or_else(|error| fail(&error.to_string()));

    println!(
        "cargo:rustc-env=PINTEREST_SPEC_VERSION={}",
        output.spec_version
    );
    write(
        &Path::new(&env("OUT_DIR")).join("codegen.rs"),
        &output.client_source,
    );
    write(
        &Path::new(&env("OUT_DIR")).join("mock_table.rs"),
        &output.mock_table_source,
    );
    write(
        &Path::new(&env("OUT_DIR")).join("response_shapes.rs"),
        &output.response_shapes_source,
    );
}

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| fail(&format!("cargo did not set {name}")))
}

fn write(path: &Path, contents: &str) {
    std::fs::write(path, contents)
        .unwrap_or_else(|e| fail(&format!("failed to write {}: {e}", path.display())));
}

fn fail(message: &str) -> ! {
    eprintln!("error: {message}");
    std::process::exit(1);
}
