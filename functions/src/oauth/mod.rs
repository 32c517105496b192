//! `/auth/realms/{realm}/protocol/openid-connect/token` (the OAuth2 client-credentials token
//! endpoint, at the path The Wishlist Co.'s clients already call) and `/oauth/v1/clients`
//! (machine-client registration by a sys_admin).

use lambda_http::{Body, Request, Response};
use shared::ApiError;
use shared::App;
use shared::edge::http::{
    HttpResponse, authenticate, basic_credentials, form_body, json, json_body, no_content,
    path_param,
};
use shared::identity::clients as svc;
use shared::identity::oauth::ClientId;
use shared::identity::wire::{ClientView, TokenResponse};

/// `POST /auth/realms/{realm}/protocol/openid-connect/token`
pub async fn token(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    let realm: String = path_param(&req, "realm")?;
    let basic = basic_credentials(&req)?;
    let issued = svc::issue_token(app, &realm, form_body(&req)?, basic).await?;
    let body = serde_json::to_string(&TokenResponse::from(issued)).map_err(ApiError::internal)?;
    // RFC 6749 §5.1: token responses must not be cached.
    Response::builder()
        .status(200)
        .header(http::header::CONTENT_TYPE, "application/json")
        .header(http::header::CACHE_CONTROL, "no-store")
        .header(http::header::PRAGMA, "no-cache")
        .body(Body::Text(body))
        .map_err(ApiError::internal)
}

/// `POST /oauth/v1/clients`
pub async fn create_client(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    let identity = authenticate(app, &req).await?;
    let (client, secret) = svc::create_client(app, &identity, json_body(&req)?).await?;
    json(201, &ClientView::of(&client, Some(secret)))
}

/// `GET /oauth/v1/clients/{client_id}`
pub async fn get_client(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    let identity = authenticate(app, &req).await?;
    let id: ClientId = path_param(&req, "client_id")?;
    json(
        200,
        &ClientView::of(&svc::get_client(app, &identity, &id).await?, None),
    )
}

/// `DELETE /oauth/v1/clients/{client_id}`
pub async fn delete_client(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    let identity = authenticate(app, &req).await?;
    let id: ClientId = path_param(&req, "client_id")?;
    svc::deactivate_client(app, &identity, &id).await?;
    no_content()
}
