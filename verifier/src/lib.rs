//! Verifies what the platform delivers, for the integrators on the other end.
//!
//! - [`sns`]: the messages Amazon SNS posts to an HTTP(S) subscription (the marketplace's
//!   channels): the signature over the fields AWS signs, `SignatureVersion` 1 (SHA1withRSA) and
//!   2 (SHA256withRSA), checked with the certificate at `SigningCertURL`, which must be served
//!   by SNS itself over HTTPS; and the confirmation of a subscription.
//! - [`webhooks`]: the Listener hub's callbacks, signed as Standard Webhooks
//!   (`webhook-id`, `webhook-timestamp`, `webhook-signature`).
//!
//! `examples/receiver.rs` is a receiver of both.

pub mod sns;
pub mod webhooks;
