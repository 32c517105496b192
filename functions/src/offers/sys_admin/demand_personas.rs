//! `/offers/v1/sys_admin/demand_personas/{demand_persona_id}/settings/assignment`: a demand
//! organization's assignment setting.

use lambda_http::Request;
use shared::ApiError;
use shared::App;
use shared::edge::http::{HttpResponse, json, json_body, no_content, path_param};
use shared::marketplace::usecases::sys_admin as svc;
use shared::marketplace::wire::offers::AssignmentSetting;

use super::sys_admin;

/// `GET /offers/v1/sys_admin/demand_personas/{demand_persona_id}/settings/assignment`
pub async fn get_assignment(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    sys_admin(app, &req).await?;
    let demand = path_param(&req, "demand_persona_id")?;
    json(
        200,
        &AssignmentSetting {
            offer_assignment: svc::assignment_mode(app, demand).await?,
        },
    )
}

/// `POST /offers/v1/sys_admin/demand_personas/{demand_persona_id}/settings/assignment`
pub async fn set_assignment(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    sys_admin(app, &req).await?;
    let demand = path_param(&req, "demand_persona_id")?;
    let body: AssignmentSetting = json_body(&req)?;
    svc::set_assignment_mode(app, demand, body.offer_assignment).await?;
    no_content()
}
