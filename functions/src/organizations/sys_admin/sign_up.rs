//! `/organizations/v1/sys_admin/{sign_up,confirm_sign_up,admin_confirm_sign_up}`.

use lambda_http::Request;
use shared::api::organizations::{
    AdminConfirmSignUpRequest, ConfirmSignUpRequest, OrgDetail, SysAdminOrgSignUpRequest,
};
use shared::http::{HttpResponse, authenticate, json, json_body, no_content};
use shared::service::sign_up::{self as svc, Confirmation};
use shared::{ApiError, App};

/// `POST /organizations/v1/sys_admin/sign_up`: the organization and its unconfirmed
/// `org_admin` (Cognito sends the confirmation code).
pub async fn sign_up(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    authenticate(app, &req).await?.sys_admin()?;
    let body: SysAdminOrgSignUpRequest = json_body(&req)?;
    let org = svc::sign_up(
        app,
        body.username.as_str(),
        &body.password,
        &body.details,
        Confirmation::ByCode,
    )
    .await?;
    json(200, &OrgDetail::of(&org))
}

/// `POST /organizations/v1/sys_admin/confirm_sign_up`: with the code the user received.
pub async fn confirm(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    authenticate(app, &req).await?.sys_admin()?;
    let body: ConfirmSignUpRequest = json_body(&req)?;
    svc::confirm(
        app,
        body.username.as_str(),
        Some(body.confirmation_code.as_str()),
    )
    .await?;
    no_content()
}

/// `POST /organizations/v1/sys_admin/admin_confirm_sign_up`: without a code.
pub async fn admin_confirm(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    authenticate(app, &req).await?.sys_admin()?;
    let body: AdminConfirmSignUpRequest = json_body(&req)?;
    svc::confirm(app, body.username.as_str(), None).await?;
    no_content()
}
