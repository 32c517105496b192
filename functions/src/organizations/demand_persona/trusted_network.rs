//! `/organizations/v1/demand_persona/trusted_network`: the suppliers the caller trusts.

use lambda_http::Request;
use shared::ApiError;
use shared::App;
use shared::edge::http::{HttpResponse, authenticate, json, json_body, no_content, query};
use shared::marketplace::usecases::organizations as svc;
use shared::marketplace::wire::organizations::{
    DemandTrustedNetworkQuery, SetTrustedNetworkRequest, TrustedNetworkItem,
};

/// `GET /organizations/v1/demand_persona/trusted_network`
pub async fn list(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    let org = authenticate(app, &req).await?.org_admin()?;
    let q: DemandTrustedNetworkQuery = query(&req)?;
    let page = svc::demand_trusted_network(app, org, &q).await?;
    json(200, &page.map(|o| TrustedNetworkItem::of(&o)))
}

/// `POST /organizations/v1/demand_persona/trusted_network`: replaces the network
/// (204; `OrgTrustedNetworkUpdated` on `demand-organizations` when it changed).
pub async fn set(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    let org = authenticate(app, &req).await?.org_admin()?;
    let body: SetTrustedNetworkRequest = json_body(&req)?;
    svc::set_trusted_network(app, org, &body.supply_persona_ids).await?;
    no_content()
}
