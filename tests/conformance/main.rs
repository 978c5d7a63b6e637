//! Conformance of the generated client against Stoplight Prism, an OpenAPI
//! mock server written independently of progenitor.
//!
//! Requests: every operation is called through its public builder twice,
//! first with the required arguments only and then with every argument,
//! against `prism mock`, which validates each request against the document.
//! Each call must get a 2xx answer with no entry in Prism's `sl-violations`
//! header, and its query string must follow the rules of
//! [`document::query_problems`], which Prism does not check.
//!
//! Responses: for each seed in [`SEEDS`], `prism mock --dynamic --seed N`
//! generates each operation's response from its schema, with nulls and
//! extra properties where the schema allows them. Each must decode into the
//! generated type.
//!
//! The suite needs Node.js 18.20.1 or newer with npm on `PATH`. It installs
//! the Prism pinned in `conformance/package-lock.json` into `.conformance/`
//! on first use (which needs the npm registry), and skips with a message
//! only when `node` or `npm` is missing.

#![cfg(feature = "mock")]

mod document;
mod prism;
mod proxy;

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use pinterest_v5::mock::{
    call_with_all_samples, call_with_samples, operations, MockOperation, MockServer, SampleOutcome,
};
use pinterest_v5::{BaseUrl, Client};

use document::QueryForm;
use prism::{Installation, Mode, PrismMock};
use proxy::{Exchange, RecordingProxy};

/// Seeds for `prism mock --dynamic`; each one is a separate Prism process.
const SEEDS: [u64; 5] = [1, 2, 3, 4, 5];

/// Time limit for one call, from the client through the proxy to Prism.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(20);

/// Time limit for the whole suite once Prism is installed. A run takes
/// about two minutes on a 2-core machine.
const SUITE_TIMEOUT: Duration = Duration::from_secs(15 * 60);

/// A request that is valid but that Prism rejects because it cannot handle
/// a construct of the document.
struct Exception {
    /// The operation whose request Prism rejects.
    operation_id: &'static str,
    /// Prism's violations must all lie at or below this location; any other
    /// violation still fails.
    location: &'static [&'static str],
    /// Why Prism's verdict is wrong.
    reason: &'static str,
    /// The test that checks the request instead.
    covered_by: &'static str,
}

const EXCEPTIONS: &[Exception] = &[Exception {
    operation_id: "reports/stats",
    location: &["request", "query", "parameters"],
    reason: "Prism 5.x reads a deepObject parameter only through the properties its schema \
             lists directly, and `parameters` takes `report` from a oneOf member, so Prism \
             always reports `report` as missing",
    covered_by: "reports_stats_deep_object_on_the_wire",
}];

/// Which arguments a request run sets.
#[derive(Debug, Clone, Copy)]
enum Arguments {
    Required,
    All,
}

/// What happened to one operation in one run.
enum Verdict {
    Passed,
    Excepted,
    Failed(String),
}

/// The tally of one run over all operations.
struct RunResult {
    label: String,
    passed: usize,
    excepted: usize,
    failures: Vec<String>,
}

impl RunResult {
    fn new(label: String) -> RunResult {
        RunResult {
            label,
            passed: 0,
            excepted: 0,
            failures: Vec::new(),
        }
    }

    fn record(&mut self, verdict: Verdict) {
        match verdict {
            Verdict::Passed => self.passed += 1,
            Verdict::Excepted => self.excepted += 1,
            Verdict::Failed(message) => self.failures.push(message),
        }
    }
}

/// Everything a run needs to know about the document.
struct Setup {
    installation: Installation,
    working_copy: PathBuf,
    run_folder: PathBuf,
    query_forms: HashMap<(String, String), HashMap<String, QueryForm>>,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prism_conformance() {
    let node = match prism::find_node() {
        Ok(Some(node)) => node,
        Ok(None) => {
            write_uncaptured(
                "prism_conformance skipped: `node` or `npm` is not on PATH; \
                 install Node.js 18.20.1 or newer with npm to run the conformance suite\n",
            );
            return;
        }
        Err(error) => panic!("{error}"),
    };
    let setup = prepare().unwrap_or_else(|error| panic!("{error}"));

    let started = Instant::now();
    let results = tokio::time::timeout(SUITE_TIMEOUT, run_all(&setup))
        .await
        .unwrap_or_else(|_| {
            panic!(
                "the conformance suite timed out after {} s; Prism's output is in {}",
                SUITE_TIMEOUT.as_secs(),
                setup.run_folder.display()
            )
        })
        .unwrap_or_else(|error| panic!("{error}"));

    write_uncaptured_summary(&results, &setup, &node, started.elapsed());
    let failures: Vec<&String> = results.iter().flat_map(|r| &r.failures).collect();
    assert!(
        failures.is_empty(),
        "{} conformance failures (Prism's output is in {}):\n\n{}",
        failures.len(),
        setup.run_folder.display(),
        failures
            .iter()
            .map(|f| f.as_str())
            .collect::<Vec<_>>()
            .join("\n\n")
    );
    let _ = std::fs::remove_dir_all(&setup.run_folder);
}

/// Installs Prism and writes the working copy of the document.
fn prepare() -> Result<Setup, String> {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let cache = crate_dir.join(".conformance");
    std::fs::create_dir_all(&cache)
        .map_err(|e| format!("failed to create {}: {e}", cache.display()))?;
    let installation = prism::ensure_installed(&crate_dir.join("conformance"), &cache)?;

    let run_folder = cache.join(format!("run-{}", std::process::id()));
    std::fs::create_dir_all(&run_folder)
        .map_err(|e| format!("failed to create {}: {e}", run_folder.display()))?;
    let document = document::corrected_document(crate_dir)?;
    let working_copy = document::write_working_copy(&document, &run_folder)?;

    Ok(Setup {
        installation,
        working_copy,
        run_folder,
        query_forms: document::query_forms(&document),
    })
}

async fn run_all(setup: &Setup) -> Result<Vec<RunResult>, String> {
    let mut results = Vec::new();

    let (prism, proxy, client) = start_prism(setup, Mode::Static, "static").await?;
    for arguments in [Arguments::Required, Arguments::All] {
        results.push(request_run(setup, &client, &proxy, arguments).await);
    }
    drop(prism);

    for seed in SEEDS {
        let label = format!("seed-{seed}");
        let (prism, proxy, client) = start_prism(setup, Mode::Dynamic { seed }, &label).await?;
        results.push(response_run(seed, &client, &proxy).await);
        drop(prism);
    }
    Ok(results)
}

/// Starts Prism, a recording proxy in front of it and a client for the proxy.
async fn start_prism(
    setup: &Setup,
    mode: Mode,
    label: &str,
) -> Result<(PrismMock, RecordingProxy, Client), String> {
    let log = setup.run_folder.join(format!("prism-{label}.log"));
    let prism = PrismMock::start(&setup.installation, &setup.working_copy, mode, &log)?;
    let proxy = RecordingProxy::start(prism.base_url()).await?;
    let client = Client::builder()
        .base_url(BaseUrl::Custom(proxy.base_url()))
        .access_token("conformance-token")
        .timeout(REQUEST_TIMEOUT)
        .build()
        .map_err(|e| format!("failed to build the client: {e}"))?;
    Ok((prism, proxy, client))
}

async fn call(client: &Client, operation: &MockOperation, arguments: Arguments) -> SampleOutcome {
    let outcome = match arguments {
        Arguments::Required => call_with_samples(client, operation.operation_id).await,
        Arguments::All => call_with_all_samples(client, operation.operation_id).await,
    };
    outcome.expect("every operation in the table has a sample call")
}

async fn request_run(
    setup: &Setup,
    client: &Client,
    proxy: &RecordingProxy,
    arguments: Arguments,
) -> RunResult {
    let label = match arguments {
        Arguments::Required => "requests valid, required arguments",
        Arguments::All => "requests valid, all arguments",
    };
    let mut result = RunResult::new(label.to_owned());

    for operation in operations() {
        let outcome = call(client, operation, arguments).await;
        let exchanges = proxy.take();
        let key = (operation.method.to_owned(), operation.path.to_owned());
        let forms = setup.query_forms.get(&key).cloned().unwrap_or_default();
        result.record(judge_request(
            operation, label, &outcome, &exchanges, &forms,
        ));
    }
    result
}

fn judge_request(
    operation: &MockOperation,
    label: &str,
    outcome: &SampleOutcome,
    exchanges: &[Exchange],
    forms: &HashMap<String, QueryForm>,
) -> Verdict {
    let heading = format!(
        "{} ({} {}), {label}",
        operation.operation_id, operation.method, operation.path
    );
    let exchange = match exchanges {
        [exchange] => exchange,
        _ => {
            return Verdict::Failed(format!(
                "{heading}: the client sent {} requests instead of one; the call returned {:?}",
                exchanges.len(),
                outcome.result
            ))
        }
    };

    let mut problems: Vec<String> = document::query_problems(exchange.query.as_deref(), forms);
    problems.extend(exchange.error.clone());
    let exception = EXCEPTIONS
        .iter()
        .find(|e| e.operation_id == operation.operation_id);
    let (excepted, violations): (Vec<_>, Vec<_>) = exchange
        .violations
        .iter()
        .partition(|v| exception.is_some_and(|e| v.location.starts_with(&location(e))));
    problems.extend(violations.iter().map(|v| format!("violation: {v}")));
    let status_ok = exchange.status.is_some_and(|s| (200..300).contains(&s));

    match exception {
        Some(_) if problems.is_empty() && !excepted.is_empty() => Verdict::Excepted,
        Some(e) if problems.is_empty() && status_ok => Verdict::Failed(format!(
            "{heading}: Prism now accepts the request, so the exception for `{}` is no longer \
             needed; remove it from EXCEPTIONS",
            e.operation_id
        )),
        None if problems.is_empty() && status_ok => Verdict::Passed,
        _ => {
            if !status_ok {
                problems.insert(0, format!("Prism answered {}", status_text(exchange)));
            }
            Verdict::Failed(format!(
                "{heading}:\n    request: {}\n    {}",
                exchange.describe_request(),
                problems.join("\n    ")
            ))
        }
    }
}

fn location(exception: &Exception) -> Vec<String> {
    exception.location.iter().map(|s| (*s).to_owned()).collect()
}

fn status_text(exchange: &Exchange) -> String {
    exchange
        .status
        .map_or_else(|| "nothing".to_owned(), |s| s.to_string())
}

async fn response_run(seed: u64, client: &Client, proxy: &RecordingProxy) -> RunResult {
    let mut result = RunResult::new(format!("responses decoded, seed {seed}"));

    for operation in operations() {
        let outcome = call(client, operation, Arguments::Required).await;
        let exchanges = proxy.take();
        result.record(judge_response(operation, seed, &outcome, &exchanges));
    }
    result
}

fn judge_response(
    operation: &MockOperation,
    seed: u64,
    outcome: &SampleOutcome,
    exchanges: &[Exchange],
) -> Verdict {
    let heading = format!(
        "{} ({} {}), response for seed {seed}",
        operation.operation_id, operation.method, operation.path
    );
    let [exchange] = exchanges else {
        return Verdict::Failed(format!(
            "{heading}: the client sent {} requests instead of one; the call returned {:?}",
            exchanges.len(),
            outcome.result
        ));
    };

    let accepted = exchange.status.is_some_and(|s| (200..300).contains(&s))
        && exchange.violations.is_empty();
    if !accepted {
        let exception = EXCEPTIONS
            .iter()
            .find(|e| e.operation_id == operation.operation_id);
        let covered = exception.is_some_and(|e| {
            !exchange.violations.is_empty()
                && exchange
                    .violations
                    .iter()
                    .all(|v| v.location.starts_with(&location(e)))
        });
        if covered {
            return Verdict::Excepted;
        }
        let violations: Vec<String> = exchange
            .violations
            .iter()
            .map(|v| format!("violation: {v}"))
            .collect();
        return Verdict::Failed(format!(
            "{heading}: Prism answered {} instead of generating a response\n    request: {}\n    {}",
            status_text(exchange),
            exchange.describe_request(),
            violations.join("\n    ")
        ));
    }

    match &outcome.result {
        Ok(()) => Verdict::Passed,
        Err(error) => Verdict::Failed(format!(
            "{heading}: status {}, {error}",
            status_text(exchange)
        )),
    }
}

/// Prints the summary table where the test harness does not capture it, so
/// that it shows in CI logs for a passing run too.
fn write_uncaptured_summary(
    results: &[RunResult],
    setup: &Setup,
    node: &prism::NodeTools,
    elapsed: Duration,
) {
    let mut table = format!(
        "\nPrism conformance: Prism {}, Node.js {}, Pinterest API document {}, {} s\n",
        setup.installation.version,
        node.node_version,
        pinterest_v5::SPEC_VERSION,
        elapsed.as_secs()
    );
    table.push_str(&format!(
        "{:<40} {:>10} {:>7} {:>7} {:>9}\n",
        "check", "operations", "passed", "failed", "excepted"
    ));
    for result in results {
        table.push_str(&format!(
            "{:<40} {:>10} {:>7} {:>7} {:>9}\n",
            result.label,
            operations().len(),
            result.passed,
            result.failures.len(),
            result.excepted
        ));
    }
    table.push_str(&format!("exceptions: {}\n", EXCEPTIONS.len()));
    for exception in EXCEPTIONS {
        table.push_str(&format!(
            "  {} (checked by {}): {}\n",
            exception.operation_id, exception.covered_by, exception.reason
        ));
    }
    write_uncaptured(&table);
}

fn write_uncaptured(text: &str) {
    let mut stderr = std::io::stderr().lock();
    let _ = stderr.write_all(text.as_bytes());
    let _ = stderr.flush();
}
