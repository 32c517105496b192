//! The message routes of either side (`/offers/v1/{outbox,inbox}/messages…`): the same
//! adapters, told which side the caller speaks from. `outbox::messages` and `inbox::messages`
//! name them per route.

use lambda_http::Request;
use shared::ApiError;
use shared::App;
use shared::edge::http::{HttpResponse, authenticate, json, path_param, query, redirect};
use shared::edge::keyed::org_admin_creates;
use shared::infra::presign::base_url;
use shared::marketplace::message::SenderType;
use shared::marketplace::usecases::messages as svc;
use shared::marketplace::wire::messages::{MessageDetail, MessageSummary};
use shared::marketplace::wire::sequences::PresignedUrl;

/// `POST …/messages` (with an optional `Idempotency-Key`).
pub(crate) async fn send(
    app: &App,
    req: Request,
    side: SenderType,
) -> Result<HttpResponse, ApiError> {
    org_admin_creates(app, &req, |org, body, key| {
        svc::send(app, side, org, body, key, |m| MessageDetail::from(m))
    })
    .await
}

/// `GET …/messages`
pub(crate) async fn list(
    app: &App,
    req: Request,
    side: SenderType,
) -> Result<HttpResponse, ApiError> {
    let org = authenticate(app, &req).await?.org_admin()?;
    let page = svc::list(app, side, org, query(&req)?).await?;
    json(200, &page.map(|m| MessageSummary::from(&m)))
}

/// `GET …/messages/{message_id}`
pub(crate) async fn get(
    app: &App,
    req: Request,
    side: SenderType,
) -> Result<HttpResponse, ApiError> {
    let org = authenticate(app, &req).await?.org_admin()?;
    let message = svc::get(app, side, org, path_param(&req, "message_id")?).await?;
    json(200, &MessageDetail::from(&message))
}

/// The signed, expiring download URL of the file of the path.
async fn file_url(app: &App, req: &Request, side: SenderType) -> Result<String, ApiError> {
    let org = authenticate(app, req).await?.org_admin()?;
    let base = base_url(req)?;
    svc::presign_file(app, &base, side, org, path_param(req, "file_id")?).await
}

/// `GET …/messages/files/{file_id}`: the file, through a redirect to its URL (the one
/// `…/presigned` gives).
pub(crate) async fn get_file(
    app: &App,
    req: Request,
    side: SenderType,
) -> Result<HttpResponse, ApiError> {
    redirect(&file_url(app, &req, side).await?)
}

/// `GET …/messages/files/{file_id}/presigned`
pub(crate) async fn presign_file(
    app: &App,
    req: Request,
    side: SenderType,
) -> Result<HttpResponse, ApiError> {
    let url = file_url(app, &req, side).await?;
    json(200, &PresignedUrl { url })
}
