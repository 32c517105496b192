//! `/offers/v1/sys_admin/visits[/{visit_id}]`.

use lambda_http::Request;
use shared::ApiError;
use shared::App;
use shared::edge::http::{HttpResponse, json, path_param, query};
use shared::marketplace::usecases::visits as svc;
use shared::marketplace::wire::visits::{SysAdminVisitDetail, SysAdminVisitSummary};

use super::sys_admin;

/// `GET /offers/v1/sys_admin/visits`
pub async fn list(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    sys_admin(app, &req).await?;
    let page = svc::sys_admin_list(app, query(&req)?).await?;
    json(200, &page.map(|v| SysAdminVisitSummary::from(&v)))
}

/// `GET /offers/v1/sys_admin/visits/{visit_id}`
pub async fn get(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    sys_admin(app, &req).await?;
    let visit = svc::sys_admin_get(app, path_param(&req, "visit_id")?).await?;
    json(200, &SysAdminVisitDetail::from(&visit))
}
