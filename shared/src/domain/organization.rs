//! Organizations and their personas, and the matching rule that picks an offer's suppliers.

use serde::{Deserialize, Serialize};

use crate::api::common::CareType;
use crate::ids::OrgId;
use crate::time::{Timestamp, serde_ts};

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
    #[serde(with = "serde_ts")]
    pub created_at: Timestamp,
    /// Bumped by every change; writes are conditioned on the version that was read.
    #[serde(default)]
    pub version: u64,
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
}

impl From<Rejection> for crate::error::ApiError {
    fn from(r: Rejection) -> Self {
        use crate::error::ApiError;
        match r {
            Rejection::DemandNotActive => {
                ApiError::forbidden("The organization has no active demand persona")
            }
            Rejection::UnknownSupplier(id) => {
                ApiError::unprocessable(format!("supply_persona_ids: {id} is not an organization"))
            }
            Rejection::OwnTrustedNetwork => ApiError::unprocessable(
                "supply_persona_ids: an organization cannot be in its own trusted network",
            ),
            Rejection::TooManyChanges(n) => ApiError::unprocessable(format!(
                "supply_persona_ids: at most {MAX_TRUST_CHANGES} links can be added or removed at once, not {n}"
            )),
        }
    }
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
    let mut wanted: Vec<OrgId> = Vec::new();
    for id in requested {
        if *id == demand.id {
            return Err(Rejection::OwnTrustedNetwork);
        }
        if !existing.contains(id) {
            return Err(Rejection::UnknownSupplier(*id));
        }
        if !wanted.contains(id) {
            wanted.push(*id);
        }
    }
    let added: Vec<OrgId> = wanted
        .iter()
        .filter(|id| !current.contains(id))
        .copied()
        .collect();
    let removed: Vec<OrgId> = current
        .iter()
        .filter(|id| !wanted.contains(id))
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
    let mut out: Vec<OrgId> = Vec::new();
    for org in candidates {
        if org.id != demand && org.supplies(care_type) && !out.contains(&org.id) {
            out.push(org.id);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn supplier(care_types: &[CareType], status: PersonaStatus) -> Organization {
        Organization {
            id: OrgId::new(),
            name: "s".into(),
            host: None,
            source: "alayacare".into(),
            demand: None,
            supply: Some(SupplyPersona {
                status,
                care_types: care_types.to_vec(),
            }),
            created_at: crate::time::now(),
            version: 3,
        }
    }

    fn demand(status: PersonaStatus) -> Organization {
        let mut org = supplier(&[], PersonaStatus::Active);
        org.supply = None;
        org.demand = Some(DemandPersona {
            status,
            offer_assignment: AssignmentMode::Auto,
        });
        org
    }

    #[test]
    fn a_persona_never_activated_reads_as_disabled() {
        let org = demand(PersonaStatus::Active);
        assert_eq!(org.supply_status(), PersonaStatus::Disabled);
        assert!(org.care_types().is_empty());
    }

    #[test]
    fn activating_creates_or_enables_the_persona_and_bumps_the_version() {
        let org = demand(PersonaStatus::Active);
        let next = org.set_supply_status(PersonaStatus::Active).unwrap();
        assert_eq!(next.supply_status(), PersonaStatus::Active);
        assert_eq!(next.version, org.version + 1);
        let disabled = demand(PersonaStatus::Disabled);
        let next = disabled.set_demand_status(PersonaStatus::Active).unwrap();
        assert!(next.is_active_demand());
        // The assignment setting survives deactivation and reactivation.
        assert_eq!(next.assignment_mode(), AssignmentMode::Auto);
    }

    #[test]
    fn activating_an_active_persona_changes_nothing() {
        let org = demand(PersonaStatus::Active);
        assert_eq!(org.set_demand_status(PersonaStatus::Active), None);
        let s = supplier(&[CareType::Psw], PersonaStatus::Active);
        assert_eq!(s.set_supply_status(PersonaStatus::Active), None);
    }

    #[test]
    fn deactivating_keeps_the_settings() {
        let s = supplier(&[CareType::Psw], PersonaStatus::Active);
        let next = s.set_supply_status(PersonaStatus::Disabled).unwrap();
        assert_eq!(next.supply_status(), PersonaStatus::Disabled);
        assert_eq!(next.care_types(), &[CareType::Psw]);
        assert!(!next.supplies(CareType::Psw));
        // Deactivating a persona never activated is a no-op.
        assert_eq!(s.set_demand_status(PersonaStatus::Disabled), None);
    }

    #[test]
    fn care_types_are_replaced_deduplicated_and_idempotent() {
        let s = supplier(&[CareType::Psw], PersonaStatus::Active);
        let next = s
            .set_care_types(&[CareType::Nursing, CareType::Nursing])
            .unwrap();
        assert_eq!(next.care_types(), &[CareType::Nursing]);
        assert_eq!(next.supply_status(), PersonaStatus::Active);
        assert_eq!(next.set_care_types(&[CareType::Nursing]), None);
        let emptied = next.set_care_types(&[]).unwrap();
        assert!(emptied.care_types().is_empty());
        // A persona never activated gets the care types and stays disabled.
        let d = demand(PersonaStatus::Active);
        let with = d.set_care_types(&[CareType::Psw]).unwrap();
        assert_eq!(with.supply_status(), PersonaStatus::Disabled);
        assert_eq!(with.care_types(), &[CareType::Psw]);
        // Even `[]` creates the (disabled) persona the first time, then is a no-op.
        let created = d.set_care_types(&[]).unwrap();
        assert_eq!(created.set_care_types(&[]), None);
    }

    #[test]
    fn trusted_network_becomes_the_requested_set() {
        let d = demand(PersonaStatus::Active);
        let (a, b, c) = (OrgId::new(), OrgId::new(), OrgId::new());
        let existing = [a, b, c];
        let change = set_trusted_network(&d, &[a, b], &[b, c, c], &existing)
            .unwrap()
            .unwrap();
        assert_eq!(change.added, vec![c]);
        assert_eq!(change.removed, vec![a]);
        let cleared = set_trusted_network(&d, &[a], &[], &existing)
            .unwrap()
            .unwrap();
        assert_eq!((cleared.added, cleared.removed), (vec![], vec![a]));
    }

    #[test]
    fn an_unchanged_trusted_network_is_a_no_op() {
        let d = demand(PersonaStatus::Active);
        let (a, b) = (OrgId::new(), OrgId::new());
        assert_eq!(set_trusted_network(&d, &[a, b], &[b, a], &[a, b]), Ok(None));
    }

    #[test]
    fn trusted_network_rejections() {
        let d = demand(PersonaStatus::Active);
        let known = OrgId::new();
        let unknown = OrgId::new();
        assert_eq!(
            set_trusted_network(&d, &[], &[known, unknown], &[known]),
            Err(Rejection::UnknownSupplier(unknown))
        );
        assert_eq!(
            set_trusted_network(&d, &[], &[d.id], &[d.id]),
            Err(Rejection::OwnTrustedNetwork)
        );
        let disabled = demand(PersonaStatus::Disabled);
        assert_eq!(
            set_trusted_network(&disabled, &[], &[known], &[known]),
            Err(Rejection::DemandNotActive)
        );
        let many: Vec<OrgId> = (0..=MAX_TRUST_CHANGES).map(|_| OrgId::new()).collect();
        assert_eq!(
            set_trusted_network(&d, &[], &many, &many),
            Err(Rejection::TooManyChanges(MAX_TRUST_CHANGES + 1))
        );
    }

    #[test]
    fn matches_active_suppliers_of_the_care_type_once() {
        let demand = OrgId::new();
        let psw = supplier(&[CareType::Psw], PersonaStatus::Active);
        let both = supplier(&[CareType::Psw, CareType::Nursing], PersonaStatus::Active);
        let nursing = supplier(&[CareType::Nursing], PersonaStatus::Active);
        let disabled = supplier(&[CareType::Psw], PersonaStatus::Disabled);
        let got = match_suppliers(
            demand,
            CareType::Psw,
            [&psw, &both, &nursing, &disabled, &psw],
        );
        assert_eq!(got, vec![psw.id, both.id]);
    }

    #[test]
    fn never_matches_the_demand_itself() {
        let mut org = supplier(&[CareType::Psw], PersonaStatus::Active);
        org.demand = Some(DemandPersona {
            status: PersonaStatus::Active,
            offer_assignment: AssignmentMode::Auto,
        });
        assert!(match_suppliers(org.id, CareType::Psw, [&org]).is_empty());
    }

    #[test]
    fn assignment_defaults_to_manual() {
        let org = supplier(&[], PersonaStatus::Active);
        assert_eq!(org.assignment_mode(), AssignmentMode::Manual);
    }
}
