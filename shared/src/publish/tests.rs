use std::sync::Mutex;

use super::*;
use crate::db::Keys;
use crate::events::{Channel, EventName};
use crate::ids::{OfferId, OrgId};

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

fn stream_record(seq: u64, item: crate::db::Item) -> StreamRecord {
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

fn event_item(channel: Channel, recipients: Vec<OrgId>) -> crate::db::Item {
    let rec = EventRecord::offer(
        channel,
        EventName::OfferMatched,
        recipients,
        OfferId::new(),
        crate::time::now(),
    );
    let mut item = crate::db::to_item(
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

fn arn(channel: &str) -> String {
    format!("arn:aws:sns:us-east-1:123456789012:stack-{channel}")
}

#[tokio::test]
async fn one_message_per_recipient_in_batches_of_ten() {
    let recipients: Vec<OrgId> = (0..23).map(|_| OrgId::new()).collect();
    let sns = FakeSns::default();
    let out = publish_stream_batch(
        &sns,
        arn,
        &batch(vec![stream_record(
            1,
            event_item(Channel::InboxOffers, recipients.clone()),
        )]),
    )
    .await;
    assert!(out.batch_item_failures.is_empty());
    let calls = sns.calls.lock().unwrap();
    assert_eq!(
        calls.iter().map(|(_, e)| e.len()).collect::<Vec<_>>(),
        vec![10, 10, 3]
    );
    assert!(calls.iter().all(|(t, _)| t == &arn("inbox-offers")));
    let orgs: Vec<String> = calls
        .iter()
        .flat_map(|(_, e)| e.iter().map(|x| x.organization_id.clone()))
        .collect();
    assert_eq!(
        orgs,
        recipients.iter().map(|r| r.to_string()).collect::<Vec<_>>()
    );
}

#[tokio::test]
async fn state_items_and_non_inserts_are_skipped() {
    let sns = FakeSns::default();
    let state = crate::db::to_item(
        "offer",
        &Keys::new("OFFER#1", "OFFER"),
        &serde_json::json!({"x": 1}),
    )
    .unwrap();
    let mut modify = stream_record(2, event_item(Channel::OutboxOffers, vec![OrgId::new()]));
    modify.event_name = "MODIFY".into();
    let out = publish_stream_batch(&sns, arn, &batch(vec![stream_record(1, state), modify])).await;
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
    let out = publish_stream_batch(&sns, arn, &batch(records)).await;
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
    let broken = crate::db::to_item(
        "event",
        &Keys::new("EVT#x", "EVT"),
        &serde_json::json!({"channel": "nowhere"}),
    )
    .unwrap();
    let out = publish_stream_batch(&sns, arn, &batch(vec![stream_record(7, broken)])).await;
    assert_eq!(out.batch_item_failures.len(), 1);
    assert_eq!(
        out.batch_item_failures[0].item_identifier.as_deref(),
        Some("7")
    );
}
