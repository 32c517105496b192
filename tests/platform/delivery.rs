//! The event path's failure handling: a record that cannot be published is retried as the
//! event source mapping would (from the first failed record, `MaximumRetryAttempts` times),
//! then described on the on-failure queue, and publishing goes on for later records.

use platform_tests::{Subscriber, TestStack};

use crate::create_offer;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unpublishable_events_are_retried_then_reported_on_the_failure_queue() {
    let t = TestStack::start().await;
    let sns = aws_sdk_sns::Client::new(&t.stack.sdk);
    let sqs = aws_sdk_sqs::Client::new(&t.stack.sdk);
    let supplier = t.demo.supply_a.organization.as_ref().unwrap().id;
    let sub = Subscriber::new(&t, supplier).await;
    let demand = t.login(&t.demo.demand).await;
    // Everything written so far (seed data) is published before the topic disappears.
    t.settle().await;

    let inbox_offers = t
        .stack
        .resource("InboxOffersTopic")
        .unwrap()
        .reference
        .clone();
    sns.delete_topic()
        .topic_arn(&inbox_offers)
        .send()
        .await
        .unwrap();
    create_offer(&t, &demand).await;
    t.settle().await;

    let queue = t
        .stack
        .resource("StreamFailureQueue")
        .unwrap()
        .reference
        .clone();
    let messages = sqs
        .receive_message()
        .queue_url(&queue)
        .max_number_of_messages(10)
        .send()
        .await
        .unwrap()
        .messages
        .unwrap_or_default();
    assert_eq!(messages.len(), 1, "one batch given up on");
    let report: serde_json::Value = serde_json::from_str(messages[0].body().unwrap()).unwrap();
    assert_eq!(
        report["requestContext"]["condition"],
        "RetryAttemptsExhausted"
    );
    assert_eq!(
        report["requestContext"]["approximateInvokeCount"], 6,
        "the first try and 5 retries"
    );
    assert_eq!(report["DDBStreamBatchInfo"]["batchSize"], 1);
    assert!(
        report["DDBStreamBatchInfo"]["streamArn"]
            .as_str()
            .unwrap()
            .contains("/stream/")
    );
    // The event item itself stays in the table for a replay; nothing reached the supplier.
    assert_eq!(t.event_items().await.len(), 1);
    assert!(sub.drain().await.is_empty());

    // With the topic back (and the supplier's queue subscribed to it again), later events flow.
    let recreated = sns
        .create_topic()
        .name(inbox_offers.rsplit(':').next().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(recreated.topic_arn.as_deref(), Some(inbox_offers.as_str()));
    let resubscribed = Subscriber::new(&t, supplier).await;
    create_offer(&t, &demand).await;
    t.settle().await;
    let names: Vec<String> = resubscribed
        .drain()
        .await
        .iter()
        .map(|r| r.name().to_owned())
        .collect();
    assert_eq!(names, vec!["OfferMatched"]);
}
