//! The pull Notification API: subscriptions by event type (`usecases`), the feed writer that
//! appends matching events to each subscription's feed, and the feed's rules and storage.

pub mod feed;
pub mod rules;
pub mod store;
pub mod usecases;
pub mod wire;
