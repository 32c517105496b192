//! Referrals, listed by either side through their own index.

use crate::events::EventRecord;
use crate::kernel::ids::{OrgId, ReferralId, ServiceId};
use crate::marketplace::message::{SequenceOrigin, SequenceParties};
use crate::marketplace::referral::{Referral, ReferralSide};

use crate::marketplace::store::keys::{referral_keys, referrals_index, referrals_partition};
use crate::store::db::{Cond, Db, DbError, Item, Keys, Tx, from_item, to_item};

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

    /// Every referral revision `org` is a party to on `side`: its latest and its archived
    /// revisions, through that side's index.
    pub async fn referrals_of(
        &self,
        side: ReferralSide,
        org: OrgId,
    ) -> Result<Vec<Referral>, DbError> {
        let index = Some(referrals_index(side));
        let (latest, archived) = (
            referrals_partition(side, org, true),
            referrals_partition(side, org, false),
        );
        let (latest, archived) = futures::try_join!(
            self.query_all(index, &latest, None, false),
            self.query_all(index, &archived, None, false),
        )?;
        latest.into_iter().chain(archived).map(from_item).collect()
    }

    /// One page of `org`'s latest referral revisions on `side` in last-modified order
    /// ([`Db::index_page`]), and the sort key of the last one.
    pub async fn latest_referrals_page(
        &self,
        side: ReferralSide,
        org: OrgId,
        ascending: bool,
        after: Option<String>,
        skip: usize,
        limit: usize,
    ) -> Result<(Vec<Referral>, Option<String>), DbError> {
        let pk = referrals_partition(side, org, true);
        let (items, last) = self
            .index_page(referrals_index(side), &pk, ascending, after, skip, limit)
            .await?;
        let referrals = items.into_iter().map(from_item).collect::<Result<_, _>>()?;
        Ok((referrals, last))
    }

    /// How many referrals (latest revisions) `org` is a party to on `side`: one `GetItem`.
    pub async fn referral_count(&self, side: ReferralSide, org: OrgId) -> Result<u64, DbError> {
        let (pk, sk) = referral_counts_key(org);
        let counts = self.get::<ReferralCounts>(&pk, &sk).await?;
        Ok(counts.map_or(0, |c| match side {
            ReferralSide::Demand => c.as_demand,
            ReferralSide::Supply => c.as_supplier,
        }))
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

/// An organization's referral counts, latest revisions only, kept in the transaction that
/// creates each referral's first revision (a later revision archives one and adds one, and a
/// change of status changes no count), so a list's `total_items` is one `GetItem`. Its writes
/// are the organization's new referrals: far below an item's 1,000 WRU/s.
#[derive(Clone, Copy, Debug, Default, serde::Deserialize)]
#[serde(default)]
struct ReferralCounts {
    /// Referrals the organization sent.
    as_demand: u64,
    /// Referrals the organization received.
    as_supplier: u64,
}

pub fn referral_counts_key(org: OrgId) -> (String, String) {
    (format!("ORG#{org}"), "COUNTS#REFERRAL".to_owned())
}

fn count_new_referral(tx: &mut Tx, r: &Referral) {
    let (pk, sk) = referral_counts_key(r.demand_org_id);
    tx.add(&pk, &sk, vec![("as_demand", 1)]);
    let (pk, sk) = referral_counts_key(r.supply_org_id);
    tx.add(&pk, &sk, vec![("as_supplier", 1)]);
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
    if r.revision.revision_number == 1 {
        count_new_referral(tx, r);
    }
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
