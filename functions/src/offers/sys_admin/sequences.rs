//! `/offers/v1/sys_admin/sequences`.

use lambda_http::Request;
use shared::ApiError;
use shared::App;
use shared::edge::http::{HttpResponse, json, query};
use shared::marketplace::usecases::sequences as svc;
use shared::marketplace::wire::sequences::{SequenceSummary, SequenceView};

use super::sys_admin;

/// `GET /offers/v1/sys_admin/sequences`
pub async fn list(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    sys_admin(app, &req).await?;
    let page = svc::list(app, None, query(&req)?).await?;
    json(
        200,
        &page.map(|s| SequenceSummary::render(&s, SequenceView::SysAdmin)),
    )
}
