//! `offers.project_inbox`: DynamoDB stream (offers created or changed) → every matched
//! supplier's inbox row and counts follow the offer (`shared::marketplace::usecases::offers`,
//! `project_written_offers`).

use aws_lambda_events::event::dynamodb::Event;
use aws_lambda_events::event::streams::DynamoDbEventResponse;
use shared::App;

use crate::handler::BoxFuture;

pub fn call(app: &App, event: Event) -> BoxFuture<'_, DynamoDbEventResponse> {
    Box::pin(async move {
        let (response, report) =
            shared::marketplace::usecases::offers::project_written_offers(app, &event).await;
        tracing::info!(?report, "offers projected into inboxes");
        response
    })
}
