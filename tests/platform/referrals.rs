//! Shift and bundle offers, the one-offer-per-visit rule, direct referrals and their
//! revisions, referral tasks, and the sys_admin reads and settings of the Offers API.

use platform_tests::{Subscriber, TestStack};
use serde_json::{Value, json};

use crate::{offer_body, sample_body};

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
            Some(sample_body("offers.outbox.offers.create_shift").unwrap()),
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
            Some(sample_body("offers.outbox.offers.create_bundle").unwrap()),
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
    let mut bad = sample_body("offers.outbox.offers.create_shift").unwrap();
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
    let mut bad = sample_body("offers.outbox.offers.create_bundle").unwrap();
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
    // The spec's `maxItems: 10` of a bundle.
    let mut big = sample_body("offers.outbox.offers.create_bundle").unwrap();
    big["items"] = json!(vec![big["items"][0].clone(); 11]);
    let refused = t
        .call(
            "POST",
            "/offers/v1/outbox/bundle/offers",
            Some(&demand),
            Some(big),
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
    let mut shift = sample_body("offers.outbox.offers.create_shift").unwrap();
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

/// Direct referral of the sample body to supplier A; returns the response body.
pub async fn direct_referral(t: &TestStack, demand: &str, body: Value) -> Value {
    let r = t
        .call(
            "POST",
            "/offers/v1/outbox/referrals",
            Some(demand),
            Some(body),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    r.body
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_direct_referral_is_revised_with_the_old_revision_archived() {
    let t = TestStack::start().await;
    let org = |u: &devstack::seed::User| u.organization.as_ref().unwrap().id;
    let demand_sub = Subscriber::new(&t, org(&t.demo.demand)).await;
    let a_sub = Subscriber::new(&t, org(&t.demo.supply_a)).await;
    let b_sub = Subscriber::new(&t, org(&t.demo.supply_b)).await;
    let demand = t.login(&t.demo.demand).await;
    let supply_a = t.login(&t.demo.supply_a).await;
    let supply_b = t.login(&t.demo.supply_b).await;

    let created = direct_referral(
        &t,
        &demand,
        sample_body("offers.outbox.referrals.create").unwrap(),
    )
    .await;
    let id = created["referral"]["id"].as_str().unwrap().to_owned();
    assert_eq!(created["referral"]["status"], "assigned");
    assert_eq!(created["supply"]["name"], "Northern Care Partners");
    assert_eq!(created["revision"]["revision_number"], 1);
    assert_eq!(created["revision"]["revision_group_id"], id.as_str());
    assert!(created["referral"].get("offer_id").is_none());
    // The supplier sees it in full; the other supplier does not see it at all.
    let inbox = t
        .call(
            "GET",
            &format!("/offers/v1/inbox/referrals/{id}"),
            Some(&supply_a),
            None,
        )
        .await;
    assert_eq!(inbox.status, 200, "{:?}", inbox.body);
    assert_eq!(
        inbox.body["client"]["demographics"]["first_name"],
        "Margaret"
    );
    assert_eq!(
        t.call(
            "GET",
            &format!("/offers/v1/inbox/referrals/{id}"),
            Some(&supply_b),
            None
        )
        .await
        .status,
        404
    );
    t.settle().await;
    let heard = |got: Vec<platform_tests::Received>| {
        got.iter()
            .map(|r| {
                (
                    r.channel.as_str().to_owned(),
                    r.name().to_owned(),
                    r.payload["referral_id"].as_str().unwrap().to_owned(),
                )
            })
            .collect::<Vec<_>>()
    };
    // `drain` validates every payload against the AsyncAPI schema of its channel.
    let d = demand_sub.drain().await;
    assert_eq!(d[0].payload["supply"]["name"], "Northern Care Partners");
    assert_eq!(
        heard(d),
        vec![(
            "outbox-referrals".into(),
            "ReferralCreated".into(),
            id.clone()
        )]
    );
    assert_eq!(
        heard(a_sub.drain().await),
        vec![(
            "inbox-referrals".into(),
            "ReferralCreated".into(),
            id.clone()
        )]
    );
    assert!(b_sub.drain().await.is_empty(), "supplier B heard of it");

    // Revision 2: the response is the new revision, in the same group and sequence.
    let update = format!("/offers/v1/outbox/referrals/{id}/update");
    let revised = t
        .call(
            "POST",
            &update,
            Some(&demand),
            Some(sample_body("offers.outbox.referrals.update").unwrap()),
        )
        .await;
    assert_eq!(revised.status, 201, "{:?}", revised.body);
    let id2 = revised.body["referral"]["id"].as_str().unwrap().to_owned();
    assert_ne!(id2, id);
    assert_eq!(revised.body["revision"]["revision_number"], 2);
    assert_eq!(revised.body["revision"]["revision_group_id"], id.as_str());
    assert_eq!(revised.body["revision"]["is_latest_revision"], true);
    assert_eq!(
        revised.body["revision"]["revision_reasons"],
        json!(["schedule_change"])
    );
    assert_eq!(
        revised.body["referral"]["sequence_id"],
        created["referral"]["sequence_id"]
    );
    assert_eq!(revised.body["price"]["rate"], 45.0);
    let old = t
        .call(
            "GET",
            &format!("/offers/v1/outbox/referrals/{id}"),
            Some(&demand),
            None,
        )
        .await;
    assert_eq!(old.body["revision"]["is_latest_revision"], false);

    // The lists: latest by default, archived, all; by group on the outbox.
    let ids = |body: &Value| {
        let mut v: Vec<(String, u64)> = body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| {
                (
                    i["referral"]["id"].as_str().unwrap().to_owned(),
                    i["revision"]["revision_number"].as_u64().unwrap(),
                )
            })
            .collect();
        v.sort_by_key(|x| x.1);
        v
    };
    for (token, base) in [
        (&demand, "/offers/v1/outbox/referrals"),
        (&supply_a, "/offers/v1/inbox/referrals"),
    ] {
        for (q, want) in [
            ("", vec![(id2.clone(), 2)]),
            ("?revisions=latest", vec![(id2.clone(), 2)]),
            ("?revisions=archived", vec![(id.clone(), 1)]),
            ("?revisions=all", vec![(id.clone(), 1), (id2.clone(), 2)]),
        ] {
            let r = t
                .call("GET", &format!("{base}{q}"), Some(token), None)
                .await;
            assert_eq!(ids(&r.body), want, "{base}{q}");
        }
    }
    let group = t
        .call(
            "GET",
            &format!("/offers/v1/outbox/referrals?revisions=all&revision_group_id={id}&sort_by=revision_number&sort_order=asc"),
            Some(&demand),
            None,
        )
        .await;
    assert_eq!(group.body["total_items"], 2);
    assert_eq!(group.body["items"][0]["revision"]["revision_number"], 1);

    // Both sides hear of the new revision; supplier B still hears nothing.
    t.settle().await;
    assert_eq!(
        heard(demand_sub.drain().await),
        vec![(
            "outbox-referrals".into(),
            "ReferralCreated".into(),
            id2.clone()
        )]
    );
    assert_eq!(
        heard(a_sub.drain().await),
        vec![(
            "inbox-referrals".into(),
            "ReferralCreated".into(),
            id2.clone()
        )]
    );
    assert!(b_sub.drain().await.is_empty());

    // The archived revision cannot be revised again; a cancelled one neither.
    let before = t.items().await.len();
    let again = t
        .call(
            "POST",
            &update,
            Some(&demand),
            Some(sample_body("offers.outbox.referrals.update").unwrap()),
        )
        .await;
    assert_eq!(again.status, 409, "{:?}", again.body);
    let cancel = t
        .call(
            "POST",
            &format!("/offers/v1/outbox/referrals/{id2}/cancel"),
            Some(&demand),
            Some(json!({"reason_code": "client_request"})),
        )
        .await;
    assert_eq!(cancel.status, 204);
    let cancelled = t
        .call(
            "POST",
            &format!("/offers/v1/outbox/referrals/{id2}/update"),
            Some(&demand),
            Some(sample_body("offers.outbox.referrals.update").unwrap()),
        )
        .await;
    assert_eq!(cancelled.status, 409, "{:?}", cancelled.body);
    // Only the cancellation (referral + its event) was written since.
    assert_eq!(t.items().await.len(), before + 1);
    // Another demand organization's update is a 404, not a 403: supplier A is no demand.
    assert_eq!(
        t.call(
            "POST",
            &format!("/offers/v1/outbox/referrals/{id2}/update"),
            Some(&supply_a),
            Some(sample_body("offers.outbox.referrals.update").unwrap()),
        )
        .await
        .status,
        404
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn visit_referrals_are_not_revised_and_tasks_take_the_suppliers_ids() {
    let t = TestStack::start().await;
    let demand = t.login(&t.demo.demand).await;
    let supply_a = t.login(&t.demo.supply_a).await;
    let supply_b = t.login(&t.demo.supply_b).await;
    let mut body = sample_body("offers.outbox.referrals.create").unwrap();
    body["referral"]["referral_type"] = json!("visit");
    body["visits"] = json!([body["visits"][0].clone()]);
    let created = direct_referral(&t, &demand, body).await;
    let id = created["referral"]["id"].as_str().unwrap().to_owned();
    let update = t
        .call(
            "POST",
            &format!("/offers/v1/outbox/referrals/{id}/update"),
            Some(&demand),
            Some(sample_body("offers.outbox.referrals.update").unwrap()),
        )
        .await;
    assert_eq!(update.status, 409, "{:?}", update.body);

    // A referral to an organization without an active supply persona is refused.
    let mut to_demand = sample_body("offers.outbox.referrals.create").unwrap();
    to_demand["supply_persona_id"] = json!(devstack::seed::DEMAND_ORG);
    let refused = t
        .call(
            "POST",
            "/offers/v1/outbox/referrals",
            Some(&demand),
            Some(to_demand),
        )
        .await;
    assert_eq!(refused.status, 422, "{:?}", refused.body);

    let task = created["visits"][0]["tasks"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/offers/v1/inbox/referrals/{id}/tasks/update");
    let tasks = json!({"client_tasks": [{"id": task, "inbox_id": "our-task-17"}]});
    // Only the referral's supplier may; a task of no referral is a 422.
    assert_eq!(
        t.call("POST", &path, Some(&supply_b), Some(tasks.clone()))
            .await
            .status,
        404
    );
    let stranger = json!({"client_tasks": [{"id": uuid::Uuid::new_v4(), "inbox_id": "x"}]});
    assert_eq!(
        t.call("POST", &path, Some(&supply_a), Some(stranger))
            .await
            .status,
        422
    );
    let done = t.call("POST", &path, Some(&supply_a), Some(tasks)).await;
    assert_eq!(done.status, 204, "{:?}", done.body);
    let detail = t
        .call(
            "GET",
            &format!("/offers/v1/outbox/referrals/{id}"),
            Some(&demand),
            None,
        )
        .await;
    assert_eq!(
        detail.body["visits"][0]["tasks"][0]["inbox_id"],
        "our-task-17"
    );
    assert!(
        detail.body["visits"][0]["tasks"][1]
            .get("inbox_id")
            .is_none()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sys_admin_reads_everything_and_take_rates_set_what_suppliers_are_paid() {
    use devstack::seed::{DEMAND_ORG, SUPPLY_B_ORG};
    let t = TestStack::start().await;
    let admin = t.login(&t.demo.sys_admin).await;
    let demand = t.login(&t.demo.demand).await;
    let supply_a = t.login(&t.demo.supply_a).await;
    let regional = "/offers/v1/sys_admin/take_rates/regional_take_rate";
    let demand_rate = format!("/offers/v1/sys_admin/take_rates/demand_take_rates/{DEMAND_ORG}");
    let demand_rates = "/offers/v1/sys_admin/take_rates/demand_take_rates";

    // Rates: a fraction in [0, 1]; the demand's own rate wins over the regional one.
    let r = t.call("GET", regional, Some(&admin), None).await;
    assert_eq!(r.body, json!({"rate": 0.0}));
    let r = t
        .call("POST", regional, Some(&admin), Some(json!({"rate": 1.5})))
        .await;
    assert_eq!(r.status, 400, "{:?}", r.body);
    let r = t
        .call("POST", regional, Some(&admin), Some(json!({"rate": 0.1})))
        .await;
    assert_eq!((r.status, &r.body), (200, &json!({"rate": 0.1})));
    let r = t
        .call(
            "POST",
            &demand_rate,
            Some(&admin),
            Some(json!({"rate": 0.2})),
        )
        .await;
    assert_eq!(r.status, 204, "{:?}", r.body);
    let r = t.call("GET", demand_rates, Some(&admin), None).await;
    assert_eq!(
        r.body,
        json!({"items": [{"demand_persona_id": DEMAND_ORG, "rate": 0.2}]})
    );
    let unknown = format!(
        "/offers/v1/sys_admin/take_rates/demand_take_rates/{}",
        uuid::Uuid::new_v4()
    );
    let r = t
        .call("POST", &unknown, Some(&admin), Some(json!({"rate": 0.2})))
        .await;
    assert_eq!(r.status, 404);

    // An offer at 42.50/h: the demand sees its price, the supplier 20 % less.
    let first = crate::create_offer(&t, &demand).await;
    let inbox = t
        .call(
            "GET",
            &format!("/offers/v1/inbox/offers/{first}"),
            Some(&supply_a),
            None,
        )
        .await;
    assert_eq!(
        inbox.body["price"],
        json!({"rate": 34.0, "unit": "per_hour"})
    );
    let detail = t
        .call(
            "GET",
            &format!("/offers/v1/sys_admin/offers/{first}"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(detail.status, 200, "{:?}", detail.body);
    assert_eq!(
        detail.body["price"]["default"],
        json!({"rate_demand": 42.5, "rate_supply": 34.0, "unit": "per_hour"})
    );
    assert_eq!(detail.body["demand"]["name"], "Maple Home Health");
    // Cleared, the regional rate applies to the next offer; the first keeps its rate.
    let r = t
        .call(
            "POST",
            &demand_rate,
            Some(&admin),
            Some(json!({"rate": null})),
        )
        .await;
    assert_eq!(r.status, 204);
    assert_eq!(
        t.call("GET", demand_rates, Some(&admin), None).await.body,
        json!({"items": []})
    );
    let created = direct_referral(
        &t,
        &demand,
        sample_body("offers.outbox.referrals.create").unwrap(),
    )
    .await;
    let referral = created["referral"]["id"].as_str().unwrap().to_owned();
    assert_eq!(created["price"]["rate"], 42.5);
    let inbox = t
        .call(
            "GET",
            &format!("/offers/v1/inbox/referrals/{referral}"),
            Some(&supply_a),
            None,
        )
        .await;
    assert_eq!(
        inbox.body["price"],
        json!({"rate": 38.25, "unit": "per_hour"})
    );

    // The lists and their filters.
    let list = |q: String| {
        let t = &t;
        let admin = &admin;
        async move {
            let r = t.call("GET", &q, Some(admin), None).await;
            assert_eq!(r.status, 200, "{q}: {:?}", r.body);
            r.body
        }
    };
    let all = list("/offers/v1/sys_admin/offers".into()).await;
    assert_eq!(all["total_items"], 1);
    assert_eq!(all["items"][0]["offer"]["id"], first.as_str());
    for (q, n) in [
        (format!("?demand_persona_id={DEMAND_ORG}"), 1),
        (format!("?demand_persona_id={}", uuid::Uuid::new_v4()), 0),
        (format!("?id={first}"), 1),
        ("?status=closed".to_owned(), 0),
        ("?care_type=psw&status=open".to_owned(), 1),
    ] {
        let body = list(format!("/offers/v1/sys_admin/offers{q}")).await;
        assert_eq!(body["total_items"], n, "{q}");
    }
    let matches = list(format!("/offers/v1/sys_admin/offers/{first}/matches")).await;
    assert_eq!(matches["total_items"], 2);
    let refs = list("/offers/v1/sys_admin/referrals".into()).await;
    assert_eq!(refs["total_items"], 1);
    assert_eq!(refs["items"][0]["referral"]["id"], referral.as_str());
    assert_eq!(refs["items"][0]["demand"]["name"], "Maple Home Health");
    assert_eq!(refs["items"][0]["supply"]["name"], "Northern Care Partners");
    let none = list(format!(
        "/offers/v1/sys_admin/referrals?supply_persona_id={SUPPLY_B_ORG}"
    ))
    .await;
    assert_eq!(none["total_items"], 0);
    let one = list(format!("/offers/v1/sys_admin/referrals/{referral}")).await;
    assert_eq!(one["demand"]["name"], "Maple Home Health");
    assert_eq!(one["price"]["rate"], 42.5);

    // Another organization's assignment setting, as the participant's own endpoint sees it.
    let setting = format!("/offers/v1/sys_admin/demand_personas/{DEMAND_ORG}/settings/assignment");
    assert_eq!(
        list(setting.clone()).await,
        json!({"offer_assignment": "manual"})
    );
    let r = t
        .call(
            "POST",
            &setting,
            Some(&admin),
            Some(json!({"offer_assignment": "auto"})),
        )
        .await;
    assert_eq!(r.status, 204, "{:?}", r.body);
    let own = t
        .call(
            "GET",
            "/offers/v1/demand_personas/settings/assignment",
            Some(&demand),
            None,
        )
        .await;
    assert_eq!(own.body, json!({"offer_assignment": "auto"}));
}

/// A direct referral opens its own sequence (there is no offer match): both sides message in
/// it, its revisions keep it, the lists show it without an offer, and other suppliers see none
/// of it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_direct_referrals_sequence_carries_messages_across_revisions() {
    let t = TestStack::start().await;
    let org = |u: &devstack::seed::User| u.organization.as_ref().unwrap().id;
    let demand_sub = Subscriber::new(&t, org(&t.demo.demand)).await;
    let a_sub = Subscriber::new(&t, org(&t.demo.supply_a)).await;
    let demand = t.login(&t.demo.demand).await;
    let supply_a = t.login(&t.demo.supply_a).await;
    let supply_b = t.login(&t.demo.supply_b).await;
    let created = direct_referral(
        &t,
        &demand,
        sample_body("offers.outbox.referrals.create").unwrap(),
    )
    .await;
    let id = created["referral"]["id"].as_str().unwrap().to_owned();
    let sequence = created["referral"]["sequence_id"].clone();
    let send = |path: &'static str, token: String, text: &'static str| {
        let t = &t;
        let body = json!({"sequence_id": sequence, "category": "comment", "text": text});
        async move { t.call("POST", path, Some(&token), Some(body)).await }
    };
    let first = send("/offers/v1/outbox/messages", demand.clone(), "Welcome").await;
    assert_eq!(first.status, 201, "{:?}", first.body);
    // A revision keeps the sequence, and messages keep flowing in it.
    let update = t
        .call(
            "POST",
            &format!("/offers/v1/outbox/referrals/{id}/update"),
            Some(&demand),
            Some(sample_body("offers.outbox.referrals.update").unwrap()),
        )
        .await;
    assert_eq!(update.status, 201, "{:?}", update.body);
    assert_eq!(update.body["referral"]["sequence_id"], sequence);
    let reply = send("/offers/v1/inbox/messages", supply_a.clone(), "Thanks").await;
    assert_eq!(reply.status, 201, "{:?}", reply.body);
    let outsider = send("/offers/v1/inbox/messages", supply_b.clone(), "Hello?").await;
    assert_eq!(outsider.status, 404, "{:?}", outsider.body);

    let listed = t
        .call("GET", "/offers/v1/outbox/sequences", Some(&demand), None)
        .await;
    assert_eq!(listed.status, 200, "{:?}", listed.body);
    assert_eq!(listed.body["total_items"], 1);
    let item = &listed.body["items"][0];
    assert_eq!(item["id"], sequence);
    assert!(item.get("offer").is_none(), "{item}");
    assert_eq!(item["client"]["demographics"]["first_name"], "Margaret");
    let b_list = t
        .call("GET", "/offers/v1/inbox/sequences", Some(&supply_b), None)
        .await;
    assert_eq!(b_list.body["total_items"], 0);

    t.settle().await;
    let names = |got: Vec<platform_tests::Received>| {
        got.into_iter()
            .filter(|r| r.channel.as_str().ends_with("-messages"))
            .map(|r| r.name().to_owned())
            .collect::<Vec<_>>()
    };
    assert_eq!(names(a_sub.drain().await), ["MessageDemandSent"]);
    assert_eq!(names(demand_sub.drain().await), ["MessageSupplySent"]);
}
