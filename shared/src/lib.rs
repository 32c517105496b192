//! Everything the Lambda handlers share, organized by bounded context, then by layer.
//!
//! Contexts: `marketplace` (offers, referrals, visits, messages, sequences, forms and
//! organizations: the AlayaMarket APIs), `collector` (the Event Collector), `notification`
//! (the pull Notification API), `listener` (the Listener API and its hub), `identity` (Cognito
//! tokens, machine clients, sign-ups). Each holds its pure rules (no I/O, typed rejections),
//! its wire models (`wire`), its DynamoDB access (`store`, methods of [`store::db::Db`]) and
//! its use cases.
//!
//! Below the contexts: `events` (the channels, payloads and stored record of every event, and
//! the stream publisher), `store` (the table port, its DynamoDB and in-memory tables, `Db`),
//! `edge` (the one error type, HTTP adaptation, rejections to statuses, idempotency keys),
//! `infra` (configuration, AWS clients, TLS, KMS sealing, pre-signing, delivery to tenants'
//! destinations) and `kernel` (ids, time, paging, sizes, quotas). No module imports another in
//! a circle, and the pure rules do not know the edge (tests/structure/modules.rs).

pub mod collector;
pub mod edge;
pub mod events;
pub mod identity;
pub mod infra;
pub mod kernel;
pub mod listener;
pub mod marketplace;
pub mod notification;
pub mod store;

pub use edge::error::{ApiError, ErrorKind};
pub use infra::app::App;
