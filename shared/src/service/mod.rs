//! Use cases: read state, ask the pure domain for a decision, write state and events in one
//! transaction, retrying when a concurrent request won the race. Handlers call these after
//! authenticating and parsing; nothing here knows about HTTP.

pub mod auto_sign_up;
pub mod collector;
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
    let mut unique: Vec<OrgId> = Vec::new();
    for id in ids {
        if !unique.contains(&id) {
            unique.push(id);
        }
    }
    Ok(app
        .db
        .get_orgs(&unique)
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
