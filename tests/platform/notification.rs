//! Notification API: subscriptions of a tenant's administrator for one of its clients, feeds
//! filled from the platform's event stream (AlayaMarket and Listener events alike), and the
//! consume-once pull.

use std::collections::HashSet;

use devstack::seed::DEMAND_ORG;
use platform_tests::TestStack;
use serde_json::{Value, json};

use crate::create_offer;

const ADMIN: &str = "notification:consent:administrator";
const CONSUMER: &str = "notification:consent:consumer";
const SUBSCRIPTIONS: &str = "/notification/v1/subscriptions";

async fn subscribe(t: &TestStack, admin: &str, client_id: &str, types: &[&str]) -> String {
    let r = t
        .request(
            "POST",
            SUBSCRIPTIONS,
            &[("authorization", admin)],
            Some(&json!({"event_type_ids": types, "client_id": client_id}).to_string()),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    r.body["id"].as_str().unwrap().to_owned()
}

async fn get(t: &TestStack, token: &str, path: &str) -> platform_tests::Response {
    t.request("GET", path, &[("authorization", token)], None)
        .await
}

async fn post_listener(t: &TestStack, token: &str, body: &Value) {
    let r = t
        .request(
            "POST",
            "/externalapi/listener/v1/listener",
            &[("authorization", token)],
            Some(&body.to_string()),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
}

fn state_change(event_id: &str, state: &str) -> Value {
    json!({
        "eventId": event_id,
        "eventDate": "2026-11-22T10:00:00.000Z",
        "eventType": "ServiceOrderStateChangeNotification",
        "event": {"id": "so-1", "href": "/serviceOrder/so-1", "state": state}
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_consumer_pulls_offer_and_listener_events_from_one_feed() {
    let t = TestStack::start().await;
    // The demand organization's tenant: AlayaMarket events addressed to it reach its feeds.
    let (_, admin) = t.machine_login(DEMAND_ORG, &[ADMIN]).await;
    let (consumer_id, consumer) = t.machine_login(DEMAND_ORG, &[CONSUMER]).await;
    let (_, listener) = t.machine_login(DEMAND_ORG, &["listener:events"]).await;
    let (other_admin_id, other_admin) = t.machine_login("other-shop", &[ADMIN, CONSUMER]).await;

    let types = ["OfferAccepted", "ServiceOrderStateChangeNotification"];
    let created = t
        .request(
            "POST",
            SUBSCRIPTIONS,
            &[("authorization", &admin)],
            Some(&json!({"event_type_ids": types, "client_id": consumer_id}).to_string()),
        )
        .await;
    assert_eq!(created.status, 201, "{:?}", created.body);
    let id = created.body["id"].as_str().unwrap().to_owned();
    let sub = &created.body["subscription"];
    assert_eq!(sub["client_id"], consumer_id.as_str());
    assert_eq!(sub["event_type_ids"], json!(types));
    assert_eq!(sub["notification_page_size"], 100);
    assert!(
        sub["subscribed_by"]
            .as_str()
            .unwrap()
            .starts_with("client-")
    );
    assert!(
        sub["notification_url"]
            .as_str()
            .unwrap()
            .ends_with(&format!("{SUBSCRIPTIONS}/{id}/notifications"))
    );
    assert_eq!(
        created.body["subscription_status"],
        json!({"last_request_date": null, "number_of_remaining_notifications": 0})
    );
    // Another tenant's subscription to the same types sees none of this tenant's events.
    let other = subscribe(&t, &other_admin, &other_admin_id, &types).await;

    // A supplier accepts a demand offer (OfferAccepted goes to the demand organization), and a
    // listener client of the tenant posts a service-order state change.
    let demand = t.login(&t.demo.demand).await;
    let supply = t.login(&t.demo.supply_a).await;
    let offer_id = create_offer(&t, &demand).await;
    let accepted = t
        .call(
            "POST",
            &format!("/offers/v1/inbox/offers/{offer_id}/accept"),
            Some(&supply),
            Some(json!({})),
        )
        .await;
    assert_eq!(accepted.status, 204, "{:?}", accepted.body);
    post_listener(&t, &listener, &state_change("so-1-completed", "completed")).await;
    t.settle().await;

    let status = get(&t, &consumer, &format!("{SUBSCRIPTIONS}/{id}")).await;
    assert_eq!(status.status, 200, "{:?}", status.body);
    assert_eq!(
        status.body["subscription_status"]["number_of_remaining_notifications"],
        2
    );

    let pull = format!("{SUBSCRIPTIONS}/{id}/notifications");
    let first = get(&t, &consumer, &pull).await;
    assert_eq!(first.status, 200, "{:?}", first.body);
    assert_eq!(first.body["page"], 0);
    assert_eq!(first.body["size"], 2);
    let results = first.body["results"].as_array().unwrap();
    // Oldest first: the acceptance happened before the listener event.
    assert_eq!(results[0]["event_name"], "OfferAccepted");
    assert_eq!(results[0]["offer_id"], offer_id.as_str());
    assert_eq!(results[1], state_change("so-1-completed", "completed"));

    let second = get(&t, &consumer, &pull).await;
    assert_eq!(second.status, 200);
    assert_eq!(second.body, json!({"page": 1, "size": 0, "results": []}));
    let status = get(&t, &consumer, &format!("{SUBSCRIPTIONS}/{id}")).await;
    assert_eq!(
        status.body["subscription_status"]["number_of_remaining_notifications"],
        0
    );
    assert!(status.body["subscription_status"]["last_request_date"].is_string());

    let other_pull = get(
        &t,
        &other_admin,
        &format!("{SUBSCRIPTIONS}/{other}/notifications"),
    )
    .await;
    assert_eq!(other_pull.body["size"], 0, "{:?}", other_pull.body);

    // Only the subscription's own client reads it; everyone else is told it does not exist.
    for (token, path, status, code) in [
        (
            &other_admin,
            format!("{SUBSCRIPTIONS}/{id}"),
            404,
            "NOT000001",
        ),
        (&other_admin, pull.clone(), 404, "NOT000001"),
        (&admin, format!("{SUBSCRIPTIONS}/{id}"), 403, "NOT000008"),
        (
            &consumer,
            format!("{SUBSCRIPTIONS}/a%20b"),
            400,
            "NOT000006",
        ),
    ] {
        let r = get(&t, token, &path).await;
        assert_eq!(
            (r.status, r.body["code"].as_str()),
            (status, Some(code)),
            "{path}: {:?}",
            r.body
        );
        assert!(r.body["description"].is_string());
    }
    let anonymous = t.request("GET", &pull, &[], None).await;
    assert_eq!(anonymous.status, 401);
    assert_eq!(anonymous.body["code"], "NOT000007");

    // Unsubscribing: not from another tenant, then for good.
    let path = format!("{SUBSCRIPTIONS}/{id}");
    let r = t
        .request("DELETE", &path, &[("authorization", &other_admin)], None)
        .await;
    assert_eq!(r.status, 404);
    let r = t
        .request("DELETE", &path, &[("authorization", &admin)], None)
        .await;
    assert_eq!(r.status, 204, "{:?}", r.body);
    let gone = get(&t, &consumer, &pull).await;
    assert_eq!(
        (gone.status, &gone.body["code"]),
        (404, &json!("NOT000001"))
    );
    let again = t
        .request("DELETE", &path, &[("authorization", &admin)], None)
        .await;
    assert_eq!(again.status, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parallel_pulls_hand_out_every_notification_exactly_once() {
    // Small pages, so each puller makes several rounds against the others.
    let t = TestStack::start_with(&[("NOTIFICATION_PAGE_SIZE", "4")]).await;
    let (_, admin) = t.machine_login("shop", &[ADMIN]).await;
    let (consumer_id, consumer) = t.machine_login("shop", &[CONSUMER]).await;
    let (_, listener) = t.machine_login("shop", &["listener:events"]).await;
    let id = subscribe(
        &t,
        &admin,
        &consumer_id,
        &["ServiceOrderStateChangeNotification"],
    )
    .await;
    const EVENTS: usize = 30;
    for n in 0..EVENTS {
        post_listener(
            &t,
            &listener,
            &state_change(&format!("e-{n}"), "inProgress"),
        )
        .await;
    }
    t.settle().await;

    let pull = format!("{SUBSCRIPTIONS}/{id}/notifications");
    let pullers = (0..6).map(|_| {
        let (t, consumer, pull) = (&t, &consumer, &pull);
        async move {
            let mut got = Vec::new();
            loop {
                let r = get(t, consumer, pull).await;
                assert_eq!(r.status, 200, "{:?}", r.body);
                let results = r.body["results"].as_array().unwrap().clone();
                assert!(results.len() <= 4);
                assert_eq!(r.body["size"], results.len());
                if results.is_empty() {
                    return got;
                }
                got.extend(
                    results
                        .into_iter()
                        .map(|v| v["eventId"].as_str().unwrap().to_owned()),
                );
            }
        }
    });
    let all: Vec<String> = futures::future::join_all(pullers)
        .await
        .into_iter()
        .flatten()
        .collect();
    let unique: HashSet<&String> = all.iter().collect();
    assert_eq!(all.len(), EVENTS, "handed out twice: {all:?}");
    assert_eq!(unique.len(), EVENTS, "lost or duplicated: {all:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notifications_past_the_retention_are_never_returned() {
    let t = TestStack::start_with(&[("NOTIFICATION_RETENTION_SECONDS", "1")]).await;
    let (_, admin) = t.machine_login("shop", &[ADMIN]).await;
    let (consumer_id, consumer) = t.machine_login("shop", &[CONSUMER]).await;
    let (_, listener) = t.machine_login("shop", &["listener:events"]).await;
    let id = subscribe(
        &t,
        &admin,
        &consumer_id,
        &["ServiceOrderStateChangeNotification"],
    )
    .await;
    post_listener(&t, &listener, &state_change("late", "held")).await;
    t.settle().await;
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;

    // moto never expires TTL items: the entry is still stored, yet it is not handed out.
    let stored = t
        .items()
        .await
        .into_iter()
        .filter(|i| shared::db::kind_of(i) == Some("notification"))
        .count();
    assert_eq!(stored, 1);
    let r = get(
        &t,
        &consumer,
        &format!("{SUBSCRIPTIONS}/{id}/notifications"),
    )
    .await;
    assert_eq!(r.body["size"], 0, "{:?}", r.body);
    let s = get(&t, &consumer, &format!("{SUBSCRIPTIONS}/{id}")).await;
    assert_eq!(
        s.body["subscription_status"]["number_of_remaining_notifications"],
        0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notification_subscriptions_refuse_bad_input_with_their_codes() {
    let t = TestStack::start().await;
    let (admin_id, admin) = t.machine_login("shop", &[ADMIN]).await;
    let (foreign_id, _) = t.machine_login("elsewhere", &[CONSUMER]).await;
    let before = t.items().await.len();
    for (body, code) in [
        (String::new(), "NOT000002"),
        ("{".to_owned(), "NOT000002"),
        (
            json!({"event_type_ids": ["OfferAccepted"]}).to_string(),
            "NOT000002",
        ),
        (
            json!({"event_type_ids": "OfferAccepted", "client_id": admin_id}).to_string(),
            "NOT000002",
        ),
        (
            json!({"event_type_ids": [], "client_id": admin_id}).to_string(),
            "NOT000003",
        ),
        (
            json!({"event_type_ids": ["OfferAccepted", "OfferAccepted"], "client_id": admin_id})
                .to_string(),
            "NOT000003",
        ),
        (
            json!({"event_type_ids": ["OfferEaten"], "client_id": admin_id}).to_string(),
            "NOT000004",
        ),
        (
            json!({"event_type_ids": ["OfferAccepted"], "client_id": "a b"}).to_string(),
            "NOT000005",
        ),
        (
            json!({"event_type_ids": ["OfferAccepted"], "client_id": foreign_id}).to_string(),
            "NOT000005",
        ),
        (
            json!({"event_type_ids": ["OfferAccepted"], "client_id": "nobody"}).to_string(),
            "NOT000005",
        ),
    ] {
        let r = t
            .request(
                "POST",
                SUBSCRIPTIONS,
                &[("authorization", &admin)],
                Some(&body),
            )
            .await;
        assert_eq!(
            (r.status, r.body["code"].as_str()),
            (400, Some(code)),
            "{body}: {:?}",
            r.body
        );
        assert!(r.body["description"].is_string());
    }
    let consumer_only = t.machine_bearer("shop", &[CONSUMER]).await;
    let r = t
        .request(
            "POST",
            SUBSCRIPTIONS,
            &[("authorization", &consumer_only)],
            Some(&json!({"event_type_ids": ["OfferAccepted"], "client_id": admin_id}).to_string()),
        )
        .await;
    assert_eq!(
        (r.status, r.body["code"].as_str()),
        (403, Some("NOT000008"))
    );
    // Nothing but the two token clients was written.
    assert_eq!(t.items().await.len(), before + 1);
}
