//! `/offers/v1/outbox/messages[/{message_id}]` and `/offers/v1/outbox/messages/files/{file_id}[/presigned]`.

use lambda_http::Request;
use shared::ApiError;
use shared::App;
use shared::edge::http::{HttpResponse, authenticate, json, path_param, query, redirect};
use shared::edge::keyed::org_admin_creates;
use shared::infra::presign::base_url;
use shared::marketplace::message::SenderType;
use shared::marketplace::usecases::messages as svc;

const SIDE: SenderType = SenderType::Demand;

/// `POST /offers/v1/outbox/messages` (with an optional `Idempotency-Key`).
pub async fn send(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    org_admin_creates(app, &req, |demand, body, key| {
        svc::send(app, SIDE, demand, body, key)
    })
    .await
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

/// `GET /offers/v1/outbox/messages/files/{file_id}`: the file, through a redirect to its
/// signed, expiring download URL (the one `…/presigned` gives).
pub async fn get_file(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    let demand = authenticate(app, &req).await?.org_admin()?;
    let base = base_url(&req)?;
    let file = path_param(&req, "file_id")?;
    redirect(&svc::presign_file(app, &base, SIDE, demand, file).await?.url)
}

/// `GET /offers/v1/outbox/messages/files/{file_id}/presigned`
pub async fn presign_file(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    let demand = authenticate(app, &req).await?.org_admin()?;
    let base = base_url(&req)?;
    json(
        200,
        &svc::presign_file(app, &base, SIDE, demand, path_param(&req, "file_id")?).await?,
    )
}
