//! Organizations, their personas and the trusted network (demand → supply links).

use crate::domain::organization::{AssignmentMode, Organization, TrustedNetworkChange};
use crate::events::EventRecord;
use crate::ids::OrgId;

use super::{Cond, Db, DbError, GSI1, Keys, Tx, from_item, kind_of, to_item};

pub fn org_keys(id: OrgId) -> Keys {
    Keys::new(format!("ORG#{id}"), "ORG")
}

/// The directory partition every organization is listed in (gsi1), by name.
const DIRECTORY: &str = "ORGS";

fn org_item(org: &Organization) -> Result<super::Item, DbError> {
    let keys = org_keys(org.id).gsi1(DIRECTORY, format!("{}#{}", org.name.to_lowercase(), org.id));
    to_item("organization", &keys, org)
}

fn trust_keys(demand: OrgId, supply: OrgId) -> Keys {
    Keys::new(format!("ORG#{demand}"), format!("TRUST#{supply}"))
        .gsi1(format!("TRUSTED_BY#{supply}"), demand.to_string())
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
        self.put_unconditionally(org_item(org)?).await
    }

    /// Replaces an organization read at version `next.version - 1` with `next`, with the
    /// events announcing the change, in one transaction; `ConditionFailed` when another
    /// request changed it first.
    pub async fn save_org(
        &self,
        next: &Organization,
        events: &[EventRecord],
    ) -> Result<(), DbError> {
        let mut tx = Tx::new(self.table());
        self.stage_org(&mut tx, next, events)?;
        self.transact(tx).await
    }

    fn stage_org(
        &self,
        tx: &mut Tx,
        next: &Organization,
        events: &[EventRecord],
    ) -> Result<(), DbError> {
        tx.put(
            org_item(next)?,
            Cond::Version(next.version.saturating_sub(1)),
        );
        for e in events {
            tx.put(self.event_item(e)?, Cond::New);
        }
        Ok(())
    }

    /// Every organization of the directory, by name.
    pub async fn list_orgs(&self) -> Result<Vec<Organization>, DbError> {
        self.query_all(Some(GSI1), DIRECTORY, None, true)
            .await?
            .into_iter()
            .filter(|i| kind_of(i) == Some("organization"))
            .map(from_item)
            .collect()
    }

    /// A trusted-network update: the demand organization (version guard), the links added
    /// (must be new) and removed (must exist), and the event, all or nothing.
    pub async fn apply_trusted_network(
        &self,
        next: &Organization,
        change: &TrustedNetworkChange,
        events: &[EventRecord],
    ) -> Result<(), DbError> {
        let mut tx = Tx::new(self.table());
        self.stage_org(&mut tx, next, events)?;
        for supply in &change.added {
            let item = to_item(
                "trust",
                &trust_keys(next.id, *supply),
                &TrustLink {
                    demand_org_id: next.id,
                    supply_org_id: *supply,
                },
            )?;
            tx.put(item, Cond::New);
        }
        for supply in &change.removed {
            let k = trust_keys(next.id, *supply);
            tx.delete(&k.pk, &k.sk, Cond::Exists);
        }
        self.transact(tx).await
    }

    /// The demand organizations whose trusted network holds `supply`.
    pub async fn trusted_by(&self, supply: OrgId) -> Result<Vec<OrgId>, DbError> {
        self.query_all(Some(GSI1), &format!("TRUSTED_BY#{supply}"), None, true)
            .await?
            .into_iter()
            .filter(|i| kind_of(i) == Some("trust"))
            .map(|i| from_item::<TrustLink>(i).map(|l| l.demand_org_id))
            .collect()
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
        updated.version = org.version + 1;
        self.save_org(&updated, &[]).await
    }

    pub async fn add_trusted_supplier(&self, demand: OrgId, supply: OrgId) -> Result<(), DbError> {
        let item = to_item(
            "trust",
            &trust_keys(demand, supply),
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
