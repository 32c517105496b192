//! The functions' metrics (issue 17): an HTTP request, a stream batch and a hub delivery each
//! leave CloudWatch Embedded Metric Format documents in the local stack's sink, the same the
//! deployed function writes to its log. Every document is valid EMF, counts what happened
//! under its few dimensions, names tenants only as plain members, and carries no token,
//! secret or password.

use platform_tests::given::text;
use platform_tests::{Receiver, Subscriber, TestStack};
use serde_json::{Value, json};
use shared::infra::metrics::validate;

use crate::create_offer;

/// The documents with `member` equal to `value`.
fn with<'a>(docs: &'a [Value], member: &str, value: &str) -> Vec<&'a Value> {
    docs.iter().filter(|d| d[member] == value).collect()
}

/// The sum of a count over `docs`.
fn total(docs: &[&Value], metric: &str) -> f64 {
    docs.iter().filter_map(|d| d[metric].as_f64()).sum()
}

/// The values of a distribution over `docs` (a number, or an array of them, per document).
fn values(docs: &[&Value], metric: &str) -> Vec<f64> {
    docs.iter()
        .flat_map(|d| match &d[metric] {
            Value::Array(values) => values.iter().filter_map(Value::as_f64).collect::<Vec<_>>(),
            v => v.as_f64().into_iter().collect(),
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_events_and_deliveries_are_counted_in_valid_emf_documents() {
    let t = TestStack::start().await;
    let supplier = t.demo.supply_a.organization.as_ref().unwrap().id;
    let _subscriber = Subscriber::new(&t, supplier).await;
    let demand = t.login(&t.demo.demand).await;
    t.settle().await;

    // An HTTP request that succeeds, one that fails, and the stream batch of its event.
    create_offer(&t, &demand).await;
    let missing = format!("/offers/v1/outbox/offers/{}", uuid::Uuid::new_v4());
    t.call("GET", &missing, Some(&demand), None).await.ok(404);
    // A hub delivery from the Listener API's queue.
    let receiver = Receiver::start(204).await;
    let bearer = t
        .machine_bearer("acme", &["listener:events", "listener:hub"])
        .await;
    let kind = "ServiceOrderStateChangeNotification";
    let hub = json!({"callback": receiver.url("/hook"), "query": format!("eventType={kind}")});
    let created = t.listener(&bearer).subscribe(hub).await.ok(201);
    let hub_secret = text(&created["secret"]);
    let probe = json!({"eventId": "evt-m", "eventDate": "2026-11-22T10:00:00.000Z",
                       "eventType": kind, "event": {"id": "so-1", "state": "completed"}});
    t.listener(&bearer).post_event(probe).await.ok(201);
    t.settle().await;
    assert_eq!(receiver.deliveries().len(), 1);

    let lines = t.stack.metrics.take();
    let docs: Vec<Value> = lines
        .iter()
        .map(|l| serde_json::from_str(l).expect("one JSON document per line"))
        .collect();
    for doc in &docs {
        validate(doc).unwrap_or_else(|e| panic!("{e}: {doc}"));
        for directive in doc["_aws"]["CloudWatchMetrics"].as_array().unwrap() {
            assert_eq!(directive["Namespace"], "Marketplace");
            let dimensions = directive["Dimensions"].to_string();
            for id in ["organization_id", "tenant", "RequestId", "Path"] {
                assert!(!dimensions.contains(id), "{id} as a dimension: {doc}");
            }
        }
    }

    let created = with(&docs, "Operation", "offers.outbox.offers.create");
    assert_eq!(created.len(), 1, "one document per request: {created:#?}");
    let created = created[0];
    assert_eq!(created["Requests"], 1.0);
    assert!(created["Latency"].as_f64().is_some_and(|ms| ms > 0.0));
    assert_eq!(created["StatusCode"], 201);
    assert!(created["ApiRequestId"].is_string());
    assert!(created.get("Errors").is_none(), "{created}");
    assert_eq!(
        created["_aws"]["CloudWatchMetrics"][0]["Dimensions"],
        json!([["Operation"]])
    );

    let refused = with(&docs, "Operation", "offers.outbox.offers.get");
    assert_eq!(refused.len(), 1);
    assert_eq!(refused[0]["Errors"], 1.0);
    assert_eq!(refused[0]["StatusClass"], "4xx");
    assert_eq!(refused[0]["ErrorKind"], "not_found");
    assert_eq!(refused[0]["StatusCode"], 404);

    // The publisher: its batches, and the supplier's OfferMatched published on its channel.
    let publisher = with(&docs, "Operation", "events.publish");
    assert!(total(&publisher, "Records") >= 1.0, "{publisher:#?}");
    assert_eq!(total(&publisher, "BatchItemFailures"), 0.0);
    let matched = with(&docs, "Channel", "inbox-offers");
    assert!(total(&matched, "EventsPublished") >= 1.0, "{docs:#?}");
    assert_eq!(total(&matched, "EventsFailed"), 0.0);
    assert_eq!(total(&matched, "EventsParked"), 0.0);

    // The hub sender: one try, delivered, about its tenant, and how long the job waited.
    let hub = with(&docs, "Destination", "HubCallbacks");
    let attempts: Vec<&Value> = hub
        .iter()
        .copied()
        .filter(|d| d.get("DeliveryAttempts").is_some())
        .collect();
    assert_eq!(attempts.len(), 1, "{hub:#?}");
    assert_eq!(attempts[0]["Outcome"], "delivered");
    assert_eq!(attempts[0]["tenant"], "acme");
    assert_eq!(attempts[0]["DeliveryAttempts"], 1.0);
    let ages = values(&hub, "DeliveryQueueAge");
    assert!(ages.len() == 1 && ages[0] >= 0.0, "one job's age: {ages:?}");
    let sender = with(&docs, "Operation", "events.hub_send");
    assert_eq!(total(&sender, "Records"), 1.0);

    // Log hygiene: no credential of any kind reaches a metrics document.
    let machine_token = bearer.trim_start_matches("Bearer ");
    let passwords = [&t.demo.demand.password, &t.demo.supply_a.password];
    let mut secrets: Vec<&str> = vec![&demand, machine_token, &hub_secret, &hub_secret[6..]];
    secrets.extend(passwords.iter().map(|p| p.as_str()));
    for line in &lines {
        for secret in &secrets {
            assert!(
                !line.contains(secret),
                "a secret in a metrics document: {line}"
            );
        }
        let lower = line.to_lowercase();
        assert!(
            !lower.contains("authorization") && !lower.contains("bearer"),
            "{line}"
        );
    }
}
