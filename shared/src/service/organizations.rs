//! Organization settings used by the offers API.

use crate::app::App;
use crate::domain::organization::{AssignmentMode, Organization};
use crate::error::ApiError;
use crate::ids::OrgId;

/// The caller's organization, which must hold an active demand persona.
pub async fn demand_org(app: &App, id: OrgId) -> Result<Organization, ApiError> {
    let org = app
        .db
        .get_org(id)
        .await?
        .ok_or_else(|| ApiError::not_found("Demand persona"))?;
    if !org.is_active_demand() {
        return Err(ApiError::not_found("Demand persona"));
    }
    Ok(org)
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
