//! Notification API use cases: subscriptions (administrator scope), and the consume-once pull
//! of a subscription's feed (consumer scope, same client only).

use serde_json::Value;

use crate::edge::codes::notification as codes;
use crate::edge::error::ApiError;
use crate::identity::oauth::{ClientId, MachineIdentity};
use crate::infra::app::App;
use crate::kernel::time::now;
use crate::notification::rules::{
    Pull, Subscription, SubscriptionState, check_event_types, retention_floor,
};
use crate::notification::store::StoredSubscription;
use crate::notification::wire::NewSubscription;

fn not_found() -> ApiError {
    ApiError::not_found("Subscription").with_code(codes::SUBSCRIPTION_NOT_FOUND)
}

fn retention_floor_now(app: &App) -> String {
    retention_floor(
        now().timestamp_millis(),
        app.config.notification_retention_seconds,
    )
}

/// Creates a subscription in the administrator's tenant, for a client of that tenant. The
/// answer is what `respond` makes of it (stored under `once`'s key too).
pub async fn create<R: serde::Serialize>(
    app: &App,
    admin: &MachineIdentity,
    new: NewSubscription,
    once: Option<crate::store::idempotency::Once>,
    respond: impl FnOnce(&SubscriptionState) -> R,
) -> Result<R, ApiError> {
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
    let created = SubscriptionState {
        subscription: sub,
        last_request_date: None,
        remaining: 0,
    };
    let response = respond(&created);
    let key = crate::store::idempotency::key_item(once, &response, now())?;
    app.db
        .create_subscription(&created.subscription, key)
        .await?;
    Ok(response)
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

/// The consumer's subscription, with what is left in its feed.
pub async fn get(
    app: &App,
    consumer: &MachineIdentity,
    id: &str,
) -> Result<SubscriptionState, ApiError> {
    let stored = owned_by_consumer(app, consumer, id).await?;
    let remaining = app.db.feed_count(id, &retention_floor_now(app)).await?;
    Ok(SubscriptionState {
        subscription: stored.subscription,
        last_request_date: stored.last_request_date,
        remaining,
    })
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
pub async fn pull(app: &App, consumer: &MachineIdentity, id: &str) -> Result<Pull, ApiError> {
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
    let payloads = results.into_iter().map(|(_, _, p)| p).collect();
    Ok(Pull { page, payloads })
}
