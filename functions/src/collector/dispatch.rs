//! `collector.dispatch`: tenant events from the table's stream → subscribed SQS queues and SNS
//! topics (`shared::service::collector::dispatch`).

use aws_lambda_events::event::dynamodb::Event;
use aws_lambda_events::event::streams::DynamoDbEventResponse;
use shared::App;

use crate::registry::BoxFuture;

pub fn call(app: &App, event: Event) -> BoxFuture<'_, DynamoDbEventResponse> {
    Box::pin(async move { shared::service::collector::dispatch(app, &event).await })
}
