//! Shift and bundle offers, the one-offer-per-visit rule, direct referrals and their
//! revisions, referral tasks, and the sys_admin reads and settings of the Offers API.

use platform_tests::TestStack;
use serde_json::{Value, json};

use crate::offer_body;

/// The request body of a handler's sample event.
fn sample_body(handler: &str) -> Value {
    let path = devstack::repo_root().join(format!("events/{handler}.json"));
    let event: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    serde_json::from_str(event["body"].as_str().unwrap()).unwrap()
}

async fn total(t: &TestStack, token: &str, path: &str) -> u64 {
    let r = t.call("GET", path, Some(token), None).await;
    assert_eq!(r.status, 200, "{path}: {:?}", r.body);
    r.body["total_items"].as_u64().unwrap()
}

/// The sample single offer as a `visit` offer of one visit.
fn visit_offer(visit_outbox_id: &str) -> Value {
    let mut body = offer_body();
    body["offer"]["offer_type"] = json!("visit");
    let mut visit = body["visits"][0].clone();
    visit["outbox_id"] = json!(visit_outbox_id);
    body["visits"] = json!([visit]);
    body
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shift_and_bundle_offers_share_one_id_and_are_created_whole_or_not_at_all() {
    let t = TestStack::start().await;
    let demand = t.login(&t.demo.demand).await;
    let supply_a = t.login(&t.demo.supply_a).await;

    let shift = t
        .call(
            "POST",
            "/offers/v1/outbox/shift/offers",
            Some(&demand),
            Some(sample_body("offers.outbox.create_shift_offers")),
        )
        .await;
    assert_eq!(shift.status, 201, "{:?}", shift.body);
    let shift_id = shift.body["shift"]["id"].as_str().unwrap().to_owned();
    let items = shift.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["visits"][0]["outbox_id"], "visit-3001");
    assert_eq!(items[1]["visits"][0]["outbox_id"], "visit-3002");
    assert_eq!(items[0]["response_counts"]["sent"], 2);
    let first = items[0]["offer"]["id"].as_str().unwrap().to_owned();
    let detail = t
        .call(
            "GET",
            &format!("/offers/v1/outbox/offers/{first}"),
            Some(&demand),
            None,
        )
        .await;
    assert_eq!(detail.body["offer"]["offer_type"], "visit");
    assert_eq!(detail.body["offer"]["shift_id"], shift_id.as_str());
    // The existing shift_id filters find exactly the shift's offers, on both sides.
    let by_shift = format!("/offers/v1/outbox/offers?shift_id={shift_id}");
    assert_eq!(total(&t, &demand, &by_shift).await, 2);
    let inbox = format!("/offers/v1/inbox/offers?shift_id={shift_id}");
    assert_eq!(total(&t, &supply_a, &inbox).await, 2);

    let bundle = t
        .call(
            "POST",
            "/offers/v1/outbox/bundle/offers",
            Some(&demand),
            Some(sample_body("offers.outbox.create_bundle_offers")),
        )
        .await;
    assert_eq!(bundle.status, 201, "{:?}", bundle.body);
    let bundle_id = bundle.body["bundle"]["id"].as_str().unwrap().to_owned();
    assert_ne!(bundle_id, shift_id);
    let by_bundle = format!("/offers/v1/outbox/offers?shift_id={bundle_id}&offer_type=service");
    assert_eq!(total(&t, &demand, &by_bundle).await, 2);
    assert_eq!(
        total(&t, &demand, "/offers/v1/outbox/offers").await,
        4,
        "the shift's and the bundle's offers"
    );

    // One bad item (a visit offer must describe exactly one visit): nothing is written.
    let before = t.items().await.len();
    let mut bad = sample_body("offers.outbox.create_shift_offers");
    bad["items"][0]["visits"][0]["outbox_id"] = json!("visit-5001");
    bad["items"][1]["visits"] = json!([]);
    let refused = t
        .call(
            "POST",
            "/offers/v1/outbox/shift/offers",
            Some(&demand),
            Some(bad),
        )
        .await;
    assert_eq!(refused.status, 422, "{:?}", refused.body);
    assert!(
        refused.body["message"]
            .as_str()
            .unwrap()
            .starts_with("items[1]"),
        "{:?}",
        refused.body
    );
    let mut bad = sample_body("offers.outbox.create_bundle_offers");
    bad["items"][1]["care_type"] = json!("surgery");
    let refused = t
        .call(
            "POST",
            "/offers/v1/outbox/bundle/offers",
            Some(&demand),
            Some(bad),
        )
        .await;
    assert_eq!(refused.status, 400, "{:?}", refused.body);
    assert_eq!(
        t.items().await.len(),
        before,
        "a refused group wrote nothing"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_visit_has_at_most_one_open_or_assigned_visit_offer() {
    let t = TestStack::start().await;
    let demand = t.login(&t.demo.demand).await;
    let create = |body: Value| {
        let t = &t;
        let demand = &demand;
        async move {
            t.call("POST", "/offers/v1/outbox/offers", Some(demand), Some(body))
                .await
        }
    };
    let held = create(visit_offer("visit-7001")).await;
    assert_eq!(held.status, 201, "{:?}", held.body);
    let held_id = held.body["offer"]["id"].as_str().unwrap().to_owned();

    // The same visit again, alone or inside a shift: 409, and the shift writes nothing, so
    // its other visit stays free.
    let again = create(visit_offer("visit-7001")).await;
    assert_eq!(again.status, 409, "{:?}", again.body);
    let mut shift = sample_body("offers.outbox.create_shift_offers");
    shift["items"][0]["visits"][0]["outbox_id"] = json!("visit-7002");
    shift["items"][1]["visits"][0]["outbox_id"] = json!("visit-7001");
    let refused = t
        .call(
            "POST",
            "/offers/v1/outbox/shift/offers",
            Some(&demand),
            Some(shift.clone()),
        )
        .await;
    assert_eq!(refused.status, 409, "{:?}", refused.body);
    // One shift naming a visit twice is refused before any write.
    shift["items"][1]["visits"][0]["outbox_id"] = json!("visit-7002");
    let twice = t
        .call(
            "POST",
            "/offers/v1/outbox/shift/offers",
            Some(&demand),
            Some(shift),
        )
        .await;
    assert_eq!(twice.status, 422, "{:?}", twice.body);
    assert_eq!(create(visit_offer("visit-7002")).await.status, 201);
    // A service offer of the same visits is not restricted.
    assert_eq!(create(offer_body()).await.status, 201);

    // Closing the holding offer frees the visit.
    let close = t
        .call(
            "POST",
            &format!("/offers/v1/outbox/offers/{held_id}/close"),
            Some(&demand),
            Some(json!({"reason_code": "client_request"})),
        )
        .await;
    assert_eq!(close.status, 204, "{:?}", close.body);
    assert_eq!(create(visit_offer("visit-7001")).await.status, 201);
}
