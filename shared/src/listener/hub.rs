//! Hub delivery: every Listener event is POSTed, in its `Listener` envelope, to each hub
//! subscription of its tenant whose query matches, signed with Standard Webhooks headers.
//!
//! The stream function (`events.hub_delivery`) only fans out: one job per matching
//! subscription on the hub delivery queue ([`fan_out_stream_batch`]). The queue function
//! (`events.hub_send`) makes one try per job ([`send_queue_batch`], `crate::infra::delivery`): a
//! callback that hangs costs its own jobs a timeout, never another tenant's delivery. After
//! the last try a job is parked on the hub dead-letter queue.

use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use aws_lambda_events::event::dynamodb::{Event, EventRecord as StreamRecord};
use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use aws_lambda_events::event::streams::DynamoDbEventResponse;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::infra::app::App;
use crate::infra::delivery::{self, Destination, FanOut, Job, PerTenant};
use crate::kernel::time::{now, rfc3339};
use crate::listener::rules::{HubQuery, HubSubscription, ListenerRecord};
use crate::listener::webhook::{self, CallbackError};

/// The longest a connection to a callback may take to open: a host that does not answer
/// fails fast instead of using up the try's whole time.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);

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
/// roots of `crate::infra::tls`. No redirects (a 3xx could point inwards) and no proxies. A try may
/// take `timeout` in all (`DELIVERY_TIMEOUT_MS`), of which at most 2 s to connect.
fn http_client(
    allow_loopback: bool,
    timeout: Duration,
) -> Result<&'static reqwest::Client, String> {
    static STRICT: OnceLock<reqwest::Client> = OnceLock::new();
    static LOOPBACK: OnceLock<reqwest::Client> = OnceLock::new();
    let cell = if allow_loopback { &LOOPBACK } else { &STRICT };
    if let Some(c) = cell.get() {
        return Ok(c);
    }
    let client = reqwest::Client::builder()
        .tls_backend_preconfigured(crate::infra::tls::client_config())
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .connect_timeout(CONNECT_TIMEOUT.min(timeout))
        .timeout(timeout)
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

/// What a hub job sends: the event's envelope under its Standard Webhooks message id.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HubWork {
    pub message_id: String,
    pub event_id: String,
    pub event_type: String,
    /// The `Listener` envelope, as sent.
    pub payload: String,
}

/// Hub callbacks as a [`Destination`]: a try reads the subscription as it is now (deleted:
/// the job is dropped; re-pointed: the new callback is used) and POSTs once.
pub struct HubCallbacks<'a> {
    pub app: &'a App,
}

impl HubCallbacks<'_> {
    async fn subscription(&self, job: &Job<HubWork>) -> Result<Option<HubSubscription>, String> {
        let hub = self
            .app
            .db
            .get_hub(&job.subscription_id)
            .await
            .map_err(|e| e.to_string())?;
        Ok(hub.filter(|h| h.tenant.as_str() == job.tenant))
    }
}

impl Destination for HubCallbacks<'_> {
    type Work = HubWork;

    async fn attempt(&self, job: &Job<HubWork>) -> Result<(), String> {
        let Some(hub) = self.subscription(job).await? else {
            tracing::info!(subscription = %job.subscription_id, "hub subscription deleted; delivery dropped");
            return Ok(());
        };
        let app = self.app;
        let allow_loopback = app.config.allow_loopback_callbacks;
        // Checked again on every try: the policy may have changed since subscribing.
        let callback =
            webhook::parse_callback(&hub.callback, allow_loopback).map_err(|e| e.to_string())?;
        let secret = crate::listener::usecases::hub_secret(app, &hub)
            .await
            .map_err(|e| format!("subscription {}: {}", hub.id, e.message))?;
        let client = http_client(
            allow_loopback,
            Duration::from_millis(app.config.delivery_timeout_ms),
        )?;
        let w = &job.work;
        post_once(client, &callback.url, &secret, &w.message_id, &w.payload).await
    }

    /// The envelope, the subscription, the webhook-id and the last error: enough to inspect
    /// the failure and replay it.
    async fn park(&self, job: &Job<HubWork>, error: &str) -> Result<(), String> {
        let app = self.app;
        let callback = self
            .subscription(job)
            .await
            .ok()
            .flatten()
            .map(|h| h.callback);
        let envelope: Value = serde_json::from_str(&job.work.payload).map_err(|e| e.to_string())?;
        let body = json!({
            "subscription_id": job.subscription_id,
            "tenant": job.tenant,
            "callback": callback,
            "webhook_id": job.work.message_id,
            "event_id": job.work.event_id,
            "event_type": job.work.event_type,
            "attempts": job.attempt,
            "last_error": error,
            "failed_at": rfc3339(&now()),
            "envelope": envelope,
        });
        delivery::park_message(
            app.aws.sqs().await,
            &app.config.hub_dlq_url,
            body.to_string(),
        )
        .await
    }
}

fn listener_event(record: &StreamRecord) -> Result<Option<ListenerRecord>, String> {
    if record.event_name != "INSERT" {
        return Ok(None);
    }
    let image = &record.change.new_image;
    match image.get(crate::store::db::KIND) {
        Some(serde_dynamo::AttributeValue::S(k)) if k == "listener_event" => {}
        _ => return Ok(None),
    }
    serde_dynamo::from_item(image.clone())
        .map(Some)
        .map_err(|e| e.to_string())
}

/// The jobs of one event: one per subscription of its tenant whose query matches.
fn jobs_of(event: &ListenerRecord, hubs: &[HubSubscription]) -> Result<Vec<Job<HubWork>>, String> {
    let body: Value = serde_json::from_str(&event.payload).map_err(|e| e.to_string())?;
    Ok(hubs
        .iter()
        .filter(|h| {
            HubQuery::parse(&h.query)
                .map(|q| q.matches(&event.event_type, &body["event"]))
                .unwrap_or(false)
        })
        .map(|h| Job {
            tenant: event.tenant.to_string(),
            subscription_id: h.id.clone(),
            attempt: 1,
            work: HubWork {
                message_id: event.message_id.clone(),
                event_id: event.event_id.clone(),
                event_type: event.event_type.clone(),
                payload: event.payload.clone(),
            },
        })
        .collect())
}

/// The hub's side of the fan-out: each Listener event, one job per matching subscription of
/// its tenant (read once per tenant per batch).
struct HubFanOut<'a> {
    app: &'a App,
    hubs: PerTenant<HubSubscription>,
}

impl FanOut for HubFanOut<'_> {
    type Work = HubWork;

    async fn jobs_of(&mut self, record: &StreamRecord) -> Result<Vec<Job<HubWork>>, String> {
        let Some(event) = listener_event(record)? else {
            return Ok(Vec::new());
        };
        let hubs = self
            .hubs
            .get(&event.tenant, self.app.db.hubs_of(&event.tenant))
            .await?;
        jobs_of(&event, hubs)
    }
}

/// The stream function: each Listener event becomes one job per matching subscription on the
/// delivery queue; nothing here waits on a callback.
pub async fn fan_out_stream_batch(app: &App, batch: &Event) -> DynamoDbEventResponse {
    let mut family = HubFanOut {
        app,
        hubs: PerTenant::default(),
    };
    app.enqueue_deliveries(batch, &mut family).await
}

/// The queue function: one try per job.
pub async fn send_queue_batch(app: &App, event: SqsEvent) -> SqsBatchResponse {
    app.deliver(&HubCallbacks { app }, event).await
}
