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
use shared::marketplace::wire::offers::{
    BundleOffersCreated, CreateBundleOfferRequest, CreateShiftOfferRequest, OutboxMatchSummary,
    OutboxOfferDetail, OutboxOfferSummary, ShiftOffersCreated,
};

/// `POST /offers/v1/outbox/offers` (with an optional `Idempotency-Key`, [`once`]).
pub async fn create(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    org_admin_creates(app, &req, |demand, body, key| {
        svc::create(app, demand, body, key, |o| OutboxOfferDetail::from(o))
    })
    .await
}

/// `GET /offers/v1/outbox/offers`
pub async fn list(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    let demand = authenticate(app, &req).await?.org_admin()?;
    let page = svc::outbox_list(app, demand, query(&req)?).await?;
    json(200, &page.map(|o| OutboxOfferSummary::from(&o)))
}

/// `GET /offers/v1/outbox/offers/{offer_id}`
pub async fn get(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    let demand = authenticate(app, &req).await?.org_admin()?;
    let offer = svc::outbox_get(app, demand, path_param(&req, "offer_id")?).await?;
    json(200, &OutboxOfferDetail::from(&offer))
}

/// `GET /offers/v1/outbox/offers/{offer_id}/matches`
pub async fn matches(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    let demand = authenticate(app, &req).await?.org_admin()?;
    let id = path_param(&req, "offer_id")?;
    let page = svc::outbox_matches(app, demand, id, query(&req)?).await?;
    json(200, &page.map(|m| OutboxMatchSummary::from(&m)))
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
    org_admin_creates(app, &req, |demand, body: CreateShiftOfferRequest, key| {
        let offers = body.into_offer_requests();
        svc::create_group(app, demand, offers, key, ShiftOffersCreated::new)
    })
    .await
}

/// `POST /offers/v1/outbox/bundle/offers` (with an optional `Idempotency-Key`).
pub async fn create_bundle(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    org_admin_creates(
        app,
        &req,
        |demand, body: CreateBundleOfferRequest, key| async move {
            let offers = body.into_offer_requests()?;
            svc::create_group(app, demand, offers, key, BundleOffersCreated::new).await
        },
    )
    .await
}
