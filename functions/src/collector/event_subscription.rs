//! `/api/v1/event-subscription[/{id}[/deactivate]]`.

use lambda_http::Request;
use shared::ApiError;
use shared::App;
use shared::collector::usecases as svc;
use shared::edge::http::{HttpResponse, json, json_body, path_param};
use shared::edge::keyed::once;
use shared::identity::oauth::Scope;
use shared::kernel::time::now;

const SCOPE: Scope = Scope::CollectorSubscriptions;

/// `POST /api/v1/event-subscription` (with an optional `Idempotency-Key`, private to the
/// tenant).
pub async fn create(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    let tenant = super::tenant(app, &req, SCOPE).await?;
    let body = json_body(&req)?;
    once(app, &req, tenant.as_str(), 201, |key| {
        svc::create_subscription(app, &tenant, body, now(), key)
    })
    .await
}

/// `PUT /api/v1/event-subscription` (the body's `id` names the subscription)
pub async fn update(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    let tenant = super::tenant(app, &req, SCOPE).await?;
    json(
        200,
        &svc::update_subscription(app, &tenant, json_body(&req)?, now()).await?,
    )
}

/// `GET /api/v1/event-subscription`
pub async fn list(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    let tenant = super::tenant(app, &req, SCOPE).await?;
    json(200, &svc::list_subscriptions(app, &tenant).await?)
}

/// `GET /api/v1/event-subscription/{id}`
pub async fn get(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    let tenant = super::tenant(app, &req, SCOPE).await?;
    let id: String = path_param(&req, "id")?;
    json(200, &svc::get_subscription(app, &tenant, &id).await?)
}

/// `PUT /api/v1/event-subscription/{id}/deactivate`
pub async fn deactivate(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    let tenant = super::tenant(app, &req, SCOPE).await?;
    let id: String = path_param(&req, "id")?;
    json(
        200,
        &svc::deactivate_subscription(app, &tenant, &id, now()).await?,
    )
}
