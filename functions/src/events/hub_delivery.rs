//! `events.hub_delivery`: DynamoDB stream → signed hub callbacks (`shared::service::hub`).

use aws_lambda_events::event::dynamodb::Event;
use aws_lambda_events::event::streams::DynamoDbEventResponse;
use shared::App;

use crate::registry::BoxFuture;

pub fn call(app: &App, event: Event) -> BoxFuture<'_, DynamoDbEventResponse> {
    Box::pin(async move { shared::service::hub::deliver_stream_batch(app, &event).await })
}
