//! Stream- and queue-triggered functions.

pub mod hub_delivery;
pub mod hub_send;
pub mod notification_feed;
pub mod publish;
