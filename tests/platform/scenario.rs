//! The care flow end to end, as the participants' clients drive it: demand creates an offer,
//! both suppliers see it, one accepts, one declines, demand assigns, the referral exists on
//! both sides, and each organization's SNS subscription got exactly its own events.

use platform_tests::{Subscriber, TestStack};
use serde_json::json;

use crate::{create_offer, offer_body, sample_body};

fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = v
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    v.sort();
    v
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offer_to_referral_with_exactly_the_expected_messages() {
    let t = TestStack::start().await;
    let demo = &t.demo;
    let org = |u: &devstack::seed::User| u.organization.as_ref().unwrap().id;
    let demand_sub = Subscriber::new(&t, org(&demo.demand)).await;
    let a_sub = Subscriber::new(&t, org(&demo.supply_a)).await;
    let b_sub = Subscriber::new(&t, org(&demo.supply_b)).await;
    // An organization that takes part in nothing must receive nothing.
    let outsider = shared::ids::OrgId::new();
    let outsider_sub = Subscriber::new(&t, outsider).await;

    let demand = t.login(&demo.demand).await;
    let supply_a = t.login(&demo.supply_a).await;
    let supply_b = t.login(&demo.supply_b).await;

    // Demand creates an offer.
    let created = t
        .call(
            "POST",
            "/offers/v1/outbox/offers",
            Some(&demand),
            Some(offer_body()),
        )
        .await;
    assert_eq!(created.status, 201, "{:?}", created.body);
    let offer_id = created.body["offer"]["id"].as_str().unwrap().to_owned();
    assert_eq!(created.body["offer"]["status"], "open");
    assert_eq!(created.body["response_counts"]["sent"], 2);
    assert_eq!(created.body["demand"]["name"], "Maple Home Health");

    // Both suppliers see it in their inbox, anonymized.
    for token in [&supply_a, &supply_b] {
        let inbox = t
            .call("GET", "/offers/v1/inbox/offers", Some(token), None)
            .await;
        assert_eq!(inbox.status, 200);
        assert_eq!(inbox.body["total_items"], 1);
        assert_eq!(inbox.body["items"][0]["offer"]["id"], offer_id.as_str());
        assert_eq!(inbox.body["items"][0]["match"]["status"], "open");
        let detail = t
            .call(
                "GET",
                &format!("/offers/v1/inbox/offers/{offer_id}"),
                Some(token),
                None,
            )
            .await;
        assert_eq!(detail.status, 200);
        let client = &detail.body["client"];
        assert!(
            client.get("demographics").is_none() && client["address"].get("address").is_none(),
            "PHI leaked: {client}"
        );
        assert!(client["address"]["city"].is_string());
    }

    // One accepts, one declines.
    let accept = t
        .call(
            "POST",
            &format!("/offers/v1/inbox/offers/{offer_id}/accept"),
            Some(&supply_a),
            Some(json!({"comment": "We can staff it"})),
        )
        .await;
    assert_eq!(accept.status, 204, "{:?}", accept.body);
    let decline = t
        .call(
            "POST",
            &format!("/offers/v1/inbox/offers/{offer_id}/decline"),
            Some(&supply_b),
            Some(json!({"reason_code": "no_employee_availability"})),
        )
        .await;
    assert_eq!(decline.status, 204, "{:?}", decline.body);

    // Demand sees the responses and assigns the acceptance.
    let matches = t
        .call(
            "GET",
            &format!("/offers/v1/outbox/offers/{offer_id}/matches?response=accepted"),
            Some(&demand),
            None,
        )
        .await;
    assert_eq!(matches.status, 200);
    assert_eq!(matches.body["total_items"], 1);
    assert_eq!(
        matches.body["items"][0]["supply"]["name"],
        "Northern Care Partners"
    );
    let match_id = matches.body["items"][0]["match"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let assign = t
        .call(
            "POST",
            &format!("/offers/v1/outbox/offers/{offer_id}/assign"),
            Some(&demand),
            Some(json!({"offer_match_id": match_id})),
        )
        .await;
    assert_eq!(assign.status, 204, "{:?}", assign.body);

    let offer = t
        .call(
            "GET",
            &format!("/offers/v1/outbox/offers/{offer_id}"),
            Some(&demand),
            None,
        )
        .await;
    assert_eq!(offer.body["offer"]["status"], "assigned");
    assert_eq!(offer.body["supply"]["name"], "Northern Care Partners");
    assert_eq!(offer.body["response_counts"]["accepted"], 1);
    assert_eq!(offer.body["response_counts"]["declined"], 1);

    // The referral exists on both sides, and only there.
    let outbox = t
        .call("GET", "/offers/v1/outbox/referrals", Some(&demand), None)
        .await;
    assert_eq!(outbox.body["total_items"], 1, "{:?}", outbox.body);
    let referral_id = outbox.body["items"][0]["referral"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        outbox.body["items"][0]["referral"]["offer_id"],
        offer_id.as_str()
    );
    assert_eq!(outbox.body["items"][0]["referral"]["status"], "assigned");
    let inbox = t
        .call("GET", "/offers/v1/inbox/referrals", Some(&supply_a), None)
        .await;
    assert_eq!(
        inbox.body["items"][0]["referral"]["id"],
        referral_id.as_str()
    );
    let detail = t
        .call(
            "GET",
            &format!("/offers/v1/inbox/referrals/{referral_id}"),
            Some(&supply_a),
            None,
        )
        .await;
    assert_eq!(detail.status, 200);
    assert_eq!(
        detail.body["client"]["demographics"]["first_name"],
        offer_body()["client"]["demographics"]["first_name"]
    );
    let demand_view = t
        .call(
            "GET",
            &format!("/offers/v1/outbox/referrals/{referral_id}"),
            Some(&demand),
            None,
        )
        .await;
    assert_eq!(demand_view.status, 200);
    assert_eq!(demand_view.body["revision"]["revision_number"], 1);
    assert_eq!(
        t.call("GET", "/offers/v1/inbox/referrals", Some(&supply_b), None)
            .await
            .body["total_items"],
        0
    );
    assert_eq!(
        t.call(
            "GET",
            &format!("/offers/v1/inbox/referrals/{referral_id}"),
            Some(&supply_b),
            None
        )
        .await
        .status,
        404
    );
    let b_match = t
        .call(
            "GET",
            &format!("/offers/v1/inbox/offers/{offer_id}"),
            Some(&supply_b),
            None,
        )
        .await;
    assert_eq!(b_match.body["match"]["status"], "fulfilled");

    // What each organization's subscription received.
    t.settle().await;
    assert_eq!(
        demand_sub.names().await,
        pairs(&[
            ("outbox-offers", "OfferAccepted"),
            ("outbox-offers", "OfferDeclined"),
            ("outbox-referrals", "ReferralCreated")
        ])
    );
    assert_eq!(
        a_sub.names().await,
        pairs(&[
            ("inbox-offers", "OfferMatched"),
            ("inbox-referrals", "ReferralCreated")
        ])
    );
    assert_eq!(
        b_sub.names().await,
        pairs(&[
            ("inbox-offers", "OfferFulfilled"),
            ("inbox-offers", "OfferMatched")
        ])
    );
    assert!(outsider_sub.drain().await.is_empty());

    // Publishing again (a stream retry) re-sends nothing new: the pump is idle.
    t.settle().await;
    assert!(demand_sub.drain().await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn referral_payload_names_both_organizations_and_the_client() {
    let t = TestStack::start().await;
    let a_org = t.demo.supply_a.organization.as_ref().unwrap().id;
    let a_sub = Subscriber::new(&t, a_org).await;
    let demand = t.login(&t.demo.demand).await;
    let supply_a = t.login(&t.demo.supply_a).await;
    assert_eq!(
        t.call(
            "POST",
            "/offers/v1/demand_personas/settings/assignment",
            Some(&demand),
            Some(json!({"offer_assignment": "auto"}))
        )
        .await
        .status,
        204
    );
    let setting = t
        .call(
            "GET",
            "/offers/v1/demand_personas/settings/assignment",
            Some(&demand),
            None,
        )
        .await;
    assert_eq!(setting.body, json!({"offer_assignment": "auto"}));

    let offer_id = create_offer(&t, &demand).await;
    // Automatic assignment: the first acceptance assigns.
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
    let offer = t
        .call(
            "GET",
            &format!("/offers/v1/outbox/offers/{offer_id}"),
            Some(&demand),
            None,
        )
        .await;
    assert_eq!(offer.body["offer"]["status"], "assigned");
    // Manual assign is forbidden in auto mode.
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
    let refused = t
        .call(
            "POST",
            &format!("/offers/v1/outbox/offers/{offer_id}/assign"),
            Some(&demand),
            Some(json!({"offer_match_id": match_id})),
        )
        .await;
    assert_eq!(refused.status, 403, "{:?}", refused.body);

    t.settle().await;
    let got = a_sub.drain().await;
    let created = got
        .iter()
        .find(|r| r.name() == "ReferralCreated")
        .expect("ReferralCreated");
    let p = &created.payload;
    assert_eq!(p["event_source"], "alayamarket.referrals");
    assert_eq!(p["id"], p["referral_id"]);
    assert_eq!(p["demand"]["name"], "Maple Home Health");
    assert_eq!(p["supply"]["name"], "Northern Care Partners");
    assert_eq!(
        p["client"]["outbox_id"],
        offer_body()["client"]["outbox_id"]
    );
    assert_eq!(created.attributes["event_id"]["Value"], p["event_id"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_offer_past_its_expiry_expires_once_on_both_sides() {
    let t = TestStack::start().await;
    let demo = &t.demo;
    let org = |u: &devstack::seed::User| u.organization.as_ref().unwrap().id;
    let demand_sub = Subscriber::new(&t, org(&demo.demand)).await;
    let a_sub = Subscriber::new(&t, org(&demo.supply_a)).await;
    let demand = t.login(&demo.demand).await;
    let supply_a = t.login(&demo.supply_a).await;
    let id = create_offer(&t, &demand).await;
    let expires_at: chrono::DateTime<chrono::Utc> = offer_body()["offer"]["expires_at"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    t.settle().await;
    a_sub.drain().await;

    // The scheduler's clock is injected: a tick before the expiry changes nothing.
    let run = |at| {
        let stack = t.stack.clone();
        async move {
            stack
                .invoke_schedule("offers.expire_offers", at)
                .await
                .unwrap()
        }
    };
    let before = run(expires_at - chrono::Duration::seconds(1)).await;
    assert_eq!(before["expired"], 0);
    // Two scheduler invocations for the same tick: the offer expires once.
    let tick = expires_at + chrono::Duration::seconds(30);
    let (x, y) = tokio::join!(run(tick), run(tick));
    assert_eq!(
        x["expired"].as_u64().unwrap() + y["expired"].as_u64().unwrap(),
        1,
        "{x} {y}"
    );
    assert_eq!(run(tick).await["expired"], 0, "it left the expiry index");

    let r = t
        .call(
            "GET",
            &format!("/offers/v1/outbox/offers/{id}"),
            Some(&demand),
            None,
        )
        .await;
    assert_eq!(r.body["offer"]["status"], "expired");
    let r = t
        .call(
            "POST",
            &format!("/offers/v1/inbox/offers/{id}/accept"),
            Some(&supply_a),
            Some(json!({})),
        )
        .await;
    assert_eq!(r.status, 409);

    t.settle().await;
    assert_eq!(
        demand_sub.names().await,
        pairs(&[("outbox-offers", "OfferExpired")])
    );
    assert_eq!(
        a_sub.names().await,
        pairs(&[("inbox-offers", "OfferExpired")])
    );
}

/// An auto-assigned referral of the demo demand to supplier A; returns its id.
async fn assigned_referral(t: &TestStack, demand: &str, supply_a: &str) -> String {
    let r = t
        .call(
            "POST",
            "/offers/v1/demand_personas/settings/assignment",
            Some(demand),
            Some(json!({"offer_assignment": "auto"})),
        )
        .await;
    assert_eq!(r.status, 204);
    let offer_id = create_offer(t, demand).await;
    let r = t
        .call(
            "POST",
            &format!("/offers/v1/inbox/offers/{offer_id}/accept"),
            Some(supply_a),
            None,
        )
        .await;
    assert_eq!(r.status, 204);
    let referrals = t
        .call("GET", "/offers/v1/inbox/referrals", Some(supply_a), None)
        .await;
    referrals.body["items"][0]["referral"]["id"]
        .as_str()
        .expect("a referral")
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn referrals_are_processed_and_cancelled_with_an_event_to_the_other_side() {
    let t = TestStack::start().await;
    let org = |u: &devstack::seed::User| u.organization.as_ref().unwrap().id;
    let demand_sub = Subscriber::new(&t, org(&t.demo.demand)).await;
    let a_sub = Subscriber::new(&t, org(&t.demo.supply_a)).await;
    let demand = t.login(&t.demo.demand).await;
    let supply_a = t.login(&t.demo.supply_a).await;
    let supply_b = t.login(&t.demo.supply_b).await;
    let id = assigned_referral(&t, &demand, &supply_a).await;
    t.settle().await;
    demand_sub.drain().await;
    a_sub.drain().await;

    let processed = format!("/offers/v1/inbox/referrals/{id}/mark_processed");
    // Only the referral's supplier can act on it; others do not see it at all.
    assert_eq!(
        t.call("POST", &processed, Some(&supply_b), None)
            .await
            .status,
        404
    );
    assert_eq!(
        t.call("POST", &processed, Some(&demand), None).await.status,
        404
    );
    assert_eq!(
        t.call("POST", &processed, Some(&supply_a), None)
            .await
            .status,
        204
    );
    let again = t.call("POST", &processed, Some(&supply_a), None).await;
    assert_eq!(again.status, 409, "{:?}", again.body);

    // Bad bodies are refused and change nothing.
    let cancel = format!("/offers/v1/outbox/referrals/{id}/cancel");
    for bad in [
        json!({"reason_code": "bored"}),
        json!({"comment": "x".repeat(1001)}),
    ] {
        let r = t.call("POST", &cancel, Some(&demand), Some(bad)).await;
        assert_eq!(r.status, 400, "{:?}", r.body);
    }
    let r = t
        .call(
            "POST",
            &cancel,
            Some(&demand),
            Some(json!({"reason_code": "client_passed_away", "comment": "Sadly."})),
        )
        .await;
    assert_eq!(r.status, 204, "{:?}", r.body);
    let seen = t
        .call(
            "GET",
            &format!("/offers/v1/outbox/referrals/{id}"),
            Some(&demand),
            None,
        )
        .await;
    assert_eq!(seen.body["referral"]["status"], "cancelled");
    assert_eq!(seen.body["referral"]["reason_code"], "client_passed_away");
    assert_eq!(seen.body["referral"]["cancellation_comment"], "Sadly.");
    let late = t
        .call(
            "POST",
            &format!("/offers/v1/inbox/referrals/{id}/cancel"),
            Some(&supply_a),
            Some(json!({"reason_code": "other"})),
        )
        .await;
    assert_eq!(late.status, 409);

    t.settle().await;
    assert_eq!(
        demand_sub.names().await,
        pairs(&[("outbox-referrals", "ReferralProcessed")])
    );
    assert_eq!(
        a_sub.names().await,
        pairs(&[("inbox-referrals", "ReferralDemandCancelled")])
    );

    // The supplier's cancellation reaches the demand.
    let other = assigned_referral(&t, &demand, &supply_a).await;
    let r = t
        .call(
            "POST",
            &format!("/offers/v1/inbox/referrals/{other}/cancel"),
            Some(&supply_a),
            Some(json!({"reason_code": "processing_error"})),
        )
        .await;
    assert_eq!(r.status, 204, "{:?}", r.body);
    t.settle().await;
    let names = demand_sub.names().await;
    assert!(
        names.contains(&("outbox-referrals".into(), "ReferralSupplyCancelled".into())),
        "{names:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_flow_both_ways_in_a_sequence_and_only_its_parties_see_them() {
    let t = TestStack::start().await;
    let org = |u: &devstack::seed::User| u.organization.as_ref().unwrap().id;
    let demand_sub = Subscriber::new(&t, org(&t.demo.demand)).await;
    let a_sub = Subscriber::new(&t, org(&t.demo.supply_a)).await;
    let b_sub = Subscriber::new(&t, org(&t.demo.supply_b)).await;
    let demand = t.login(&t.demo.demand).await;
    let supply_a = t.login(&t.demo.supply_a).await;
    let supply_b = t.login(&t.demo.supply_b).await;
    let offer_id = create_offer(&t, &demand).await;
    // Each matched supplier has its own sequence with the demand.
    let seq = crate::sequence_of(&t, &offer_id, &supply_a).await;
    t.settle().await;
    for s in [&demand_sub, &a_sub, &b_sub] {
        s.drain().await;
    }

    let sent = t
        .call(
            "POST",
            "/offers/v1/outbox/messages",
            Some(&demand),
            Some(json!({"sequence_id": seq, "category": "comment", "text": "Can you start at 9:30?", "author": "Dana"})),
        )
        .await;
    assert_eq!(sent.status, 201, "{:?}", sent.body);
    assert_eq!(sent.body["message"]["sender_type"], "demand");
    let reply = t
        .call(
            "POST",
            "/offers/v1/inbox/messages",
            Some(&supply_a),
            Some(json!({"sequence_id": seq, "category": "client_attachment", "text": "Yes; consent attached.",
                "file": {"url": "https://files.example.com/consent.pdf", "name": "consent.pdf", "size_in_bytes": 4821}})),
        )
        .await;
    assert_eq!(reply.status, 201, "{:?}", reply.body);
    let reply_id = reply.body["message"]["id"].as_str().unwrap().to_owned();

    // Both sides read the thread, oldest first when asked so; filters apply.
    let list = t
        .call(
            "GET",
            &format!("/offers/v1/inbox/messages?sequence_id={seq}&sort_order=asc"),
            Some(&supply_a),
            None,
        )
        .await;
    assert_eq!(list.status, 200, "{:?}", list.body);
    assert_eq!(list.body["total_items"], 2);
    assert_eq!(list.body["items"][0]["sender_type"], "demand");
    assert_eq!(list.body["items"][1]["file"]["name"], "consent.pdf");
    let only_supply = t
        .call(
            "GET",
            &format!("/offers/v1/outbox/messages?sequence_id={seq}&sender_type=supply"),
            Some(&demand),
            None,
        )
        .await;
    assert_eq!(only_supply.body["total_items"], 1);
    let detail = t
        .call(
            "GET",
            &format!("/offers/v1/outbox/messages/{reply_id}"),
            Some(&demand),
            None,
        )
        .await;
    assert_eq!(detail.body["message"]["file"]["size_in_bytes"], 4821);

    // Supplier B was matched to the same offer but is not a party to A's sequence.
    for (method, path, body) in [
        (
            "GET",
            format!("/offers/v1/inbox/messages?sequence_id={seq}"),
            None,
        ),
        ("GET", format!("/offers/v1/inbox/messages/{reply_id}"), None),
        (
            "POST",
            "/offers/v1/inbox/messages".to_owned(),
            Some(json!({"sequence_id": seq, "category": "comment", "text": "hello"})),
        ),
    ] {
        let r = t.call(method, &path, Some(&supply_b), body).await;
        assert_eq!(r.status, 404, "{path}: {:?}", r.body);
    }
    // The sequence_id filter is required; a message must say something.
    let r = t
        .call("GET", "/offers/v1/outbox/messages", Some(&demand), None)
        .await;
    assert_eq!(r.status, 400);
    let r = t
        .call(
            "POST",
            "/offers/v1/outbox/messages",
            Some(&demand),
            Some(json!({"sequence_id": seq, "category": "comment"})),
        )
        .await;
    assert_eq!(r.status, 422, "{:?}", r.body);

    t.settle().await;
    assert_eq!(
        a_sub.names().await,
        pairs(&[("inbox-messages", "MessageDemandSent")])
    );
    let got = demand_sub.drain().await;
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].name(), "MessageSupplySent");
    assert_eq!(got[0].payload["message_id"], reply_id.as_str());
    assert_eq!(got[0].payload["sender"]["name"], "Northern Care Partners");
    assert_eq!(got[0].payload["file"]["name"], "consent.pdf");
    assert!(b_sub.drain().await.is_empty());
}

/// The whole care flow as the issue describes it, driven over HTTP: offer → accept → assign →
/// referral processed → a visit scheduled and assigned → its tasks mapped → work session
/// started and ended → tasks completed → messages both ways → form template published and a
/// submission approved → referral cancelled. Every organization's subscription gets exactly its
/// own events (each validated against the AsyncAPI on receipt) and nobody else's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_whole_care_flow_reaches_each_organization_with_exactly_its_events() {
    let t = TestStack::start().await;
    let demo = &t.demo;
    let org = |u: &devstack::seed::User| u.organization.as_ref().unwrap().id;
    let demand_sub = Subscriber::new(&t, org(&demo.demand)).await;
    let a_sub = Subscriber::new(&t, org(&demo.supply_a)).await;
    let b_sub = Subscriber::new(&t, org(&demo.supply_b)).await;
    let outsider_sub = Subscriber::new(&t, shared::ids::OrgId::new()).await;
    let demand = t.login(&demo.demand).await;
    let supply_a = t.login(&demo.supply_a).await;
    let supply_b = t.login(&demo.supply_b).await;
    let ok = |r: &platform_tests::Response, status: u16, what: &str| {
        assert_eq!(r.status, status, "{what}: {:?}", r.body);
    };

    // Offer → accept (A) / decline (B) → assign.
    let offer_id = create_offer(&t, &demand).await;
    let accept = format!("/offers/v1/inbox/offers/{offer_id}/accept");
    ok(
        &t.call("POST", &accept, Some(&supply_a), None).await,
        204,
        "accept",
    );
    let decline = format!("/offers/v1/inbox/offers/{offer_id}/decline");
    let body = json!({"reason_code": "no_employee_availability"});
    ok(
        &t.call("POST", &decline, Some(&supply_b), Some(body)).await,
        204,
        "decline",
    );
    let matches = t
        .call(
            "GET",
            &format!("/offers/v1/outbox/offers/{offer_id}/matches?response=accepted"),
            Some(&demand),
            None,
        )
        .await;
    let match_id = matches.body["items"][0]["match"]["id"].clone();
    let sequence_id = matches.body["items"][0]["match"]["sequence_id"].clone();
    let assign = format!("/offers/v1/outbox/offers/{offer_id}/assign");
    let body = json!({"offer_match_id": match_id});
    ok(
        &t.call("POST", &assign, Some(&demand), Some(body)).await,
        204,
        "assign",
    );

    // The referral: processed by the supplier, which maps the client's task to its own id.
    let referrals = t
        .call("GET", "/offers/v1/inbox/referrals", Some(&supply_a), None)
        .await;
    let referral_id = referrals.body["items"][0]["referral"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let referral = t
        .call(
            "GET",
            &format!("/offers/v1/inbox/referrals/{referral_id}"),
            Some(&supply_a),
            None,
        )
        .await;
    ok(&referral, 200, "referral detail");
    let client_task = referral.body["visits"][0]["tasks"][0]["id"].clone();
    let inbox = format!("/offers/v1/inbox/referrals/{referral_id}");
    ok(
        &t.call(
            "POST",
            &format!("{inbox}/mark_processed"),
            Some(&supply_a),
            None,
        )
        .await,
        204,
        "mark_processed",
    );
    let tasks = json!({"client_tasks": [{"id": client_task, "inbox_id": "task-bath"}]});
    ok(
        &t.call(
            "POST",
            &format!("{inbox}/tasks/update"),
            Some(&supply_a),
            Some(tasks),
        )
        .await,
        204,
        "tasks/update",
    );

    // A visit scheduled on the (service) referral and assigned to a caregiver, with the
    // client's task on it.
    let scheduled = t
        .call(
            "POST",
            "/offers/v1/inbox/visits/schedule",
            Some(&supply_a),
            Some(json!({"referral_id": referral_id, "inbox_id": "visit-0001",
                "start_at": "2030-01-15T09:00:00Z", "end_at": "2030-01-15T10:00:00Z"})),
        )
        .await;
    ok(&scheduled, 201, "schedule");
    let visit_id = scheduled.body["id"].as_str().unwrap().to_owned();
    let visit = format!("/offers/v1/inbox/visits/{visit_id}");
    let caregiver = json!({"employee_id": 42, "first_name": "Grace", "last_name": "Hopper"});
    ok(
        &t.call(
            "POST",
            &format!("{visit}/assign"),
            Some(&supply_a),
            Some(caregiver),
        )
        .await,
        204,
        "assign caregiver",
    );
    let mapped = t
        .call(
            "POST",
            &format!("{visit}/tasks"),
            Some(&supply_a),
            Some(json!({"inbox_ids": ["task-bath"]})),
        )
        .await;
    ok(&mapped, 200, "visit tasks");
    let visit_task = mapped.body["tasks"][0]["id"].clone();
    assert!(visit_task.is_string(), "{:?}", mapped.body);

    // The caregiver works the visit.
    let started = t
        .call(
            "POST",
            "/offers/v1/inbox/work_sessions/start",
            Some(&supply_a),
            Some(json!({"visit_id": visit_id, "inbox_id": "ws-1",
                "start_at": "2030-01-15T09:02:00Z", "start_latitude": 45.5, "start_longitude": -73.6})),
        )
        .await;
    ok(&started, 201, "work session start");
    let ended = t
        .call(
            "POST",
            "/offers/v1/inbox/work_sessions/end",
            Some(&supply_a),
            Some(
                json!({"visit_id": visit_id, "work_session_id": started.body["id"],
                "end_at": "2030-01-15T09:58:00Z"}),
            ),
        )
        .await;
    ok(&ended, 204, "work session end");
    let completed = t
        .call(
            "POST",
            &format!("{visit}/tasks/complete"),
            Some(&supply_a),
            Some(json!({"tasks": [{"id": visit_task, "is_completed": true,
                "completion_comment": "Done"}]})),
        )
        .await;
    ok(&completed, 200, "tasks/complete");

    // Messages both ways in the match's sequence.
    for (path, token, text) in [
        (
            "/offers/v1/outbox/messages",
            &demand,
            "How did the first visit go?",
        ),
        (
            "/offers/v1/inbox/messages",
            &supply_a,
            "Well; notes to follow.",
        ),
    ] {
        let body = json!({"sequence_id": sequence_id, "category": "comment", "text": text});
        ok(
            &t.call("POST", path, Some(token), Some(body)).await,
            201,
            path,
        );
    }

    // The demand publishes its visit-note form; the supplier submits one about the visit.
    let mut template = sample_body("offers.outbox.form_templates.publish").unwrap();
    template["schema_id"] = json!(uuid::Uuid::new_v4().to_string());
    let published = t
        .call(
            "POST",
            "/offers/v1/outbox/form_templates",
            Some(&demand),
            Some(template),
        )
        .await;
    ok(&published, 201, "publish template");
    let field = published.body["fields"][0]["field_id"].clone();
    let submitted = t
        .call(
            "POST",
            "/offers/v1/inbox/form_submissions",
            Some(&supply_a),
            Some(
                json!({"form_template_id": published.body["form_template_id"],
                "visit_id": visit_id,
                "fields": [{"field_id": field, "value_type": "boolean", "value": "true"}]}),
            ),
        )
        .await;
    ok(&submitted, 201, "form submission");

    // Finally the demand cancels the referral.
    let cancel = format!("/offers/v1/outbox/referrals/{referral_id}/cancel");
    let body = json!({"reason_code": "client_request", "comment": "Client moved away"});
    ok(
        &t.call("POST", &cancel, Some(&demand), Some(body)).await,
        204,
        "cancel",
    );

    t.settle().await;
    assert_eq!(
        demand_sub.names().await,
        pairs(&[
            ("outbox-form-submissions", "FormSubmissionSupplyApproved"),
            ("outbox-messages", "MessageSupplySent"),
            ("outbox-offers", "OfferAccepted"),
            ("outbox-offers", "OfferDeclined"),
            ("outbox-referrals", "ReferralCreated"),
            ("outbox-referrals", "ReferralProcessed"),
            ("outbox-visit-tasks", "VisitTasksCompleted"),
            ("outbox-visits", "VisitSupplyAssigned"),
            ("outbox-visits", "VisitSupplyScheduled"),
            ("outbox-work-sessions", "WorkSessionEnded"),
            ("outbox-work-sessions", "WorkSessionStarted"),
        ])
    );
    assert_eq!(
        a_sub.names().await,
        pairs(&[
            ("inbox-form-templates", "FormTemplateDemandPublished"),
            ("inbox-messages", "MessageDemandSent"),
            ("inbox-offers", "OfferMatched"),
            ("inbox-referrals", "ReferralCreated"),
            ("inbox-referrals", "ReferralDemandCancelled"),
        ])
    );
    // B declined: it hears the offer, its fulfilment by A and the form of a demand that
    // trusts it, and nothing of A's referral, visit, sessions or messages.
    assert_eq!(
        b_sub.names().await,
        pairs(&[
            ("inbox-form-templates", "FormTemplateDemandPublished"),
            ("inbox-offers", "OfferFulfilled"),
            ("inbox-offers", "OfferMatched"),
        ])
    );
    assert!(outsider_sub.drain().await.is_empty());
}
