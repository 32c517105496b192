//! `events.hub_send`: the hub delivery queue → one signed POST per job
//! (`shared::service::hub`).

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use shared::App;

use crate::handler::BoxFuture;

pub fn call(app: &App, event: SqsEvent) -> BoxFuture<'_, SqsBatchResponse> {
    Box::pin(async move { shared::service::hub::send_queue_batch(app, event).await })
}
