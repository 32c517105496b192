//! The one Lambda artifact. Every function in template.yaml runs this binary; `_HANDLER` (the
//! function's `Handler` property) selects which registered handler serves it.

use aws_lambda_events::event::cloudwatch_events::CloudWatchEvent;
use aws_lambda_events::event::dynamodb::Event as DynamoDbEvent;
use functions::Handler;
use lambda_runtime::{Diagnostic, Error, LambdaEvent, service_fn};
use shared::App;

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let name =
        std::env::var("_HANDLER").map_err(|_| "_HANDLER is not set: set the function's Handler")?;
    let entry =
        functions::find(&name).ok_or_else(|| format!("no handler is registered as {name:?}"))?;
    // Built once per execution environment and shared by every invocation it serves.
    let app: &'static App = Box::leak(Box::new(App::from_env()?));
    match entry.handler {
        Handler::Http { call, .. } => {
            lambda_http::run(service_fn(move |req| async move {
                Ok::<_, Error>(call(app, req).await)
            }))
            .await
        }
        Handler::DynamoDbStream(call) => {
            lambda_runtime::run(service_fn(
                move |event: LambdaEvent<DynamoDbEvent>| async move {
                    Ok::<_, Error>(call(app, event.payload).await)
                },
            ))
            .await
        }
        Handler::Schedule(call) => {
            lambda_runtime::run(service_fn(
                move |event: LambdaEvent<CloudWatchEvent>| async move {
                    call(app, event.payload.time).await.map_err(Error::from)
                },
            ))
            .await
        }
        Handler::Task(call) => {
            lambda_runtime::run(service_fn(
                move |event: LambdaEvent<serde_json::Value>| async move {
                    call(app, event.payload).await.map_err(|e| {
                        if let Some(detail) = &e.internal {
                            tracing::error!(error = %detail, "task failed");
                        }
                        Diagnostic {
                            error_type: functions::registry::task_error_name(&e).to_owned(),
                            error_message: e.message,
                        }
                    })
                },
            ))
            .await
        }
    }
}
