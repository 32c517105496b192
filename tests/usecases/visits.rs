//! Visit use cases (`shared::marketplace::usecases::visits`) on the memory table: who may change a visit,
//! the status machine as the supplier drives it, a cancelled referral freezing its visits, and
//! lost races decided again.

use shared::App;
use shared::edge::error::ErrorKind;
use shared::events::EventName::*;
use shared::kernel::ids::VisitId;
use shared::marketplace::organization::AssignmentMode;
use shared::marketplace::usecases::{referrals, visits};
use shared::marketplace::visit::{VisitAction, VisitStatus};

use crate::given::{World, sample};

async fn status(app: &App, id: VisitId) -> VisitStatus {
    app.db.get_visit(id).await.unwrap().unwrap().status
}

#[tokio::test]
async fn only_the_referred_supplier_changes_a_visit_and_the_demand_hears_it() {
    let w = World::new(AssignmentMode::Manual).await;
    let (_, visit) = w.visit_referral().await;

    for outsider in [w.supply_b, w.demand] {
        let hidden = visits::simple(&w.app, outsider, visit, VisitAction::Hold)
            .await
            .unwrap_err();
        assert_eq!(hidden.kind, ErrorKind::NotFound, "{outsider}");
    }

    visits::assign(
        &w.app,
        w.supply_a,
        visit,
        sample("offers.inbox.visits.assign"),
    )
    .await
    .unwrap();
    let assigned = w.recipients_of(VisitSupplyAssigned);
    assert_eq!(assigned, [vec![w.demand]]);
    let stored = w.app.db.get_visit(visit).await.unwrap().unwrap();
    assert!(stored.employee.is_some(), "the employee is on the visit");
}

#[tokio::test]
async fn the_supplier_holds_reactivates_and_cancels_along_the_status_machine() {
    let w = World::new(AssignmentMode::Manual).await;
    let (_, visit) = w.visit_referral().await;
    let act = |action| visits::simple(&w.app, w.supply_a, visit, action);

    act(VisitAction::Hold).await.unwrap();
    assert_eq!(status(&w.app, visit).await, VisitStatus::OnHold);
    let twice = act(VisitAction::Hold).await.unwrap_err();
    assert_eq!(twice.kind, ErrorKind::Conflict, "{twice:?}");

    act(VisitAction::Reactivate).await.unwrap();
    assert_eq!(status(&w.app, visit).await, VisitStatus::Scheduled);
    act(VisitAction::Cancel).await.unwrap();
    assert_eq!(status(&w.app, visit).await, VisitStatus::Cancelled);

    // The demand's visits are not the supplier's to delete.
    let delete = act(VisitAction::Delete).await.unwrap_err();
    assert_ne!(delete.kind, ErrorKind::Internal, "{delete:?}");
    assert_eq!(status(&w.app, visit).await, VisitStatus::Cancelled);
    assert_eq!(w.recipients_of(VisitSupplyStatusChanged).len(), 3);
}

#[tokio::test]
async fn a_change_racing_the_cancellation_of_its_referral_is_refused() {
    let w = World::new(AssignmentMode::Manual).await;
    let (referral, visit) = w.visit_referral().await;
    let demand = w.demand;
    w.before_next_write(move |app| {
        Box::pin(async move {
            referrals::outbox_cancel(
                &app,
                demand,
                referral,
                sample("offers.outbox.referrals.cancel"),
            )
            .await
            .expect("the demand's cancellation lands first");
        })
    });

    let frozen = visits::simple(&w.app, w.supply_a, visit, VisitAction::Hold)
        .await
        .unwrap_err();
    assert_eq!(frozen.kind, ErrorKind::Conflict, "{frozen:?}");
    assert_eq!(status(&w.app, visit).await, VisitStatus::Scheduled);
    assert!(w.recipients_of(VisitSupplyStatusChanged).is_empty());
}

#[tokio::test]
async fn a_change_that_loses_the_race_to_another_is_decided_again_on_the_new_state() {
    let w = World::new(AssignmentMode::Manual).await;
    let (_, visit) = w.visit_referral().await;
    let supplier = w.supply_a;
    w.before_next_write(move |app| {
        Box::pin(async move {
            visits::simple(&app, supplier, visit, VisitAction::Hold)
                .await
                .expect("the hold lands first");
        })
    });
    let before = w.transactions();

    // Cancelling is allowed from on_hold too: decided again, it still succeeds.
    visits::simple(&w.app, w.supply_a, visit, VisitAction::Cancel)
        .await
        .unwrap();
    assert_eq!(status(&w.app, visit).await, VisitStatus::Cancelled);
    assert_eq!(w.recipients_of(VisitSupplyStatusChanged).len(), 2);
    assert_eq!(
        w.transactions() - before,
        3,
        "the hold, the lost write, the retry"
    );
}

/// A direct referral from the demand to supplier A whose service the demand calls `outbox_id`.
async fn referral_with_service(w: &World, outbox_id: &str) -> shared::kernel::ids::ServiceId {
    w.direct_referral(|body| body["service"]["outbox_id"] = outbox_id.into())
        .await
        .service
        .id
}

/// The lookups by service read the same few items whatever the organizations' history: the
/// supplier's referral of a service is two `GetItem`s, and the demand's services under its own
/// id one `Query` of just those (they used to read every referral of the organization).
#[tokio::test]
async fn a_service_is_found_without_reading_the_organizations_referrals() {
    let w = World::new(AssignmentMode::Manual).await;
    let measure = |history: usize| {
        let w = &w;
        async move {
            for n in 0..history {
                referral_with_service(w, &format!("history-{history}-{n}")).await;
            }
            let service = referral_with_service(w, &format!("wanted-{history}")).await;
            let before = w.table.items_read();
            let held = w
                .app
                .db
                .supplier_referral_of_service(w.supply_a, service)
                .await
                .unwrap()
                .expect("the supplier holds it");
            assert_eq!(held.service.id, service);
            let by_outbox = w
                .app
                .db
                .demand_services_by_outbox_id(w.demand, &format!("wanted-{history}"))
                .await
                .unwrap();
            assert_eq!(by_outbox, vec![service]);
            let other = w
                .app
                .db
                .supplier_referral_of_service(w.supply_b, service)
                .await
                .unwrap();
            assert!(other.is_none(), "another supplier holds nothing of it");
            w.table.items_read() - before
        }
    };
    let (few, many) = (measure(1).await, measure(30).await);
    assert_eq!(few, many, "items read do not grow with the history");
    assert_eq!(
        few, 3,
        "lookup and referral, and the one service under the id"
    );
}
