//! `/offers/v1/sys_admin/messages[/by_file_id/{file_id}]`.

use lambda_http::Request;
use shared::ApiError;
use shared::App;
use shared::edge::http::{HttpResponse, json, path_param, query};
use shared::marketplace::usecases::messages as svc;
use shared::marketplace::wire::messages::MessageDetail;

use super::sys_admin;

/// `GET /offers/v1/sys_admin/messages`
pub async fn list(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    sys_admin(app, &req).await?;
    let page = svc::sys_admin_list(app, query(&req)?).await?;
    json(200, &page.map(|m| MessageDetail::from(&m)))
}

/// `GET /offers/v1/sys_admin/messages/by_file_id/{file_id}`
pub async fn by_file_id(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    sys_admin(app, &req).await?;
    let message = svc::sys_admin_by_file(app, path_param(&req, "file_id")?).await?;
    json(200, &MessageDetail::from(&message))
}
