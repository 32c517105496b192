//! Hub delivery (stream-triggered): every Listener event is POSTed, in its `Listener` envelope,
//! to each hub subscription of its tenant whose query matches, signed with Standard Webhooks
//! headers. A failed delivery is retried with exponential backoff; after the last attempt it is
//! parked on the hub dead-letter queue. One failing callback never holds up the others.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use aws_lambda_events::event::dynamodb::{Event, EventRecord as StreamRecord};
use aws_lambda_events::event::streams::{DynamoDbBatchItemFailure, DynamoDbEventResponse};
use futures::future::join_all;
use serde_json::{Value, json};

use crate::app::App;
use crate::domain::listener::{HubQuery, HubSubscription, ListenerRecord};
use crate::domain::webhook::{self, CallbackError};
use crate::oauth::TenantId;
use crate::time::{now, rfc3339};

/// How long one delivery attempt may take.
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(5);

/// Resolves callback hosts and refuses any that resolves to a forbidden address, at connect
/// time: a name that passed the check at subscription time cannot be re-pointed inwards.
struct GuardedResolver {
    allow_loopback: bool,
}

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let allow_loopback = self.allow_loopback;
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let addrs: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let ips: Vec<IpAddr> = addrs.iter().map(SocketAddr::ip).collect();
            webhook::check_resolved(&ips, allow_loopback)?;
            Ok(Box::new(addrs.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// One HTTP client per policy for the life of the execution environment, with the compiled-in
/// roots of `crate::tls`. No redirects (a 3xx could point inwards) and no proxies.
fn http_client(allow_loopback: bool) -> Result<&'static reqwest::Client, String> {
    static STRICT: OnceLock<reqwest::Client> = OnceLock::new();
    static LOOPBACK: OnceLock<reqwest::Client> = OnceLock::new();
    let cell = if allow_loopback { &LOOPBACK } else { &STRICT };
    if let Some(c) = cell.get() {
        return Ok(c);
    }
    let client = reqwest::Client::builder()
        .tls_backend_preconfigured(crate::tls::client_config())
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .timeout(ATTEMPT_TIMEOUT)
        .user_agent("platform-hub/1")
        .dns_resolver(Arc::new(GuardedResolver { allow_loopback }))
        .build()
        .map_err(|e| e.to_string())?;
    Ok(cell.get_or_init(|| client))
}

/// One POST of a signed message; `Err` says why it did not succeed (non-2xx, refused address,
/// timeout, connection error).
async fn post_once(
    client: &reqwest::Client,
    url: &reqwest::Url,
    secret: &str,
    message_id: &str,
    body: &str,
) -> Result<(), String> {
    let timestamp = now().timestamp();
    let signature = webhook::sign(secret, message_id, timestamp, body.as_bytes())
        .ok_or("the stored secret is not a whsec_ key")?;
    let response = client
        .post(url.clone())
        .header("content-type", "application/json;charset=utf-8")
        .header("webhook-id", message_id)
        .header("webhook-timestamp", timestamp.to_string())
        .header("webhook-signature", signature)
        .body(body.to_owned())
        .send()
        .await
        .map_err(|e| {
            // reqwest wraps the resolver's refusal; name it plainly.
            let mut source: Option<&dyn std::error::Error> = Some(&e);
            while let Some(s) = source {
                if let Some(refused) = s.downcast_ref::<CallbackError>() {
                    return refused.to_string();
                }
                source = s.source();
            }
            format!("request failed: {e}")
        })?;
    let status = response.status();
    if status.is_success() {
        Ok(())
    } else {
        Err(format!("callback answered {}", status.as_u16()))
    }
}

/// The outcome of delivering one message to one subscription.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    Delivered { attempts: u32 },
    Failed { attempts: u32, last_error: String },
}

/// Delivers with up to `attempts` tries, waiting `backoff`, then twice that, and so on.
pub async fn deliver(
    app: &App,
    hub: &HubSubscription,
    secret: &str,
    message_id: &str,
    body: &str,
) -> Outcome {
    let allow_loopback = app.config.allow_loopback_callbacks;
    let attempts = app.config.delivery_attempts.max(1);
    let mut last_error = String::new();
    for attempt in 1..=attempts {
        if attempt > 1 {
            let factor = 1u64 << (attempt - 2).min(16);
            tokio::time::sleep(Duration::from_millis(
                app.config.delivery_backoff_ms.saturating_mul(factor),
            ))
            .await;
        }
        // Checked again on every attempt: the policy may have changed since subscribing.
        let result = match webhook::parse_callback(&hub.callback, allow_loopback) {
            Err(e) => Err(e.to_string()),
            Ok(callback) => match http_client(allow_loopback) {
                Ok(client) => post_once(client, &callback.url, secret, message_id, body).await,
                Err(e) => Err(e),
            },
        };
        match result {
            Ok(()) => return Outcome::Delivered { attempts: attempt },
            Err(e) => {
                tracing::warn!(subscription = %hub.id, attempt, error = %e, "hub delivery failed");
                last_error = e;
            }
        }
    }
    Outcome::Failed {
        attempts,
        last_error,
    }
}

/// Parks a delivery that failed every attempt: the envelope, the subscription and the error.
async fn park(
    app: &App,
    hub: &HubSubscription,
    event: &ListenerRecord,
    attempts: u32,
    last_error: &str,
) -> Result<(), String> {
    if app.config.hub_dlq_url.is_empty() {
        return Err("HUB_DLQ_URL is not set".into());
    }
    let envelope: Value = serde_json::from_str(&event.payload).map_err(|e| e.to_string())?;
    let body = json!({
        "subscription_id": hub.id,
        "tenant": hub.tenant,
        "callback": hub.callback,
        "webhook_id": event.message_id,
        "event_id": event.event_id,
        "event_type": event.event_type,
        "attempts": attempts,
        "last_error": last_error,
        "failed_at": rfc3339(&now()),
        "envelope": envelope,
    });
    app.aws
        .sqs()
        .await
        .send_message()
        .queue_url(&app.config.hub_dlq_url)
        .message_body(body.to_string())
        .send()
        .await
        .map_err(|e| format!("SQS SendMessage: {e:?}"))?;
    Ok(())
}

fn listener_event(record: &StreamRecord) -> Result<Option<ListenerRecord>, String> {
    if record.event_name != "INSERT" {
        return Ok(None);
    }
    let image = &record.change.new_image;
    match image.get(crate::db::KIND) {
        Some(serde_dynamo::AttributeValue::S(k)) if k == "listener_event" => {}
        _ => return Ok(None),
    }
    serde_dynamo::from_item(image.clone())
        .map(Some)
        .map_err(|e| e.to_string())
}

/// Delivers one event to every matching subscription of its tenant, concurrently. `Err` only
/// when something could not be delivered *and* could not be parked, so the record must run
/// again (a subscriber may then see a duplicate `webhook-id`, which Standard Webhooks
/// receivers drop).
async fn deliver_event(
    app: &App,
    event: &ListenerRecord,
    hubs: &[HubSubscription],
) -> Result<(), String> {
    let body: Value = serde_json::from_str(&event.payload).map_err(|e| e.to_string())?;
    let matching: Vec<&HubSubscription> = hubs
        .iter()
        .filter(|h| {
            HubQuery::parse(&h.query)
                .map(|q| q.matches(&event.event_type, &body["event"]))
                .unwrap_or(false)
        })
        .collect();
    let results = join_all(matching.into_iter().map(|hub| async move {
        let secret = crate::service::listener::hub_secret(app, hub)
            .await
            .map_err(|e| format!("subscription {}: {e}", hub.id))?;
        match deliver(app, hub, &secret, &event.message_id, &event.payload).await {
            Outcome::Delivered { .. } => Ok(()),
            Outcome::Failed {
                attempts,
                last_error,
            } => park(app, hub, event, attempts, &last_error).await,
        }
    }))
    .await;
    let errors: Vec<String> = results.into_iter().filter_map(Result::err).collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors.join("; "))
    }
}

/// The stream handler's logic. A record that could not be fully handled is reported in
/// `batchItemFailures` (Lambda retries from it).
pub async fn deliver_stream_batch(app: &App, batch: &Event) -> DynamoDbEventResponse {
    let mut hubs: HashMap<TenantId, Vec<HubSubscription>> = HashMap::new();
    let mut response = DynamoDbEventResponse::default();
    for record in &batch.records {
        let result = async {
            let Some(event) = listener_event(record)? else {
                return Ok(());
            };
            if !hubs.contains_key(&event.tenant) {
                let list = app
                    .db
                    .hubs_of(&event.tenant)
                    .await
                    .map_err(|e| e.to_string())?;
                hubs.insert(event.tenant.clone(), list);
            }
            deliver_event(app, &event, &hubs[&event.tenant]).await
        }
        .await;
        if let Err(e) = result {
            tracing::error!(event_id = %record.event_id, error = %e, "hub delivery incomplete");
            let mut failure = DynamoDbBatchItemFailure::default();
            failure.item_identifier = record.change.sequence_number.clone();
            response.batch_item_failures.push(failure);
            break;
        }
    }
    response
}
