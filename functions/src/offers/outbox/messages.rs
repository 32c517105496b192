//! `/offers/v1/outbox/messages[/{message_id}]`.

use lambda_http::Request;
use shared::domain::message::SenderType;
use shared::http::{HttpResponse, authenticate, json, json_body, path_param, query};
use shared::service::messages as svc;
use shared::{ApiError, App};

const SIDE: SenderType = SenderType::Demand;

/// `POST /offers/v1/outbox/messages`
pub async fn send(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    let demand = authenticate(app, &req).await?.org_admin()?;
    json(201, &svc::send(app, SIDE, demand, json_body(&req)?).await?)
}

/// `GET /offers/v1/outbox/messages`
pub async fn list(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    let demand = authenticate(app, &req).await?.org_admin()?;
    json(200, &svc::list(app, SIDE, demand, query(&req)?).await?)
}

/// `GET /offers/v1/outbox/messages/{message_id}`
pub async fn get(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    let demand = authenticate(app, &req).await?.org_admin()?;
    json(
        200,
        &svc::get(app, SIDE, demand, path_param(&req, "message_id")?).await?,
    )
}
