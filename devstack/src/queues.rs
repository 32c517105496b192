//! Drives the queue-triggered functions the way Lambda's SQS event source mapping does:
//! receives up to `BatchSize` messages, hands them to the function in the Lambda event shape,
//! and deletes every message the function did not report in `batchItemFailures` (those come
//! back after the queue's visibility timeout). Each batch is its own invocation, and a round
//! runs up to [`CONCURRENT_BATCHES`] of them per function at once, as Lambda's pollers do, so
//! one slow batch does not hold up the messages received beside it.

use aws_lambda_events::event::sqs::SqsEvent;
use aws_sdk_sqs::types::{Message, MessageSystemAttributeName};
use futures::future::join_all;
use serde_json::{Map, Value, json};

use crate::{Error, Function, Stack};
use functions::Handler;

/// Batches one function runs at once in a round (the templates reserve 5 per consumer).
pub const CONCURRENT_BATCHES: usize = 5;

/// A message as Lambda delivers it to a function.
fn lambda_message(m: &Message, queue_arn: &str, region: &str) -> Value {
    let attributes: Map<String, Value> = m
        .attributes()
        .map(|a| {
            a.iter()
                .map(|(k, v)| (k.as_str().to_owned(), Value::String(v.clone())))
                .collect()
        })
        .unwrap_or_default();
    json!({
        "messageId": m.message_id(),
        "receiptHandle": m.receipt_handle(),
        "body": m.body(),
        "attributes": attributes,
        "messageAttributes": {},
        "md5OfBody": m.md5_of_body(),
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    })
}

impl Stack {
    /// One round over every queue-triggered function: receives up to [`CONCURRENT_BATCHES`]
    /// batches from each function's queue and runs them all at once; returns how many
    /// messages were handed over.
    pub async fn pump_queues(&self) -> Result<usize, Error> {
        let rounds = self
            .functions
            .iter()
            .flat_map(|f| f.queues.iter().map(move |q| (f, q)))
            .map(|(function, queue)| async move {
                let mut batches = Vec::new();
                for _ in 0..CONCURRENT_BATCHES {
                    let messages = self.receive(queue, function).await?;
                    if messages.is_empty() {
                        break;
                    }
                    batches.push(messages);
                }
                let handed: usize = batches.iter().map(Vec::len).sum();
                let runs = batches
                    .into_iter()
                    .map(|batch| self.invoke_queue(function, queue, batch));
                for result in join_all(runs).await {
                    result?;
                }
                Ok::<usize, Error>(handed)
            });
        let mut total = 0;
        for result in join_all(rounds).await {
            total += result?;
        }
        Ok(total)
    }

    async fn receive(
        &self,
        queue: &crate::ResolvedQueue,
        function: &Function,
    ) -> Result<Vec<Message>, Error> {
        let out = aws_sdk_sqs::Client::new(&self.sdk)
            .receive_message()
            .queue_url(&queue.queue_url)
            .max_number_of_messages(queue.batch_size.clamp(1, 10) as i32)
            .message_system_attribute_names(MessageSystemAttributeName::All)
            .send()
            .await
            .map_err(|e| {
                Error::Aws(format!(
                    "ReceiveMessage for {}: {e:?}",
                    function.def.logical_id
                ))
            })?;
        Ok(out.messages.unwrap_or_default())
    }

    async fn invoke_queue(
        &self,
        function: &Function,
        queue: &crate::ResolvedQueue,
        batch: Vec<Message>,
    ) -> Result<(), Error> {
        let Handler::Queue(call) = function.entry.handler else {
            return Err(Error::Template(format!(
                "{} is not a queue handler",
                function.def.logical_id
            )));
        };
        let records: Vec<Value> = batch
            .iter()
            .map(|m| lambda_message(m, &queue.queue_arn, &self.options.region))
            .collect();
        let event: SqsEvent = serde_json::from_value(json!({ "Records": records }))
            .map_err(|e| Error::Setup(format!("SQS event does not deserialize: {e}")))?;
        let response = call(&function.app, event).await;
        let failed: Vec<&str> = response
            .batch_item_failures
            .iter()
            .map(|f| f.item_identifier.as_str())
            .collect();
        let sqs = aws_sdk_sqs::Client::new(&self.sdk);
        for m in &batch {
            if failed.contains(&m.message_id().unwrap_or_default()) {
                tracing::warn!(function = %function.def.logical_id, message = ?m.message_id(), "reported; SQS redelivers it after its visibility timeout");
                continue;
            }
            sqs.delete_message()
                .queue_url(&queue.queue_url)
                .receipt_handle(m.receipt_handle().unwrap_or_default())
                .send()
                .await
                .map_err(|e| Error::Aws(format!("DeleteMessage: {e:?}")))?;
        }
        Ok(())
    }

    /// Runs the stream and the queue functions until neither has anything left to take:
    /// every event published and fanned out, every delivery job tried, put back and tried
    /// again (with no delay) until delivered or parked.
    pub async fn pump_until_idle(&self) -> Result<usize, Error> {
        let mut total = 0;
        loop {
            let n = self.pump_streams_until_idle().await? + self.pump_queues().await?;
            if n == 0 {
                return Ok(total);
            }
            total += n;
        }
    }

    /// Keeps taking jobs from the queues in the background, as the event source mappings do.
    pub fn spawn_queue_pump(
        self: &std::sync::Arc<Self>,
        every: std::time::Duration,
    ) -> tokio::task::JoinHandle<()> {
        self.spawn_polling(every, "queue pump", |stack| async move {
            stack.pump_queues().await
        })
    }
}
