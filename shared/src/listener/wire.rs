//! The hub API's response bodies.

use serde::{Deserialize, Serialize};

use crate::listener::rules::HubSubscription;

/// A hub subscription as shown: `secret` only in the response that created it (and its
/// replay to a retry with the same `Idempotency-Key`).
#[serde_with::skip_serializing_none]
#[derive(Debug, Serialize, Deserialize)]
pub struct HubView {
    pub id: String,
    pub callback: String,
    pub query: String,
    pub secret: Option<String>,
}

impl HubView {
    pub fn of(h: &HubSubscription, secret: Option<&str>) -> Self {
        Self {
            id: h.id.clone(),
            callback: h.callback.clone(),
            query: h.query.clone(),
            secret: secret.map(str::to_owned),
        }
    }
}
