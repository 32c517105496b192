//! What the parking queues hold, read into one shape: an [`Entry`] per SQS message, and the
//! [`Unit`]s it stands for. A unit is one event to one destination (an organization's topic,
//! a tenant's subscription, a stream consumer): the grain at which replays are selected,
//! recorded and counted. Reading is pure; `crate::stream` fills in a stream batch's units
//! from the table.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, Utc};
use serde_json::Value;
use shared::collector::dispatch::CollectorWork;
use shared::collector::rules::{catalogue_name, wire_name};
use shared::collector::store::TenantEventRecord;
use shared::collector::wire::Delivery;
use shared::events::EventRecord;
use shared::events::publish::{Entry as SnsEntry, MAX_BATCH_BYTES};
use shared::infra::delivery::Job;
use shared::listener::hub::HubWork;
use shared::listener::rules::ListenerRecord;
use shared::notification::feed::MAX_FEED_PAYLOAD_BYTES;

/// A table item as the SDK reads it.
pub type Item = HashMap<String, AttributeValue>;

/// The three parking queues.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Source {
    /// `StreamFailureQueue`: Lambda's on-failure records of the four stream consumers, and
    /// events the publisher or the feed writer could never carry.
    Stream,
    /// `DeliveryDeadLetterQueue`: Event Collector deliveries that failed every try.
    Collector,
    /// `HubDeadLetterQueue`: hub (webhook) deliveries that failed every try.
    Hub,
}

impl Source {
    pub const ALL: [Source; 3] = [Source::Stream, Source::Collector, Source::Hub];

    pub fn as_str(self) -> &'static str {
        match self {
            Source::Stream => "stream",
            Source::Collector => "collector",
            Source::Hub => "hub",
        }
    }

    pub fn parse(s: &str) -> Option<Source> {
        Source::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

/// The functions that read the table's stream, whose failed batches land on the stream
/// failure queue.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Consumer {
    Publisher,
    NotificationFeed,
    CollectorDispatch,
    HubDelivery,
}

impl Consumer {
    pub const ALL: [Consumer; 4] = [
        Consumer::Publisher,
        Consumer::NotificationFeed,
        Consumer::CollectorDispatch,
        Consumer::HubDelivery,
    ];

    /// Its `Handler` in the template, and its line in the registry.
    pub fn handler(self) -> &'static str {
        match self {
            Consumer::Publisher => "events.publish",
            Consumer::NotificationFeed => "events.notification_feed",
            Consumer::CollectorDispatch => "collector.dispatch",
            Consumer::HubDelivery => "events.hub_delivery",
        }
    }

    pub fn from_handler(name: &str) -> Option<Consumer> {
        Consumer::ALL.into_iter().find(|c| c.handler() == name)
    }

    /// The item kinds its event source mapping's filter lets through (stacks/*.yaml).
    pub fn kinds(self) -> &'static [&'static str] {
        match self {
            Consumer::Publisher => &["event"],
            Consumer::NotificationFeed => &["event", "listener_event", "tenant_event"],
            Consumer::CollectorDispatch => &["tenant_event"],
            Consumer::HubDelivery => &["listener_event"],
        }
    }
}

/// Where a failed stream batch is (Lambda's `DDBStreamBatchInfo`) and who gave up on it.
#[derive(Clone, Debug, PartialEq)]
pub struct BatchInfo {
    pub function_arn: String,
    /// Known once the function is matched with the stack's consumers.
    pub consumer: Option<Consumer>,
    pub condition: String,
    pub shard_id: String,
    pub start_sequence: String,
    pub end_sequence: String,
    pub first_arrival: Option<DateTime<Utc>>,
    pub last_arrival: Option<DateTime<Utc>>,
    pub batch_size: u64,
    pub stream_arn: String,
}

/// What one parked message says.
#[derive(Clone, Debug)]
pub enum Body {
    /// Lambda's on-failure record of a stream batch: where the records are, not the records.
    StreamBatch(BatchInfo),
    /// An event the publisher (`message_too_large`) or the feed writer
    /// (`feed_item_too_large`) could never carry, described, not copied.
    TooLarge {
        reason: String,
        detail: String,
        event_id: String,
        event_type: String,
        tenants: Vec<String>,
        topic_arn: Option<String>,
    },
    /// A collector delivery: a sender's dead letter after its last try, or the raw job SQS
    /// moved here after `maxReceiveCount` receives.
    CollectorJob {
        job: Job<CollectorWork>,
        last_error: Option<String>,
        target: Option<String>,
    },
    /// A hub delivery, likewise.
    HubJob {
        job: Job<HubWork>,
        last_error: Option<String>,
        target: Option<String>,
    },
    Unreadable(String),
}

/// One message on a parking queue.
#[derive(Clone, Debug)]
pub struct Entry {
    pub source: Source,
    pub message_id: String,
    /// This read's handle: deletes the message, or makes it visible again.
    pub receipt_handle: String,
    /// When SQS received it (`SentTimestamp`).
    pub parked_at: Option<DateTime<Utc>>,
    pub body: Body,
    pub units: Vec<Unit>,
    /// What could not be resolved into units, for the operator to read.
    pub notes: Vec<String>,
}

/// One event to one destination.
#[derive(Clone, Debug)]
pub struct Unit {
    pub event_id: String,
    /// The event's name (`OfferMatched`, `CUSTOMER.CREATE`, a Listener `eventType`).
    pub event_type: String,
    /// The organization (marketplace events) or tenant it belongs to.
    pub tenant: String,
    /// `topic:<arn>`, `collector:<subscription>`, `hub:<subscription>` or
    /// `consumer:<handler>`: with the tenant and event id, the key of its replay marker.
    pub destination: String,
    /// What the destination reaches, when known (a queue URL, topic ARN, callback URL).
    pub target: Option<String>,
    pub occurred_at: Option<DateTime<Utc>>,
    pub redrive: Redrive,
    /// The replay marker found for this unit, if any.
    pub marker: Option<Marker>,
}

impl Unit {
    /// The replay marker's key: `REPLAY#<tenant>#<event id>` / the destination. Tenant
    /// event and Listener event ids are unique only within their tenant.
    pub fn marker_key(&self) -> (String, String) {
        (
            format!("REPLAY#{}#{}", self.tenant, self.event_id),
            self.destination.clone(),
        )
    }
}

/// How a unit is delivered again: through the code that delivered it the first time.
#[derive(Clone, Debug)]
pub enum Redrive {
    /// The consumer's handler, on the event's item as a one-record stream batch (for a
    /// marketplace event, with its recipients narrowed to the unit's organization).
    Stream {
        consumer: Consumer,
        item: Item,
    },
    /// Back on the family's delivery queue as a first try; the sender delivers it.
    CollectorJob(Job<CollectorWork>),
    HubJob(Job<HubWork>),
    /// Cannot be delivered again, and why.
    Impossible(String),
}

/// A replay marker as read from the table.
#[derive(Clone, Debug, PartialEq)]
pub struct Marker {
    /// `claimed` while a replay is under way (or died under way), then `replayed`.
    pub state: String,
    pub at: String,
    pub by: String,
    /// The parked message it was replayed from.
    pub entry: String,
}

/// A time as Lambda's records give it: RFC 3339, or seconds since the epoch.
pub fn time_of(v: &Value) -> Option<DateTime<Utc>> {
    match v {
        Value::String(s) => DateTime::parse_from_rfc3339(s)
            .ok()
            .map(|t| t.with_timezone(&Utc)),
        Value::Number(n) => DateTime::from_timestamp(n.as_f64()? as i64, 0),
        _ => None,
    }
}

fn text(v: &Value, key: &str) -> String {
    v[key].as_str().unwrap_or_default().to_owned()
}

fn optional_text(v: &Value, key: &str) -> Option<String> {
    v[key].as_str().filter(|s| !s.is_empty()).map(str::to_owned)
}

/// Reads a message of `source`'s queue.
pub fn parse_body(source: Source, body: &str) -> Body {
    let v: Value = match serde_json::from_str(body) {
        Ok(v) => v,
        Err(e) => return Body::Unreadable(format!("not JSON: {e}")),
    };
    match source {
        Source::Stream => parse_stream(&v),
        Source::Collector => parse_collector(&v),
        Source::Hub => parse_hub(&v),
    }
    .unwrap_or_else(|| Body::Unreadable(format!("not a {} entry", source.as_str())))
}

fn parse_stream(v: &Value) -> Option<Body> {
    let info = &v["DDBStreamBatchInfo"];
    if info.is_object() {
        return Some(Body::StreamBatch(BatchInfo {
            function_arn: text(&v["requestContext"], "functionArn"),
            consumer: None,
            condition: text(&v["requestContext"], "condition"),
            shard_id: text(info, "shardId"),
            start_sequence: text(info, "startSequenceNumber"),
            end_sequence: text(info, "endSequenceNumber"),
            first_arrival: time_of(&info["approximateArrivalOfFirstRecord"]),
            last_arrival: time_of(&info["approximateArrivalOfLastRecord"]),
            batch_size: info["batchSize"].as_u64().unwrap_or(0),
            stream_arn: text(info, "streamArn"),
        }));
    }
    let reason = v["reason"].as_str()?;
    let tenants = match v["tenants"].as_array() {
        Some(list) => list
            .iter()
            .filter_map(|t| t.as_str().map(str::to_owned))
            .collect(),
        None => optional_text(v, "organization_id").into_iter().collect(),
    };
    Some(Body::TooLarge {
        reason: reason.to_owned(),
        detail: text(v, "detail"),
        event_id: text(v, "event_id"),
        event_type: optional_text(v, "event_name").unwrap_or_else(|| text(v, "event_type")),
        tenants,
        topic_arn: optional_text(v, "topic_arn"),
    })
}

fn parse_collector(v: &Value) -> Option<Body> {
    // A sender's dead letter (`shared::infra::delivery::DeadLetter`).
    if let Ok(letter) = serde_json::from_value::<shared::infra::delivery::DeadLetter>(v.clone()) {
        let delivery: Delivery = serde_json::from_str(&letter.message).ok()?;
        let job = Job {
            tenant: letter.tenant,
            subscription_id: letter.subscription_id,
            attempt: 1,
            work: CollectorWork {
                message: letter.message,
                entity_type: wire_name(&delivery.entity_type),
                interaction_type: wire_name(&delivery.interaction_type),
            },
        };
        return Some(Body::CollectorJob {
            job,
            last_error: Some(letter.error),
            target: Some(letter.destination).filter(|d| !d.is_empty()),
        });
    }
    let job: Job<CollectorWork> = serde_json::from_value(v.clone()).ok()?;
    Some(Body::CollectorJob {
        job: Job { attempt: 1, ..job },
        last_error: None,
        target: None,
    })
}

fn parse_hub(v: &Value) -> Option<Body> {
    // The hub sender's letter (`shared::listener::hub`, `HubCallbacks::park`).
    if let (Some(webhook_id), true) = (v["webhook_id"].as_str(), v["envelope"].is_object()) {
        let job = Job {
            tenant: text(v, "tenant"),
            subscription_id: text(v, "subscription_id"),
            attempt: 1,
            work: HubWork {
                message_id: webhook_id.to_owned(),
                event_id: text(v, "event_id"),
                event_type: text(v, "event_type"),
                // Keys re-serialized in another order; `crate::stream` puts back the exact
                // bytes from the Listener event's item while it lives.
                payload: v["envelope"].to_string(),
            },
        };
        return Some(Body::HubJob {
            job,
            last_error: optional_text(v, "last_error"),
            target: optional_text(v, "callback"),
        });
    }
    let job: Job<HubWork> = serde_json::from_value(v.clone()).ok()?;
    Some(Body::HubJob {
        job: Job { attempt: 1, ..job },
        last_error: None,
        target: None,
    })
}

/// The units of a dead letter or of an event too large to carry; a stream batch's come
/// from the table (`crate::stream`).
pub fn units_of_body(body: &Body) -> Vec<Unit> {
    match body {
        Body::StreamBatch(_) | Body::Unreadable(_) => Vec::new(),
        Body::TooLarge {
            reason,
            detail,
            event_id,
            event_type,
            tenants,
            topic_arn,
        } => tenants
            .iter()
            .map(|tenant| Unit {
                event_id: event_id.clone(),
                event_type: event_type.clone(),
                tenant: tenant.clone(),
                destination: match topic_arn {
                    Some(arn) => format!("topic:{arn}"),
                    None => format!("consumer:{}", Consumer::NotificationFeed.handler()),
                },
                target: topic_arn.clone(),
                occurred_at: None,
                redrive: Redrive::Impossible(format!(
                    "{reason}: {detail}; it can never be carried, so it is not replayed"
                )),
                marker: None,
            })
            .collect(),
        Body::CollectorJob { job, target, .. } => {
            let delivery: Option<Delivery> = serde_json::from_str(&job.work.message).ok();
            let (event_id, event_type, occurred_at) = match &delivery {
                Some(d) => (
                    d.id.clone(),
                    catalogue_name(d.event.event_type, Some(d.entity_type), Some(d.operation)),
                    Some(d.created_at),
                ),
                None => (String::new(), String::new(), None),
            };
            let redrive = if delivery.is_some() {
                Redrive::CollectorJob(job.clone())
            } else {
                Redrive::Impossible("the delivery message does not decode".into())
            };
            vec![Unit {
                event_id,
                event_type,
                tenant: job.tenant.clone(),
                destination: format!("collector:{}", job.subscription_id),
                target: target.clone(),
                occurred_at,
                redrive,
                marker: None,
            }]
        }
        Body::HubJob { job, target, .. } => {
            let envelope: Value = serde_json::from_str(&job.work.payload).unwrap_or_default();
            vec![Unit {
                event_id: job.work.event_id.clone(),
                event_type: job.work.event_type.clone(),
                tenant: job.tenant.clone(),
                destination: format!("hub:{}", job.subscription_id),
                target: target.clone(),
                occurred_at: time_of(&envelope["eventDate"]),
                redrive: Redrive::HubJob(job.clone()),
                marker: None,
            }]
        }
    }
}

/// What the stack's settings say about a stream batch's events.
pub struct StreamSettings<'a> {
    /// `arn:…:sns:<region>:<account>:<stack>-`: an organization's topic is this, its
    /// channel and its id.
    pub topic_arn_prefix: &'a str,
    /// Feed entries older than this are never handed out (`NOTIFICATION_RETENTION_SECONDS`).
    pub feed_retention_seconds: i64,
    pub now: DateTime<Utc>,
}

/// The units of one table item for `consumer`: for a marketplace event, one per recipient
/// organization; otherwise one.
pub fn units_of_item(
    consumer: Consumer,
    item: &Item,
    settings: &StreamSettings<'_>,
) -> Result<Vec<Unit>, String> {
    let kind = shared::store::db::kind_of(item).unwrap_or_default();
    if !consumer.kinds().contains(&kind) {
        return Ok(Vec::new());
    }
    let consumer_destination = format!("consumer:{}", consumer.handler());
    let too_old_for_feeds = |at: DateTime<Utc>| {
        consumer == Consumer::NotificationFeed
            && (settings.now - at).num_seconds() > settings.feed_retention_seconds
    };
    let decode = |e: shared::store::DbError| format!("a {kind} item does not decode: {e}");
    match kind {
        "event" => {
            let event: EventRecord = shared::store::db::from_item(item.clone()).map_err(decode)?;
            Ok(event
                .recipients
                .iter()
                .map(|org| {
                    let topic_arn = format!(
                        "{}{}",
                        settings.topic_arn_prefix,
                        event.channel.topic_name(*org)
                    );
                    let entry = SnsEntry {
                        id: "0-0".into(),
                        message: event.payload.clone(),
                        organization_id: org.to_string(),
                        event_name: event.event_name.as_str().to_owned(),
                        event_id: event.event_id.to_string(),
                        entity: event.entity.clone(),
                    };
                    let redrive =
                        if consumer == Consumer::Publisher && entry.bytes() > MAX_BATCH_BYTES {
                            Redrive::Impossible(format!(
                                "{} bytes; SNS accepts at most {MAX_BATCH_BYTES}",
                                entry.bytes()
                            ))
                        } else if consumer == Consumer::NotificationFeed
                            && event.payload.len() > MAX_FEED_PAYLOAD_BYTES
                        {
                            Redrive::Impossible("too large for a feed item".into())
                        } else if too_old_for_feeds(event.created_at) {
                            Redrive::Impossible(feed_retention_note(settings))
                        } else {
                            let mut narrowed = item.clone();
                            narrowed.insert(
                                "recipients".into(),
                                AttributeValue::L(vec![AttributeValue::S(org.to_string())]),
                            );
                            Redrive::Stream {
                                consumer,
                                item: narrowed,
                            }
                        };
                    let (destination, target) = match consumer {
                        Consumer::Publisher => (format!("topic:{topic_arn}"), Some(topic_arn)),
                        _ => (consumer_destination.clone(), None),
                    };
                    Unit {
                        event_id: event.event_id.to_string(),
                        event_type: event.event_name.as_str().to_owned(),
                        tenant: org.to_string(),
                        destination,
                        target,
                        occurred_at: Some(event.created_at),
                        redrive,
                        marker: None,
                    }
                })
                .collect())
        }
        "tenant_event" => {
            let event: TenantEventRecord =
                shared::store::db::from_item(item.clone()).map_err(decode)?;
            Ok(vec![one(
                consumer,
                item,
                event.id,
                event.event_type,
                event.tenant.to_string(),
                event.created_at,
                too_old_for_feeds(event.created_at).then(|| feed_retention_note(settings)),
            )])
        }
        "listener_event" => {
            let event: ListenerRecord =
                shared::store::db::from_item(item.clone()).map_err(decode)?;
            Ok(vec![one(
                consumer,
                item,
                event.event_id,
                event.event_type,
                event.tenant.to_string(),
                event.received_at,
                too_old_for_feeds(event.received_at).then(|| feed_retention_note(settings)),
            )])
        }
        _ => Ok(Vec::new()),
    }
}

fn feed_retention_note(settings: &StreamSettings<'_>) -> String {
    format!(
        "older than the feeds' retention ({} s): a pull would never hand it out",
        settings.feed_retention_seconds
    )
}

fn one(
    consumer: Consumer,
    item: &Item,
    event_id: String,
    event_type: String,
    tenant: String,
    at: DateTime<Utc>,
    impossible: Option<String>,
) -> Unit {
    Unit {
        event_id,
        event_type,
        tenant,
        destination: format!("consumer:{}", consumer.handler()),
        target: None,
        occurred_at: Some(at),
        redrive: match impossible {
            Some(why) => Redrive::Impossible(why),
            None => Redrive::Stream {
                consumer,
                item: item.clone(),
            },
        },
        marker: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lambda_failure_record_reads_as_a_stream_batch() {
        // Lambda's on-failure record (AWS) and the local stack's (arrival in epoch seconds).
        for first in [
            serde_json::json!("2026-12-07T10:00:00Z"),
            serde_json::json!(1_796_637_600),
        ] {
            let body = serde_json::json!({
                "requestContext": {"functionArn": "arn:aws:lambda:us-east-1:1:function:x-EventsPublishFunction", "condition": "RetryAttemptsExhausted"},
                "DDBStreamBatchInfo": {"shardId": "shard-1", "startSequenceNumber": "100", "endSequenceNumber": "105",
                    "approximateArrivalOfFirstRecord": first, "approximateArrivalOfLastRecord": first,
                    "batchSize": 6, "streamArn": "arn:aws:dynamodb:us-east-1:1:table/t/stream/s"}
            });
            let Body::StreamBatch(info) = parse_body(Source::Stream, &body.to_string()) else {
                panic!("a stream batch");
            };
            assert_eq!(info.shard_id, "shard-1");
            assert_eq!(
                (info.start_sequence.as_str(), info.end_sequence.as_str()),
                ("100", "105")
            );
            assert_eq!(info.batch_size, 6);
            assert!(info.first_arrival.is_some());
            assert!(info.function_arn.ends_with("EventsPublishFunction"));
        }
    }

    #[test]
    fn a_message_too_large_for_sns_is_listed_but_never_replayed() {
        let body = serde_json::json!({
            "reason": "message_too_large", "detail": "300000 bytes", "event_id": "e1",
            "event_name": "OfferMatched", "organization_id": "org-1", "topic_arn": "arn:t"
        });
        let units = units_of_body(&parse_body(Source::Stream, &body.to_string()));
        assert_eq!(units.len(), 1);
        assert_eq!(units[0].tenant, "org-1");
        assert_eq!(units[0].destination, "topic:arn:t");
        assert_eq!(units[0].event_type, "OfferMatched");
        assert!(matches!(units[0].redrive, Redrive::Impossible(_)));
    }

    #[test]
    fn a_hub_letter_and_a_raw_hub_job_replay_as_first_tries_with_their_webhook_id() {
        let letter = serde_json::json!({
            "subscription_id": "s1", "tenant": "acme", "callback": "https://h/x",
            "webhook_id": "msg_1", "event_id": "ev-1", "event_type": "ServiceOrderStateChangeNotification",
            "attempts": 5, "last_error": "callback answered 500", "failed_at": "2026-12-07T10:00:00Z",
            "envelope": {"eventId": "ev-1", "eventDate": "2026-12-07T09:59:00Z", "eventType": "ServiceOrderStateChangeNotification", "event": {}}
        });
        let raw = serde_json::json!({
            "tenant": "acme", "subscription_id": "s1", "attempt": 5,
            "work": {"message_id": "msg_1", "event_id": "ev-1", "event_type": "T", "payload": "{\"eventId\":\"ev-1\"}"}
        });
        for body in [letter, raw] {
            let units = units_of_body(&parse_body(Source::Hub, &body.to_string()));
            assert_eq!(units.len(), 1);
            let u = &units[0];
            assert_eq!((u.tenant.as_str(), u.event_id.as_str()), ("acme", "ev-1"));
            assert_eq!(u.destination, "hub:s1");
            assert_eq!(u.marker_key().0, "REPLAY#acme#ev-1");
            let Redrive::HubJob(job) = &u.redrive else {
                panic!("a hub job");
            };
            assert_eq!(job.attempt, 1, "a replay starts its tries afresh");
            assert_eq!(job.work.message_id, "msg_1", "the same webhook-id");
        }
    }

    #[test]
    fn unreadable_messages_are_kept_apart() {
        assert!(matches!(
            parse_body(Source::Collector, "not json"),
            Body::Unreadable(_)
        ));
        assert!(matches!(
            parse_body(Source::Hub, "{\"x\":1}"),
            Body::Unreadable(_)
        ));
        assert!(units_of_body(&Body::Unreadable("x".into())).is_empty());
    }

    #[test]
    fn a_marketplace_event_is_one_unit_per_recipient_each_narrowed_to_it() {
        use shared::events::{Channel, EventName};
        use shared::kernel::ids::{OfferId, OrgId};
        let (a, b) = (OrgId::new(), OrgId::new());
        let created = shared::kernel::time::now();
        let record = EventRecord::offer(
            Channel::InboxOffers,
            EventName::OfferMatched,
            vec![a, b],
            OfferId::new(),
            created,
        );
        let keys = shared::store::db::Keys::new(format!("EVT#{}", record.event_id), "EVT");
        let item = shared::store::db::to_item("event", &keys, &record).unwrap();
        let settings = StreamSettings {
            topic_arn_prefix: "arn:aws:sns:us-east-1:1:m-",
            feed_retention_seconds: 6 * 3600,
            now: created,
        };
        let units = units_of_item(Consumer::Publisher, &item, &settings).unwrap();
        assert_eq!(units.len(), 2);
        for (unit, org) in units.iter().zip([a, b]) {
            assert_eq!(unit.tenant, org.to_string());
            assert_eq!(unit.event_id, record.event_id.to_string());
            assert_eq!(
                unit.destination,
                format!("topic:arn:aws:sns:us-east-1:1:m-inbox-offers-{org}")
            );
            let Redrive::Stream { item, .. } = &unit.redrive else {
                panic!("replayed through the publisher");
            };
            let narrowed: EventRecord = shared::store::db::from_item(item.clone()).unwrap();
            assert_eq!(narrowed.recipients, [org], "only this unit's organization");
            assert_eq!(narrowed.payload, record.payload, "the stored bytes");
        }
        // Not the collector's kind; and a feed entry past the retention is never handed out.
        let none = units_of_item(Consumer::CollectorDispatch, &item, &settings).unwrap();
        assert!(none.is_empty());
        let later = StreamSettings {
            now: created + chrono::Duration::hours(7),
            ..settings
        };
        let feed = units_of_item(Consumer::NotificationFeed, &item, &later).unwrap();
        assert_eq!(feed.len(), 2);
        assert!(
            feed.iter()
                .all(|u| matches!(u.redrive, Redrive::Impossible(_)))
        );
        assert_eq!(feed[0].destination, "consumer:events.notification_feed");
    }

    #[test]
    fn consumers_match_the_templates_handlers_and_filters() {
        for c in Consumer::ALL {
            assert_eq!(Consumer::from_handler(c.handler()), Some(c));
            assert!(functions::registry::find(c.handler()).is_some(), "{c:?}");
        }
        assert_eq!(Consumer::Publisher.kinds(), ["event"]);
    }
}
