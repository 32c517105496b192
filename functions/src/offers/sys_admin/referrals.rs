//! `/offers/v1/sys_admin/referrals[/{referral_id}]`: every organization's referrals.

use lambda_http::Request;
use shared::ApiError;
use shared::App;
use shared::edge::http::{HttpResponse, json, path_param, query};
use shared::marketplace::usecases::sys_admin as svc;
use shared::marketplace::wire::sys_admin::{SysAdminReferralDetail, SysAdminReferralSummary};

use super::sys_admin;

/// `GET /offers/v1/sys_admin/referrals`
pub async fn list(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    sys_admin(app, &req).await?;
    let page = svc::list_referrals(app, query(&req)?, query(&req)?).await?;
    json(200, &page.map(|r| SysAdminReferralSummary::from(&r)))
}

/// `GET /offers/v1/sys_admin/referrals/{referral_id}`
pub async fn get(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    sys_admin(app, &req).await?;
    let referral = svc::get_referral(app, path_param(&req, "referral_id")?).await?;
    json(200, &SysAdminReferralDetail::from(&referral))
}
