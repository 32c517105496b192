//! The inbox projection's consumer (docs/scaling.md §4): each offer the table's stream brings
//! (created, or changed by any transition) is projected, as it is now, into every matched
//! supplier's inbox rows and counts ([`crate::marketplace::store::inbox`]).

use std::collections::HashSet;

use aws_lambda_events::event::dynamodb::{Event, EventRecord as StreamRecord};
use aws_lambda_events::event::streams::{DynamoDbBatchItemFailure, DynamoDbEventResponse};

use crate::infra::app::App;
use crate::kernel::ids::OfferId;
use crate::store::db::{DbError, KIND};
use crate::store::races::{MAX_ATTEMPTS, backoff};

/// The offer a stream record wrote; `None` for any other record (the function's filter lets
/// only written offers through, but a record is checked, not trusted).
pub fn written_offer(record: &StreamRecord) -> Option<OfferId> {
    if !matches!(record.event_name.as_str(), "INSERT" | "MODIFY") {
        return None;
    }
    let image = &record.change.new_image;
    match (image.get(KIND), image.get("id")) {
        (
            Some(serde_dynamo::AttributeValue::S(kind)),
            Some(serde_dynamo::AttributeValue::S(id)),
        ) if kind == "offer" => id.parse().ok(),
        _ => None,
    }
}

/// What one batch projected.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct ProjectionReport {
    /// Offers projected (each once per batch, however many of its records the batch holds).
    pub offers: usize,
    /// Rows written; a row already as new as its offer is not written again.
    pub rows: usize,
    /// Offers no longer in the table (retired since): nothing to project.
    pub gone: usize,
}

/// Projects each offer once, as it is when read: a later record of the same offer in the
/// batch has nothing newer to show. A failed offer is reported in `batchItemFailures`, and
/// projecting again is harmless.
pub async fn project_written_offers(
    app: &App,
    batch: &Event,
) -> (DynamoDbEventResponse, ProjectionReport) {
    let mut response = DynamoDbEventResponse::default();
    let mut report = ProjectionReport::default();
    let mut seen = HashSet::new();
    for record in &batch.records {
        let Some(id) = written_offer(record) else {
            continue;
        };
        if !seen.insert(id) {
            continue;
        }
        match project_offer(app, id).await {
            Ok(Some(rows)) => {
                report.offers += 1;
                report.rows += rows;
            }
            Ok(None) => report.gone += 1,
            Err(e) => {
                tracing::error!(event_id = %record.event_id, offer_id = %id, error = %e, "projecting an offer failed");
                response.batch_item_failures.push(failure(record));
            }
        }
    }
    (response, report)
}

/// The record to retry from, as `ReportBatchItemFailures` names it.
pub(crate) fn failure(record: &StreamRecord) -> DynamoDbBatchItemFailure {
    let mut failure = DynamoDbBatchItemFailure::default();
    failure.item_identifier = record.change.sequence_number.clone();
    failure
}

/// Projects offer `id` as it is now; after a lost race (another writer moved a row after it
/// was read), reads it again. `None`: the offer is gone.
pub async fn project_offer(app: &App, id: OfferId) -> Result<Option<usize>, DbError> {
    let mut attempt = 0;
    loop {
        let Some(state) = app.db.load_offer(id).await? else {
            return Ok(None);
        };
        match app.db.project_inbox(&state).await {
            Err(DbError::ConditionFailed) if attempt + 1 < MAX_ATTEMPTS => {
                backoff(attempt).await;
                attempt += 1;
            }
            written => return written.map(Some),
        }
    }
}
