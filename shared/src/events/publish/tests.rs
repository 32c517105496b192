use std::sync::Mutex;

use crate::events::publish::*;
use crate::events::{Channel, EventName};
use crate::kernel::ids::{OfferId, OrgId};
use crate::store::db::Keys;

/// Records every call; entries whose organization is in `fail_for` are reported as failed.
#[derive(Default)]
struct FakeSns {
    calls: Mutex<Vec<(String, Vec<Entry>)>>,
    fail_for: Vec<String>,
}

impl SnsPort for FakeSns {
    async fn publish_batch(&self, topic_arn: &str, entries: Vec<Entry>) -> Vec<String> {
        let failed = entries
            .iter()
            .filter(|e| self.fail_for.contains(&e.organization_id))
            .map(|e| e.id.clone())
            .collect();
        self.calls
            .lock()
            .unwrap()
            .push((topic_arn.to_owned(), entries));
        failed
    }
}

/// Records what it parks; refuses when `broken` (the queue is unreachable).
#[derive(Default)]
struct FakePark {
    parked: Mutex<Vec<Entry>>,
    broken: bool,
}

impl ParkPort for FakePark {
    async fn park(&self, _topic_arn: &str, entry: &Entry) -> bool {
        if !self.broken {
            self.parked.lock().unwrap().push(entry.clone());
        }
        !self.broken
    }
}

fn stream_record(seq: u64, item: crate::store::db::Item) -> StreamRecord {
    let image: serde_dynamo::Item = item.into();
    let json = serde_json::json!({
        "eventID": format!("id-{seq}"),
        "eventName": "INSERT",
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": "us-east-1",
        "eventSourceARN": "arn:aws:dynamodb:us-east-1:123456789012:table/t/stream/x",
        "dynamodb": {
            "ApproximateCreationDateTime": 1_700_000_000,
            "Keys": {},
            "NewImage": serde_json::to_value(&image).unwrap(),
            "SequenceNumber": seq.to_string(),
            "SizeBytes": 10,
            "StreamViewType": "NEW_AND_OLD_IMAGES"
        }
    });
    serde_json::from_value(json).unwrap()
}

fn event_item(channel: Channel, recipients: Vec<OrgId>) -> crate::store::db::Item {
    let rec = EventRecord::offer(
        channel,
        EventName::OfferMatched,
        recipients,
        OfferId::new(),
        crate::kernel::time::now(),
    );
    let mut item = crate::store::db::to_item(
        "event",
        &Keys::new(format!("EVT#{}", rec.event_id), "EVT"),
        &rec,
    )
    .unwrap();
    item.insert(
        "ttl".into(),
        aws_sdk_dynamodb::types::AttributeValue::N("1".into()),
    );
    item
}

fn batch(records: Vec<StreamRecord>) -> Event {
    let mut e = Event::default();
    e.records = records;
    e
}

fn topic(channel: Channel, org: OrgId) -> String {
    format!(
        "arn:aws:sns:us-east-1:123456789012:stack-{}",
        channel.topic_name(org)
    )
}

/// Every organization has subscribed to every channel.
const ALL: EveryTopic<fn(Channel, OrgId) -> String> = EveryTopic(topic);

/// Only these organizations' topics exist; or the table cannot be read (`None`).
struct SomeTopics(Option<Vec<(Channel, OrgId)>>);

impl TopicPort for SomeTopics {
    async fn topics(
        &self,
        wanted: Vec<(Channel, OrgId)>,
    ) -> Result<std::collections::HashMap<(Channel, OrgId), String>, String> {
        let known = self.0.as_ref().ok_or("table unavailable")?;
        Ok(wanted
            .into_iter()
            .filter(|w| known.contains(w))
            .map(|(c, o)| ((c, o), topic(c, o)))
            .collect())
    }
}

#[tokio::test]
async fn a_versioned_event_carries_its_entity_and_version_to_every_recipient() {
    let offer = OfferId::new();
    let rec = EventRecord::offer(
        Channel::InboxOffers,
        EventName::OfferClosed,
        vec![OrgId::new(), OrgId::new()],
        offer,
        crate::kernel::time::now(),
    )
    .versioned(offer, 4);
    let item = crate::store::db::to_item(
        "event",
        &Keys::new(format!("EVT#{}", rec.event_id), "EVT"),
        &rec,
    )
    .unwrap();
    let sns = FakeSns::default();
    let park = FakePark::default();
    publish_stream_batch(&sns, &park, &ALL, &batch(vec![stream_record(1, item)])).await;
    let calls = sns.calls.lock().unwrap();
    let entries: Vec<&Entry> = calls.iter().flat_map(|(_, e)| e).collect();
    assert_eq!(entries.len(), 2);
    for e in entries {
        let entity = e.entity.as_ref().expect("the entity travels");
        assert_eq!(
            (entity.id.as_str(), entity.version),
            (offer.to_string().as_str(), 4)
        );
        let unversioned = Entry {
            entity: None,
            ..e.clone()
        };
        assert!(e.bytes() > unversioned.bytes(), "its attributes count");
    }
}

#[tokio::test]
async fn one_message_per_recipient_on_its_own_topic() {
    let recipients: Vec<OrgId> = (0..23).map(|_| OrgId::new()).collect();
    let sns = FakeSns::default();
    let out = publish_stream_batch(
        &sns,
        &FakePark::default(),
        &ALL,
        &batch(vec![stream_record(
            1,
            event_item(Channel::InboxOffers, recipients.clone()),
        )]),
    )
    .await;
    assert!(out.batch_item_failures.is_empty());
    let calls = sns.calls.lock().unwrap();
    let mut sent: Vec<(String, String)> = calls
        .iter()
        .flat_map(|(t, e)| e.iter().map(|x| (t.clone(), x.organization_id.clone())))
        .collect();
    sent.sort();
    let mut expected: Vec<(String, String)> = recipients
        .iter()
        .map(|r| (topic(Channel::InboxOffers, *r), r.to_string()))
        .collect();
    expected.sort();
    assert_eq!(sent, expected, "each recipient's message on its own topic");
}

#[tokio::test]
async fn one_recipients_messages_go_in_batches_of_ten() {
    let busy = OrgId::new();
    let records = (0..23)
        .map(|n| stream_record(n, event_item(Channel::InboxOffers, vec![busy])))
        .collect();
    let sns = FakeSns::default();
    let out = publish_stream_batch(&sns, &FakePark::default(), &ALL, &batch(records)).await;
    assert!(out.batch_item_failures.is_empty());
    let calls = sns.calls.lock().unwrap();
    assert_eq!(
        calls.iter().map(|(_, e)| e.len()).collect::<Vec<_>>(),
        vec![10, 10, 3]
    );
    assert!(
        calls
            .iter()
            .all(|(t, _)| t == &topic(Channel::InboxOffers, busy))
    );
}

/// A recipient that never subscribed to a channel has no topic of it: nothing is sent, and
/// nothing fails.
#[tokio::test]
async fn recipients_without_a_topic_are_sent_nothing() {
    let (subscribed, other) = (OrgId::new(), OrgId::new());
    let sns = FakeSns::default();
    let out = publish_stream_batch(
        &sns,
        &FakePark::default(),
        &SomeTopics(Some(vec![(Channel::InboxOffers, subscribed)])),
        &batch(vec![
            stream_record(1, event_item(Channel::InboxOffers, vec![subscribed, other])),
            stream_record(2, event_item(Channel::OutboxOffers, vec![subscribed])),
        ]),
    )
    .await;
    assert!(out.batch_item_failures.is_empty());
    let calls = sns.calls.lock().unwrap();
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].0, topic(Channel::InboxOffers, subscribed));
    assert_eq!(calls[0].1.len(), 1);
}

/// When the recipients' topics cannot be read, every event record is retried; a state item
/// beside them is not an event and is not reported.
#[tokio::test]
async fn an_unreadable_topic_list_retries_every_event() {
    let sns = FakeSns::default();
    let state = crate::store::db::to_item(
        "offer",
        &Keys::new("OFFER#1", "OFFER"),
        &serde_json::json!({"x": 1}),
    )
    .unwrap();
    let out = publish_stream_batch(
        &sns,
        &FakePark::default(),
        &SomeTopics(None),
        &batch(vec![
            stream_record(1, event_item(Channel::InboxOffers, vec![OrgId::new()])),
            stream_record(2, state),
            stream_record(3, event_item(Channel::OutboxOffers, vec![OrgId::new()])),
        ]),
    )
    .await;
    let failed: Vec<&str> = out
        .batch_item_failures
        .iter()
        .map(|f| f.item_identifier.as_deref().unwrap_or_default())
        .collect();
    assert_eq!(failed, vec!["1", "3"]);
    assert!(sns.calls.lock().unwrap().is_empty());
}

#[tokio::test]
async fn state_items_and_non_inserts_are_skipped() {
    let sns = FakeSns::default();
    let state = crate::store::db::to_item(
        "offer",
        &Keys::new("OFFER#1", "OFFER"),
        &serde_json::json!({"x": 1}),
    )
    .unwrap();
    let mut modify = stream_record(2, event_item(Channel::OutboxOffers, vec![OrgId::new()]));
    modify.event_name = "MODIFY".into();
    let out = publish_stream_batch(
        &sns,
        &FakePark::default(),
        &ALL,
        &batch(vec![stream_record(1, state), modify]),
    )
    .await;
    assert!(out.batch_item_failures.is_empty());
    assert!(sns.calls.lock().unwrap().is_empty());
}

#[tokio::test]
async fn failed_entries_report_their_records_sequence_numbers() {
    let bad = OrgId::new();
    let sns = FakeSns {
        fail_for: vec![bad.to_string()],
        ..Default::default()
    };
    let records = vec![
        stream_record(100, event_item(Channel::OutboxOffers, vec![OrgId::new()])),
        stream_record(
            200,
            event_item(Channel::InboxOffers, vec![OrgId::new(), bad]),
        ),
        stream_record(300, event_item(Channel::InboxOffers, vec![OrgId::new()])),
    ];
    let out = publish_stream_batch(&sns, &FakePark::default(), &ALL, &batch(records)).await;
    let ids: Vec<_> = out
        .batch_item_failures
        .iter()
        .map(|f| f.item_identifier.clone().unwrap())
        .collect();
    assert_eq!(ids, vec!["200".to_owned()]);
}

#[tokio::test]
async fn undecodable_event_items_fail_instead_of_vanishing() {
    let sns = FakeSns::default();
    let broken = crate::store::db::to_item(
        "event",
        &Keys::new("EVT#x", "EVT"),
        &serde_json::json!({"channel": "nowhere"}),
    )
    .unwrap();
    let out = publish_stream_batch(
        &sns,
        &FakePark::default(),
        &ALL,
        &batch(vec![stream_record(7, broken)]),
    )
    .await;
    assert_eq!(out.batch_item_failures.len(), 1);
    assert_eq!(
        out.batch_item_failures[0].item_identifier.as_deref(),
        Some("7")
    );
}

fn event_with_payload(recipients: Vec<OrgId>, payload_bytes: usize) -> crate::store::db::Item {
    let mut item = event_item(Channel::InboxOffers, recipients);
    item.insert(
        "payload".into(),
        aws_sdk_dynamodb::types::AttributeValue::S("x".repeat(payload_bytes)),
    );
    item
}

#[test]
fn batches_are_packed_by_bytes_as_well_as_count() {
    let entry = |n: usize, bytes: usize| Entry {
        id: n.to_string(),
        message: "m".repeat(bytes),
        organization_id: OrgId::new().to_string(),
        event_name: "OfferMatched".into(),
        event_id: OfferId::new().to_string(),
        entity: None,
    };
    // Three messages of 100 KiB: no two and a neighbour fit one call of 256 KiB.
    let (calls, too_large) = pack((0..3).map(|n| entry(n, 100 * 1024)).collect());
    assert_eq!(calls.iter().map(Vec::len).collect::<Vec<_>>(), vec![2, 1]);
    assert!(too_large.is_empty());
    for call in &calls {
        assert!(call.iter().map(Entry::bytes).sum::<usize>() <= MAX_BATCH_BYTES);
    }
    // Small ones still go ten to a call; one over the limit goes apart.
    let mut entries: Vec<Entry> = (0..12).map(|n| entry(n, 10)).collect();
    entries.insert(5, entry(99, MAX_BATCH_BYTES));
    let (calls, too_large) = pack(entries);
    assert_eq!(calls.iter().map(Vec::len).collect::<Vec<_>>(), vec![10, 2]);
    assert_eq!(too_large.len(), 1);
    assert_eq!(too_large[0].id, "99");
}

/// An event too large for SNS is parked, not retried: its neighbours (other organizations'
/// events) are published once and no record is reported failed.
#[tokio::test]
async fn an_oversized_event_is_parked_without_failing_its_neighbours() {
    let sns = FakeSns::default();
    let park = FakePark::default();
    let (a, b) = (OrgId::new(), OrgId::new());
    let records = vec![
        stream_record(1, event_item(Channel::InboxOffers, vec![a])),
        stream_record(2, event_with_payload(vec![b], MAX_BATCH_BYTES + 1)),
        stream_record(3, event_item(Channel::InboxOffers, vec![a])),
    ];
    let out = publish_stream_batch(&sns, &park, &ALL, &batch(records)).await;
    assert!(out.batch_item_failures.is_empty());
    let published: Vec<String> = sns
        .calls
        .lock()
        .unwrap()
        .iter()
        .flat_map(|(_, e)| e.iter().map(|e| e.organization_id.clone()))
        .collect();
    assert_eq!(published, vec![a.to_string(), a.to_string()]);
    let parked = park.parked.lock().unwrap();
    assert_eq!(parked.len(), 1);
    assert_eq!(parked[0].organization_id, b.to_string());
}

/// If the message cannot even be parked, its record is reported so Lambda retries it and,
/// after the retries, its on-failure destination describes it.
#[tokio::test]
async fn an_oversized_event_that_cannot_be_parked_is_reported() {
    let sns = FakeSns::default();
    let park = FakePark {
        broken: true,
        ..FakePark::default()
    };
    let records = vec![stream_record(
        7,
        event_with_payload(vec![OrgId::new()], MAX_BATCH_BYTES + 1),
    )];
    let out = publish_stream_batch(&sns, &park, &ALL, &batch(records)).await;
    let failed: Vec<&str> = out
        .batch_item_failures
        .iter()
        .map(|f| f.item_identifier.as_deref().unwrap_or_default())
        .collect();
    assert_eq!(failed, vec!["7"]);
}

/// One batch's messages counted by what became of them, per channel; a failed or parked
/// message's document names its recipient, never as a dimension.
#[tokio::test]
async fn the_batch_counts_what_it_published_failed_and_parked() {
    use crate::infra::metrics::{Emitter, Memory, validate};
    let bad = OrgId::new();
    let (a, b, huge) = (OrgId::new(), OrgId::new(), OrgId::new());
    let sns = FakeSns {
        fail_for: vec![bad.to_string()],
        ..Default::default()
    };
    let park = FakePark::default();
    let records = vec![
        stream_record(1, event_item(Channel::OutboxOffers, vec![a, b])),
        stream_record(2, event_item(Channel::InboxOffers, vec![a, bad])),
        stream_record(3, event_with_payload(vec![huge], MAX_BATCH_BYTES + 1)),
    ];
    let memory = std::sync::Arc::new(Memory::new(100));
    Emitter::new("Test", memory.clone())
        .scope(publish_stream_batch(&sns, &park, &ALL, &batch(records)))
        .await;
    let docs = memory.documents();
    let mut counts = std::collections::BTreeMap::new();
    for doc in &docs {
        validate(doc).unwrap();
        for name in ["EventsPublished", "EventsFailed", "EventsParked"] {
            if let Some(n) = doc[name].as_f64() {
                let about = doc["organization_id"].as_str().unwrap_or("-").to_owned();
                let channel = doc["Channel"].as_str().unwrap().to_owned();
                *counts.entry((name, channel, about)).or_insert(0.0) += n;
            }
        }
        let directives = doc["_aws"]["CloudWatchMetrics"].to_string();
        assert!(!directives.contains("organization_id"), "{directives}");
    }
    let key = |n, c: &str, o: &str| (n, c.to_owned(), o.to_owned());
    let expected = std::collections::BTreeMap::from([
        (key("EventsPublished", "outbox-offers", "-"), 2.0),
        (key("EventsPublished", "inbox-offers", "-"), 1.0),
        (key("EventsFailed", "inbox-offers", &bad.to_string()), 1.0),
        (key("EventsParked", "inbox-offers", &huge.to_string()), 1.0),
    ]);
    assert_eq!(counts, expected, "{docs:#?}");
}
