//! `/offers/v1/outbox/visits[/{visit_id}]`: the demand reads the visits of its referrals.

use lambda_http::Request;
use shared::ApiError;
use shared::App;
use shared::edge::http::{HttpResponse, authenticate, json, path_param, query};
use shared::marketplace::usecases::visits as svc;
use shared::marketplace::wire::visits::{OutboxVisitDetail, OutboxVisitSummary};

/// `GET /offers/v1/outbox/visits`
pub async fn list(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    let demand = authenticate(app, &req).await?.org_admin()?;
    let page = svc::outbox_list(app, demand, query(&req)?).await?;
    json(200, &page.map(|v| OutboxVisitSummary::from(&v)))
}

/// `GET /offers/v1/outbox/visits/{visit_id}`
pub async fn get(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    let demand = authenticate(app, &req).await?.org_admin()?;
    let visit = svc::outbox_get(app, demand, path_param(&req, "visit_id")?).await?;
    json(200, &OutboxVisitDetail::from(&visit))
}
