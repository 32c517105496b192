//! Use cases: read state, ask the pure domain for a decision, write state and events in one
//! transaction, retrying when a concurrent request won the race. Handlers call these after
//! authenticating and parsing; nothing here knows about HTTP.

pub mod auto_sign_up;
pub mod collector;
pub mod collector_dispatch;
pub mod downloads;
pub mod feed;
pub mod forms;
pub mod hub;
pub mod listener;
pub mod messages;
pub mod notification;
pub mod oauth;
pub mod offers;
pub mod organizations;
pub mod referrals;
pub mod sequences;
pub mod sign_up;
pub mod subscriptions;
pub mod sys_admin;
pub mod visits;

use std::collections::HashMap;

use crate::api::common::OrganizationLean;
use crate::app::App;
use crate::domain::organization::Organization;
use crate::error::ApiError;
use crate::ids::OrgId;

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
pub(crate) fn won<T>(written: Result<T, crate::db::DbError>) -> Result<Option<T>, ApiError> {
    match written {
        Ok(v) => Ok(Some(v)),
        Err(crate::db::DbError::ConditionFailed) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

pub fn lean(org: &Organization) -> OrganizationLean {
    OrganizationLean {
        id: org.id,
        name: org.name.clone(),
    }
}

/// The lean form of each organization, by id (unknown ids are left out).
pub async fn leans(
    app: &App,
    ids: impl IntoIterator<Item = OrgId>,
) -> Result<HashMap<OrgId, OrganizationLean>, ApiError> {
    Ok(app
        .db
        .get_orgs(&crate::ids::unique(ids))
        .await?
        .iter()
        .map(|o| (o.id, lean(o)))
        .collect())
}

/// A lean organization that must exist (a dangling reference is an internal error).
pub fn lean_of(
    map: &HashMap<OrgId, OrganizationLean>,
    id: OrgId,
) -> Result<OrganizationLean, ApiError> {
    map.get(&id)
        .cloned()
        .ok_or_else(|| ApiError::internal(format!("organization {id} is referenced but missing")))
}
