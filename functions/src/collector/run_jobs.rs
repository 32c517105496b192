//! `collector.run_jobs`: the once-a-minute scheduler of notification jobs. The scheduled
//! event's `time` is the clock, so a duplicated or retried invocation decides the same runs.

use shared::ApiError;
use shared::App;
use shared::kernel::time::Timestamp;

use crate::handler::BoxFuture;

pub fn call(app: &App, time: Timestamp) -> BoxFuture<'_, Result<serde_json::Value, ApiError>> {
    Box::pin(async move {
        let report = shared::collector::usecases::run_due_jobs(app, time).await?;
        tracing::info!(?report, "jobs run");
        serde_json::to_value(report).map_err(ApiError::internal)
    })
}
