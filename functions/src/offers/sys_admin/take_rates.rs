//! `/offers/v1/sys_admin/take_rates/*`: the regional take rate and the demand organizations' own.

use lambda_http::Request;
use shared::ApiError;
use shared::App;
use shared::edge::http::{HttpResponse, json, json_body, no_content, path_param, query};
use shared::marketplace::usecases::sys_admin as svc;
use shared::marketplace::wire::sys_admin::{
    DemandTakeRateRequest, DemandTakeRates, RegionalTakeRate,
};

use super::sys_admin;

/// `GET /offers/v1/sys_admin/take_rates/demand_take_rates`
pub async fn list_demand(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    sys_admin(app, &req).await?;
    let rates = svc::demand_take_rates(app, query(&req)?).await?;
    json(200, &DemandTakeRates::from(rates.as_slice()))
}

/// `POST /offers/v1/sys_admin/take_rates/demand_take_rates/{demand_persona_id}`
pub async fn set_demand(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    sys_admin(app, &req).await?;
    let demand = path_param(&req, "demand_persona_id")?;
    let body: DemandTakeRateRequest = json_body(&req)?;
    svc::set_demand_take_rate(app, demand, body.rate).await?;
    no_content()
}

/// `GET /offers/v1/sys_admin/take_rates/regional_take_rate`
pub async fn get_regional(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    sys_admin(app, &req).await?;
    json(
        200,
        &RegionalTakeRate {
            rate: svc::regional_take_rate(app).await?,
        },
    )
}

/// `POST /offers/v1/sys_admin/take_rates/regional_take_rate`
pub async fn set_regional(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    sys_admin(app, &req).await?;
    let body: RegionalTakeRate = json_body(&req)?;
    json(
        200,
        &RegionalTakeRate {
            rate: svc::set_regional_take_rate(app, body.rate).await?,
        },
    )
}
