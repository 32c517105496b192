//! Fills in what a parked entry stands for, from the table.
//!
//! A stream batch's failure record names a shard and a sequence-number range, not the
//! records. While the stream keeps them (24 hours) the range is read again
//! (`GetShardIterator AT_SEQUENCE_NUMBER`) for the keys of the items the consumer was
//! given; after that, the items of the consumer's kinds written in the batch's arrival
//! window stand in (a `Scan`: a superset, since other shards' events of that window come
//! along, and their subscribers drop the repeats by event id). Either way each event is then
//! read from the table, where it lives until its TTL (`EVENT_TTL_SECONDS`, 15 days: longer
//! than the queue keeps the entry). A hub dead letter gets back its envelope's exact bytes
//! from the Listener event's item.

use std::collections::{HashMap, HashSet};

use aws_sdk_dynamodb::types::{AttributeValue, KeysAndAttributes};
use aws_sdk_dynamodbstreams::types::{OperationType, ShardIteratorType};
use chrono::{DateTime, Duration, Utc};
use shared::events::Channel;
use shared::events::publish::TopicPort;
use shared::kernel::ids::OrgId;

use crate::parked::{BatchInfo, Body, Consumer, Entry, Item, Redrive, StreamSettings, Unit};
use crate::parked::{time_of, units_of_body, units_of_item};
use crate::targets::Targets;

/// Fills in `entry.units` (and notes what could not be), `consumer` standing in for a
/// failure record's function the stack's outputs do not name.
pub async fn resolve(targets: &Targets, entry: &mut Entry, consumer: Option<Consumer>) {
    match &mut entry.body {
        Body::StreamBatch(info) => {
            info.consumer = targets.consumer_of(&info.function_arn).or(consumer);
            let info = info.clone();
            match stream_units(targets, &info).await {
                Ok((units, notes)) => {
                    entry.units = units;
                    entry.notes.extend(notes);
                }
                Err(note) => entry.notes.push(note),
            }
        }
        Body::HubJob { job, .. } => {
            let key = (
                format!("LEVT#{}#{}", job.tenant, job.work.event_id),
                "LEVT".to_owned(),
            );
            let found = batch_get(targets, vec![key.clone()]).await;
            let mut units = units_of_body(&entry.body);
            match found.map(|mut items| items.remove(&key)) {
                Ok(Some(item)) => {
                    let payload = item.get("payload").and_then(|v| v.as_s().ok());
                    let at = item.get("received_at").and_then(|v| v.as_s().ok());
                    for unit in &mut units {
                        if let (Redrive::HubJob(job), Some(payload)) = (&mut unit.redrive, payload)
                        {
                            job.work.payload = payload.clone();
                        }
                        if let Some(at) = at {
                            unit.occurred_at = time_of(&serde_json::Value::String(at.clone()));
                        }
                    }
                }
                Ok(None) => entry.notes.push(
                    "the Listener event's item is gone (TTL): the envelope is sent as parked, \
                     its keys in another order"
                        .into(),
                ),
                Err(e) => entry.notes.push(format!("reading the Listener event: {e}")),
            }
            entry.units = units;
        }
        body => entry.units = units_of_body(body),
    }
}

async fn stream_units(
    targets: &Targets,
    info: &BatchInfo,
) -> Result<(Vec<Unit>, Vec<String>), String> {
    let Some(consumer) = info.consumer else {
        return Err(format!(
            "{:?} is not one of the stack's stream consumers (its outputs name them); \
             name the consumer with --consumer to replay it",
            info.function_arn
        ));
    };
    let mut notes = Vec::new();
    let items = match stream_keys(targets, info, consumer).await {
        Ok(keys) if !keys.is_empty() => {
            let wanted = keys.len();
            let found = batch_get(targets, keys.clone()).await?;
            if found.len() < wanted {
                notes.push(format!(
                    "{} of the batch's {wanted} items are gone from the table (TTL)",
                    wanted - found.len()
                ));
            }
            keys.into_iter()
                .filter_map(|k| found.get(&k).cloned())
                .collect()
        }
        read => {
            let why = match read {
                Ok(_) => "holds none of its records".to_owned(),
                Err(e) => format!("cannot be read ({e})"),
            };
            let (Some(first), Some(last)) = (info.first_arrival, info.last_arrival) else {
                return Err(format!(
                    "the stream {why} and the record gives no arrival times"
                ));
            };
            notes.push(format!(
                "the stream {why}: the {} items written from {first} to {last} stand in",
                consumer.kinds().join("/")
            ));
            window_items(targets, consumer, first, last).await?
        }
    };
    let settings = StreamSettings {
        topic_arn_prefix: targets.topic_arn_prefix(),
        feed_retention_seconds: targets.feed_retention_seconds(),
        now: Utc::now(),
    };
    let mut units = Vec::new();
    for item in &items {
        match units_of_item(consumer, item, &settings) {
            Ok(found) => units.extend(found),
            Err(e) => notes.push(e),
        }
    }
    if consumer == Consumer::Publisher && !units.is_empty() {
        subscribed_only(targets, &mut units, &mut notes).await;
    }
    Ok((units, notes))
}

/// Keeps the publisher's units whose organization has a topic of the channel, as the
/// publisher itself reads them (`TopicPort`): to the others nothing was, or would be, sent.
async fn subscribed_only(targets: &Targets, units: &mut Vec<Unit>, notes: &mut Vec<String>) {
    let app = targets.app(Consumer::Publisher);
    let topic_of = |u: &Unit| app.config.topic_of_arn(u.target.as_deref()?);
    let wanted: HashSet<(Channel, OrgId)> = units.iter().filter_map(topic_of).collect();
    match app.db.topics(wanted.into_iter().collect()).await {
        Ok(known) => {
            let before = units.len();
            units.retain(|u| topic_of(u).is_none_or(|k| known.contains_key(&k)));
            if units.len() < before {
                notes.push(format!(
                    "{} of its recipients never subscribed to the channel: nothing was or is \
                     sent to them",
                    before - units.len()
                ));
            }
        }
        Err(e) => notes.push(format!(
            "the recipients' topics could not be read ({e}): every recipient is listed"
        )),
    }
}

/// Sequence numbers are decimal strings of varying length.
fn sequence_after(a: &str, b: &str) -> bool {
    let (a, b) = (a.trim_start_matches('0'), b.trim_start_matches('0'));
    (a.len(), a) > (b.len(), b)
}

/// The keys of the records in the batch's range that the consumer's filter lets through.
async fn stream_keys(
    targets: &Targets,
    info: &BatchInfo,
    consumer: Consumer,
) -> Result<Vec<(String, String)>, String> {
    let client = targets.streams();
    let error = |e: aws_sdk_dynamodbstreams::Error| e.to_string();
    let mut iterator = client
        .get_shard_iterator()
        .stream_arn(&info.stream_arn)
        .shard_id(&info.shard_id)
        .shard_iterator_type(ShardIteratorType::AtSequenceNumber)
        .sequence_number(&info.start_sequence)
        .send()
        .await
        .map_err(|e| error(e.into()))?
        .shard_iterator;
    let mut keys = Vec::new();
    // An open shard answers empty pages once read to its end (and, in DynamoDB, now and
    // then before it): a few in a row end the read.
    let mut empty = 0;
    while let Some(current) = iterator.take() {
        let out = client
            .get_records()
            .shard_iterator(current)
            .send()
            .await
            .map_err(|e| error(e.into()))?;
        let records = out.records.unwrap_or_default();
        empty = if records.is_empty() { empty + 1 } else { 0 };
        for record in records {
            let Some(change) = record.dynamodb else {
                continue;
            };
            let sequence = change.sequence_number.unwrap_or_default();
            if sequence_after(&sequence, &info.end_sequence) {
                return Ok(keys);
            }
            if record.event_name != Some(OperationType::Insert) {
                continue;
            }
            let image = change.new_image.unwrap_or_default();
            let s = |k: &str| image.get(k).and_then(|v| v.as_s().ok()).cloned();
            if let (Some(kind), Some(pk), Some(sk)) = (s("kind"), s("pk"), s("sk"))
                && consumer.kinds().contains(&kind.as_str())
            {
                keys.push((pk, sk));
            }
        }
        if empty >= 3 {
            break;
        }
        iterator = out.next_shard_iterator;
    }
    Ok(keys)
}

/// The consumer's items written in `[first, last]` (a few seconds either side: an item's
/// time is set just before its write reaches the stream).
async fn window_items(
    targets: &Targets,
    consumer: Consumer,
    first: DateTime<Utc>,
    last: DateTime<Utc>,
) -> Result<Vec<Item>, String> {
    let (from, to) = (first - Duration::seconds(5), last + Duration::seconds(5));
    let kinds = consumer.kinds();
    let names: Vec<String> = (0..kinds.len()).map(|i| format!(":k{i}")).collect();
    let mut scan = targets
        .dynamodb()
        .scan()
        .table_name(targets.table())
        .filter_expression(format!("#kind IN ({})", names.join(", ")))
        .expression_attribute_names("#kind", "kind");
    for (name, kind) in names.iter().zip(kinds) {
        scan = scan.expression_attribute_values(name, AttributeValue::S((*kind).to_owned()));
    }
    let mut pages = scan.into_paginator().items().send();
    let mut items = Vec::new();
    while let Some(item) = pages.next().await {
        let item = item.map_err(|e| format!("Scan: {}", aws_sdk_dynamodb::Error::from(e)))?;
        let at = ["created_at", "received_at"]
            .iter()
            .find_map(|k| item.get(*k).and_then(|v| v.as_s().ok()))
            .and_then(|s| time_of(&serde_json::Value::String(s.clone())));
        if at.is_some_and(|at| at >= from && at <= to) {
            items.push(item);
        }
    }
    Ok(items)
}

/// The items with these keys that exist, read consistently.
pub async fn batch_get(
    targets: &Targets,
    keys: Vec<(String, String)>,
) -> Result<HashMap<(String, String), Item>, String> {
    let client = targets.dynamodb();
    let mut found = HashMap::new();
    let mut keys = keys;
    keys.sort();
    keys.dedup();
    for chunk in keys.chunks(100) {
        let key_items: Vec<HashMap<String, AttributeValue>> = chunk
            .iter()
            .map(|(pk, sk)| {
                HashMap::from([
                    ("pk".to_owned(), AttributeValue::S(pk.clone())),
                    ("sk".to_owned(), AttributeValue::S(sk.clone())),
                ])
            })
            .collect();
        let mut request = Some(
            KeysAndAttributes::builder()
                .set_keys(Some(key_items))
                .consistent_read(true)
                .build()
                .map_err(|e| e.to_string())?,
        );
        let mut tries = 0;
        while let Some(wanted) = request.take() {
            tries += 1;
            let out = client
                .batch_get_item()
                .request_items(targets.table(), wanted)
                .send()
                .await
                .map_err(|e| format!("BatchGetItem: {}", aws_sdk_dynamodb::Error::from(e)))?;
            for item in out.responses.unwrap_or_default().into_values().flatten() {
                let s = |k: &str| item.get(k).and_then(|v| v.as_s().ok()).cloned();
                if let (Some(pk), Some(sk)) = (s("pk"), s("sk")) {
                    found.insert((pk, sk), item);
                }
            }
            request = out
                .unprocessed_keys
                .and_then(|mut u| u.remove(targets.table()));
            if request.is_some() {
                if tries >= 8 {
                    return Err("BatchGetItem: keys left unprocessed after 8 tries".into());
                }
                tokio::time::sleep(std::time::Duration::from_millis(50 << tries)).await;
            }
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sequence_numbers_compare_as_numbers() {
        assert!(sequence_after("1000", "999"));
        assert!(!sequence_after("999", "1000"));
        assert!(!sequence_after("1000", "1000"));
        assert!(sequence_after("0001001", "1000"));
    }
}
