//! The Event Collector: tenants' event subscriptions and jobs (`usecases`), their rules and
//! wire models, and the dispatch of collected events to tenants' destinations.

pub mod dispatch;
pub mod rules;
pub mod store;
pub mod usecases;
pub mod wire;
