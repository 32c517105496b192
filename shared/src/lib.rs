//! Everything the Lambda handlers share: the domain's pure rules, request/response models,
//! the DynamoDB access layer, event payloads, token verification and the error type.
//!
//! Layering: `domain` is pure (no I/O), `db` talks to DynamoDB, `api` holds the wire models of
//! the published specs, `http` adapts Lambda HTTP events, `error` is the one error type that
//! every family renders in its own shape.

pub mod api;
pub mod app;
pub mod auth;
pub mod catalogue;
pub mod codes;
pub mod config;
pub mod db;
pub mod delivery;
pub mod domain;
pub mod error;
pub mod events;
pub mod http;
pub mod ids;
pub mod limits;
pub mod oauth;
pub mod paging;
pub mod presign;
pub mod publish;
pub mod sealed;
pub mod service;
pub mod time;
pub mod tls;

pub use app::App;
pub use error::{ApiError, ErrorKind};
