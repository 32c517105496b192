//! Publisher benchmark: `shared::events::publish::publish_stream_batch` on batches of n = 1, 10, 100
//! and 1,000 event records against a fake SNS that answers at once, on one core.
//!
//! The records are one organization's (its own topic of the channel, so they batch: ceil(n / 10)
//! `PublishBatch` calls, which the benchmark checks); each organization's messages go to its
//! own topic, so records for n organizations would take n calls. It prints
//! events/s, with the cost of decoding the same batch from its Lambda JSON (what the runtime
//! does before the handler runs) measured in the same run as the baseline ratio.
//!
//! usage: publisher [--seconds S]   (time spent per figure, default 1)

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use aws_lambda_events::event::dynamodb::Event;
use serde_json::{Value, json};
use shared::events::publish::{Entry, EveryTopic, ParkPort, SnsPort, publish_stream_batch};
use shared::events::{Channel, EventName, EventRecord};
use shared::kernel::ids::{OfferId, OrgId};
use shared::store::db::{Keys, to_item};

/// Counts calls and entries; every entry succeeds.
#[derive(Default)]
struct FakeSns {
    calls: AtomicUsize,
    entries: AtomicUsize,
}

impl SnsPort for FakeSns {
    async fn publish_batch(&self, _topic_arn: &str, entries: Vec<Entry>) -> Vec<String> {
        self.calls.fetch_add(1, Ordering::Relaxed);
        self.entries.fetch_add(entries.len(), Ordering::Relaxed);
        Vec::new()
    }
}

/// The benchmark's messages are small: nothing is ever parked.
struct NoParking;

impl ParkPort for NoParking {
    async fn park(&self, _topic_arn: &str, _entry: &Entry) -> bool {
        unreachable!("no benchmark message is too large for SNS")
    }
}

/// A Lambda DynamoDB stream event of `n` event-item INSERTs, all for one recipient.
fn batch_json(n: usize) -> Value {
    let recipient = OrgId::new();
    let records: Vec<Value> = (0..n)
        .map(|i| {
            let rec = EventRecord::offer(
                Channel::InboxOffers,
                EventName::OfferMatched,
                vec![recipient],
                OfferId::new(),
                shared::kernel::time::now(),
            );
            let mut item = to_item(
                "event",
                &Keys::new(format!("EVT#{}", rec.event_id), "EVT"),
                &rec,
            )
            .expect("item");
            item.insert(
                "ttl".into(),
                aws_sdk_dynamodb::types::AttributeValue::N("1800000000".into()),
            );
            let image: serde_dynamo::Item = item.into();
            json!({
                "eventID": format!("e{i}"),
                "eventName": "INSERT",
                "eventVersion": "1.1",
                "eventSource": "aws:dynamodb",
                "awsRegion": "us-east-1",
                "eventSourceARN": "arn:aws:dynamodb:us-east-1:123456789012:table/bench/stream/1",
                "dynamodb": {
                    "ApproximateCreationDateTime": 1_800_000_000,
                    "Keys": {},
                    "NewImage": image,
                    "SequenceNumber": format!("{}", 100_000 + i),
                    "SizeBytes": 300,
                    "StreamViewType": "NEW_AND_OLD_IMAGES"
                }
            })
        })
        .collect();
    json!({ "Records": records })
}

/// Runs `f` repeatedly for about `budget` and returns the mean time per run.
fn time_per_run(budget: Duration, mut f: impl FnMut()) -> Duration {
    f(); // warm-up
    let started = Instant::now();
    let mut runs = 0u32;
    while started.elapsed() < budget {
        f();
        runs += 1;
    }
    started.elapsed() / runs.max(1)
}

fn main() {
    let mut budget = Duration::from_secs(1);
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--seconds" => {
                budget = Duration::from_secs_f64(
                    args.next()
                        .and_then(|v| v.parse().ok())
                        .expect("--seconds S"),
                )
            }
            _ => panic!("usage: publisher [--seconds S]"),
        }
    }
    // One core: a current-thread runtime, as one Lambda invocation has.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let arn = &EveryTopic(|channel: Channel, org: OrgId| {
        format!(
            "arn:aws:sns:us-east-1:123456789012:bench-{}",
            channel.topic_name(org)
        )
    });

    println!("publisher, fake SNS answering at once, one core ({budget:?} per figure)");
    println!(
        "{:>6} {:>10} {:>10} {:>14} {:>14} {:>14} {:>8}",
        "n", "SNS calls", "expected", "events/s", "publish/batch", "decode/batch", "ratio"
    );
    let mut all_ok = true;
    for n in [1usize, 10, 100, 1000] {
        let json = batch_json(n);
        let text = json.to_string();
        let event: Event = serde_json::from_value(json).expect("batch decodes");

        let sns = FakeSns::default();
        let response = rt.block_on(publish_stream_batch(&sns, &NoParking, arn, &event));
        let calls = sns.calls.load(Ordering::Relaxed);
        let expected = n.div_ceil(shared::events::publish::MAX_BATCH);
        let ok = calls == expected
            && response.batch_item_failures.is_empty()
            && sns.entries.load(Ordering::Relaxed) == n;
        all_ok &= ok;

        let publish = time_per_run(budget, || {
            let sns = FakeSns::default();
            let r = rt.block_on(publish_stream_batch(&sns, &NoParking, arn, &event));
            assert!(r.batch_item_failures.is_empty());
        });
        let decode = time_per_run(budget, || {
            let e: Event = serde_json::from_str(&text).expect("decodes");
            assert_eq!(e.records.len(), n);
        });
        println!(
            "{:>6} {:>10} {:>10} {:>14.0} {:>12.1}µs {:>12.1}µs {:>8.2}{}",
            n,
            calls,
            expected,
            n as f64 / publish.as_secs_f64(),
            publish.as_secs_f64() * 1e6,
            decode.as_secs_f64() * 1e6,
            publish.as_secs_f64() / decode.as_secs_f64(),
            if ok { "" } else { "  WRONG CALL COUNT" }
        );
    }
    println!("target: >= 5,000 events/s on one core; ratio = publishing / decoding the same batch");
    if !all_ok {
        std::process::exit(1);
    }
}
