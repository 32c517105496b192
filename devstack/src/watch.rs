//! Watches a local stack's events as a subscriber sees them (`devstack events`,
//! scripts/events.sh): a queue subscribed to each of the stack's topics, with an organization's
//! filter policy when one is given, exactly as a tenant's subscription is made.

use aws_config::SdkConfig;
use serde_json::{Value, json};

use crate::provision::sdk_err;
use crate::{Error, Layout};

/// One queue subscribed to one topic.
struct Tap {
    /// The topic's logical id in the template.
    topic: String,
    queue_url: String,
    subscription_arn: String,
}

pub struct Watch {
    sqs: aws_sdk_sqs::Client,
    sns: aws_sdk_sns::Client,
    taps: Vec<Tap>,
}

/// Every topic of the stack (root and nested): `(logical id, ARN)`.
pub fn topics(layout: &Layout) -> Vec<(String, String)> {
    std::iter::once(&layout.context)
        .chain(layout.nested.values())
        .flat_map(|ctx| ctx.resources.iter())
        .filter_map(|(id, r)| Some((id.clone(), r.attrs.get("TopicArn")?.clone())))
        .collect()
}

impl Watch {
    /// Subscribes a new queue to every topic of `layout`, only to `organization`'s messages
    /// when one is given (the `organization_id` filter policy tenants' subscriptions carry).
    pub async fn start(
        sdk: &SdkConfig,
        layout: &Layout,
        organization: Option<&str>,
    ) -> Result<Self, Error> {
        let sqs = aws_sdk_sqs::Client::new(sdk);
        let sns = aws_sdk_sns::Client::new(sdk);
        let run = &uuid::Uuid::new_v4().simple().to_string()[..8];
        let mut watch = Self {
            sqs,
            sns,
            taps: Vec::new(),
        };
        for (i, (topic, arn)) in topics(layout).into_iter().enumerate() {
            let queue_url = watch
                .sqs
                .create_queue()
                .queue_name(format!("{}-watch-{run}-{i}", layout.stack_name))
                .send()
                .await
                .map_err(sdk_err("CreateQueue"))?
                .queue_url
                .unwrap_or_default();
            let queue_arn = format!(
                "arn:aws:sqs:{}:{}:{}",
                layout.region,
                crate::provision::ACCOUNT,
                queue_url.rsplit('/').next().unwrap_or_default()
            );
            let mut subscribe = watch
                .sns
                .subscribe()
                .topic_arn(&arn)
                .protocol("sqs")
                .endpoint(queue_arn)
                .return_subscription_arn(true);
            if let Some(org) = organization {
                subscribe = subscribe.attributes(
                    "FilterPolicy",
                    json!({ "organization_id": [org] }).to_string(),
                );
            }
            let subscription_arn = subscribe
                .send()
                .await
                .map_err(sdk_err("Subscribe"))?
                .subscription_arn
                .unwrap_or_default();
            watch.taps.push(Tap {
                topic,
                queue_url,
                subscription_arn,
            });
        }
        Ok(watch)
    }

    /// The topics watched, by logical id.
    pub fn topics(&self) -> Vec<&str> {
        self.taps.iter().map(|t| t.topic.as_str()).collect()
    }

    /// The messages that arrived since the last call (waiting up to `wait_seconds` for the
    /// first), one JSON object each: the topic, the message's attributes and its payload.
    pub async fn next(&self, wait_seconds: i32) -> Result<Vec<Value>, Error> {
        let received = futures::future::try_join_all(self.taps.iter().map(|tap| async move {
            let out = self
                .sqs
                .receive_message()
                .queue_url(&tap.queue_url)
                .max_number_of_messages(10)
                .wait_time_seconds(wait_seconds)
                .send()
                .await
                .map_err(sdk_err("ReceiveMessage"))?;
            let mut lines = Vec::new();
            for m in out.messages.unwrap_or_default() {
                lines.push(line(&tap.topic, m.body().unwrap_or_default()));
                if let Some(handle) = m.receipt_handle() {
                    self.sqs
                        .delete_message()
                        .queue_url(&tap.queue_url)
                        .receipt_handle(handle)
                        .send()
                        .await
                        .map_err(sdk_err("DeleteMessage"))?;
                }
            }
            Ok::<_, Error>(lines)
        }))
        .await?;
        Ok(received.into_iter().flatten().collect())
    }

    /// Unsubscribes and deletes the queues.
    pub async fn stop(self) -> Result<(), Error> {
        for tap in self.taps {
            self.sns
                .unsubscribe()
                .subscription_arn(&tap.subscription_arn)
                .send()
                .await
                .map_err(sdk_err("Unsubscribe"))?;
            self.sqs
                .delete_queue()
                .queue_url(&tap.queue_url)
                .send()
                .await
                .map_err(sdk_err("DeleteQueue"))?;
        }
        Ok(())
    }
}

/// What a subscriber got, from SNS's envelope: `{"topic", "message_id", "attributes",
/// "message"}` (the payload parsed when it is JSON).
fn line(topic: &str, body: &str) -> Value {
    let envelope: Value = serde_json::from_str(body).unwrap_or(Value::Null);
    let attributes: serde_json::Map<String, Value> = envelope["MessageAttributes"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(k, v)| (k.clone(), v["Value"].clone()))
        .collect();
    let message = envelope["Message"]
        .as_str()
        .map(|m| serde_json::from_str(m).unwrap_or_else(|_| Value::String(m.to_owned())))
        .unwrap_or_else(|| Value::String(body.to_owned()));
    json!({
        "topic": topic,
        "message_id": envelope["MessageId"],
        "attributes": attributes,
        "message": message,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_unwraps_the_envelope() {
        let body = json!({
            "Type": "Notification",
            "MessageId": "m-1",
            "Message": "{\"event\":\"OfferCreated\"}",
            "MessageAttributes": {"organization_id": {"Type": "String", "Value": "o-1"}},
        })
        .to_string();
        assert_eq!(
            line("OfferCreatedTopic", &body),
            json!({"topic": "OfferCreatedTopic", "message_id": "m-1",
                   "attributes": {"organization_id": "o-1"},
                   "message": {"event": "OfferCreated"}})
        );
        // A body that is not an envelope is shown as it came.
        assert_eq!(line("T", "raw")["message"], "raw");
    }
}
