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
    let mut event: Event = json_body_within(&req, &shared::kernel::limits::EVENTS)?;
    let now = shared::kernel::time::now();
    // A new event is answered as posted (with its id), not parsed back from what was stored.
    match svc::create_event(app, &tenant, &mut event, now).await? {
        None => json(201, &event),
        Some(earlier) => json(200, &Event::try_from(&earlier)?),
    }
}

/// `GET /api/v1/events/{eventId}`
pub async fn get(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    let tenant = super::tenant(app, &req, Scope::CollectorEvents).await?;
    let id: String = path_param(&req, "eventId")?;
    let stored = svc::get_event(app, &tenant, &id).await?;
    json(200, &Event::try_from(&stored)?)
}
