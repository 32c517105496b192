//! `/offers/v1/outbox/referrals[/{referral_id}[/cancel]]`.

use lambda_http::Request;
use shared::ApiError;
use shared::App;
use shared::edge::http::{
    HttpResponse, authenticate, json, json_body, no_content, path_param, query,
};
use shared::edge::keyed::org_admin_creates;
use shared::marketplace::usecases::referrals as svc;
use shared::marketplace::wire::referrals::{OutboxReferralDetail, OutboxReferralSummary};

/// `GET /offers/v1/outbox/referrals`
pub async fn list(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    let demand = authenticate(app, &req).await?.org_admin()?;
    let page = svc::outbox_list(app, demand, query(&req)?).await?;
    json(200, &page.map(|r| OutboxReferralSummary::from(&r)))
}

/// `GET /offers/v1/outbox/referrals/{referral_id}`
pub async fn get(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    let demand = authenticate(app, &req).await?.org_admin()?;
    let referral = svc::outbox_get(app, demand, path_param(&req, "referral_id")?).await?;
    json(200, &OutboxReferralDetail::from(&referral))
}

/// `POST /offers/v1/outbox/referrals/{referral_id}/cancel`
pub async fn cancel(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    let demand = authenticate(app, &req).await?.org_admin()?;
    let id = path_param(&req, "referral_id")?;
    svc::outbox_cancel(app, demand, id, json_body(&req)?).await?;
    no_content()
}

/// `POST /offers/v1/outbox/referrals` (with an optional `Idempotency-Key`).
pub async fn create(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    org_admin_creates(app, &req, |demand, body, key| {
        svc::create_direct(app, demand, body, key, |r| OutboxReferralDetail::from(r))
    })
    .await
}

/// `POST /offers/v1/outbox/referrals/{referral_id}/update`
pub async fn update(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    let demand = authenticate(app, &req).await?.org_admin()?;
    let id = path_param(&req, "referral_id")?;
    let revised = svc::update(app, demand, id, json_body(&req)?).await?;
    json(201, &OutboxReferralDetail::from(&revised))
}
