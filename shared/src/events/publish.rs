//! The stream publisher: turns event items from the table's stream into SNS messages.
//!
//! Each event item is published once per recipient organization, on that organization's topic
//! of the event's channel, with `organization_id` as a message attribute (which each
//! subscription's filter policy also checks). A recipient without a topic of the channel has
//! never subscribed to it: nothing is sent to it. Messages go out with `PublishBatch` (at most
//! 10 per call, so batching happens within one recipient's topic), per-entry
//! failures are checked, and a record that could not be fully published is reported in
//! `batchItemFailures` so Lambda retries from it (at-least-once; `event_id` lets subscribers
//! drop the rare duplicate).
//!
//! Batches are packed by count and by bytes (SNS's 256 KiB per call), so one large message
//! never makes a call fail for its neighbours. A message that no call could ever carry is
//! parked on the stream failure queue (a description, not the payload) instead of being
//! retried: retrying it would only hold its shard and re-publish the records after it.
//!
//! Each invocation counts the messages published, failed (their record is retried) and parked,
//! by channel ([`EVENTS_PUBLISHED`], [`EVENTS_FAILED`], [`EVENTS_PARKED`]); a failed or parked
//! message's document names its recipient organization.

use std::collections::{BTreeMap, HashMap, HashSet};

use aws_lambda_events::event::dynamodb::{Event, EventRecord as StreamRecord};
use aws_lambda_events::event::streams::{DynamoDbBatchItemFailure, DynamoDbEventResponse};
use aws_sdk_sns::types::{MessageAttributeValue, PublishBatchRequestEntry};
use futures::future::join_all;

use crate::events::{Channel, EventRecord};
use crate::infra::metrics::{self, Kind, Metric, Unit};
use crate::kernel::ids::OrgId;

/// Messages SNS accepted (one per recipient organization of an event), by channel.
pub static EVENTS_PUBLISHED: Metric = Metric {
    name: "EventsPublished",
    unit: Unit::Count,
    kind: Kind::Counter,
    dimensions: &["Channel"],
    sets: &[&["Channel"]],
};

/// Messages not published by this invocation, whose record is reported for a retry: SNS
/// refused them, the recipients' topics could not be read, or (channel `unknown`) the event
/// item does not decode.
pub static EVENTS_FAILED: Metric = Metric {
    name: "EventsFailed",
    unit: Unit::Count,
    kind: Kind::Counter,
    dimensions: &["Channel"],
    sets: &[&["Channel"]],
};

/// Messages no `PublishBatch` could carry, parked on the stream failure queue.
pub static EVENTS_PARKED: Metric = Metric {
    name: "EventsParked",
    unit: Unit::Count,
    kind: Kind::Counter,
    dimensions: &["Channel"],
    sets: &[&["Channel"]],
};

/// The member that names a failed or parked message's recipient in its metrics document.
const RECIPIENT: &str = "organization_id";

/// SNS accepts at most 10 entries per `PublishBatch`.
pub const MAX_BATCH: usize = 10;

/// SNS accepts at most 256 KiB per `PublishBatch` (and per message), counting every
/// message and its attributes' names, types and values.
pub const MAX_BATCH_BYTES: usize = 262_144;

/// The message attributes every entry carries, by name: their bytes count against
/// [`MAX_BATCH_BYTES`]. An entry about a versioned entity also carries `entity_id` (String)
/// and `entity_version` (Number), which subscribers order and deduplicate by.
const ATTRIBUTES: [&str; 3] = ["organization_id", "event_name", "event_id"];

/// One message to publish.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// Unique within its batch; maps a failed entry back to its stream record.
    pub id: String,
    pub message: String,
    pub organization_id: String,
    pub event_name: String,
    pub event_id: String,
    /// The entity the event is about, and its version after the change.
    pub entity: Option<crate::events::EntityVersion>,
}

impl Entry {
    /// What this entry counts against [`MAX_BATCH_BYTES`].
    pub fn bytes(&self) -> usize {
        let values = [&self.organization_id, &self.event_name, &self.event_id];
        let entity = self.entity.as_ref().map_or(0, |e| {
            "entity_id".len()
                + "String".len()
                + e.id.len()
                + "entity_version".len()
                + "Number".len()
                + e.version.to_string().len()
        });
        self.message.len()
            + entity
            + ATTRIBUTES
                .iter()
                .zip(values)
                .map(|(name, value)| name.len() + "String".len() + value.len())
                .sum::<usize>()
    }
}

/// Splits one topic's entries into calls of at most [`MAX_BATCH`] entries and
/// [`MAX_BATCH_BYTES`], in order; entries too large for any call come back apart.
pub fn pack(entries: Vec<Entry>) -> (Vec<Vec<Entry>>, Vec<Entry>) {
    crate::kernel::limits::batches(entries, MAX_BATCH, MAX_BATCH_BYTES, Entry::bytes)
}

/// Where a message that can never be published goes, so an operator sees it (the stream
/// failure queue): `true` once it is parked.
pub trait ParkPort {
    fn park(&self, topic_arn: &str, entry: &Entry) -> impl Future<Output = bool> + Send;
}

/// Parks on an SQS queue (the stream failure queue) a description of the message: its event,
/// recipient, topic and size. The payload stays in the table's event item while it lives.
pub struct QueueParking<'a> {
    pub sqs: &'a aws_sdk_sqs::Client,
    /// Empty when the function has no failure queue: nothing can be parked, so the record is
    /// reported failed as before.
    pub queue_url: &'a str,
}

impl ParkPort for QueueParking<'_> {
    async fn park(&self, topic_arn: &str, entry: &Entry) -> bool {
        let body = serde_json::json!({
            "reason": "message_too_large",
            "detail": format!("{} bytes; SNS accepts at most {MAX_BATCH_BYTES}", entry.bytes()),
            "event_id": entry.event_id,
            "event_name": entry.event_name,
            "organization_id": entry.organization_id,
            "topic_arn": topic_arn,
        });
        match crate::infra::delivery::park_message(self.sqs, self.queue_url, body.to_string()).await
        {
            Ok(()) => true,
            Err(e) => {
                tracing::error!(error = %e, "parking an unpublishable message failed");
                false
            }
        }
    }
}

/// The SNS side of publishing, so the logic can run against a fake in tests and benchmarks.
pub trait SnsPort {
    /// Publishes up to [`MAX_BATCH`] entries to one topic and returns the ids of the entries
    /// that failed (all of them when the call itself failed).
    fn publish_batch(
        &self,
        topic_arn: &str,
        entries: Vec<Entry>,
    ) -> impl Future<Output = Vec<String>> + Send;
}

impl SnsPort for aws_sdk_sns::Client {
    async fn publish_batch(&self, topic_arn: &str, entries: Vec<Entry>) -> Vec<String> {
        let ids: Vec<String> = entries.iter().map(|e| e.id.clone()).collect();
        let typed = |data_type: &str, v: &str| {
            MessageAttributeValue::builder()
                .data_type(data_type)
                .string_value(v)
                .build()
                .expect("data_type is set")
        };
        let attr = |v: &str| typed("String", v);
        let request: Result<Vec<PublishBatchRequestEntry>, _> = entries
            .into_iter()
            .map(|e| {
                let mut entry = PublishBatchRequestEntry::builder()
                    .id(e.id)
                    .message(e.message)
                    .message_attributes("organization_id", attr(&e.organization_id))
                    .message_attributes("event_name", attr(&e.event_name))
                    .message_attributes("event_id", attr(&e.event_id));
                if let Some(entity) = e.entity {
                    entry = entry
                        .message_attributes("entity_id", attr(&entity.id))
                        .message_attributes(
                            "entity_version",
                            typed("Number", &entity.version.to_string()),
                        );
                }
                entry.build()
            })
            .collect();
        let request = match request {
            Ok(r) => r,
            Err(e) => {
                tracing::error!(error = %e, "invalid PublishBatch entry");
                return ids;
            }
        };
        match self
            .publish_batch()
            .topic_arn(topic_arn)
            .set_publish_batch_request_entries(Some(request))
            .send()
            .await
        {
            Ok(out) => {
                for f in out.failed() {
                    tracing::warn!(
                        topic_arn,
                        id = f.id(),
                        code = f.code(),
                        message = f.message(),
                        "entry not published"
                    );
                }
                out.failed().iter().map(|f| f.id().to_owned()).collect()
            }
            Err(e) => {
                tracing::error!(topic_arn, error = ?e, "PublishBatch failed");
                ids
            }
        }
    }
}

/// Where each organization's messages of a channel go: its topic, once it has subscribed.
pub trait TopicPort {
    /// The topic ARN of each of `wanted` that has one; an error when that cannot be told (the
    /// batch is then retried).
    fn topics(
        &self,
        wanted: Vec<(Channel, OrgId)>,
    ) -> impl Future<Output = Result<HashMap<(Channel, OrgId), String>, String>> + Send;
}

/// The topics recorded in the table when organizations subscribed
/// ([`open_topic`](crate::marketplace::usecases::subscriptions::open_topic)).
impl TopicPort for crate::store::db::Db {
    async fn topics(
        &self,
        wanted: Vec<(Channel, OrgId)>,
    ) -> Result<HashMap<(Channel, OrgId), String>, String> {
        self.recorded_organization_topics(&wanted)
            .await
            .map_err(|e| e.to_string())
    }
}

/// Every organization has a topic of every channel, named by the function: for tests and
/// benchmarks of the publishing logic.
pub struct EveryTopic<F>(pub F);

impl<F: Fn(Channel, OrgId) -> String + Sync> TopicPort for EveryTopic<F> {
    async fn topics(
        &self,
        wanted: Vec<(Channel, OrgId)>,
    ) -> Result<HashMap<(Channel, OrgId), String>, String> {
        Ok(wanted
            .into_iter()
            .map(|(c, o)| ((c, o), (self.0)(c, o)))
            .collect())
    }
}

/// What one stream record asks to publish.
enum Parsed {
    /// Not an event item (state items also flow through the stream): nothing to do.
    Skip,
    Event(EventRecord),
    /// An event item that does not decode: reported so it retries and then reaches the
    /// on-failure destination instead of being dropped silently.
    Poison(String),
}

fn parse(record: &StreamRecord) -> Parsed {
    if record.event_name != "INSERT" {
        return Parsed::Skip;
    }
    let image = &record.change.new_image;
    let is_event = matches!(image.get(crate::store::db::KIND), Some(serde_dynamo::AttributeValue::S(k)) if k == "event");
    if !is_event {
        return Parsed::Skip;
    }
    match serde_dynamo::from_item::<_, EventRecord>(image.clone()) {
        Ok(e) => Parsed::Event(e),
        Err(e) => Parsed::Poison(e.to_string()),
    }
}

/// Publishes every event item of the batch to its recipients' topics (as `topics` knows
/// them); what no call could carry goes to `parking`.
pub async fn publish_stream_batch<P: SnsPort, K: ParkPort, T: TopicPort>(
    sns: &P,
    parking: &K,
    topics: &T,
    batch: &Event,
) -> DynamoDbEventResponse {
    let mut failed_records: HashSet<usize> = HashSet::new();
    let mut events: Vec<(usize, EventRecord)> = Vec::new();
    for (index, record) in batch.records.iter().enumerate() {
        match parse(record) {
            Parsed::Skip => {}
            Parsed::Poison(error) => {
                tracing::error!(event_id = %record.event_id, error, "undecodable event item");
                metrics::record(&EVENTS_FAILED, 1.0, &["unknown"]);
                failed_records.insert(index);
            }
            Parsed::Event(event) => events.push((index, event)),
        }
    }
    let wanted: HashSet<(Channel, OrgId)> = events
        .iter()
        .flat_map(|(_, e)| e.recipients.iter().map(|r| (e.channel, *r)))
        .collect();
    let known = if wanted.is_empty() {
        HashMap::new()
    } else {
        match topics.topics(wanted.into_iter().collect()).await {
            Ok(known) => known,
            Err(error) => {
                tracing::error!(
                    error,
                    "could not read the recipients' topics; retrying the batch"
                );
                for (_, event) in &events {
                    let recipients = event.recipients.len() as f64;
                    metrics::record(&EVENTS_FAILED, recipients, &[event.channel.as_str()]);
                }
                failed_records.extend(events.iter().map(|(index, _)| *index));
                events.clear();
                HashMap::new()
            }
        }
    };
    // Topic → its channel and entries, in record order; BTreeMap keeps the call order
    // deterministic.
    let mut by_topic: BTreeMap<String, (Channel, Vec<Entry>)> = BTreeMap::new();
    let mut unsubscribed = 0usize;
    for (index, event) in events {
        for (n, recipient) in event.recipients.iter().enumerate() {
            let Some(topic) = known.get(&(event.channel, *recipient)) else {
                unsubscribed += 1;
                continue;
            };
            let (_, entries) = by_topic
                .entry(topic.clone())
                .or_insert_with(|| (event.channel, Vec::new()));
            entries.push(Entry {
                id: format!("{index}-{n}"),
                message: event.payload.clone(),
                organization_id: recipient.to_string(),
                event_name: event.event_name.as_str().to_owned(),
                event_id: event.event_id.to_string(),
                entity: event.entity.clone(),
            });
        }
    }
    if unsubscribed > 0 {
        tracing::debug!(
            unsubscribed,
            "messages not sent: their recipients have no subscription to the channel"
        );
    }

    let mut calls = Vec::new();
    let mut unpublishable = Vec::new();
    for (topic, (channel, entries)) in by_topic {
        let (batches, too_large) = pack(entries);
        calls.extend(batches.into_iter().map(|b| (topic.clone(), channel, b)));
        unpublishable.extend(too_large.into_iter().map(|e| (topic.clone(), channel, e)));
    }
    let publishing = calls
        .iter()
        .map(|(topic, _, batch)| sns.publish_batch(topic, batch.clone()));
    let parked = unpublishable.iter().map(|(topic, _, entry)| async move {
        tracing::error!(
            event_id = %entry.event_id,
            organization_id = %entry.organization_id,
            bytes = entry.bytes(),
            "message too large for SNS: parked"
        );
        (!parking.park(topic, entry).await).then(|| entry.id.clone())
    });
    let (published, parked) = futures::join!(join_all(publishing), join_all(parked));
    count_outcomes(&calls, &published, &unpublishable, &parked);
    let failed_ids = published
        .into_iter()
        .flatten()
        .chain(parked.into_iter().flatten());
    for failed_id in failed_ids {
        if let Some(index) = failed_id
            .split('-')
            .next()
            .and_then(|i| i.parse::<usize>().ok())
        {
            failed_records.insert(index);
        }
    }

    let mut failed: Vec<usize> = failed_records.into_iter().collect();
    failed.sort_unstable();
    let mut response = DynamoDbEventResponse::default();
    response.batch_item_failures = failed
        .into_iter()
        .map(|index| {
            let mut failure = DynamoDbBatchItemFailure::default();
            failure.item_identifier = batch.records[index].change.sequence_number.clone();
            failure
        })
        .collect();
    response
}

/// Records what became of each message: `published[i]` are the ids of `calls[i]`'s entries
/// SNS refused, `parked[i]` the id of `unpublishable[i]` when it could not be parked either.
fn count_outcomes(
    calls: &[(String, Channel, Vec<Entry>)],
    published: &[Vec<String>],
    unpublishable: &[(String, Channel, Entry)],
    parked: &[Option<String>],
) {
    for ((_, channel, batch), failed) in calls.iter().zip(published) {
        let channel = channel.as_str();
        let accepted = batch.len().saturating_sub(failed.len());
        if accepted > 0 {
            metrics::record(&EVENTS_PUBLISHED, accepted as f64, &[channel]);
        }
        for entry in batch.iter().filter(|e| failed.contains(&e.id)) {
            let about = [(RECIPIENT, entry.organization_id.as_str())];
            metrics::record_about(&EVENTS_FAILED, 1.0, &[channel], &about);
        }
    }
    for ((_, channel, entry), not_parked) in unpublishable.iter().zip(parked) {
        let metric = match not_parked {
            None => &EVENTS_PARKED,
            Some(_) => &EVENTS_FAILED,
        };
        let about = [(RECIPIENT, entry.organization_id.as_str())];
        metrics::record_about(metric, 1.0, &[channel.as_str()], &about);
    }
}

#[cfg(test)]
mod tests;
