//! `/offers/v1/demand_personas/settings/assignment`: automatic or manual assignment.

use lambda_http::Request;
use shared::ApiError;
use shared::App;
use shared::edge::http::{HttpResponse, authenticate, json, json_body, no_content};
use shared::marketplace::usecases::organizations as svc;
use shared::marketplace::wire::offers::AssignmentSetting;

/// `GET /offers/v1/demand_personas/settings/assignment`
pub async fn get_assignment(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    let demand = authenticate(app, &req).await?.org_admin()?;
    json(
        200,
        &AssignmentSetting {
            offer_assignment: svc::assignment_mode(app, demand).await?,
        },
    )
}

/// `POST /offers/v1/demand_personas/settings/assignment`
pub async fn set_assignment(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    let demand = authenticate(app, &req).await?.org_admin()?;
    let body: AssignmentSetting = json_body(&req)?;
    svc::set_assignment_mode(app, demand, body.offer_assignment).await?;
    no_content()
}
