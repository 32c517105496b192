//! `/offers/v1/inbox/offers[/{offer_id}[/accept|/decline]]`.

use lambda_http::Request;
use shared::ApiError;
use shared::App;
use shared::edge::http::{
    HttpResponse, authenticate, json, json_body_or_default, no_content, path_param, query,
};
use shared::marketplace::usecases::offers as svc;
use shared::marketplace::wire::offers::{InboxOfferDetail, InboxOfferSummary};

/// `GET /offers/v1/inbox/offers`
pub async fn list(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    let supplier = authenticate(app, &req).await?.org_admin()?;
    let page = svc::inbox_list(app, supplier, query(&req)?).await?;
    json(200, &page.map(|o| InboxOfferSummary::from(&o)))
}

/// `GET /offers/v1/inbox/offers/{offer_id}` (anonymized)
pub async fn get(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    let supplier = authenticate(app, &req).await?.org_admin()?;
    let offer = svc::inbox_get(app, supplier, path_param(&req, "offer_id")?).await?;
    json(200, &InboxOfferDetail::from(&offer))
}

/// `POST /offers/v1/inbox/offers/{offer_id}/accept`
pub async fn accept(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    let supplier = authenticate(app, &req).await?.org_admin()?;
    svc::accept(
        app,
        supplier,
        path_param(&req, "offer_id")?,
        json_body_or_default(&req)?,
    )
    .await?;
    no_content()
}

/// `POST /offers/v1/inbox/offers/{offer_id}/decline`
pub async fn decline(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    let supplier = authenticate(app, &req).await?.org_admin()?;
    svc::decline(
        app,
        supplier,
        path_param(&req, "offer_id")?,
        json_body_or_default(&req)?,
    )
    .await?;
    no_content()
}
