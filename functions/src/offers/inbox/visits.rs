//! `/offers/v1/inbox/visits[...]`: the supplier reads, schedules and changes the visits of
//! the referrals assigned to it.

use lambda_http::Request;
use shared::ApiError;
use shared::App;
use shared::edge::http::{
    HttpResponse, authenticate, json, json_body, no_content, path_param, query,
};
use shared::edge::keyed::org_admin_creates;
use shared::kernel::ids::VisitId;
use shared::marketplace::usecases::visits as svc;
use shared::marketplace::visit::VisitAction;
use shared::marketplace::wire::visits::{
    CreateVisitTasksResponse, InboxVisitDetail, InboxVisitSummary, RescheduleVisitResponse,
    ScheduleVisitResponse, VisitTaskCollection,
};

/// The caller's organization (an `org_admin`) and the visit of the path.
async fn target(
    app: &App,
    req: &Request,
) -> Result<(shared::kernel::ids::OrgId, VisitId), ApiError> {
    let supplier = authenticate(app, req).await?.org_admin()?;
    Ok((supplier, path_param(req, "visit_id")?))
}

/// `GET /offers/v1/inbox/visits`
pub async fn list(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    let supplier = authenticate(app, &req).await?.org_admin()?;
    let page = svc::inbox_list(app, supplier, query(&req)?).await?;
    json(200, &page.map(|v| InboxVisitSummary::from(&v)))
}

/// `GET /offers/v1/inbox/visits/{visit_id}`
pub async fn get(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    let (supplier, id) = target(app, &req).await?;
    json(
        200,
        &InboxVisitDetail::from(&svc::inbox_get(app, supplier, id).await?),
    )
}

/// `GET /offers/v1/inbox/visits/by_inbox_id/{visit_inbox_id}`
pub async fn get_by_inbox_id(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    let supplier = authenticate(app, &req).await?.org_admin()?;
    let inbox_id: String = path_param(&req, "visit_inbox_id")?;
    let visit = svc::inbox_get_by_inbox_id(app, supplier, &inbox_id).await?;
    json(200, &InboxVisitDetail::from(&visit))
}

/// `POST /offers/v1/inbox/visits/schedule` (with an optional `Idempotency-Key`).
pub async fn schedule(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    org_admin_creates(app, &req, |supplier, body, key| {
        svc::schedule(app, supplier, body, key, |v| ScheduleVisitResponse::from(v))
    })
    .await
}

/// `POST /offers/v1/inbox/visits/{visit_id}/assign`
pub async fn assign(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    let (supplier, id) = target(app, &req).await?;
    svc::assign(app, supplier, id, json_body(&req)?).await?;
    no_content()
}

async fn simple(app: &App, req: Request, action: VisitAction) -> Result<HttpResponse, ApiError> {
    let (supplier, id) = target(app, &req).await?;
    svc::simple(app, supplier, id, action).await?;
    no_content()
}

/// `POST /offers/v1/inbox/visits/{visit_id}/unassign`
pub async fn unassign(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    simple(app, req, VisitAction::Unassign).await
}

/// `POST /offers/v1/inbox/visits/{visit_id}/delete`
pub async fn delete(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    simple(app, req, VisitAction::Delete).await
}

/// `POST /offers/v1/inbox/visits/{visit_id}/hold`
pub async fn hold(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    simple(app, req, VisitAction::Hold).await
}

/// `POST /offers/v1/inbox/visits/{visit_id}/cancel`
pub async fn cancel(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    simple(app, req, VisitAction::Cancel).await
}

/// `POST /offers/v1/inbox/visits/{visit_id}/reactivate`
pub async fn reactivate(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    simple(app, req, VisitAction::Reactivate).await
}

/// `POST /offers/v1/inbox/visits/{visit_id}/adjust_timekeeping`
pub async fn adjust_timekeeping(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    let (supplier, id) = target(app, &req).await?;
    svc::adjust_timekeeping(app, supplier, id, json_body(&req)?).await?;
    no_content()
}

/// `POST /offers/v1/inbox/visits/{visit_id}/reschedule`
pub async fn reschedule(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    let (supplier, id) = target(app, &req).await?;
    let visit = svc::reschedule(app, supplier, id, json_body(&req)?).await?;
    json(200, &RescheduleVisitResponse::from(&visit))
}

/// `POST /offers/v1/inbox/visits/{visit_id}/tasks`
pub async fn create_tasks(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    let (supplier, id) = target(app, &req).await?;
    let tasks = svc::create_tasks(app, supplier, id, json_body(&req)?).await?;
    json(200, &CreateVisitTasksResponse::from(tasks.as_slice()))
}

/// `POST /offers/v1/inbox/visits/{visit_id}/tasks/complete`
pub async fn complete_tasks(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    let (supplier, id) = target(app, &req).await?;
    let tasks = svc::complete_tasks(app, supplier, id, json_body(&req)?).await?;
    json(200, &VisitTaskCollection::from(tasks.as_slice()))
}
