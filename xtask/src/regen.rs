//! `cargo xtask regen-spec`: move the crate to another upstream release, or
//! check that the pin and snapshots match the pinned release.

use std::path::{Path, PathBuf};

use pinterest_v5_codegen::regen::{api_diff, load_release};
use pinterest_v5_codegen::report::{
    snapshot_body, snapshot_contents, snapshot_file, SNAPSHOT_FILES,
};
use pinterest_v5_codegen::spec::{read_corrections, sha256_hex};
use pinterest_v5_codegen::Pipeline;

use crate::{pinned_pipeline, repository_root, spec_dir};

/// Options of `regen-spec`.
#[derive(Debug, Default, PartialEq)]
struct Options {
    from: Option<String>,
    sha256: Option<String>,
    commit: Option<String>,
    check: bool,
}

pub fn run(args: &[String]) -> Result<(), String> {
    let options = parse(args)?;
    if options.check {
        return check();
    }
    let from = options
        .from
        .clone()
        .ok_or("`regen-spec` needs `--from <FILE or URL>` or `--check`")?;
    regenerate(&from, &options)
}

fn parse(args: &[String]) -> Result<Options, String> {
    let mut options = Options::default();
    let mut rest = args.iter();

    while let Some(arg) = rest.next() {
        let mut value = |name: &str| {
            rest.next()
                .cloned()
                .ok_or_else(|| format!("`{name}` needs a value"))
        };
        match arg.as_str() {
            "--from" => options.from = Some(value("--from")?),
            "--sha256" => options.sha256 = Some(value("--sha256")?.to_ascii_lowercase()),
            "--commit" => options.commit = Some(value("--commit")?),
            "--check" => options.check = true,
            other => return Err(format!("unknown option `{other}` for `regen-spec`")),
        }
    }
    if options.check && options.from.is_some() {
        return Err("use either `--check` or `--from`, not both".to_owned());
    }
    Ok(options)
}

/// Fails when the committed snapshots differ from what the pinned release
/// generates. Loading the pinned release already checks its sha256.
fn check() -> Result<(), String> {
    let pipeline = pinned_pipeline()?;
    let contents = snapshot_contents(&pipeline);
    let mut stale = Vec::new();

    for ((file, _), expected) in SNAPSHOT_FILES.iter().zip(&contents) {
        let path = repository_root().join(file);
        let committed =
            std::fs::read_to_string(&path).map_err(|e| format!("failed to read {file}: {e}"))?;
        if snapshot_body(&committed) != expected.trim_end() {
            stale.push(format!(
                "{file}\n{}",
                first_difference(snapshot_body(&committed), expected)
            ));
        }
    }

    if stale.is_empty() {
        println!(
            "spec/pin.toml ({} {}) and the snapshots match what the document generates",
            pipeline.loaded.pin.version, pipeline.loaded.pin.sha256
        );
        return Ok(());
    }
    Err(format!(
        "these snapshots do not match what the pinned document generates:\n{}\n\
         Fix: review the change, then run `INSTA_UPDATE=always cargo test -p pinterest-v5-codegen --test snapshots` \
         (or `cargo xtask regen-spec --from <the pinned file>`)",
        stale.join("\n")
    ))
}

fn first_difference(committed: &str, expected: &str) -> String {
    let committed_lines: Vec<&str> = committed.lines().collect();
    let expected_lines: Vec<&str> = expected.lines().collect();
    let index = committed_lines
        .iter()
        .zip(&expected_lines)
        .position(|(a, b)| a != b)
        .unwrap_or(committed_lines.len().min(expected_lines.len()));

    format!(
        "  first difference at line {}:\n  - committed: {}\n  + generated: {}",
        index + 1,
        committed_lines.get(index).unwrap_or(&"(end of file)"),
        expected_lines.get(index).unwrap_or(&"(end of file)")
    )
}

fn regenerate(from: &str, options: &Options) -> Result<(), String> {
    let bytes = read_source(from)?;
    let actual = sha256_hex(&bytes);
    if let Some(expected) = &options.sha256 {
        if *expected != actual {
            return Err(format!(
                "{from} has sha256 {actual}, but --sha256 expects {expected}"
            ));
        }
    }

    let old = pinned_pipeline()
        .map_err(|e| format!("the currently pinned release does not load: {e}"))?;
    let corrections = read_corrections(&repository_root().join("spec/corrections.json"))
        .map_err(|e| e.to_string())?;
    let path = local_path(from, &bytes)?;
    let (loaded, stale) =
        load_release(&path, &bytes, from, &corrections).map_err(|e| e.to_string())?;
    let new =
        Pipeline::from_loaded(loaded).map_err(|e| format!("{from} does not generate: {e}"))?;

    print_report(&old, &new, &stale);
    write_pin(&new, options.commit.as_deref())?;
    write_snapshots(&new)?;
    println!(
        "\nUpdated spec/pin.toml and the snapshots. Next: review `git diff`, run `cargo test --workspace --all-features`, \
         set the crate version, and publish."
    );
    Ok(())
}

/// Reads a file, or fetches a URL (the only place the project fetches one).
fn read_source(from: &str) -> Result<Vec<u8>, String> {
    if from.starts_with("https://") || from.starts_with("http://") {
        let mut response = ureq::get(from)
            .call()
            .map_err(|e| format!("failed to fetch {from}: {e}"))?;
        return response
            .body_mut()
            .with_config()
            .limit(64 * 1024 * 1024)
            .read_to_vec()
            .map_err(|e| format!("failed to read the body of {from}: {e}"));
    }
    std::fs::read(from).map_err(|e| format!("failed to read {from}: {e}"))
}

/// Returns the path the build will read the document from. That is the file
/// itself when it is in the spec directory already, and otherwise a copy
/// written to the crate's ignored `spec/`.
fn local_path(from: &str, bytes: &[u8]) -> Result<PathBuf, String> {
    let name = Path::new(from)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".json"))
        .unwrap_or_else(|| format!("pinterest-openapi-{}.json", &sha256_hex(bytes)[..12]));

    if let Some(dir) = spec_dir() {
        let in_dir = dir.join(&name);
        if in_dir.is_file() && std::fs::read(&in_dir).ok().as_deref() == Some(bytes) {
            return Ok(in_dir);
        }
    }

    let copy = repository_root().join("spec").join(&name);
    std::fs::write(&copy, bytes).map_err(|e| format!("failed to write {}: {e}", copy.display()))?;
    println!("copied the document to {} (ignored by git)", copy.display());
    Ok(copy)
}

fn print_report(old: &Pipeline, new: &Pipeline, stale: &[pinterest_v5_codegen::spec::Correction]) {
    println!("{}", pinterest_v5_codegen::report::spec_report(new));
    for correction in stale {
        println!(
            "correction rule no longer applies (upstream may have fixed it; remove it from spec/corrections.json): {} ({})",
            correction.pointer, correction.reason
        );
    }

    let diff = api_diff(&old.loaded.document, &new.loaded.document);
    let crate_version = crate_version().unwrap_or_else(|| "0.0.0".to_owned());
    let compatibility = diff.compatibility();
    println!(
        "API diff {} -> {}:\n{diff}implied crate version: {crate_version} -> {}",
        old.loaded.pin.version,
        new.loaded.pin.version,
        compatibility.bump(&crate_version)
    );
}

fn crate_version() -> Option<String> {
    let manifest = std::fs::read_to_string(repository_root().join("Cargo.toml")).ok()?;
    let value: toml::Value = toml::from_str(&manifest).ok()?;
    Some(value.get("package")?.get("version")?.as_str()?.to_owned())
}

fn write_pin(pipeline: &Pipeline, commit: Option<&str>) -> Result<(), String> {
    let pin = &pipeline.loaded.pin;
    let text = format!(
        "# The upstream release of Pinterest's OpenAPI document this crate is\n\
         # generated from. `cargo xtask regen-spec` rewrites this file.\n\
         version = {:?}\nfile = {:?}\nsha256 = {:?}\nsource = {:?}\nupstream_commit = {:?}\n",
        pin.version,
        pin.file,
        pin.sha256,
        pin.source,
        commit.unwrap_or(&pin.upstream_commit)
    );
    let path = repository_root().join("spec/pin.toml");
    std::fs::write(&path, text).map_err(|e| format!("failed to write {}: {e}", path.display()))
}

fn write_snapshots(pipeline: &Pipeline) -> Result<(), String> {
    for ((file, expression), content) in SNAPSHOT_FILES.iter().zip(snapshot_contents(pipeline)) {
        let path = repository_root().join(file);
        std::fs::write(&path, snapshot_file(expression, &content))
            .map_err(|e| format!("failed to write {}: {e}", path.display()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn parse_accepts_from_and_hash() {
        let options = parse(&args(&["--from", "a.json", "--sha256", "ABC"])).unwrap();

        assert_eq!(options.from.as_deref(), Some("a.json"));
        assert_eq!(options.sha256.as_deref(), Some("abc"));
        assert!(!options.check);
    }

    #[test]
    fn parse_rejects_bad_input() {
        assert!(parse(&args(&["--from"])).unwrap_err().contains("--from"));
        assert!(parse(&args(&["--bogus"])).unwrap_err().contains("--bogus"));
        assert!(parse(&args(&["--check", "--from", "x"])).is_err());
    }

    #[test]
    fn first_difference_names_line() {
        let message = first_difference("a\nb\nc", "a\nB\nc");

        assert!(message.contains("line 2"), "{message}");
        assert!(message.contains("- committed: b"), "{message}");
        assert!(message.contains("+ generated: B"), "{message}");
    }
}
