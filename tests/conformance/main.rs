//! Conformance of the generated client against Stoplight Prism, an OpenAPI
//! mock server written independently of progenitor.
//!
//! Requests: every operation is called through its public builder twice,
//! first with the required arguments only and then with every argument,
//! against `prism mock`, which validates each request against the document.
//! Each call must get a 2xx response with no request violation in Prism's
//! `sl-violations` header, and the raw request must pass the checks in
//! [`wire`], which Prism does not make.
//!
//! Responses: for each seed in [`SEEDS`], `prism mock --dynamic --seed N`
//! generates each operation's response from its schema, with nulls and
//! extra properties where the schema allows them. Each must decode into the
//! generated type.
//!
//! [`exceptions`] lists the few operations where Prism's verdict is wrong,
//! or where a known client bug makes the request fail, each with its reason.
//!
//! The suite needs Node.js 18.20.1 or newer with npm on `PATH`. It installs
//! the Prism pinned in `conformance/package-lock.json` into `.conformance/`
//! on first use (which needs the npm registry), and skips with a message
//! only when `node` or `npm` is missing.

#![cfg(feature = "mock")]

mod document;
mod exceptions;
mod prism;
mod proxy;
mod wire;

use std::collections::{BTreeSet, HashMap};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use pinterest_v5::auth::{
    AppCredentials, AuthorizationCode, OAuthClient, Scope, TokenSet, TokenTypeHint,
};
use pinterest_v5::mock::{
    call_with_all_samples, call_with_samples, operations, MockOperation, MockServer, SampleOutcome,
};
use pinterest_v5::{types, BaseUrl, Client};
use serde_json::{json, Value};

use document::QueryForm;
use exceptions::{Exception, Limit, EXCEPTIONS};
use prism::{Installation, Mode, PrismMock};
use proxy::{Exchange, RecordingProxy};

/// Seeds for `prism mock --dynamic`. Each seed runs in its own Prism process.
const SEEDS: [u64; 5] = [1, 2, 3, 4, 5];

/// Time limit for one call, from the client through the proxy to Prism.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(20);

/// Time limit for the whole suite once Prism is installed. A run took about
/// 60 seconds on a 2-core machine.
const SUITE_TIMEOUT: Duration = Duration::from_secs(15 * 60);

/// Which arguments a request run sets.
#[derive(Debug, Clone, Copy)]
enum Arguments {
    Required,
    All,
}

/// What happened to one operation in one run.
enum Verdict {
    Passed,
    Excepted(&'static Exception),
    Failed(String),
}

/// The tally of one run over all operations.
struct RunResult {
    label: String,
    passed: usize,
    /// Operations whose verdict a Prism limit in [`EXCEPTIONS`] explains.
    excepted: usize,
    /// Operations that failed the way a known client bug in [`EXCEPTIONS`]
    /// predicts.
    known_bugs: usize,
    failures: Vec<String>,
}

impl RunResult {
    fn new(label: String) -> RunResult {
        RunResult {
            label,
            passed: 0,
            excepted: 0,
            known_bugs: 0,
            failures: Vec::new(),
        }
    }

    fn record(&mut self, verdict: Verdict, used_exceptions: &mut BTreeSet<&'static str>) {
        match verdict {
            Verdict::Passed => self.passed += 1,
            Verdict::Excepted(exception) => {
                if exception.is_client_bug() {
                    self.known_bugs += 1;
                } else {
                    self.excepted += 1;
                }
                used_exceptions.insert(exception.operation_id);
            }
            Verdict::Failed(message) => self.failures.push(message),
        }
    }
}

/// Prism's installation and what the runs know about the document.
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
    let (results, used_exceptions) = tokio::time::timeout(SUITE_TIMEOUT, run_all(&setup))
        .await
        .unwrap_or_else(|_| {
            panic!(
                "the conformance suite timed out after {} s; Prism's output is in {}",
                SUITE_TIMEOUT.as_secs(),
                setup.run_folder.display()
            )
        })
        .unwrap_or_else(|error| panic!("{error}"));

    let stale: Vec<String> = EXCEPTIONS
        .iter()
        .filter(|e| !used_exceptions.contains(e.operation_id))
        .map(|e| {
            format!(
                "{}: no call needed its exception, so remove it from tests/conformance/exceptions.rs",
                e.operation_id
            )
        })
        .collect();

    write_uncaptured(&summary(
        &results,
        stale.len(),
        &setup,
        &node,
        started.elapsed(),
    ));
    let failures: Vec<&str> = results
        .iter()
        .flat_map(|r| &r.failures)
        .chain(&stale)
        .map(String::as_str)
        .collect();
    assert!(
        failures.is_empty(),
        "{} conformance failures (Prism's output is in {}):\n\n{}",
        failures.len(),
        setup.run_folder.display(),
        failures.join("\n\n")
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

async fn run_all(setup: &Setup) -> Result<(Vec<RunResult>, BTreeSet<&'static str>), String> {
    let mut results = Vec::new();
    let mut used_exceptions = BTreeSet::new();

    let (prism, proxy, client) = start_prism(setup, Mode::Static, "static").await?;
    for arguments in [Arguments::Required, Arguments::All] {
        results.push(request_run(setup, &client, &proxy, arguments, &mut used_exceptions).await);
    }
    results.push(oauth_grants_run(&proxy).await?);
    drop(prism);

    for seed in SEEDS {
        let label = format!("seed-{seed}");
        let (prism, proxy, client) = start_prism(setup, Mode::Dynamic { seed }, &label).await?;
        let result = response_run(
            &setup.run_folder,
            seed,
            &client,
            &proxy,
            &mut used_exceptions,
        );
        results.push(result.await);
        drop(prism);
    }
    Ok((results, used_exceptions))
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
        .app_credentials(AppCredentials::new("conformance-app", "conformance-secret"))
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
    used_exceptions: &mut BTreeSet<&'static str>,
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
        let heading = format!(
            "{} ({} {}), {label}",
            operation.operation_id, operation.method, operation.path
        );
        let verdict = judge_request(&heading, operation, &outcome, &exchanges, &forms);
        result.record(verdict, used_exceptions);
    }
    result
}

fn judge_request(
    heading: &str,
    operation: &MockOperation,
    outcome: &SampleOutcome,
    exchanges: &[Exchange],
    forms: &HashMap<String, QueryForm>,
) -> Verdict {
    let [exchange] = exchanges else {
        return Verdict::Failed(format!(
            "{heading}: the client sent {} requests instead of one, and the call returned {:?}",
            exchanges.len(),
            outcome.result
        ));
    };

    let mut problems = wire::query_problems(exchange.query.as_deref(), forms);
    problems.extend(body_problems(exchange));
    problems.extend(exchange.error.clone());

    let exception = exceptions::find(operation.operation_id);
    let (expected, violations): (Vec<_>, Vec<_>) = exchange
        .request_violations()
        .partition(|v| exception.is_some_and(|e| e.covers(v)));
    problems.extend(violations.iter().map(|v| format!("violation: {v}")));

    let status_ok = is_success(exchange.status);
    if problems.is_empty() && !expected.is_empty() {
        if let Some(exception) = exception {
            return Verdict::Excepted(exception);
        }
    }
    if problems.is_empty() && status_ok {
        return Verdict::Passed;
    }
    if !status_ok {
        problems.insert(0, format!("Prism returned {}", status_text(exchange)));
    }
    Verdict::Failed(format!(
        "{heading}:\n    request: {}\n    {}",
        exchange.describe_request(),
        problems.join("\n    ")
    ))
}

/// Duplicate keys in a JSON request body, which Prism cannot see.
fn body_problems(exchange: &Exchange) -> Vec<String> {
    let is_json = exchange
        .content_type
        .as_deref()
        .is_some_and(|t| t.starts_with("application/json"));
    if !is_json {
        return Vec::new();
    }
    match wire::duplicate_json_keys(&exchange.body) {
        Ok(pointers) => pointers
            .iter()
            .map(|pointer| format!("the JSON body has the key at {pointer} more than once"))
            .collect(),
        Err(error) => vec![format!("the JSON body does not parse: {error}")],
    }
}

fn is_success(status: Option<u16>) -> bool {
    status.is_some_and(|s| (200..300).contains(&s))
}

fn status_text(exchange: &Exchange) -> String {
    match exchange.status {
        Some(status) if exchange.response_body.is_empty() => status.to_string(),
        Some(status) => format!("{status}: {}", proxy::excerpt(&exchange.response_body, 500)),
        None => "nothing".to_owned(),
    }
}

async fn response_run(
    run_folder: &Path,
    seed: u64,
    client: &Client,
    proxy: &RecordingProxy,
    used_exceptions: &mut BTreeSet<&'static str>,
) -> RunResult {
    let mut result = RunResult::new(format!("responses decoded, seed {seed}"));

    for operation in operations() {
        let outcome = call(client, operation, Arguments::Required).await;
        let exchanges = proxy.take();
        let verdict = judge_response(run_folder, operation, seed, &outcome, &exchanges);
        result.record(verdict, used_exceptions);
    }
    result
}

fn judge_response(
    run_folder: &Path,
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
            "{heading}: the client sent {} requests instead of one, and the call returned {:?}",
            exchanges.len(),
            outcome.result
        ));
    };

    let exception = exceptions::find(operation.operation_id);
    let violations: Vec<String> = exchange
        .request_violations()
        .map(|v| format!("violation: {v}"))
        .collect();
    let response_violations: Vec<String> = exchange
        .violations
        .iter()
        .filter(|v| v.location.first().map(String::as_str) == Some("response"))
        .map(|v| format!("Prism's own check of the response: {v}"))
        .collect();

    if is_success(exchange.status) && violations.is_empty() {
        let Err(error) = &outcome.result else {
            return Verdict::Passed;
        };
        if let Some(exception) = exception.filter(|e| {
            e.limit == Limit::GeneratesInvalidResponse && !response_violations.is_empty()
        }) {
            return Verdict::Excepted(exception);
        }
        let saved = save_body(run_folder, operation, seed, &exchange.response_body);
        return Verdict::Failed(format!(
            "{heading}: status {}, {error}\n    response body saved to {saved}\n    {}",
            exchange.status.unwrap_or_default(),
            response_violations.join("\n    ")
        ));
    }

    let expected = exception.filter(|e| match e.limit {
        Limit::GeneratorFails => {
            exchange.status == Some(500) && exchange.response_body.contains("json-schema-faker")
        }
        _ => !violations.is_empty() && exchange.request_violations().all(|v| e.covers(v)),
    });
    if let Some(exception) = expected {
        return Verdict::Excepted(exception);
    }
    Verdict::Failed(format!(
        "{heading}: Prism returned {} instead of generating a response\n    request: {}\n    {}",
        status_text(exchange),
        exchange.describe_request(),
        violations.join("\n    ")
    ))
}

/// Writes a response body that did not decode into the run folder and
/// returns where, or why it could not.
fn save_body(run_folder: &Path, operation: &MockOperation, seed: u64, body: &str) -> String {
    let name = format!(
        "{}-seed-{seed}.json",
        operation.operation_id.replace('/', "_")
    );
    let path = run_folder.join(name);
    match std::fs::write(&path, body) {
        Ok(()) => path.display().to_string(),
        Err(e) => format!("nowhere (failed to write {}: {e})", path.display()),
    }
}

/// Sends each grant of the hand-written `OAuthClient` (code exchange,
/// refresh, client credentials, revocation) through the proxy to Prism,
/// which checks the form body and the Basic credentials against the
/// document's token operations.
async fn oauth_grants_run(proxy: &RecordingProxy) -> Result<RunResult, String> {
    let oauth = OAuthClient::builder(AppCredentials::new("1234567", "conformance-secret"))
        .base_url(BaseUrl::Custom(proxy.base_url()))
        .timeout(REQUEST_TIMEOUT)
        .build()
        .map_err(|e| format!("failed to build the OAuth client: {e}"))?;
    let tokens =
        TokenSet::new("pina_access", chrono::Utc::now()).with_refresh_token("pinr_refresh", None);
    let code = AuthorizationCode::new("auth-code", "https://example.com/callback");
    let mut result = RunResult::new("OAuthClient grants valid".to_owned());

    let outcome = oauth.exchange_code(&code).await.map(|_| ());
    result.record(
        judge_grant("exchange_code", outcome, &proxy.take()),
        &mut BTreeSet::new(),
    );

    let outcome = oauth.refresh(&tokens).await.map(|_| ());
    result.record(
        judge_grant("refresh", outcome, &proxy.take()),
        &mut BTreeSet::new(),
    );

    let outcome = oauth
        .client_credentials(&[Scope::BoardsRead])
        .await
        .map(|_| ());
    result.record(
        judge_grant("client_credentials", outcome, &proxy.take()),
        &mut BTreeSet::new(),
    );

    let outcome = oauth
        .revoke(tokens.access_token(), TokenTypeHint::AccessToken)
        .await;
    result.record(
        judge_grant("revoke", outcome, &proxy.take()),
        &mut BTreeSet::new(),
    );
    Ok(result)
}

/// A grant passes when it sent one request that Prism accepted without a
/// violation and the client read the response.
fn judge_grant(
    grant: &str,
    outcome: Result<(), pinterest_v5::auth::AuthError>,
    exchanges: &[Exchange],
) -> Verdict {
    let [exchange] = exchanges else {
        return Verdict::Failed(format!(
            "OAuthClient::{grant} sent {} requests instead of one",
            exchanges.len()
        ));
    };

    let mut problems: Vec<String> = exchange
        .request_violations()
        .map(|v| format!("violation: {v}"))
        .collect();
    if !is_success(exchange.status) {
        problems.push(format!("Prism returned {}", status_text(exchange)));
    }
    if let Err(error) = outcome {
        problems.push(format!("the client failed: {error}"));
    }
    if problems.is_empty() {
        return Verdict::Passed;
    }
    Verdict::Failed(format!(
        "OAuthClient::{grant}:\n    request: {}\n    {}",
        exchange.describe_request(),
        problems.join("\n    ")
    ))
}

/// Formats the summary table: one row per run, then the exceptions.
fn summary(
    results: &[RunResult],
    stale_exceptions: usize,
    setup: &Setup,
    node: &prism::NodeTools,
    elapsed: Duration,
) -> String {
    let mut table = format!(
        "\nPrism conformance: Prism {}, Node.js {}, Pinterest API document {}, {} s\n",
        setup.installation.version,
        node.node_version,
        pinterest_v5::SPEC_VERSION,
        elapsed.as_secs()
    );
    table.push_str(&format!(
        "{:<38} {:>10} {:>7} {:>7} {:>9} {:>10}\n",
        "check", "operations", "passed", "failed", "excepted", "known bug"
    ));
    for result in results {
        let checked = result.passed + result.excepted + result.known_bugs + result.failures.len();
        table.push_str(&format!(
            "{:<38} {:>10} {:>7} {:>7} {:>9} {:>10}\n",
            result.label,
            checked,
            result.passed,
            result.failures.len(),
            result.excepted,
            result.known_bugs
        ));
    }

    let (bugs, limits): (Vec<&Exception>, Vec<&Exception>) =
        EXCEPTIONS.iter().partition(|e| e.is_client_bug());
    table.push_str(&format!("exceptions (Prism limits): {}\n", limits.len()));
    for exception in limits {
        table.push_str(&format!(
            "  {}: {} Checked instead by {}.\n",
            exception.operation_id, exception.reason, exception.covered_by
        ));
    }
    table.push_str(&format!("known client bugs: {}\n", bugs.len()));
    for exception in bugs {
        table.push_str(&format!(
            "  {}: {}\n",
            exception.operation_id, exception.reason
        ));
    }
    table.push_str(&format!("exceptions no call needed: {stale_exceptions}\n"));
    table
}

/// Writes to the process's stderr directly, which the test harness does not
/// capture, so that the summary shows in CI logs for a passing run too.
fn write_uncaptured(text: &str) {
    let mut stderr = std::io::stderr().lock();
    let _ = stderr.write_all(text.as_bytes());
    let _ = stderr.flush();
}

/// `reports/stats` sends its deepObject parameter, including the `report`
/// member that Prism cannot read, as bracketed keys.
#[tokio::test]
async fn reports_stats_deep_object_on_the_wire() {
    let mock = MockServer::start().await.unwrap();
    let parameters: types::ReportsStatsParameters = serde_json::from_value(json!({
        "catalog_type": "RETAIL",
        "report": {"report_type": "FEED_INGESTION_ISSUES", "feed_id": "2680059592705"}
    }))
    .unwrap();

    mock.client()
        .reports_stats()
        .parameters(parameters)
        .send()
        .await
        .unwrap();

    let query = mock.requests()[0].query.clone().unwrap();
    assert_eq!(
        query,
        "parameters%5Bcatalog_type%5D=RETAIL\
         &parameters%5Breport%5D%5Bfeed_id%5D=2680059592705\
         &parameters%5Breport%5D%5Breport_type%5D=FEED_INGESTION_ISSUES"
    );
}

/// `advanced_auction_items_submit/post` sends an UPSERT record with the
/// fields of the UPSERT member, which Prism cannot tell from a DELETE.
#[tokio::test]
async fn advanced_auction_upsert_on_the_wire() {
    let mock = MockServer::start().await.unwrap();
    let record = json!({
        "item_id": "DS0294-M",
        "country": "US",
        "language": "EN",
        "operation": "UPSERT",
        "bid_options": {"bid_in_micro_currency": 5000000},
        "update_mask": ["BID"]
    });
    let body: types::AdvancedAuctionItemsSubmitRequest =
        serde_json::from_value(json!({"catalog_id": "2680059592705", "items": [record]})).unwrap();

    mock.client()
        .advanced_auction_items_submit_post()
        .body(body)
        .send()
        .await
        .unwrap();

    let sent: Value = serde_json::from_str(&mock.requests()[0].body).unwrap();
    assert_eq!(sent["catalog_id"], "2680059592705");
    assert_eq!(sent["items"].as_array().map(Vec::len), Some(1));
    assert_eq!(sent["items"][0], record);
}
