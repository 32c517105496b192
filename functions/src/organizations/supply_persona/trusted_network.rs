//! `/organizations/v1/supply_persona/trusted_network`: the demand organizations that trust
//! the caller.

use lambda_http::Request;
use shared::ApiError;
use shared::App;
use shared::edge::http::{HttpResponse, authenticate, json, json_body, no_content, query};
use shared::marketplace::usecases::organizations as svc;
use shared::marketplace::wire::organizations::{
    SupplySetTrustedNetworkRequest, SupplyTrustedNetworkQuery, TrustedNetworkItem,
};

/// `GET /organizations/v1/supply_persona/trusted_network`
pub async fn list(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    let org = authenticate(app, &req).await?.org_admin()?;
    let q: SupplyTrustedNetworkQuery = query(&req)?;
    let page = svc::supply_trusted_network(app, org, &q).await?;
    json(200, &page.map(|o| TrustedNetworkItem::of(&o)))
}

/// `POST /organizations/v1/supply_persona/trusted_network`: the caller is in exactly these
/// demand networks (joins and leaves; each changed demand gets `OrgTrustedNetworkUpdated`).
pub async fn set(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    let org = authenticate(app, &req).await?.org_admin()?;
    let body: SupplySetTrustedNetworkRequest = json_body(&req)?;
    svc::set_supplier_networks(app, org, &body.demand_persona_ids).await?;
    no_content()
}
