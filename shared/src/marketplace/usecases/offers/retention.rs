//! Retention (docs/scaling.md §10): an offer that ended without a referral carries a TTL from
//! the transition that ended it; when DynamoDB removes it, the table's stream brings the
//! removal here, and the rest of the offer (its matches) goes, and its demand's counts stop
//! counting it, nor do its suppliers' inbox counts.

use aws_lambda_events::event::dynamodb::{Event, EventRecord as StreamRecord};
use aws_lambda_events::event::streams::DynamoDbEventResponse;

use crate::infra::app::App;
use crate::kernel::time::Timestamp;
use crate::marketplace::offer::Offer;
use crate::store::db::{DbError, KIND};

use super::projection::failure;

/// The offer a stream record removed; `Ok(None)` for any other record (the function's filter
/// lets only removed offers through, but a record is checked, not trusted).
pub fn removed_offer(record: &StreamRecord) -> Result<Option<Offer>, DbError> {
    if record.event_name != "REMOVE" {
        return Ok(None);
    }
    let image = &record.change.old_image;
    match image.get(KIND) {
        Some(serde_dynamo::AttributeValue::S(kind)) if kind == "offer" => {
            serde_dynamo::from_item(image.clone())
                .map(Some)
                .map_err(|e| DbError::Codec(e.to_string()))
        }
        _ => Ok(None),
    }
}

/// What one batch retired.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct RetentionReport {
    pub retired: usize,
    /// Removals seen before (a redelivered record): nothing counted twice.
    pub retired_before: usize,
}

/// Retires every offer the batch removed. Each record is tried, so one failure does not hold
/// up the rest; the failed ones are reported in `batchItemFailures`, and retiring again is
/// harmless ([`crate::store::db::Db::retire_offer`]).
pub async fn retire_removed_offers(
    app: &App,
    batch: &Event,
    at: Timestamp,
) -> (DynamoDbEventResponse, RetentionReport) {
    let mut response = DynamoDbEventResponse::default();
    let mut report = RetentionReport::default();
    for record in &batch.records {
        let outcome = match removed_offer(record) {
            Ok(Some(offer)) => app.db.retire_offer(&offer, at).await.map(Some),
            Ok(None) => Ok(None),
            Err(e) => Err(e),
        };
        match outcome {
            Ok(Some(true)) => report.retired += 1,
            Ok(Some(false)) => report.retired_before += 1,
            Ok(None) => {}
            Err(e) => {
                tracing::error!(event_id = %record.event_id, error = %e, "retiring an offer failed");
                response.batch_item_failures.push(failure(record));
            }
        }
    }
    (response, report)
}
