//! Every Lambda handler of the platform. One binary (`bootstrap`) serves all functions: it
//! reads the function's `Handler` setting (`_HANDLER`) and runs the handler registered under
//! that name. The module path of a handler mirrors its route:
//! `POST /offers/v1/inbox/offers/{offer_id}/accept` → `offers::inbox::offers::accept`.

pub mod auth;
pub mod collector;
pub mod events;
pub mod externalapi;
pub mod notification;
pub mod oauth;
pub mod offers;
pub mod organizations;
pub mod registry;

pub use registry::{Handler, REGISTRY, find};
