//! `events.hub_send`: the hub delivery queue → one signed POST per job
//! (`shared::listener::hub`).

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use shared::App;

use crate::handler::BoxFuture;

pub fn call(app: &App, event: SqsEvent) -> BoxFuture<'_, SqsBatchResponse> {
    Box::pin(async move { shared::listener::hub::send_queue_batch(app, event).await })
}
