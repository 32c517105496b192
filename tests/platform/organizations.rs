//! The Organizations API driven like a client: personas, care types, the trusted network in
//! both directions, the directory, the `demand-organizations` event, refusals that write
//! nothing, and isolation between organizations.

use devstack::seed::{DEMAND_ORG, SUPPLY_A_ORG, SUPPLY_B_ORG};
use platform_tests::client::NO_BODY;
use platform_tests::given::{self, ids, offer_body, text};
use platform_tests::{Subscriber, TestStack, assert_fields};
use serde_json::{Value, json};
use shared::events::{Channel, EventName};
use shared::kernel::ids::OrgId;

use crate::create_offer;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn organizations_personas_and_care_types() {
    let t = TestStack::start().await;
    let (demand, supply, _) = given::logins(&t).await.parties();
    let (d, s) = (t.organizations(&demand), t.organizations(&supply));

    let health = t.call("GET", "/organizations/v1/status/healthz", None, None);
    assert_eq!(health.await.ok(200), json!({"status": "ok"}));

    // Every organization has both personas; one never activated reads as disabled.
    let persona = |status, care_types: Value| json!({"status": status, "care_types": care_types});
    let active = json!({"status": "active"});
    assert_eq!(d.demand_persona().await.ok(200), active);
    let disabled = persona("disabled", json!([]));
    assert_eq!(d.supply_persona().await.ok(200), disabled);
    let both = persona("active", json!(["psw", "nursing"]));
    assert_eq!(s.supply_persona().await.ok(200), both);

    // Care types are replaced; bad values are a 400 with the AlayaMarket body and no write.
    let before = t.item_count().await;
    for bad in [
        json!({"care_types": ["dentistry"]}),
        json!({"care_types": null}),
        json!({}),
        json!({"care_types": "psw"}),
    ] {
        s.set_care_types(bad).await.refused(400, "");
    }
    t.assert_wrote_nothing(before).await;
    let care_types = json!({"care_types": ["nursing"]});
    assert_eq!(s.set_care_types(care_types).await.ok(204), Value::Null);
    let nursing = json!(["nursing"]);
    let supply_persona = s.supply_persona().await.body;
    assert_eq!(supply_persona, persona("active", nursing.clone()));

    // Deactivating the supply persona keeps its care types; twice is a no-op 204.
    for _ in 0..2 {
        s.deactivate_supply().await.ok(204);
    }
    assert_eq!(s.supply_persona().await.body, persona("disabled", nursing));
    let r = d.directory("is_supply=true").await;
    assert_eq!(ids(&r.body), vec![SUPPLY_B_ORG.to_owned()]);

    // A deactivated demand persona can no longer post offers; reactivating restores that.
    d.deactivate_demand().await.ok(204);
    t.offers(&demand).create(offer_body()).await.ok(403);
    for _ in 0..2 {
        d.activate_demand().await.ok(204);
    }
    create_offer(&t, &demand).await;

    // A supply persona can be activated on the demand organization (a new persona).
    d.activate_supply().await.ok(204);
    assert_eq!(d.supply_persona().await.body, persona("active", json!([])));

    // Persona and care-type changes have no event on the published channels.
    let events = t.event_items().await;
    let announced = events
        .iter()
        .any(|e| e.channel == Channel::DemandOrganizations);
    assert!(!announced);

    // Without a token: 401; a sys_admin (no organization): 403.
    let r = t.call("GET", "/organizations/v1/demand_persona", None, None);
    r.await.ok(401);
    let admin = t.login(&t.demo.sys_admin).await;
    t.organizations(&admin).activate_demand().await.ok(403);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn organizations_trusted_network_and_its_event() {
    let t = TestStack::start().await;
    let (demand, _, supply_b) = given::logins(&t).await.parties();
    let (d, b) = (t.organizations(&demand), t.organizations(&supply_b));
    let demand_sub = given::subscriber(&t, &t.demo.demand).await;
    let b_sub = given::subscriber(&t, &t.demo.supply_b).await;

    // Sorted by name ascending: Lakeside Nursing, Northern Care Partners.
    let network = json!({"page": 1, "items_per_page": 100, "total_items": 2, "total_pages": 1,
        "items": [{"name": "Lakeside Nursing", "id": SUPPLY_B_ORG},
                  {"name": "Northern Care Partners", "id": SUPPLY_A_ORG}]});
    assert_eq!(d.demand_network("").await.ok(200), network);
    let r = d.demand_network("sort_order=desc&items_per_page=1&page=2");
    let r = r.await;
    assert_eq!(ids(&r.body), [SUPPLY_B_ORG]);
    assert_eq!(r.body["total_pages"], 2);
    let r = d.demand_network("name=NORTHERN&source_excludes=alayacare");
    let r = r.await;
    assert_eq!(ids(&r.body), [SUPPLY_A_ORG]);
    let r = d.demand_network("source_includes=alayacare").await;
    assert_eq!(r.body["total_items"], 0);

    // Refusals write nothing: bad ids (400), unknown or own id (422), page 0 (400).
    let before = t.item_count().await;
    for (body, status) in [
        (json!({"supply_persona_ids": ["not-a-uuid"]}), 400),
        (json!({}), 400),
        (json!({"supply_persona_ids": [OrgId::new()]}), 422),
        (json!({"supply_persona_ids": [DEMAND_ORG]}), 422),
    ] {
        d.set_demand_network(body).await.refused(status, "");
    }
    d.demand_network("page=0").await.ok(400);
    t.assert_wrote_nothing(before).await;

    // The supplier sees the demand networks it is in.
    let networks = b.supply_network("").await.body;
    let maple = json!([{"name": "Maple Home Health", "id": DEMAND_ORG}]);
    assert_eq!(networks["items"], maple);

    // Removing supplier B: one transaction, one OrgTrustedNetworkUpdated to the demand only.
    let network = json!({"supply_persona_ids": [SUPPLY_A_ORG, SUPPLY_A_ORG]});
    assert_eq!(d.set_demand_network(network).await.ok(204), Value::Null);
    // The same network again changes nothing and emits nothing.
    let network = json!({"supply_persona_ids": [SUPPLY_A_ORG]});
    d.set_demand_network(network).await.ok(204);
    t.settle().await;
    let got = demand_sub.drain().await;
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0].channel, Channel::DemandOrganizations);
    assert_eq!(got[0].name(), "OrgTrustedNetworkUpdated");
    assert_eq!(got[0].payload["organization_id"], DEMAND_ORG);
    assert_eq!(got[0].payload["event_source"], "alayamarket.organizations");
    assert!(b_sub.drain().await.is_empty());
    let events = t.event_items().await;
    let updated = events
        .iter()
        .filter(|e| e.event_name == EventName::OrgTrustedNetworkUpdated);
    assert_eq!(updated.count(), 1);

    assert_eq!(b.supply_network("").await.body["total_items"], 0);
    assert_eq!(ids(&d.demand_network("").await.body), [SUPPLY_A_ORG]);

    // Offers now match only the trusted supplier.
    let offer = create_offer(&t, &demand).await;
    t.offers(&supply_b).inbox(&offer).await.ok(404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn organizations_are_isolated() {
    let t = TestStack::start().await;
    let demand = t.login(&t.demo.demand).await;
    let d = t.organizations(&demand);
    let (other, other_token) = given::other_demand(&t, "other@example.com").await;
    let o = t.organizations(&other_token);
    let other_sub = Subscriber::new(&t, other.id).await;
    let demand_sub = given::subscriber(&t, &t.demo.demand).await;

    // The other organization's network is its own: empty, whatever the demo demand has.
    assert_eq!(o.demand_network("").await.body["total_items"], 0);
    let network = json!({"supply_persona_ids": [SUPPLY_B_ORG]});
    o.set_demand_network(network).await.ok(204);
    // Its change is announced to it alone and leaves the demo demand's network alone.
    t.settle().await;
    let updated = ("demand-organizations", "OrgTrustedNetworkUpdated");
    other_sub.assert_heard(&[updated]).await;
    assert!(demand_sub.drain().await.is_empty());
    assert_eq!(d.demand_network("").await.body["total_items"], 2);
    // Deactivating one organization's persona leaves the other's.
    o.deactivate_demand().await.ok(204);
    assert_eq!(d.demand_persona().await.body, json!({"status": "active"}));

    // The directory shows only the public fields of organizations.
    let query = format!("name=other&id={}", other.id);
    let public = json!({"page": 1, "items_per_page": 100, "total_items": 1, "total_pages": 1,
        "items": [{"id": other.id.to_string(), "name": "Other Demand",
            "demand_persona": {"status": "disabled"}, "supply_persona": {"status": "disabled"}}]});
    assert_eq!(d.directory(&query).await.body, public);
    d.directory("is_demand=maybe").await.ok(400);

    // A token naming an organization that does not exist: 404, never another's data.
    let ghost = devstack::seed::demand_org(OrgId::new(), "Ghost", Default::default());
    let ghost_user = t.stack.create_user(
        "ghost@example.com",
        "Ghost-Passw0rd!",
        "G",
        "org_admin",
        Some(&ghost),
    );
    let ghost_token = t.login(&ghost_user.await.unwrap()).await;
    let g = t.organizations(&ghost_token);
    g.demand_persona().await.ok_as(404, "demand persona");
    g.supply_persona().await.ok_as(404, "supply persona");
    g.demand_network("").await.ok_as(404, "trusted network");
    g.activate_supply().await.ok_as(404, "supply activation");
}

/// Every message body the queue holds (consumed), as the SNS envelopes' `Message`s.
async fn drain_sns(t: &TestStack, url: &str) -> Vec<Value> {
    let message = |envelope: &Value| serde_json::from_str(&text(&envelope["Message"])).unwrap();
    given::drain(t, url).await.iter().map(message).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_organization_subscribes_to_its_own_events_and_a_sys_admin_manages_subscriptions() {
    let t = TestStack::start().await;
    let logins = given::logins(&t).await;
    let admin = logins.sys_admin.clone();
    let (demand, supply_a, supply_b) = logins.parties();
    let given::Queue { url, arn } = given::queue(&t, "maple-offers").await;
    let d = t.organizations(&demand);

    // Endpoints must fit their protocol; nothing is subscribed by a refused request.
    for bad in [
        json!({"topic": "outbox-offers", "protocol": "https", "endpoint": "http://hooks.example.com"}),
        json!({"topic": "outbox-offers", "protocol": "email", "endpoint": "not-an-address"}),
        json!({"topic": "no-such-topic", "protocol": "email", "endpoint": "a@example.com"}),
    ] {
        d.subscribe(json!({"subscriptions": [bad]})).await.ok(400);
    }
    let subscription = json!({"topic": "outbox-offers", "protocol": "sqs", "endpoint": arn});
    let subscribed = d.subscribe(json!({"subscriptions": [subscription]})).await;
    let subscribed = subscribed.ok(200);
    let sub_arn = text(&subscribed["subscriptions"][0]["subscription_arn"]);
    assert_eq!(subscribed["subscriptions"][0]["topic"], "outbox-offers");

    // The demand's own event arrives; nothing of any other organization does.
    let offer_id = create_offer(&t, &demand).await;
    t.offers(&supply_a).accept(&offer_id, NO_BODY).await.ok(204);
    t.settle().await;
    let got = drain_sns(&t, &url).await;
    assert_eq!(got.len(), 1, "{got:?}");
    assert_fields!(got[0], {"event_name": "OfferAccepted", "offer_id": offer_id});

    // Only a sys_admin lists and removes subscriptions.
    let query = format!("endpoint={arn}");
    d.sys_admin().subscriptions(&query).await.ok(403);
    let sa = t.organizations(&admin).sys_admin();
    let listed = sa.subscriptions(&query).await.ok(200);
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);
    assert_eq!(listed["items"][0]["subscription_arn"], sub_arn.as_str());
    let foreign = "arn:aws:sns:us-east-1:123456789012:someone-else:abc";
    let body = json!({"subscription_arn": foreign});
    sa.unsubscribe(body).await.ok(404);
    let body = json!({"subscription_arn": sub_arn});
    sa.unsubscribe(body).await.ok(204);
    let declined = t.offers(&supply_b).decline(&offer_id, NO_BODY).await;
    declined.ok(204);
    t.settle().await;
    assert!(drain_sns(&t, &url).await.is_empty());
}
