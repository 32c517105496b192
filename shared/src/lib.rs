//! Everything the Lambda handlers share: the domain's pure rules, request/response models,
//! the DynamoDB access layer, event payloads, token verification and the error type.
//!
//! Layering: `domain` is pure (no I/O), `db` talks to DynamoDB, `api` holds the wire models of
//! the published specs, `http` adapts Lambda HTTP events and renders errors in each API
//! family's shape, `error` is the one error type, `events` the channels, names and stored
//! record of every event (each aggregate in `domain` builds its own), `aws` the SDK clients
//! below everything that calls AWS. No module imports another in a circle
//! (tests/platform/modules.rs).

pub mod api;
pub mod app;
pub mod auth;
pub mod aws;
pub mod catalogue;
pub mod codes;
pub mod config;
pub mod db;
pub mod delivery;
pub mod domain;
pub mod error;
pub mod events;
pub mod http;
pub mod idempotency;
pub mod ids;
pub mod limits;
pub mod oauth;
pub mod paging;
pub mod presign;
pub mod publish;
pub mod rejections;
pub mod sealed;
pub mod service;
pub mod store;
pub mod time;
pub mod tls;

pub use app::App;
pub use error::{ApiError, ErrorKind};
