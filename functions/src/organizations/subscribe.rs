//! `POST /organizations/v1/subscribe`: the caller's organization subscribes endpoints to topics.

use lambda_http::Request;
use shared::api::organizations::{SubscribeRequest, SubscribeResponse};
use shared::http::{HttpResponse, authenticate, json, json_body};
use shared::service::subscriptions as svc;
use shared::{ApiError, App};

pub async fn subscribe(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    let org = authenticate(app, &req).await?.org_admin()?;
    let body: SubscribeRequest = json_body(&req)?;
    let subscriptions = svc::subscribe(app, org, body.subscriptions).await?;
    json(200, &SubscribeResponse { subscriptions })
}
