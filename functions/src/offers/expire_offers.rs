//! `offers.expire_offers`: once a minute, open offers past `expires_at` become `expired` and
//! both sides hear `OfferExpired`. The scheduled event's `time` is the clock.

use shared::ApiError;
use shared::App;
use shared::kernel::time::Timestamp;

use crate::handler::BoxFuture;

pub fn call(app: &App, time: Timestamp) -> BoxFuture<'_, Result<serde_json::Value, ApiError>> {
    Box::pin(async move {
        let report = shared::marketplace::usecases::offers::expire_due(app, time).await?;
        tracing::info!(?report, "offers expired");
        serde_json::to_value(report).map_err(ApiError::internal)
    })
}
