//! `/offers/v1/inbox/sequences`.

use lambda_http::Request;
use shared::domain::message::SenderType;
use shared::http::{HttpResponse, authenticate, json, query};
use shared::service::sequences as svc;
use shared::{ApiError, App};

/// `GET /offers/v1/inbox/sequences`
pub async fn list(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    let supplier = authenticate(app, &req).await?.org_admin()?;
    json(
        200,
        &svc::list(app, Some((SenderType::Supply, supplier)), query(&req)?).await?,
    )
}
