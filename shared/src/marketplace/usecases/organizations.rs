//! Organizations: the settings the offers API reads, and the Organizations API's use cases
//! (personas, care types, the trusted network, the directory).

use crate::edge::error::ApiError;
use crate::events::{EventName, EventRecord};
use crate::infra::app::App;
use crate::kernel::ids::OrgId;
use crate::kernel::paging::{Page, PageRequest, SortOrder, paginate};
use crate::kernel::time::now;
use crate::marketplace::common::CareType;
use crate::marketplace::organization::{
    self as domain, AssignmentMode, Change, Organization, PersonaStatus,
};
use crate::marketplace::wire::organizations::{
    DemandTrustedNetworkQuery, OrgListQuery, SupplyTrustedNetworkQuery, SysAdminOrgListQuery,
};

use crate::store::races::retry_lost_races;

use crate::store::races::won;

/// The caller's organization, which must hold an active demand persona: outbox operations
/// are refused (403) for an organization that only supplies.
pub async fn demand_org(app: &App, id: OrgId) -> Result<Organization, ApiError> {
    active_demand(app.db.get_org(id).await?)
}

/// The organization, if it has an active demand persona (403 otherwise).
pub fn active_demand(org: Option<Organization>) -> Result<Organization, ApiError> {
    match org {
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
    let decide = &decide;
    retry_lost_races(BUSY, || async move {
        let org = own_org(app, id).await?;
        let Some(next) = decide(&org) else {
            return Ok(Some(()));
        };
        // The published events of the organizations channel announce trusted-network
        // changes only; persona and care-type changes have no event to write.
        won(app.db.save_org(&next, &[]).await)
    })
    .await
}

const BUSY: &str = "The organization is being changed by other requests; retry.";

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
pub async fn list(app: &App, q: &OrgListQuery) -> Result<Page<Organization>, ApiError> {
    directory(app, q.page, q.items_per_page, |o| q.matches(o)).await
}

/// A page of the organizations `keep` selects, by name ascending.
async fn directory(
    app: &App,
    page: Option<i64>,
    items_per_page: Option<i64>,
    keep: impl Fn(&Organization) -> bool,
) -> Result<Page<Organization>, ApiError> {
    let page = PageRequest::parse(page, items_per_page, Some(SortOrder::Asc))?;
    let mut orgs: Vec<Organization> = app.db.list_orgs().await?.into_iter().filter(keep).collect();
    sort_by_name(&mut orgs, SortOrder::Asc);
    Ok(paginate(orgs, page))
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

/// A trusted network lists by name, ascending unless asked otherwise.
fn network_paging(
    page: Option<i64>,
    items_per_page: Option<i64>,
    order: Option<SortOrder>,
) -> Result<PageRequest, ApiError> {
    PageRequest::parse(page, items_per_page, Some(order.unwrap_or(SortOrder::Asc)))
}

fn network_page(mut orgs: Vec<Organization>, page: PageRequest) -> Page<Organization> {
    sort_by_name(&mut orgs, page.sort_order);
    paginate(orgs, page)
}

/// `GET /organizations/v1/demand_persona/trusted_network`: the caller's trusted suppliers.
pub async fn demand_trusted_network(
    app: &App,
    id: OrgId,
    q: &DemandTrustedNetworkQuery,
) -> Result<Page<Organization>, ApiError> {
    let page = network_paging(q.page, q.items_per_page, q.sort_order)?;
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
) -> Result<Page<Organization>, ApiError> {
    let page = network_paging(q.page, q.items_per_page, q.sort_order)?;
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
    change_trusted_network(app, id, |_| requested.to_vec()).await
}

/// `POST sys_admin/{id}/demand_persona/trusted_network/add`: the network plus `ids`.
pub async fn add_to_trusted_network(app: &App, id: OrgId, ids: &[OrgId]) -> Result<(), ApiError> {
    change_trusted_network(app, id, |current| domain::with_added(current, ids)).await
}

/// `POST sys_admin/{id}/demand_persona/trusted_network/remove`: the network without `ids`.
pub async fn remove_from_trusted_network(
    app: &App,
    id: OrgId,
    ids: &[OrgId],
) -> Result<(), ApiError> {
    change_trusted_network(app, id, |current| domain::without(current, ids)).await
}

/// Every trusted-network edit of a demand: the next network is computed from the one read,
/// so add/remove racing each other lose nothing (the version guard makes the loser retry).
async fn change_trusted_network(
    app: &App,
    id: OrgId,
    next_network: impl Fn(&[OrgId]) -> Vec<OrgId>,
) -> Result<(), ApiError> {
    let next_network = &next_network;
    retry_lost_races(BUSY, || async move {
        let org = own_org(app, id).await?;
        let current = app.db.trusted_suppliers(id).await?;
        let requested = next_network(&current);
        let existing: Vec<OrgId> = app
            .db
            .get_orgs(&requested)
            .await?
            .into_iter()
            .map(|o| o.id)
            .collect();
        let Some(change) = domain::set_trusted_network(&org, &current, &requested, &existing)?
        else {
            return Ok(Some(()));
        };
        let mut next = org.clone();
        next.version = org.version + 1;
        let event =
            EventRecord::demand_organization(EventName::OrgTrustedNetworkUpdated, id, now());
        won(app.db.apply_trusted_network(&next, &change, &[event]).await)
    })
    .await
}

/// `POST /organizations/v1/supply_persona/trusted_network`: the supplier is in exactly the
/// given demand networks. Each demand organization whose network changes gets a new version
/// and its own `OrgTrustedNetworkUpdated`, in one transaction with the links.
pub async fn set_supplier_networks(
    app: &App,
    id: OrgId,
    requested: &[OrgId],
) -> Result<(), ApiError> {
    retry_lost_races(BUSY, || async move {
        let supply = own_org(app, id).await?;
        let current = app.db.trusted_by(id).await?;
        let mut ids = domain::with_added(&current, requested);
        ids.retain(|d| *d != id);
        let demands = app.db.get_orgs(&ids).await?;
        let Some(change) = domain::set_supplier_networks(&supply, &current, requested, &demands)?
        else {
            return Ok(Some(()));
        };
        let bumped = |which: &[OrgId]| -> Vec<Organization> {
            demands
                .iter()
                .filter(|d| which.contains(&d.id))
                .map(|d| Organization {
                    version: d.version + 1,
                    ..d.clone()
                })
                .collect()
        };
        let (joined, left) = (bumped(&change.joined), bumped(&change.left));
        let at = now();
        let events: Vec<EventRecord> = joined
            .iter()
            .chain(&left)
            .map(|d| {
                EventRecord::demand_organization(EventName::OrgTrustedNetworkUpdated, d.id, at)
            })
            .collect();
        won(app
            .db
            .apply_supplier_networks(id, &joined, &left, &events)
            .await)
    })
    .await
}

/// `GET /organizations/v1/sys_admin`: the directory with the sign-up details, by name.
pub async fn sys_admin_list(
    app: &App,
    q: &SysAdminOrgListQuery,
) -> Result<Page<Organization>, ApiError> {
    directory(app, q.page, q.items_per_page, |o| q.matches(o)).await
}

/// `POST /organizations/v1/sys_admin/{id}/edit`.
pub async fn edit(
    app: &App,
    id: OrgId,
    name: &str,
    address_name: Option<&str>,
) -> Result<(), ApiError> {
    change_org(app, id, |o| o.edit(name, address_name)).await
}

/// `POST /organizations/v1/api_keys` and the sys_admin variant: the credentials of the
/// organization's own system, sealed with KMS under an encryption context naming the
/// organization (a copied ciphertext does not decrypt for another) and never returned.
pub async fn save_api_keys(
    app: &App,
    id: OrgId,
    username: &str,
    password: &str,
) -> Result<(), ApiError> {
    own_org(app, id).await?;
    let plaintext = serde_json::to_vec(&serde_json::json!({
        "username": username,
        "password": password,
    }))
    .map_err(ApiError::internal)?;
    let org = id.to_string();
    let sealed = crate::infra::sealed::seal(
        &app.aws,
        &app.config.credentials_key_id,
        &api_keys_context(&org),
        plaintext,
    )
    .await
    .map_err(ApiError::internal)?;
    app.db.put_api_keys(id, sealed).await?;
    Ok(())
}

/// The encryption context of an organization's API keys.
pub fn api_keys_context(org: &str) -> [(&'static str, &str); 2] {
    [
        ("organization_id", org),
        ("purpose", "organization_api_keys"),
    ]
}

/// `POST /organizations/v1` (anonymous): the directory, for a holder of a valid approval.
pub async fn anon_list(
    app: &App,
    approval_id: &str,
    q: &OrgListQuery,
) -> Result<Page<Organization>, ApiError> {
    require_approval(app, approval_id).await?;
    list(app, q).await
}

/// An anonymous caller must hold an unused approval; any other answer is the same 403, so
/// the endpoint does not tell guessed ids apart.
pub async fn require_approval(app: &App, approval_id: &str) -> Result<(), ApiError> {
    if app.db.approval_exists(approval_id).await? {
        Ok(())
    } else {
        Err(ApiError::forbidden("The approval is not valid"))
    }
}
