//! `offers.retire_offers`: DynamoDB stream (offers removed by TTL) → the rest of each offer
//! goes and its demand's counts stop counting it (`shared::marketplace::usecases::offers`,
//! `retire_removed_offers`).

use aws_lambda_events::event::dynamodb::Event;
use aws_lambda_events::event::streams::DynamoDbEventResponse;
use shared::App;

use crate::handler::BoxFuture;

pub fn call(app: &App, event: Event) -> BoxFuture<'_, DynamoDbEventResponse> {
    Box::pin(async move {
        let now = shared::kernel::time::now();
        let (response, report) =
            shared::marketplace::usecases::offers::retire_removed_offers(app, &event, now).await;
        tracing::info!(?report, "offers retired");
        response
    })
}
