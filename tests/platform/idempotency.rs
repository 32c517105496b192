//! `Idempotency-Key` on the creating POSTs (this platform's extension): a retry answers what
//! the first request answered and creates nothing more, whatever the timing; a key reused for
//! another request is refused.

use futures::future::join_all;
use platform_tests::TestStack;
use platform_tests::given::{self, offer_body, referral_body, sample_body, text};
use serde_json::Value;

const OFFERS: &str = "/offers/v1/outbox/offers";

async fn post_with_key(t: &TestStack, token: &str, key: &str, body: &Value) -> (u16, Value) {
    post_to(t, OFFERS, token, key, body).await
}

async fn post_to(t: &TestStack, path: &str, token: &str, key: &str, body: &Value) -> (u16, Value) {
    let headers = [("Authorization", token), ("Idempotency-Key", key)];
    let r = t
        .request("POST", path, &headers, Some(&body.to_string()))
        .await;
    (r.status, r.body)
}

async fn offer_count(t: &TestStack, demand: &str) -> u64 {
    let list = t.offers(demand).outbox_list("").await.ok(200);
    list["total_items"].as_u64().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_retries_with_one_key_create_one_offer_and_answer_alike() {
    let t = TestStack::start().await;
    let demand = given::logins(&t).await.demand;
    let body = offer_body();

    let answers = join_all((0..6).map(|_| post_with_key(&t, &demand, "create-1", &body))).await;
    for (status, answer) in &answers {
        assert_eq!(*status, 201, "{answer}");
        assert_eq!(
            answer, &answers[0].1,
            "every retry answers the first response"
        );
    }
    assert_eq!(offer_count(&t, &demand).await, 1);

    // Later, the same retry still answers it and writes nothing.
    let again = post_with_key(&t, &demand, "create-1", &body).await;
    assert_eq!(again, answers[0]);
    assert_eq!(offer_count(&t, &demand).await, 1);
    // Without a key, or with another, a request creates anew.
    let other = post_with_key(&t, &demand, "create-2", &body).await;
    assert_eq!(other.0, 201);
    assert_ne!(other.1["offer"]["id"], answers[0].1["offer"]["id"]);
    assert_eq!(offer_count(&t, &demand).await, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_used_for_another_request_or_malformed_is_refused() {
    let t = TestStack::start().await;
    let demand = given::logins(&t).await.demand;
    let body = offer_body();
    assert_eq!(post_with_key(&t, &demand, "k", &body).await.0, 201);

    let mut changed = body.clone();
    changed["offer"]["comment"] = "another request".into();
    let (status, answer) = post_with_key(&t, &demand, "k", &changed).await;
    assert_eq!(status, 422, "{answer}");
    assert!(answer.to_string().contains("Idempotency-Key"), "{answer}");

    for bad in ["", "with space", &"k".repeat(256)] {
        let (status, answer) = post_with_key(&t, &demand, bad, &body).await;
        assert_eq!(status, 400, "{bad:?}: {answer}");
    }
    assert_eq!(offer_count(&t, &demand).await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_referral_and_a_visit_schedule_are_created_once_per_key() {
    let t = TestStack::start().await;
    let logins = given::logins(&t).await;
    let (demand, supplier) = (&logins.demand, &logins.supply_a);

    let body = referral_body();
    let path = "/offers/v1/outbox/referrals";
    let tries = join_all((0..4).map(|_| post_to(&t, path, demand, "refer-1", &body))).await;
    for (status, answer) in &tries {
        assert_eq!((*status, answer), (201, &tries[0].1));
    }
    let list = t.referrals(demand).outbox_list("").await.ok(200);
    assert_eq!(list["total_items"], 1, "one referral");
    let referral = text(&tries[0].1["referral"]["id"]);

    let mut visit = sample_body("offers.inbox.visits.schedule").unwrap();
    visit["referral_id"] = referral.as_str().into();
    let path = "/offers/v1/inbox/visits/schedule";
    let tries = join_all((0..4).map(|_| post_to(&t, path, supplier, "visit-1", &visit))).await;
    for (status, answer) in &tries {
        assert_eq!((*status, answer), (201, &tries[0].1));
    }
    let query = format!("referral_id={referral}");
    let visits = t.visits(supplier).inbox_list(&query).await.ok(200);
    assert_eq!(visits["total_items"], 1, "one visit");

    // The key is the supplier's: the same key from the demand is another key.
    let (status, _) = post_to(&t, "/offers/v1/outbox/referrals", demand, "visit-1", &body).await;
    assert_eq!(status, 201);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_notification_subscription_is_created_once_per_key_of_its_tenant() {
    let t = TestStack::start().await;
    let admin_scope = ["notification:consent:administrator"];
    let (_, admin) = t.machine_login("shop", &admin_scope).await;
    let (consumer_id, _) = t
        .machine_login("shop", &["notification:consent:consumer"])
        .await;
    let body = serde_json::json!({
        "event_type_ids": ["ServiceOrderStateChangeNotification"],
        "client_id": consumer_id,
    });
    let path = "/notification/v1/subscriptions";
    let tries = join_all((0..4).map(|_| post_to(&t, path, &admin, "sub-1", &body))).await;
    for (status, answer) in &tries {
        assert_eq!((*status, answer), (201, &tries[0].1));
    }
    let subscriptions = t
        .items()
        .await
        .into_iter()
        .filter(|i| shared::store::db::kind_of(i) == Some("notification_subscription"))
        .count();
    assert_eq!(subscriptions, 1);

    // Another tenant's administrator with the same key creates its own.
    let (_, other) = t.machine_login("mall", &admin_scope).await;
    let (other_consumer, _) = t
        .machine_login("mall", &["notification:consent:consumer"])
        .await;
    let mut theirs = body.clone();
    theirs["client_id"] = other_consumer.into();
    let (status, answer) = post_to(&t, path, &other, "sub-1", &theirs).await;
    assert_eq!(status, 201, "{answer}");
    assert_ne!(answer["id"], tries[0].1["id"]);
}
