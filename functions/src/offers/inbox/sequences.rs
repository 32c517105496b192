//! `/offers/v1/inbox/sequences`.

use lambda_http::Request;
use shared::ApiError;
use shared::App;
use shared::edge::http::{HttpResponse, authenticate, json, query};
use shared::marketplace::message::SenderType;
use shared::marketplace::usecases::sequences as svc;
use shared::marketplace::wire::sequences::{SequenceSummary, SequenceView};

/// `GET /offers/v1/inbox/sequences`
pub async fn list(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    let supplier = authenticate(app, &req).await?.org_admin()?;
    let page = svc::list(app, Some((SenderType::Supply, supplier)), query(&req)?).await?;
    json(
        200,
        &page.map(|s| SequenceSummary::render(&s, SequenceView::Inbox)),
    )
}
