//! Work sessions: start and end on a visit, and the demand's list of them.

use crate::edge::error::ApiError;
use crate::events::EventRecord;
use crate::infra::app::App;
use crate::kernel::ids::{OrgId, VisitId, WorkSessionId};
use crate::kernel::time::now;
use crate::marketplace::visit::{Visit, WorkSession};
use crate::marketplace::wire::visits::{
    EndWorkSessionRequest, SessionRef, StartWorkSessionRequest, VisitRef, WorkSessionQuery,
};

use crate::marketplace::usecases::visits::VISIT_BUSY;
use crate::marketplace::usecases::visits::by_inbox_id;
use crate::marketplace::usecases::visits::referral_of;
use crate::store::races::retry_lost_races;
use crate::store::races::won;

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

/// `POST /offers/v1/inbox/work_sessions/start`: the new session's id.
pub async fn start_session(
    app: &App,
    supplier: OrgId,
    req: &StartWorkSessionRequest,
) -> Result<WorkSessionId, ApiError> {
    let visit_ref = &req.visit()?;
    retry_lost_races(VISIT_BUSY, || async move {
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
    .await
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
) -> Result<Vec<WorkSession>, ApiError> {
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
    Ok(sessions)
}
