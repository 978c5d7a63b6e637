//! Typed client for the Pinterest REST API v5.
//!
//! Every operation of Pinterest's OpenAPI document (release 5.23.0) is a
//! method on [`Client`] that returns a builder: set the parameters, then call
//! `send()`.
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use pinterest_v5::Client;
//!
//! let client = Client::builder()
//!     .access_token(std::env::var("PINTEREST_ACCESS_TOKEN")?)
//!     .build()?;
//!
//! let account = client.user_account_get().send().await?;
//! println!("signed in as {:?}", account.username);
//!
//! let boards = client.boards_list().page_size(25).send().await?;
//! for board in &boards.items {
//!     println!("{} {}", board.id.as_str(), board.name);
//! }
//! # Ok(())
//! # }
//! ```
//!
//! Request and response types live in [`types`]; the builders that
//! operations return live in [`builder`].
//!
//! # Where to read next
//!
//! - [`error`]: the one [`Error`] type every call returns, and
//!   [`ErrorKind`], which classifies it by HTTP status and Pinterest code.
//! - [`retry`]: which failures are retried, the backoff, and per-call
//!   [`CallOptions`].
//! - [`ratelimit`]: the client-side limiter per token and rate-limit
//!   category, and the rate-limit headers.
//! - [`auth`]: OAuth 2.0, token refresh and token storage.
//! - [`pagination`]: streams over the 56 bookmark-paginated lists.
//!
//! # Cargo features
//!
//! | feature | default | what it adds |
//! |---|---|---|
//! | `mock` | no | [`mock::MockServer`], an in-process Pinterest mock for tests and examples |
//!
//! # Forward compatibility
//!
//! String enums carry an `Unrecognized(String)` variant, so a value that
//! Pinterest adds after this release decodes instead of failing the whole
//! response, and serializes back unchanged. Generated structs ignore fields
//! they do not know.

#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

// Generated code names crate-owned types by absolute path (`::pinterest_v5::types::…`),
// which needs the crate to see itself under its own name.
extern crate self as pinterest_v5;

pub mod auth;
mod call;
pub mod client;
pub mod error;
#[cfg(feature = "mock")]
#[cfg_attr(docsrs, doc(cfg(feature = "mock")))]
pub mod mock;
pub mod pagination;
pub mod query;
pub mod ratelimit;
pub mod retry;

#[allow(missing_docs, clippy::all, rustdoc::all, unused_imports, dead_code)]
// The generated module documents what the OpenAPI document documents; some
// fields and builder internals have no description there.
mod generated {
    include!(concat!(env!("OUT_DIR"), "/codegen.rs"));
}

pub use client::{BaseUrl, ClientBuilder, ConfigError};
pub use error::{Error, ErrorKind};
pub use generated::{builder, types, ByteStream, Client, ResponseValue};
pub use retry::{CallOptions, RetryPolicy};

/// The upstream release of Pinterest's OpenAPI document this crate was
/// generated from.
pub const SPEC_VERSION: &str = env!("PINTEREST_SPEC_VERSION");
