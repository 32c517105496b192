//! Concurrent conflicting requests leave one consistent winner and exactly one event per
//! transition that happened.

use futures::future::join_all;
use platform_tests::{Subscriber, TestStack};
use serde_json::json;
use shared::events::EventName;

use crate::create_offer;

fn count(events: &[shared::events::EventRecord], name: EventName) -> usize {
    events.iter().filter(|e| e.event_name == name).count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_accepts_racing_a_close() {
    let t = TestStack::start().await;
    let demand_org = t.demo.demand.organization.as_ref().unwrap().id;
    let demand_sub = Subscriber::new(&t, demand_org).await;
    let demand = t.login(&t.demo.demand).await;
    let a = t.login(&t.demo.supply_a).await;
    let b = t.login(&t.demo.supply_b).await;
    let offer_id = create_offer(&t, &demand).await;

    let accept_path = format!("/offers/v1/inbox/offers/{offer_id}/accept");
    let close_path = format!("/offers/v1/outbox/offers/{offer_id}/close");
    let mut labels = Vec::new();
    let mut calls = Vec::new();
    for i in 0..20 {
        let (label, token) = if i % 2 == 0 { ("a", &a) } else { ("b", &b) };
        labels.push(label);
        calls.push(t.call(
            "POST",
            &accept_path,
            Some(token),
            Some(json!({"comment": format!("try {i}")})),
        ));
        if i == 10 {
            labels.push("close");
            calls.push(t.call(
                "POST",
                &close_path,
                Some(&demand),
                Some(json!({"reason_code": "client_request"})),
            ));
        }
    }
    let results = join_all(calls).await;
    for r in &results {
        assert!(
            r.status == 204 || r.status == 409,
            "unexpected answer {} {:?}",
            r.status,
            r.body
        );
    }
    let won = |who: &str| {
        labels
            .iter()
            .zip(&results)
            .filter(|(l, r)| **l == who && r.status == 204)
            .count()
    };
    let (a_ok, b_ok, closed) = (won("a"), won("b"), won("close") == 1);
    assert!(
        a_ok <= 1 && b_ok <= 1,
        "a supplier accepted twice: {a_ok} {b_ok}"
    );
    assert!(a_ok + b_ok + closed as usize >= 1, "somebody must win");

    let offer = t
        .call(
            "GET",
            &format!("/offers/v1/outbox/offers/{offer_id}"),
            Some(&demand),
            None,
        )
        .await
        .body;
    assert_eq!(
        offer["offer"]["status"],
        if closed { "closed" } else { "open" }
    );
    assert_eq!(offer["response_counts"]["accepted"], (a_ok + b_ok) as u64);
    let accepted = t
        .call(
            "GET",
            &format!("/offers/v1/outbox/offers/{offer_id}/matches?response=accepted"),
            Some(&demand),
            None,
        )
        .await;
    assert_eq!(accepted.body["total_items"], (a_ok + b_ok) as u64);

    let events = t.event_items().await;
    assert_eq!(count(&events, EventName::OfferMatched), 1);
    assert_eq!(count(&events, EventName::OfferAccepted), a_ok + b_ok);
    assert_eq!(count(&events, EventName::OfferClosed), closed as usize);
    t.settle().await;
    let got = demand_sub.names().await;
    assert_eq!(
        got.iter().filter(|(_, n)| n == "OfferAccepted").count(),
        a_ok + b_ok,
        "{got:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn automatic_assignment_has_one_winner() {
    let t = TestStack::start().await;
    let demand = t.login(&t.demo.demand).await;
    let a = t.login(&t.demo.supply_a).await;
    let b = t.login(&t.demo.supply_b).await;
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
    let offer_id = create_offer(&t, &demand).await;

    let path = format!("/offers/v1/inbox/offers/{offer_id}/accept");
    let results = join_all(
        (0..20).map(|i| t.call("POST", &path, Some(if i % 2 == 0 { &a } else { &b }), None)),
    )
    .await;
    assert!(
        results.iter().all(|r| r.status == 204 || r.status == 409),
        "{results:?}"
    );
    assert_eq!(
        results.iter().filter(|r| r.status == 204).count(),
        1,
        "exactly one acceptance assigns"
    );

    let offer = t
        .call(
            "GET",
            &format!("/offers/v1/outbox/offers/{offer_id}"),
            Some(&demand),
            None,
        )
        .await
        .body;
    assert_eq!(offer["offer"]["status"], "assigned");
    assert_eq!(offer["response_counts"]["accepted"], 1);
    assert_eq!(
        t.call("GET", "/offers/v1/outbox/referrals", Some(&demand), None)
            .await
            .body["total_items"],
        1
    );
    let events = t.event_items().await;
    assert_eq!(count(&events, EventName::OfferAccepted), 1);
    assert_eq!(
        count(&events, EventName::ReferralCreated),
        2,
        "one per side"
    );
    assert_eq!(count(&events, EventName::OfferFulfilled), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn assign_racing_close_has_one_winner() {
    let t = TestStack::start().await;
    let demand = t.login(&t.demo.demand).await;
    let a = t.login(&t.demo.supply_a).await;
    let offer_id = create_offer(&t, &demand).await;
    assert_eq!(
        t.call(
            "POST",
            &format!("/offers/v1/inbox/offers/{offer_id}/accept"),
            Some(&a),
            None
        )
        .await
        .status,
        204
    );
    let m = t
        .call(
            "GET",
            &format!("/offers/v1/outbox/offers/{offer_id}/matches?response=accepted"),
            Some(&demand),
            None,
        )
        .await;
    let match_id = m.body["items"][0]["match"]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let assign = format!("/offers/v1/outbox/offers/{offer_id}/assign");
    let close = format!("/offers/v1/outbox/offers/{offer_id}/close");
    let results = join_all((0..10).map(|i| {
        if i % 2 == 0 {
            t.call(
                "POST",
                &assign,
                Some(&demand),
                Some(json!({"offer_match_id": match_id})),
            )
        } else {
            t.call("POST", &close, Some(&demand), Some(json!({})))
        }
    }))
    .await;
    assert!(
        results.iter().all(|r| r.status == 204 || r.status == 409),
        "{results:?}"
    );
    let winners: Vec<usize> = results
        .iter()
        .enumerate()
        .filter(|(_, r)| r.status == 204)
        .map(|(i, _)| i)
        .collect();
    assert_eq!(winners.len(), 1, "{results:?}");
    let assigned = winners[0].is_multiple_of(2);

    let offer = t
        .call(
            "GET",
            &format!("/offers/v1/outbox/offers/{offer_id}"),
            Some(&demand),
            None,
        )
        .await
        .body;
    assert_eq!(
        offer["offer"]["status"],
        if assigned { "assigned" } else { "closed" }
    );
    let referrals = t
        .call("GET", "/offers/v1/outbox/referrals", Some(&demand), None)
        .await
        .body;
    assert_eq!(referrals["total_items"], assigned as u64);
    let events = t.event_items().await;
    assert_eq!(
        count(&events, EventName::ReferralCreated),
        2 * assigned as usize
    );
    assert_eq!(count(&events, EventName::OfferClosed), (!assigned) as usize);
}
