//! The platform's integration tests: one binary, one shared moto, a stack per test.

mod auth;
mod auto_sign_up;
mod bad_input;
mod collector;
mod concurrency;
mod conformance;
mod delivery;
mod drift;
mod forms;
mod isolation;
mod listener;
mod modules;
mod notification;
mod oauth;
mod org_admin;
mod organizations;
mod readme;
mod referrals;
mod samples;
mod scenario;
mod security;
mod sequences;
mod visits;

use serde_json::Value;

/// The body of a handler's sample event (`events/<handler>.json`), which is a valid request
/// body: one body shared by the docs, `cargo lambda invoke` and the tests.
pub fn sample_body(handler: &str) -> Option<Value> {
    let path = devstack::repo_root().join(format!("events/{handler}.json"));
    let event: Value = serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()?;
    serde_json::from_str(event["body"].as_str()?).ok()
}

/// The create-offer body of the sample event.
pub fn offer_body() -> Value {
    sample_body("offers.outbox.offers.create").expect("the create-offer sample has a body")
}

/// Creates an offer from the sample body as `demand` and returns its id.
pub async fn create_offer(t: &platform_tests::TestStack, demand: &str) -> String {
    let r = t
        .call(
            "POST",
            "/offers/v1/outbox/offers",
            Some(demand),
            Some(offer_body()),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    r.body["offer"]["id"].as_str().unwrap().to_owned()
}

/// The sequence between the demand and the supplier whose token this is, for a matched offer.
pub async fn sequence_of(t: &platform_tests::TestStack, offer: &str, supplier: &str) -> String {
    let r = t
        .call(
            "GET",
            &format!("/offers/v1/inbox/offers/{offer}"),
            Some(supplier),
            None,
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    r.body["match"]["sequence_id"]
        .as_str()
        .expect("a matched offer has a sequence")
        .to_owned()
}
