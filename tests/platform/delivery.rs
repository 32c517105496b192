//! The event path's failure handling: a record that cannot be published is retried as the
//! event source mapping would (from the first failed record, `MaximumRetryAttempts` times),
//! then described on the on-failure queue, and publishing goes on for later records.

use platform_tests::client::NO_BODY;
use platform_tests::given::{self, text};
use platform_tests::{Subscriber, TestStack};
use serde_json::{Value, json};
use shared::events::Channel::{self, InboxOffers, OutboxOffers};

use crate::{create_offer, sample_body};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unpublishable_events_are_retried_then_reported_on_the_failure_queue() {
    let t = TestStack::start().await;
    let supplier = given::org(&t.demo.supply_a);
    let sub = Subscriber::new(&t, supplier).await;
    let demand = t.login(&t.demo.demand).await;
    // Everything written so far (seed data) is published before the topic disappears.
    t.settle().await;

    // The supplier's own topic of the channel: recorded as existing, so its loss is a failure
    // to retry, not an organization that never subscribed.
    let inbox_offers = given::topic_gone(&t, Channel::InboxOffers, supplier).await;
    create_offer(&t, &demand).await;
    t.settle().await;

    // One batch given up on.
    let report = given::dead_letter(&t, "StreamFailureQueue").await;
    let context = &report["requestContext"];
    assert_eq!(context["condition"], "RetryAttemptsExhausted");
    let tries = &context["approximateInvokeCount"];
    assert_eq!(tries, 6, "the first try and 5 retries");
    let batch = &report["DDBStreamBatchInfo"];
    assert_eq!(batch["batchSize"], 1);
    assert!(text(&batch["streamArn"]).contains("/stream/"));
    // The event item itself stays in the table for a replay; nothing reached the supplier.
    assert_eq!(t.event_items().await.len(), 1);
    assert!(sub.drain().await.is_empty());

    // With the topic back (and the supplier's queue subscribed to it again), later events flow.
    given::topic_back(&t, &inbox_offers).await;
    let resubscribed = Subscriber::new(&t, supplier).await;
    create_offer(&t, &demand).await;
    t.settle().await;
    let matched = ("inbox-offers", "OfferMatched");
    resubscribed.assert_heard(&[matched]).await;
}

/// At-least-once, stated and testable: when Lambda delivers a stream batch again (a retry
/// after a timeout, or a replay), the publisher sends the same events again with the same
/// `event_id` (payload and message attribute), so a subscriber drops what it has seen.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replayed_stream_batch_repeats_the_same_event_ids() {
    let t = TestStack::start().await;
    let demand = t.login(&t.demo.demand).await;
    let suppliers = given::subscriber(&t, &t.demo.supply_a).await;
    let demands = given::subscriber(&t, &t.demo.demand).await;
    let offer = create_offer(&t, &demand).await;
    let supplier = t.login(&t.demo.supply_a).await;
    let accept = sample_body("offers.inbox.offers.accept").unwrap_or(NO_BODY);
    let r = t.offers(&supplier).accept(&offer, accept).await;
    assert!(r.status < 300, "{:?}", r.body);
    let close = sample_body("offers.outbox.offers.close").unwrap_or(NO_BODY);
    let r = t.offers(&demand).close(&offer, close).await;
    assert!(r.status < 300, "{:?}", r.body);
    t.settle().await;
    let ids = |received: Vec<platform_tests::Received>| {
        let mut ids: Vec<(String, String)> = received
            .iter()
            .map(|m| {
                let id = m.payload["event_id"].as_str().unwrap().to_owned();
                assert_eq!(m.attributes["event_id"]["Value"], id.as_str());
                (m.name().to_owned(), id)
            })
            .collect();
        ids.sort();
        ids
    };
    let first = (ids(suppliers.drain().await), ids(demands.drain().await));
    let both = !first.0.is_empty() && !first.1.is_empty();
    assert!(both, "both sides heard the offer's events first: {first:?}");

    // The same records, handed to the publisher again as Lambda would on a retry, through
    // the path `devstack invoke` takes.
    let publisher = t.stack.function("events.publish").expect("the publisher");
    let stream = &publisher.streams[0].stream_arn;
    let records = t.stack.stream_records(stream).await.unwrap();
    let answer = devstack::invoke::invoke(publisher, json!({ "Records": records }));
    assert_eq!(answer.await.unwrap()["batchItemFailures"], json!([]));
    let again = (ids(suppliers.drain().await), ids(demands.drain().await));
    let why = "the replay carries the first delivery's event ids";
    assert_eq!(again, first, "{why}");
    eprintln!(
        "replayed {} stream records: {} + {} messages, every event id as first delivered",
        records.len(),
        again.0.len(),
        again.1.len()
    );
}

/// Delivery within SNS's default quotas (docs/scaling.md §6): three organizations subscribe
/// through the published API, each to its own topic of the channel, and each receives exactly
/// its own events, with the published payloads and message attributes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_organizations_each_receive_exactly_their_own_events_on_their_own_topics() {
    let t = TestStack::start().await;
    let logins = given::logins(&t).await;
    let config = &t.stack.app().config;
    let subscribe = async |login: &str, channel: &str, name: &str| {
        let queue = given::queue(&t, name).await;
        let item = json!({"topic": channel, "protocol": "sqs", "endpoint": queue.arn});
        let body = json!({ "subscriptions": [item] });
        let r = t.organizations(login).subscribe(body).await.ok(200);
        let subscription = text(&r["subscriptions"][0]["subscription_arn"]);
        let topic = subscription.rsplit_once(':').unwrap().0.to_owned();
        (queue.url, topic)
    };
    let orgs = [&t.demo.demand, &t.demo.supply_a, &t.demo.supply_b].map(given::org);
    let subscribed = [
        subscribe(&logins.demand, "outbox-offers", "d-offers").await,
        subscribe(&logins.supply_a, "inbox-offers", "a-offers").await,
        subscribe(&logins.supply_b, "inbox-offers", "b-offers").await,
    ];
    let channels = [OutboxOffers, InboxOffers, InboxOffers];
    for ((org, channel), (_, topic)) in orgs.iter().zip(channels).zip(&subscribed) {
        assert_eq!(topic, &config.topic_arn(channel, *org), "its own topic");
    }

    // An offer to both suppliers; supplier A accepts, B declines.
    let offer = create_offer(&t, &logins.demand).await;
    let (a, b) = (t.offers(&logins.supply_a), t.offers(&logins.supply_b));
    a.accept(&offer, NO_BODY).await.ok(204);
    b.decline(&offer, NO_BODY).await.ok(204);
    t.settle().await;

    let mut heard = Vec::new();
    for ((org, (url, topic)), channel) in orgs.iter().zip(&subscribed).zip(channels) {
        let mut names = Vec::new();
        for envelope in given::drain(&t, url).await {
            assert_eq!(envelope["TopicArn"], topic.as_str());
            let recipient = &envelope["MessageAttributes"]["organization_id"]["Value"];
            let why = "only its own organization's messages";
            assert_eq!(recipient, &json!(org.to_string()), "{why}");
            let payload: Value = serde_json::from_str(&text(&envelope["Message"])).unwrap();
            platform_tests::asyncapi::assert_valid(channel, &payload);
            assert_eq!(payload["offer_id"], offer.as_str());
            names.push(payload["event_name"].as_str().unwrap().to_owned());
        }
        names.sort();
        heard.push(names);
    }
    let (responses, matched) = (vec!["OfferAccepted", "OfferDeclined"], vec!["OfferMatched"]);
    assert_eq!(heard, [responses, matched.clone(), matched]);
}
