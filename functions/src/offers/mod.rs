//! `/offers/v1/*`: the Offers API.

pub mod demand_personas;
pub mod downloads;
pub mod expire_offers;
pub mod inbox;
mod messages;
pub mod outbox;
pub mod project_inbox;
pub mod retire_offers;
pub mod sys_admin;

use lambda_http::Request;
use shared::ApiError;
use shared::App;
use shared::edge::http::{HttpResponse, json};
use shared::identity::wire::HealthResponse;

pub async fn healthz(_app: &App, _req: Request) -> Result<HttpResponse, ApiError> {
    json(
        200,
        &HealthResponse {
            status: "ok".into(),
        },
    )
}
