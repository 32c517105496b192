//! The feed writer (stream-triggered): every platform event whose type a Notification
//! subscription of the event's tenant names is appended to that subscription's feed.
//!
//! Tenancy: an AlayaMarket event (kind `event`) belongs to each organization among its
//! recipients, i.e. to the tenant named by the organization id; a Listener event (kind
//! `listener_event`) to the tenant of the client that posted it.

use std::collections::HashMap;

use aws_lambda_events::event::dynamodb::{Event, EventRecord as StreamRecord};
use aws_lambda_events::event::streams::{DynamoDbBatchItemFailure, DynamoDbEventResponse};

use crate::events::EventRecord;
use crate::identity::oauth::TenantId;
use crate::infra::app::App;
use crate::listener::rules::ListenerRecord;
use crate::notification::rules::Subscription;
use crate::notification::store::FeedEntry;
use crate::store::db::DbError;

/// What a stream record contributes to feeds: for each tenant, one notification.
#[derive(Debug, PartialEq)]
pub struct FeedEvent {
    pub tenants: Vec<TenantId>,
    pub event_type: String,
    pub event_id: String,
    pub created_millis: i64,
    pub payload: String,
}

/// Reads a stream record as a feed event; `Ok(None)` for records that are not events.
pub fn feed_event(record: &StreamRecord) -> Result<Option<FeedEvent>, DbError> {
    if record.event_name != "INSERT" {
        return Ok(None);
    }
    let image = &record.change.new_image;
    let kind = match image.get(crate::store::db::KIND) {
        Some(serde_dynamo::AttributeValue::S(k)) => k.as_str(),
        _ => return Ok(None),
    };
    let codec = |e: serde_dynamo::Error| DbError::Codec(e.to_string());
    match kind {
        "event" => {
            let e: EventRecord = serde_dynamo::from_item(image.clone()).map_err(codec)?;
            Ok(Some(FeedEvent {
                // Organization ids are valid tenant names (a UUID is letters, digits, '-').
                tenants: e
                    .recipients
                    .iter()
                    .filter_map(|org| org.to_string().parse().ok())
                    .collect(),
                event_type: e.event_name.as_str().to_owned(),
                event_id: e.event_id.to_string(),
                created_millis: e.created_at.timestamp_millis(),
                payload: e.payload,
            }))
        }
        "listener_event" => {
            let l: ListenerRecord = serde_dynamo::from_item(image.clone()).map_err(codec)?;
            Ok(Some(FeedEvent {
                tenants: vec![l.tenant],
                event_type: l.event_type,
                event_id: l.event_id,
                created_millis: l.received_at.timestamp_millis(),
                payload: l.payload,
            }))
        }
        crate::collector::store::TENANT_EVENT => {
            let t: crate::collector::store::TenantEventRecord =
                serde_dynamo::from_item(image.clone()).map_err(codec)?;
            Ok(Some(FeedEvent {
                tenants: vec![t.tenant],
                event_type: t.event_type,
                event_id: t.id,
                created_millis: t.created_at.timestamp_millis(),
                payload: t.body,
            }))
        }
        _ => Ok(None),
    }
}

/// The largest payload a feed item carries: the item (payload, ids, keys) stays inside
/// DynamoDB's 400 KB. Request size limits keep real events far below it; a larger one is
/// parked rather than retried forever.
pub const MAX_FEED_PAYLOAD_BYTES: usize = 350_000;

/// Appends every event of the batch to the feeds that want it. Every record is tried, so one
/// that fails (or one tenant's broken subscription) does not hold up the rest; the failed ones
/// are reported in `batchItemFailures`. Appends are idempotent, so Lambda's retry from the
/// first failure adds nothing twice.
pub async fn feed_stream_batch(app: &App, batch: &Event) -> DynamoDbEventResponse {
    let mut subscriptions: HashMap<TenantId, Vec<Subscription>> = HashMap::new();
    let mut response = DynamoDbEventResponse::default();
    for record in &batch.records {
        if let Err(e) = feed_record(app, record, &mut subscriptions).await {
            tracing::error!(event_id = %record.event_id, error = %e, "feed append failed");
            let mut failure = DynamoDbBatchItemFailure::default();
            failure.item_identifier = record.change.sequence_number.clone();
            response.batch_item_failures.push(failure);
        }
    }
    response
}

/// Describes on the stream failure queue an event too large for a feed item (not the
/// payload, which stays in its event item while that lives).
async fn park_oversized(app: &App, event: &FeedEvent) -> Result<(), DbError> {
    let body = serde_json::json!({
        "reason": "feed_item_too_large",
        "detail": format!("{} bytes of payload; a feed item carries at most {MAX_FEED_PAYLOAD_BYTES}", event.payload.len()),
        "event_id": event.event_id,
        "event_type": event.event_type,
        "tenants": event.tenants,
    });
    let queue = &app.config.stream_failure_queue_url;
    crate::infra::delivery::park_message(app.aws.sqs().await, queue, body.to_string())
        .await
        .map_err(|e| DbError::Codec(format!("parking oversized event {}: {e}", event.event_id)))
}

async fn feed_record(
    app: &App,
    record: &StreamRecord,
    cache: &mut HashMap<TenantId, Vec<Subscription>>,
) -> Result<(), DbError> {
    let Some(event) = feed_event(record)? else {
        return Ok(());
    };
    if event.payload.len() > MAX_FEED_PAYLOAD_BYTES {
        tracing::error!(event_id = %event.event_id, bytes = event.payload.len(), "event too large for a feed item: parked");
        return park_oversized(app, &event).await;
    }
    let ttl = event.created_millis / 1000 + app.config.notification_retention_seconds;
    for tenant in &event.tenants {
        if !cache.contains_key(tenant) {
            let subs = app.db.subscriptions_of(tenant).await?;
            cache.insert(tenant.clone(), subs);
        }
        for sub in &cache[tenant] {
            if !sub.event_type_ids.contains(&event.event_type) {
                continue;
            }
            let entry = FeedEntry {
                subscription_id: sub.id.clone(),
                event_id: event.event_id.clone(),
                event_type: event.event_type.clone(),
                created_millis: event.created_millis,
                payload: event.payload.clone(),
            };
            app.db.append_feed(&entry, ttl).await?;
        }
    }
    Ok(())
}
