//! Code generation for the `pinterest-v5` crate.
//!
//! The pipeline has three steps, each in its own module:
//!
//! 1. [`spec`] finds Pinterest's OpenAPI document, checks it against the pin
//!    in `spec/pin.toml` and applies the correction rules in
//!    `spec/corrections.json`.
//! 2. [`passes`] rewrites the document with named normalization passes so that
//!    progenitor and typify accept it and the generated types behave well.
//! 3. [`select`] keeps the operations of the API areas ([`areas`]) that the
//!    crate's cargo features enable, and the components they reach.
//! 4. [`generate`] runs progenitor, rewrites a few generated call sites
//!    ([`postprocess`]) and formats the result.
//!
//! Both the crate's `build.rs` and `cargo xtask` call this library, so the
//! code that ships and the reports that reviewers read come from one place.

pub mod areas;
pub mod badges;
pub mod build;
pub mod calls;
pub mod generate;
pub mod inventory;
pub mod pagination;
pub mod passes;
pub mod postprocess;
pub mod regen;
pub mod report;
pub mod sample_calls;
pub mod samples;
pub mod select;
pub mod spec;

pub use areas::{Area, Selection, AREAS};
pub use build::Pipeline;
pub use generate::{generate, Generated};
pub use passes::{normalize, Normalized};
pub use spec::{load_pinned, Pin, SpecError};
