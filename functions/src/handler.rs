//! The kinds of handler a function can run, and the macros that make a registry line of each
//! from a plain `async fn` ([`crate::registry`] is the table of them).
//!
//! Every line's code runs its invocation in the function's metrics scope
//! ([`shared::infra::metrics`]), which writes what the invocation recorded once it ends: the
//! macros' wrappers are the one place every HTTP route, stream, queue, schedule and task
//! invocation passes through, in Lambda and in the local stack alike. A route records its
//! request, error and latency; a stream or queue consumer its records and the ones it reported.

use std::future::Future;
use std::pin::Pin;
use std::time::Instant;

pub use aws_lambda_events::event::dynamodb::Event as DynamoDbEvent;
pub use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
pub use aws_lambda_events::event::streams::DynamoDbEventResponse;
use lambda_http::Request;
use shared::ApiError;
use shared::App;
use shared::edge::http::Family;
use shared::edge::http::HttpResponse;
use shared::infra::metrics::{self, Kind, Metric, Unit};
pub use shared::kernel::time::Timestamp;
use tracing::Instrument as _;

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

/// HTTP requests served, by operation (the handler's name, `offers.outbox.offers.create`).
pub static REQUESTS: Metric = Metric {
    name: "Requests",
    unit: Unit::Count,
    kind: Kind::Counter,
    dimensions: &["Operation"],
    sets: &[&["Operation"]],
};

/// Requests answered 4xx or 5xx, and failed schedule and task invocations: by operation and
/// status class (`4xx`, `5xx`), and by error kind (`not_found`, `internal_error`, ...) over
/// all operations.
pub static ERRORS: Metric = Metric {
    name: "Errors",
    unit: Unit::Count,
    kind: Kind::Counter,
    dimensions: &["Operation", "StatusClass", "ErrorKind"],
    sets: &[&["Operation", "StatusClass"], &["ErrorKind"]],
};

/// How long a route's handler took, by operation: each request's value, so CloudWatch
/// has the percentiles.
pub static LATENCY: Metric = Metric {
    name: "Latency",
    unit: Unit::Milliseconds,
    kind: Kind::Distribution,
    dimensions: &["Operation"],
    sets: &[&["Operation"]],
};

/// Records handed to a stream or queue consumer, by operation.
pub static RECORDS: Metric = Metric {
    name: "Records",
    unit: Unit::Count,
    kind: Kind::Counter,
    dimensions: &["Operation"],
    sets: &[&["Operation"]],
};

/// Records a stream or queue consumer reported in `batchItemFailures`, by operation.
pub static BATCH_ITEM_FAILURES: Metric = Metric {
    name: "BatchItemFailures",
    unit: Unit::Count,
    kind: Kind::Counter,
    dimensions: &["Operation"],
    sets: &[&["Operation"]],
};

/// The API Gateway request id of a route's request (what its access log shows), when the
/// event has one.
pub fn api_request_id(req: &Request) -> Option<String> {
    use lambda_http::RequestExt;
    use lambda_http::request::RequestContext;
    match req.request_context_ref()? {
        RequestContext::ApiGatewayV2(c) => c.request_id.clone(),
        _ => None,
    }
}

/// The span every log line of a route's request is written in: its operation and API Gateway
/// request id, and, once [`shared::edge::http::authenticate`] knows them, the organization or
/// tenant (never a token). On Lambda it sits inside the runtime's own span, which names the
/// invocation's `requestId`.
pub fn request_span(operation: &'static str, api_request_id: Option<&str>) -> tracing::Span {
    tracing::info_span!(
        "request",
        operation,
        api_request_id,
        organization_id = tracing::field::Empty,
        tenant = tracing::field::Empty,
    )
}

/// The span of a consumer's, schedule's or task's invocation: its operation.
fn invocation_span(operation: &'static str) -> tracing::Span {
    tracing::info_span!("invocation", operation)
}

/// Records one request of `operation`, begun at `started`, and how it ended.
pub fn record_http(
    operation: &'static str,
    api_request_id: Option<String>,
    started: Instant,
    result: &Result<HttpResponse, ApiError>,
) {
    metrics::record(&REQUESTS, 1.0, &[operation]);
    // Microseconds are precision enough, and keep the log line short.
    let ms = (started.elapsed().as_secs_f64() * 1e6).round() / 1e3;
    metrics::record(&LATENCY, ms, &[operation]);
    let status = match result {
        Ok(response) => response.status(),
        Err(e) => e.status(),
    };
    metrics::property("StatusCode", status.as_u16());
    if let Some(id) = api_request_id {
        metrics::property("ApiRequestId", id);
    }
    let kind = match result {
        Err(e) => e.kind.code(),
        // A handler's own error status, not an `ApiError`.
        Ok(_) => "other",
    };
    record_error(operation, status, kind);
}

/// Counts an error status (4xx, 5xx) of `operation` as [`ERRORS`]; other statuses not.
fn record_error(operation: &'static str, status: http::StatusCode, kind: &str) {
    let class = match status.as_u16() {
        400..=499 => "4xx",
        500..=599 => "5xx",
        _ => return,
    };
    metrics::record(&ERRORS, 1.0, &[operation, class, kind]);
}

/// A stream consumer's invocation: `call` in the metrics scope, its records counted.
pub fn observe_stream<'a>(
    app: &'a App,
    operation: &'static str,
    event: DynamoDbEvent,
    call: StreamFn,
) -> BoxFuture<'a, DynamoDbEventResponse> {
    in_invocation(app, operation, async move {
        let records = event.records.len();
        let response = call(app, event).await;
        record_batch(operation, records, response.batch_item_failures.len());
        response
    })
}

/// A queue consumer's invocation: `call` in the metrics scope, its messages counted.
pub fn observe_queue<'a>(
    app: &'a App,
    operation: &'static str,
    event: SqsEvent,
    call: QueueFn,
) -> BoxFuture<'a, SqsBatchResponse> {
    in_invocation(app, operation, async move {
        let records = event.records.len();
        let response = call(app, event).await;
        record_batch(operation, records, response.batch_item_failures.len());
        response
    })
}

/// `work`, one consumer's, schedule's or task's invocation, in its metrics scope and its span.
fn in_invocation<'a, T: 'a>(
    app: &'a App,
    operation: &'static str,
    work: impl Future<Output = T> + Send + 'a,
) -> BoxFuture<'a, T> {
    Box::pin(
        app.metrics
            .scope(work)
            .instrument(invocation_span(operation)),
    )
}

fn record_batch(operation: &'static str, records: usize, failed: usize) {
    metrics::record(&RECORDS, records as f64, &[operation]);
    metrics::record(&BATCH_ITEM_FAILURES, failed as f64, &[operation]);
}

/// A scheduled invocation: `call` in the metrics scope, a failure counted.
pub fn observe_schedule<'a>(
    app: &'a App,
    operation: &'static str,
    time: Timestamp,
    call: ScheduleFn,
) -> BoxFuture<'a, Result<serde_json::Value, ApiError>> {
    observe_outcome(app, operation, call(app, time))
}

/// A Task state's invocation: `call` in the metrics scope, a failure counted.
pub fn observe_task<'a>(
    app: &'a App,
    operation: &'static str,
    input: serde_json::Value,
    call: TaskFn,
) -> BoxFuture<'a, Result<serde_json::Value, ApiError>> {
    observe_outcome(app, operation, call(app, input))
}

/// `work` (a handler's future, which runs only when polled) in the metrics scope and the
/// invocation's span, a failure counted.
fn observe_outcome<'a>(
    app: &'a App,
    operation: &'static str,
    work: BoxFuture<'a, Result<serde_json::Value, ApiError>>,
) -> BoxFuture<'a, Result<serde_json::Value, ApiError>> {
    in_invocation(app, operation, async move {
        let result = work.await;
        if let Err(e) = &result {
            record_error(operation, e.status(), e.kind.code());
        }
        result
    })
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
/// errors rendered in the family's shape, its request counted ([`record_http`]).
macro_rules! route {
    ($family:expr, $first:ident $(:: $rest:ident)*) => {{
        fn call(app: &App, req: Request) -> BoxFuture<'_, HttpResponse> {
            use tracing::Instrument as _;
            let name = $crate::handler::handler_name!($first $(:: $rest)*);
            let request_id = $crate::handler::api_request_id(&req);
            let span = $crate::handler::request_span(name, request_id.as_deref());
            Box::pin(app.metrics.scope(async move {
                let path = req.uri().path().to_owned();
                let started = std::time::Instant::now();
                let result = $first $(:: $rest)*(app, req).await;
                $crate::handler::record_http(name, request_id, started, &result);
                shared::edge::http::respond($family, &path, result)
            }.instrument(span)))
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
        fn run(
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
        fn call(
            app: &App,
            input: serde_json::Value,
        ) -> BoxFuture<'_, Result<serde_json::Value, ApiError>> {
            let name = $crate::handler::handler_name!($first $(:: $rest)*);
            $crate::handler::observe_task(app, name, input, run)
        }
        Entry {
            name: $crate::handler::handler_name!($first $(:: $rest)*),
            handler: Handler::Task(call),
        }
    }};
}

/// A DynamoDB stream consumer's line.
macro_rules! stream {
    ($first:ident $(:: $rest:ident)*) => {{
        fn call(
            app: &App,
            event: $crate::handler::DynamoDbEvent,
        ) -> BoxFuture<'_, $crate::handler::DynamoDbEventResponse> {
            let name = $crate::handler::handler_name!($first $(:: $rest)*);
            $crate::handler::observe_stream(app, name, event, $first $(:: $rest)*::call)
        }
        Entry {
            name: $crate::handler::handler_name!($first $(:: $rest)*),
            handler: Handler::DynamoDbStream(call),
        }
    }};
}

/// An SQS consumer's line.
macro_rules! queue {
    ($first:ident $(:: $rest:ident)*) => {{
        fn call(
            app: &App,
            event: $crate::handler::SqsEvent,
        ) -> BoxFuture<'_, $crate::handler::SqsBatchResponse> {
            let name = $crate::handler::handler_name!($first $(:: $rest)*);
            $crate::handler::observe_queue(app, name, event, $first $(:: $rest)*::call)
        }
        Entry {
            name: $crate::handler::handler_name!($first $(:: $rest)*),
            handler: Handler::Queue(call),
        }
    }};
}

/// A schedule target's line.
macro_rules! schedule {
    ($first:ident $(:: $rest:ident)*) => {{
        fn call(
            app: &App,
            time: $crate::handler::Timestamp,
        ) -> BoxFuture<'_, Result<serde_json::Value, ApiError>> {
            let name = $crate::handler::handler_name!($first $(:: $rest)*);
            $crate::handler::observe_schedule(app, name, time, $first $(:: $rest)*::call)
        }
        Entry {
            name: $crate::handler::handler_name!($first $(:: $rest)*),
            handler: Handler::Schedule(call),
        }
    }};
}

/// A code path's handler name: its segments joined by dots, at compile time.
macro_rules! handler_name {
    ($first:ident $(:: $rest:ident)*) => {
        concat!(stringify!($first) $(, ".", stringify!($rest))*)
    };
}

pub(crate) use {handler_name, queue, route, schedule, stream, task};
