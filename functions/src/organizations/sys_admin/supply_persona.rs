//! `/organizations/v1/sys_admin/{organization_id}/supply_persona/*`: the participant's
//! supply-persona use cases for the organization in the path.

use lambda_http::Request;
use shared::ApiError;
use shared::App;
use shared::edge::http::{HttpResponse, json, json_body, no_content, query};
use shared::marketplace::organization::PersonaStatus;
use shared::marketplace::usecases::organizations as svc;
use shared::marketplace::wire::organizations::{
    SetCareTypesRequest, SupplyDetail, SupplyTrustedNetworkQuery, TrustedNetworkItem,
};

use super::target;

/// `GET …/supply_persona`
pub async fn get(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    let org = svc::own_org(app, target(app, &req).await?).await?;
    json(200, &SupplyDetail::of(&org))
}

/// `POST …/supply_persona/activate`
pub async fn activate(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    svc::set_supply_status(app, target(app, &req).await?, PersonaStatus::Active).await?;
    no_content()
}

/// `POST …/supply_persona/deactivate`
pub async fn deactivate(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    svc::set_supply_status(app, target(app, &req).await?, PersonaStatus::Disabled).await?;
    no_content()
}

/// `POST …/supply_persona/care_types`
pub async fn set_care_types(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    let org = target(app, &req).await?;
    let body: SetCareTypesRequest = json_body(&req)?;
    svc::set_care_types(app, org, &body.care_types).await?;
    no_content()
}

/// `GET …/supply_persona/trusted_network`: the demand networks the supplier is in.
pub async fn list_trusted_network(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    let org = target(app, &req).await?;
    let q: SupplyTrustedNetworkQuery = query(&req)?;
    let page = svc::supply_trusted_network(app, org, &q).await?;
    json(200, &page.map(|o| TrustedNetworkItem::of(&o)))
}
