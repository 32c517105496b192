//! Event Collector dispatch: tenant events to the subscribed SQS queues and SNS topics, with
//! the subscribers' own credentials.
//!
//! The stream function (`collector.dispatch`) only fans out: one job per matching subscription
//! on the collector delivery queue ([`fan_out_stream_batch`]). The queue function
//! (`collector.deliver`) makes one try per job ([`send_queue_batch`], `crate::infra::delivery`), so a
//! destination that is slow, refuses the credentials or no longer exists costs only its own
//! jobs. After the last try a job is parked on the delivery dead-letter queue.

use std::collections::HashMap;
use std::time::Duration;

use aws_lambda_events::event::dynamodb::{Event as StreamEvent, EventRecord as StreamRecord};
use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use aws_lambda_events::event::streams::DynamoDbEventResponse;
use serde::{Deserialize, Serialize};

use crate::collector::store::{SubscriptionRecord, TENANT_EVENT, Target, TenantEventRecord};
use crate::collector::usecases::{Credentials, decrypt};
use crate::collector::wire::{Delivery, Event};
use crate::identity::oauth::TenantId;
use crate::infra::app::App;
use crate::infra::delivery::{self, DeadLetter, Destination, FanOut, Job, PerTenant};
use crate::store::db::KIND;

/// What a collector job sends: the delivery message and the attributes subscribers filter on.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CollectorWork {
    /// The [`Delivery`], as sent.
    pub message: String,
    pub entity_type: String,
    pub interaction_type: String,
}

/// Message attributes in the SDK's own value type (SQS and SNS each have one).
fn attribute_map<T>(
    pairs: &[(&str, &str)],
    value: impl Fn(&str) -> Result<T, String>,
) -> Result<HashMap<String, T>, String> {
    pairs
        .iter()
        .map(|(name, v)| Ok(((*name).to_owned(), value(v)?)))
        .collect()
}

async fn send(
    app: &App,
    target: &Target,
    creds: &Credentials,
    tenant: &str,
    work: &CollectorWork,
) -> Result<(), String> {
    use aws_sdk_sqs::config::{Credentials as SqsCredentials, Region};
    let sdk = app.aws.sdk().await;
    // The subscriber's own credentials, its queue's region; the queue's retries, not the SDK's.
    let credentials = SqsCredentials::new(
        &creds.access_key,
        &creds.access_secret,
        None,
        None,
        "event-subscription",
    );
    let timeouts = aws_config::timeout::TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(2))
        .operation_timeout(Duration::from_millis(app.config.delivery_timeout_ms))
        .build();
    let body = work.message.as_str();
    // The same attributes on SQS messages and SNS notifications, for subscribers' filters.
    let attributes = [
        ("tenantId", tenant),
        ("entityType", work.entity_type.as_str()),
        ("interactionType", work.interaction_type.as_str()),
    ];
    match target {
        Target::Sqs { queue_url, region } => {
            let conf = aws_sdk_sqs::config::Builder::from(sdk)
                .region(Region::new(region.clone()))
                .credentials_provider(credentials)
                .retry_config(aws_config::retry::RetryConfig::disabled())
                .timeout_config(timeouts)
                .build();
            let attributes = attribute_map(&attributes, |v| {
                aws_sdk_sqs::types::MessageAttributeValue::builder()
                    .data_type("String")
                    .string_value(v)
                    .build()
                    .map_err(|e| e.to_string())
            })?;
            aws_sdk_sqs::Client::from_conf(conf)
                .send_message()
                .queue_url(queue_url)
                .message_body(body)
                .set_message_attributes(Some(attributes))
                .send()
                .await
                .map(|_| ())
                .map_err(crate::infra::delivery::send_message_error)
        }
        Target::Sns { topic_arn, region } => {
            let conf = aws_sdk_sns::config::Builder::from(sdk)
                .region(aws_sdk_sns::config::Region::new(region.clone()))
                .credentials_provider(credentials)
                .retry_config(aws_config::retry::RetryConfig::disabled())
                .timeout_config(timeouts)
                .build();
            let attributes = attribute_map(&attributes, |v| {
                aws_sdk_sns::types::MessageAttributeValue::builder()
                    .data_type("String")
                    .string_value(v)
                    .build()
                    .map_err(|e| e.to_string())
            })?;
            aws_sdk_sns::Client::from_conf(conf)
                .publish()
                .topic_arn(topic_arn)
                .message(body)
                .set_message_attributes(Some(attributes))
                .send()
                .await
                .map(|_| ())
                .map_err(|e| {
                    format!(
                        "SNS Publish: {}",
                        aws_sdk_sns::error::DisplayErrorContext(e)
                    )
                })
        }
    }
}

fn target_name(t: &Target) -> String {
    match t {
        Target::Sqs { queue_url, .. } => queue_url.clone(),
        Target::Sns { topic_arn, .. } => topic_arn.clone(),
    }
}

/// Subscribers' queues and topics as a [`Destination`]: a try reads the subscription as it is
/// now (deleted or deactivated: the job is dropped; new credentials: they are used).
pub struct CollectorDestinations<'a> {
    pub app: &'a App,
}

impl CollectorDestinations<'_> {
    async fn subscription(
        &self,
        job: &Job<CollectorWork>,
    ) -> Result<Option<SubscriptionRecord>, String> {
        let tenant: TenantId = job
            .tenant
            .parse()
            .map_err(|_| "a job without a valid tenant")?;
        self.app
            .db
            .get_event_subscription(&tenant, &job.subscription_id)
            .await
            .map_err(|e| e.to_string())
    }
}

impl Destination for CollectorDestinations<'_> {
    type Work = CollectorWork;

    async fn attempt(&self, job: &Job<CollectorWork>) -> Result<(), String> {
        let Some(sub) = self.subscription(job).await?.filter(|s| s.active) else {
            tracing::info!(subscription = %job.subscription_id, "event subscription gone or inactive; delivery dropped");
            return Ok(());
        };
        let creds = decrypt(self.app, &sub).await?;
        send(self.app, &sub.target, &creds, &job.tenant, &job.work).await
    }

    /// The message and the last error, enough to redrive it by hand.
    async fn park(&self, job: &Job<CollectorWork>, error: &str) -> Result<(), String> {
        let destination = self
            .subscription(job)
            .await
            .ok()
            .flatten()
            .map(|s| target_name(&s.target))
            .unwrap_or_default();
        let letter = DeadLetter {
            subscription_id: job.subscription_id.clone(),
            tenant: job.tenant.clone(),
            destination,
            attempts: job.attempt,
            error: error.to_owned(),
            message: job.work.message.clone(),
        };
        let body = serde_json::to_string(&letter).map_err(|e| e.to_string())?;
        let app = self.app;
        delivery::park_message(app.aws.sqs().await, &app.config.delivery_dlq_url, body)
            .await
            .map_err(|e| format!("dead-letter queue: {e}"))
    }
}

/// The jobs of one stored event: one per subscription of its tenant that wants it.
fn jobs_of(
    record: &TenantEventRecord,
    subscriptions: &[SubscriptionRecord],
) -> Result<Vec<Job<CollectorWork>>, String> {
    let (Some(entity), Some(operation)) = (record.entity_type, record.operation) else {
        return Ok(Vec::new());
    };
    let Some(interaction) = operation.interaction() else {
        return Ok(Vec::new());
    };
    let event: Event = serde_json::from_str(&record.body).map_err(|e| e.to_string())?;
    let decoded = event.validate().map_err(|e| e.message)?;
    subscriptions
        .iter()
        .filter(|s| s.interest().wants(entity, interaction))
        .map(|s| {
            let delivery = Delivery {
                id: record.id.clone(),
                tenant_id: record.tenant.to_string(),
                subscription_id: s.id.clone(),
                entity_type: entity,
                interaction_type: interaction,
                operation,
                entity_id: event.entity_id.clone().or_else(|| {
                    event
                        .event_payload
                        .as_ref()
                        .and_then(|p| p.entity_id.clone())
                }),
                created_at: record.created_at,
                event: event.clone(),
                payload: decoded.payload.clone(),
                fault: decoded.fault.clone(),
            };
            Ok(Job {
                tenant: record.tenant.to_string(),
                subscription_id: s.id.clone(),
                attempt: 1,
                work: CollectorWork {
                    message: serde_json::to_string(&delivery).map_err(|e| e.to_string())?,
                    entity_type: crate::collector::rules::wire_name(&entity),
                    interaction_type: crate::collector::rules::wire_name(&interaction),
                },
            })
        })
        .collect()
}

/// The collector's side of the fan-out: each new tenant event, one job per subscription of
/// its tenant that wants it (read once per tenant per batch).
struct CollectorFanOut<'a> {
    app: &'a App,
    subscriptions: PerTenant<SubscriptionRecord>,
}

impl FanOut for CollectorFanOut<'_> {
    type Work = CollectorWork;

    async fn jobs_of(&mut self, record: &StreamRecord) -> Result<Vec<Job<CollectorWork>>, String> {
        let image = &record.change.new_image;
        let is_tenant_event = matches!(image.get(KIND), Some(serde_dynamo::AttributeValue::S(k)) if k == TENANT_EVENT);
        if record.event_name != "INSERT" || !is_tenant_event {
            return Ok(Vec::new());
        }
        let event: TenantEventRecord =
            serde_dynamo::from_item(image.clone()).map_err(|e| e.to_string())?;
        let subscriptions = self
            .subscriptions
            .get(
                &event.tenant,
                self.app.db.list_event_subscriptions(&event.tenant),
            )
            .await?;
        jobs_of(&event, subscriptions)
    }
}

/// The stream function: each new tenant event becomes one job per subscription that wants
/// it; nothing here waits on a destination.
pub async fn fan_out_stream_batch(app: &App, batch: &StreamEvent) -> DynamoDbEventResponse {
    let mut family = CollectorFanOut {
        app,
        subscriptions: PerTenant::default(),
    };
    app.enqueue_deliveries(batch, &mut family).await
}

/// The queue function: one try per job.
pub async fn send_queue_batch(app: &App, event: SqsEvent) -> SqsBatchResponse {
    app.deliver(&CollectorDestinations { app }, event).await
}
