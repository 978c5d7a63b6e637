//! `cargo xtask package`: packages the crate with its pinned document, and
//! with `--check` documents the packaged crate offline, as docs.rs builds it.

use std::path::{Path, PathBuf};
use std::process::Command;

use pinterest_v5_codegen::spec::{load_pinned, SPEC_DIR_ENV};

use crate::{repository_root, spec_dir};

/// The packages published together: the crate and its build dependency.
const PACKAGES: [&str; 2] = ["pinterest-v5", "pinterest-v5-codegen"];

/// Pinterest's license for the document, copied beside it into the package
/// because the MIT license asks that copies carry it.
const SPEC_LICENSE: &str = "LICENSE-pinterest-api-description";

struct Options {
    check: bool,
    allow_dirty: bool,
}

pub fn run(args: &[String]) -> Result<(), String> {
    let mut options = Options {
        check: false,
        allow_dirty: false,
    };
    for arg in args {
        match arg.as_str() {
            "--check" => options.check = true,
            "--allow-dirty" => options.allow_dirty = true,
            other => return Err(format!("`package` does not take `{other}`")),
        }
    }

    let root = repository_root();
    let spec_file = copy_spec_into_crate(&root)?;
    let crates = cargo_package(&root, options.allow_dirty)?;
    for path in &crates {
        println!("packaged {}", path.display());
    }

    if options.check {
        check_docs_offline(&root, &crates, &spec_file)?;
    }
    Ok(())
}

/// Copies the pinned document (after checking its hash) and its license into
/// the crate's `spec/` directory, which git ignores. Returns the document's
/// file name.
fn copy_spec_into_crate(root: &Path) -> Result<String, String> {
    let loaded = load_pinned(root, spec_dir().as_deref()).map_err(|e| e.to_string())?;
    let target = root.join("spec").join(&loaded.pin.file);

    if loaded.path != target {
        std::fs::copy(&loaded.path, &target).map_err(|e| {
            format!(
                "failed to copy {} to {}: {e}",
                loaded.path.display(),
                target.display()
            )
        })?;
    }

    let license = loaded.path.with_file_name("LICENSE");
    let license_target = root.join("spec").join(SPEC_LICENSE);
    if license.is_file() {
        std::fs::copy(&license, &license_target).map_err(|e| {
            format!(
                "failed to copy {} to {}: {e}",
                license.display(),
                license_target.display()
            )
        })?;
    } else if !license_target.is_file() {
        return Err(format!(
            "Pinterest's license for the document was not found at {}; the package must carry it. \
             Fix: put the LICENSE file of pinterest/api-description beside the document",
            license.display()
        ));
    }

    println!("copied {} into spec/", loaded.pin.file);
    Ok(loaded.pin.file)
}

/// Runs `cargo package` for both published packages and returns the paths
/// of the `.crate` files. Verification is left to `--check`, which builds
/// the way docs.rs does.
fn cargo_package(root: &Path, allow_dirty: bool) -> Result<Vec<PathBuf>, String> {
    if !allow_dirty {
        check_worktree_clean(root)?;
    }

    // cargo counts the copied spec files as uncommitted changes because git
    // ignores them, so its own check would always fail. The check above
    // covers every file git tracks instead.
    let mut command = cargo();
    command
        .current_dir(root)
        .args(["package", "--no-verify", "--allow-dirty"]);
    for package in PACKAGES {
        command.args(["--package", package]);
    }
    run_command(&mut command)?;

    let crates: Vec<PathBuf> = package_dirs(root)?
        .iter()
        .map(|dir| target_dir(root).join(format!("package/{dir}.crate")))
        .collect();
    match crates.iter().find(|path| !path.is_file()) {
        Some(missing) => Err(format!("cargo package did not write {}", missing.display())),
        None => Ok(crates),
    }
}

/// Unpacks the packages into a temporary directory and runs `cargo doc`
/// there offline with every feature and `DOCS_RS=1`, with no
/// `PINTEREST_SPEC_DIR` and no repository around it, so the build can only
/// use what the package carries. The codegen build dependency comes from
/// its own `.crate`, as it would from crates.io after publishing.
fn check_docs_offline(root: &Path, crates: &[PathBuf], spec_file: &str) -> Result<(), String> {
    let scratch = std::env::temp_dir().join(format!("pinterest-v5-package-{}", std::process::id()));
    std::fs::create_dir_all(&scratch)
        .map_err(|e| format!("failed to create {}: {e}", scratch.display()))?;
    let result = document_unpacked(root, crates, spec_file, &scratch);
    let _ = std::fs::remove_dir_all(&scratch);
    result
}

fn document_unpacked(
    root: &Path,
    crates: &[PathBuf],
    spec_file: &str,
    scratch: &Path,
) -> Result<(), String> {
    for path in crates {
        let mut untar = Command::new("tar");
        untar.arg("-xzf").arg(path).arg("-C").arg(scratch);
        run_command(&mut untar)?;
    }

    let [crate_dir, codegen_dir] = package_dirs(root)?.map(|dir| scratch.join(dir));
    for required in [format!("spec/{spec_file}"), format!("spec/{SPEC_LICENSE}")] {
        if !crate_dir.join(&required).is_file() {
            return Err(format!("the packaged crate does not contain {required}"));
        }
    }
    if crate_dir.join(".cargo").exists() {
        return Err(
            "the packaged crate contains .cargo/, which would point the build outside the package"
                .to_owned(),
        );
    }

    let patch = format!(
        "patch.crates-io.{}.path={:?}",
        PACKAGES[1],
        codegen_dir.display().to_string()
    );
    let mut doc = cargo();
    doc.current_dir(&crate_dir)
        .args(["doc", "--offline", "--all-features", "--no-deps", "--lib"])
        .args(["--config", &patch])
        .env_remove(SPEC_DIR_ENV)
        .env("DOCS_RS", "1")
        .env("RUSTDOCFLAGS", "-D warnings")
        .env("CARGO_TARGET_DIR", target_dir(root));
    println!(
        "documenting the packaged crate in {} (offline, all features, DOCS_RS=1)",
        crate_dir.display()
    );
    run_command(&mut doc)?;
    println!("the packaged crate documents offline with every feature");
    Ok(())
}

/// Fails when git reports changes that are not committed, so a package
/// is built from a commit. Outside a git checkout there is nothing to check.
fn check_worktree_clean(root: &Path) -> Result<(), String> {
    let output = Command::new("git")
        .current_dir(root)
        .args(["status", "--porcelain", "--untracked-files=normal"])
        .output();
    let output = match output {
        Ok(output) if output.status.success() => output,
        _ => return Ok(()),
    };

    let changes = String::from_utf8_lossy(&output.stdout);
    if changes.trim().is_empty() {
        Ok(())
    } else {
        Err(format!(
            "the working tree has changes that are not committed:\n{changes}\
             Fix: commit or stash them, or pass --allow-dirty to package them as they are"
        ))
    }
}

fn cargo() -> Command {
    Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

fn run_command(command: &mut Command) -> Result<(), String> {
    let status = command
        .status()
        .map_err(|e| format!("failed to run {command:?}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{command:?} failed with {status}"))
    }
}

fn target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"))
}

/// `name-version` of each package in [`PACKAGES`], as `cargo package` names
/// its files and their top directory.
fn package_dirs(root: &Path) -> Result<[String; 2], String> {
    let manifests = [root.join("Cargo.toml"), root.join("codegen/Cargo.toml")];
    let crate_version = manifest_version(&manifests[0])?;
    let codegen_version = manifest_version(&manifests[1])?;
    Ok([
        format!("{}-{crate_version}", PACKAGES[0]),
        format!("{}-{codegen_version}", PACKAGES[1]),
    ])
}

fn manifest_version(path: &Path) -> Result<String, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("failed to read {}: {e}", path.display()))?;
    let manifest: toml::Table = text
        .parse()
        .map_err(|e| format!("{} is not valid TOML: {e}", path.display()))?;
    manifest
        .get("package")
        .and_then(|package| package.get("version"))
        .and_then(toml::Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| format!("{} has no package.version", path.display()))
}
