//! The Notification API's request and response bodies (the seed's shapes).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::identity::oauth::ClientId;
use crate::kernel::time::{Timestamp, serde_ts};
use crate::notification::rules::{Pull, SubscriptionState};

/// `POST /notification/v1/subscriptions`.
#[derive(Debug, Deserialize)]
pub struct NewSubscription {
    pub event_type_ids: Vec<String>,
    pub client_id: String,
}

#[derive(Debug, Serialize)]
pub struct SubscriptionDetails {
    pub client_id: ClientId,
    pub event_type_ids: Vec<String>,
    pub subscribed_by: String,
    #[serde(with = "serde_ts")]
    pub subscription_date: Timestamp,
    pub notification_url: String,
    pub notification_page_size: u32,
}

#[derive(Debug, Serialize)]
pub struct SubscriptionStatus {
    /// `null` until the first pull.
    #[serde(with = "serde_ts::option")]
    pub last_request_date: Option<Timestamp>,
    pub number_of_remaining_notifications: u64,
}

/// The seed's subscription response.
#[derive(Debug, Serialize)]
pub struct SubscriptionView {
    pub id: String,
    pub subscription: SubscriptionDetails,
    pub subscription_status: SubscriptionStatus,
}

impl SubscriptionView {
    /// The subscription, naming its notifications endpoint at `notification_url`.
    pub fn new(state: &SubscriptionState, notification_url: String) -> Self {
        let sub = &state.subscription;
        Self {
            subscription: SubscriptionDetails {
                client_id: sub.client_id.clone(),
                event_type_ids: sub.event_type_ids.clone(),
                subscribed_by: sub.subscribed_by.clone(),
                subscription_date: sub.subscription_date,
                notification_url,
                notification_page_size: sub.notification_page_size,
            },
            id: sub.id.clone(),
            subscription_status: SubscriptionStatus {
                last_request_date: state.last_request_date,
                number_of_remaining_notifications: state.remaining,
            },
        }
    }
}

/// One pull: `page` numbers the pulls of the subscription from 0, `size` is `results.len()`.
#[derive(Debug, Serialize, Deserialize)]
pub struct NotificationPage {
    pub page: u64,
    pub size: usize,
    pub results: Vec<Value>,
}

impl From<Pull> for NotificationPage {
    fn from(pull: Pull) -> Self {
        Self {
            page: pull.page,
            size: pull.payloads.len(),
            results: pull.payloads,
        }
    }
}
