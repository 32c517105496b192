//! `/offers/v1/sys_admin/offers[/{offer_id}[/matches]]`: every organization's offers.

use lambda_http::Request;
use shared::ApiError;
use shared::App;
use shared::edge::http::{HttpResponse, json, path_param, query};
use shared::marketplace::usecases::sys_admin as svc;
use shared::marketplace::wire::offers::{OutboxMatchSummary, OutboxOfferSummary};
use shared::marketplace::wire::sys_admin::SysAdminOfferDetail;

use super::sys_admin;

/// `GET /offers/v1/sys_admin/offers`
pub async fn list(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    sys_admin(app, &req).await?;
    let page = svc::list_offers(app, query(&req)?, query(&req)?).await?;
    json(200, &page.map(|o| OutboxOfferSummary::from(&o)))
}

/// `GET /offers/v1/sys_admin/offers/{offer_id}`
pub async fn get(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    sys_admin(app, &req).await?;
    let offer = svc::get_offer(app, path_param(&req, "offer_id")?).await?;
    json(200, &SysAdminOfferDetail::from(&offer))
}

/// `GET /offers/v1/sys_admin/offers/{offer_id}/matches`
pub async fn matches(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    sys_admin(app, &req).await?;
    let id = path_param(&req, "offer_id")?;
    let page = svc::offer_matches(app, id, query(&req)?).await?;
    json(200, &page.map(|m| OutboxMatchSummary::from(&m)))
}
