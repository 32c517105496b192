//! Where a stack's parked entries are and what replays them: the names come from the root
//! stack's outputs (`aws cloudformation describe-stacks`), or from the local stack, which
//! gives the same names; after that, AWS and moto take the same path.

use std::collections::BTreeMap;
use std::sync::Arc;

use aws_config::{BehaviorVersion, Region, SdkConfig};
use shared::App;
use shared::infra::config::Config;

use crate::parked::{Consumer, Source};

/// The root stack's outputs the command reads (template.yaml, `Outputs`).
pub const OUTPUTS: [&str; 11] = [
    "TableName",
    "OrganizationTopicArnPrefix",
    "StreamFailureQueueUrl",
    "DeliveryDeadLetterQueueUrl",
    "HubDeadLetterQueueUrl",
    "CollectorDeliveryQueueUrl",
    "HubDeliveryQueueUrl",
    "PublisherFunctionName",
    "NotificationFeedFunctionName",
    "CollectorDispatchFunctionName",
    "HubDeliveryFunctionName",
];

/// The output naming `consumer`'s function.
fn function_output(consumer: Consumer) -> &'static str {
    match consumer {
        Consumer::Publisher => "PublisherFunctionName",
        Consumer::NotificationFeed => "NotificationFeedFunctionName",
        Consumer::CollectorDispatch => "CollectorDispatchFunctionName",
        Consumer::HubDelivery => "HubDeliveryFunctionName",
    }
}

/// Where each of them is in the local stack's layout: (nested application, logical id).
fn local_resource(output: &str) -> Option<(Option<&'static str>, &'static str)> {
    Some(match output {
        "TableName" => (None, "PlatformTable"),
        "StreamFailureQueueUrl" => (None, "StreamFailureQueue"),
        "DeliveryDeadLetterQueueUrl" => (None, "DeliveryDeadLetterQueue"),
        "HubDeadLetterQueueUrl" => (None, "HubDeadLetterQueue"),
        "CollectorDeliveryQueueUrl" => (Some("CollectorApi"), "CollectorDeliveryQueue"),
        "HubDeliveryQueueUrl" => (Some("ListenerApi"), "HubDeliveryQueue"),
        "PublisherFunctionName" => (Some("OffersApi"), "EventsPublishFunction"),
        "NotificationFeedFunctionName" => {
            (Some("NotificationApi"), "EventsNotificationFeedFunction")
        }
        "CollectorDispatchFunctionName" => (Some("CollectorApi"), "CollectorDispatchFunction"),
        "HubDeliveryFunctionName" => (Some("ListenerApi"), "EventsHubDeliveryFunction"),
        _ => return None,
    })
}

/// A stack's parking queues, its table, and what its stream consumers need to run again.
#[derive(Clone)]
pub struct Targets {
    pub sdk: SdkConfig,
    pub outputs: BTreeMap<String, String>,
}

impl Targets {
    /// From the root stack's outputs: `[{"OutputKey": …, "OutputValue": …}]` (what
    /// `aws cloudformation describe-stacks --query 'Stacks[0].Outputs'` prints), the whole
    /// `describe-stacks` answer, or a plain `{"TableName": …}` object.
    pub fn from_outputs_json(text: &str, sdk: SdkConfig) -> Result<Self, String> {
        let v: serde_json::Value =
            serde_json::from_str(text).map_err(|e| format!("the outputs are not JSON: {e}"))?;
        let list = match &v {
            serde_json::Value::Object(o) if o.contains_key("Stacks") => &v["Stacks"][0]["Outputs"],
            _ => &v,
        };
        let outputs: BTreeMap<String, String> = match list {
            serde_json::Value::Array(items) => items
                .iter()
                .filter_map(|o| {
                    Some((
                        o["OutputKey"].as_str()?.to_owned(),
                        o["OutputValue"].as_str()?.to_owned(),
                    ))
                })
                .collect(),
            serde_json::Value::Object(o) => o
                .iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
                .collect(),
            _ => BTreeMap::new(),
        };
        Self::new(outputs, sdk)
    }

    /// The names, checked for the ones every command needs.
    pub fn new(outputs: BTreeMap<String, String>, sdk: SdkConfig) -> Result<Self, String> {
        let missing: Vec<&str> = ["TableName", "StreamFailureQueueUrl"]
            .into_iter()
            .filter(|k| outputs.get(*k).is_none_or(|v| v.is_empty()))
            .collect();
        if !missing.is_empty() {
            return Err(format!("the stack's outputs lack {}", missing.join(", ")));
        }
        Ok(Self { sdk, outputs })
    }

    /// The local stack serving `base` (`http://127.0.0.1:3000`): its layout
    /// (`GET /_local/stack`) gives the same names, and moto's endpoint.
    pub async fn from_local(base: &str) -> Result<Self, String> {
        let url = format!("{}/_local/stack", base.trim_end_matches('/'));
        let layout: serde_json::Value = reqwest::get(&url)
            .await
            .and_then(reqwest::Response::error_for_status)
            .map_err(|e| format!("no local stack answers at {base}: {e}"))?
            .json()
            .await
            .map_err(|e| format!("{url}: {e}"))?;
        let endpoint = layout["endpoint"].as_str().unwrap_or_default();
        let region = layout["region"].as_str().unwrap_or("us-east-1");
        let pseudo = &layout["context"]["pseudo"];
        let mut outputs = BTreeMap::new();
        for name in OUTPUTS {
            let Some((nested, id)) = local_resource(name) else {
                continue;
            };
            let context = match nested {
                Some(app) => &layout["nested"][app],
                None => &layout["context"],
            };
            if let Some(reference) = context["resources"][id]["reference"].as_str() {
                outputs.insert(name.to_owned(), reference.to_owned());
            }
        }
        // As template.yaml's `OrganizationTopicArnPrefix` output.
        outputs.insert(
            "OrganizationTopicArnPrefix".into(),
            format!(
                "arn:aws:sns:{region}:{}:{}-",
                pseudo["AWS::AccountId"].as_str().unwrap_or_default(),
                pseudo["AWS::StackName"].as_str().unwrap_or_default()
            ),
        );
        let sdk = aws_config::defaults(BehaviorVersion::latest())
            .endpoint_url(endpoint)
            .region(Region::new(region.to_owned()))
            .test_credentials()
            .load()
            .await;
        Self::new(outputs, sdk)
    }

    pub fn output(&self, name: &str) -> &str {
        self.outputs.get(name).map_or("", String::as_str)
    }

    pub fn table(&self) -> &str {
        self.output("TableName")
    }

    pub fn topic_arn_prefix(&self) -> &str {
        self.output("OrganizationTopicArnPrefix")
    }

    /// The URL of `source`'s queue; empty when the outputs do not name it.
    pub fn queue(&self, source: Source) -> &str {
        self.output(match source {
            Source::Stream => "StreamFailureQueueUrl",
            Source::Collector => "DeliveryDeadLetterQueueUrl",
            Source::Hub => "HubDeadLetterQueueUrl",
        })
    }

    pub fn collector_delivery_queue(&self) -> &str {
        self.output("CollectorDeliveryQueueUrl")
    }

    pub fn hub_delivery_queue(&self) -> &str {
        self.output("HubDeliveryQueueUrl")
    }

    /// How long feed entries are handed out: the functions' default, which
    /// stacks/notification.yaml sets too (`NOTIFICATION_RETENTION_SECONDS`).
    pub fn feed_retention_seconds(&self) -> i64 {
        self.config(None).notification_retention_seconds
    }

    /// The consumer whose function `function_arn` (or name) is.
    pub fn consumer_of(&self, function_arn: &str) -> Option<Consumer> {
        let name = function_arn.rsplit(':').next().unwrap_or(function_arn);
        if name.is_empty() {
            return None;
        }
        Consumer::ALL
            .into_iter()
            .find(|c| self.output(function_output(*c)) == name)
    }

    /// The settings `consumer`'s function runs with, as far as its handler reads them.
    fn config(&self, consumer: Option<Consumer>) -> Config {
        let delivery_queue = match consumer {
            Some(Consumer::CollectorDispatch) => self.collector_delivery_queue(),
            Some(Consumer::HubDelivery) => self.hub_delivery_queue(),
            _ => "",
        };
        let region = self
            .sdk
            .region()
            .map_or_else(|| "us-east-1".to_owned(), ToString::to_string);
        let settings: BTreeMap<&str, &str> = [
            ("TABLE_NAME", self.table()),
            ("TOPIC_ARN_PREFIX", self.topic_arn_prefix()),
            ("STREAM_FAILURE_QUEUE_URL", self.queue(Source::Stream)),
            ("DELIVERY_QUEUE_URL", delivery_queue),
            ("AWS_REGION", region.as_str()),
        ]
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .collect();
        Config::from_lookup(|k| settings.get(k).map(|v| (*v).to_owned()))
            .expect("TABLE_NAME is checked in Targets::new")
    }

    /// An application wired as `consumer`'s function is, for running its handler here.
    pub fn app(&self, consumer: Consumer) -> App {
        let mut app = App::new(self.config(Some(consumer)), &self.sdk);
        // The handler's metrics documents would otherwise interleave with the command's
        // output; a deployed function's are the ones CloudWatch reads.
        app.metrics = app
            .metrics
            .with_sink(Arc::new(shared::infra::metrics::Memory::new(16)));
        app
    }

    pub fn sqs(&self) -> aws_sdk_sqs::Client {
        aws_sdk_sqs::Client::new(&self.sdk)
    }

    pub fn dynamodb(&self) -> aws_sdk_dynamodb::Client {
        aws_sdk_dynamodb::Client::new(&self.sdk)
    }

    pub fn streams(&self) -> aws_sdk_dynamodbstreams::Client {
        aws_sdk_dynamodbstreams::Client::new(&self.sdk)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sdk() -> SdkConfig {
        SdkConfig::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("eu-west-1"))
            .build()
    }

    #[test]
    fn outputs_read_in_each_shape_the_cli_prints() {
        let list = r#"[{"OutputKey": "TableName", "OutputValue": "t"},
                       {"OutputKey": "StreamFailureQueueUrl", "OutputValue": "https://q/f"},
                       {"OutputKey": "PublisherFunctionName", "OutputValue": "m-OffersApi-1-EventsPublishFunction-x"}]"#;
        let stacks = format!(r#"{{"Stacks": [{{"Outputs": {list}}}]}}"#);
        let plain = r#"{"TableName": "t", "StreamFailureQueueUrl": "https://q/f", "PublisherFunctionName": "m-OffersApi-1-EventsPublishFunction-x"}"#;
        for text in [list, stacks.as_str(), plain] {
            let t = Targets::from_outputs_json(text, sdk()).unwrap();
            assert_eq!(t.table(), "t");
            assert_eq!(t.queue(Source::Stream), "https://q/f");
            assert_eq!(t.queue(Source::Hub), "");
            assert_eq!(
                t.consumer_of(
                    "arn:aws:lambda:eu-west-1:1:function:m-OffersApi-1-EventsPublishFunction-x"
                ),
                Some(Consumer::Publisher)
            );
            assert_eq!(t.consumer_of(""), None);
            assert_eq!(
                t.consumer_of("arn:aws:lambda:eu-west-1:1:function:other"),
                None
            );
        }
        assert!(Targets::from_outputs_json(r#"{"TableName": "t"}"#, sdk()).is_err());
    }

    #[test]
    fn a_consumers_app_has_its_delivery_queue() {
        let outputs = [
            ("TableName", "t"),
            ("StreamFailureQueueUrl", "f"),
            ("CollectorDeliveryQueueUrl", "c"),
            ("HubDeliveryQueueUrl", "h"),
            ("OrganizationTopicArnPrefix", "arn:aws:sns:eu-west-1:1:m-"),
        ]
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .into();
        let t = Targets::new(outputs, sdk()).unwrap();
        let c = t.config(Some(Consumer::CollectorDispatch));
        assert_eq!(c.delivery_queue_url, "c");
        assert_eq!(c.region, "eu-west-1");
        assert_eq!(
            t.config(Some(Consumer::HubDelivery)).delivery_queue_url,
            "h"
        );
        let p = t.config(Some(Consumer::Publisher));
        assert_eq!(p.stream_failure_queue_url, "f");
        assert_eq!(p.topic_arn_prefix, "arn:aws:sns:eu-west-1:1:m-");
        assert_eq!(t.feed_retention_seconds(), 6 * 3600);
    }
}
