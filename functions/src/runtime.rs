//! What every binary runs: pick the function's handler from the binary's own list and serve it
//! through the Lambda Runtime API. The dispatch on the handler's kind lives here, once, so a new
//! kind of handler is added in one place for every binary.

use aws_lambda_events::event::cloudwatch_events::CloudWatchEvent;
use aws_lambda_events::event::dynamodb::Event as DynamoDbEvent;
use aws_lambda_events::event::sqs::SqsEvent;
use lambda_http::RequestExt;
use lambda_runtime::{Context, Diagnostic, Error, LambdaEvent, service_fn};
use shared::App;
use shared::infra::metrics;

use crate::handler::{Entry, Handler};

/// Serves the handler that `_HANDLER` (the function's `Handler` property) names among
/// `entries`, the list of the stack whose binary this is. `binary` is only for the message when
/// the handler is not in the list: that means the function's `BuildProperties.Binary` names
/// another stack's binary, and it fails at init rather than at the first request.
///
/// Only `entries` is searched, never the whole registry: a reference to every list would link
/// every handler into every binary.
pub async fn run(binary: &str, entries: &'static [Entry]) -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let name =
        std::env::var("_HANDLER").map_err(|_| "_HANDLER is not set: set the function's Handler")?;
    let entry = entries.iter().find(|e| e.name == name).ok_or_else(|| {
        format!(
            "handler {name:?} is not in the {binary:?} binary, which serves the {} handlers of \
             stacks/{binary}.yaml: set the function's BuildProperties.Binary to the binary of \
             the stack that declares it",
            entries.len()
        )
    })?;
    // Built once per execution environment and shared by every invocation it serves.
    let app: &'static App = Box::leak(Box::new(App::from_env()?));
    // Each invocation runs in a metrics scope that first names its Lambda request (and trace),
    // so the handler's documents, written when it ends, can be joined to its log lines.
    match entry.handler {
        Handler::Http { call, .. } => {
            lambda_http::run(service_fn(move |req: lambda_http::Request| async move {
                let response = app.metrics.scope(async move {
                    if let Some(context) = req.lambda_context_ref() {
                        name_invocation(context);
                    }
                    call(app, req).await
                });
                Ok::<_, Error>(response.await)
            }))
            .await
        }
        Handler::DynamoDbStream(call) => {
            lambda_runtime::run(service_fn(
                move |event: LambdaEvent<DynamoDbEvent>| async move {
                    let response = app.metrics.scope(async move {
                        name_invocation(&event.context);
                        call(app, event.payload).await
                    });
                    Ok::<_, Error>(response.await)
                },
            ))
            .await
        }
        Handler::Queue(call) => {
            lambda_runtime::run(service_fn(move |event: LambdaEvent<SqsEvent>| async move {
                let response = app.metrics.scope(async move {
                    name_invocation(&event.context);
                    call(app, event.payload).await
                });
                Ok::<_, Error>(response.await)
            }))
            .await
        }
        Handler::Schedule(call) => {
            lambda_runtime::run(service_fn(
                move |event: LambdaEvent<CloudWatchEvent>| async move {
                    let result = app.metrics.scope(async move {
                        name_invocation(&event.context);
                        call(app, event.payload.time).await
                    });
                    result.await.map_err(Error::from)
                },
            ))
            .await
        }
        Handler::Task(call) => {
            lambda_runtime::run(service_fn(
                move |event: LambdaEvent<serde_json::Value>| async move {
                    let result = app.metrics.scope(async move {
                        name_invocation(&event.context);
                        call(app, event.payload).await
                    });
                    result.await.map_err(|e| {
                        if let Some(detail) = &e.internal {
                            tracing::error!(error = %detail, "task failed");
                        }
                        Diagnostic {
                            error_type: crate::handler::task_error_name(&e).to_owned(),
                            error_message: e.message,
                        }
                    })
                },
            ))
            .await
        }
    }
}

/// Names the running invocation in its metrics documents: its Lambda request id and X-Ray
/// trace id (neither is a secret).
fn name_invocation(context: &Context) {
    metrics::property("RequestId", context.request_id.clone());
    if let Some(trace) = &context.xray_trace_id {
        metrics::property("TraceId", trace.clone());
    }
}
