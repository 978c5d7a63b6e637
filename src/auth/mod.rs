//! OAuth 2.0: authorization, token calls, token refresh and token storage.
//!
//! The usual flow:
//!
//! 1. [`OAuthClient::authorization_request`] builds the URL to send the user
//!    to, with a random `state`.
//! 2. Pinterest redirects the user back; [`PendingAuthorization::verify_callback`]
//!    checks the `state` and returns the code.
//! 3. [`OAuthClient::exchange_code`] trades the code for a [`TokenSet`].
//! 4. A [`RefreshingTokenProvider`] built from the tokens, the OAuth client
//!    and a [`TokenStore`] goes to [`ClientBuilder::token_provider`]; from
//!    then on the client refreshes and persists tokens by itself.
//!
//! ```no_run
//! # async fn run(callback_url: &str) -> Result<(), Box<dyn std::error::Error>> {
//! use pinterest_v5::auth::{
//!     AppCredentials, JsonFileTokenStore, OAuthClient, RefreshingTokenProvider, Scope,
//! };
//! use pinterest_v5::Client;
//!
//! let oauth = OAuthClient::builder(AppCredentials::new("1234567", "app-secret")).build()?;
//! let pending = oauth.authorization_request(
//!     "https://example.com/pinterest/callback",
//!     &[Scope::BoardsRead, Scope::PinsRead],
//! )?;
//! println!("open {}", pending.url());
//!
//! // ... later, in the handler of the redirect:
//! let code = pending.verify_callback(callback_url)?;
//! let tokens = oauth.exchange_code(&code).await?;
//!
//! let provider = RefreshingTokenProvider::builder(oauth, JsonFileTokenStore::new("tokens.json"))
//!     .tokens(tokens)
//!     .build()
//!     .await?;
//! let client = Client::builder().token_provider(provider).build()?;
//! let boards = client.boards_list().send().await?;
//! # Ok(())
//! # }
//! ```
//!
//! When Pinterest responds to a request with 401 and code 2 (authentication
//! failed), the client refreshes once and replays the request once. Errors
//! that a refresh cannot fix (a missing scope, a missing permission) are
//! returned as they are; [`AuthErrorExt::auth_error_kind`] names them.
//!
//! No `Debug` output, error message or log event of this module contains an
//! access token, refresh token, authorization code or client secret.
//!
//! [`ClientBuilder::token_provider`]: crate::ClientBuilder::token_provider

mod authorize;
mod clock;
mod error;
#[cfg(feature = "mock")]
pub(crate) mod mock_endpoints;
mod oauth_client;
mod provider;
mod scope;
mod store;
mod token;

pub use authorize::{
    AppCredentials, AuthorizationCode, PendingAuthorization, PINTEREST_AUTHORIZE_URL,
};
pub use clock::{Clock, ManualClock, SystemClock};
pub use error::{codes, AuthError, AuthErrorExt, AuthErrorKind, TokenStoreError};
pub use oauth_client::{OAuthClient, OAuthClientBuilder, TokenTypeHint};
pub use provider::{
    RefreshingTokenProvider, RefreshingTokenProviderBuilder, TokenProvider, DEFAULT_MAX_JITTER,
    DEFAULT_REFRESH_MARGIN,
};
pub use scope::Scope;
pub use store::{JsonFileTokenStore, MemoryTokenStore, TokenStore};
pub use token::TokenSet;
