//! `/offers/v1/outbox/form_templates`: this platform's extension (the published API has no
//! operation for a demand to publish a form).

use lambda_http::Request;
use shared::ApiError;
use shared::App;
use shared::edge::http::{HttpResponse, authenticate, json_body_within};
use shared::edge::keyed::once;
use shared::marketplace::usecases::forms as svc;
use shared::marketplace::wire::forms::FormTemplateDetail;

/// `POST /offers/v1/outbox/form_templates` (with an optional `Idempotency-Key`).
pub async fn publish(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    let demand = authenticate(app, &req).await?.org_admin()?;
    let body = json_body_within(&req, &shared::kernel::limits::DOCUMENTS)?;
    once(app, &req, &demand.to_string(), 201, |key| {
        svc::publish(app, demand, body, key, |t| FormTemplateDetail::from(t))
    })
    .await
}
