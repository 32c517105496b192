//! Delivering to destinations the platform does not own (tenants' webhooks, queues and
//! topics), so that one tenant's slow, failing or flooded destination never delays, drops or
//! duplicates another tenant's deliveries (docs/security.md, T2).
//!
//! The stream functions only *fan out*: each delivery (one event to one subscription) becomes
//! a [`Job`] on the family's delivery queue ([`enqueue`]), which takes milliseconds whatever
//! the destinations do. A queue-triggered function makes one try per job ([`run_jobs`]), with
//! tight timeouts, concurrently across the batch, at most [`Settings::tenant_concurrency`] at a
//! time per tenant, and behind a per-subscription circuit breaker ([`Breakers`]). A failed try
//! is put back on the queue with the next attempt number and an exponential delay; the last
//! one is parked on the family's dead-letter queue. Jobs carry the tenant as their SQS
//! `MessageGroupId`, so SQS fair queues keep one tenant's backlog from delaying the others'.

pub mod queued;

pub use queued::{
    Breakers, Destination, FanOut, Job, PerTenant, Settings, enqueue, fan_out, run_jobs,
};

/// Puts one message on one of the platform's own queues (a dead-letter or failure queue):
/// where what cannot be delivered or published is parked for an operator.
pub async fn park_message(
    sqs: &aws_sdk_sqs::Client,
    queue_url: &str,
    body: String,
) -> Result<(), String> {
    if queue_url.is_empty() {
        return Err("no queue is configured to park it".into());
    }
    sqs.send_message()
        .queue_url(queue_url)
        .message_body(body)
        .send()
        .await
        .map(|_| ())
        .map_err(send_message_error)
}

/// A failed `SendMessage`, with the SDK's whole error chain (its `Display` alone says only
/// "service error").
pub(crate) fn send_message_error(e: impl std::error::Error) -> String {
    format!(
        "SQS SendMessage: {}",
        aws_sdk_sqs::error::DisplayErrorContext(e)
    )
}

/// What the dead-letter queue holds for a delivery that failed every attempt: enough to
/// redrive it by hand.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct DeadLetter {
    pub subscription_id: String,
    pub tenant: String,
    pub destination: String,
    pub attempts: u32,
    pub error: String,
    /// The message that could not be delivered.
    pub message: String,
}
