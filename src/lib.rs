//! Typed client for the Pinterest REST API v5.
//!
//! Every operation of Pinterest's OpenAPI document (release 5.23.0) in the
//! enabled [API areas](#cargo-features) is a method on [`Client`] that
//! returns a builder: set the parameters, then call `send()`. The default
//! features generate the organic content area, which the example below uses.
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
//! Each API area is a feature that generates the operations of a group of
//! the document's tags, and the types they use. A type keeps its name in
//! every feature combination. Analytics and report operations belong to
//! the area of what they measure: Pin and account analytics to `content`,
//! campaign and ad account analytics to `ads`.
//!
//! | feature | default | what it adds |
//! |---|---|---|
//! | `content` | **yes** | organic content: the user account and its analytics, boards, Pins, media uploads, search |
//! | `ads` | no | ad accounts, campaigns, ad groups, ads and their analytics and reports, keywords, targeting, bulk requests |
//! | `billing` | no | billing profiles, invoices, ads credits, insertion orders and order lines |
//! | `audiences` | no | audiences, audience sharing and insights, customer lists |
//! | `conversions` | no | conversion events and tags |
//! | `leads` | no | lead forms, lead ads subscriptions and lead exports |
//! | `catalogs` | no | catalogs, feeds, items, product groups and catalog reports |
//! | `business-access` | no | business assets, members, partners and invites |
//! | `trends` | no | trending topics and product categories |
//! | `integrations` | no | commerce integrations, integration logs and partner notifications |
//! | `oauth` | no | the generated token operations; [`auth::OAuthClient`] covers the OAuth flows without this feature |
//! | `full` | no | every API area above |
//! | `mock` | no | `mock::MockServer`, an in-process Pinterest mock for tests and examples; it serves the operations of the enabled areas |
//!
//! [`auth`], [`pagination`] and the client itself are there with every
//! feature set.
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

#[allow(missing_docs, clippy::all, unused_imports, dead_code)]
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
