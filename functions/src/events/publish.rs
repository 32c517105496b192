//! `events.publish`: DynamoDB stream → SNS. The logic is `shared::events::publish`; this adapter only
//! supplies the SNS client, the table that knows each organization's topics, and where
//! unpublishable messages are parked.

use aws_lambda_events::event::dynamodb::Event;
use aws_lambda_events::event::streams::DynamoDbEventResponse;
use shared::App;
use shared::events::publish::QueueParking;

use crate::handler::BoxFuture;

pub fn call(app: &App, event: Event) -> BoxFuture<'_, DynamoDbEventResponse> {
    Box::pin(async move {
        let config = &app.config;
        let parking = QueueParking {
            sqs: app.aws.sqs().await,
            queue_url: &config.stream_failure_queue_url,
        };
        shared::events::publish::publish_stream_batch(
            app.aws.sns().await,
            &parking,
            &app.db,
            &event,
        )
        .await
    })
}
