//! Referrals, listed by either side through their own index.

use crate::events::EventRecord;
use crate::kernel::ids::{OrgId, ReferralId, ServiceId};
use crate::marketplace::message::{SequenceOrigin, SequenceParties};
use crate::marketplace::referral::{Referral, ReferralSide};

use crate::marketplace::store::keys::referral_keys;
use crate::store::db::{Cond, Db, DbError, GSI1, GSI2, Item, Keys, Tx, from_item, to_item};

impl Db {
    pub async fn get_referral(&self, id: ReferralId) -> Result<Option<Referral>, DbError> {
        self.get(&format!("REFERRAL#{id}"), "REFERRAL").await
    }

    /// Writes a changed referral, only over the version it was read at, with its event.
    pub async fn apply_referral_change(
        &self,
        read_version: u64,
        referral: &Referral,
        event: &EventRecord,
    ) -> Result<(), DbError> {
        let mut tx = Tx::new();
        tx.put(
            to_item("referral", &referral_keys(referral), referral)?,
            Cond::Version(read_version),
        );
        tx.put(self.event_item(event)?, Cond::New);
        self.transact(tx).await
    }

    /// The writes that create a referral: the referral and its events, all new. Whatever else
    /// a new referral brings (its visit records) is added to this list, so it is written in
    /// the same transaction.
    pub fn referral_creation(
        &self,
        referral: &Referral,
        events: &[EventRecord],
    ) -> Result<Tx, DbError> {
        let mut tx = Tx::new();
        put_new_referral(&mut tx, referral)?;
        // A direct referral opens its own sequence: its parties are written with its first
        // revision, so messages can find them (an offer's sequence has its matches).
        if referral.offer_id.is_none() && referral.revision.revision_number == 1 {
            let parties = SequenceParties {
                sequence_id: referral.sequence_id,
                origin: SequenceOrigin::DirectReferral(referral.id),
                demand_org_id: referral.demand_org_id,
                supply_org_id: referral.supply_org_id,
                referral_id: None,
            };
            tx.put(
                crate::marketplace::store::messages::sequence_parties_item(&parties)?,
                Cond::New,
            );
        }
        for e in events {
            tx.put(self.event_item(e)?, Cond::New);
        }
        Ok(tx)
    }

    /// Writes a new referral with its events and `also` (the request's idempotency key), all
    /// or nothing.
    pub async fn create_referral(
        &self,
        referral: &Referral,
        events: &[EventRecord],
        also: Option<(Item, Cond)>,
    ) -> Result<(), DbError> {
        let mut tx = self.referral_creation(referral, events)?;
        tx.put_each(also);
        self.transact(tx).await
    }

    /// Archives the revision read (only at the version read) and writes its successor with
    /// the successor's events: two revisions can never both be the latest.
    pub async fn apply_revision(
        &self,
        read_version: u64,
        archived: &Referral,
        latest: &Referral,
        events: &[EventRecord],
    ) -> Result<(), DbError> {
        let mut tx = self.referral_creation(latest, events)?;
        tx.put(
            to_item("referral", &referral_keys(archived), archived)?,
            Cond::Version(read_version),
        );
        self.transact(tx).await
    }

    /// Writes a changed referral that announces nothing, only over the version it was read at.
    pub async fn put_referral_over(
        &self,
        read_version: u64,
        referral: &Referral,
    ) -> Result<(), DbError> {
        self.put(
            to_item("referral", &referral_keys(referral), referral)?,
            Cond::Version(read_version),
        )
        .await
    }

    /// The latest revision of the referral by which `supplier` holds `service`: one `GetItem`
    /// of its lookup item, one of the referral.
    pub async fn supplier_referral_of_service(
        &self,
        supplier: OrgId,
        service: ServiceId,
    ) -> Result<Option<Referral>, DbError> {
        let k = held_service_keys(supplier, service);
        let Some(held) = self.get::<HeldService>(&k.pk, &k.sk).await? else {
            return Ok(None);
        };
        Ok(self
            .get_referral(held.referral_id)
            .await?
            .filter(|r| r.supply_org_id == supplier && r.service.id == service))
    }

    /// The ids of the services `demand` sent under its own `outbox_id` (one `Query` of a
    /// partition that holds just those).
    pub async fn demand_services_by_outbox_id(
        &self,
        demand: OrgId,
        outbox_id: &str,
    ) -> Result<Vec<ServiceId>, DbError> {
        self.query_all(None, &service_outbox_pk(demand, outbox_id), None, true)
            .await?
            .into_iter()
            .map(|item| from_item::<ServiceOutboxId>(item).map(|s| s.service_id))
            .collect()
    }

    /// Every referral of every organization, newest first (the sys_admin list).
    pub async fn all_referrals(&self) -> Result<Vec<Referral>, DbError> {
        let items = self.sysadmin_list("REFERRAL").await?;
        items.into_iter().map(from_item).collect()
    }

    /// Every referral revision `org` is a party to on `side`, through that side's index.
    pub async fn referrals_of(
        &self,
        side: ReferralSide,
        org: OrgId,
    ) -> Result<Vec<Referral>, DbError> {
        let (index, partition) = match side {
            ReferralSide::Demand => (GSI1, format!("DEMAND#{org}#REFERRAL")),
            ReferralSide::Supply => (GSI2, format!("SUPPLY#{org}#REFERRAL")),
        };
        let items = self.query_all(Some(index), &partition, None, false).await?;
        items.into_iter().map(from_item).collect()
    }
}

/// Which referral revision a supplier holds a service by: rewritten by every revision, so it
/// names the latest.
#[derive(serde::Serialize, serde::Deserialize)]
struct HeldService {
    referral_id: ReferralId,
    revision_number: u32,
}

fn held_service_keys(supplier: OrgId, service: ServiceId) -> Keys {
    Keys::new(format!("SUPPLY#{supplier}#SERVICE#{service}"), "REFERRAL")
}

/// A service under the demand's own id for it (one demand id may name several services).
#[derive(serde::Serialize, serde::Deserialize)]
struct ServiceOutboxId {
    service_id: ServiceId,
}

fn service_outbox_pk(demand: OrgId, outbox_id: &str) -> String {
    format!("DEMAND#{demand}#SERVICEOUT#{outbox_id}")
}

/// A new referral (revision) and the records that come with it, wherever it is created (a
/// direct referral, a revision, an offer's assignment): its visits, its sequence's name for
/// it, and its lookup items.
pub(crate) fn put_new_referral(tx: &mut Tx, r: &Referral) -> Result<(), DbError> {
    tx.put(to_item("referral", &referral_keys(r), r)?, Cond::New);
    crate::marketplace::store::visits::put_referral_visits(tx, r)?;
    crate::marketplace::store::messages::name_sequence_referral(tx, r)?;
    put_service_lookups(tx, r)
}

/// The lookup items a referral revision writes with itself, so that a service is found by
/// `GetItem`/one small `Query` instead of by reading an organization's every referral.
fn put_service_lookups(tx: &mut Tx, r: &Referral) -> Result<(), DbError> {
    let held = HeldService {
        referral_id: r.id,
        revision_number: r.revision.revision_number,
    };
    tx.put(
        to_item(
            "held_service",
            &held_service_keys(r.supply_org_id, r.service.id),
            &held,
        )?,
        Cond::Any,
    );
    let outbox = ServiceOutboxId {
        service_id: r.service.id,
    };
    tx.put(
        to_item(
            "service_outbox_id",
            &Keys::new(
                service_outbox_pk(r.demand_org_id, r.service.outbox_id.as_str()),
                format!("SERVICE#{}", r.service.id),
            ),
            &outbox,
        )?,
        Cond::Any,
    );
    Ok(())
}
