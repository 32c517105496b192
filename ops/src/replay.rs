//! Listing and replaying parked entries.
//!
//! Reading a queue receives every message with a visibility timeout (`hold`), so a run has
//! them to itself while it works; what it does not delete is made visible again at the end.
//! Another operator's run meanwhile sees fewer messages, and the replay markers keep the two
//! from delivering one unit twice (`crate::markers`).
//!
//! A replay hands each selected unit to the code that delivered it first: a stream consumer's
//! handler, on the event's item (so the publisher sends the same payload, message attributes
//! and `event_id` to the organization's own topic), or the family's delivery queue as a first
//! try (so the sender signs, retries and parks it again as it would any delivery; a hub
//! delivery keeps its `webhook-id`). An entry is deleted from its queue once every unit of it
//! is replayed, now or before (unless `keep`), which also clears its queue's alarm.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use aws_lambda_events::event::dynamodb::{Event, EventRecord};
use aws_sdk_sqs::types::{ChangeMessageVisibilityBatchRequestEntry, MessageSystemAttributeName};
use chrono::{DateTime, Utc};
use functions::Handler;
use futures::StreamExt;
use shared::App;

use crate::markers::{self, Claim};
use crate::parked::{Consumer, Entry, Item, Marker, Redrive, Source, Unit, parse_body};
use crate::resolve::resolve;
use crate::select::Filter;
use crate::targets::Targets;

/// How a run reads and what it may do.
#[derive(Clone, Debug)]
pub struct Options {
    pub filter: Filter,
    /// Replays units that have a marker (replayed or claimed) too.
    pub force: bool,
    /// Leaves replayed entries on their queue.
    pub keep: bool,
    /// Says what would be replayed and changes nothing.
    pub dry_run: bool,
    /// The consumer of failure records whose function the stack's outputs do not name.
    pub consumer: Option<Consumer>,
    /// How long a run keeps the messages it read invisible to other readers.
    pub hold: Duration,
    /// At most this many messages read per queue.
    pub max_entries: usize,
    /// Who replays, recorded in the markers.
    pub operator: String,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            filter: Filter::default(),
            force: false,
            keep: false,
            dry_run: false,
            consumer: None,
            hold: Duration::from_secs(300),
            max_entries: 10_000,
            operator: std::env::var("USER").unwrap_or_else(|_| "operator".into()),
        }
    }
}

/// What became of one selected unit.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    Replayed,
    /// Would be replayed (a dry run).
    WouldReplay,
    /// Has a marker and `force` was not given.
    AlreadyReplayed(Marker),
    NotReplayable(String),
    Failed(String),
}

impl Outcome {
    pub fn as_str(&self) -> &'static str {
        match self {
            Outcome::Replayed => "replayed",
            Outcome::WouldReplay => "would-replay",
            Outcome::AlreadyReplayed(_) => "already-replayed",
            Outcome::NotReplayable(_) => "not-replayable",
            Outcome::Failed(_) => "failed",
        }
    }
}

/// A run's account: each selected unit's outcome, and the entries deleted from their queues.
#[derive(Debug, Default)]
pub struct Report {
    pub entries: Vec<Entry>,
    /// `(entry index, unit index, outcome)`.
    pub outcomes: Vec<(usize, usize, Outcome)>,
    pub deleted: Vec<String>,
    /// Entries replayed but not deleted, and why: they are listed, and replayed, again.
    pub problems: Vec<String>,
}

impl Report {
    pub fn count(&self, outcome: &str) -> usize {
        self.outcomes
            .iter()
            .filter(|(_, _, o)| o.as_str() == outcome)
            .count()
    }
}

/// Every entry of the queues the filter reads, resolved and with its units' markers; the
/// messages stay invisible for `hold`.
pub async fn read(targets: &Targets, options: &Options) -> Result<Vec<Entry>, String> {
    let mut entries = Vec::new();
    for source in Source::ALL {
        if !options.filter.reads(source) || targets.queue(source).is_empty() {
            continue;
        }
        match receive_all(targets, source, options).await {
            Ok(read) => entries.extend(read),
            Err(e) => return Err(given_back(targets, &entries, e).await),
        }
    }
    for entry in &mut entries {
        resolve(targets, entry, options.consumer).await;
    }
    if let Err(e) = markers::look_up(targets, &mut entries).await {
        return Err(given_back(targets, &entries, e).await);
    }
    Ok(entries)
}

/// `error`, once `entries` are visible again: a failed read hides nothing for long.
async fn given_back(targets: &Targets, entries: &[Entry], error: String) -> String {
    match release(targets, entries).await {
        Ok(()) => error,
        Err(also) => format!("{error}; and making the messages read visible again: {also}"),
    }
}

/// The parked entries (every unit, selected or not), left on their queues.
pub async fn list(targets: &Targets, options: &Options) -> Result<Vec<Entry>, String> {
    let entries = read(targets, options).await?;
    release(targets, &entries).await?;
    Ok(entries)
}

/// Replays the selected units (see the module's documentation).
pub async fn run(targets: &Targets, options: &Options) -> Result<Report, String> {
    let entries = read(targets, options).await?;
    let apps: HashMap<Consumer, App> = Consumer::ALL
        .into_iter()
        .map(|c| (c, targets.app(c)))
        .collect();
    let selected: Vec<(usize, usize)> = entries
        .iter()
        .enumerate()
        .flat_map(|(e, entry)| {
            let filter = &options.filter;
            (0..entry.units.len())
                .filter(move |u| filter.selects(entry, &entry.units[*u]))
                .map(move |u| (e, u))
        })
        .collect();
    let outcomes: Vec<(usize, usize, Outcome)> = futures::stream::iter(selected)
        .map(|(e, u)| {
            let (entry, apps) = (&entries[e], &apps);
            async move {
                let outcome = replay_unit(targets, apps, entry, &entry.units[u], options).await;
                (e, u, outcome)
            }
        })
        // A few at once: a stream consumer's run is a few calls; a job is one.
        .buffer_unordered(8)
        .collect()
        .await;
    let mut report = Report {
        entries,
        outcomes,
        deleted: Vec::new(),
        problems: Vec::new(),
    };
    report.outcomes.sort_by_key(|(e, u, _)| (*e, *u));
    let replayed_now: HashSet<(usize, usize)> = report
        .outcomes
        .iter()
        .filter(|(_, _, o)| *o == Outcome::Replayed)
        .map(|(e, u, _)| (*e, *u))
        .collect();
    let mut kept = Vec::new();
    for (e, entry) in report.entries.iter().enumerate() {
        let resolved = !entry.units.is_empty()
            && entry.units.iter().enumerate().all(|(u, unit)| {
                replayed_now.contains(&(e, u))
                    || unit.marker.as_ref().is_some_and(|m| m.state == "replayed")
            });
        if !resolved || options.keep || options.dry_run {
            kept.push(entry.clone());
            continue;
        }
        match delete(targets, entry).await {
            Ok(()) => report.deleted.push(entry.message_id.clone()),
            Err(e) => {
                let id = &entry.message_id;
                report
                    .problems
                    .push(format!("{id} is replayed but stays parked: {e}"));
                kept.push(entry.clone());
            }
        }
    }
    if let Err(e) = release(targets, &kept).await {
        report.problems.push(e);
    }
    Ok(report)
}

/// Deletes the entries the filter selects by `entry` id: what cannot be replayed, once an
/// operator has dealt with it otherwise. Returns their ids.
pub async fn discard(targets: &Targets, options: &Options) -> Result<Vec<String>, String> {
    if options.filter.entry.is_none() {
        return Err("discard needs --entry: it deletes parked messages for good".into());
    }
    let entries = read(targets, options).await?;
    let (chosen, others): (Vec<Entry>, Vec<Entry>) = entries.into_iter().partition(|e| {
        options
            .filter
            .entry
            .as_ref()
            .is_some_and(|id| e.message_id.starts_with(id.as_str()))
    });
    for entry in &chosen {
        delete(targets, entry).await?;
    }
    release(targets, &others).await?;
    Ok(chosen.into_iter().map(|e| e.message_id).collect())
}

async fn replay_unit(
    targets: &Targets,
    apps: &HashMap<Consumer, App>,
    entry: &Entry,
    unit: &Unit,
    options: &Options,
) -> Outcome {
    if let Redrive::Impossible(why) = &unit.redrive {
        return Outcome::NotReplayable(why.clone());
    }
    if let Some(marker) = &unit.marker
        && !options.force
    {
        return Outcome::AlreadyReplayed(marker.clone());
    }
    if options.dry_run {
        return Outcome::WouldReplay;
    }
    let token = match markers::claim(
        targets,
        unit,
        &entry.message_id,
        &options.operator,
        options.force,
    )
    .await
    {
        Ok(Claim::Ours(token)) => token,
        Ok(Claim::Taken(marker)) => return Outcome::AlreadyReplayed(marker),
        Err(e) => return Outcome::Failed(e),
    };
    let handed_on = redrive(targets, apps, unit).await;
    if let Err(e) = markers::settle(targets, unit, &token, handed_on.is_ok()).await {
        return Outcome::Failed(e);
    }
    match handed_on {
        Ok(()) => Outcome::Replayed,
        Err(e) => Outcome::Failed(e),
    }
}

/// Hands `unit` to the code that delivers it.
async fn redrive(
    targets: &Targets,
    apps: &HashMap<Consumer, App>,
    unit: &Unit,
) -> Result<(), String> {
    match &unit.redrive {
        Redrive::Stream { consumer, item } => {
            let entry = functions::registry::find(consumer.handler())
                .ok_or_else(|| format!("{} is not in the registry", consumer.handler()))?;
            let Handler::DynamoDbStream(call) = entry.handler else {
                return Err(format!("{} is not a stream consumer", consumer.handler()));
            };
            let response = call(&apps[consumer], stream_event(item)).await;
            if response.batch_item_failures.is_empty() {
                Ok(())
            } else {
                Err(format!(
                    "{} reported the event failed again (its log lines above say why)",
                    consumer.handler()
                ))
            }
        }
        Redrive::CollectorJob(job) => {
            let queue = targets.collector_delivery_queue();
            enqueue(targets, queue, job).await
        }
        Redrive::HubJob(job) => enqueue(targets, targets.hub_delivery_queue(), job).await,
        Redrive::Impossible(why) => Err(why.clone()),
    }
}

async fn enqueue<W: serde::Serialize>(
    targets: &Targets,
    queue: &str,
    job: &shared::infra::delivery::Job<W>,
) -> Result<(), String> {
    let sqs = targets.sqs();
    shared::infra::delivery::enqueue(&sqs, queue, std::slice::from_ref(job), Duration::ZERO).await
}

/// `item` as the one INSERT record of a stream batch, as Lambda hands it to a consumer.
pub fn stream_event(item: &Item) -> Event {
    let mut record = EventRecord::default();
    record.event_name = "INSERT".into();
    record.event_id = uuid::Uuid::new_v4().to_string();
    record.event_source = Some("aws:dynamodb".into());
    let keys: Item = ["pk", "sk"]
        .into_iter()
        .filter_map(|k| Some((k.to_owned(), item.get(k)?.clone())))
        .collect();
    record.change.keys = keys.into();
    record.change.new_image = item.clone().into();
    record.change.sequence_number = Some("1".into());
    let mut event = Event::default();
    event.records = vec![record];
    event
}

/// Receives every message of `source`'s queue (at most `max_entries`).
async fn receive_all(
    targets: &Targets,
    source: Source,
    options: &Options,
) -> Result<Vec<Entry>, String> {
    let sqs = targets.sqs();
    let url = targets.queue(source);
    let mut entries: Vec<Entry> = Vec::new();
    let mut seen = HashSet::new();
    while entries.len() < options.max_entries {
        let out = sqs
            .receive_message()
            .queue_url(url)
            .max_number_of_messages(10)
            .visibility_timeout(options.hold.as_secs().clamp(1, 43_200) as i32)
            // A long poll asks every SQS server: a short one may answer empty while
            // messages wait.
            .wait_time_seconds(1)
            .message_system_attribute_names(MessageSystemAttributeName::SentTimestamp)
            .send()
            .await
            .map_err(|e| format!("ReceiveMessage {url}: {}", aws_sdk_sqs::Error::from(e)))?;
        let messages = out.messages.unwrap_or_default();
        if messages.is_empty() {
            break;
        }
        for m in messages {
            let id = m.message_id.clone().unwrap_or_default();
            if !seen.insert(id.clone()) {
                continue;
            }
            let parked_at = m
                .attributes
                .as_ref()
                .and_then(|a| a.get(&MessageSystemAttributeName::SentTimestamp))
                .and_then(|ms| ms.parse::<i64>().ok())
                .and_then(DateTime::<Utc>::from_timestamp_millis);
            entries.push(Entry {
                source,
                message_id: id,
                receipt_handle: m.receipt_handle.unwrap_or_default(),
                parked_at,
                body: parse_body(source, m.body.as_deref().unwrap_or_default()),
                units: Vec::new(),
                notes: Vec::new(),
            });
        }
    }
    Ok(entries)
}

async fn delete(targets: &Targets, entry: &Entry) -> Result<(), String> {
    targets
        .sqs()
        .delete_message()
        .queue_url(targets.queue(entry.source))
        .receipt_handle(&entry.receipt_handle)
        .send()
        .await
        .map(|_| ())
        .map_err(|e| format!("DeleteMessage: {}", aws_sdk_sqs::Error::from(e)))
}

/// Makes the entries visible again at once.
async fn release(targets: &Targets, entries: &[Entry]) -> Result<(), String> {
    let sqs = targets.sqs();
    for source in Source::ALL {
        let of_source: Vec<&Entry> = entries.iter().filter(|e| e.source == source).collect();
        for chunk in of_source.chunks(10) {
            let batch: Result<Vec<_>, _> = chunk
                .iter()
                .enumerate()
                .map(|(n, e)| {
                    ChangeMessageVisibilityBatchRequestEntry::builder()
                        .id(n.to_string())
                        .receipt_handle(&e.receipt_handle)
                        .visibility_timeout(0)
                        .build()
                })
                .collect();
            sqs.change_message_visibility_batch()
                .queue_url(targets.queue(source))
                .set_entries(Some(batch.map_err(|e| e.to_string())?))
                .send()
                .await
                .map_err(|e| {
                    format!(
                        "ChangeMessageVisibilityBatch: {}",
                        aws_sdk_sqs::Error::from(e)
                    )
                })?;
        }
    }
    Ok(())
}
