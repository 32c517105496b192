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

/// Seconds since the Unix epoch, negative before it.
fn unix_seconds(t: std::time::SystemTime) -> i64 {
    match t.duration_since(std::time::UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        Err(before) => -i64::try_from(before.duration().as_secs()).unwrap_or(i64::MAX),
    }
}
