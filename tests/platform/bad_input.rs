//! Bad input gets a 4xx with the AlayaMarket error body and writes nothing; another
//! organization's offer is "not found", never "forbidden".

use platform_tests::{Response, TestStack};
use serde_json::{Value, json};

use crate::{create_offer, offer_body};

fn assert_error(r: &Response, status: u16, what: &str) {
    assert_eq!(r.status, status, "{what}: {:?}", r.body);
    assert!(
        r.body["message"].is_string() && r.body["error"].is_string(),
        "{what}: error body {:?}",
        r.body
    );
}

fn without(mut v: Value, pointer: &str) -> Value {
    let (parent, key) = pointer.rsplit_once('/').unwrap();
    v.pointer_mut(parent)
        .unwrap()
        .as_object_mut()
        .unwrap()
        .remove(key);
    v
}

fn with(mut v: Value, pointer: &str, value: Value) -> Value {
    let (parent, key) = pointer.rsplit_once('/').unwrap();
    match v.pointer_mut(parent).unwrap() {
        Value::Array(a) => a[key.parse::<usize>().unwrap()] = value,
        other => {
            other.as_object_mut().unwrap().insert(key.to_owned(), value);
        }
    }
    v
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_offers_are_refused_and_write_nothing() {
    let t = TestStack::start().await;
    let demand = t.login(&t.demo.demand).await;
    let before = t.items().await.len();

    let cases: Vec<(&str, Option<String>, u16)> = vec![
        ("no body", None, 400),
        ("malformed JSON", Some("{\"offer\": ".into()), 400),
        ("not an object", Some("[]".into()), 400),
        (
            "missing client",
            Some(without(offer_body(), "/client").to_string()),
            400,
        ),
        (
            "missing care_type",
            Some(without(offer_body(), "/offer/care_type").to_string()),
            400,
        ),
        (
            "unknown care_type",
            Some(with(offer_body(), "/offer/care_type", json!("dentistry")).to_string()),
            400,
        ),
        (
            "unknown offer_type",
            Some(with(offer_body(), "/offer/offer_type", json!("forever")).to_string()),
            400,
        ),
        (
            "bad expires_at",
            Some(with(offer_body(), "/offer/expires_at", json!("tomorrow")).to_string()),
            400,
        ),
        (
            "empty client name",
            Some(with(offer_body(), "/client/demographics/first_name", json!("")).to_string()),
            400,
        ),
        (
            "latitude out of range",
            Some(with(offer_body(), "/client/address/latitude", json!(123.0)).to_string()),
            400,
        ),
        (
            "unknown price unit",
            Some(with(offer_body(), "/price/default/unit", json!("per_year")).to_string()),
            400,
        ),
        (
            "expired already",
            Some(
                with(
                    offer_body(),
                    "/offer/expires_at",
                    json!("2001-01-01T00:00:00Z"),
                )
                .to_string(),
            ),
            422,
        ),
        (
            "visit ends before it starts",
            Some(
                with(
                    offer_body(),
                    "/visits/0/end_at",
                    json!("2001-01-01T00:00:00Z"),
                )
                .to_string(),
            ),
            422,
        ),
        (
            "unknown direct supplier",
            Some(
                with(
                    offer_body(),
                    "/direct_supply_persona_ids",
                    json!([uuid::Uuid::new_v4()]),
                )
                .to_string(),
            ),
            422,
        ),
    ];
    for (what, body, status) in cases {
        let r = t
            .call_raw(
                "POST",
                "/offers/v1/outbox/offers",
                Some(&demand),
                body.as_deref(),
            )
            .await;
        assert_error(&r, status, what);
    }

    let id = "00000000-0000-4000-8000-000000000000";
    assert_error(
        &t.call(
            "POST",
            "/offers/v1/demand_personas/settings/assignment",
            Some(&demand),
            Some(json!({"offer_assignment": "sometimes"})),
        )
        .await,
        400,
        "bad setting",
    );
    assert_error(
        &t.call(
            "POST",
            &format!("/offers/v1/outbox/offers/{id}/assign"),
            Some(&demand),
            Some(json!({})),
        )
        .await,
        400,
        "assign without match id",
    );
    assert_error(
        &t.call(
            "POST",
            &format!("/offers/v1/outbox/offers/{id}/close"),
            Some(&demand),
            Some(json!({"reason_code": "bored"})),
        )
        .await,
        400,
        "bad reason",
    );
    assert_error(
        &t.call(
            "GET",
            "/offers/v1/outbox/offers/not-a-uuid",
            Some(&demand),
            None,
        )
        .await,
        400,
        "bad id",
    );
    assert_error(
        &t.call(
            "GET",
            "/offers/v1/outbox/offers?status=lost",
            Some(&demand),
            None,
        )
        .await,
        400,
        "bad filter",
    );
    assert_error(
        &t.call(
            "GET",
            "/offers/v1/outbox/offers?page=0",
            Some(&demand),
            None,
        )
        .await,
        400,
        "page 0",
    );
    assert_error(
        &t.call(
            "GET",
            "/offers/v1/inbox/offers?items_per_page=-1",
            Some(&demand),
            None,
        )
        .await,
        400,
        "negative page size",
    );

    t.settle().await;
    assert_eq!(
        t.items().await.len(),
        before,
        "a refused request wrote something"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn other_organizations_offers_are_not_found() {
    let t = TestStack::start().await;
    let demand = t.login(&t.demo.demand).await;
    let supply_a = t.login(&t.demo.supply_a).await;

    // A second demand organization and an untrusted supplier, with their own admins.
    let other = devstack::seed::demand_org(
        shared::ids::OrgId::new(),
        "Other Demand",
        Default::default(),
    );
    t.stack.put_org(&other).await.unwrap();
    let other_user = t
        .stack
        .create_user(
            "other@example.com",
            "Other-Passw0rd!",
            "O",
            "org_admin",
            Some(&other),
        )
        .await
        .unwrap();
    let other_token = t.login(&other_user).await;
    let stranger = devstack::seed::supply_org(
        shared::ids::OrgId::new(),
        "Stranger",
        &[shared::api::common::CareType::Psw],
    );
    t.stack.put_org(&stranger).await.unwrap();
    let stranger_user = t
        .stack
        .create_user(
            "stranger@example.com",
            "Stranger-Passw0rd!",
            "S",
            "org_admin",
            Some(&stranger),
        )
        .await
        .unwrap();
    let stranger_token = t.login(&stranger_user).await;

    let offer_id = create_offer(&t, &demand).await;
    assert_eq!(
        t.call(
            "POST",
            &format!("/offers/v1/inbox/offers/{offer_id}/accept"),
            Some(&supply_a),
            None
        )
        .await
        .status,
        204
    );
    let m = t
        .call(
            "GET",
            &format!("/offers/v1/outbox/offers/{offer_id}/matches"),
            Some(&demand),
            None,
        )
        .await;
    let match_id = m.body["items"][0]["match"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let before = t.items().await.len();

    for (method, path, body) in [
        ("GET", format!("/offers/v1/outbox/offers/{offer_id}"), None),
        (
            "GET",
            format!("/offers/v1/outbox/offers/{offer_id}/matches"),
            None,
        ),
        (
            "POST",
            format!("/offers/v1/outbox/offers/{offer_id}/close"),
            Some(json!({})),
        ),
        (
            "POST",
            format!("/offers/v1/outbox/offers/{offer_id}/assign"),
            Some(json!({"offer_match_id": match_id})),
        ),
    ] {
        for token in [&other_token, &supply_a] {
            let r = t.call(method, &path, Some(token), body.clone()).await;
            assert_error(&r, 404, &format!("{method} {path} by a non-owner"));
            assert!(r.body.get("offer").is_none());
        }
    }
    for (method, path) in [
        ("GET", format!("/offers/v1/inbox/offers/{offer_id}")),
        ("POST", format!("/offers/v1/inbox/offers/{offer_id}/accept")),
        (
            "POST",
            format!("/offers/v1/inbox/offers/{offer_id}/decline"),
        ),
    ] {
        for token in [&stranger_token, &demand, &other_token] {
            assert_error(
                &t.call(method, &path, Some(token), None).await,
                404,
                &format!("{method} {path} by an unmatched org"),
            );
        }
    }
    // An organization without a demand persona has no outbox.
    assert_error(
        &t.call(
            "POST",
            "/offers/v1/outbox/offers",
            Some(&supply_a),
            Some(offer_body()),
        )
        .await,
        403,
        "supplier creates an offer",
    );
    assert_error(
        &t.call(
            "GET",
            "/offers/v1/demand_personas/settings/assignment",
            Some(&stranger_token),
            None,
        )
        .await,
        403,
        "supplier reads the assignment setting",
    );
    for token in [&other_token, &stranger_token] {
        assert_eq!(
            t.call("GET", "/offers/v1/outbox/offers", Some(token), None)
                .await
                .body["total_items"],
            0
        );
        assert_eq!(
            t.call("GET", "/offers/v1/inbox/offers", Some(token), None)
                .await
                .body["total_items"],
            0
        );
    }
    assert_eq!(
        t.items().await.len(),
        before,
        "a refused request wrote something"
    );
}
