//! Read, decide, write with a condition on what was read, and decide again when a concurrent
//! request wrote first: the retry loop every transition's use case runs.

use crate::edge::error::ApiError;
use crate::store::DbError;

/// How often a transition is re-read and re-decided after losing a race before giving up
/// with a 409. Losing means another request changed the same offer in between.
pub const MAX_ATTEMPTS: usize = 8;

/// The pause after losing race `attempt`, growing so that racing writers spread out.
pub(crate) async fn backoff(attempt: usize) {
    tokio::time::sleep(std::time::Duration::from_millis(5 * (attempt as u64 + 1))).await;
}

/// Read, decide, write with a condition on what was read; when another request wrote first,
/// read and decide again. `attempt` answers `Ok(None)` when it lost such a race (see
/// [`won`]). After [`MAX_ATTEMPTS`] lost races the answer is a 409 with `busy`.
pub(crate) async fn retry_lost_races<T, F, Fut>(busy: &str, mut attempt: F) -> Result<T, ApiError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<Option<T>, ApiError>>,
{
    for n in 0..MAX_ATTEMPTS {
        if let Some(done) = attempt().await? {
            return Ok(done);
        }
        tracing::debug!(
            attempt = n,
            "lost a race to a concurrent write; deciding again"
        );
        backoff(n).await;
    }
    Err(ApiError::conflict(busy))
}

/// A conditional write's result, as one attempt of [`retry_lost_races`] sees it: a failed
/// condition is a lost race (`None`), any other error ends the request.
pub(crate) fn won<T>(written: Result<T, DbError>) -> Result<Option<T>, ApiError> {
    match written {
        Ok(v) => Ok(Some(v)),
        Err(DbError::ConditionFailed) => Ok(None),
        Err(e) => Err(e.into()),
    }
}
