//! `/organizations/v1/*`: the Organizations API, participant (`org_admin`) operations.

pub mod api_keys;
pub mod demand_persona;
pub mod supply_persona;
pub mod sys_admin;

use lambda_http::Request;
use shared::ApiError;
use shared::App;
use shared::edge::http::{HttpResponse, authenticate, json, json_body, query};
use shared::edge::keyed::{once, once_with_password};
use shared::identity::oauth::hash_secret;
use shared::identity::sign_up::{self as sign_ups, Confirmation};
use shared::identity::wire::HealthResponse;
use shared::marketplace::usecases::organizations as svc;
use shared::marketplace::usecases::subscriptions as subs;
use shared::marketplace::wire::organizations::{
    AnonListRequest, OrgListItem, OrgListQuery, OrgSignUpRequest, OrgSignUpResponse,
    SubscribeRequest, SubscribeResponse,
};

/// `GET /organizations/v1/status/healthz`
pub async fn healthz(_app: &App, _req: Request) -> Result<HttpResponse, ApiError> {
    json(
        200,
        &HealthResponse {
            status: "ok".into(),
        },
    )
}

/// `GET /organizations/v1`: the directory of organizations (id, name, persona statuses),
/// sorted by name ascending, which an `org_admin` picks trusted networks from.
pub async fn list(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    authenticate(app, &req).await?.org_admin()?;
    let q: OrgListQuery = query(&req)?;
    let page = svc::list(app, &q).await?;
    json(200, &page.map(|o| OrgListItem::of(&o)))
}

/// `POST /organizations/v1` (anonymous): the same directory for a holder of an approval
/// (an organization signing up picks its trusted networks from it).
pub async fn anon_list(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    let body: AnonListRequest = json_body(&req)?;
    let q: OrgListQuery = query(&req)?;
    let page = svc::anon_list(app, body.approval_id.as_str(), &q).await?;
    json(200, &page.map(|o| OrgListItem::of(&o)))
}

/// `POST /organizations/v1/subscribe`: the caller's organization subscribes endpoints to
/// topics.
pub async fn subscribe(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    let org = authenticate(app, &req).await?.org_admin()?;
    let body: SubscribeRequest = json_body(&req)?;
    once(app, &req, &org.to_string(), 200, |key| {
        subs::subscribe(app, org, body.subscriptions, key, |subscriptions| {
            SubscribeResponse { subscriptions }
        })
    })
    .await
}

/// `POST /organizations/v1/sign_up` (anonymous): an organization with an approval signs
/// itself up; its `org_admin` can log in at once. With an optional `Idempotency-Key`, private
/// to the approval (the only thing that tells one anonymous caller from another).
pub async fn sign_up(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    let body: OrgSignUpRequest = json_body(&req)?;
    // The approval as the table keeps it: hashed, since it is a credential.
    let scope = format!("approval:{}", hash_secret(body.approval_id.as_str()));
    once_with_password(app, &req, &scope, 200, "password", |key| {
        sign_ups::sign_up(
            app,
            body.username.as_str(),
            &body.password,
            &body.details,
            Confirmation::Approved {
                approval_id: body.approval_id.as_str(),
            },
            key,
            |org| OrgSignUpResponse { id: org.id },
        )
    })
    .await
}
