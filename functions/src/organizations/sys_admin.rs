//! `/organizations/v1/sys_admin/*` subscription management (`sys_admin` only).

use lambda_http::Request;
use shared::api::organizations::{SubscribeItem, SubscriptionArn, UnsubscribeRequest};
use shared::http::{HttpResponse, authenticate, json, json_body, no_content, path_param, query};
use shared::ids::OrgId;
use shared::service::subscriptions as svc;
use shared::{ApiError, App};

/// `POST /organizations/v1/sys_admin/{organization_id}/subscribe`
pub async fn subscribe(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    svc::require_sys_admin(&authenticate(app, &req).await?)?;
    let org: OrgId = path_param(&req, "organization_id")?;
    let item: SubscribeItem = json_body(&req)?;
    if app.db.get_org(org).await?.is_none() {
        return Err(ApiError::not_found("Organization"));
    }
    let mut made = svc::subscribe(app, org, vec![item]).await?;
    let subscription_arn = made.pop().map(|m| m.subscription_arn).unwrap_or_default();
    json(200, &SubscriptionArn { subscription_arn })
}

/// `POST /organizations/v1/sys_admin/unsubscribe`
pub async fn unsubscribe(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    svc::require_sys_admin(&authenticate(app, &req).await?)?;
    let body: UnsubscribeRequest = json_body(&req)?;
    svc::unsubscribe(app, &body.subscription_arn).await?;
    no_content()
}

/// `GET /organizations/v1/sys_admin/subscriptions[?endpoint=…]`
pub async fn list_subscriptions(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    svc::require_sys_admin(&authenticate(app, &req).await?)?;
    json(200, &svc::list(app, &query(&req)?).await?)
}
