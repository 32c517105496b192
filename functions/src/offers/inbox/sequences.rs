//! `/offers/v1/inbox/sequences`.

use lambda_http::Request;
use shared::ApiError;
use shared::App;
use shared::edge::http::{HttpResponse, authenticate, json, query};
use shared::marketplace::message::SenderType;
use shared::marketplace::usecases::sequences as svc;

/// `GET /offers/v1/inbox/sequences`
pub async fn list(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    let supplier = authenticate(app, &req).await?.org_admin()?;
    json(
        200,
        &svc::list(app, Some((SenderType::Supply, supplier)), query(&req)?).await?,
    )
}
