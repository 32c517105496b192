//! `/organizations/v1/supply_persona/care_types`: the care types the caller supplies.

use lambda_http::Request;
use shared::ApiError;
use shared::App;
use shared::edge::http::{HttpResponse, authenticate, json_body, no_content};
use shared::marketplace::usecases::organizations as svc;
use shared::marketplace::wire::organizations::SetCareTypesRequest;

/// `POST /organizations/v1/supply_persona/care_types`: replaces them (`[]` removes all).
pub async fn set(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    let org = authenticate(app, &req).await?.org_admin()?;
    let body: SetCareTypesRequest = json_body(&req)?;
    svc::set_care_types(app, org, &body.care_types).await?;
    no_content()
}
