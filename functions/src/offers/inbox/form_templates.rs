//! `/offers/v1/inbox/form_templates/...`.

use lambda_http::Request;
use shared::ApiError;
use shared::App;
use shared::edge::http::{HttpResponse, authenticate, json, path_param};
use shared::marketplace::usecases::forms as svc;
use shared::marketplace::wire::forms::FormTemplateDetail;

/// `GET /offers/v1/inbox/form_templates/by_demand_persona_id/{demand_persona_id}/by_schema_id/{schema_id}/latest`
pub async fn latest(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    let supplier = authenticate(app, &req).await?.org_admin()?;
    let demand = path_param(&req, "demand_persona_id")?;
    let template = svc::latest(app, supplier, demand, path_param(&req, "schema_id")?).await?;
    json(200, &FormTemplateDetail::from(&template))
}
