//! The kinds of handler a function can run, and the macros that make a registry line of each
//! from a plain `async fn` ([`crate::registry`] is the table of them).

use std::future::Future;
use std::pin::Pin;

use aws_lambda_events::event::dynamodb::Event as DynamoDbEvent;
use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use aws_lambda_events::event::streams::DynamoDbEventResponse;
use lambda_http::Request;
use shared::http::Family;
use shared::http::HttpResponse;
use shared::time::Timestamp;
use shared::{ApiError, App};

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;
pub type HttpFn = for<'a> fn(&'a App, Request) -> BoxFuture<'a, HttpResponse>;
pub type StreamFn = for<'a> fn(&'a App, DynamoDbEvent) -> BoxFuture<'a, DynamoDbEventResponse>;
/// An SQS consumer: a batch of messages in, the ones to receive again out.
pub type QueueFn = for<'a> fn(&'a App, SqsEvent) -> BoxFuture<'a, SqsBatchResponse>;
/// A scheduled function, given the scheduled event's time as its clock.
pub type ScheduleFn =
    for<'a> fn(&'a App, Timestamp) -> BoxFuture<'a, Result<serde_json::Value, ApiError>>;
/// A Step Functions Task state's function: the state's input in, its result out.
pub type TaskFn =
    for<'a> fn(&'a App, serde_json::Value) -> BoxFuture<'a, Result<serde_json::Value, ApiError>>;

#[derive(Clone, Copy)]
pub enum Handler {
    /// An API Gateway HTTP API route (payload v2). Its method and path are the template's
    /// (and docs/openapi.yaml's), declared there only.
    Http {
        /// The API family, which decides the error body's shape.
        family: Family,
        call: HttpFn,
    },
    /// A DynamoDB stream consumer that reports `batchItemFailures`.
    DynamoDbStream(StreamFn),
    /// An SQS queue consumer that reports `batchItemFailures` (the delivery senders).
    Queue(QueueFn),
    /// An EventBridge schedule target.
    Schedule(ScheduleFn),
    /// A Task state of a Step Functions state machine. A failure is reported with the
    /// error kind's code as its error name ([`task_error_name`]), which the state machine's
    /// `Retry` and `Catch` match.
    Task(TaskFn),
}

/// The error name a failed task reports to Step Functions: the error kind's code
/// (`internal_error`, `conflict`, ...), stable for the state machine's `Retry` rules.
pub fn task_error_name(e: &ApiError) -> &'static str {
    e.kind.code()
}

/// One line of the registry: the name a function's `Handler` setting gives, and its code.
pub struct Entry {
    pub name: &'static str,
    pub handler: Handler,
}

/// An HTTP route's line: `async fn(&App, Request) -> Result<HttpResponse, ApiError>`, its
/// errors rendered in the family's shape.
macro_rules! route {
    ($name:literal, $family:expr, $f:path) => {{
        fn call(app: &App, req: Request) -> BoxFuture<'_, HttpResponse> {
            Box::pin(async move {
                let path = req.uri().path().to_owned();
                shared::http::respond($family, &path, $f(app, req).await)
            })
        }
        Entry {
            name: $name,
            handler: Handler::Http {
                family: $family,
                call,
            },
        }
    }};
}

/// A Task state's line: `async fn(&App, Input) -> Result<Output, ApiError>`, the state's input
/// decoded into `Input` (a 400-kind error if it does not fit) and the output encoded.
macro_rules! task {
    ($name:literal, $f:path) => {{
        fn call(
            app: &App,
            input: serde_json::Value,
        ) -> BoxFuture<'_, Result<serde_json::Value, ApiError>> {
            Box::pin(async move {
                let input = serde_json::from_value(input)
                    .map_err(|e| ApiError::bad_request(format!("task input: {e}")))?;
                let output = $f(app, input).await?;
                serde_json::to_value(output).map_err(ApiError::internal)
            })
        }
        Entry {
            name: $name,
            handler: Handler::Task(call),
        }
    }};
}

/// A DynamoDB stream consumer's line.
macro_rules! stream {
    ($name:literal, $f:path) => {
        Entry {
            name: $name,
            handler: Handler::DynamoDbStream($f),
        }
    };
}

/// An SQS consumer's line.
macro_rules! queue {
    ($name:literal, $f:path) => {
        Entry {
            name: $name,
            handler: Handler::Queue($f),
        }
    };
}

/// A schedule target's line.
macro_rules! schedule {
    ($name:literal, $f:path) => {
        Entry {
            name: $name,
            handler: Handler::Schedule($f),
        }
    };
}

pub(crate) use {queue, route, schedule, stream, task};
