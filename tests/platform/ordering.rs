//! Ordering information for subscribers: every message about an offer, a referral or a visit
//! carries `entity_id` and `entity_version` message attributes (the payloads stay as
//! published). An entity's versions grow with its changes, so a subscriber that keeps the
//! highest version it applied per entity drops a stale or repeated message by comparing.

use std::collections::HashMap;

use platform_tests::TestStack;
use platform_tests::given;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_name_their_entity_and_its_version_which_grows_with_each_change() {
    let t = TestStack::start().await;
    let demand_sub = given::subscriber(&t, &t.demo.demand).await;
    let supplier_sub = given::subscriber(&t, &t.demo.supply_a).await;
    let logins = given::logins(&t).await;

    let offer = given::offer(&t, &logins.demand).await;
    let referral = given::accepted_and_assigned(&t, &logins, &offer, &logins.supply_a).await;
    let referrals = t.referrals(&logins.supply_a);
    referrals.mark_processed(&referral).await.ok(204);
    t.settle().await;

    // Messages arrive in any order (the subscribers' queues are standard SQS queues): what
    // orders them is the version. event name -> (entity id, version).
    let mut heard: HashMap<String, (String, u64)> = HashMap::new();
    let mut received = demand_sub.drain().await;
    received.extend(supplier_sub.drain().await);
    for m in received {
        let attrs = &m.attributes;
        let id = attrs["entity_id"]["Value"].as_str();
        let version = attrs["entity_version"]["Value"].as_str();
        let (Some(id), Some(version)) = (id, version) else {
            panic!("{} carries no entity version: {attrs}", m.name());
        };
        assert_eq!(attrs["entity_version"]["Type"], "Number");
        let expected = match m.payload["event_source"].as_str() {
            Some("alayamarket.offers") => &m.payload["offer_id"],
            Some("alayamarket.referrals") => &m.payload["referral_id"],
            other => panic!("unexpected source {other:?}"),
        };
        assert_eq!(&json!(id), expected, "{}", m.name());
        let entry = (id.to_owned(), version.parse().unwrap());
        // A message both sides receive carries the same version to each.
        if let Some(seen) = heard.insert(m.name().to_owned(), entry.clone()) {
            assert_eq!(seen, entry, "{}", m.name());
        }
    }
    let at = |name: &str| {
        heard
            .get(name)
            .unwrap_or_else(|| panic!("no {name}: {heard:?}"))
    };
    // The offer: matched, then accepted; the referral: created, then processed.
    assert_eq!(at("OfferMatched").0, offer);
    assert!(at("OfferMatched").1 < at("OfferAccepted").1, "{heard:?}");
    assert_eq!(at("ReferralCreated").0, referral);
    let processed_later = at("ReferralCreated").1 < at("ReferralProcessed").1;
    assert!(processed_later, "{heard:?}");
}
