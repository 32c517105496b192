//! `/offers/v1/inbox/work_sessions/{start,end}`: the supplier clocks in and out of a visit.

use lambda_http::Request;
use shared::ApiError;
use shared::App;
use shared::edge::http::{HttpResponse, authenticate, json, json_body, no_content};
use shared::marketplace::usecases::visits as svc;
use shared::marketplace::wire::visits::{StartWorkSessionRequest, StartWorkSessionResponse};

/// `POST /offers/v1/inbox/work_sessions/start`
pub async fn start(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    let supplier = authenticate(app, &req).await?.org_admin()?;
    let request: StartWorkSessionRequest = json_body(&req)?;
    let id = svc::start_session(app, supplier, &request).await?;
    json(201, &StartWorkSessionResponse { id, request })
}

/// `POST /offers/v1/inbox/work_sessions/end`
pub async fn end(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    let supplier = authenticate(app, &req).await?.org_admin()?;
    svc::end_session(app, supplier, json_body(&req)?).await?;
    no_content()
}
