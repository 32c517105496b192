//! Organizations and their personas, and the matching rule that picks an offer's suppliers.

use serde::{Deserialize, Serialize};

use crate::marketplace::common::{CareType, Latitude, Longitude, NonEmpty};
use std::collections::HashSet;

use crate::kernel::ids::{OrgId, unique};
use crate::kernel::time::{Timestamp, serde_ts};

/// `AddressCore` of an organization: unlike an offer's address, the coordinates are required.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OrgAddress {
    pub name: Option<String>,
    pub address: NonEmpty,
    pub address_suite: Option<String>,
    pub city: NonEmpty,
    pub state: NonEmpty,
    pub zip: NonEmpty,
    pub country: NonEmpty,
    pub latitude: Latitude,
    pub longitude: Longitude,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PersonaStatus {
    Active,
    Disabled,
}

/// How a demand organization's offers are assigned once a supplier accepts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AssignmentMode {
    /// The first acceptance assigns the offer at once.
    Auto,
    /// The demand organization picks among the acceptances with `assign`.
    #[default]
    Manual,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DemandPersona {
    pub status: PersonaStatus,
    #[serde(default)]
    pub offer_assignment: AssignmentMode,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SupplyPersona {
    pub status: PersonaStatus,
    #[serde(default)]
    pub care_types: Vec<CareType>,
}

#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Organization {
    pub id: OrgId,
    pub name: String,
    /// `https://` FQDN of the organization's own system, no trailing slash.
    pub host: Option<String>,
    /// The system the organization runs on (alayacare, procura, …).
    pub source: String,
    pub demand: Option<DemandPersona>,
    pub supply: Option<SupplyPersona>,
    /// The sign-up details (admin username, contact, address); organizations loaded outside
    /// sign-up may have none.
    #[serde(default)]
    pub profile: Option<OrgProfile>,
    #[serde(with = "serde_ts")]
    pub created_at: Timestamp,
    /// Bumped by every change; writes are conditioned on the version that was read.
    #[serde(default)]
    pub version: u64,
}

/// What sign-up records about an organization besides its name, host and source.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OrgProfile {
    /// The Cognito username of the organization's first `org_admin`.
    pub username: String,
    /// The organization's contact email.
    pub email: String,
    pub phone: Phone,
    pub address: OrgAddress,
    pub branch_id: Option<i64>,
}

#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Phone {
    pub number: String,
    pub extension: Option<String>,
}

impl Organization {
    pub fn is_active_demand(&self) -> bool {
        matches!(&self.demand, Some(d) if d.status == PersonaStatus::Active)
    }

    pub fn assignment_mode(&self) -> AssignmentMode {
        self.demand
            .as_ref()
            .map(|d| d.offer_assignment)
            .unwrap_or_default()
    }

    /// Whether this organization can be sent an offer of `care_type`.
    pub fn supplies(&self, care_type: CareType) -> bool {
        matches!(&self.supply, Some(s) if s.status == PersonaStatus::Active && s.care_types.contains(&care_type))
    }
}

/// Why a change to an organization's settings is refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    #[error("the organization has no active demand persona")]
    DemandNotActive,
    #[error("supply persona {0} does not exist")]
    UnknownSupplier(OrgId),
    #[error("an organization cannot be in its own trusted network")]
    OwnTrustedNetwork,
    #[error("a trusted network change of {0} links exceeds one transaction")]
    TooManyChanges(usize),
    #[error("the organization has no active supply persona")]
    SupplyNotActive,
    #[error("demand persona {0} does not exist or is not active")]
    UnknownDemand(OrgId),
    #[error("a supplier can join or leave at most {MAX_NETWORK_CHANGES} networks at once, not {0}")]
    TooManyNetworks(usize),
    #[error("branch_id is required when source is alayacare")]
    BranchIdRequired,
}

/// Links added plus removed in one trusted-network update: one transaction holds them with
/// the organization (version guard) and its event.
pub const MAX_TRUST_CHANGES: usize = 98;

/// The organization after a settings change, or `None` when the request changes nothing
/// (the operation is idempotent: it answers 204 and writes nothing).
pub type Change = Option<Organization>;

impl Organization {
    /// A persona the organization never activated reads as `disabled`: the published API
    /// gives every organization both personas.
    pub fn demand_status(&self) -> PersonaStatus {
        self.demand
            .as_ref()
            .map_or(PersonaStatus::Disabled, |d| d.status)
    }

    pub fn supply_status(&self) -> PersonaStatus {
        self.supply
            .as_ref()
            .map_or(PersonaStatus::Disabled, |s| s.status)
    }

    pub fn care_types(&self) -> &[CareType] {
        self.supply.as_ref().map_or(&[], |s| &s.care_types)
    }

    fn bumped(&self, edit: impl FnOnce(&mut Organization)) -> Organization {
        let mut next = self.clone();
        edit(&mut next);
        next.version = self.version + 1;
        next
    }

    /// `demand_persona/activate` and `deactivate`: the persona takes `status`, keeping its
    /// settings; a persona never activated is created with the default settings.
    pub fn set_demand_status(&self, status: PersonaStatus) -> Change {
        (self.demand_status() != status).then(|| {
            self.bumped(|o| match o.demand.as_mut() {
                Some(d) => d.status = status,
                None => {
                    o.demand = Some(DemandPersona {
                        status,
                        offer_assignment: AssignmentMode::default(),
                    })
                }
            })
        })
    }

    /// `supply_persona/activate` and `deactivate`, keeping the care types.
    pub fn set_supply_status(&self, status: PersonaStatus) -> Change {
        (self.supply_status() != status).then(|| {
            self.bumped(|o| match o.supply.as_mut() {
                Some(s) => s.status = status,
                None => {
                    o.supply = Some(SupplyPersona {
                        status,
                        care_types: Vec::new(),
                    })
                }
            })
        })
    }

    /// `supply_persona/care_types`: replaces the care types (each once, in the order given;
    /// `[]` removes them all). The persona's status is kept; one never activated stays disabled.
    pub fn set_care_types(&self, requested: &[CareType]) -> Change {
        let mut care_types: Vec<CareType> = Vec::new();
        for c in requested {
            if !care_types.contains(c) {
                care_types.push(*c);
            }
        }
        let same = self.supply.is_some()
            && self.care_types().len() == care_types.len()
            && care_types.iter().all(|c| self.care_types().contains(c));
        (!same).then(|| {
            self.bumped(|o| match o.supply.as_mut() {
                Some(s) => s.care_types = care_types,
                None => {
                    o.supply = Some(SupplyPersona {
                        status: PersonaStatus::Disabled,
                        care_types,
                    })
                }
            })
        })
    }
}

impl Organization {
    /// A new organization from a sign-up: both personas read as disabled until a sys_admin
    /// (or the organization) activates them. An `alayacare` organization needs its branch.
    pub fn signed_up(
        id: OrgId,
        name: String,
        host: Option<String>,
        source: String,
        profile: OrgProfile,
        created_at: Timestamp,
    ) -> Result<Organization, Rejection> {
        if source == "alayacare" && profile.branch_id.is_none() {
            return Err(Rejection::BranchIdRequired);
        }
        Ok(Organization {
            id,
            name,
            host,
            source,
            demand: None,
            supply: None,
            profile: Some(profile),
            created_at,
            version: 0,
        })
    }

    /// `sys_admin/{id}/edit`: the name, and the address's display name when the
    /// organization has a profile to hold it. `None` when nothing changes.
    pub fn edit(&self, name: &str, address_name: Option<&str>) -> Change {
        let mut next = self.clone();
        next.name = name.to_owned();
        if let Some(p) = next.profile.as_mut() {
            p.address.name = address_name.map(str::to_owned);
        }
        (next != *self).then(|| self.bumped(|o| *o = next.clone()))
    }
}

/// `sys_admin/.../trusted_network/add`: the network plus `ids` (each once, current first).
pub fn with_added(current: &[OrgId], ids: &[OrgId]) -> Vec<OrgId> {
    unique(current.iter().chain(ids).copied())
}

/// `sys_admin/.../trusted_network/remove`: the network without `ids` (absent ones ignored).
pub fn without(current: &[OrgId], ids: &[OrgId]) -> Vec<OrgId> {
    let ids: HashSet<&OrgId> = ids.iter().collect();
    current
        .iter()
        .filter(|id| !ids.contains(id))
        .copied()
        .collect()
}

/// Networks a supplier joins plus leaves in one request: each changed demand organization
/// costs three writes in the transaction (its version, the link, its event).
pub const MAX_NETWORK_CHANGES: usize = 33;

/// What `POST supply_persona/trusted_network` writes: the demand networks joined and left.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SupplierNetworkChange {
    pub joined: Vec<OrgId>,
    pub left: Vec<OrgId>,
}

/// An auto sign-up's first configuration, checked before its execution starts: the
/// trusted network names existing organizations (`found`), the networks to join belong to
/// organizations with an active demand persona, and each list fits the one transaction that
/// writes it. The steps decide again when they write.
pub fn check_first_configuration(
    trusted_network: &[OrgId],
    trusted_demands: &[OrgId],
    found: &[Organization],
) -> Result<(), Rejection> {
    let suppliers = with_added(&[], trusted_network);
    if let Some(id) = suppliers
        .iter()
        .find(|id| !found.iter().any(|o| o.id == **id))
    {
        return Err(Rejection::UnknownSupplier(*id));
    }
    if suppliers.len() > MAX_TRUST_CHANGES {
        return Err(Rejection::TooManyChanges(suppliers.len()));
    }
    let demands = with_added(&[], trusted_demands);
    if let Some(id) = demands
        .iter()
        .find(|id| !found.iter().any(|o| o.id == **id && o.is_active_demand()))
    {
        return Err(Rejection::UnknownDemand(*id));
    }
    if demands.len() > MAX_NETWORK_CHANGES {
        return Err(Rejection::TooManyNetworks(demands.len()));
    }
    Ok(())
}

/// `POST supply_persona/trusted_network`: the supplier becomes a member of exactly the
/// `requested` demand networks. These are the same links a demand edits, so they decide
/// which offers reach the supplier. The supplier needs an active supply persona; a network
/// can only be joined if its organization (in `demands`) has an active demand persona, and
/// left whatever its state.
pub fn set_supplier_networks(
    supply: &Organization,
    current: &[OrgId],
    requested: &[OrgId],
    demands: &[Organization],
) -> Result<Option<SupplierNetworkChange>, Rejection> {
    if supply.supply_status() != PersonaStatus::Active {
        return Err(Rejection::SupplyNotActive);
    }
    if requested.contains(&supply.id) {
        return Err(Rejection::OwnTrustedNetwork);
    }
    let wanted = unique(requested.iter().copied());
    let (current_set, wanted_set): (HashSet<&OrgId>, HashSet<&OrgId>) =
        (current.iter().collect(), wanted.iter().collect());
    let active_demands: HashSet<OrgId> = demands
        .iter()
        .filter(|d| d.is_active_demand())
        .map(|d| d.id)
        .collect();
    let joined: Vec<OrgId> = wanted
        .iter()
        .filter(|id| !current_set.contains(id))
        .copied()
        .collect();
    if let Some(id) = joined.iter().find(|id| !active_demands.contains(id)) {
        return Err(Rejection::UnknownDemand(*id));
    }
    let left: Vec<OrgId> = current
        .iter()
        .filter(|id| !wanted_set.contains(id))
        .copied()
        .collect();
    let n = joined.len() + left.len();
    if n == 0 {
        return Ok(None);
    }
    if n > MAX_NETWORK_CHANGES {
        return Err(Rejection::TooManyNetworks(n));
    }
    Ok(Some(SupplierNetworkChange { joined, left }))
}

/// What a trusted-network update writes: the links to add and to remove.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrustedNetworkChange {
    pub added: Vec<OrgId>,
    pub removed: Vec<OrgId>,
}

/// `POST demand_persona/trusted_network`: the network becomes exactly `requested`. The demand
/// persona must be active; every id must be an existing organization (`existing`) other than
/// the demand itself. `Ok(None)` when the network already is `requested` (no write, no event).
pub fn set_trusted_network(
    demand: &Organization,
    current: &[OrgId],
    requested: &[OrgId],
    existing: &[OrgId],
) -> Result<Option<TrustedNetworkChange>, Rejection> {
    if !demand.is_active_demand() {
        return Err(Rejection::DemandNotActive);
    }
    let existing: HashSet<&OrgId> = existing.iter().collect();
    for id in requested {
        if *id == demand.id {
            return Err(Rejection::OwnTrustedNetwork);
        }
        if !existing.contains(id) {
            return Err(Rejection::UnknownSupplier(*id));
        }
    }
    let wanted = unique(requested.iter().copied());
    let (current_set, wanted_set): (HashSet<&OrgId>, HashSet<&OrgId>) =
        (current.iter().collect(), wanted.iter().collect());
    let added: Vec<OrgId> = wanted
        .iter()
        .filter(|id| !current_set.contains(id))
        .copied()
        .collect();
    let removed: Vec<OrgId> = current
        .iter()
        .filter(|id| !wanted_set.contains(id))
        .copied()
        .collect();
    let n = added.len() + removed.len();
    if n == 0 {
        return Ok(None);
    }
    if n > MAX_TRUST_CHANGES {
        return Err(Rejection::TooManyChanges(n));
    }
    Ok(Some(TrustedNetworkChange { added, removed }))
}

/// The matching rule: every candidate (trusted network plus directly named suppliers) that
/// has an active supply persona offering the care type, each once, never the demand itself.
pub fn match_suppliers<'a>(
    demand: OrgId,
    care_type: CareType,
    candidates: impl IntoIterator<Item = &'a Organization>,
) -> Vec<OrgId> {
    unique(
        candidates
            .into_iter()
            .filter(|org| org.id != demand && org.supplies(care_type))
            .map(|org| org.id),
    )
}

impl From<&Organization> for crate::events::OrgRef {
    fn from(o: &Organization) -> Self {
        Self {
            name: o.name.clone(),
            host: o.host.clone(),
            source: o.source.clone(),
        }
    }
}

#[cfg(test)]
mod tests;
