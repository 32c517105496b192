//! `/organizations/v1/supply_persona/trusted_network`: the demand organizations that trust
//! the caller.

use lambda_http::Request;
use shared::api::organizations::SupplyTrustedNetworkQuery;
use shared::http::{HttpResponse, authenticate, json, query};
use shared::service::organizations as svc;
use shared::{ApiError, App};

/// `GET /organizations/v1/supply_persona/trusted_network`
pub async fn list(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    let org = authenticate(app, &req).await?.org_admin()?;
    let q: SupplyTrustedNetworkQuery = query(&req)?;
    json(200, &svc::supply_trusted_network(app, org, &q).await?)
}
