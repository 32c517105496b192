//! `/notification/v1/subscriptions[/{id}[/notifications]]`. Administrator scope creates and
//! deletes; consumer scope (the subscription's own client) reads and pulls.

use lambda_http::{Request, RequestExt};
use shared::ApiError;
use shared::App;
use shared::edge::codes::notification as codes;
use shared::edge::http::{HttpResponse, authenticate_machine, json, json_body, no_content};
use shared::edge::keyed::once;
use shared::identity::oauth::Scope;
use shared::notification::rules::SubscriptionState;
use shared::notification::rules::valid_subscription_id;
use shared::notification::usecases as svc;
use shared::notification::wire::{NewSubscription, NotificationPage, SubscriptionView};

/// The `{id}` path parameter (`NOT000006` when malformed).
fn subscription_id(req: &Request) -> Result<String, ApiError> {
    let raw = req
        .path_parameters_ref()
        .and_then(|p| p.first("id"))
        .unwrap_or_default();
    if valid_subscription_id(raw) {
        Ok(raw.to_owned())
    } else {
        Err(ApiError::bad_request(format!(
            "Invalid subscription id {raw:?}: expected the id a subscription was created \
                 with, 1 to 128 letters, digits, '.', '_' or '-'"
        ))
        .with_code(codes::INVALID_SUBSCRIPTION_ID))
    }
}

/// The absolute URL of a subscription's notifications endpoint, on the host the caller used.
fn notifications_url(req: &Request, id: &str) -> String {
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let host = header("host").unwrap_or_else(|| "localhost".into());
    let scheme = header("x-forwarded-proto").unwrap_or_else(|| "https".into());
    format!("{scheme}://{host}/notification/v1/subscriptions/{id}/notifications")
}

/// `POST /notification/v1/subscriptions` (with an optional `Idempotency-Key`, private to the
/// tenant).
pub async fn create(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    let admin = authenticate_machine(app, &req, Scope::NotificationAdministrator).await?;
    let body: NewSubscription = json_body(&req)?;
    let view = |s: &SubscriptionState| {
        SubscriptionView::new(s, notifications_url(&req, &s.subscription.id))
    };
    once(app, &req, &admin.tenant.to_string(), 201, |key| {
        svc::create(app, &admin, body, key, view)
    })
    .await
}

/// `GET /notification/v1/subscriptions/{id}`
pub async fn get(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    let consumer = authenticate_machine(app, &req, Scope::NotificationConsumer).await?;
    let id = subscription_id(&req)?;
    let state = svc::get(app, &consumer, &id).await?;
    json(
        200,
        &SubscriptionView::new(&state, notifications_url(&req, &id)),
    )
}

/// `DELETE /notification/v1/subscriptions/{id}`
pub async fn delete(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    let admin = authenticate_machine(app, &req, Scope::NotificationAdministrator).await?;
    let id = subscription_id(&req)?;
    svc::delete(app, &admin, &id).await?;
    no_content()
}

/// `GET /notification/v1/subscriptions/{id}/notifications` (not idempotent: what it returns
/// is never returned again).
pub async fn notifications(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    let consumer = authenticate_machine(app, &req, Scope::NotificationConsumer).await?;
    let id = subscription_id(&req)?;
    json(
        200,
        &NotificationPage::from(svc::pull(app, &consumer, &id).await?),
    )
}
