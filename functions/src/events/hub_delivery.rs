//! `events.hub_delivery`: DynamoDB stream → one job per matching hub subscription on the hub
//! delivery queue (`shared::listener::hub`).

use aws_lambda_events::event::dynamodb::Event;
use aws_lambda_events::event::streams::DynamoDbEventResponse;
use shared::App;

use crate::handler::BoxFuture;

pub fn call(app: &App, event: Event) -> BoxFuture<'_, DynamoDbEventResponse> {
    Box::pin(async move { shared::listener::hub::fan_out_stream_batch(app, &event).await })
}
