//! Every Lambda handler of the platform. Each nested stack's functions share one binary
//! (`src/bin/<stack>.rs`), which reads the function's `Handler` setting (`_HANDLER`) and runs
//! the handler registered under that name in its stack's list ([`registry`], [`run`]). The
//! module path of a handler mirrors its route:
//! `POST /offers/v1/inbox/offers/{offer_id}/accept` → `offers::inbox::offers::accept`.

pub mod auth;
pub mod collector;
pub mod events;
pub mod externalapi;
pub mod handler;
pub mod notification;
pub mod oauth;
pub mod offers;
pub mod organizations;
pub mod registry;
pub mod runtime;

pub use handler::{Entry, Handler};
pub use registry::{REGISTRY, find};
pub use runtime::run;
