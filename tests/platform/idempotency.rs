//! `Idempotency-Key` on the creating POSTs (this platform's extension): a retry answers what
//! the first request answered and creates nothing more, whatever the timing; a key reused for
//! another request is refused.

use futures::future::join_all;
use platform_tests::TestStack;
use platform_tests::given::{self, offer_body};
use serde_json::Value;

const OFFERS: &str = "/offers/v1/outbox/offers";

async fn post_with_key(t: &TestStack, token: &str, key: &str, body: &Value) -> (u16, Value) {
    let headers = [("Authorization", token), ("Idempotency-Key", key)];
    let r = t
        .request("POST", OFFERS, &headers, Some(&body.to_string()))
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
        assert_eq!(answer, &answers[0].1, "every retry answers the first response");
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
