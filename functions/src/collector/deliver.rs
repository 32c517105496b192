//! `collector.deliver`: the collector delivery queue → one SQS message or SNS notification
//! per job, with the subscriber's credentials (`shared::collector::dispatch`).

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use shared::App;

use crate::handler::BoxFuture;

pub fn call(app: &App, event: SqsEvent) -> BoxFuture<'_, SqsBatchResponse> {
    Box::pin(async move { shared::collector::dispatch::send_queue_batch(app, event).await })
}
