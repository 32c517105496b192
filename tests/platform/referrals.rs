//! Shift and bundle offers, the one-offer-per-visit rule, direct referrals and their
//! revisions, referral tasks, and the sys_admin reads and settings of the Offers API.

use devstack::seed::{DEMAND_ORG, SUPPLY_B_ORG};
use platform_tests::client::Side::{Inbox, Outbox};
use platform_tests::given::{
    self, offer_body, referral_body, revision_body, sample_body, text, visit_offer_body,
};
use platform_tests::{Received, Response, TestStack, assert_fields};
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shift_and_bundle_offers_share_one_id_and_are_created_whole_or_not_at_all() {
    let t = TestStack::start().await;
    let (demand, supply_a, _) = given::logins(&t).await.parties();
    let offers = t.offers(&demand);
    let shift_body = || sample_body("offers.outbox.offers.create_shift").unwrap();
    let bundle_body = || sample_body("offers.outbox.offers.create_bundle").unwrap();

    let shift = offers.create_shift(shift_body()).await.ok(201);
    let shift_id = text(&shift["shift"]["id"]);
    let items = shift["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["visits"][0]["outbox_id"], "visit-3001");
    assert_eq!(items[1]["visits"][0]["outbox_id"], "visit-3002");
    assert_eq!(items[0]["response_counts"]["sent"], 2);
    let first = text(&items[0]["offer"]["id"]);
    let detail = offers.outbox(&first).await.ok(200);
    assert_fields!(detail, {"offer": {"offer_type": "visit", "shift_id": shift_id}});
    // The existing shift_id filters find exactly the shift's offers, on both sides (the
    // supplier's once the stream has projected them).
    t.settle().await;
    let by_shift = format!("shift_id={shift_id}");
    let total = async |list: Response| list.ok(200)["total_items"].clone();
    assert_eq!(total(offers.outbox_list(&by_shift).await).await, 2);
    let inbox = t.offers(&supply_a).inbox_list(&by_shift).await;
    assert_eq!(total(inbox).await, 2);

    let bundle = offers.create_bundle(bundle_body()).await.ok(201);
    let bundle_id = text(&bundle["bundle"]["id"]);
    assert_ne!(bundle_id, shift_id);
    let by_bundle = format!("shift_id={bundle_id}&offer_type=service");
    assert_eq!(total(offers.outbox_list(&by_bundle).await).await, 2);
    // The shift's and the bundle's offers.
    assert_eq!(total(offers.outbox_list("").await).await, 4);

    // One bad item (a visit offer must describe exactly one visit): nothing is written.
    let before = t.item_count().await;
    let mut bad = shift_body();
    bad["items"][0]["visits"][0]["outbox_id"] = json!("visit-5001");
    bad["items"][1]["visits"] = json!([]);
    let refused = offers.create_shift(bad).await.refused(422, "items[1]");
    assert!(refused["message"].as_str().unwrap().starts_with("items[1]"));
    let bad = given::with(&bundle_body(), "items.1.care_type", "surgery");
    offers.create_bundle(bad).await.ok(400);
    // The spec's `maxItems: 10` of a bundle.
    let big = bundle_body();
    let big = given::with(&big, "items", vec![big["items"][0].clone(); 11]);
    offers.create_bundle(big).await.ok(400);
    t.assert_wrote_nothing(before).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_visit_has_at_most_one_open_or_assigned_visit_offer() {
    let t = TestStack::start().await;
    let demand = t.login(&t.demo.demand).await;
    let offers = t.offers(&demand);
    let held = offers.create(visit_offer_body("visit-7001")).await.ok(201);
    let held_id = text(&held["offer"]["id"]);

    // The same visit again, alone or inside a shift: 409, and the shift writes nothing, so
    // its other visit stays free.
    offers.create(visit_offer_body("visit-7001")).await.ok(409);
    let mut shift = sample_body("offers.outbox.offers.create_shift").unwrap();
    shift["items"][0]["visits"][0]["outbox_id"] = json!("visit-7002");
    shift["items"][1]["visits"][0]["outbox_id"] = json!("visit-7001");
    offers.create_shift(shift.clone()).await.ok(409);
    // One shift naming a visit twice is refused before any write.
    shift["items"][1]["visits"][0]["outbox_id"] = json!("visit-7002");
    offers.create_shift(shift).await.ok(422);
    offers.create(visit_offer_body("visit-7002")).await.ok(201);
    // A service offer of the same visits is not restricted.
    offers.create(offer_body()).await.ok(201);

    // Closing the holding offer frees the visit.
    let close = json!({"reason_code": "client_request"});
    offers.close(&held_id, close).await.ok(204);
    offers.create(visit_offer_body("visit-7001")).await.ok(201);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_direct_referral_is_revised_with_the_old_revision_archived() {
    let t = TestStack::start().await;
    let subs = given::subscribers(&t).await;
    let (demand, supply_a, supply_b) = given::logins(&t).await.parties();

    let created = given::direct_referral(&t, &demand, referral_body()).await;
    let id = text(&created["referral"]["id"]);
    assert_fields!(created, {"referral": {"status": "assigned"},
        "supply": {"name": "Northern Care Partners"},
        "revision": {"revision_number": 1, "revision_group_id": id}});
    assert!(created["referral"].get("offer_id").is_none());
    // The supplier sees it in full; the other supplier does not see it at all.
    let inbox = t.referrals(&supply_a).inbox(&id).await.ok(200);
    assert_eq!(inbox["client"]["demographics"]["first_name"], "Margaret");
    t.referrals(&supply_b).inbox(&id).await.ok(404);
    t.settle().await;
    // `channel event_name referral_id` of what was heard.
    let heard = |got: Vec<Received>| -> Vec<String> {
        let referral = |r: &Received| text(&r.payload["referral_id"]);
        let about = |r: &Received| format!("{} {} {}", r.channel.as_str(), r.name(), referral(r));
        got.iter().map(about).collect()
    };
    let new_referral = |channel: &str, id: &str| vec![format!("{channel} ReferralCreated {id}")];
    // `drain` validates every payload against the AsyncAPI schema of its channel.
    let d = subs.demand.drain().await;
    assert_eq!(d[0].payload["supply"]["name"], "Northern Care Partners");
    assert_eq!(heard(d), new_referral("outbox-referrals", &id));
    let a = heard(subs.a.drain().await);
    assert_eq!(a, new_referral("inbox-referrals", &id));
    assert!(subs.b.drain().await.is_empty(), "supplier B heard of it");

    // Revision 2: the response is the new revision, in the same group and sequence.
    let referrals = t.referrals(&demand);
    let revised = referrals.update(&id, revision_body()).await.ok(201);
    let id2 = text(&revised["referral"]["id"]);
    assert_ne!(id2, id);
    assert_fields!(revised["revision"], {"revision_number": 2, "revision_group_id": id,
        "is_latest_revision": true});
    let reasons = &revised["revision"]["revision_reasons"];
    assert_eq!(reasons, &json!(["schedule_change"]));
    let sequence = &created["referral"]["sequence_id"];
    assert_eq!(&revised["referral"]["sequence_id"], sequence);
    assert_eq!(revised["price"]["rate"], 45.0);
    let old = referrals.outbox(&id).await.ok(200);
    assert_eq!(old["revision"]["is_latest_revision"], false);

    // The lists: latest by default, archived, all; by group on the outbox.
    let ids = |body: &Value| {
        let items = body["items"].as_array().unwrap().iter();
        let revision = |i: &Value| {
            (
                text(&i["referral"]["id"]),
                i["revision"]["revision_number"].as_u64().unwrap(),
            )
        };
        let mut v: Vec<(String, u64)> = items.map(revision).collect();
        v.sort_by_key(|x| x.1);
        v
    };
    for (q, want) in [
        ("", vec![(id2.clone(), 2)]),
        ("revisions=latest", vec![(id2.clone(), 2)]),
        ("revisions=archived", vec![(id.clone(), 1)]),
        ("revisions=all", vec![(id.clone(), 1), (id2.clone(), 2)]),
    ] {
        let outbox = referrals.outbox_list(q).await;
        assert_eq!(ids(&outbox.body), want, "outbox {q}");
        let inbox = t.referrals(&supply_a).inbox_list(q).await;
        assert_eq!(ids(&inbox.body), want, "inbox {q}");
    }
    let query =
        format!("revisions=all&revision_group_id={id}&sort_by=revision_number&sort_order=asc");
    let group = referrals.outbox_list(&query).await.counted(2);
    assert_eq!(group["items"][0]["revision"]["revision_number"], 1);

    // Both sides hear of the new revision; supplier B still hears nothing.
    t.settle().await;
    let heard_by_demand = heard(subs.demand.drain().await);
    assert_eq!(heard_by_demand, new_referral("outbox-referrals", &id2));
    let a = heard(subs.a.drain().await);
    assert_eq!(a, new_referral("inbox-referrals", &id2));
    assert!(subs.b.drain().await.is_empty());

    // The archived revision cannot be revised again; a cancelled one neither.
    let before = t.item_count().await;
    referrals.update(&id, revision_body()).await.ok(409);
    let cancel = json!({"reason_code": "client_request"});
    referrals.outbox_cancel(&id2, cancel).await.ok(204);
    referrals.update(&id2, revision_body()).await.ok(409);
    // Only the cancellation (referral + its event) was written since.
    assert_eq!(t.item_count().await, before + 1);
    // Another demand organization's update is a 404, not a 403: supplier A is no demand.
    let other = t.referrals(&supply_a).update(&id2, revision_body()).await;
    other.ok(404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn visit_referrals_are_not_revised_and_tasks_take_the_suppliers_ids() {
    let t = TestStack::start().await;
    let (demand, supply_a, supply_b) = given::logins(&t).await.parties();
    let mut body = referral_body();
    body["referral"]["referral_type"] = json!("visit");
    body["visits"] = json!([body["visits"][0].clone()]);
    let created = given::direct_referral(&t, &demand, body).await;
    let id = text(&created["referral"]["id"]);
    let referrals = t.referrals(&demand);
    referrals.update(&id, revision_body()).await.ok(409);

    // A referral to an organization without an active supply persona is refused.
    let to_demand = given::with(&referral_body(), "supply_persona_id", DEMAND_ORG);
    referrals.create(to_demand).await.ok(422);

    let task = text(&created["visits"][0]["tasks"][0]["id"]);
    let tasks = json!({"client_tasks": [{"id": task, "inbox_id": "our-task-17"}]});
    // Only the referral's supplier may; a task of no referral is a 422.
    let (a, b) = (t.referrals(&supply_a), t.referrals(&supply_b));
    b.update_tasks(&id, tasks.clone()).await.ok(404);
    let stranger = json!({"client_tasks": [{"id": uuid::Uuid::new_v4(), "inbox_id": "x"}]});
    a.update_tasks(&id, stranger).await.ok(422);
    a.update_tasks(&id, tasks).await.ok(204);
    let detail = referrals.outbox(&id).await.ok(200);
    assert_eq!(detail["visits"][0]["tasks"][0]["inbox_id"], "our-task-17");
    assert!(detail["visits"][0]["tasks"][1].get("inbox_id").is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sys_admin_reads_everything_and_take_rates_set_what_suppliers_are_paid() {
    let t = TestStack::start().await;
    let logins = given::logins(&t).await;
    let (demand, supply_a) = (&logins.demand, &logins.supply_a);
    let admin = t.sys_admin(&logins.sys_admin);

    // Rates: a fraction in [0, 1]; the demand's own rate wins over the regional one.
    assert_eq!(admin.regional_take_rate().await.body, json!({"rate": 0.0}));
    let too_high = json!({"rate": 1.5});
    admin.set_regional_take_rate(too_high).await.ok(400);
    let set = admin.set_regional_take_rate(json!({"rate": 0.1})).await;
    assert_eq!(set.ok(200), json!({"rate": 0.1}));
    let rate = || json!({"rate": 0.2});
    admin.set_demand_take_rate(DEMAND_ORG, rate()).await.ok(204);
    let rates = json!({"items": [{"demand_persona_id": DEMAND_ORG, "rate": 0.2}]});
    assert_eq!(admin.demand_take_rates().await.body, rates);
    let unknown = uuid::Uuid::new_v4().to_string();
    admin.set_demand_take_rate(&unknown, rate()).await.ok(404);

    // An offer at 42.50/h: the demand sees its price, the supplier 20 % less.
    let first = given::offer(&t, demand).await;
    let inbox = t.offers(supply_a).inbox(&first).await.ok(200);
    assert_eq!(inbox["price"], json!({"rate": 34.0, "unit": "per_hour"}));
    let detail = admin.offer(&first).await.ok(200);
    let price = json!({"rate_demand": 42.5, "rate_supply": 34.0, "unit": "per_hour"});
    assert_eq!(detail["price"]["default"], price);
    assert_eq!(detail["demand"]["name"], "Maple Home Health");
    // Cleared, the regional rate applies to the next offer; the first keeps its rate.
    let cleared = json!({"rate": null});
    let set = admin.set_demand_take_rate(DEMAND_ORG, cleared).await;
    set.ok(204);
    assert_eq!(admin.demand_take_rates().await.body, json!({"items": []}));
    let created = given::direct_referral(&t, demand, referral_body()).await;
    let referral = text(&created["referral"]["id"]);
    assert_eq!(created["price"]["rate"], 42.5);
    let inbox = t.referrals(supply_a).inbox(&referral).await.ok(200);
    assert_eq!(inbox["price"], json!({"rate": 38.25, "unit": "per_hour"}));

    // The lists and their filters.
    let all = admin.offers("").await.counted(1);
    assert_eq!(all["items"][0]["offer"]["id"], first.as_str());
    for (q, n) in [
        (format!("demand_persona_id={DEMAND_ORG}"), 1),
        (format!("demand_persona_id={}", uuid::Uuid::new_v4()), 0),
        (format!("id={first}"), 1),
        ("status=closed".to_owned(), 0),
        ("care_type=psw&status=open".to_owned(), 1),
    ] {
        admin.offers(&q).await.counted(n);
    }
    admin.matches(&first).await.counted(2);
    let refs = admin.referrals("").await.counted(1);
    assert_eq!(refs["items"][0]["referral"]["id"], referral.as_str());
    assert_eq!(refs["items"][0]["demand"]["name"], "Maple Home Health");
    assert_eq!(refs["items"][0]["supply"]["name"], "Northern Care Partners");
    let query = format!("supply_persona_id={SUPPLY_B_ORG}");
    admin.referrals(&query).await.counted(0);
    let one = admin.referral(&referral).await.ok(200);
    assert_fields!(one, {"demand": {"name": "Maple Home Health"}, "price": {"rate": 42.5}});

    // Another organization's assignment setting, as the participant's own endpoint sees it.
    let manual = admin.assignment(DEMAND_ORG).await.ok(200);
    assert_eq!(manual, json!({"offer_assignment": "manual"}));
    let auto = json!({"offer_assignment": "auto"});
    admin.set_assignment(DEMAND_ORG, auto).await.ok(204);
    let own = t.offers(demand).assignment().await.ok(200);
    assert_eq!(own, json!({"offer_assignment": "auto"}));
}

/// A direct referral opens its own sequence (there is no offer match): both sides message in
/// it, its revisions keep it, the lists show it without an offer, and other suppliers see none
/// of it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_direct_referrals_sequence_carries_messages_across_revisions() {
    let t = TestStack::start().await;
    let demand_sub = given::subscriber(&t, &t.demo.demand).await;
    let a_sub = given::subscriber(&t, &t.demo.supply_a).await;
    let (demand, supply_a, supply_b) = given::logins(&t).await.parties();
    let created = given::direct_referral(&t, &demand, referral_body()).await;
    let id = text(&created["referral"]["id"]);
    let sequence = created["referral"]["sequence_id"].clone();
    let say = |words| given::comment(&sequence, words);
    let d = t.messages(&demand);
    let (a, b) = (t.messages(&supply_a), t.messages(&supply_b));
    d.send(Outbox, say("Welcome")).await.ok(201);
    // A revision keeps the sequence, and messages keep flowing in it.
    let update = t.referrals(&demand).update(&id, revision_body()).await;
    assert_eq!(update.ok(201)["referral"]["sequence_id"], sequence);
    a.send(Inbox, say("Thanks")).await.ok(201);
    b.send(Inbox, say("Hello?")).await.ok(404);

    let listed = d.sequences(Outbox, "").await.counted(1);
    let item = &listed["items"][0];
    assert_eq!(item["id"], sequence);
    assert!(item.get("offer").is_none(), "{item}");
    assert_eq!(item["client"]["demographics"]["first_name"], "Margaret");
    b.sequences(Inbox, "").await.counted(0);

    t.settle().await;
    let names = |got: Vec<Received>| -> Vec<String> {
        let messages = got
            .into_iter()
            .filter(|r| r.channel.as_str().ends_with("-messages"));
        messages.map(|r| r.name().to_owned()).collect()
    };
    assert_eq!(names(a_sub.drain().await), ["MessageDemandSent"]);
    assert_eq!(names(demand_sub.drain().await), ["MessageSupplySent"]);
}
