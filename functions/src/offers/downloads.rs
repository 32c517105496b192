//! `/offers/v1/downloads/{token}`: where pre-signed URLs lead (no `Authorization`: the token
//! is the credential).

use lambda_http::{Body, Request, Response};
use shared::http::{HttpResponse, path_param};
use shared::service::downloads as svc;
use shared::{ApiError, App};

/// `GET /offers/v1/downloads/{token}`: a redirect to the file.
pub async fn get(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    let token: String = path_param(&req, "token")?;
    let location = svc::resolve(app, &token).await?;
    Response::builder()
        .status(302)
        .header(http::header::LOCATION, location)
        .header(http::header::CACHE_CONTROL, "no-store")
        .body(Body::Empty)
        .map_err(ApiError::internal)
}
