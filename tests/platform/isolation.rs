//! The isolation matrix: every AlayaMarket operation on an offer, referral or message id, called by an
//! organization that has no part in it, answers 404 with no data and writes nothing. The
//! operations come from the handler registry, so a new route is covered the day it is added.

use devstack::seed::User;
use functions::{Handler, REGISTRY};
use platform_tests::TestStack;
use serde_json::{Value, json};
use shared::error::Family;

use crate::create_offer;

async fn outsider(
    t: &TestStack,
    email: &str,
    org: shared::domain::organization::Organization,
) -> String {
    t.stack.put_org(&org).await.unwrap();
    let user: User = t
        .stack
        .create_user(
            email,
            "Outsider-Passw0rd!",
            "Outsider",
            "org_admin",
            Some(&org),
        )
        .await
        .unwrap();
    t.login(&user).await
}

/// The body of the route's sample event, which is a valid request body.
fn sample_body(handler: &str) -> Option<Value> {
    let path = devstack::repo_root().join(format!("events/{handler}.json"));
    let event: Value = serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()?;
    serde_json::from_str(event["body"].as_str()?).ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_operation_on_another_organizations_offer_or_referral_is_not_found() {
    let t = TestStack::start().await;
    let demand = t.login(&t.demo.demand).await;
    let supply_a = t.login(&t.demo.supply_a).await;
    let other_demand = outsider(
        &t,
        "other-demand@example.com",
        devstack::seed::demand_org(
            shared::ids::OrgId::new(),
            "Other Demand",
            Default::default(),
        ),
    )
    .await;
    let stranger = outsider(
        &t,
        "stranger@example.com",
        devstack::seed::supply_org(
            shared::ids::OrgId::new(),
            "Stranger",
            &[shared::api::common::CareType::Psw],
        ),
    )
    .await;

    // An offer assigned to supplier A, and its referral.
    let r = t
        .call(
            "POST",
            "/offers/v1/demand_personas/settings/assignment",
            Some(&demand),
            Some(json!({"offer_assignment": "auto"})),
        )
        .await;
    assert_eq!(r.status, 204);
    let offer_id = create_offer(&t, &demand).await;
    let r = t
        .call(
            "POST",
            &format!("/offers/v1/inbox/offers/{offer_id}/accept"),
            Some(&supply_a),
            None,
        )
        .await;
    assert_eq!(r.status, 204);
    let referrals = t
        .call("GET", "/offers/v1/outbox/referrals", Some(&demand), None)
        .await;
    let referral_id = referrals.body["items"][0]["referral"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let seq = t
        .call(
            "GET",
            &format!("/offers/v1/inbox/offers/{offer_id}"),
            Some(&supply_a),
            None,
        )
        .await
        .body["match"]["sequence_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let sent = t
        .call(
            "POST",
            "/offers/v1/outbox/messages",
            Some(&demand),
            Some(json!({"sequence_id": seq, "category": "comment", "text": "Welcome aboard."})),
        )
        .await;
    assert_eq!(sent.status, 201, "{:?}", sent.body);
    let message_id = sent.body["message"]["id"].as_str().unwrap().to_owned();
    let before = t.items().await.len();

    let mut checked = 0;
    for entry in REGISTRY {
        let Handler::Http {
            method,
            path,
            family: Family::AlayaMarket,
            ..
        } = entry.handler
        else {
            continue;
        };
        // sys_admin operations refuse participants by role (403): see the test below.
        if path.contains("/sys_admin/")
            || !["{offer_id}", "{referral_id}", "{message_id}"]
                .iter()
                .any(|p| path.contains(p))
        {
            continue;
        }
        let url = path
            .replace("{offer_id}", &offer_id)
            .replace("{referral_id}", &referral_id)
            .replace("{message_id}", &message_id);
        // Outsiders of either kind, and the resource's other side.
        let other_side = if path.contains("/outbox/") {
            &supply_a
        } else {
            &demand
        };
        for token in [&other_demand, &stranger, other_side] {
            let r = t
                .call(method, &url, Some(token), sample_body(entry.name))
                .await;
            assert_eq!(r.status, 404, "{} {url}: {:?}", entry.name, r.body);
            let text = r.body.to_string();
            assert!(
                [&offer_id, &referral_id, &message_id]
                    .iter()
                    .all(|id| !text.contains(id.as_str())),
                "{}: the error leaks the resource: {text}",
                entry.name
            );
        }
        checked += 1;
    }
    assert!(checked >= 14, "only {checked} operations were checked");
    assert_eq!(
        t.items().await.len(),
        before,
        "a refused request wrote something"
    );
}

/// Every Offers API `sys_admin` operation refuses an org_admin with a 403 ("Required role:
/// sys_admin"), shows no data and writes nothing; the sys_admin gets through.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_offers_sys_admin_operation_refuses_participants() {
    let t = TestStack::start().await;
    let demand = t.login(&t.demo.demand).await;
    let supply_a = t.login(&t.demo.supply_a).await;
    let admin = t.login(&t.demo.sys_admin).await;
    let offer_id = create_offer(&t, &demand).await;
    let before = t.items().await.len();
    let mut checked = 0;
    for entry in REGISTRY {
        let Handler::Http {
            method,
            path,
            family: Family::AlayaMarket,
            ..
        } = entry.handler
        else {
            continue;
        };
        if !path.starts_with("/offers/v1/sys_admin/") {
            continue;
        }
        let url = path
            .replace("{offer_id}", &offer_id)
            .replace("{referral_id}", &uuid::Uuid::new_v4().to_string())
            .replace("{demand_persona_id}", devstack::seed::DEMAND_ORG);
        for token in [&demand, &supply_a] {
            let r = t
                .call(method, &url, Some(token), sample_body(entry.name))
                .await;
            assert_eq!(r.status, 403, "{} {url}: {:?}", entry.name, r.body);
            assert!(
                !r.body.to_string().contains(&offer_id),
                "{}: the refusal leaks data",
                entry.name
            );
        }
        if method == "GET" {
            let r = t.call(method, &url, Some(&admin), None).await;
            assert!(
                r.status == 200 || (r.status == 404 && url.contains("/referrals/")),
                "{} {url} as sys_admin: {} {:?}",
                entry.name,
                r.status,
                r.body
            );
        }
        checked += 1;
    }
    assert!(
        checked >= 11,
        "only {checked} sys_admin operations were checked"
    );
    assert_eq!(
        t.items().await.len(),
        before,
        "a refused request wrote something"
    );
}
