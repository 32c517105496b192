//! `collector.dispatch`: tenant events from the table's stream → one job per subscription that
//! wants them on the collector delivery queue (`shared::collector::dispatch`).

use aws_lambda_events::event::dynamodb::Event;
use aws_lambda_events::event::streams::DynamoDbEventResponse;
use shared::App;

use crate::handler::BoxFuture;

pub fn call(app: &App, event: Event) -> BoxFuture<'_, DynamoDbEventResponse> {
    Box::pin(async move { shared::collector::dispatch::fan_out_stream_batch(app, &event).await })
}
