//! `/offers/v1/inbox/form_submissions`.

use lambda_http::Request;
use shared::ApiError;
use shared::App;
use shared::edge::http::{HttpResponse, authenticate, json_body_within};
use shared::edge::keyed::once;
use shared::marketplace::usecases::forms as svc;
use shared::marketplace::wire::forms::FormSubmissionCreated;

/// `POST /offers/v1/inbox/form_submissions` (with an optional `Idempotency-Key`).
pub async fn create(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    let supplier = authenticate(app, &req).await?.org_admin()?;
    let body = json_body_within(&req, &shared::kernel::limits::DOCUMENTS)?;
    once(app, &req, &supplier.to_string(), 201, |key| {
        svc::submit(app, supplier, body, key, |s| FormSubmissionCreated::from(s))
    })
    .await
}
