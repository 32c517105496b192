//! `/api/v1/event-subscription[/{id}[/deactivate]]`.

use lambda_http::Request;
use shared::ApiError;
use shared::App;
use shared::collector::usecases as svc;
use shared::collector::wire::{DeactivateResponse, EventSubscription};
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
        svc::create_subscription(app, &tenant, body, now(), key, |s| {
            EventSubscription::from(s)
        })
    })
    .await
}

/// `PUT /api/v1/event-subscription` (the body's `id` names the subscription)
pub async fn update(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    let tenant = super::tenant(app, &req, SCOPE).await?;
    let updated = svc::update_subscription(app, &tenant, json_body(&req)?, now()).await?;
    json(200, &EventSubscription::from(&updated))
}

/// `GET /api/v1/event-subscription`
pub async fn list(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    let tenant = super::tenant(app, &req, SCOPE).await?;
    let subscriptions = svc::list_subscriptions(app, &tenant).await?;
    let views: Vec<EventSubscription> = subscriptions.iter().map(EventSubscription::from).collect();
    json(200, &views)
}

/// `GET /api/v1/event-subscription/{id}`
pub async fn get(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    let tenant = super::tenant(app, &req, SCOPE).await?;
    let id: String = path_param(&req, "id")?;
    let subscription = svc::get_subscription(app, &tenant, &id).await?;
    json(200, &EventSubscription::from(&subscription))
}

/// `PUT /api/v1/event-subscription/{id}/deactivate`
pub async fn deactivate(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    let tenant = super::tenant(app, &req, SCOPE).await?;
    let id: String = path_param(&req, "id")?;
    svc::deactivate_subscription(app, &tenant, &id, now()).await?;
    json(200, &DeactivateResponse::accepted())
}
