//! Token persistence between runs: the [`TokenStore`] trait and two stores.

use std::fmt;
use std::future::Future;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use futures::future::BoxFuture;

use super::{TokenSet, TokenStoreError};

/// Persistent storage for a token set, implemented by the application (a
/// database row, a secrets manager, a file).
///
/// The refreshing provider calls [`TokenStore::save`] after every refresh
/// and before it uses the new access token, because Pinterest may rotate the
/// refresh token. Once the response arrives, the old refresh token may no
/// longer work, so a new one that was never saved would be lost with the
/// process. Implementations may write `async fn` in place of the
/// `impl Future` signatures.
pub trait TokenStore: Send + Sync + 'static {
    /// Reads the stored token set, or `None` when nothing is stored yet.
    fn load(&self) -> impl Future<Output = Result<Option<TokenSet>, TokenStoreError>> + Send;

    /// Replaces the stored token set. Must not return before the tokens are
    /// durable.
    fn save(&self, tokens: &TokenSet) -> impl Future<Output = Result<(), TokenStoreError>> + Send;
}

/// [`TokenStore`] in a form that can sit behind a pointer, so the provider
/// need not be generic over the store.
pub(crate) trait DynTokenStore: Send + Sync {
    fn load_boxed(&self) -> BoxFuture<'_, Result<Option<TokenSet>, TokenStoreError>>;
    fn save_boxed<'a>(&'a self, tokens: &'a TokenSet)
        -> BoxFuture<'a, Result<(), TokenStoreError>>;
}

impl<S: TokenStore> DynTokenStore for S {
    fn load_boxed(&self) -> BoxFuture<'_, Result<Option<TokenSet>, TokenStoreError>> {
        Box::pin(self.load())
    }

    fn save_boxed<'a>(
        &'a self,
        tokens: &'a TokenSet,
    ) -> BoxFuture<'a, Result<(), TokenStoreError>> {
        Box::pin(self.save(tokens))
    }
}

/// A store in memory, for tests and for processes that get their tokens
/// some other way at start. Clones share the same tokens.
#[derive(Clone, Default)]
pub struct MemoryTokenStore {
    tokens: Arc<Mutex<Option<TokenSet>>>,
}

impl MemoryTokenStore {
    /// An empty store.
    pub fn new() -> Self {
        MemoryTokenStore::default()
    }

    /// A store that contains `tokens`.
    pub fn with_tokens(tokens: TokenSet) -> Self {
        MemoryTokenStore {
            tokens: Arc::new(Mutex::new(Some(tokens))),
        }
    }

    /// The stored token set.
    pub fn tokens(&self) -> Option<TokenSet> {
        self.tokens
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

impl fmt::Debug for MemoryTokenStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryTokenStore")
            .field("tokens", &self.tokens())
            .finish()
    }
}

impl TokenStore for MemoryTokenStore {
    async fn load(&self) -> Result<Option<TokenSet>, TokenStoreError> {
        Ok(self.tokens())
    }

    async fn save(&self, tokens: &TokenSet) -> Result<(), TokenStoreError> {
        *self.tokens.lock().unwrap_or_else(PoisonError::into_inner) = Some(tokens.clone());
        Ok(())
    }
}

/// A store in a JSON file.
///
/// Saving writes a temporary file in the same directory, flushes it to disk
/// (fsync), renames it over the target and, on Unix, flushes the directory.
/// A crash therefore leaves either the old file or the new one, never a
/// partial file. On Unix the file is created with mode 0600, readable only
/// by its owner, because it contains the tokens in clear text.
#[derive(Debug, Clone)]
pub struct JsonFileTokenStore {
    path: PathBuf,
}

impl JsonFileTokenStore {
    /// A store at `path`. The directory must exist; the file need not.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        JsonFileTokenStore { path: path.into() }
    }

    /// The file path.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl TokenStore for JsonFileTokenStore {
    async fn load(&self) -> Result<Option<TokenSet>, TokenStoreError> {
        let path = self.path.clone();
        run_blocking(move || read_tokens(&path)).await
    }

    async fn save(&self, tokens: &TokenSet) -> Result<(), TokenStoreError> {
        let json = serde_json::to_vec_pretty(tokens).map_err(|error| {
            TokenStoreError::with_source("failed to encode the tokens as JSON", error)
        })?;
        let path = self.path.clone();
        run_blocking(move || {
            write_atomically(&path, &json).map_err(|error| {
                TokenStoreError::with_source(
                    format!("failed to write tokens to {}", path.display()),
                    error,
                )
            })
        })
        .await
    }
}

/// Runs file I/O on tokio's blocking thread pool, off the async workers.
async fn run_blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, TokenStoreError> + Send + 'static,
) -> Result<T, TokenStoreError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|error| TokenStoreError::with_source("the file I/O task failed", error))?
}

fn read_tokens(path: &Path) -> Result<Option<TokenSet>, TokenStoreError> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(error) => {
            return Err(TokenStoreError::with_source(
                format!("failed to read tokens from {}", path.display()),
                error,
            ))
        }
    };
    // serde_json's messages can quote the offending value, which may be a
    // token, so only the position is reported.
    serde_json::from_slice(&bytes).map(Some).map_err(|error| {
        TokenStoreError::new(format!(
            "{} is not a valid token file (JSON error at line {}, column {}); authorize again to replace it",
            path.display(),
            error.line(),
            error.column()
        ))
    })
}

/// Replaces `path` with `contents` so that readers and crashes see either
/// the old file or the new one.
fn write_atomically(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    let directory = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let file_name = path.file_name().ok_or_else(|| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "the token file path has no file name",
        )
    })?;
    let temporary = directory.join(format!(
        ".{}.{:016x}.tmp",
        file_name.to_string_lossy(),
        rand::random::<u64>()
    ));

    let result = write_and_rename(&temporary, path, directory, contents);
    if result.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    result
}

fn write_and_rename(
    temporary: &Path,
    path: &Path,
    directory: &Path,
    contents: &[u8],
) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }

    let mut file = options.open(temporary)?;
    file.write_all(contents)?;
    file.sync_all()?;
    drop(file);

    std::fs::rename(temporary, path)?;
    sync_directory(directory)
}

/// Flushes the directory entry of the rename to disk.
#[cfg(unix)]
fn sync_directory(directory: &Path) -> std::io::Result<()> {
    std::fs::File::open(directory)?.sync_all()
}

/// The standard library offers no directory fsync outside Unix. The rename
/// still replaces the file in one step (std uses `MoveFileExW` with
/// `MOVEFILE_REPLACE_EXISTING` on Windows), but may not be durable yet when
/// `save` returns.
#[cfg(not(unix))]
fn sync_directory(_directory: &Path) -> std::io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};
    use secrecy::ExposeSecret;

    fn tokens(access: &str) -> TokenSet {
        let expiry = Utc.with_ymd_and_hms(2030, 1, 1, 0, 0, 0).unwrap();
        TokenSet::new(access, expiry).with_refresh_token("pinr_refresh", Some(expiry))
    }

    #[tokio::test]
    async fn file_store_round_trip() {
        let directory = tempfile::tempdir().unwrap();
        let store = JsonFileTokenStore::new(directory.path().join("tokens.json"));

        assert!(store.load().await.unwrap().is_none());
        store.save(&tokens("first")).await.unwrap();
        store.save(&tokens("second")).await.unwrap();
        let loaded = store.load().await.unwrap().unwrap();

        assert_eq!(loaded.access_token().expose_secret(), "second");
        let names: Vec<_> = std::fs::read_dir(directory.path())
            .unwrap()
            .map(|entry| entry.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(names, ["tokens.json"], "no temporary file is left behind");
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn file_store_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("tokens.json");

        JsonFileTokenStore::new(&path)
            .save(&tokens("first"))
            .await
            .unwrap();

        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    #[tokio::test]
    async fn corrupt_file_error_hides_content() {
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("tokens.json");
        std::fs::write(&path, r#"{"access_token": 5, "expires_at": "pina_SECRET"}"#).unwrap();

        let error = JsonFileTokenStore::new(&path).load().await.unwrap_err();

        assert!(
            error.to_string().contains("not a valid token file"),
            "{error}"
        );
        assert!(!error.to_string().contains("SECRET"), "{error}");
    }

    #[tokio::test]
    async fn missing_directory_fails_save() {
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("absent").join("tokens.json");

        let error = JsonFileTokenStore::new(&path)
            .save(&tokens("first"))
            .await
            .unwrap_err();

        assert!(
            error.to_string().contains("failed to write tokens"),
            "{error}"
        );
    }
}
