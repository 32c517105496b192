//! `/offers/v1/inbox/referrals[/{referral_id}[/mark_processed|/cancel]]`.

use lambda_http::Request;
use shared::ApiError;
use shared::App;
use shared::edge::http::{
    HttpResponse, authenticate, json, json_body, no_content, path_param, query,
};
use shared::marketplace::usecases::referrals as svc;
use shared::marketplace::wire::referrals::{InboxReferralDetail, InboxReferralSummary};

/// `GET /offers/v1/inbox/referrals`
pub async fn list(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    let supplier = authenticate(app, &req).await?.org_admin()?;
    let page = svc::inbox_list(app, supplier, query(&req)?).await?;
    json(200, &page.map(|r| InboxReferralSummary::from(&r)))
}

/// `GET /offers/v1/inbox/referrals/{referral_id}`
pub async fn get(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    let supplier = authenticate(app, &req).await?.org_admin()?;
    let referral = svc::inbox_get(app, supplier, path_param(&req, "referral_id")?).await?;
    json(200, &InboxReferralDetail::from(&referral))
}

/// `POST /offers/v1/inbox/referrals/{referral_id}/mark_processed`
pub async fn mark_processed(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    let supplier = authenticate(app, &req).await?.org_admin()?;
    svc::mark_processed(app, supplier, path_param(&req, "referral_id")?).await?;
    no_content()
}

/// `POST /offers/v1/inbox/referrals/{referral_id}/cancel`
pub async fn cancel(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    let supplier = authenticate(app, &req).await?.org_admin()?;
    let id = path_param(&req, "referral_id")?;
    svc::inbox_cancel(app, supplier, id, json_body(&req)?).await?;
    no_content()
}

/// `POST /offers/v1/inbox/referrals/{referral_id}/tasks/update`
pub async fn update_tasks(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    let supplier = authenticate(app, &req).await?.org_admin()?;
    let id = path_param(&req, "referral_id")?;
    svc::update_tasks(app, supplier, id, json_body(&req)?).await?;
    no_content()
}
