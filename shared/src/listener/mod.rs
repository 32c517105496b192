//! The Listener API: tenants' listener events (`usecases`), hub subscriptions and their
//! signed webhook delivery (`hub`, `webhook`), with their rules and storage.

pub mod hub;
pub mod rules;
pub mod store;
pub mod usecases;
pub mod webhook;
pub mod wire;
