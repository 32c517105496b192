//! `/organizations/v1/sys_admin/{organization_id}/demand_persona/*`: the participant's
//! demand-persona use cases for the organization in the path.

use lambda_http::Request;
use shared::ApiError;
use shared::App;
use shared::edge::http::{HttpResponse, json, json_body, no_content, query};
use shared::marketplace::organization::PersonaStatus;
use shared::marketplace::usecases::organizations as svc;
use shared::marketplace::wire::organizations::{
    DemandTrustedNetworkQuery, PersonaStatusView, SetTrustedNetworkRequest, TrustedNetworkItem,
};

use super::target;

/// `GET …/demand_persona`
pub async fn get(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    let org = svc::own_org(app, target(app, &req).await?).await?;
    json(
        200,
        &PersonaStatusView {
            status: org.demand_status(),
        },
    )
}

/// `POST …/demand_persona/activate`
pub async fn activate(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    svc::set_demand_status(app, target(app, &req).await?, PersonaStatus::Active).await?;
    no_content()
}

/// `POST …/demand_persona/deactivate`
pub async fn deactivate(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    svc::set_demand_status(app, target(app, &req).await?, PersonaStatus::Disabled).await?;
    no_content()
}

/// `GET …/demand_persona/trusted_network`
pub async fn list_trusted_network(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    let org = target(app, &req).await?;
    let q: DemandTrustedNetworkQuery = query(&req)?;
    let page = svc::demand_trusted_network(app, org, &q).await?;
    json(200, &page.map(|o| TrustedNetworkItem::of(&o)))
}

/// `POST …/demand_persona/trusted_network`: replaces the network.
pub async fn set_trusted_network(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    let org = target(app, &req).await?;
    let body: SetTrustedNetworkRequest = json_body(&req)?;
    svc::set_trusted_network(app, org, &body.supply_persona_ids).await?;
    no_content()
}

/// `POST …/demand_persona/trusted_network/add`
pub async fn add_to_trusted_network(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    let org = target(app, &req).await?;
    let body: SetTrustedNetworkRequest = json_body(&req)?;
    svc::add_to_trusted_network(app, org, &body.supply_persona_ids).await?;
    no_content()
}

/// `POST …/demand_persona/trusted_network/remove`
pub async fn remove_from_trusted_network(
    app: &App,
    req: Request,
) -> Result<HttpResponse, ApiError> {
    let org = target(app, &req).await?;
    let body: SetTrustedNetworkRequest = json_body(&req)?;
    svc::remove_from_trusted_network(app, org, &body.supply_persona_ids).await?;
    no_content()
}
