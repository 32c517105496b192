//! Referral use cases (`shared::marketplace::usecases::referrals`) on the memory table: a direct referral,
//! each side's changes, what the other organizations cannot reach, and lost races.

use serde_json::{Value, json};
use shared::App;
use shared::edge::error::ErrorKind;
use shared::events::EventName::*;
use shared::kernel::ids::{OrgId, ReferralId};
use shared::marketplace::organization::AssignmentMode;
use shared::marketplace::referral::ReferralStatus;
use shared::marketplace::usecases::referrals;
use shared::marketplace::wire::referrals::{CreateReferralRequest, UpdateReferralRequest};

use crate::given::{World, sample};

fn naming(handler: &str, supplier: OrgId) -> Value {
    let mut body: Value = sample(handler);
    body["supply_persona_id"] = json!(supplier);
    body
}

async fn refer(w: &World, supplier: OrgId) -> Result<ReferralId, shared::ApiError> {
    let request: CreateReferralRequest =
        serde_json::from_value(naming("offers.outbox.referrals.create", supplier)).unwrap();
    referrals::create_direct(&w.app, w.demand, request, None, |r| r.referral.id).await
}

async fn status(app: &App, id: ReferralId) -> ReferralStatus {
    app.db.get_referral(id).await.unwrap().unwrap().status
}

#[tokio::test]
async fn a_direct_referral_is_written_with_an_event_to_each_side_in_one_transaction() {
    let w = World::new(AssignmentMode::Manual).await;
    let id = refer(&w, w.supply_a).await.unwrap();

    assert_eq!(status(&w.app, id).await, ReferralStatus::Assigned);
    let created = w.recipients_of(ReferralCreated);
    assert_eq!(created.len(), 2, "{created:?}");
    assert!(created.contains(&vec![w.demand]) && created.contains(&vec![w.supply_a]));
    assert_eq!(w.transactions(), 1);
}

#[tokio::test]
async fn a_referral_to_an_organization_that_is_no_active_supplier_is_refused() {
    let w = World::new(AssignmentMode::Manual).await;
    let before = w.table.items().len();
    for nobody in [OrgId::new(), w.demand] {
        let refused = refer(&w, nobody).await.unwrap_err();
        assert_eq!(refused.kind, ErrorKind::Unprocessable, "{refused:?}");
    }
    assert_eq!(w.table.items().len(), before, "nothing was written");
}

#[tokio::test]
async fn only_the_referred_supplier_processes_or_cancels_and_the_demand_hears_it() {
    let w = World::new(AssignmentMode::Manual).await;
    let id = refer(&w, w.supply_a).await.unwrap();

    // Another supplier, or the demand on the supplier's side, finds no such referral.
    for outsider in [w.supply_b, w.demand] {
        let hidden = referrals::mark_processed(&w.app, outsider, id)
            .await
            .unwrap_err();
        assert_eq!(hidden.kind, ErrorKind::NotFound);
    }
    let hidden = referrals::outbox_cancel(
        &w.app,
        w.supply_a,
        id,
        sample("offers.outbox.referrals.cancel"),
    )
    .await
    .unwrap_err();
    assert_eq!(
        hidden.kind,
        ErrorKind::NotFound,
        "the supplier is not the demand"
    );

    referrals::mark_processed(&w.app, w.supply_a, id)
        .await
        .unwrap();
    assert_eq!(status(&w.app, id).await, ReferralStatus::Processed);
    let again = referrals::mark_processed(&w.app, w.supply_a, id)
        .await
        .unwrap_err();
    assert_eq!(again.kind, ErrorKind::Conflict);

    referrals::inbox_cancel(
        &w.app,
        w.supply_a,
        id,
        sample("offers.inbox.referrals.cancel"),
    )
    .await
    .unwrap();
    assert_eq!(status(&w.app, id).await, ReferralStatus::Cancelled);
    assert_eq!(w.recipients_of(ReferralSupplyCancelled), [vec![w.demand]]);
}

#[tokio::test]
async fn a_cancellation_that_loses_to_the_other_sides_is_decided_again_and_refused() {
    let w = World::new(AssignmentMode::Manual).await;
    let id = refer(&w, w.supply_a).await.unwrap();
    let supplier = w.supply_a;
    w.before_next_write(move |app| {
        Box::pin(async move {
            referrals::inbox_cancel(&app, supplier, id, sample("offers.inbox.referrals.cancel"))
                .await
                .expect("the supplier's cancellation lands first");
        })
    });

    let refused = referrals::outbox_cancel(
        &w.app,
        w.demand,
        id,
        sample("offers.outbox.referrals.cancel"),
    )
    .await
    .unwrap_err();
    assert_eq!(refused.kind, ErrorKind::Conflict, "{refused:?}");
    let cancellations: Vec<_> = w
        .names()
        .into_iter()
        .filter(|n| matches!(n, ReferralSupplyCancelled | ReferralDemandCancelled))
        .collect();
    assert_eq!(
        cancellations,
        [ReferralSupplyCancelled],
        "one cancellation, one event"
    );
}

#[tokio::test]
async fn of_two_concurrent_revisions_one_wins_and_the_other_is_refused() {
    let w = World::new(AssignmentMode::Manual).await;
    let id = refer(&w, w.supply_a).await.unwrap();
    let update = |supplier: OrgId| -> UpdateReferralRequest {
        serde_json::from_value(naming("offers.outbox.referrals.update", supplier)).unwrap()
    };
    let demand = w.demand;
    let first = update(w.supply_a);
    w.before_next_write(move |app| {
        Box::pin(async move {
            referrals::update(&app, demand, id, first)
                .await
                .expect("the other revision lands first");
        })
    });

    let refused = referrals::update(&w.app, w.demand, id, update(w.supply_a))
        .await
        .unwrap_err();
    assert_eq!(refused.kind, ErrorKind::Conflict, "{refused:?}");
    let revisions = w
        .table
        .items()
        .into_iter()
        .filter(|i| shared::store::db::kind_of(i) == Some("referral"))
        .count();
    assert_eq!(revisions, 2, "the archived revision and one new one");
}

/// Each side's default list (latest revisions, last modified first) reads one page of its own
/// index partition, and its `total_items` is the parties' count: a revision replaces one
/// referral with another in both, and the page a token points to follows on exactly.
#[tokio::test]
async fn the_default_referral_lists_read_one_page_whatever_the_history() {
    use shared::marketplace::wire::referrals::{InboxReferralQuery, OutboxReferralQuery};
    let w = World::new(AssignmentMode::Manual).await;
    let mut ids = Vec::new();
    for _ in 0..7 {
        ids.push(refer(&w, w.supply_a).await.unwrap());
    }
    let update: UpdateReferralRequest =
        serde_json::from_value(naming("offers.outbox.referrals.update", w.supply_a)).unwrap();
    let revised = referrals::update(&w.app, w.demand, ids[0], update)
        .await
        .unwrap()
        .referral
        .id;

    let outbox = |page_token: Option<String>| OutboxReferralQuery {
        items_per_page: Some(3),
        page_token,
        ..Default::default()
    };
    let before = w.table.items_read();
    let first = referrals::outbox_list(&w.app, w.demand, outbox(None))
        .await
        .unwrap();
    let read = w.table.items_read() - before;
    assert_eq!(
        read,
        3 + 1 + 2,
        "one page, the count and both organizations' names"
    );
    assert_eq!(first.total_items, 7, "the revision replaced its referral");
    assert_eq!(first.items[0].referral.id, revised, "last modified first");
    let token = first.next_page_token.clone().expect("more pages");
    let second = referrals::outbox_list(&w.app, w.demand, outbox(Some(token)))
        .await
        .unwrap();
    assert_eq!(second.page, 2);
    let by_page = referrals::outbox_list(
        &w.app,
        w.demand,
        OutboxReferralQuery {
            page: Some(2),
            ..outbox(None)
        },
    )
    .await
    .unwrap();
    let ids_of = |p: &shared::kernel::paging::Page<_>| -> Vec<ReferralId> {
        p.items
            .iter()
            .map(|s: &shared::marketplace::referral::NamedReferral| s.referral.id)
            .collect()
    };
    assert_eq!(
        ids_of(&second),
        ids_of(&by_page),
        "a token and a page agree"
    );
    assert!(
        !ids_of(&second).contains(&ids[0]),
        "the archived revision is not listed"
    );

    let inbox = referrals::inbox_list(
        &w.app,
        w.supply_a,
        InboxReferralQuery {
            items_per_page: Some(100),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!((inbox.total_items, inbox.items.len()), (7, 7));

    // Filters still read the whole history, archived revisions included, and refuse a token.
    let all = referrals::outbox_list(
        &w.app,
        w.demand,
        OutboxReferralQuery {
            revisions: Some(shared::marketplace::wire::referrals::Revisions::All),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(all.total_items, 8);
    let refused = referrals::outbox_list(
        &w.app,
        w.demand,
        OutboxReferralQuery {
            status: Some(ReferralStatus::Assigned),
            page_token: first.next_page_token,
            ..Default::default()
        },
    )
    .await
    .unwrap_err();
    assert_eq!(refused.kind, ErrorKind::BadRequest);
}
