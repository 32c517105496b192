//! `POST /organizations/v1/api_keys`: the caller's organization saves the credentials of its
//! own system (sealed, never returned).

use lambda_http::Request;
use shared::ApiError;
use shared::App;
use shared::edge::http::{HttpResponse, authenticate, json_body, no_content};
use shared::marketplace::usecases::organizations as svc;
use shared::marketplace::wire::organizations::SaveApiKeysRequest;

pub async fn save(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    let org = authenticate(app, &req).await?.org_admin()?;
    let body: SaveApiKeysRequest = json_body(&req)?;
    svc::save_api_keys(app, org, body.username.as_str(), body.password.expose()).await?;
    no_content()
}
