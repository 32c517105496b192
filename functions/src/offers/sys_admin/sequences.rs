//! `/offers/v1/sys_admin/sequences`.

use lambda_http::Request;
use shared::http::{HttpResponse, json, query};
use shared::service::sequences as svc;
use shared::{ApiError, App};

use super::sys_admin;

/// `GET /offers/v1/sys_admin/sequences`
pub async fn list(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    sys_admin(app, &req).await?;
    json(200, &svc::list(app, None, query(&req)?).await?)
}
