//! `events.publish`: DynamoDB stream → SNS. The logic is `shared::publish`; this adapter only
//! supplies the SNS client and the topic naming.

use aws_lambda_events::event::dynamodb::Event;
use aws_lambda_events::event::streams::DynamoDbEventResponse;
use shared::App;

use crate::registry::BoxFuture;

pub fn call(app: &App, event: Event) -> BoxFuture<'_, DynamoDbEventResponse> {
    Box::pin(async move {
        let config = &app.config;
        shared::publish::publish_stream_batch(
            app.aws.sns().await,
            |channel| config.topic_arn(channel),
            &event,
        )
        .await
    })
}
