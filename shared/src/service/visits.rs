//! Visits, visit tasks and work sessions: the demand reads, the supplier schedules and changes,
//! sys_admin reads everything. Every change is written with its event in one transaction over
//! the visit's version; a lost race is decided again.

use std::cmp::Reverse;

use crate::api::visits::{
    AdjustTimekeepingRequest, AssignVisitRequest, CompleteVisitTasksRequest,
    CreateVisitTasksRequest, CreateVisitTasksResponse, CreatedVisitTask, EndWorkSessionRequest,
    InboxVisitDetail, InboxVisitQuery, InboxVisitSummary, OutboxVisitDetail, OutboxVisitQuery,
    OutboxVisitSummary, RescheduleVisitRequest, RescheduleVisitResponse, ScheduleVisitRequest,
    ScheduleVisitResponse, SessionRef, StartWorkSessionRequest, StartWorkSessionResponse,
    SysAdminVisitDetail, SysAdminVisitQuery, SysAdminVisitSummary, TaskCompletionItem, VisitRef,
    VisitSortBy, VisitTaskCollection, WorkSessionList, WorkSessionQuery, WorkSessionView,
};
use crate::app::App;
use crate::db::DbError;
use crate::domain::referral::Referral;
use crate::domain::visit::{self, Visit, VisitAction, VisitRejection, WorkSession};
use crate::error::ApiError;
use crate::events::EventRecord;
use crate::ids::{OrgId, ReferralId, ServiceId, VisitId};
use crate::paging::{Page, PageRequest, SortOrder, paginate};
use crate::time::{Timestamp, now};

use super::{retry_lost_races, won};

/// Which side reads: each sees only the visits of its own referrals.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Side {
    Demand(OrgId),
    Supply(OrgId),
}

impl Side {
    fn sees(self, v: &Visit) -> bool {
        match self {
            Side::Demand(org) => v.demand_org_id == org,
            Side::Supply(org) => v.supply_org_id == org,
        }
    }

    fn sees_referral(self, r: &Referral) -> bool {
        match self {
            Side::Demand(org) => r.demand_org_id == org,
            Side::Supply(org) => r.supply_org_id == org,
        }
    }
}

fn sort(visits: &mut [Visit], by: VisitSortBy, order: SortOrder) {
    let modified = |v: &Visit| v.updated_at.unwrap_or(v.created_at);
    match (by, order) {
        (VisitSortBy::StartAt, SortOrder::Asc) => visits.sort_by_key(|v| (v.start_at, v.id)),
        (VisitSortBy::StartAt, SortOrder::Desc) => {
            visits.sort_by_key(|v| Reverse((v.start_at, v.id)))
        }
        (VisitSortBy::LastModified, SortOrder::Asc) => visits.sort_by_key(|v| (modified(v), v.id)),
        (VisitSortBy::LastModified, SortOrder::Desc) => {
            visits.sort_by_key(|v| Reverse((modified(v), v.id)))
        }
    }
}

/// The visits of the referral or service a list names, as `side` sees them. A referral that is
/// not the caller's answers 404; a service id simply yields the caller's visits of it.
async fn listed(
    app: &App,
    side: Side,
    referral_id: Option<ReferralId>,
    service_id: Option<ServiceId>,
) -> Result<Vec<Visit>, ApiError> {
    let visits = match (referral_id, service_id) {
        (Some(rid), _) => {
            let r = app
                .db
                .get_referral(rid)
                .await?
                .filter(|r| side.sees_referral(r))
                .ok_or_else(|| ApiError::not_found("Referral"))?;
            app.db.visits_of_service(r.service.id).await?
        }
        (None, Some(sid)) => app.db.visits_of_service(sid).await?,
        (None, None) => Vec::new(),
    };
    Ok(visits
        .into_iter()
        .filter(|v| side.sees(v))
        .filter(|v| referral_id.is_none_or(|r| r == v.referral_id))
        .filter(|v| service_id.is_none_or(|s| s == v.service_id))
        .collect())
}

fn page<T>(
    mut visits: Vec<Visit>,
    page: Option<i64>,
    items_per_page: Option<i64>,
    sort_by: Option<VisitSortBy>,
    sort_order: Option<SortOrder>,
    view: impl Fn(&Visit) -> T,
) -> Result<Page<T>, ApiError> {
    let paging = PageRequest::parse(page, items_per_page, sort_order)?;
    sort(&mut visits, sort_by.unwrap_or_default(), paging.sort_order);
    Ok(paginate(visits, paging).map(|v| view(&v)))
}

/// `GET /offers/v1/outbox/visits`
pub async fn outbox_list(
    app: &App,
    demand: OrgId,
    q: OutboxVisitQuery,
) -> Result<Page<OutboxVisitSummary>, ApiError> {
    let side = Side::Demand(demand);
    let visits = match (&q.referral_id, &q.service_id, &q.service_outbox_id) {
        (None, None, None) => {
            return Err(ApiError::bad_request(
                "one of referral_id, service_id or service_outbox_id must be given",
            ));
        }
        (None, None, Some(outbox)) => {
            // The demand's own id of a service: its referrals name the service ids.
            let mut services: Vec<ServiceId> = app
                .db
                .referrals_of_demand(demand)
                .await?
                .into_iter()
                .filter(|r| r.service.outbox_id.as_str() == outbox)
                .map(|r| r.service.id)
                .collect();
            services.sort();
            services.dedup();
            let mut visits = Vec::new();
            for s in services {
                visits.extend(listed(app, side, None, Some(s)).await?);
            }
            visits
        }
        _ => listed(app, side, q.referral_id, q.service_id).await?,
    };
    let visits = visits
        .into_iter()
        .filter(|v| {
            q.service_outbox_id
                .as_deref()
                .is_none_or(|s| s == v.service_outbox_id)
        })
        .collect();
    page(
        visits,
        q.page,
        q.items_per_page,
        q.sort_by,
        q.sort_order,
        |v| OutboxVisitSummary::from(v),
    )
}

/// `GET /offers/v1/inbox/visits`
pub async fn inbox_list(
    app: &App,
    supplier: OrgId,
    q: InboxVisitQuery,
) -> Result<Page<InboxVisitSummary>, ApiError> {
    if q.referral_id.is_none() && q.service_id.is_none() {
        return Err(ApiError::bad_request(
            "one of referral_id or service_id must be given",
        ));
    }
    let visits = listed(app, Side::Supply(supplier), q.referral_id, q.service_id).await?;
    page(
        visits,
        q.page,
        q.items_per_page,
        q.sort_by,
        q.sort_order,
        |v| InboxVisitSummary::from(v),
    )
}

async fn visible(app: &App, side: Side, id: VisitId) -> Result<Visit, ApiError> {
    app.db
        .get_visit(id)
        .await?
        .filter(|v| side.sees(v))
        .ok_or_else(|| ApiError::not_found("Visit"))
}

/// `GET /offers/v1/outbox/visits/{visit_id}`
pub async fn outbox_get(
    app: &App,
    demand: OrgId,
    id: VisitId,
) -> Result<OutboxVisitDetail, ApiError> {
    Ok(OutboxVisitDetail::from(
        &visible(app, Side::Demand(demand), id).await?,
    ))
}

/// `GET /offers/v1/inbox/visits/{visit_id}`
pub async fn inbox_get(
    app: &App,
    supplier: OrgId,
    id: VisitId,
) -> Result<InboxVisitDetail, ApiError> {
    Ok(InboxVisitDetail::from(
        &visible(app, Side::Supply(supplier), id).await?,
    ))
}

/// The id of the visit a supplier scheduled under `inbox_id`.
async fn by_inbox_id(app: &App, supplier: OrgId, inbox_id: &str) -> Result<VisitId, ApiError> {
    app.db
        .visit_id_by_inbox_id(supplier, inbox_id)
        .await?
        .ok_or_else(|| ApiError::not_found("Visit"))
}

/// `GET /offers/v1/inbox/visits/by_inbox_id/{visit_inbox_id}`
pub async fn inbox_get_by_inbox_id(
    app: &App,
    supplier: OrgId,
    inbox_id: &str,
) -> Result<InboxVisitDetail, ApiError> {
    let id = by_inbox_id(app, supplier, inbox_id).await?;
    inbox_get(app, supplier, id).await
}

/// `GET /offers/v1/sys_admin/visits`: one of `id`, `referral_id`, `service_id`, `inbox_id`
/// with `supply_persona_id`, `outbox_id` with `demand_persona_id`, or a persona id must narrow
/// the search (the table is never scanned); every other filter applies on top.
pub async fn sys_admin_list(
    app: &App,
    q: SysAdminVisitQuery,
) -> Result<Page<SysAdminVisitSummary>, ApiError> {
    let found: Vec<Visit> = if let Some(id) = q.id {
        app.db.get_visit(id).await?.into_iter().collect()
    } else if let Some(rid) = q.referral_id {
        match app.db.get_referral(rid).await? {
            Some(r) => app.db.visits_of_service(r.service.id).await?,
            None => Vec::new(),
        }
    } else if let Some(sid) = q.service_id {
        app.db.visits_of_service(sid).await?
    } else if let (Some(inbox), Some(supplier)) = (&q.inbox_id, q.supply_persona_id) {
        match app.db.visit_id_by_inbox_id(supplier, inbox).await? {
            Some(id) => app.db.get_visit(id).await?.into_iter().collect(),
            None => Vec::new(),
        }
    } else if let (Some(outbox), Some(demand)) = (&q.outbox_id, q.demand_persona_id) {
        app.db.visits_by_outbox_id(demand, outbox).await?
    } else if let Some(org) = q.demand_persona_id.or(q.supply_persona_id) {
        let referrals = if q.demand_persona_id.is_some() {
            app.db.referrals_of_demand(org).await?
        } else {
            app.db.referrals_of_supplier(org).await?
        };
        let mut services: Vec<ServiceId> = referrals.iter().map(|r| r.service.id).collect();
        services.sort();
        services.dedup();
        let mut visits = Vec::new();
        for s in services {
            visits.extend(app.db.visits_of_service(s).await?);
        }
        visits
    } else {
        return Err(ApiError::bad_request(
            "one of id, referral_id, service_id, demand_persona_id or supply_persona_id must be given",
        ));
    };
    let visits = found.into_iter().filter(|v| q.matches(v)).collect();
    page(
        visits,
        q.page,
        q.items_per_page,
        q.sort_by,
        q.sort_order,
        |v| SysAdminVisitSummary::from(v),
    )
}

/// `GET /offers/v1/sys_admin/visits/{visit_id}`
pub async fn sys_admin_get(app: &App, id: VisitId) -> Result<SysAdminVisitDetail, ApiError> {
    let v = app
        .db
        .get_visit(id)
        .await?
        .ok_or_else(|| ApiError::not_found("Visit"))?;
    Ok(SysAdminVisitDetail::from(&v))
}

async fn referral_of(app: &App, v: &Visit) -> Result<Referral, ApiError> {
    app.db.get_referral(v.referral_id).await?.ok_or_else(|| {
        ApiError::internal(format!(
            "referral {} of visit {} missing",
            v.referral_id, v.id
        ))
    })
}

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
        (None, Some(sid)) => app
            .db
            .referrals_of_supplier(supplier)
            .await?
            .into_iter()
            .filter(|r| r.service.id == sid)
            .max_by_key(|r| (r.revision.is_latest_revision, r.revision.revision_number)),
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

/// `POST /offers/v1/inbox/visits/schedule`
pub async fn schedule(
    app: &App,
    supplier: OrgId,
    req: ScheduleVisitRequest,
) -> Result<ScheduleVisitResponse, ApiError> {
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
    match app.db.schedule_visit(&c.visit, &event).await {
        Ok(()) => Ok(ScheduleVisitResponse::from(&c.visit)),
        // The visit and its event are new; only the supplier's inbox_id can already be taken.
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

const VISIT_BUSY: &str = "The visit is being changed by other requests; retry.";

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
) -> Result<RescheduleVisitResponse, ApiError> {
    let v = act(
        app,
        supplier,
        id,
        VisitAction::Reschedule {
            start_at: req.start_at,
            end_at: req.end_at,
        },
    )
    .await?;
    Ok(RescheduleVisitResponse {
        id: v.id,
        start_at: v.start_at,
        end_at: v.end_at,
    })
}

/// `POST /offers/v1/inbox/visits/{visit_id}/tasks/complete`: answers the posted tasks as
/// they now are.
pub async fn complete_tasks(
    app: &App,
    supplier: OrgId,
    id: VisitId,
    req: CompleteVisitTasksRequest,
) -> Result<VisitTaskCollection, ApiError> {
    let completions = req.into_completions();
    let ids: Vec<_> = completions.iter().map(|c| c.id).collect();
    let v = act(app, supplier, id, VisitAction::CompleteTasks(completions)).await?;
    let mut tasks = Vec::new();
    for t in v.tasks.iter().filter(|t| ids.contains(&t.id)) {
        tasks.push(TaskCompletionItem::from(t));
    }
    Ok(VisitTaskCollection { tasks })
}

/// `POST /offers/v1/inbox/visits/{visit_id}/tasks`: no published event announces it.
pub async fn create_tasks(
    app: &App,
    supplier: OrgId,
    id: VisitId,
    req: CreateVisitTasksRequest,
) -> Result<CreateVisitTasksResponse, ApiError> {
    let (_, tasks) = change(app, supplier, id, |v, r, at| {
        let (tasks, changed) = v.create_tasks(r, &req.inbox_ids, at)?;
        Ok(Decision {
            visit: changed,
            event: None,
            answer: tasks,
        })
    })
    .await?;
    Ok(CreateVisitTasksResponse {
        tasks: tasks
            .into_iter()
            .map(|t| CreatedVisitTask {
                id: t.id,
                inbox_id: t.inbox_id.unwrap_or_default(),
            })
            .collect(),
    })
}

/// The supplier's visit a work-session request names, with its sessions.
async fn session_visit(
    app: &App,
    supplier: OrgId,
    r: &VisitRef,
) -> Result<(Visit, Vec<WorkSession>), ApiError> {
    let id = match r {
        VisitRef::Id(id) => *id,
        VisitRef::InboxId(inbox) => by_inbox_id(app, supplier, inbox).await?,
    };
    app.db
        .get_visit_with_sessions(id)
        .await?
        .filter(|(v, _)| v.supply_org_id == supplier)
        .ok_or_else(|| ApiError::not_found("Visit"))
}

/// `POST /offers/v1/inbox/work_sessions/start`
pub async fn start_session(
    app: &App,
    supplier: OrgId,
    req: StartWorkSessionRequest,
) -> Result<StartWorkSessionResponse, ApiError> {
    let visit_ref = &req.visit()?;
    let req_ref = &req;
    let id = retry_lost_races(VISIT_BUSY, || async move {
        let req = req_ref;
        let (v, sessions) = session_visit(app, supplier, visit_ref).await?;
        let referral = referral_of(app, &v).await?;
        let at = now();
        let c = v.start_session(
            referral.status,
            &sessions,
            req.inbox_id.as_str(),
            req.start_at,
            req.point(),
            at,
        )?;
        let event = EventRecord::work_session(c.name, &c.session, at);
        let written = app
            .db
            .apply_session_change(
                v.version,
                &c.visit,
                None,
                &c.session,
                &event,
                Some(&referral),
            )
            .await;
        Ok(won(written)?.map(|()| c.session.id))
    })
    .await?;
    Ok(StartWorkSessionResponse { id, request: req })
}

/// `POST /offers/v1/inbox/work_sessions/end`
pub async fn end_session(
    app: &App,
    supplier: OrgId,
    req: EndWorkSessionRequest,
) -> Result<(), ApiError> {
    let (session_ref, visit_ref) = &req.refs()?;
    let req = &req;
    retry_lost_races(
        "The work session is being changed by other requests; retry.",
        || async move {
            let (v, sessions) = session_visit(app, supplier, visit_ref).await?;
            let session = sessions
                .iter()
                .find(|s| match session_ref {
                    SessionRef::Id(id) => s.id == *id,
                    SessionRef::InboxId(inbox) => &s.inbox_id == inbox,
                })
                .ok_or_else(|| ApiError::not_found("Work session"))?;
            let at = now();
            let c = v.end_session(session, req.end_at, req.point())?;
            let event = EventRecord::work_session(c.name, &c.session, at);
            won(app
                .db
                .apply_session_change(
                    v.version,
                    &c.visit,
                    Some(session.version),
                    &c.session,
                    &event,
                    None,
                )
                .await)
        },
    )
    .await
}

/// `GET /offers/v1/outbox/work_sessions`: the sessions of one of the demand's visits (or of
/// every visit with that `visit_outbox_id`), oldest first.
pub async fn outbox_sessions(
    app: &App,
    demand: OrgId,
    q: WorkSessionQuery,
) -> Result<WorkSessionList, ApiError> {
    let ids: Vec<VisitId> = match (q.visit_id, q.visit_outbox_id.filter(|s| !s.is_empty())) {
        (Some(id), None) => vec![id],
        (None, Some(outbox)) => app
            .db
            .visits_by_outbox_id(demand, &outbox)
            .await?
            .into_iter()
            .map(|v| v.id)
            .collect(),
        _ => {
            return Err(ApiError::bad_request(
                "exactly one of visit_id or visit_outbox_id must be given",
            ));
        }
    };
    let mut sessions = Vec::new();
    let mut found = false;
    for id in ids {
        if let Some((v, s)) = app.db.get_visit_with_sessions(id).await?
            && v.demand_org_id == demand
        {
            found = true;
            sessions.extend(s);
        }
    }
    if !found {
        return Err(ApiError::not_found("Visit"));
    }
    sessions.sort_by_key(|s| (s.start_at, s.created_at));
    Ok(WorkSessionList {
        items: sessions.iter().map(WorkSessionView::from).collect(),
    })
}
