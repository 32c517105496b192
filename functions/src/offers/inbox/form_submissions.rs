//! `/offers/v1/inbox/form_submissions`.

use lambda_http::Request;
use shared::http::{HttpResponse, authenticate, json, json_body_within};
use shared::service::forms as svc;
use shared::{ApiError, App};

/// `POST /offers/v1/inbox/form_submissions`
pub async fn create(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    let supplier = authenticate(app, &req).await?.org_admin()?;
    json(
        201,
        &svc::submit(
            app,
            supplier,
            json_body_within(&req, &shared::limits::DOCUMENTS)?,
        )
        .await?,
    )
}
