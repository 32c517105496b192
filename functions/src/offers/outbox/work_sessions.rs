//! `/offers/v1/outbox/work_sessions`: the demand reads the work sessions of its visits.

use lambda_http::Request;
use shared::ApiError;
use shared::App;
use shared::edge::http::{HttpResponse, authenticate, json, query};
use shared::marketplace::usecases::visits as svc;
use shared::marketplace::wire::visits::WorkSessionList;

/// `GET /offers/v1/outbox/work_sessions`
pub async fn list(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    let demand = authenticate(app, &req).await?.org_admin()?;
    let sessions = svc::outbox_sessions(app, demand, query(&req)?).await?;
    json(200, &WorkSessionList::from(sessions.as_slice()))
}
