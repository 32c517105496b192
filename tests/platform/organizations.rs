//! The Organizations API driven like a client: personas, care types, the trusted network in
//! both directions, the directory, the `demand-organizations` event, refusals that write
//! nothing, and isolation between organizations.

use devstack::seed::{DEMAND_ORG, SUPPLY_A_ORG, SUPPLY_B_ORG, User};
use platform_tests::{Subscriber, TestStack, drain_queue};
use serde_json::{Value, json};
use shared::events::{Channel, EventName};
use shared::ids::OrgId;

use crate::create_offer;

fn ids(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_owned())
        .collect()
}

async fn new_org_admin(
    t: &TestStack,
    org: &shared::domain::organization::Organization,
    email: &str,
) -> User {
    t.stack.put_org(org).await.unwrap();
    t.stack
        .create_user(email, "Other-Passw0rd!", "O", "org_admin", Some(org))
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn organizations_personas_and_care_types() {
    let t = TestStack::start().await;
    let demand = t.login(&t.demo.demand).await;
    let supply = t.login(&t.demo.supply_a).await;

    let health = t
        .call("GET", "/organizations/v1/status/healthz", None, None)
        .await;
    assert_eq!(
        (health.status, health.body.clone()),
        (200, json!({"status": "ok"}))
    );

    // Every organization has both personas; one never activated reads as disabled.
    let r = t
        .call(
            "GET",
            "/organizations/v1/demand_persona",
            Some(&demand),
            None,
        )
        .await;
    assert_eq!((r.status, r.body), (200, json!({"status": "active"})));
    let r = t
        .call(
            "GET",
            "/organizations/v1/supply_persona",
            Some(&demand),
            None,
        )
        .await;
    assert_eq!(
        (r.status, r.body),
        (200, json!({"status": "disabled", "care_types": []}))
    );
    let r = t
        .call(
            "GET",
            "/organizations/v1/supply_persona",
            Some(&supply),
            None,
        )
        .await;
    assert_eq!(
        (r.status, r.body),
        (
            200,
            json!({"status": "active", "care_types": ["psw", "nursing"]})
        )
    );

    // Care types are replaced; bad values are a 400 with the AlayaMarket body and no write.
    let before = t.items().await.len();
    for bad in [
        json!({"care_types": ["dentistry"]}),
        json!({"care_types": null}),
        json!({}),
        json!({"care_types": "psw"}),
    ] {
        let r = t
            .call(
                "POST",
                "/organizations/v1/supply_persona/care_types",
                Some(&supply),
                Some(bad.clone()),
            )
            .await;
        assert_eq!(r.status, 400, "{bad}: {:?}", r.body);
        assert!(r.body["message"].is_string(), "{:?}", r.body);
    }
    assert_eq!(t.items().await.len(), before);
    let r = t
        .call(
            "POST",
            "/organizations/v1/supply_persona/care_types",
            Some(&supply),
            Some(json!({"care_types": ["nursing"]})),
        )
        .await;
    assert_eq!((r.status, r.body), (204, Value::Null));
    let r = t
        .call(
            "GET",
            "/organizations/v1/supply_persona",
            Some(&supply),
            None,
        )
        .await;
    assert_eq!(
        r.body,
        json!({"status": "active", "care_types": ["nursing"]})
    );

    // Deactivating the supply persona keeps its care types; twice is a no-op 204.
    for _ in 0..2 {
        let r = t
            .call(
                "POST",
                "/organizations/v1/supply_persona/deactivate",
                Some(&supply),
                None,
            )
            .await;
        assert_eq!(r.status, 204, "{:?}", r.body);
    }
    let r = t
        .call(
            "GET",
            "/organizations/v1/supply_persona",
            Some(&supply),
            None,
        )
        .await;
    assert_eq!(
        r.body,
        json!({"status": "disabled", "care_types": ["nursing"]})
    );
    let r = t
        .call(
            "GET",
            "/organizations/v1?is_supply=true",
            Some(&demand),
            None,
        )
        .await;
    assert_eq!(ids(&r.body), vec![SUPPLY_B_ORG.to_owned()]);

    // A deactivated demand persona can no longer post offers; reactivating restores that.
    let r = t
        .call(
            "POST",
            "/organizations/v1/demand_persona/deactivate",
            Some(&demand),
            None,
        )
        .await;
    assert_eq!(r.status, 204);
    let r = t
        .call(
            "POST",
            "/offers/v1/outbox/offers",
            Some(&demand),
            Some(crate::offer_body()),
        )
        .await;
    assert_eq!(r.status, 403, "{:?}", r.body);
    for _ in 0..2 {
        let r = t
            .call(
                "POST",
                "/organizations/v1/demand_persona/activate",
                Some(&demand),
                None,
            )
            .await;
        assert_eq!(r.status, 204);
    }
    create_offer(&t, &demand).await;

    // A supply persona can be activated on the demand organization (a new persona).
    let r = t
        .call(
            "POST",
            "/organizations/v1/supply_persona/activate",
            Some(&demand),
            None,
        )
        .await;
    assert_eq!(r.status, 204);
    let r = t
        .call(
            "GET",
            "/organizations/v1/supply_persona",
            Some(&demand),
            None,
        )
        .await;
    assert_eq!(r.body, json!({"status": "active", "care_types": []}));

    // Persona and care-type changes have no event on the published channels.
    assert!(
        t.event_items()
            .await
            .iter()
            .all(|e| e.channel != Channel::DemandOrganizations)
    );

    // Without a token: 401; a sys_admin (no organization): 403.
    let r = t
        .call("GET", "/organizations/v1/demand_persona", None, None)
        .await;
    assert_eq!(r.status, 401);
    let admin = t.login(&t.demo.sys_admin).await;
    let r = t
        .call(
            "POST",
            "/organizations/v1/demand_persona/activate",
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(r.status, 403, "{:?}", r.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn organizations_trusted_network_and_its_event() {
    let t = TestStack::start().await;
    let demand = t.login(&t.demo.demand).await;
    let supply_b = t.login(&t.demo.supply_b).await;
    let demand_id: OrgId = DEMAND_ORG.parse().unwrap();
    let demand_sub = Subscriber::new(&t, demand_id).await;
    let b_sub = Subscriber::new(&t, SUPPLY_B_ORG.parse().unwrap()).await;

    let r = t
        .call(
            "GET",
            "/organizations/v1/demand_persona/trusted_network",
            Some(&demand),
            None,
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    // Sorted by name ascending: Lakeside Nursing, Northern Care Partners.
    assert_eq!(
        r.body,
        json!({"page": 1, "items_per_page": 100, "total_items": 2, "total_pages": 1, "items": [
            {"name": "Lakeside Nursing", "id": SUPPLY_B_ORG},
            {"name": "Northern Care Partners", "id": SUPPLY_A_ORG},
        ]})
    );
    let r = t
        .call(
            "GET",
            "/organizations/v1/demand_persona/trusted_network?sort_order=desc&items_per_page=1&page=2",
            Some(&demand),
            None,
        )
        .await;
    assert_eq!(ids(&r.body), vec![SUPPLY_B_ORG.to_owned()]);
    assert_eq!(r.body["total_pages"], 2);
    let r = t
        .call(
            "GET",
            "/organizations/v1/demand_persona/trusted_network?name=NORTHERN&source_excludes=alayacare",
            Some(&demand),
            None,
        )
        .await;
    assert_eq!(ids(&r.body), vec![SUPPLY_A_ORG.to_owned()]);
    let r = t
        .call(
            "GET",
            "/organizations/v1/demand_persona/trusted_network?source_includes=alayacare",
            Some(&demand),
            None,
        )
        .await;
    assert_eq!(r.body["total_items"], 0);

    // Refusals write nothing: bad ids (400), unknown or own id (422), page 0 (400).
    let before = t.items().await.len();
    for (body, status) in [
        (json!({"supply_persona_ids": ["not-a-uuid"]}), 400),
        (json!({}), 400),
        (
            json!({"supply_persona_ids": [OrgId::new().to_string()]}),
            422,
        ),
        (json!({"supply_persona_ids": [DEMAND_ORG]}), 422),
    ] {
        let r = t
            .call(
                "POST",
                "/organizations/v1/demand_persona/trusted_network",
                Some(&demand),
                Some(body.clone()),
            )
            .await;
        assert_eq!(r.status, status, "{body}: {:?}", r.body);
        assert!(r.body["message"].is_string());
    }
    let r = t
        .call(
            "GET",
            "/organizations/v1/demand_persona/trusted_network?page=0",
            Some(&demand),
            None,
        )
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(t.items().await.len(), before);

    // The supplier sees the demand networks it is in.
    let r = t
        .call(
            "GET",
            "/organizations/v1/supply_persona/trusted_network",
            Some(&supply_b),
            None,
        )
        .await;
    assert_eq!(
        r.body["items"],
        json!([{"name": "Maple Home Health", "id": DEMAND_ORG}])
    );

    // Removing supplier B: one transaction, one OrgTrustedNetworkUpdated to the demand only.
    let r = t
        .call(
            "POST",
            "/organizations/v1/demand_persona/trusted_network",
            Some(&demand),
            Some(json!({"supply_persona_ids": [SUPPLY_A_ORG, SUPPLY_A_ORG]})),
        )
        .await;
    assert_eq!((r.status, r.body), (204, Value::Null));
    // The same network again changes nothing and emits nothing.
    let r = t
        .call(
            "POST",
            "/organizations/v1/demand_persona/trusted_network",
            Some(&demand),
            Some(json!({"supply_persona_ids": [SUPPLY_A_ORG]})),
        )
        .await;
    assert_eq!(r.status, 204);
    t.settle().await;
    let got = demand_sub.drain().await;
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0].channel, Channel::DemandOrganizations);
    assert_eq!(got[0].name(), "OrgTrustedNetworkUpdated");
    assert_eq!(got[0].payload["organization_id"], DEMAND_ORG);
    assert_eq!(got[0].payload["event_source"], "alayamarket.organizations");
    assert!(b_sub.drain().await.is_empty());
    let events = t.event_items().await;
    assert_eq!(
        events
            .iter()
            .filter(|e| e.event_name == EventName::OrgTrustedNetworkUpdated)
            .count(),
        1
    );

    let r = t
        .call(
            "GET",
            "/organizations/v1/supply_persona/trusted_network",
            Some(&supply_b),
            None,
        )
        .await;
    assert_eq!(r.body["total_items"], 0);
    let r = t
        .call(
            "GET",
            "/organizations/v1/demand_persona/trusted_network",
            Some(&demand),
            None,
        )
        .await;
    assert_eq!(ids(&r.body), vec![SUPPLY_A_ORG.to_owned()]);

    // Offers now match only the trusted supplier.
    let offer = create_offer(&t, &demand).await;
    let r = t
        .call(
            "GET",
            &format!("/offers/v1/inbox/offers/{offer}"),
            Some(&supply_b),
            None,
        )
        .await;
    assert_eq!(r.status, 404, "{:?}", r.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn organizations_are_isolated() {
    let t = TestStack::start().await;
    let demand = t.login(&t.demo.demand).await;
    let other = devstack::seed::demand_org(OrgId::new(), "Other Demand", Default::default());
    let other_user = new_org_admin(&t, &other, "other@example.com").await;
    let other_token = t.login(&other_user).await;
    let other_sub = Subscriber::new(&t, other.id).await;
    let demand_sub = Subscriber::new(&t, DEMAND_ORG.parse().unwrap()).await;

    // The other organization's network is its own: empty, whatever the demo demand has.
    let r = t
        .call(
            "GET",
            "/organizations/v1/demand_persona/trusted_network",
            Some(&other_token),
            None,
        )
        .await;
    assert_eq!(r.body["total_items"], 0);
    let r = t
        .call(
            "POST",
            "/organizations/v1/demand_persona/trusted_network",
            Some(&other_token),
            Some(json!({"supply_persona_ids": [SUPPLY_B_ORG]})),
        )
        .await;
    assert_eq!(r.status, 204, "{:?}", r.body);
    // Its change is announced to it alone and leaves the demo demand's network alone.
    t.settle().await;
    assert_eq!(
        other_sub.names().await,
        vec![(
            "demand-organizations".to_owned(),
            "OrgTrustedNetworkUpdated".to_owned()
        )]
    );
    assert!(demand_sub.drain().await.is_empty());
    let r = t
        .call(
            "GET",
            "/organizations/v1/demand_persona/trusted_network",
            Some(&demand),
            None,
        )
        .await;
    assert_eq!(r.body["total_items"], 2);
    // Deactivating one organization's persona leaves the other's.
    let r = t
        .call(
            "POST",
            "/organizations/v1/demand_persona/deactivate",
            Some(&other_token),
            None,
        )
        .await;
    assert_eq!(r.status, 204);
    let r = t
        .call(
            "GET",
            "/organizations/v1/demand_persona",
            Some(&demand),
            None,
        )
        .await;
    assert_eq!(r.body, json!({"status": "active"}));

    // The directory shows only the public fields of organizations.
    let r = t
        .call(
            "GET",
            &format!("/organizations/v1?name=other&id={}", other.id),
            Some(&demand),
            None,
        )
        .await;
    assert_eq!(
        r.body,
        json!({"page": 1, "items_per_page": 100, "total_items": 1, "total_pages": 1, "items": [{
            "id": other.id.to_string(), "name": "Other Demand",
            "demand_persona": {"status": "disabled"}, "supply_persona": {"status": "disabled"}
        }]})
    );
    let r = t
        .call(
            "GET",
            "/organizations/v1?is_demand=maybe",
            Some(&demand),
            None,
        )
        .await;
    assert_eq!(r.status, 400);

    // A token naming an organization that does not exist: 404, never another's data.
    let ghost = devstack::seed::demand_org(OrgId::new(), "Ghost", Default::default());
    let ghost_user = t
        .stack
        .create_user(
            "ghost@example.com",
            "Ghost-Passw0rd!",
            "G",
            "org_admin",
            Some(&ghost),
        )
        .await
        .unwrap();
    let ghost_token = t.login(&ghost_user).await;
    for path in [
        "/organizations/v1/demand_persona",
        "/organizations/v1/supply_persona",
        "/organizations/v1/demand_persona/trusted_network",
    ] {
        let r = t.call("GET", path, Some(&ghost_token), None).await;
        assert_eq!(r.status, 404, "{path}: {:?}", r.body);
    }
    let r = t
        .call(
            "POST",
            "/organizations/v1/supply_persona/activate",
            Some(&ghost_token),
            None,
        )
        .await;
    assert_eq!(r.status, 404);
}

/// Every message body the queue holds (consumed), as the SNS envelopes' `Message`s.
async fn drain_sns(t: &TestStack, url: &str) -> Vec<Value> {
    drain_queue(&aws_sdk_sqs::Client::new(&t.stack.sdk), url)
        .await
        .iter()
        .map(|envelope| serde_json::from_str(envelope["Message"].as_str().unwrap()).unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_organization_subscribes_to_its_own_events_and_a_sys_admin_manages_subscriptions() {
    let t = TestStack::start().await;
    let demand = t.login(&t.demo.demand).await;
    let supply_a = t.login(&t.demo.supply_a).await;
    let supply_b = t.login(&t.demo.supply_b).await;
    let admin = t.login(&t.demo.sys_admin).await;
    let sqs = aws_sdk_sqs::Client::new(&t.stack.sdk);
    let name = format!("{}-maple-offers", t.stack.options.stack_name);
    let url = sqs
        .create_queue()
        .queue_name(&name)
        .send()
        .await
        .unwrap()
        .queue_url
        .unwrap();
    let arn = format!(
        "arn:aws:sqs:us-east-1:{}:{name}",
        devstack::provision::ACCOUNT
    );

    // Endpoints must fit their protocol; nothing is subscribed by a refused request.
    for bad in [
        json!({"topic": "outbox-offers", "protocol": "https", "endpoint": "http://hooks.example.com"}),
        json!({"topic": "outbox-offers", "protocol": "email", "endpoint": "not-an-address"}),
        json!({"topic": "no-such-topic", "protocol": "email", "endpoint": "a@example.com"}),
    ] {
        let r = t
            .call(
                "POST",
                "/organizations/v1/subscribe",
                Some(&demand),
                Some(json!({"subscriptions": [bad]})),
            )
            .await;
        assert_eq!(r.status, 400, "{:?}", r.body);
    }
    let r = t
        .call(
            "POST",
            "/organizations/v1/subscribe",
            Some(&demand),
            Some(json!({"subscriptions": [{"topic": "outbox-offers", "protocol": "sqs", "endpoint": arn}]})),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let sub_arn = r.body["subscriptions"][0]["subscription_arn"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(r.body["subscriptions"][0]["topic"], "outbox-offers");

    // The demand's own event arrives; nothing of any other organization does.
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
    t.settle().await;
    let got = drain_sns(&t, &url).await;
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0]["event_name"], "OfferAccepted");
    assert_eq!(got[0]["offer_id"], offer_id.as_str());

    // Only a sys_admin lists and removes subscriptions.
    let path = format!("/organizations/v1/sys_admin/subscriptions?endpoint={arn}");
    assert_eq!(t.call("GET", &path, Some(&demand), None).await.status, 403);
    let listed = t.call("GET", &path, Some(&admin), None).await;
    assert_eq!(listed.status, 200, "{:?}", listed.body);
    assert_eq!(listed.body["items"].as_array().unwrap().len(), 1);
    assert_eq!(
        listed.body["items"][0]["subscription_arn"],
        sub_arn.as_str()
    );
    let foreign = t
        .call(
            "POST",
            "/organizations/v1/sys_admin/unsubscribe",
            Some(&admin),
            Some(
                json!({"subscription_arn": "arn:aws:sns:us-east-1:123456789012:someone-else:abc"}),
            ),
        )
        .await;
    assert_eq!(foreign.status, 404);
    let r = t
        .call(
            "POST",
            "/organizations/v1/sys_admin/unsubscribe",
            Some(&admin),
            Some(json!({"subscription_arn": sub_arn})),
        )
        .await;
    assert_eq!(r.status, 204, "{:?}", r.body);
    let r = t
        .call(
            "POST",
            &format!("/offers/v1/inbox/offers/{offer_id}/decline"),
            Some(&supply_b),
            None,
        )
        .await;
    assert_eq!(r.status, 204);
    t.settle().await;
    assert!(drain_sns(&t, &url).await.is_empty());
}
