//! `/offers/v1/outbox/form_submissions/...`.

use lambda_http::Request;
use shared::ApiError;
use shared::App;
use shared::edge::http::{HttpResponse, authenticate, json, path_param};
use shared::infra::presign::base_url;
use shared::marketplace::usecases::forms as svc;
use shared::marketplace::wire::forms::OutboxFormSubmissionDetail;
use shared::marketplace::wire::sequences::PresignedUrl;

/// `GET /offers/v1/outbox/form_submissions/{form_submission_id}`
pub async fn get(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    let demand = authenticate(app, &req).await?.org_admin()?;
    let submission = svc::get(app, demand, path_param(&req, "form_submission_id")?).await?;
    json(200, &OutboxFormSubmissionDetail::from(&submission))
}

/// `GET /offers/v1/outbox/form_submissions/fields/{form_submission_field_id}/attachment/presigned`
pub async fn presign_attachment(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    let demand = authenticate(app, &req).await?.org_admin()?;
    let base = base_url(&req)?;
    let field = path_param(&req, "form_submission_field_id")?;
    let url = svc::presign_attachment(app, &base, demand, field).await?;
    json(200, &PresignedUrl { url })
}
