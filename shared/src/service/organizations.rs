//! Organizations: the settings the offers API reads, and the Organizations API's use cases
//! (personas, care types, the trusted network, the directory).

use crate::api::common::CareType;
use crate::api::organizations::{
    DemandTrustedNetworkQuery, OrgListItem, OrgListQuery, SupplyTrustedNetworkQuery,
    TrustedNetworkItem,
};
use crate::app::App;
use crate::db::DbError;
use crate::domain::organization::{
    self as domain, AssignmentMode, Change, Organization, PersonaStatus,
};
use crate::error::ApiError;
use crate::events::{EventName, EventRecord};
use crate::ids::OrgId;
use crate::paging::{Page, PageRequest, SortOrder, paginate};
use crate::time::now;

use super::{MAX_ATTEMPTS, backoff};

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

/// The caller's own organization (an `org_admin` token names it). One that no longer exists
/// is a 404.
pub async fn own_org(app: &App, id: OrgId) -> Result<Organization, ApiError> {
    app.db
        .get_org(id)
        .await?
        .ok_or_else(|| ApiError::not_found("Organization"))
}

/// Read, decide, write with a version guard; on a lost race read and decide again. `decide`
/// answers `None` when the request changes nothing (no write).
async fn change_org(
    app: &App,
    id: OrgId,
    decide: impl Fn(&Organization) -> Change,
) -> Result<(), ApiError> {
    for attempt in 0..MAX_ATTEMPTS {
        let org = own_org(app, id).await?;
        let Some(next) = decide(&org) else {
            return Ok(());
        };
        // The published events of the organizations channel announce trusted-network
        // changes only; persona and care-type changes have no event to write.
        match app.db.save_org(&next, &[]).await {
            Ok(()) => return Ok(()),
            Err(DbError::ConditionFailed) => backoff(attempt).await,
            Err(e) => return Err(e.into()),
        }
    }
    Err(busy())
}

fn busy() -> ApiError {
    ApiError::conflict("The organization is being changed by other requests; retry.")
}

pub async fn set_demand_status(
    app: &App,
    id: OrgId,
    status: PersonaStatus,
) -> Result<(), ApiError> {
    change_org(app, id, |o| o.set_demand_status(status)).await
}

pub async fn set_supply_status(
    app: &App,
    id: OrgId,
    status: PersonaStatus,
) -> Result<(), ApiError> {
    change_org(app, id, |o| o.set_supply_status(status)).await
}

pub async fn set_care_types(app: &App, id: OrgId, care_types: &[CareType]) -> Result<(), ApiError> {
    change_org(app, id, |o| o.set_care_types(care_types)).await
}

/// `GET /organizations/v1`: the directory, sorted by name ascending.
pub async fn list(app: &App, q: &OrgListQuery) -> Result<Page<OrgListItem>, ApiError> {
    let page = PageRequest::parse(q.page, q.items_per_page, Some(SortOrder::Asc))?;
    let mut orgs: Vec<Organization> = app
        .db
        .list_orgs()
        .await?
        .into_iter()
        .filter(|o| q.matches(o))
        .collect();
    sort_by_name(&mut orgs, SortOrder::Asc);
    Ok(paginate(orgs, page).map(|o| OrgListItem::of(&o)))
}

fn sort_by_name(orgs: &mut [Organization], order: SortOrder) {
    orgs.sort_by(|a, b| {
        let by_name = a
            .name
            .to_lowercase()
            .cmp(&b.name.to_lowercase())
            .then_with(|| a.id.to_string().cmp(&b.id.to_string()));
        match order {
            SortOrder::Asc => by_name,
            SortOrder::Desc => by_name.reverse(),
        }
    });
}

fn network_page(mut orgs: Vec<Organization>, page: PageRequest) -> Page<TrustedNetworkItem> {
    sort_by_name(&mut orgs, page.sort_order);
    paginate(orgs, page).map(|o| TrustedNetworkItem {
        name: o.name,
        id: o.id,
    })
}

/// `GET /organizations/v1/demand_persona/trusted_network`: the caller's trusted suppliers.
pub async fn demand_trusted_network(
    app: &App,
    id: OrgId,
    q: &DemandTrustedNetworkQuery,
) -> Result<Page<TrustedNetworkItem>, ApiError> {
    let page = PageRequest::parse(
        q.page,
        q.items_per_page,
        Some(q.sort_order.unwrap_or(SortOrder::Asc)),
    )?;
    own_org(app, id).await?;
    let suppliers = app.db.trusted_suppliers(id).await?;
    let orgs: Vec<Organization> = app
        .db
        .get_orgs(&suppliers)
        .await?
        .into_iter()
        .filter(|o| q.matches(o))
        .collect();
    Ok(network_page(orgs, page))
}

/// `GET /organizations/v1/supply_persona/trusted_network`: the demand organizations whose
/// trusted network holds the caller.
pub async fn supply_trusted_network(
    app: &App,
    id: OrgId,
    q: &SupplyTrustedNetworkQuery,
) -> Result<Page<TrustedNetworkItem>, ApiError> {
    let page = PageRequest::parse(
        q.page,
        q.items_per_page,
        Some(q.sort_order.unwrap_or(SortOrder::Asc)),
    )?;
    own_org(app, id).await?;
    let demands = app.db.trusted_by(id).await?;
    let orgs = app.db.get_orgs(&demands).await?;
    Ok(network_page(orgs, page))
}

/// `POST /organizations/v1/demand_persona/trusted_network`: the network becomes exactly
/// the given suppliers; a change writes the links, the organization (version guard) and
/// `OrgTrustedNetworkUpdated` to the demand organization in one transaction.
pub async fn set_trusted_network(
    app: &App,
    id: OrgId,
    requested: &[OrgId],
) -> Result<(), ApiError> {
    let existing: Vec<OrgId> = app
        .db
        .get_orgs(requested)
        .await?
        .into_iter()
        .map(|o| o.id)
        .collect();
    for attempt in 0..MAX_ATTEMPTS {
        let org = own_org(app, id).await?;
        let current = app.db.trusted_suppliers(id).await?;
        let Some(change) = domain::set_trusted_network(&org, &current, requested, &existing)?
        else {
            return Ok(());
        };
        let mut next = org.clone();
        next.version = org.version + 1;
        let event =
            EventRecord::demand_organization(EventName::OrgTrustedNetworkUpdated, id, now());
        match app.db.apply_trusted_network(&next, &change, &[event]).await {
            Ok(()) => return Ok(()),
            Err(DbError::ConditionFailed) => backoff(attempt).await,
            Err(e) => return Err(e.into()),
        }
    }
    Err(busy())
}
