//! The offer lifecycle's use cases (`shared::marketplace::usecases::offers`) on the memory table: matching,
//! every decision, expiry, and what each writes; races are staged with
//! [`World::before_next_write`], so a lost race happens exactly where a test puts it.

use serde_json::{Value, json};
use shared::App;
use shared::edge::error::ErrorKind;
use shared::events::EventName::*;
use shared::kernel::ids::{OfferId, OrgId};
use shared::marketplace::offer::{MatchResponse, OfferState, OfferStatus};
use shared::marketplace::organization::AssignmentMode;
use shared::marketplace::usecases::offers;
use shared::marketplace::wire::offers::{AssignOfferRequest, CreateOfferRequest};

use crate::given::{World, offer_body, sample};

fn request(body: Value) -> CreateOfferRequest {
    serde_json::from_value(body).expect("the offer decodes")
}

pub(crate) async fn create(w: &World, care_type: &str) -> OfferId {
    let request = request(offer_body(care_type));
    offers::create(&w.app, w.demand, request, None, |o| o.offer.id)
        .await
        .expect("the offer is created")
}

pub(crate) async fn state(app: &App, id: OfferId) -> OfferState {
    app.db
        .load_offer(id)
        .await
        .unwrap()
        .expect("the offer exists")
}

fn response_of(s: &OfferState, supplier: OrgId) -> MatchResponse {
    s.match_of(supplier).expect("a match").response
}

pub(crate) async fn accept(
    app: &App,
    supplier: OrgId,
    id: OfferId,
) -> Result<(), shared::ApiError> {
    offers::accept(app, supplier, id, sample("offers.inbox.offers.accept")).await
}

async fn assign(w: &World, id: OfferId, supplier: OrgId) -> Result<(), shared::ApiError> {
    let m = state(&w.app, id).await.match_of(supplier).unwrap().id;
    let request: AssignOfferRequest =
        serde_json::from_value(json!({ "offer_match_id": m })).unwrap();
    offers::assign(&w.app, w.demand, id, request).await
}

#[tokio::test]
async fn an_offer_goes_to_the_trusted_suppliers_of_its_care_type_in_one_transaction() {
    let w = World::new(AssignmentMode::Manual).await;

    let psw = create(&w, "psw").await;
    let s = state(&w.app, psw).await;
    assert_eq!(s.offer.status, OfferStatus::Open);
    let matched: Vec<OrgId> = s.matches.iter().map(|m| m.supply_org_id).collect();
    assert_eq!(matched, [w.supply_a], "B gives no PSW care");
    assert_eq!(w.event_names(), [(OfferMatched, vec![w.supply_a])]);
    assert_eq!(w.transactions(), 1, "offer, match and event in one write");

    let nursing = create(&w, "nursing").await;
    assert_eq!(state(&w.app, nursing).await.matches.len(), 2);
}

#[tokio::test]
async fn only_an_active_demand_organization_creates_offers() {
    let w = World::new(AssignmentMode::Manual).await;
    let before = w.table.items().len();
    for not_demand in [w.supply_a, OrgId::new()] {
        let request = request(offer_body("psw"));
        let refused = offers::create(&w.app, not_demand, request, None, |o| o.offer.id)
            .await
            .unwrap_err();
        assert_eq!(refused.kind, ErrorKind::Forbidden, "{refused:?}");
    }
    assert_eq!(w.table.items().len(), before);
}

#[tokio::test]
async fn an_unknown_direct_supplier_is_refused_and_nothing_is_written() {
    let w = World::new(AssignmentMode::Manual).await;
    let before = w.table.items().len();
    let mut body = offer_body("psw");
    body["direct_supply_persona_ids"] = json!([OrgId::new()]);

    let refused = offers::create(&w.app, w.demand, request(body), None, |o| o.offer.id)
        .await
        .unwrap_err();
    assert_eq!(refused.kind, ErrorKind::Unprocessable, "{refused:?}");
    assert_eq!(w.table.items().len(), before);
    assert_eq!(w.transactions(), 0);
}

#[tokio::test]
async fn in_manual_mode_an_acceptance_waits_for_the_demand_which_assigns_and_refers() {
    let w = World::new(AssignmentMode::Manual).await;
    let id = create(&w, "nursing").await;

    accept(&w.app, w.supply_a, id).await.unwrap();
    let s = state(&w.app, id).await;
    assert_eq!(s.offer.status, OfferStatus::Open, "the demand decides");
    assert_eq!(response_of(&s, w.supply_a), MatchResponse::Accepted);
    assert_eq!(response_of(&s, w.supply_b), MatchResponse::Pending);

    assign(&w, id, w.supply_a).await.unwrap();
    let s = state(&w.app, id).await;
    assert_eq!(s.offer.status, OfferStatus::Assigned);
    let referral = w
        .app
        .db
        .get_referral(s.offer.referral_id.expect("the offer names its referral"))
        .await
        .unwrap()
        .expect("the referral was written with the assignment");
    assert_eq!(
        (referral.demand_org_id, referral.supply_org_id),
        (w.demand, w.supply_a)
    );
    let names = w.names();
    assert!(names.contains(&OfferAccepted), "{names:?}");
    assert!(names.contains(&ReferralCreated), "{names:?}");

    // A second assignment, or a late acceptance, finds the offer taken.
    let late = accept(&w.app, w.supply_b, id).await.unwrap_err();
    assert_eq!(late.kind, ErrorKind::Conflict);
}

#[tokio::test]
async fn a_manual_acceptance_decides_on_the_offers_copy_of_the_mode_and_its_write_checks_it() {
    let w = World::new(AssignmentMode::Manual).await;
    let id = create(&w, "nursing").await;
    assert_eq!(
        state(&w.app, id).await.offer.demand_assignment,
        Some(AssignmentMode::Manual)
    );

    // Two calls: the offer, then the write (which checks the demand is still in manual mode,
    // and that the supplier's inbox row, which the stream wrote, shows the offer as read).
    offers::project_offer(&w.app, id).await.unwrap();
    let calls = w.table.calls();
    accept(&w.app, w.supply_a, id).await.unwrap();
    let after = w.table.calls();
    let made = |op: &str| after.get(op).unwrap_or(&0) - calls.get(op).unwrap_or(&0);
    assert_eq!((made("Query"), made("BatchGetItem")), (1, 0));
    assert_eq!(made("TransactWriteItems"), 1);

    // The demand switches to auto: the copy is stale, the check fails, the acceptance is
    // decided again on the organization itself, and assigns.
    shared::marketplace::usecases::organizations::set_assignment_mode(
        &w.app,
        w.demand,
        AssignmentMode::Auto,
    )
    .await
    .unwrap();
    let before = w.transactions();
    accept(&w.app, w.supply_b, id).await.unwrap();
    let s = state(&w.app, id).await;
    assert_eq!(s.offer.status, OfferStatus::Assigned);
    assert_eq!(
        s.offer.assigned_match_id,
        Some(s.match_of(w.supply_b).unwrap().id)
    );
    assert_eq!(
        s.offer.demand_assignment,
        Some(AssignmentMode::Auto),
        "the copy follows"
    );
    assert_eq!(
        w.transactions() - before,
        2,
        "the checked write failed, the second won"
    );
}

#[tokio::test]
async fn in_auto_mode_the_first_acceptance_is_assigned_at_once() {
    let w = World::new(AssignmentMode::Auto).await;
    let id = create(&w, "nursing").await;

    accept(&w.app, w.supply_b, id).await.unwrap();
    let s = state(&w.app, id).await;
    assert_eq!(s.offer.status, OfferStatus::Assigned);
    assert_eq!(
        s.offer.assigned_match_id,
        Some(s.match_of(w.supply_b).unwrap().id)
    );
    let refused = assign(&w, id, w.supply_b).await.unwrap_err();
    assert_eq!(
        refused.kind,
        ErrorKind::Forbidden,
        "no assigning by hand in auto mode"
    );
}

#[tokio::test]
async fn the_last_decline_ends_the_offer_and_a_declined_match_cannot_accept() {
    let w = World::new(AssignmentMode::Manual).await;
    let id = create(&w, "psw").await;

    offers::decline(
        &w.app,
        w.supply_a,
        id,
        sample("offers.inbox.offers.decline"),
    )
    .await
    .unwrap();
    let s = state(&w.app, id).await;
    assert_eq!(s.offer.status, OfferStatus::DeclinedByAll);
    let names = w.names();
    assert!(names.contains(&OfferDeclinedByAll), "{names:?}");

    let refused = accept(&w.app, w.supply_a, id).await.unwrap_err();
    assert_eq!(refused.kind, ErrorKind::Conflict);
}

#[tokio::test]
async fn an_acceptance_that_loses_the_race_to_a_close_is_decided_again_and_refused() {
    let w = World::new(AssignmentMode::Manual).await;
    let id = create(&w, "psw").await;
    let demand = w.demand;
    w.before_next_write(move |app| {
        Box::pin(async move {
            offers::close(&app, demand, id, sample("offers.outbox.offers.close"))
                .await
                .expect("the close lands first");
        })
    });

    let refused = accept(&w.app, w.supply_a, id).await.unwrap_err();
    assert_eq!(refused.kind, ErrorKind::Conflict, "{refused:?}");
    let s = state(&w.app, id).await;
    assert_eq!(s.offer.status, OfferStatus::Closed);
    assert_eq!(response_of(&s, w.supply_a), MatchResponse::Pending);
    let names = w.names();
    assert!(
        !names.contains(&OfferAccepted),
        "the lost write left nothing: {names:?}"
    );
    // create, close, and the acceptance's one attempt whose condition failed.
    assert_eq!(w.transactions(), 3);
}

#[tokio::test]
async fn two_acceptances_at_once_in_auto_mode_assign_the_offer_once() {
    let w = World::new(AssignmentMode::Auto).await;
    let id = create(&w, "nursing").await;
    let b = w.supply_b;
    w.before_next_write(move |app| {
        Box::pin(async move {
            accept(&app, b, id)
                .await
                .expect("B's acceptance lands first");
        })
    });

    let refused = accept(&w.app, w.supply_a, id).await.unwrap_err();
    assert_eq!(refused.kind, ErrorKind::Conflict);
    let s = state(&w.app, id).await;
    assert_eq!(s.offer.assigned_match_id, Some(s.match_of(b).unwrap().id));
    let created = w.recipients_of(ReferralCreated);
    assert_eq!(
        created.len(),
        2,
        "one referral, announced to each side once"
    );
}

#[tokio::test]
async fn a_decision_that_keeps_losing_races_gives_up_with_a_busy_conflict() {
    let w = World::new(AssignmentMode::Manual).await;
    let id = create(&w, "psw").await;
    // Another writer changes the offer before each of this request's writes.
    for _ in 0..shared::store::races::MAX_ATTEMPTS {
        w.before_next_write(move |app| {
            Box::pin(async move {
                let mut offer = state(&app, id).await.offer;
                offer.version += 1;
                let keys = shared::marketplace::store::offers::offer_keys(&offer);
                let item = shared::store::db::to_item("offer", &keys, &offer).unwrap();
                app.db.put_unconditionally(item).await.unwrap();
            })
        });
    }

    let busy = accept(&w.app, w.supply_a, id).await.unwrap_err();
    assert_eq!(busy.kind, ErrorKind::Conflict);
    assert!(busy.message.contains("retry"), "{}", busy.message);
    assert_eq!(
        response_of(&state(&w.app, id).await, w.supply_a),
        MatchResponse::Pending
    );
}

#[tokio::test]
async fn expiry_ends_what_is_due_once_and_keeps_an_outcome_that_won_the_race() {
    let w = World::new(AssignmentMode::Manual).await;
    let due = create(&w, "psw").await;
    let closed = create(&w, "psw").await;
    let expires_at = state(&w.app, due).await.offer.expires_at;
    let after = expires_at + chrono::Duration::seconds(1);

    let early = offers::expire_due(&w.app, expires_at - chrono::Duration::seconds(1))
        .await
        .unwrap();
    assert_eq!(early, offers::ExpiryReport::default(), "nothing is due yet");

    let demand = w.demand;
    w.before_next_write(move |app| {
        Box::pin(async move {
            offers::close(&app, demand, closed, sample("offers.outbox.offers.close"))
                .await
                .unwrap();
        })
    });
    let report = offers::expire_due(&w.app, after).await.unwrap();
    assert_eq!(report.expired + report.already_ended, 2, "{report:?}");
    assert_eq!(
        state(&w.app, closed).await.offer.status,
        OfferStatus::Closed
    );
    assert_eq!(state(&w.app, due).await.offer.status, OfferStatus::Expired);
    let expired: Vec<OrgId> = w.recipients_of(OfferExpired).concat();
    assert_eq!(
        expired.len(),
        2,
        "the demand and the one supplier: {expired:?}"
    );

    let again = offers::expire_due(&w.app, after).await.unwrap();
    assert_eq!(again.expired, 0, "an expired offer is no longer due");
}

/// The demand's offer counts change in the transaction of every creation and status change, so
/// they stay exact when transitions race: 25 offers, each raced by the demand closing it,
/// supplier A accepting it (which assigns it: automatic mode) and supplier B declining it, all
/// at once on two threads; then the counts equal a full count of the offers by status.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_offer_counts_stay_exact_under_racing_transitions() {
    let w = World::new(AssignmentMode::Auto).await;
    let mut ids = Vec::new();
    for _ in 0..25 {
        ids.push(create(&w, "nursing").await);
    }
    let created = w.app.db.offer_counts(w.demand).await.unwrap();
    assert_eq!((created.total, created.open), (25, 25));

    let mut racing = Vec::new();
    for (n, &id) in ids.iter().enumerate() {
        let (app, demand, a, b) = (w.app.clone(), w.demand, w.supply_a, w.supply_b);
        let close = async move {
            let close = sample("offers.outbox.offers.close");
            offers::close(&app, demand, id, close)
                .await
                .map(|()| "closed")
        };
        let app = w.app.clone();
        let accept = async move { accept(&app, a, id).await.map(|()| "accepted") };
        let app = w.app.clone();
        let decline = async move {
            let decline = sample("offers.inbox.offers.decline");
            offers::decline(&app, b, id, decline)
                .await
                .map(|()| "declined")
        };
        // Who starts first alternates, so both the close and the acceptance win some.
        if n % 2 == 0 {
            racing.push(tokio::spawn(close));
            racing.push(tokio::spawn(accept));
        } else {
            racing.push(tokio::spawn(accept));
            racing.push(tokio::spawn(close));
        }
        racing.push(tokio::spawn(decline));
    }
    let mut outcomes = std::collections::BTreeMap::<String, u32>::new();
    for r in racing {
        let outcome = match r.await.unwrap() {
            Ok(what) => what.to_owned(),
            Err(e) => format!("refused {:?}", e.kind),
        };
        *outcomes.entry(outcome).or_default() += 1;
    }
    eprintln!("outcomes: {outcomes:?}");

    let offers = w.app.db.offers_of_demand(w.demand).await.unwrap();
    let counted = |status: OfferStatus| offers.iter().filter(|o| o.status == status).count() as u64;
    let counts = w.app.db.offer_counts(w.demand).await.unwrap();
    assert_eq!(counts.total, offers.len() as u64);
    for status in [
        OfferStatus::Open,
        OfferStatus::Assigned,
        OfferStatus::Closed,
        OfferStatus::DeclinedByAll,
        OfferStatus::Expired,
    ] {
        assert_eq!(counts.of(status), counted(status), "{status:?}: {counts:?}");
    }
    assert_eq!(
        counts.open, 0,
        "every offer was closed or assigned: {counts:?}"
    );
    assert_eq!(counts.assigned + counts.closed, 25);
}

/// The stream record DynamoDB writes when it removes `item`: the handler's sample (a TTL
/// removal) with `item` as its old image.
pub(crate) fn removal(
    item: shared::store::db::Item,
    sequence: &str,
) -> aws_lambda_events::event::dynamodb::Event {
    let path = devstack::repo_root().join("events/offers.retire_offers.json");
    let mut event: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    let record = &mut event["Records"][0];
    record["dynamodb"]["OldImage"] = serde_json::to_value(serde_dynamo::Item::from(item)).unwrap();
    record["dynamodb"]["SequenceNumber"] = sequence.into();
    serde_json::from_value(event).expect("a stream event")
}

/// Two offers to both suppliers: one closed (it ended without a referral), one open.
pub(crate) async fn one_ended_one_open(w: &World) -> (OfferId, OfferId) {
    let (ended, open) = (create(w, "nursing").await, create(w, "nursing").await);
    let close = sample("offers.outbox.offers.close");
    offers::close(&w.app, w.demand, ended, close).await.unwrap();
    (ended, open)
}

#[tokio::test]
async fn an_offer_that_ended_without_a_referral_expires_and_its_removal_retires_the_rest_once() {
    use shared::store::Table as _;
    let w = World::new(AssignmentMode::Manual).await;
    let (ended, open) = one_ended_one_open(&w).await;
    let pk = |id: OfferId| format!("OFFER#{id}");
    let item = |id: OfferId| {
        let table = w.table.clone();
        async move { table.get(&pk(id), "OFFER").await.unwrap().unwrap() }
    };
    let closed = state(&w.app, ended).await.offer;
    let ttl = item(ended).await["ttl"]
        .as_n()
        .unwrap()
        .parse::<i64>()
        .unwrap();
    assert_eq!(
        ttl,
        closed.updated_at.unwrap().timestamp() + 90 * 24 * 3600,
        "a closed offer stays 90 days (the default) after it ended"
    );
    assert!(!item(open).await.contains_key("ttl"), "an open offer stays");

    // DynamoDB's TTL removes the closed offer; the stream brings the removal, twice.
    let removed = w
        .table
        .delete_existing(&pk(ended), "OFFER")
        .await
        .unwrap()
        .unwrap();
    let batch = removal(removed, "100");
    let now = shared::kernel::time::now();
    let (response, report) = offers::retire_removed_offers(&w.app, &batch, now).await;
    assert!(response.batch_item_failures.is_empty());
    assert_eq!((report.retired, report.retired_before), (1, 0));
    let (response, report) = offers::retire_removed_offers(&w.app, &batch, now).await;
    assert!(response.batch_item_failures.is_empty());
    assert_eq!(
        (report.retired, report.retired_before),
        (0, 1),
        "redelivered"
    );

    let left: Vec<String> = w
        .table
        .items()
        .into_iter()
        .filter(|i| i["pk"].as_s().unwrap() == &pk(ended))
        .map(|i| i["sk"].as_s().unwrap().clone())
        .collect();
    assert_eq!(
        left,
        ["RETIRED"],
        "its matches are gone; only the marker stays"
    );
    let counts = w.app.db.offer_counts(w.demand).await.unwrap();
    assert_eq!(
        (counts.total, counts.open, counts.closed),
        (1, 1, 0),
        "{counts:?}"
    );
    let list = offers::outbox_list(&w.app, w.demand, serde_json::from_value(json!({})).unwrap())
        .await
        .unwrap();
    assert_eq!((list.total_items, list.items.len()), (1, 1));
    assert_eq!(
        state(&w.app, open).await.matches.len(),
        2,
        "the open offer keeps its matches"
    );

    // Records that remove something else, or write, are passed over.
    let mut other = item(open).await;
    other.insert(
        "kind".into(),
        aws_sdk_dynamodb::types::AttributeValue::S("match".into()),
    );
    let (response, report) =
        offers::retire_removed_offers(&w.app, &removal(other, "101"), now).await;
    assert!(response.batch_item_failures.is_empty());
    assert_eq!((report.retired, report.retired_before), (0, 0));
    assert_eq!(w.app.db.offer_counts(w.demand).await.unwrap(), counts);
}

/// The outbox list of one status reads one page of that status's index partition, however
/// many offers of other statuses the demand has, with `total_items` from the counts; a
/// `next_page_token` pages on within the same status, and a status's token pages no other.
#[tokio::test]
async fn the_outbox_list_of_one_status_reads_one_page_of_it() {
    use shared::marketplace::wire::offers::OutboxOfferQuery;
    let w = World::new(AssignmentMode::Manual).await;
    let mut closed = Vec::new();
    for n in 0..12 {
        let id = create(&w, "nursing").await;
        if n % 3 != 0 {
            offers::close(&w.app, w.demand, id, sample("offers.outbox.offers.close"))
                .await
                .unwrap();
            closed.push(id);
        }
    }
    let query = |status: &str, page_token: Option<String>| {
        let mut q: OutboxOfferQuery =
            serde_json::from_value(json!({"status": status, "items_per_page": 3})).unwrap();
        q.page_token = page_token;
        q
    };

    let before = w.table.items_read();
    let first = offers::outbox_list(&w.app, w.demand, query("closed", None))
        .await
        .unwrap();
    assert_eq!(
        w.table.items_read() - before,
        3 + 1,
        "one page and the counts"
    );
    assert_eq!((first.total_items, first.total_pages), (8, 3));
    let ids = |page: &shared::kernel::paging::Page<_>| -> Vec<OfferId> {
        page.items
            .iter()
            .map(|o: &shared::marketplace::offer::Offer| o.id)
            .collect()
    };
    let mut listed = ids(&first);
    let mut token = first.next_page_token.clone();
    while let Some(t) = token {
        let page = offers::outbox_list(&w.app, w.demand, query("closed", Some(t)))
            .await
            .unwrap();
        listed.extend(ids(&page));
        token = page.next_page_token.clone();
    }
    closed.reverse();
    assert_eq!(
        listed, closed,
        "every closed offer once, last modified first"
    );

    let open = offers::outbox_list(&w.app, w.demand, query("open", None))
        .await
        .unwrap();
    assert_eq!(open.total_items, 4);
    assert!(open.items.iter().all(|o| o.status == OfferStatus::Open));
    let refused = offers::outbox_list(&w.app, w.demand, query("open", first.next_page_token))
        .await
        .unwrap_err();
    assert_eq!(refused.kind, ErrorKind::BadRequest, "a closed list's token");
}
