//! An organization's subscriber: one SQS queue subscribed to each of its topics (one per
//! channel), with the filter policy a participant gets (`organization_id` = its organization).
//! Envelopes are not raw, so each message shows its topic and the `Message` string exactly as
//! an HTTPS endpoint gets it.

use serde_json::Value;
use shared::events::Channel;
use shared::kernel::ids::OrgId;

use crate::asyncapi;
use crate::harness::TestStack;

pub struct Subscriber {
    pub org: OrgId,
    queue_url: String,
    sqs: aws_sdk_sqs::Client,
    /// Names the topics: each message must come from one of `org`'s.
    config: std::sync::Arc<shared::infra::config::Config>,
}

/// One delivered message: its channel and its (schema-validated) payload.
#[derive(Clone, Debug)]
pub struct Received {
    pub channel: Channel,
    pub payload: Value,
    pub attributes: Value,
}

impl Received {
    pub fn name(&self) -> &str {
        self.payload["event_name"].as_str().unwrap_or_default()
    }
}

impl Subscriber {
    pub async fn new(t: &TestStack, org: OrgId) -> Self {
        let sqs = aws_sdk_sqs::Client::new(&t.stack.sdk);
        let name = format!("{}-sub-{}", t.stack.options.stack_name, org.0.simple());
        let queue_url = sqs
            .create_queue()
            .queue_name(&name)
            .send()
            .await
            .unwrap()
            .queue_url
            .unwrap();
        let queue_arn = format!(
            "arn:aws:sqs:{}:{}:{name}",
            t.stack.options.region,
            devstack::provision::ACCOUNT
        );
        for channel in Channel::ALL {
            // Made as the organization's own subscription is made, without its quota.
            shared::marketplace::usecases::subscriptions::subscribe_endpoint(
                t.stack.app(),
                channel,
                org,
                "sqs",
                &queue_arn,
            )
            .await
            .unwrap();
        }
        Self {
            org,
            queue_url,
            sqs,
            config: t.stack.app().config.clone(),
        }
    }

    /// Everything delivered since the last call, each validated against its AsyncAPI schema.
    pub async fn drain(&self) -> Vec<Received> {
        drain_queue(&self.sqs, &self.queue_url)
            .await
            .into_iter()
            .map(|envelope| {
                assert_eq!(envelope["Type"], "Notification");
                let (channel, owner) = self
                    .config
                    .topic_of_arn(envelope["TopicArn"].as_str().unwrap())
                    .expect("a topic of the stack's organizations");
                assert_eq!(owner, self.org, "a message on its own organization's topic");
                let payload: Value = serde_json::from_str(envelope["Message"].as_str().unwrap())
                    .expect("Message is JSON");
                asyncapi::assert_valid(channel, &payload);
                assert_eq!(
                    envelope["MessageAttributes"]["organization_id"]["Value"],
                    self.org.to_string()
                );
                assert_eq!(
                    envelope["MessageAttributes"]["event_name"]["Value"],
                    payload["event_name"]
                );
                Received {
                    channel,
                    payload,
                    attributes: envelope["MessageAttributes"].clone(),
                }
            })
            .collect()
    }

    /// `(channel, event_name)` of everything delivered since the last call, sorted.
    pub async fn names(&self) -> Vec<(String, String)> {
        let mut v: Vec<(String, String)> = self
            .drain()
            .await
            .iter()
            .map(|r| (r.channel.as_str().to_owned(), r.name().to_owned()))
            .collect();
        v.sort();
        v
    }

    /// Asserts that exactly `expected` (`(channel, event_name)`, in any order) was delivered
    /// since the last call.
    pub async fn assert_heard(&self, expected: &[(&str, &str)]) {
        let heard = self.names().await;
        assert_eq!(heard, crate::given::pairs(expected), "to {}", self.org);
    }
}

/// Every message in the queue, consumed, with its body parsed as JSON.
pub async fn drain_queue(sqs: &aws_sdk_sqs::Client, url: &str) -> Vec<Value> {
    let mut out = Vec::new();
    loop {
        let batch = sqs
            .receive_message()
            .queue_url(url)
            .max_number_of_messages(10)
            .send()
            .await
            .unwrap()
            .messages
            .unwrap_or_default();
        if batch.is_empty() {
            return out;
        }
        for m in batch {
            out.push(serde_json::from_str(m.body().unwrap_or_default()).expect("a JSON body"));
            sqs.delete_message()
                .queue_url(url)
                .receipt_handle(m.receipt_handle().unwrap())
                .send()
                .await
                .unwrap();
        }
    }
}
