//! `/organizations/v1/sys_admin/*` (`sys_admin` only): any organization, named in the path,
//! through the same use cases as the participants' own operations.

pub mod auto_sign_up;
pub mod demand_persona;
pub mod supply_persona;

use lambda_http::Request;
use shared::ApiError;
use shared::App;
use shared::edge::http::{
    HttpResponse, authenticate, json, json_body, no_content, path_param, query,
};
use shared::edge::keyed::{once, once_with_password};
use shared::identity::sign_up::{self as sign_ups, Confirmation};
use shared::kernel::ids::OrgId;
use shared::marketplace::usecases::organizations as orgs;
use shared::marketplace::usecases::subscriptions as svc;
use shared::marketplace::wire::organizations::{
    AdminConfirmSignUpRequest, ConfirmSignUpRequest, EditOrgRequest, OrgDetail, SaveApiKeysRequest,
    SubscribeItem, SubscriptionArn, SubscriptionList, SysAdminOrgItem, SysAdminOrgListQuery,
    SysAdminOrgSignUpRequest, UnsubscribeRequest,
};

/// The organization of a sys_admin route: the caller must be a sys_admin (403 before
/// anything else is read); an unknown organization is a 404 in the use case.
async fn target(app: &App, req: &Request) -> Result<OrgId, ApiError> {
    authenticate(app, req).await?.sys_admin()?;
    path_param(req, "organization_id")
}

/// `GET /organizations/v1/sys_admin`
pub async fn list(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    authenticate(app, &req).await?.sys_admin()?;
    let q: SysAdminOrgListQuery = query(&req)?;
    let page = orgs::sys_admin_list(app, &q).await?;
    json(200, &page.map(|o| SysAdminOrgItem::of(&o)))
}

/// `GET /organizations/v1/sys_admin/{organization_id}`
pub async fn get(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    let org = target(app, &req).await?;
    json(200, &OrgDetail::of(&orgs::own_org(app, org).await?))
}

/// `POST /organizations/v1/sys_admin/{organization_id}/edit` (204; unchanged: no write)
pub async fn edit(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    let org = target(app, &req).await?;
    let body: EditOrgRequest = json_body(&req)?;
    orgs::edit(app, org, body.name.as_str(), body.address.name.as_deref()).await?;
    no_content()
}

/// `POST /organizations/v1/sys_admin/{organization_id}/api_keys`
pub async fn save_api_keys(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    let org = target(app, &req).await?;
    let body: SaveApiKeysRequest = json_body(&req)?;
    orgs::save_api_keys(app, org, body.username.as_str(), body.password.expose()).await?;
    no_content()
}

/// `POST /organizations/v1/sys_admin/{organization_id}/subscribe`
pub async fn subscribe(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    authenticate(app, &req).await?.sys_admin()?;
    let org: OrgId = path_param(&req, "organization_id")?;
    let item: SubscribeItem = json_body(&req)?;
    if app.db.get_org(org).await?.is_none() {
        return Err(ApiError::not_found("Organization"));
    }
    once(app, &req, SYS_ADMIN_KEYS, 200, |key| {
        svc::subscribe(app, org, vec![item], key, |mut made| SubscriptionArn {
            subscription_arn: made.pop().map(|m| m.subscription_arn).unwrap_or_default(),
        })
    })
    .await
}

/// `POST /organizations/v1/sys_admin/unsubscribe`
pub async fn unsubscribe(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    authenticate(app, &req).await?.sys_admin()?;
    let body: UnsubscribeRequest = json_body(&req)?;
    svc::unsubscribe(app, &body.subscription_arn).await?;
    no_content()
}

/// `GET /organizations/v1/sys_admin/subscriptions[?endpoint=…]`
pub async fn list_subscriptions(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    authenticate(app, &req).await?.sys_admin()?;
    let subscriptions = svc::list(app, &query(&req)?).await?;
    json(200, &SubscriptionList::from(subscriptions.as_slice()))
}

/// `POST /organizations/v1/sys_admin/sign_up`: the organization and its unconfirmed
/// `org_admin` (Cognito sends the confirmation code). With an optional `Idempotency-Key`,
/// shared by the sys_admins.
pub async fn sign_up(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    authenticate(app, &req).await?.sys_admin()?;
    let body: SysAdminOrgSignUpRequest = json_body(&req)?;
    once_with_password(app, &req, SYS_ADMIN_KEYS, 200, "password", |key| {
        sign_ups::sign_up(
            app,
            body.username.as_str(),
            &body.password,
            &body.details,
            Confirmation::ByCode,
            key,
            OrgDetail::of,
        )
    })
    .await
}

/// The scope of the sys_admins' idempotency keys: no organization or tenant id has a `:`.
const SYS_ADMIN_KEYS: &str = "platform:sys_admin";

/// `POST /organizations/v1/sys_admin/confirm_sign_up`: with the code the user received.
pub async fn confirm_sign_up(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    authenticate(app, &req).await?.sys_admin()?;
    let body: ConfirmSignUpRequest = json_body(&req)?;
    sign_ups::confirm(
        app,
        body.username.as_str(),
        Some(body.confirmation_code.as_str()),
    )
    .await?;
    no_content()
}

/// `POST /organizations/v1/sys_admin/admin_confirm_sign_up`: without a code.
pub async fn admin_confirm_sign_up(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    authenticate(app, &req).await?.sys_admin()?;
    let body: AdminConfirmSignUpRequest = json_body(&req)?;
    sign_ups::confirm(app, body.username.as_str(), None).await?;
    no_content()
}
