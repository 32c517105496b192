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
        }
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
