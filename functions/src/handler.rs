//! The kinds of handler a function can run, and the macros that make a registry line of each
//! from a plain `async fn` ([`crate::registry`] is the table of them).

use std::future::Future;
use std::pin::Pin;

use aws_lambda_events::event::dynamodb::Event as DynamoDbEvent;
use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use aws_lambda_events::event::streams::DynamoDbEventResponse;
use lambda_http::Request;
use shared::ApiError;
use shared::App;
use shared::edge::http::Family;
use shared::edge::http::HttpResponse;
use shared::kernel::time::Timestamp;

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
///
/// The name is never written by hand: the macros below derive it from the code's path under
/// `functions/src`, `::` becoming `.`, so the template's `Handler` leads to the code in one
/// hop. A route or task names its function (`offers.outbox.offers.create` is
/// `offers::outbox::offers::create`); a stream, queue or schedule consumer is a module whose
/// one entry point is `call`, and names that module (`events.publish` is
/// `events::publish::call`).
pub struct Entry {
    pub name: &'static str,
    pub handler: Handler,
}

/// An HTTP route's line: `async fn(&App, Request) -> Result<HttpResponse, ApiError>`, its
/// errors rendered in the family's shape.
macro_rules! route {
    ($family:expr, $first:ident $(:: $rest:ident)*) => {{
        fn call(app: &App, req: Request) -> BoxFuture<'_, HttpResponse> {
            Box::pin(async move {
                let path = req.uri().path().to_owned();
                shared::edge::http::respond($family, &path, $first $(:: $rest)*(app, req).await)
            })
        }
        Entry {
            name: $crate::handler::handler_name!($first $(:: $rest)*),
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
    ($first:ident $(:: $rest:ident)*) => {{
        fn call(
            app: &App,
            input: serde_json::Value,
        ) -> BoxFuture<'_, Result<serde_json::Value, ApiError>> {
            Box::pin(async move {
                let input = serde_json::from_value(input)
                    .map_err(|e| ApiError::bad_request(format!("task input: {e}")))?;
                let output = $first $(:: $rest)*(app, input).await?;
                serde_json::to_value(output).map_err(ApiError::internal)
            })
        }
        Entry {
            name: $crate::handler::handler_name!($first $(:: $rest)*),
            handler: Handler::Task(call),
        }
    }};
}

/// A DynamoDB stream consumer's line.
macro_rules! stream {
    ($first:ident $(:: $rest:ident)*) => {
        Entry {
            name: $crate::handler::handler_name!($first $(:: $rest)*),
            handler: Handler::DynamoDbStream($first $(:: $rest)*::call),
        }
    };
}

/// An SQS consumer's line.
macro_rules! queue {
    ($first:ident $(:: $rest:ident)*) => {
        Entry {
            name: $crate::handler::handler_name!($first $(:: $rest)*),
            handler: Handler::Queue($first $(:: $rest)*::call),
        }
    };
}

/// A schedule target's line.
macro_rules! schedule {
    ($first:ident $(:: $rest:ident)*) => {
        Entry {
            name: $crate::handler::handler_name!($first $(:: $rest)*),
            handler: Handler::Schedule($first $(:: $rest)*::call),
        }
    };
}

/// A code path's handler name: its segments joined by dots, at compile time.
macro_rules! handler_name {
    ($first:ident $(:: $rest:ident)*) => {
        concat!(stringify!($first) $(, ".", stringify!($rest))*)
    };
}

pub(crate) use {handler_name, queue, route, schedule, stream, task};
