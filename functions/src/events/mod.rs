//! Stream-triggered functions.

pub mod hub_delivery;
pub mod notification_feed;
pub mod publish;
