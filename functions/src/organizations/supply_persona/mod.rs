//! `/organizations/v1/supply_persona`: the caller's supply persona.

pub mod care_types;
pub mod trusted_network;

use lambda_http::Request;
use shared::ApiError;
use shared::App;
use shared::edge::http::{HttpResponse, authenticate, json, no_content};
use shared::marketplace::organization::PersonaStatus;
use shared::marketplace::usecases::organizations as svc;
use shared::marketplace::wire::organizations::SupplyDetail;

/// `GET /organizations/v1/supply_persona`
pub async fn get(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    let org = authenticate(app, &req).await?.org_admin()?;
    json(200, &SupplyDetail::of(&svc::own_org(app, org).await?))
}

/// `POST /organizations/v1/supply_persona/activate` (204; already active: 204, no write)
pub async fn activate(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    let org = authenticate(app, &req).await?.org_admin()?;
    svc::set_supply_status(app, org, PersonaStatus::Active).await?;
    no_content()
}

/// `POST /organizations/v1/supply_persona/deactivate` (204; already disabled: 204, no write)
pub async fn deactivate(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    let org = authenticate(app, &req).await?.org_admin()?;
    svc::set_supply_status(app, org, PersonaStatus::Disabled).await?;
    no_content()
}
