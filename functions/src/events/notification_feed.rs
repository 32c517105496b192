//! `events.notification_feed`: DynamoDB stream → Notification feeds (`shared::service::feed`).

use aws_lambda_events::event::dynamodb::Event;
use aws_lambda_events::event::streams::DynamoDbEventResponse;
use shared::App;

use crate::handler::BoxFuture;

pub fn call(app: &App, event: Event) -> BoxFuture<'_, DynamoDbEventResponse> {
    Box::pin(async move { shared::service::feed::feed_stream_batch(app, &event).await })
}
