//! The OAuth authorization code flow from start to finish. The example
//! builds the authorization URL, receives the redirect on a listener at
//! 127.0.0.1 and checks the `state`. Then it exchanges the code for tokens,
//! saves them to a JSON file, and reads the user's account with a client
//! that refreshes the tokens by itself.
//!
//! With no environment it runs against the crate's embedded mock, whose
//! authorization page approves at once, and plays the browser itself:
//!
//! ```text
//! cargo run --example oauth_login --features mock
//! ```
//!
//! Against Pinterest, set `PINTEREST_CLIENT_ID`, `PINTEREST_CLIENT_SECRET`
//! and `PINTEREST_REDIRECT_URI`. The redirect URI must be registered for
//! the app and point at this machine, such as `http://localhost:8085/`; the
//! example listens on 127.0.0.1 at its port and prints the URL to open in a
//! browser. `PINTEREST_API_BASE` points it at another server (such as
//! `https://api-sandbox.pinterest.com/v5`), and `PINTEREST_TOKEN_FILE` sets
//! where the tokens are saved (default `pinterest-tokens.json`; the file
//! contains the tokens in clear text).

use std::error::Error;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use pinterest_v5::auth::{
    AppCredentials, JsonFileTokenStore, OAuthClient, RefreshingTokenProvider, Scope,
};
use pinterest_v5::mock::MockServer;
use pinterest_v5::{BaseUrl, Client};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// How long to wait for the browser to come back. A person needs time to
/// log in, while the simulated browser of the mock run needs almost none.
const PERSON_TIMEOUT: Duration = Duration::from_secs(300);
const MOCK_TIMEOUT: Duration = Duration::from_secs(10);

/// Largest callback request head the listener reads.
const MAX_REQUEST_HEAD: usize = 16 * 1024;

/// The server the example talks to, and the mock when it runs against one.
struct Target {
    oauth: OAuthClient,
    base_url: BaseUrl,
    /// Port to listen on; 0 picks a free one.
    port: u16,
    /// Redirect URI as registered; `None` builds one from the listener.
    redirect_uri: Option<String>,
    token_file: PathBuf,
    mock: Option<MockServer>,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let target = target().await?;
    let listener = TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, target.port))).await?;
    let redirect_uri = match &target.redirect_uri {
        Some(uri) => uri.clone(),
        None => format!("http://{}/callback", listener.local_addr()?),
    };

    let pending = target
        .oauth
        .authorization_request(&redirect_uri, &[Scope::UserAccountsRead, Scope::BoardsRead])?;
    let timeout = if target.mock.is_some() {
        tokio::spawn(simulate_browser(pending.url().clone()));
        MOCK_TIMEOUT
    } else {
        println!(
            "Open this URL in a browser and approve access:\n\n  {}\n",
            pending.url()
        );
        PERSON_TIMEOUT
    };

    println!("Waiting for the redirect to {redirect_uri} ...");
    let callback = receive_callback(&listener, timeout).await?;
    let code = pending.verify_callback(&callback)?;
    println!("Received an authorization code; the state matches.");

    let tokens = target.oauth.exchange_code(&code).await?;
    println!(
        "Exchanged it for tokens: scopes {}, access token valid until {}, refresh token valid until {}.",
        tokens.scope(),
        tokens.expires_at(),
        tokens
            .refresh_token_expires_at()
            .map_or_else(|| "(not sent)".to_owned(), |at| at.to_string()),
    );

    let store = JsonFileTokenStore::new(&target.token_file);
    let provider = RefreshingTokenProvider::builder(target.oauth.clone(), store)
        .tokens(tokens)
        .build()
        .await?;
    println!("Saved the tokens to {}.", target.token_file.display());

    let client = Client::builder()
        .base_url(target.base_url.clone())
        .user_agent("pinterest-v5-oauth-login")
        .token_provider(provider)
        .build()?;
    let account = client.user_account_get().send().await?;
    println!(
        "\nSigned in as {} ({} boards).",
        account.username.as_deref().unwrap_or("(no username)"),
        account.board_count.unwrap_or_default(),
    );

    if target.mock.is_some() {
        std::fs::remove_file(&target.token_file)?;
    }
    Ok(())
}

/// Pinterest when the app credentials are set, the embedded mock otherwise.
async fn target() -> Result<Target, Box<dyn Error>> {
    let (Ok(client_id), Ok(client_secret)) = (
        std::env::var("PINTEREST_CLIENT_ID"),
        std::env::var("PINTEREST_CLIENT_SECRET"),
    ) else {
        println!("PINTEREST_CLIENT_ID and PINTEREST_CLIENT_SECRET are not set: using the embedded mock.\n");
        let mock = MockServer::start().await?;
        let token_file = std::env::temp_dir().join(format!(
            "pinterest-v5-oauth-login-{}.json",
            std::process::id()
        ));
        return Ok(Target {
            oauth: mock.oauth_client(),
            base_url: BaseUrl::Custom(mock.base_url()),
            port: 0,
            redirect_uri: None,
            token_file,
            mock: Some(mock),
        });
    };

    let redirect_uri = std::env::var("PINTEREST_REDIRECT_URI").map_err(|_| {
        "PINTEREST_REDIRECT_URI is not set; set it to a redirect URI registered for the app, such as http://localhost:8085/"
    })?;
    let parsed = reqwest::Url::parse(&redirect_uri)?;
    if !matches!(parsed.host_str(), Some("localhost" | "127.0.0.1")) {
        return Err(format!(
            "PINTEREST_REDIRECT_URI `{redirect_uri}` must point at localhost or 127.0.0.1, where this example listens"
        )
        .into());
    }
    let base_url = match std::env::var("PINTEREST_API_BASE") {
        Ok(url) => BaseUrl::Custom(url),
        Err(_) => BaseUrl::Production,
    };
    let oauth = OAuthClient::builder(AppCredentials::new(client_id, client_secret))
        .base_url(base_url.clone())
        .build()?;
    let token_file = std::env::var_os("PINTEREST_TOKEN_FILE")
        .map_or_else(|| PathBuf::from("pinterest-tokens.json"), PathBuf::from);

    Ok(Target {
        oauth,
        base_url,
        port: parsed.port_or_known_default().unwrap_or(80),
        redirect_uri: Some(redirect_uri),
        token_file,
        mock: None,
    })
}

/// Does what a browser does with the mock: opens the authorization URL and
/// follows its redirect to the listener.
async fn simulate_browser(authorization_url: reqwest::Url) {
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("a client with default TLS settings builds");
    let result = async {
        let approval = browser.get(authorization_url).send().await?;
        let location = approval
            .headers()
            .get(reqwest::header::LOCATION)
            .and_then(|value| value.to_str().ok())
            .ok_or("the authorization page did not redirect")?
            .to_owned();
        browser.get(location).send().await?;
        Ok::<(), Box<dyn Error + Send + Sync>>(())
    }
    .await;
    if let Err(error) = result {
        eprintln!("the simulated browser failed: {error}");
    }
}

/// Accepts one HTTP request on `listener`, responds with a short page, and
/// returns its request target (`/callback?code=…&state=…`).
async fn receive_callback(
    listener: &TcpListener,
    timeout: Duration,
) -> Result<String, Box<dyn Error>> {
    let (mut stream, _) = tokio::time::timeout(timeout, listener.accept())
        .await
        .map_err(|_| format!("no redirect arrived within {} seconds", timeout.as_secs()))??;

    let mut head = Vec::new();
    let mut buffer = [0u8; 1024];
    while !head.windows(4).any(|window| window == b"\r\n\r\n") {
        let read = tokio::time::timeout(timeout, stream.read(&mut buffer)).await??;
        if read == 0 || head.len() > MAX_REQUEST_HEAD {
            break;
        }
        head.extend_from_slice(&buffer[..read]);
    }

    let head = String::from_utf8_lossy(&head);
    let target = head
        .lines()
        .next()
        .and_then(|line| line.split_whitespace().nth(1))
        .ok_or("the redirect request has no request line")?
        .to_owned();

    let page = "Authorization received. You can close this tab.\n";
    let response = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{page}",
        page.len()
    );
    stream.write_all(response.as_bytes()).await?;
    stream.shutdown().await?;
    Ok(target)
}
