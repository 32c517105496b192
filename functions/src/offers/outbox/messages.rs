//! `/offers/v1/outbox/messages[/{message_id}]` and `/offers/v1/outbox/messages/files/{file_id}[/presigned]`:
//! [`crate::offers::messages`] from the demand's side.

use lambda_http::Request;
use shared::ApiError;
use shared::App;
use shared::edge::http::HttpResponse;
use shared::marketplace::message::SenderType;

use crate::offers::messages;

const SIDE: SenderType = SenderType::Demand;

/// `POST /offers/v1/outbox/messages` (with an optional `Idempotency-Key`).
pub async fn send(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    messages::send(app, req, SIDE).await
}

/// `GET /offers/v1/outbox/messages`
pub async fn list(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    messages::list(app, req, SIDE).await
}

/// `GET /offers/v1/outbox/messages/{message_id}`
pub async fn get(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    messages::get(app, req, SIDE).await
}

/// `GET /offers/v1/outbox/messages/files/{file_id}`
pub async fn get_file(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    messages::get_file(app, req, SIDE).await
}

/// `GET /offers/v1/outbox/messages/files/{file_id}/presigned`
pub async fn presign_file(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    messages::presign_file(app, req, SIDE).await
}
