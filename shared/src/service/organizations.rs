//! Organization settings used by the offers API.

use crate::app::App;
use crate::domain::organization::{AssignmentMode, Organization};
use crate::error::ApiError;
use crate::ids::OrgId;

/// The caller's organization, which must hold an active demand persona: outbox operations
/// are refused (403) for an organization that only supplies.
pub async fn demand_org(app: &App, id: OrgId) -> Result<Organization, ApiError> {
    match app.db.get_org(id).await? {
        Some(org) if org.is_active_demand() => Ok(org),
        _ => Err(ApiError::forbidden(
            "The organization has no active demand persona",
        )),
    }
}

pub async fn assignment_mode(app: &App, id: OrgId) -> Result<AssignmentMode, ApiError> {
    Ok(demand_org(app, id).await?.assignment_mode())
}

pub async fn set_assignment_mode(
    app: &App,
    id: OrgId,
    mode: AssignmentMode,
) -> Result<(), ApiError> {
    let org = demand_org(app, id).await?;
    app.db.set_assignment_mode(&org, mode).await?;
    Ok(())
}
