//! Notification API use cases: subscriptions (administrator scope), and the consume-once pull
//! of a subscription's feed (consumer scope, same client only).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::edge::codes::notification as codes;
use crate::edge::error::ApiError;
use crate::identity::oauth::{ClientId, MachineIdentity};
use crate::infra::app::App;
use crate::kernel::time::{Timestamp, now, serde_ts};
use crate::notification::rules::{Subscription, check_event_types, retention_floor};
use crate::notification::store::StoredSubscription;

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

/// One pull: `page` numbers the pulls of the subscription from 0, `size` is `results.len()`.
#[derive(Debug, Serialize, Deserialize)]
pub struct NotificationPage {
    pub page: u64,
    pub size: usize,
    pub results: Vec<Value>,
}

fn not_found() -> ApiError {
    ApiError::not_found("Subscription").with_code(codes::SUBSCRIPTION_NOT_FOUND)
}

fn retention_floor_now(app: &App) -> String {
    retention_floor(
        now().timestamp_millis(),
        app.config.notification_retention_seconds,
    )
}

async fn view(
    app: &App,
    stored: StoredSubscription,
    notifications_url: &str,
) -> Result<SubscriptionView, ApiError> {
    let sub = stored.subscription;
    let remaining = app
        .db
        .feed_count(&sub.id, &retention_floor_now(app))
        .await?;
    Ok(SubscriptionView {
        subscription: SubscriptionDetails {
            client_id: sub.client_id,
            event_type_ids: sub.event_type_ids,
            subscribed_by: sub.subscribed_by,
            subscription_date: sub.subscription_date,
            notification_url: notifications_url.to_owned(),
            notification_page_size: sub.notification_page_size,
        },
        id: sub.id,
        subscription_status: SubscriptionStatus {
            last_request_date: stored.last_request_date,
            number_of_remaining_notifications: remaining,
        },
    })
}

/// Creates a subscription in the administrator's tenant, for a client of that tenant.
/// `notifications_url` maps the new id to its notifications endpoint.
pub async fn create(
    app: &App,
    admin: &MachineIdentity,
    new: NewSubscription,
    notifications_url: impl Fn(&str) -> String,
    once: Option<crate::store::idempotency::Once>,
) -> Result<SubscriptionView, ApiError> {
    check_event_types(&new.event_type_ids)?;
    let existing = app.db.subscriptions_of(&admin.tenant).await?.len();
    crate::kernel::quota::Quota {
        what: "notification subscriptions",
        per: "tenant",
        max: app.config.max_notification_subscriptions_per_tenant,
    }
    .admits_one_more(existing)?;
    let invalid_client = |m: String| ApiError::bad_request(m).with_code(codes::INVALID_CLIENT_ID);
    let client_id: ClientId = new
        .client_id
        .parse()
        .map_err(|e: ApiError| invalid_client(e.message))?;
    // A client of another tenant would read this tenant's events: refuse it.
    match app.db.get_client(&client_id).await? {
        Some(c) if c.tenant == admin.tenant => {}
        _ => {
            return Err(invalid_client(format!(
                "{client_id} is not a client of this tenant"
            )));
        }
    }
    let sub = Subscription {
        id: uuid::Uuid::new_v4().to_string(),
        tenant: admin.tenant.clone(),
        client_id,
        event_type_ids: new.event_type_ids,
        subscribed_by: admin.client_id.to_string(),
        subscription_date: now(),
        notification_page_size: app.config.notification_page_size,
    };
    let url = notifications_url(&sub.id);
    let view = SubscriptionView {
        subscription: SubscriptionDetails {
            client_id: sub.client_id.clone(),
            event_type_ids: sub.event_type_ids.clone(),
            subscribed_by: sub.subscribed_by.clone(),
            subscription_date: sub.subscription_date,
            notification_url: url,
            notification_page_size: sub.notification_page_size,
        },
        id: sub.id.clone(),
        subscription_status: SubscriptionStatus {
            last_request_date: None,
            number_of_remaining_notifications: 0,
        },
    };
    let key = crate::store::idempotency::key_item(once, &view, now())?;
    app.db.create_subscription(&sub, key).await?;
    Ok(view)
}

/// The subscription if the consumer is its client (anything else reads as not found).
async fn owned_by_consumer(
    app: &App,
    consumer: &MachineIdentity,
    id: &str,
) -> Result<StoredSubscription, ApiError> {
    let stored = app.db.get_subscription(id).await?.ok_or_else(not_found)?;
    let sub = &stored.subscription;
    if sub.client_id != consumer.client_id || sub.tenant != consumer.tenant {
        return Err(not_found());
    }
    Ok(stored)
}

pub async fn get(
    app: &App,
    consumer: &MachineIdentity,
    id: &str,
    notifications_url: &str,
) -> Result<SubscriptionView, ApiError> {
    let stored = owned_by_consumer(app, consumer, id).await?;
    view(app, stored, notifications_url).await
}

/// Unsubscribes: any administrator of the subscription's tenant may.
pub async fn delete(app: &App, admin: &MachineIdentity, id: &str) -> Result<(), ApiError> {
    let stored = app.db.get_subscription(id).await?.ok_or_else(not_found)?;
    if stored.subscription.tenant != admin.tenant {
        return Err(not_found());
    }
    if !app.db.delete_subscription(id).await? {
        return Err(not_found());
    }
    Ok(())
}

/// How many query-and-claim rounds one pull makes at most. Each round either claims entries
/// or sees entries another pull claimed, so this bounds work under heavy contention only.
const MAX_ROUNDS: usize = 32;

/// Hands out up to the page size of the oldest unexpired notifications, each exactly once:
/// an entry is returned only by the pull whose conditional delete removed it. When another
/// pull claims entries first, this one queries again, so it does not return a short page
/// while older entries remain.
pub async fn pull(
    app: &App,
    consumer: &MachineIdentity,
    id: &str,
) -> Result<NotificationPage, ApiError> {
    let stored = owned_by_consumer(app, consumer, id).await?;
    let page_size = stored.subscription.notification_page_size.max(1) as usize;
    // Recorded first: claimed entries must never be lost to a subscription deleted meanwhile.
    let page = app
        .db
        .record_pull(id, &now())
        .await?
        .ok_or_else(not_found)?;
    let floor = retention_floor_now(app);
    let mut results = Vec::new();
    for _ in 0..MAX_ROUNDS {
        let wanted = page_size - results.len();
        let items = app.db.feed_oldest(id, &floor, wanted).await?;
        if items.is_empty() {
            break;
        }
        let claims = items.iter().map(|item| app.db.claim_feed_entry(item));
        let mut failed = None;
        for claimed in futures::future::join_all(claims).await {
            match claimed {
                Ok(Some(entry)) => match serde_json::from_str::<Value>(&entry.payload) {
                    Ok(payload) => results.push((entry.created_millis, entry.event_id, payload)),
                    Err(e) => {
                        tracing::error!(event_id = entry.event_id, error = %e, "feed entry dropped: payload is not JSON")
                    }
                },
                Ok(None) => {}
                Err(e) => failed = Some(e),
            }
        }
        if let Some(e) = failed {
            // What was claimed is already deleted: hand it out rather than lose it.
            if results.is_empty() {
                return Err(e.into());
            }
            tracing::error!(error = %e, "claim failed; returning the entries claimed so far");
            break;
        }
        if results.len() >= page_size {
            break;
        }
    }
    // A late-appended entry can sort before ones claimed in an earlier round.
    results.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
    let results: Vec<Value> = results.into_iter().map(|(_, _, p)| p).collect();
    Ok(NotificationPage {
        page,
        size: results.len(),
        results,
    })
}
