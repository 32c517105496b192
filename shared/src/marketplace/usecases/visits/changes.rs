//! The supplier's changes to its visits: schedule, assign, hold, cancel, reschedule,
//! timekeeping and tasks; each written with its event, decided again after a lost race.

use crate::edge::error::ApiError;
use crate::events::EventRecord;
use crate::infra::app::App;
use crate::kernel::ids::{OrgId, ReferralId, ServiceId, VisitId};
use crate::kernel::time::{Timestamp, now};
use crate::marketplace::referral::Referral;
use crate::marketplace::visit::{self, Visit, VisitAction, VisitRejection, VisitTask};
use crate::marketplace::wire::visits::{
    AdjustTimekeepingRequest, AssignVisitRequest, CompleteVisitTasksRequest,
    CreateVisitTasksRequest, RescheduleVisitRequest, ScheduleVisitRequest,
};
use crate::store::db::DbError;
use crate::store::idempotency::Once;

use crate::marketplace::usecases::visits::Side;
use crate::marketplace::usecases::visits::VISIT_BUSY;
use crate::marketplace::usecases::visits::referral_of;
use crate::marketplace::usecases::visits::visible;
use crate::store::races::retry_lost_races;
use crate::store::races::won;

/// The supplier's referral a schedule request names (by id, or by its service: the latest
/// revision the supplier holds).
async fn schedule_target(
    app: &App,
    supplier: OrgId,
    referral_id: Option<ReferralId>,
    service_id: Option<ServiceId>,
) -> Result<Referral, ApiError> {
    let found = match (referral_id, service_id) {
        (Some(rid), _) => app.db.get_referral(rid).await?,
        (None, Some(sid)) => app.db.supplier_referral_of_service(supplier, sid).await?,
        (None, None) => {
            return Err(ApiError::bad_request(
                "one of referral_id or service_id must be given",
            ));
        }
    };
    found
        .filter(|r| r.supply_org_id == supplier)
        .filter(|r| service_id.is_none_or(|s| s == r.service.id))
        .ok_or_else(|| ApiError::not_found("Referral"))
}

/// `POST /offers/v1/inbox/visits/schedule`: answers what `respond` makes of the new visit
/// (stored under `once`'s key too).
pub async fn schedule<R: serde::Serialize>(
    app: &App,
    supplier: OrgId,
    req: ScheduleVisitRequest,
    once: Option<Once>,
    respond: impl FnOnce(&Visit) -> R,
) -> Result<R, ApiError> {
    let referral = schedule_target(app, supplier, req.referral_id, req.service_id).await?;
    let at = now();
    let c = visit::schedule(
        &referral,
        req.inbox_id.as_str(),
        req.start_at,
        req.end_at,
        at,
    )?;
    let event = Visit::event(&c, at);
    let response = respond(&c.visit);
    let key = crate::store::idempotency::key_item(once, &response, at)?;
    match app.db.schedule_visit(&c.visit, &event, key).await {
        Ok(()) => Ok(response),
        // The visit and its event are new; only the supplier's inbox_id can already be taken
        // (or the idempotency key, by a concurrent request with it: `keyed::once`).
        Err(DbError::ConditionFailed) => Err(ApiError::conflict(
            "The supply organization already has a visit with this inbox_id.",
        )),
        Err(e) => Err(e.into()),
    }
}

struct Decision<T> {
    visit: Option<Visit>,
    event: Option<EventRecord>,
    answer: T,
}

/// Runs a change of one of the supplier's visits to completion: read the visit (404 unless
/// the caller is its supplier) and its referral, decide, write over the version read with the
/// event; a lost race is decided again. The decision may carry an answer (`T`) besides the
/// new visit; no new visit means nothing to write.
async fn change<T>(
    app: &App,
    supplier: OrgId,
    id: VisitId,
    decide: impl Fn(&Visit, &Referral, Timestamp) -> Result<Decision<T>, VisitRejection>,
) -> Result<(Visit, T), ApiError> {
    let decide = &decide;
    retry_lost_races(VISIT_BUSY, || async move {
        let v = visible(app, Side::Supply(supplier), id).await?;
        let referral = referral_of(app, &v).await?;
        let d = decide(&v, &referral, now())?;
        let Some(changed) = d.visit else {
            return Ok(Some((v, d.answer)));
        };
        let written = app
            .db
            .apply_visit_change(v.version, &changed, d.event.as_ref(), &referral)
            .await;
        Ok(won(written)?.map(|()| (changed, d.answer)))
    })
    .await
}

/// A status, assignment, window or task change: the new visit and its event.
async fn act(
    app: &App,
    supplier: OrgId,
    id: VisitId,
    action: VisitAction,
) -> Result<Visit, ApiError> {
    let (v, ()) = change(app, supplier, id, |v, r, at| {
        let c = v.apply(r.status, action.clone(), at)?;
        Ok(Decision {
            event: Some(Visit::event(&c, at)),
            visit: Some(c.visit),
            answer: (),
        })
    })
    .await?;
    Ok(v)
}

/// `POST /offers/v1/inbox/visits/{visit_id}/assign`
pub async fn assign(
    app: &App,
    supplier: OrgId,
    id: VisitId,
    req: AssignVisitRequest,
) -> Result<(), ApiError> {
    act(app, supplier, id, VisitAction::Assign(req.into_employee())).await?;
    Ok(())
}

/// `POST /offers/v1/inbox/visits/{visit_id}/{unassign|delete|hold|cancel|reactivate}`
pub async fn simple(
    app: &App,
    supplier: OrgId,
    id: VisitId,
    action: VisitAction,
) -> Result<(), ApiError> {
    act(app, supplier, id, action).await?;
    Ok(())
}

/// `POST /offers/v1/inbox/visits/{visit_id}/adjust_timekeeping`
pub async fn adjust_timekeeping(
    app: &App,
    supplier: OrgId,
    id: VisitId,
    req: AdjustTimekeepingRequest,
) -> Result<(), ApiError> {
    act(
        app,
        supplier,
        id,
        VisitAction::AdjustTimekeeping {
            verified_start_at: req.verified_start_at,
            verified_end_at: req.verified_end_at,
        },
    )
    .await?;
    Ok(())
}

/// `POST /offers/v1/inbox/visits/{visit_id}/reschedule`
pub async fn reschedule(
    app: &App,
    supplier: OrgId,
    id: VisitId,
    req: RescheduleVisitRequest,
) -> Result<Visit, ApiError> {
    act(
        app,
        supplier,
        id,
        VisitAction::Reschedule {
            start_at: req.start_at,
            end_at: req.end_at,
        },
    )
    .await
}

/// `POST /offers/v1/inbox/visits/{visit_id}/tasks/complete`: answers the posted tasks as
/// they now are.
pub async fn complete_tasks(
    app: &App,
    supplier: OrgId,
    id: VisitId,
    req: CompleteVisitTasksRequest,
) -> Result<Vec<VisitTask>, ApiError> {
    let completions = req.into_completions();
    let ids: Vec<_> = completions.iter().map(|c| c.id).collect();
    let v = act(app, supplier, id, VisitAction::CompleteTasks(completions)).await?;
    Ok(v.tasks
        .into_iter()
        .filter(|t| ids.contains(&t.id))
        .collect())
}

/// `POST /offers/v1/inbox/visits/{visit_id}/tasks`: no published event announces it.
pub async fn create_tasks(
    app: &App,
    supplier: OrgId,
    id: VisitId,
    req: CreateVisitTasksRequest,
) -> Result<Vec<VisitTask>, ApiError> {
    let (_, tasks) = change(app, supplier, id, |v, r, at| {
        let (tasks, changed) = v.create_tasks(r, &req.inbox_ids, at)?;
        Ok(Decision {
            visit: changed,
            event: None,
            answer: tasks,
        })
    })
    .await?;
    Ok(tasks)
}
