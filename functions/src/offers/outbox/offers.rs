//! `/offers/v1/outbox/offers[/{offer_id}[/matches|/close|/assign]]`.

use lambda_http::Request;
use shared::ApiError;
use shared::App;
use shared::edge::http::{
    HttpResponse, authenticate, json, json_body, json_body_or_default, no_content, path_param,
    query,
};
use shared::edge::keyed::org_admin_creates;
use shared::marketplace::usecases::offers as svc;

/// `POST /offers/v1/outbox/offers` (with an optional `Idempotency-Key`, [`once`]).
pub async fn create(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    org_admin_creates(app, &req, |demand, body, key| {
        svc::create(app, demand, body, key)
    })
    .await
}

/// `GET /offers/v1/outbox/offers`
pub async fn list(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    let demand = authenticate(app, &req).await?.org_admin()?;
    json(200, &svc::outbox_list(app, demand, query(&req)?).await?)
}

/// `GET /offers/v1/outbox/offers/{offer_id}`
pub async fn get(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    let demand = authenticate(app, &req).await?.org_admin()?;
    json(
        200,
        &svc::outbox_get(app, demand, path_param(&req, "offer_id")?).await?,
    )
}

/// `GET /offers/v1/outbox/offers/{offer_id}/matches`
pub async fn matches(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    let demand = authenticate(app, &req).await?.org_admin()?;
    json(
        200,
        &svc::outbox_matches(app, demand, path_param(&req, "offer_id")?, query(&req)?).await?,
    )
}

/// `POST /offers/v1/outbox/offers/{offer_id}/close`
pub async fn close(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    let demand = authenticate(app, &req).await?.org_admin()?;
    svc::close(
        app,
        demand,
        path_param(&req, "offer_id")?,
        json_body_or_default(&req)?,
    )
    .await?;
    no_content()
}

/// `POST /offers/v1/outbox/offers/{offer_id}/assign`
pub async fn assign(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    let demand = authenticate(app, &req).await?.org_admin()?;
    svc::assign(app, demand, path_param(&req, "offer_id")?, json_body(&req)?).await?;
    no_content()
}

/// `POST /offers/v1/outbox/shift/offers` (with an optional `Idempotency-Key`).
pub async fn create_shift(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    org_admin_creates(app, &req, |demand, body, key| {
        svc::create_shift(app, demand, body, key)
    })
    .await
}

/// `POST /offers/v1/outbox/bundle/offers` (with an optional `Idempotency-Key`).
pub async fn create_bundle(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    org_admin_creates(app, &req, |demand, body, key| {
        svc::create_bundle(app, demand, body, key)
    })
    .await
}
