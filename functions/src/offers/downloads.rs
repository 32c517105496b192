//! `/offers/v1/downloads/{token}`: where pre-signed URLs lead (no `Authorization`: the token
//! is the credential).

use lambda_http::Request;
use shared::ApiError;
use shared::App;
use shared::edge::http::{HttpResponse, path_param, redirect};
use shared::marketplace::usecases::downloads as svc;

/// `GET /offers/v1/downloads/{token}`: a redirect to the file.
pub async fn get(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    let token: String = path_param(&req, "token")?;
    redirect(&svc::resolve(app, &token).await?)
}
