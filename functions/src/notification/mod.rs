//! Notification API (`/notification/v1`): subscriptions and their consume-once feeds.

pub mod subscriptions;
