//! `/offers/v1/inbox/referrals[/{referral_id}]`.

use lambda_http::Request;
use shared::http::{HttpResponse, authenticate, json, path_param, query};
use shared::service::referrals as svc;
use shared::{ApiError, App};

/// `GET /offers/v1/inbox/referrals`
pub async fn list(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    let supplier = authenticate(app, &req).await?.org_admin()?;
    json(200, &svc::inbox_list(app, supplier, query(&req)?).await?)
}

/// `GET /offers/v1/inbox/referrals/{referral_id}`
pub async fn get(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    let supplier = authenticate(app, &req).await?.org_admin()?;
    json(
        200,
        &svc::inbox_get(app, supplier, path_param(&req, "referral_id")?).await?,
    )
}
