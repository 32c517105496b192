//! Drives the stream-triggered functions the way Lambda's event source mapping does: reads the
//! table's stream shard by shard, hands the function batches of `BatchSize` records in the
//! Lambda event shape, and when the function reports `batchItemFailures`, retries from the
//! lowest failed record, up to `MaximumRetryAttempts`, then describes the batch on the
//! on-failure queue and moves on.

use std::collections::HashMap;
use std::time::Duration;

use aws_lambda_events::event::dynamodb::Event;
use aws_sdk_dynamodbstreams::types::{AttributeValue, Record, ShardIteratorType};
use base64::Engine;
use serde_json::{Map, Value, json};
use tokio::sync::Mutex;

use crate::template::{StreamTrigger, filter_matches};
use crate::{Error, Function, ResolvedStream, Stack};
use functions::Handler;

/// Where each function is in each shard. Held under one lock: pumps are serialized.
#[derive(Default)]
pub struct Positions {
    state: Mutex<PumpState>,
}

#[derive(Default)]
struct PumpState {
    /// `function|shard` → the last sequence number handed over.
    read: HashMap<String, String>,
    /// `function|shard` → the iterator to read on from (the last `NextShardIterator`), so an
    /// idle cycle costs one `GetRecords`; dropped when it fails (expired, stream replaced).
    next: HashMap<String, String>,
    /// Stream ARN → its shard ids (a local table's stream keeps its one shard).
    shards: HashMap<String, Vec<String>>,
}

fn attribute(v: &AttributeValue) -> Value {
    let b64 = |b: &aws_sdk_dynamodbstreams::primitives::Blob| {
        base64::engine::general_purpose::STANDARD.encode(b.as_ref())
    };
    match v {
        AttributeValue::S(s) => json!({ "S": s }),
        AttributeValue::N(n) => json!({ "N": n }),
        AttributeValue::B(b) => json!({ "B": b64(b) }),
        AttributeValue::Ss(s) => json!({ "SS": s }),
        AttributeValue::Ns(n) => json!({ "NS": n }),
        AttributeValue::Bs(b) => json!({ "BS": b.iter().map(b64).collect::<Vec<_>>() }),
        AttributeValue::M(m) => json!({ "M": image(Some(m)) }),
        AttributeValue::L(l) => json!({ "L": l.iter().map(attribute).collect::<Vec<_>>() }),
        AttributeValue::Null(n) => json!({ "NULL": n }),
        AttributeValue::Bool(b) => json!({ "BOOL": b }),
        _ => json!({ "NULL": true }),
    }
}

fn image(m: Option<&HashMap<String, AttributeValue>>) -> Value {
    Value::Object(
        m.into_iter()
            .flatten()
            .map(|(k, v)| (k.clone(), attribute(v)))
            .collect::<Map<_, _>>(),
    )
}

/// A stream record as Lambda delivers it (Lambda adds `eventSourceARN`; GetRecords lacks it).
pub fn lambda_record(r: &Record, stream_arn: &str, region: &str) -> Value {
    let d = r.dynamodb.as_ref();
    json!({
        "eventID": r.event_id,
        "eventName": r.event_name.as_ref().map(|n| n.as_str()),
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": region,
        "eventSourceARN": stream_arn,
        "dynamodb": {
            "ApproximateCreationDateTime": d.and_then(|d| d.approximate_creation_date_time).map(|t| t.secs()).unwrap_or(0),
            "Keys": image(d.and_then(|d| d.keys.as_ref())),
            "NewImage": image(d.and_then(|d| d.new_image.as_ref())),
            "OldImage": image(d.and_then(|d| d.old_image.as_ref())),
            "SequenceNumber": d.and_then(|d| d.sequence_number.clone()),
            "SizeBytes": d.and_then(|d| d.size_bytes).unwrap_or(0),
            "StreamViewType": d.and_then(|d| d.stream_view_type.as_ref()).map(|v| v.as_str()),
        }
    })
}

fn sequence(record: &Value) -> &str {
    record["dynamodb"]["SequenceNumber"]
        .as_str()
        .unwrap_or_default()
}

impl Stack {
    /// Delivers every record written since the last call to every stream function; returns
    /// how many records were handed over. Calls are serialized.
    pub async fn pump_streams(&self) -> Result<usize, Error> {
        let mut state = self.streams.state.lock().await;
        let client = aws_sdk_dynamodbstreams::Client::new(&self.sdk);
        let region = &self.options.region;
        let mut delivered = 0;
        for function in self.functions.iter().filter(|f| !f.def.streams.is_empty()) {
            for (trigger, resolved) in function.def.streams.iter().zip(&function.streams) {
                let stream_arn = resolved.stream_arn.clone();
                if !state.shards.contains_key(&stream_arn) {
                    let shards = shard_ids(&client, &stream_arn).await?;
                    state.shards.insert(stream_arn.clone(), shards);
                }
                for shard_id in state.shards[&stream_arn].clone() {
                    let key = format!("{}|{shard_id}", function.def.logical_id);
                    let held = match state.next.remove(&key) {
                        Some(iterator) => {
                            read_on(&client, iterator, &stream_arn, region).await.ok()
                        }
                        None => None,
                    };
                    let (records, next) = match held {
                        Some(read) => read,
                        None => {
                            let position = state.read.get(&key).map(String::as_str);
                            let iterator =
                                shard_iterator(&client, &stream_arn, &shard_id, position).await?;
                            read_on(&client, iterator, &stream_arn, region).await?
                        }
                    };
                    // Lambda drops what no filter matches before batching; those records
                    // count as read.
                    let last_read = records.last().map(|r| sequence(r).to_owned());
                    let records: Vec<Value> = records
                        .into_iter()
                        .filter(|r| {
                            trigger.filters.is_empty()
                                || trigger.filters.iter().any(|p| filter_matches(p, r))
                        })
                        .collect();
                    for batch in records.chunks(trigger.batch_size.max(1)) {
                        deliver(
                            self,
                            function,
                            trigger,
                            resolved,
                            &stream_arn,
                            &shard_id,
                            batch.to_vec(),
                        )
                        .await?;
                        delivered += batch.len();
                        state.read.insert(
                            key.clone(),
                            sequence(batch.last().expect("non-empty")).to_owned(),
                        );
                    }
                    if let Some(last) = last_read {
                        state.read.insert(key.clone(), last);
                    }
                    if let Some(next) = next {
                        state.next.insert(key, next);
                    }
                }
            }
        }
        Ok(delivered)
    }

    /// Every record the table's stream holds (from the trim horizon), in the shape Lambda
    /// delivers them: what a retried or replayed batch would carry again.
    pub async fn stream_records(&self, stream_arn: &str) -> Result<Vec<Value>, Error> {
        let client = aws_sdk_dynamodbstreams::Client::new(&self.sdk);
        let mut records = Vec::new();
        for shard in shard_ids(&client, stream_arn).await? {
            let iterator = shard_iterator(&client, stream_arn, &shard, None).await?;
            records.extend(
                read_on(&client, iterator, stream_arn, &self.options.region)
                    .await?
                    .0,
            );
        }
        Ok(records)
    }

    /// Pumps until nothing new arrives (a handler's writes can produce further records).
    pub async fn pump_streams_until_idle(&self) -> Result<usize, Error> {
        let mut total = 0;
        loop {
            let n = self.pump_streams().await?;
            if n == 0 {
                return Ok(total);
            }
            total += n;
        }
    }

    /// Keeps pumping in the background, as the event source mapping would.
    pub fn spawn_stream_pump(
        self: &std::sync::Arc<Self>,
        every: Duration,
    ) -> tokio::task::JoinHandle<()> {
        self.spawn_polling(every, "stream pump", |stack| async move {
            stack.pump_streams().await
        })
    }
}

async fn shard_ids(
    client: &aws_sdk_dynamodbstreams::Client,
    stream_arn: &str,
) -> Result<Vec<String>, Error> {
    Ok(client
        .describe_stream()
        .stream_arn(stream_arn)
        .send()
        .await
        .map_err(|e| Error::Aws(format!("DescribeStream: {e:?}")))?
        .stream_description
        .and_then(|d| d.shards)
        .unwrap_or_default()
        .into_iter()
        .filter_map(|s| s.shard_id)
        .collect())
}

/// An iterator after `position` (a sequence number), or at the trim horizon.
async fn shard_iterator(
    client: &aws_sdk_dynamodbstreams::Client,
    stream_arn: &str,
    shard_id: &str,
    position: Option<&str>,
) -> Result<String, Error> {
    let request = client
        .get_shard_iterator()
        .stream_arn(stream_arn)
        .shard_id(shard_id);
    let request = match position {
        Some(seq) => request
            .shard_iterator_type(ShardIteratorType::AfterSequenceNumber)
            .sequence_number(seq),
        None => request.shard_iterator_type(ShardIteratorType::TrimHorizon),
    };
    request
        .send()
        .await
        .map_err(|e| Error::Aws(format!("GetShardIterator: {e:?}")))?
        .shard_iterator
        .ok_or_else(|| Error::Aws("GetShardIterator returned no iterator".into()))
}

/// Reads from `iterator` to the end of the shard: the records in Lambda's shape, and the
/// iterator to read on from next time.
async fn read_on(
    client: &aws_sdk_dynamodbstreams::Client,
    iterator: String,
    stream_arn: &str,
    region: &str,
) -> Result<(Vec<Value>, Option<String>), Error> {
    let mut iterator = iterator;
    let mut records = Vec::new();
    loop {
        let out = client
            .get_records()
            .shard_iterator(&iterator)
            .send()
            .await
            .map_err(|e| Error::Aws(format!("GetRecords: {e:?}")))?;
        let batch = out.records.unwrap_or_default();
        records.extend(batch.iter().map(|r| lambda_record(r, stream_arn, region)));
        match out.next_shard_iterator {
            // A closed shard has no next iterator.
            None => return Ok((records, None)),
            Some(next) if batch.is_empty() => return Ok((records, Some(next))),
            Some(next) => iterator = next,
        }
    }
}

async fn deliver(
    stack: &Stack,
    function: &Function,
    trigger: &StreamTrigger,
    resolved: &ResolvedStream,
    stream_arn: &str,
    shard_id: &str,
    mut pending: Vec<Value>,
) -> Result<(), Error> {
    let Handler::DynamoDbStream(call) = function.entry.handler else {
        return Err(Error::Template(format!(
            "{} is not a stream handler",
            function.def.logical_id
        )));
    };
    let mut attempt = 0u32;
    loop {
        let event: Event = serde_json::from_value(json!({ "Records": pending }))
            .map_err(|e| Error::Setup(format!("stream event does not deserialize: {e}")))?;
        let response = call(&function.app, event).await;
        let failed: Vec<&str> = response
            .batch_item_failures
            .iter()
            .filter_map(|f| f.item_identifier.as_deref())
            .collect();
        if failed.is_empty() {
            return Ok(());
        }
        // Lambda resumes from the lowest reported sequence number.
        let from = pending
            .iter()
            .position(|r| failed.contains(&sequence(r)))
            .unwrap_or(0);
        pending.drain(..from);
        attempt += 1;
        if attempt > trigger.maximum_retry_attempts {
            tracing::error!(function = %function.def.logical_id, records = pending.len(), "retries exhausted");
            if let Some(queue) = &resolved.on_failure_queue_url {
                send_failure(
                    stack, function, queue, stream_arn, shard_id, &pending, attempt,
                )
                .await?;
            }
            return Ok(());
        }
        tracing::warn!(function = %function.def.logical_id, attempt, from = sequence(&pending[0]), "retrying failed records");
        tokio::time::sleep(Duration::from_millis(50 * attempt as u64)).await;
    }
}

/// What Lambda sends to a stream mapping's on-failure destination: where the batch is, not the
/// records themselves.
async fn send_failure(
    stack: &Stack,
    function: &Function,
    queue: &str,
    stream_arn: &str,
    shard_id: &str,
    records: &[Value],
    attempts: u32,
) -> Result<(), Error> {
    let url = queue.to_owned();
    let arrival = |r: &Value| r["dynamodb"]["ApproximateCreationDateTime"].clone();
    let body = json!({
        "requestContext": {
            "requestId": uuid::Uuid::new_v4().to_string(),
            "functionArn": function.arn,
            "condition": "RetryAttemptsExhausted",
            "approximateInvokeCount": attempts,
        },
        "responseContext": { "statusCode": 200, "executedVersion": "$LATEST", "functionError": null },
        "version": "1.0",
        "timestamp": chrono::Utc::now().to_rfc3339(),
        "DDBStreamBatchInfo": {
            "shardId": shard_id,
            "startSequenceNumber": records.first().map(sequence),
            "endSequenceNumber": records.last().map(sequence),
            "approximateArrivalOfFirstRecord": records.first().map(arrival),
            "approximateArrivalOfLastRecord": records.last().map(arrival),
            "batchSize": records.len(),
            "streamArn": stream_arn,
        }
    });
    aws_sdk_sqs::Client::new(&stack.sdk)
        .send_message()
        .queue_url(url)
        .message_body(body.to_string())
        .send()
        .await
        .map_err(|e| Error::Aws(format!("SendMessage: {e:?}")))?;
    Ok(())
}
