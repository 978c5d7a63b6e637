//! Finding, verifying and correcting Pinterest's OpenAPI document.
//!
//! The document is third-party data that the repository never commits. The
//! pin (`spec/pin.toml`) names the file and its sha256; the file itself is
//! looked up in the directory named by `PINTEREST_SPEC_DIR` (which the
//! repository's `.cargo/config.toml` points at `../shared/spec`) and then in
//! the crate's own `spec/` directory, where a packaged crate carries it.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

/// Environment variable that names the directory holding the spec file.
pub const SPEC_DIR_ENV: &str = "PINTEREST_SPEC_DIR";

/// The upstream release this crate is generated from, as recorded in
/// `spec/pin.toml`.
#[derive(Debug, Clone, Deserialize)]
pub struct Pin {
    /// Upstream release, for example `5.23.0`.
    pub version: String,
    /// File name of the document inside the spec directory.
    pub file: String,
    /// Lowercase hex sha256 of the document's bytes.
    pub sha256: String,
    /// Where the document was published.
    pub source: String,
    /// Upstream commit of the release.
    pub upstream_commit: String,
}

/// One correction rule from `spec/corrections.json`: a fix for a place where
/// the published document disagrees with the real API or with itself.
#[derive(Debug, Clone, Deserialize)]
pub struct Correction {
    /// JSON pointer (RFC 6901) to the value to change.
    pub pointer: String,
    /// What to do at the pointer.
    pub action: CorrectionAction,
    /// The new value, for `set`.
    #[serde(default)]
    pub value: Option<Value>,
    /// Why the published document is wrong here.
    pub reason: String,
}

/// What a [`Correction`] does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CorrectionAction {
    /// Replace the value (or add it to its parent object).
    Set,
    /// Remove the value from its parent object or array.
    Remove,
}

/// Errors from loading the pinned document.
#[derive(Debug)]
pub enum SpecError {
    /// The pin or correction file could not be read or parsed.
    Config { path: PathBuf, message: String },
    /// No candidate directory holds the spec file.
    Missing { file: String, tried: Vec<PathBuf> },
    /// The file exists but its hash differs from the pin.
    HashMismatch {
        path: PathBuf,
        expected: String,
        actual: String,
    },
    /// The file is not valid JSON.
    Parse { path: PathBuf, message: String },
    /// A correction rule does not apply to the document.
    Correction { pointer: String, message: String },
}

impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SpecError::Config { path, message } => {
                write!(f, "failed to read {}: {message}", path.display())
            }
            SpecError::Missing { file, tried } => {
                let tried: Vec<String> = tried.iter().map(|p| p.display().to_string()).collect();
                write!(
                    f,
                    "the pinned OpenAPI document `{file}` was not found; looked in: {}. \
                     Fix: set {SPEC_DIR_ENV} to the directory that holds `{file}` \
                     (a clone of this repository finds it in ../shared/spec through \
                     .cargo/config.toml), or copy the file into the crate's spec/ directory",
                    tried.join(", ")
                )
            }
            SpecError::HashMismatch {
                path,
                expected,
                actual,
            } => write!(
                f,
                "{} has sha256 {actual}, but spec/pin.toml expects {expected}. \
                 Fix: restore the pinned release, or move to the new one with \
                 `cargo xtask regen-spec --from {}`",
                path.display(),
                path.display()
            ),
            SpecError::Parse { path, message } => {
                write!(f, "{} is not valid JSON: {message}", path.display())
            }
            SpecError::Correction { pointer, message } => write!(
                f,
                "correction rule at `{pointer}` in spec/corrections.json does not apply: {message}. \
                 Fix: update or remove the rule"
            ),
        }
    }
}

impl std::error::Error for SpecError {}

/// The pinned document, verified and corrected, with where it came from.
#[derive(Debug, Clone)]
pub struct LoadedSpec {
    /// The pin it was checked against.
    pub pin: Pin,
    /// The file that was read.
    pub path: PathBuf,
    /// The document after the correction rules.
    pub document: Value,
    /// How many correction rules were applied.
    pub corrections_applied: usize,
}

/// Reads the pin, finds and verifies the document, and applies the correction
/// rules. `crate_dir` is the directory holding `spec/pin.toml`; `spec_dir` is
/// the value of [`SPEC_DIR_ENV`], if set.
pub fn load_pinned(crate_dir: &Path, spec_dir: Option<&Path>) -> Result<LoadedSpec, SpecError> {
    let pin = read_pin(&crate_dir.join("spec/pin.toml"))?;

    let candidates = candidate_paths(&pin.file, crate_dir, spec_dir);
    let path = candidates
        .iter()
        .find(|p| p.is_file())
        .cloned()
        .ok_or_else(|| SpecError::Missing {
            file: pin.file.clone(),
            tried: candidates.clone(),
        })?;

    let bytes = std::fs::read(&path).map_err(|e| SpecError::Config {
        path: path.clone(),
        message: e.to_string(),
    })?;
    verify_hash(&path, &bytes, &pin.sha256)?;

    let mut document = parse_document(&path, &bytes)?;
    let corrections = read_corrections(&crate_dir.join("spec/corrections.json"))?;
    apply_corrections(&mut document, &corrections)?;

    Ok(LoadedSpec {
        pin,
        path,
        document,
        corrections_applied: corrections.len(),
    })
}

/// Reads and parses `spec/pin.toml`.
pub fn read_pin(path: &Path) -> Result<Pin, SpecError> {
    let text = std::fs::read_to_string(path).map_err(|e| SpecError::Config {
        path: path.to_owned(),
        message: e.to_string(),
    })?;

    toml::from_str(&text).map_err(|e| SpecError::Config {
        path: path.to_owned(),
        message: e.to_string(),
    })
}

/// Reads and parses `spec/corrections.json`.
pub fn read_corrections(path: &Path) -> Result<Vec<Correction>, SpecError> {
    let text = std::fs::read_to_string(path).map_err(|e| SpecError::Config {
        path: path.to_owned(),
        message: e.to_string(),
    })?;

    serde_json::from_str(&text).map_err(|e| SpecError::Config {
        path: path.to_owned(),
        message: e.to_string(),
    })
}

/// The places searched for the spec file, in order.
pub fn candidate_paths(file: &str, crate_dir: &Path, spec_dir: Option<&Path>) -> Vec<PathBuf> {
    let mut paths = Vec::new();
    if let Some(dir) = spec_dir {
        paths.push(dir.join(file));
    }
    paths.push(crate_dir.join("spec").join(file));
    paths
}

/// Lowercase hex sha256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

fn verify_hash(path: &Path, bytes: &[u8], expected: &str) -> Result<(), SpecError> {
    let actual = sha256_hex(bytes);
    if actual.eq_ignore_ascii_case(expected) {
        return Ok(());
    }
    Err(SpecError::HashMismatch {
        path: path.to_owned(),
        expected: expected.to_owned(),
        actual,
    })
}

/// Parses document bytes as JSON, naming the file on failure.
pub fn parse_document(path: &Path, bytes: &[u8]) -> Result<Value, SpecError> {
    serde_json::from_slice(bytes).map_err(|e| SpecError::Parse {
        path: path.to_owned(),
        message: e.to_string(),
    })
}

/// Applies correction rules in order. A rule whose pointer does not resolve is
/// an error, so a rule that upstream made obsolete is noticed.
pub fn apply_corrections(
    document: &mut Value,
    corrections: &[Correction],
) -> Result<(), SpecError> {
    for correction in corrections {
        apply_correction(document, correction)?;
    }
    Ok(())
}

fn apply_correction(document: &mut Value, correction: &Correction) -> Result<(), SpecError> {
    let fail = |message: &str| SpecError::Correction {
        pointer: correction.pointer.clone(),
        message: message.to_owned(),
    };

    let (parent_pointer, last) =
        split_pointer(&correction.pointer).ok_or_else(|| fail("the pointer is empty"))?;
    let parent = document
        .pointer_mut(&parent_pointer)
        .ok_or_else(|| fail("the parent of the pointer does not exist"))?;

    match (correction.action, parent) {
        (CorrectionAction::Set, Value::Object(map)) => {
            let value = correction
                .value
                .clone()
                .ok_or_else(|| fail("`set` needs a `value`"))?;
            map.insert(last, value);
        }
        (CorrectionAction::Remove, Value::Object(map)) => {
            map.shift_remove(&last)
                .ok_or_else(|| fail("there is nothing to remove"))?;
        }
        (CorrectionAction::Set, Value::Array(items)) => {
            let index: usize = last
                .parse()
                .map_err(|_| fail("array index is not a number"))?;
            let slot = items
                .get_mut(index)
                .ok_or_else(|| fail("array index out of range"))?;
            *slot = correction
                .value
                .clone()
                .ok_or_else(|| fail("`set` needs a `value`"))?;
        }
        (CorrectionAction::Remove, Value::Array(items)) => {
            let index: usize = last
                .parse()
                .map_err(|_| fail("array index is not a number"))?;
            if index >= items.len() {
                return Err(fail("array index out of range"));
            }
            items.remove(index);
        }
        _ => return Err(fail("the parent is neither an object nor an array")),
    }
    Ok(())
}

/// Splits a JSON pointer into its parent pointer and unescaped last token.
fn split_pointer(pointer: &str) -> Option<(String, String)> {
    let index = pointer.rfind('/')?;
    let last = pointer[index + 1..].replace("~1", "/").replace("~0", "~");
    Some((pointer[..index].to_owned(), last))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rule(pointer: &str, action: CorrectionAction, value: Option<Value>) -> Correction {
        Correction {
            pointer: pointer.into(),
            action,
            value,
            reason: "test".into(),
        }
    }

    #[test]
    fn correction_set_and_remove() {
        let mut doc = json!({"paths": {"/a/b": {"get": {"x": 1, "y": [1, 2]}}}});
        let rules = [
            rule("/paths/~1a~1b/get/x", CorrectionAction::Set, Some(json!(2))),
            rule("/paths/~1a~1b/get/y/0", CorrectionAction::Remove, None),
        ];

        apply_corrections(&mut doc, &rules).unwrap();

        assert_eq!(doc["paths"]["/a/b"]["get"]["x"], json!(2));
        assert_eq!(doc["paths"]["/a/b"]["get"]["y"], json!([2]));
    }

    #[test]
    fn correction_stale_pointer_fails() {
        let mut doc = json!({"a": {}});
        let rules = [rule("/a/missing", CorrectionAction::Remove, None)];

        let err = apply_corrections(&mut doc, &rules).unwrap_err();

        assert!(err.to_string().contains("/a/missing"), "{err}");
    }

    #[test]
    fn missing_spec_names_file_and_fix() {
        let dir = std::env::temp_dir().join("pinterest-v5-codegen-missing-spec");
        std::fs::create_dir_all(dir.join("spec")).unwrap();
        std::fs::write(
            dir.join("spec/pin.toml"),
            "version = \"1\"\nfile = \"absent.json\"\nsha256 = \"00\"\nsource = \"s\"\nupstream_commit = \"c\"\n",
        )
        .unwrap();

        let err = load_pinned(&dir, Some(Path::new("/nonexistent-dir"))).unwrap_err();
        let message = err.to_string();

        assert!(message.contains("absent.json"), "{message}");
        assert!(
            message.contains("/nonexistent-dir/absent.json"),
            "{message}"
        );
        assert!(message.contains(SPEC_DIR_ENV), "{message}");
    }

    #[test]
    fn hash_mismatch_names_both_hashes() {
        let err = verify_hash(Path::new("x.json"), b"{}", "abc").unwrap_err();
        let message = err.to_string();

        assert!(message.contains("abc"), "{message}");
        assert!(message.contains(&sha256_hex(b"{}")), "{message}");
        assert!(message.contains("regen-spec"), "{message}");
    }
}
