//! Bad input gets a 4xx with the AlayaMarket error body and writes nothing; another
//! organization's offer is "not found", never "forbidden".

use platform_tests::client::NO_BODY;
use platform_tests::given::{self, text};
use platform_tests::{Response, TestStack};
use serde_json::json;

use crate::{create_offer, offer_body};

fn assert_error(r: &Response, status: u16, what: &str) {
    assert_eq!(r.status, status, "{what}: {:?}", r.body);
    assert!(
        r.body["message"].is_string() && r.body["error"].is_string(),
        "{what}: error body {:?}",
        r.body
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_offers_are_refused_and_write_nothing() {
    let t = TestStack::start().await;
    let demand = t.login(&t.demo.demand).await;
    let before = t.item_count().await;

    for (what, body) in [
        ("no body", None),
        ("malformed JSON", Some("{\"offer\": ")),
        ("not an object", Some("[]")),
    ] {
        let r = t.call_raw("POST", "/offers/v1/outbox/offers", Some(&demand), body);
        assert_error(&r.await, 400, what);
    }
    let changed = |path, value| given::with(&offer_body(), path, value);
    let long_ago = || json!("2001-01-01T00:00:00Z");
    for (what, body, status) in [
        (
            "missing client",
            given::without(&offer_body(), "client"),
            400,
        ),
        (
            "missing care_type",
            given::without(&offer_body(), "offer.care_type"),
            400,
        ),
        (
            "unknown care_type",
            changed("offer.care_type", json!("dentistry")),
            400,
        ),
        (
            "unknown offer_type",
            changed("offer.offer_type", json!("forever")),
            400,
        ),
        (
            "bad expires_at",
            changed("offer.expires_at", json!("tomorrow")),
            400,
        ),
        (
            "empty client name",
            changed("client.demographics.first_name", json!("")),
            400,
        ),
        (
            "latitude out of range",
            changed("client.address.latitude", json!(123.0)),
            400,
        ),
        (
            "unknown price unit",
            changed("price.default.unit", json!("per_year")),
            400,
        ),
        (
            "expired already",
            changed("offer.expires_at", long_ago()),
            422,
        ),
        (
            "visit ends before it starts",
            changed("visits.0.end_at", long_ago()),
            422,
        ),
        (
            "unknown direct supplier",
            changed("direct_supply_persona_ids", json!([uuid::Uuid::new_v4()])),
            422,
        ),
    ] {
        assert_error(&t.offers(&demand).create(body).await, status, what);
    }

    let id = "00000000-0000-4000-8000-000000000000";
    let offers = t.offers(&demand);
    let setting = json!({"offer_assignment": "sometimes"});
    let bored = json!({"reason_code": "bored"});
    for (what, r) in [
        ("bad setting", offers.set_assignment(setting).await),
        (
            "assign without match id",
            offers.assign(id, json!({})).await,
        ),
        ("bad reason", offers.close(id, bored).await),
        ("bad id", offers.outbox("not-a-uuid").await),
        ("bad filter", offers.outbox_list("status=lost").await),
        ("page 0", offers.outbox_list("page=0").await),
        (
            "negative page size",
            offers.inbox_list("items_per_page=-1").await,
        ),
    ] {
        assert_error(&r, 400, what);
    }

    t.settle().await;
    t.assert_wrote_nothing(before).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn other_organizations_offers_are_not_found() {
    let t = TestStack::start().await;
    let (demand, supply_a, _) = given::logins(&t).await.parties();

    // A second demand organization and an untrusted supplier, with their own admins.
    let (_, other_token) = given::other_demand(&t, "other@example.com").await;
    let (_, stranger_token) = given::stranger(&t).await;

    let offer_id = create_offer(&t, &demand).await;
    t.offers(&supply_a).accept(&offer_id, NO_BODY).await.ok(204);
    let m = t.offers(&demand).matches(&offer_id, "").await;
    let match_id = text(&m.body["items"][0]["match"]["id"]);
    let before = t.item_count().await;

    for token in [&other_token, &supply_a] {
        let o = t.offers(token);
        let assign = json!({"offer_match_id": match_id});
        for (what, r) in [
            ("outbox", o.outbox(&offer_id).await),
            ("matches", o.matches(&offer_id, "").await),
            ("close", o.close(&offer_id, json!({})).await),
            ("assign", o.assign(&offer_id, assign).await),
        ] {
            assert_error(&r, 404, &format!("{what} by a non-owner"));
            assert!(r.body.get("offer").is_none());
        }
    }
    for token in [&stranger_token, &demand, &other_token] {
        let o = t.offers(token);
        for (what, r) in [
            ("inbox", o.inbox(&offer_id).await),
            ("accept", o.accept(&offer_id, NO_BODY).await),
            ("decline", o.decline(&offer_id, NO_BODY).await),
        ] {
            assert_error(&r, 404, &format!("{what} by an unmatched org"));
        }
    }
    // An organization without a demand persona has no outbox.
    let r = t.offers(&supply_a).create(offer_body()).await;
    assert_error(&r, 403, "supplier creates an offer");
    let r = t.offers(&stranger_token).assignment().await;
    assert_error(&r, 403, "supplier reads the assignment setting");
    for token in [&other_token, &stranger_token] {
        let o = t.offers(token);
        assert_eq!(o.outbox_list("").await.body["total_items"], 0);
        assert_eq!(o.inbox_list("").await.body["total_items"], 0);
    }
    t.assert_wrote_nothing(before).await;
}
