//! Concurrent conflicting requests leave one consistent winner and exactly one event per
//! transition that happened.

use futures::FutureExt;
use futures::future::join_all;
use platform_tests::client::NO_BODY;
use platform_tests::given;
use platform_tests::{Response, TestStack, assert_fields};
use serde_json::json;
use shared::events::EventName;

fn count(events: &[shared::events::EventRecord], name: EventName) -> usize {
    events.iter().filter(|e| e.event_name == name).count()
}

/// Asserts every answer of a race is a 204 (it won) or a 409 (it lost).
#[track_caller]
fn won_or_lost(results: &[Response]) {
    let answered = |r: &Response| r.status == 204 || r.status == 409;
    assert!(results.iter().all(answered), "{results:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_accepts_racing_a_close() {
    let t = TestStack::start().await;
    let demand_sub = given::subscriber(&t, &t.demo.demand).await;
    let (demand, a, b) = given::logins(&t).await.parties();
    let offer_id = given::offer(&t, &demand).await;

    let mut labels = Vec::new();
    let mut calls = Vec::new();
    for i in 0..20 {
        let (label, token) = if i % 2 == 0 { ("a", &a) } else { ("b", &b) };
        labels.push(label);
        let accept = json!({"comment": format!("try {i}")});
        calls.push(t.offers(token).accept(&offer_id, accept).boxed_local());
        if i == 10 {
            labels.push("close");
            let close = json!({"reason_code": "client_request"});
            calls.push(t.offers(&demand).close(&offer_id, close).boxed_local());
        }
    }
    let results = join_all(calls).await;
    won_or_lost(&results);
    let answers = || labels.iter().zip(&results);
    let won = |who: &str| {
        answers()
            .filter(|(l, r)| **l == who && r.status == 204)
            .count()
    };
    let (a_ok, b_ok, closed) = (won("a"), won("b"), won("close") == 1);
    let once = a_ok <= 1 && b_ok <= 1;
    assert!(once, "a supplier accepted twice: {a_ok} {b_ok}");
    assert!(a_ok + b_ok + closed as usize >= 1, "somebody must win");

    let offers = t.offers(&demand);
    let offer = offers.outbox(&offer_id).await.ok(200);
    let status = if closed { "closed" } else { "open" };
    assert_eq!(offer["offer"]["status"], status);
    assert_eq!(offer["response_counts"]["accepted"], (a_ok + b_ok) as u64);
    offers
        .matches(&offer_id, "response=accepted")
        .await
        .counted((a_ok + b_ok) as u64);
    // The demand's offer counts, changed in the winning transactions on DynamoDB's terms
    // (moto): the one offer, under the status it ended with.
    let demand_org = given::org(&t.demo.demand);
    let counts = t.stack.app().db.offer_counts(demand_org).await.unwrap();
    let expected = (1, closed as u64, !closed as u64);
    assert_eq!((counts.total, counts.closed, counts.open), expected);

    let events = t.event_items().await;
    assert_eq!(count(&events, EventName::OfferMatched), 1);
    assert_eq!(count(&events, EventName::OfferAccepted), a_ok + b_ok);
    assert_eq!(count(&events, EventName::OfferClosed), closed as usize);
    t.settle().await;
    let got = demand_sub.names().await;
    let heard = got.iter().filter(|(_, n)| n == "OfferAccepted").count();
    assert_eq!(heard, a_ok + b_ok, "{got:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn automatic_assignment_has_one_winner() {
    let t = TestStack::start().await;
    let (demand, a, b) = given::logins(&t).await.parties();
    given::auto_assignment(&t, &demand).await;
    let offer_id = given::offer(&t, &demand).await;

    let results = join_all((0..20).map(|i| {
        let token = if i % 2 == 0 { &a } else { &b };
        t.offers(token).accept(&offer_id, NO_BODY)
    }))
    .await;
    won_or_lost(&results);
    let won = results.iter().filter(|r| r.status == 204).count();
    assert_eq!(won, 1, "exactly one acceptance assigns");

    let offer = t.offers(&demand).outbox(&offer_id).await.ok(200);
    assert_fields!(offer, {"offer": {"status": "assigned"}, "response_counts": {"accepted": 1}});
    t.referrals(&demand).outbox_list("").await.counted(1);
    let events = t.event_items().await;
    assert_eq!(count(&events, EventName::OfferAccepted), 1);
    let created = count(&events, EventName::ReferralCreated);
    assert_eq!(created, 2, "one per side");
    assert_eq!(count(&events, EventName::OfferFulfilled), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn assign_racing_close_has_one_winner() {
    let t = TestStack::start().await;
    let (demand, supply_a, _) = given::logins(&t).await.parties();
    let offer_id = given::offer(&t, &demand).await;
    t.offers(&supply_a).accept(&offer_id, NO_BODY).await.ok(204);
    let offers = t.offers(&demand);
    let matches = offers.matches(&offer_id, "response=accepted").await.ok(200);
    let assign = json!({"offer_match_id": matches["items"][0]["match"]["id"]});

    let results = join_all((0..10).map(|i| {
        if i % 2 == 0 {
            offers.assign(&offer_id, assign.clone()).boxed_local()
        } else {
            offers.close(&offer_id, json!({})).boxed_local()
        }
    }))
    .await;
    won_or_lost(&results);
    let answers = results.iter().enumerate();
    let winners: Vec<usize> = answers
        .filter(|(_, r)| r.status == 204)
        .map(|(i, _)| i)
        .collect();
    assert_eq!(winners.len(), 1, "{results:?}");
    let assigned = winners[0].is_multiple_of(2);

    let offer = offers.outbox(&offer_id).await.ok(200);
    let status = if assigned { "assigned" } else { "closed" };
    assert_eq!(offer["offer"]["status"], status);
    t.referrals(&demand)
        .outbox_list("")
        .await
        .counted(assigned as u64);
    let events = t.event_items().await;
    let created = count(&events, EventName::ReferralCreated);
    assert_eq!(created, 2 * assigned as usize);
    assert_eq!(count(&events, EventName::OfferClosed), (!assigned) as usize);
}

/// The local stack tells the truth under contention (tools/moto_server.py's transactions):
/// 100 storms of concurrent accepts (2 per supplier) racing a close, each on its own offer,
/// while the stream pump runs beside them as in `scripts/local.sh`. The demand's subscriber
/// gets exactly one `OfferAccepted` per accept that succeeded, and a matched supplier's one
/// `OfferClosed` per close that did: no event of a cancelled transaction, none lost after one.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn storms_of_accepts_and_a_close_publish_exactly_the_committed_events() {
    const STORMS: usize = 100;
    let t = TestStack::start().await;
    let demand_sub = given::subscriber(&t, &t.demo.demand).await;
    let supplier_sub = given::subscriber(&t, &t.demo.supply_a).await;
    let (demand, a, b) = given::logins(&t).await.parties();
    let pump = t
        .stack
        .spawn_stream_pump(std::time::Duration::from_millis(5));

    let mut expected: std::collections::BTreeMap<String, (usize, usize)> = Default::default();
    let mut refused = 0;
    for storm in 0..STORMS {
        let offer_id = given::offer(&t, &demand).await;
        let mut calls: Vec<_> = (0..4)
            .map(|i| {
                let token = if i % 2 == 0 { &a } else { &b };
                t.offers(token).accept(&offer_id, NO_BODY).boxed_local()
            })
            .collect();
        // The close joins the race at a different place each storm, so both sides win often.
        let at = storm % 5;
        let close = json!({"reason_code": "client_request"});
        calls.insert(at, t.offers(&demand).close(&offer_id, close).boxed_local());
        let results = join_all(calls).await;
        won_or_lost(&results);
        let closed = usize::from(results[at].status == 204);
        let accepted = results.iter().filter(|r| r.status == 204).count() - closed;
        refused += results.iter().filter(|r| r.status == 409).count();
        expected.insert(offer_id, (accepted, closed));
    }
    pump.abort();
    t.settle().await;

    let mut got: std::collections::BTreeMap<String, (usize, usize)> =
        expected.keys().map(|id| (id.clone(), (0, 0))).collect();
    let mut received = demand_sub.drain().await;
    received.extend(supplier_sub.drain().await);
    // Delivery is at least once: a batch the pump was handing over when it was stopped is
    // handed over again by `settle`, with the same event ids. A subscriber drops those; a
    // phantom (a cancelled transaction's event) or a lost event would change the counts.
    let mut seen = std::collections::HashSet::new();
    let mut repeated = 0;
    for m in received {
        let event_id = m.payload["event_id"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let recipient = m.attributes["organization_id"]["Value"].clone();
        if !seen.insert((event_id, recipient)) {
            repeated += 1;
            continue;
        }
        let id = m.payload["id"].as_str().unwrap_or_default().to_owned();
        let Some(counts) = got.get_mut(&id) else {
            continue;
        };
        // Accepts reach the demand; a close reaches every matched supplier (here, A).
        match m.name() {
            "OfferAccepted" => counts.0 += 1,
            "OfferClosed" => counts.1 += 1,
            _ => {}
        }
    }
    let accepted: usize = expected.values().map(|(a, _)| a).sum();
    println!(
        "{STORMS} storms: {accepted} accepts and {} closes won, {refused} requests refused; \
         {repeated} messages repeated an event id",
        expected.values().map(|(_, c)| c).sum::<usize>()
    );
    let why = "events per offer: (OfferAccepted, OfferClosed)";
    assert_eq!(got, expected, "{why}");
}
