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
