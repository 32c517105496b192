//! Use cases: read state, ask the pure rules for a decision, write state and events in one
//! transaction, retrying when a concurrent request won the race
//! ([`retry_lost_races`](crate::store::races::retry_lost_races)). Handlers call these after
//! authenticating and parsing; nothing here knows about HTTP.

pub mod downloads;
pub mod forms;
pub mod messages;
pub mod offers;
pub mod organizations;
pub mod referrals;
pub mod sequences;
pub mod subscriptions;
pub mod sys_admin;
pub mod visits;

use std::collections::HashMap;

use crate::edge::error::ApiError;
use crate::infra::app::App;
use crate::kernel::ids::OrgId;
use crate::marketplace::common::OrganizationLean;
use crate::marketplace::organization::Organization;

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
        .get_orgs(&crate::kernel::ids::unique(ids))
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
