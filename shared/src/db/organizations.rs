//! Organizations, their personas and the trusted network (demand → supply links).

use crate::domain::organization::{AssignmentMode, Organization};
use crate::ids::OrgId;

use super::{Cond, Db, DbError, Keys, from_item, kind_of, to_item};

pub fn org_keys(id: OrgId) -> Keys {
    Keys::new(format!("ORG#{id}"), "ORG")
}

#[derive(serde::Serialize, serde::Deserialize)]
struct TrustLink {
    demand_org_id: OrgId,
    supply_org_id: OrgId,
}

impl Db {
    pub async fn get_org(&self, id: OrgId) -> Result<Option<Organization>, DbError> {
        let k = org_keys(id);
        self.get(&k.pk, &k.sk).await
    }

    pub async fn get_orgs(&self, ids: &[OrgId]) -> Result<Vec<Organization>, DbError> {
        let keys: Vec<(String, String)> = ids
            .iter()
            .map(|id| (org_keys(*id).pk, org_keys(*id).sk))
            .collect();
        self.batch_get(&keys)
            .await?
            .into_iter()
            .map(from_item)
            .collect()
    }

    /// Creates or replaces an organization (used by sign-up and the local stack's seed data).
    pub async fn put_org(&self, org: &Organization) -> Result<(), DbError> {
        let item = to_item("organization", &org_keys(org.id), org)?;
        self.put_unconditionally(item).await
    }

    /// Replaces an organization only if it still exists, so a concurrent delete is not undone.
    pub async fn update_org(&self, org: &Organization) -> Result<(), DbError> {
        self.put(
            to_item("organization", &org_keys(org.id), org)?,
            Cond::Exists,
        )
        .await
    }

    pub async fn set_assignment_mode(
        &self,
        org: &Organization,
        mode: AssignmentMode,
    ) -> Result<(), DbError> {
        let mut updated = org.clone();
        if let Some(demand) = updated.demand.as_mut() {
            demand.offer_assignment = mode;
        }
        self.update_org(&updated).await
    }

    pub async fn add_trusted_supplier(&self, demand: OrgId, supply: OrgId) -> Result<(), DbError> {
        let keys = Keys::new(format!("ORG#{demand}"), format!("TRUST#{supply}"))
            .gsi1(format!("TRUSTED_BY#{supply}"), demand.to_string());
        let item = to_item(
            "trust",
            &keys,
            &TrustLink {
                demand_org_id: demand,
                supply_org_id: supply,
            },
        )?;
        self.put_unconditionally(item).await
    }

    /// The supply organizations in `demand`'s trusted network.
    pub async fn trusted_suppliers(&self, demand: OrgId) -> Result<Vec<OrgId>, DbError> {
        let items = self
            .query_all(None, &format!("ORG#{demand}"), Some("TRUST#"), true)
            .await?;
        items
            .into_iter()
            .filter(|i| kind_of(i) == Some("trust"))
            .map(|i| from_item::<TrustLink>(i).map(|l| l.supply_org_id))
            .collect()
    }
}
