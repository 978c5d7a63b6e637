//! Installing and running Stoplight Prism.
//!
//! `conformance/package.json` and its lockfile pin Prism. The suite installs
//! that lockfile with `npm ci` into `.conformance/`, which git ignores. The
//! folder is named after a hash of the lockfile, so a changed pin installs
//! next to the old one instead of replacing files that another run may use.

use std::fs::{self, File};
use std::io::{ErrorKind, Read};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

/// The oldest Node.js that every package in the lockfile declares support for.
const MIN_NODE: (u64, u64, u64) = (18, 20, 1);

/// Time limit for `npm ci`.
const INSTALL_TIMEOUT: Duration = Duration::from_secs(600);

/// Time limit for Prism to load the document and start listening. Prism
/// 5.14.2 on Node.js 20 took about 5 seconds on a 2-core machine.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(120);

/// How often a bind race for the free port is retried.
const START_ATTEMPTS: usize = 3;

/// Node.js and npm as found on `PATH`.
#[derive(Debug)]
pub struct NodeTools {
    /// `node --version` output, for example `v20.11.0`.
    pub node_version: String,
}

/// Finds `node` and `npm`. Returns `Ok(None)` when either is not installed
/// and an error when Node.js is older than the lockfile supports.
pub fn find_node() -> Result<Option<NodeTools>, String> {
    let Some(node_version) = tool_version("node")? else {
        return Ok(None);
    };
    if tool_version("npm")?.is_none() {
        return Ok(None);
    }

    let parsed = parse_version(&node_version)
        .ok_or_else(|| format!("cannot read the Node.js version from `{node_version}`"))?;
    if parsed < MIN_NODE {
        let (major, minor, patch) = MIN_NODE;
        return Err(format!(
            "Node.js {node_version} is too old for the pinned Prism; install Node.js {major}.{minor}.{patch} or newer"
        ));
    }
    Ok(Some(NodeTools { node_version }))
}

/// Runs `<tool> --version` and returns its output, or `None` when the tool
/// is not on `PATH`.
fn tool_version(tool: &str) -> Result<Option<String>, String> {
    match Command::new(tool).arg("--version").output() {
        Ok(output) if output.status.success() => Ok(Some(
            String::from_utf8_lossy(&output.stdout).trim().to_owned(),
        )),
        Ok(output) => Err(format!(
            "`{tool} --version` failed with {}: {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        )),
        Err(error) if error.kind() == ErrorKind::NotFound => Ok(None),
        Err(error) => Err(format!("failed to run `{tool} --version`: {error}")),
    }
}

fn parse_version(text: &str) -> Option<(u64, u64, u64)> {
    let mut parts = text.trim().trim_start_matches('v').split('.');
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next()?.parse().ok()?;
    let patch = parts.next()?.split('-').next()?.parse().ok()?;
    Some((major, minor, patch))
}

/// An installed copy of the pinned Prism.
#[derive(Debug)]
pub struct Installation {
    /// The folder `npm ci` installed into.
    pub folder: PathBuf,
    /// Prism's version, read from the installed package.
    pub version: String,
    /// `conformance/prism-until-eof.js`, which runs Prism until its
    /// standard input closes.
    launcher: PathBuf,
}

impl Installation {
    /// Prism's command-line entry point, run with `node`.
    fn cli(&self) -> PathBuf {
        cli_path(&self.folder)
    }
}

fn cli_path(folder: &Path) -> PathBuf {
    folder.join("node_modules/@stoplight/prism-cli/dist/index.js")
}

/// Installs the lockfile in `pin_folder` into `cache_folder` unless an
/// identical installation is already there.
pub fn ensure_installed(pin_folder: &Path, cache_folder: &Path) -> Result<Installation, String> {
    let lockfile = pin_folder.join("package-lock.json");
    let lock =
        fs::read(&lockfile).map_err(|e| format!("failed to read {}: {e}", lockfile.display()))?;
    let folder = cache_folder.join(format!("prism-{:016x}", fnv1a(&lock)));

    if !is_complete(&folder, &lock) {
        install(pin_folder, cache_folder, &folder)?;
    }
    let version = installed_version(&folder)?;
    let launcher = pin_folder.join("prism-until-eof.js");
    if !launcher.is_file() {
        return Err(format!("{} is missing", launcher.display()));
    }
    Ok(Installation {
        folder,
        version,
        launcher,
    })
}

/// Returns whether `folder` contains a finished installation of exactly
/// `lock`.
fn is_complete(folder: &Path, lock: &[u8]) -> bool {
    let installed_lock = fs::read(folder.join("package-lock.json")).ok();
    installed_lock.as_deref() == Some(lock) && cli_path(folder).is_file()
}

/// Runs `npm ci` in a staging folder and renames it into place, so that an
/// interrupted install never looks complete.
fn install(pin_folder: &Path, cache_folder: &Path, folder: &Path) -> Result<(), String> {
    let staging = cache_folder.join(format!("staging-{}", std::process::id()));
    let _ = fs::remove_dir_all(&staging);
    fs::create_dir_all(&staging)
        .map_err(|e| format!("failed to create {}: {e}", staging.display()))?;
    for file in ["package.json", "package-lock.json"] {
        fs::copy(pin_folder.join(file), staging.join(file))
            .map_err(|e| format!("failed to copy {file} into {}: {e}", staging.display()))?;
    }

    let log_path = cache_folder.join(format!("npm-ci-{}.log", std::process::id()));
    let log = File::create(&log_path)
        .map_err(|e| format!("failed to create {}: {e}", log_path.display()))?;
    let stderr = log
        .try_clone()
        .map_err(|e| format!("failed to open {}: {e}", log_path.display()))?;
    // `--ignore-scripts`: Prism needs no install scripts, and the only one in
    // its tree reports usage analytics.
    let child = Command::new("npm")
        .args([
            "ci",
            "--ignore-scripts",
            "--no-audit",
            "--no-fund",
            "--prefix",
        ])
        .arg(&staging)
        .stdin(Stdio::null())
        .stdout(log)
        .stderr(stderr)
        .spawn()
        .map_err(|e| format!("failed to start `npm ci`: {e}"))?;
    let status = wait_with_timeout(child, INSTALL_TIMEOUT)
        .map_err(|e| format!("`npm ci --prefix {}` {e}", staging.display()))?;
    if !status.success() {
        return Err(format!(
            "`npm ci --prefix {}` failed with {status}; its output is in {}:\n{}",
            staging.display(),
            log_path.display(),
            tail(&log_path, 2000)
        ));
    }
    let _ = fs::remove_file(&log_path);

    match fs::rename(&staging, folder) {
        Ok(()) => Ok(()),
        // Another test run finished the same installation first.
        Err(_) if cli_path(folder).is_file() => {
            let _ = fs::remove_dir_all(&staging);
            Ok(())
        }
        Err(e) => Err(format!(
            "failed to move {} to {}: {e}",
            staging.display(),
            folder.display()
        )),
    }
}

fn installed_version(folder: &Path) -> Result<String, String> {
    let manifest = folder.join("node_modules/@stoplight/prism-cli/package.json");
    let text = fs::read_to_string(&manifest)
        .map_err(|e| format!("failed to read {}: {e}", manifest.display()))?;
    let parsed: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| format!("{} is not valid JSON: {e}", manifest.display()))?;
    parsed["version"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| format!("{} has no version", manifest.display()))
}

/// 64-bit FNV-1a, a hash that stays the same across Rust releases.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

fn wait_with_timeout(mut child: Child, timeout: Duration) -> Result<ExitStatus, String> {
    let deadline = Instant::now() + timeout;
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return Ok(status),
            Ok(None) if Instant::now() < deadline => sleep(Duration::from_millis(200)),
            Ok(None) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("timed out after {} s", timeout.as_secs()));
            }
            Err(e) => return Err(format!("could not be waited for: {e}")),
        }
    }
}

/// Reads the last `max` bytes of a text file, for error messages.
fn tail(path: &Path, max: usize) -> String {
    let mut text = String::new();
    if let Ok(mut file) = File::open(path) {
        let _ = file.read_to_string(&mut text);
    }
    let start = text.len().saturating_sub(max);
    let start = (start..text.len())
        .find(|i| text.is_char_boundary(*i))
        .unwrap_or(text.len());
    text[start..].to_owned()
}

/// How `prism mock` builds responses.
#[derive(Debug, Clone, Copy)]
pub enum Mode {
    /// From the document's examples.
    Static,
    /// Generated from the schemas, reproducibly for one seed.
    Dynamic { seed: u64 },
}

/// A running `prism mock` process, killed (by its pid) when dropped, which
/// also happens when the test panics. If the test process dies without
/// unwinding, the launcher gets end-of-file on its standard input and exits.
#[derive(Debug)]
pub struct PrismMock {
    child: Child,
    /// The write end of Prism's standard input, open while this lives.
    _stdin: ChildStdin,
    address: SocketAddr,
    /// Where Prism's output goes.
    pub log: PathBuf,
}

impl PrismMock {
    /// Starts `prism mock` for `document` on a free port of `127.0.0.1` and
    /// waits until it listens.
    pub fn start(
        installation: &Installation,
        document: &Path,
        mode: Mode,
        log: &Path,
    ) -> Result<PrismMock, String> {
        let mut last_error = String::new();
        for _ in 0..START_ATTEMPTS {
            match Self::start_once(installation, document, mode, log) {
                Ok(mock) => return Ok(mock),
                Err(error) => last_error = error,
            }
        }
        Err(last_error)
    }

    fn start_once(
        installation: &Installation,
        document: &Path,
        mode: Mode,
        log: &Path,
    ) -> Result<PrismMock, String> {
        let address = free_port()?;
        let output =
            File::create(log).map_err(|e| format!("failed to create {}: {e}", log.display()))?;
        let errors = output
            .try_clone()
            .map_err(|e| format!("failed to open {}: {e}", log.display()))?;

        let mut command = Command::new("node");
        command
            .arg(&installation.launcher)
            .arg(installation.cli())
            .arg("mock")
            .arg(document)
            .args(["--host", "127.0.0.1", "--port"])
            .arg(address.port().to_string())
            .args(["--verboseLevel", "warn"]);
        if let Mode::Dynamic { seed } = mode {
            command.args(["--dynamic", "--seed"]).arg(seed.to_string());
        }
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(output)
            .stderr(errors)
            .spawn()
            .map_err(|e| format!("failed to start Prism: {e}"))?;
        let Some(stdin) = child.stdin.take() else {
            let _ = child.kill();
            let _ = child.wait();
            return Err("Prism started without a standard input pipe".to_owned());
        };

        let mut mock = PrismMock {
            child,
            _stdin: stdin,
            address,
            log: log.to_owned(),
        };
        mock.wait_until_listening()?;
        Ok(mock)
    }

    /// Returns the URL to send requests to. It has no `/v5` prefix, because
    /// Prism 5.x serves the document's paths without its server URL's path.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.address)
    }

    fn wait_until_listening(&mut self) -> Result<(), String> {
        let deadline = Instant::now() + STARTUP_TIMEOUT;
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!(
                    "Prism exited with {status} before it listened on {}; its output:\n{}",
                    self.address,
                    tail(&self.log, 2000)
                ));
            }
            if TcpStream::connect_timeout(&self.address, Duration::from_millis(500)).is_ok() {
                return Ok(());
            }
            sleep(Duration::from_millis(200));
        }
        Err(format!(
            "Prism did not listen on {} within {} s; its output is in {}",
            self.address,
            STARTUP_TIMEOUT.as_secs(),
            self.log.display()
        ))
    }
}

impl Drop for PrismMock {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Finds a port on `127.0.0.1` that is free at the moment. Prism binds it
/// itself, so another process can take it in between, and the caller then
/// retries.
fn free_port() -> Result<SocketAddr, String> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .map_err(|e| format!("failed to find a free port on 127.0.0.1: {e}"))?;
    listener
        .local_addr()
        .map_err(|e| format!("failed to read the free port: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_versions_parse() {
        assert_eq!(parse_version("v20.11.0\n"), Some((20, 11, 0)));
        assert_eq!(parse_version("v22.0.0-nightly"), Some((22, 0, 0)));
        assert_eq!(parse_version("not a version"), None);
        assert!(parse_version("v18.19.0").unwrap() < MIN_NODE);
    }
}
