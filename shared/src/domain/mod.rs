//! Pure domain rules: records as stored, and state transitions as functions from the current
//! state to a decision. No I/O happens here, so every rule is unit-tested directly.

pub mod collector;
pub mod form;
pub mod listener;
pub mod message;
pub mod notification;
pub mod offer;
pub mod organization;
pub mod quota;
pub mod referral;
pub mod sequence;
pub mod subscription;
pub mod take_rate;
pub mod visit;
pub mod webhook;

pub use offer::Rejection;
