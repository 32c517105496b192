//! Notification API: subscriptions of a tenant's administrator for one of its clients, feeds
//! filled from the platform's event stream (AlayaMarket and Listener events alike), and the
//! consume-once pull.

use std::collections::HashSet;

use devstack::seed::DEMAND_ORG;
use platform_tests::given::{self, notification_subscription as subscribe, state_change, text};
use platform_tests::{TestStack, assert_fields};
use serde_json::{Value, json};

use crate::create_offer;

use given::{NOTIFY_ADMIN as ADMIN, NOTIFY_CONSUMER as CONSUMER};

const SUBSCRIPTIONS: &str = "/notification/v1/subscriptions";

async fn post_listener(t: &TestStack, token: &str, body: &Value) {
    t.listener(token).post_event(body.clone()).await.ok(201);
}

/// A consumer's feed of the tenant "shop"'s service-order state changes, and a listener
/// client of the tenant to post them.
async fn feed_of_state_changes(t: &TestStack) -> (given::Feed, String) {
    let feed = given::feed(t, "shop", &["ServiceOrderStateChangeNotification"]).await;
    (feed, t.machine_bearer("shop", &["listener:events"]).await)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_consumer_pulls_offer_and_listener_events_from_one_feed() {
    let t = TestStack::start().await;
    // The demand organization's tenant: AlayaMarket events addressed to it reach its feeds.
    let admin = t.machine_bearer(DEMAND_ORG, &[ADMIN]).await;
    let (consumer_id, consumer) = t.machine_login(DEMAND_ORG, &[CONSUMER]).await;
    let listener = t.machine_bearer(DEMAND_ORG, &["listener:events"]).await;
    let (other_admin_id, other_admin) = t.machine_login("other-shop", &[ADMIN, CONSUMER]).await;
    let (as_admin, as_consumer) = (t.notification(&admin), t.notification(&consumer));
    let as_other = t.notification(&other_admin);

    let types = ["OfferAccepted", "ServiceOrderStateChangeNotification"];
    let body = json!({"event_type_ids": types, "client_id": consumer_id});
    let created = as_admin.subscribe(body).await.ok(201);
    let id = text(&created["id"]);
    let sub = &created["subscription"];
    assert_eq!(sub["client_id"], consumer_id.as_str());
    assert_eq!(sub["event_type_ids"], json!(types));
    assert_eq!(sub["notification_page_size"], 100);
    assert!(text(&sub["subscribed_by"]).starts_with("client-"));
    let pull = format!("{SUBSCRIPTIONS}/{id}/notifications");
    assert!(text(&sub["notification_url"]).ends_with(&pull));
    let status = json!({"last_request_date": null, "number_of_remaining_notifications": 0});
    assert_eq!(created["subscription_status"], status);
    // Another tenant's subscription to the same types sees none of this tenant's events.
    let other = subscribe(&t, &other_admin, &other_admin_id, &types).await;

    // A supplier accepts a demand offer (OfferAccepted goes to the demand organization), and a
    // listener client of the tenant posts a service-order state change.
    let (demand, supply_a, _) = given::logins(&t).await.parties();
    let offer_id = create_offer(&t, &demand).await;
    let accepted = t.offers(&supply_a).accept(&offer_id, json!({})).await;
    accepted.ok(204);
    post_listener(&t, &listener, &state_change("so-1-completed", "completed")).await;
    t.settle().await;

    let remaining = async || {
        let status = as_consumer.subscription(&id).await.ok(200);
        status["subscription_status"]["number_of_remaining_notifications"].clone()
    };
    assert_eq!(remaining().await, 2);

    let first = as_consumer.pull(&id).await.ok(200);
    assert_fields!(first, {"page": 0, "size": 2});
    let results = first["results"].as_array().unwrap();
    // Oldest first: the acceptance happened before the listener event.
    assert_fields!(results[0], {"event_name": "OfferAccepted", "offer_id": offer_id});
    assert_eq!(results[1], state_change("so-1-completed", "completed"));

    let second = as_consumer.pull(&id).await.ok(200);
    assert_eq!(second, json!({"page": 1, "size": 0, "results": []}));
    assert_eq!(remaining().await, 0);
    let status = as_consumer.subscription(&id).await.body;
    assert!(status["subscription_status"]["last_request_date"].is_string());

    let other_pull = as_other.pull(&other).await;
    assert_eq!(other_pull.body["size"], 0, "{:?}", other_pull.body);

    // Only the subscription's own client reads it; everyone else is told it does not exist.
    for (r, status, code) in [
        (as_other.subscription(&id).await, 404, "NOT000001"),
        (as_other.pull(&id).await, 404, "NOT000001"),
        (as_admin.subscription(&id).await, 403, "NOT000008"),
        (as_consumer.subscription("a%20b").await, 400, "NOT000006"),
    ] {
        assert!(r.coded(status, code)["description"].is_string());
    }
    let anonymous = t.request("GET", &pull, &[], None).await;
    anonymous.coded(401, "NOT000007");

    // Unsubscribing: not from another tenant, then for good.
    as_other.unsubscribe(&id).await.ok(404);
    as_admin.unsubscribe(&id).await.ok(204);
    as_consumer.pull(&id).await.coded(404, "NOT000001");
    as_admin.unsubscribe(&id).await.ok(404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parallel_pulls_hand_out_every_notification_exactly_once() {
    // Small pages, so each puller makes several rounds against the others.
    let t = TestStack::start_with(&[("NOTIFICATION_PAGE_SIZE", "4")]).await;
    let (given::Feed { id, consumer }, listener) = feed_of_state_changes(&t).await;
    const EVENTS: usize = 30;
    for n in 0..EVENTS {
        let event = state_change(&format!("e-{n}"), "inProgress");
        post_listener(&t, &listener, &event).await;
    }
    t.settle().await;

    let pullers = (0..6).map(|_| {
        let (consumer, id) = (t.notification(&consumer), &id);
        async move {
            let mut got = Vec::new();
            loop {
                let page = consumer.pull(id).await.ok(200);
                let results = page["results"].as_array().unwrap().clone();
                assert!(results.len() <= 4);
                assert_eq!(page["size"], results.len());
                if results.is_empty() {
                    return got;
                }
                got.extend(results.iter().map(|v| text(&v["eventId"])));
            }
        }
    });
    let all = futures::future::join_all(pullers).await;
    let all: Vec<String> = all.into_iter().flatten().collect();
    let unique: HashSet<&String> = all.iter().collect();
    assert_eq!(all.len(), EVENTS, "handed out twice: {all:?}");
    assert_eq!(unique.len(), EVENTS, "lost or duplicated: {all:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notifications_past_the_retention_are_never_returned() {
    let t = TestStack::start_with(&[("NOTIFICATION_RETENTION_SECONDS", "1")]).await;
    let (given::Feed { id, consumer }, listener) = feed_of_state_changes(&t).await;
    post_listener(&t, &listener, &state_change("late", "held")).await;
    t.settle().await;
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;

    // moto never expires TTL items: the entry is still stored, yet it is not handed out.
    assert_eq!(t.count_of("notification").await, 1);
    let r = t.notification(&consumer).pull(&id).await;
    assert_eq!(r.body["size"], 0, "{:?}", r.body);
    let s = t.notification(&consumer).subscription(&id).await.body;
    let remaining = &s["subscription_status"]["number_of_remaining_notifications"];
    assert_eq!(remaining, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notification_subscriptions_refuse_bad_input_with_their_codes() {
    let t = TestStack::start().await;
    let (admin_id, admin) = t.machine_login("shop", &[ADMIN]).await;
    let (foreign_id, _) = t.machine_login("elsewhere", &[CONSUMER]).await;
    let before = t.item_count().await;
    let body = |types: Value, client: &str| json!({"event_type_ids": types, "client_id": client});
    let raw = |types: Value, client: &str| body(types, client).to_string();
    let accepted = || json!(["OfferAccepted"]);
    let no_client = json!({"event_type_ids": accepted()}).to_string();
    let twice = json!(["OfferAccepted", "OfferAccepted"]);
    for (body, code) in [
        (String::new(), "NOT000002"),
        ("{".to_owned(), "NOT000002"),
        (no_client, "NOT000002"),
        (raw(json!("OfferAccepted"), &admin_id), "NOT000002"),
        (raw(json!([]), &admin_id), "NOT000003"),
        (raw(twice, &admin_id), "NOT000003"),
        (raw(json!(["OfferEaten"]), &admin_id), "NOT000004"),
        (raw(accepted(), "a b"), "NOT000005"),
        (raw(accepted(), &foreign_id), "NOT000005"),
        (raw(accepted(), "nobody"), "NOT000005"),
    ] {
        let by_admin = [("authorization", admin.as_str())];
        let r = t.request("POST", SUBSCRIPTIONS, &by_admin, Some(&body));
        let r = r.await;
        let got = (r.status, r.body["code"].as_str());
        assert_eq!(got, (400, Some(code)), "{body}: {:?}", r.body);
        assert!(r.body["description"].is_string());
    }
    let consumer_only = t.machine_bearer("shop", &[CONSUMER]).await;
    let as_consumer = t.notification(&consumer_only);
    let r = as_consumer.subscribe(body(accepted(), &admin_id)).await;
    r.coded(403, "NOT000008");
    // Nothing but the two token clients was written.
    assert_eq!(t.item_count().await, before + 1);
}
