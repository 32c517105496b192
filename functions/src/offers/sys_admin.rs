//! `/offers/v1/sys_admin/*` (`sys_admin` only): offers and referrals of every organization,
//! a demand organization's assignment setting, and the take rates.

use lambda_http::Request;
use shared::api::offers::AssignmentSetting;
use shared::api::sys_admin::{DemandTakeRateRequest, RegionalTakeRate};
use shared::http::{HttpResponse, authenticate, json, json_body, no_content, path_param, query};
use shared::service::sys_admin as svc;
use shared::{ApiError, App};

async fn sys_admin(app: &App, req: &Request) -> Result<(), ApiError> {
    svc::require_sys_admin(&authenticate(app, req).await?)
}

/// `GET /offers/v1/sys_admin/offers`
pub async fn list_offers(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    sys_admin(app, &req).await?;
    json(
        200,
        &svc::list_offers(app, query(&req)?, query(&req)?).await?,
    )
}

/// `GET /offers/v1/sys_admin/offers/{offer_id}`
pub async fn get_offer(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    sys_admin(app, &req).await?;
    json(
        200,
        &svc::get_offer(app, path_param(&req, "offer_id")?).await?,
    )
}

/// `GET /offers/v1/sys_admin/offers/{offer_id}/matches`
pub async fn list_offer_matches(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    sys_admin(app, &req).await?;
    let id = path_param(&req, "offer_id")?;
    json(200, &svc::offer_matches(app, id, query(&req)?).await?)
}

/// `GET /offers/v1/sys_admin/referrals`
pub async fn list_referrals(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    sys_admin(app, &req).await?;
    json(
        200,
        &svc::list_referrals(app, query(&req)?, query(&req)?).await?,
    )
}

/// `GET /offers/v1/sys_admin/referrals/{referral_id}`
pub async fn get_referral(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    sys_admin(app, &req).await?;
    json(
        200,
        &svc::get_referral(app, path_param(&req, "referral_id")?).await?,
    )
}

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

/// `GET /offers/v1/sys_admin/take_rates/demand_take_rates`
pub async fn list_demand_take_rates(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    sys_admin(app, &req).await?;
    json(200, &svc::demand_take_rates(app, query(&req)?).await?)
}

/// `POST /offers/v1/sys_admin/take_rates/demand_take_rates/{demand_persona_id}`
pub async fn set_demand_take_rate(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    sys_admin(app, &req).await?;
    let demand = path_param(&req, "demand_persona_id")?;
    let body: DemandTakeRateRequest = json_body(&req)?;
    svc::set_demand_take_rate(app, demand, body.rate).await?;
    no_content()
}

/// `GET /offers/v1/sys_admin/take_rates/regional_take_rate`
pub async fn get_regional_take_rate(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    sys_admin(app, &req).await?;
    json(
        200,
        &RegionalTakeRate {
            rate: svc::regional_take_rate(app).await?,
        },
    )
}

/// `POST /offers/v1/sys_admin/take_rates/regional_take_rate`
pub async fn set_regional_take_rate(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    sys_admin(app, &req).await?;
    let body: RegionalTakeRate = json_body(&req)?;
    json(
        200,
        &RegionalTakeRate {
            rate: svc::set_regional_take_rate(app, body.rate).await?,
        },
    )
}
