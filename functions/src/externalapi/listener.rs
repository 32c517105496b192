//! `POST /externalapi/listener/v1/listener`: inbound events (`listener:events` scope).

use lambda_http::{Body, Request, Response};
use shared::ApiError;
use shared::App;
use shared::edge::http::HttpResponse;
use shared::identity::oauth::Scope;
use shared::listener::usecases as svc;

use super::{gate, json_bytes};

/// `POST /externalapi/listener/v1/listener`: 201 with the stored Listener; a repeated
/// `eventId` of the same tenant stores nothing and answers 200 with the first one.
pub async fn create(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    let client = gate(app, &req, Scope::ListenerEvents).await?;
    let (created, payload) = svc::accept_event(app, &client, json_bytes(&req)?).await?;
    Response::builder()
        .status(if created { 201 } else { 200 })
        .header(http::header::CONTENT_TYPE, "application/json;charset=utf-8")
        .body(Body::Text(payload))
        .map_err(ApiError::internal)
}
