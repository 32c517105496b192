//! The expiry job: open offers past `expires_at` expire, each in its own transaction.

use crate::edge::error::ApiError;
use crate::events::EventRecord;
use crate::infra::app::App;
use crate::kernel::time::Timestamp;
use crate::store::db::DbError;

use crate::store::races::MAX_ATTEMPTS;

/// What one run of the expiry job did.
#[derive(Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct ExpiryReport {
    pub expired: usize,
    /// Due offers that another request (or a concurrent run) ended first.
    pub already_ended: usize,
}

/// Expires every open offer whose `expires_at` is at or before `now` (the scheduled event's
/// time), each in its own transaction with its `OfferExpired` events. An offer accepted,
/// closed or assigned meanwhile keeps that outcome: the write is conditioned on the version
/// read, and a lost race is decided again on the new state.
pub async fn expire_due(app: &App, now: Timestamp) -> Result<ExpiryReport, ApiError> {
    let mut report = ExpiryReport::default();
    'offers: for id in app.db.offers_due_to_expire(now).await? {
        for attempt in 0..MAX_ATTEMPTS {
            let Some(state) = app.db.load_offer(id).await? else {
                continue 'offers;
            };
            let t = match state.expire(now) {
                Ok(t) => t,
                Err(_) => {
                    report.already_ended += 1;
                    continue 'offers;
                }
            };
            let events: Vec<EventRecord> = t
                .notices
                .iter()
                .map(|n| {
                    EventRecord::offer(n.channel, n.name, n.recipients.clone(), id, now)
                        .versioned(id, t.offer.version)
                })
                .collect();
            match app
                .db
                .apply_offer_transition(&state, &t, None, &events, None, None)
                .await
            {
                Ok(()) => {
                    report.expired += 1;
                    continue 'offers;
                }
                Err(DbError::ConditionFailed) => {
                    tracing::debug!(%id, attempt, "offer changed while expiring; deciding again");
                }
                Err(e) => return Err(e.into()),
            }
        }
        tracing::warn!(%id, "offer kept changing; the next run expires it");
    }
    Ok(report)
}
