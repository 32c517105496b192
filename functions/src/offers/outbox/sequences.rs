//! `/offers/v1/outbox/sequences`.

use lambda_http::Request;
use shared::domain::message::SenderType;
use shared::http::{HttpResponse, authenticate, json, query};
use shared::service::sequences as svc;
use shared::{ApiError, App};

/// `GET /offers/v1/outbox/sequences`
pub async fn list(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    let demand = authenticate(app, &req).await?.org_admin()?;
    json(
        200,
        &svc::list(app, Some((SenderType::Demand, demand)), query(&req)?).await?,
    )
}
