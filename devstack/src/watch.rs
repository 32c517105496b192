//! Watches a local stack's events as a subscriber sees them (`devstack events`,
//! scripts/events.sh): a queue subscribed to an organization's topic of every channel (every
//! organization's, when none is given), with the organization's filter policy, exactly as a
//! tenant's subscription is made.

use serde_json::{Value, json};
use shared::App;
use shared::events::Channel;
use shared::kernel::ids::OrgId;
use shared::marketplace::usecases::subscriptions::subscribe_endpoint;

use crate::Error;
use crate::provision::sdk_err;

pub struct Watch {
    sqs: aws_sdk_sqs::Client,
    sns: aws_sdk_sns::Client,
    app: App,
    queue_url: String,
    subscriptions: Vec<String>,
}

impl Watch {
    /// Subscribes a new queue to every channel's topic of each of `organizations` (of every
    /// organization in the directory when it is empty).
    pub async fn start(app: &App, organizations: Vec<OrgId>) -> Result<Self, Error> {
        let organizations = if organizations.is_empty() {
            let all = app
                .db
                .list_orgs()
                .await
                .map_err(|e| Error::Setup(format!("listing organizations: {e}")))?;
            all.into_iter().map(|o| o.id).collect()
        } else {
            organizations
        };
        let sdk = app.aws.sdk().await;
        let sqs = aws_sdk_sqs::Client::new(sdk);
        let sns = aws_sdk_sns::Client::new(sdk);
        let name = format!("watch-{}", &uuid::Uuid::new_v4().simple().to_string()[..12]);
        let queue_url = sqs
            .create_queue()
            .queue_name(&name)
            .send()
            .await
            .map_err(sdk_err("CreateQueue"))?
            .queue_url
            .unwrap_or_default();
        let queue_arn = format!(
            "arn:aws:sqs:{}:{}:{name}",
            app.config.region,
            crate::provision::ACCOUNT
        );
        let mut watch = Self {
            sqs,
            sns,
            app: app.clone(),
            queue_url,
            subscriptions: Vec::new(),
        };
        for org in organizations {
            for channel in Channel::ALL {
                let subscription = subscribe_endpoint(app, channel, org, "sqs", &queue_arn)
                    .await
                    .map_err(|e| {
                        Error::Setup(format!("subscribing to {channel:?} of {org}: {e}"))
                    })?;
                watch.subscriptions.push(subscription);
            }
        }
        Ok(watch)
    }

    /// How many topics are watched.
    pub fn topics(&self) -> usize {
        self.subscriptions.len()
    }

    /// The messages that arrived since the last call (waiting up to `wait_seconds` for the
    /// first), one JSON object each: the topic, the message's attributes and its payload.
    pub async fn next(&self, wait_seconds: i32) -> Result<Vec<Value>, Error> {
        let out = self
            .sqs
            .receive_message()
            .queue_url(&self.queue_url)
            .max_number_of_messages(10)
            .wait_time_seconds(wait_seconds)
            .send()
            .await
            .map_err(sdk_err("ReceiveMessage"))?;
        let mut lines = Vec::new();
        for m in out.messages.unwrap_or_default() {
            let body = m.body().unwrap_or_default();
            let topic = serde_json::from_str::<Value>(body)
                .ok()
                .and_then(|e| Some(self.app.config.topic_of_arn(e["TopicArn"].as_str()?)?.0))
                .map_or("", Channel::as_str);
            lines.push(line(topic, body));
            if let Some(handle) = m.receipt_handle() {
                self.sqs
                    .delete_message()
                    .queue_url(&self.queue_url)
                    .receipt_handle(handle)
                    .send()
                    .await
                    .map_err(sdk_err("DeleteMessage"))?;
            }
        }
        Ok(lines)
    }

    /// Unsubscribes and deletes the queue (the organizations' topics stay, as a tenant's do).
    pub async fn stop(self) -> Result<(), Error> {
        for subscription in &self.subscriptions {
            self.sns
                .unsubscribe()
                .subscription_arn(subscription)
                .send()
                .await
                .map_err(sdk_err("Unsubscribe"))?;
        }
        self.sqs
            .delete_queue()
            .queue_url(&self.queue_url)
            .send()
            .await
            .map_err(sdk_err("DeleteQueue"))?;
        Ok(())
    }
}

/// What a subscriber got, from SNS's envelope: `{"topic"` (the channel), `"message_id",
/// "attributes", "message"}` (the payload parsed when it is JSON).
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
            line("inbox-offers", &body),
            json!({"topic": "inbox-offers", "message_id": "m-1",
                   "attributes": {"organization_id": "o-1"},
                   "message": {"event": "OfferCreated"}})
        );
        // A body that is not an envelope is shown as it came.
        assert_eq!(line("T", "raw")["message"], "raw");
    }
}
