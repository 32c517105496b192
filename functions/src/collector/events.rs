//! `/api/v1/events[/{eventId}]`.

use lambda_http::Request;
use shared::ApiError;
use shared::App;
use shared::collector::usecases as svc;
use shared::collector::wire::Event;
use shared::edge::http::{HttpResponse, json, json_body_within, path_param};
use shared::identity::oauth::Scope;

/// `POST /api/v1/events`: 201 when stored, 200 with the stored event when its id was posted
/// before.
pub async fn create(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    let tenant = super::tenant(app, &req, Scope::CollectorEvents).await?;
    let (created, stored) = svc::create_event(
        app,
        &tenant,
        json_body_within(&req, &shared::kernel::limits::EVENTS)?,
        shared::kernel::time::now(),
    )
    .await?;
    json(if created { 201 } else { 200 }, &Event::try_from(&stored)?)
}

/// `GET /api/v1/events/{eventId}`
pub async fn get(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    let tenant = super::tenant(app, &req, Scope::CollectorEvents).await?;
    let id: String = path_param(&req, "eventId")?;
    let stored = svc::get_event(app, &tenant, &id).await?;
    json(200, &Event::try_from(&stored)?)
}
