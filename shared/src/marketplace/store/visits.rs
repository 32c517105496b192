//! Visits and their work sessions.
//!
//! | item | pk | sk | gsi1 | gsi2 |
//! |---|---|---|---|---|
//! | visit | `VISIT#<id>` | `VISIT` | `DEMAND#<org>#VISITOUT#<outbox_id>` / `<created>#<id>` (demand visits only) | `SERVICE#<service>#VISIT` / `<start_at>#<id>` |
//! | work session | `VISIT#<visit>` | `WS#<inbox_id>` | | |
//! | supplier visit id | `VISITIN#<supplier>#<inbox_id>` | `VISITIN` | | |
//!
//! A visit and its sessions share a partition, so one Query reads both; the `VISITIN#` item
//! makes a supplier's `inbox_id` unique (written with `attribute_not_exists`).

use serde::{Deserialize, Serialize};

use crate::events::EventRecord;
use crate::kernel::ids::{OrgId, ServiceId, VisitId};
use crate::marketplace::referral::Referral;
use crate::marketplace::visit::{Visit, WorkSession, check_visit_count, visits_for_referral};

use crate::store::db::{
    Cond, Db, DbError, GSI1, GSI2, Item, Keys, Tx, created_sk, from_item, kind_of, to_item,
};

pub fn visit_keys(v: &Visit) -> Keys {
    let keys = Keys::new(format!("VISIT#{}", v.id), "VISIT").gsi2(
        format!("SERVICE#{}#VISIT", v.service_id),
        created_sk(&v.start_at, v.id),
    );
    match &v.outbox_id {
        Some(outbox) => keys.gsi1(
            format!("DEMAND#{}#VISITOUT#{outbox}", v.demand_org_id),
            created_sk(&v.created_at, v.id),
        ),
        None => keys,
    }
}

fn session_keys(s: &WorkSession) -> Keys {
    Keys::new(
        format!("VISIT#{}", s.visit_id),
        format!("WS#{}", s.inbox_id),
    )
}

/// The item that reserves a supplier's visit `inbox_id`.
#[derive(Serialize, Deserialize)]
struct InboxIdRef {
    visit_id: VisitId,
}

fn inbox_ref_keys(supplier: OrgId, inbox_id: &str) -> Keys {
    Keys::new(format!("VISITIN#{supplier}#{inbox_id}"), "VISITIN")
}

/// Adds the visits a new referral brings (see [`visits_for_referral`]) to the transaction that
/// creates it: every transaction that creates a referral calls this once.
/// The caller has checked the count ([`check_visit_count`], a 422); this only keeps a missed
/// check from becoming a half-written referral.
pub fn put_referral_visits(tx: &mut Tx, referral: &Referral) -> Result<(), DbError> {
    let visits = visits_for_referral(referral);
    check_visit_count(visits.len()).map_err(|e| DbError::Codec(e.to_string()))?;
    for v in visits {
        tx.put(to_item("visit", &visit_keys(&v), &v)?, Cond::New);
    }
    Ok(())
}

/// The referral a visit decision read must still be at that version when the decision lands.
fn check_referral(tx: &mut Tx, referral: &Referral) {
    let keys = crate::marketplace::store::keys::referral_keys(referral);
    tx.check(&keys.pk, &keys.sk, Cond::Version(referral.version));
}

impl Db {
    pub async fn get_visit(&self, id: VisitId) -> Result<Option<Visit>, DbError> {
        self.get(&format!("VISIT#{id}"), "VISIT").await
    }

    /// A visit and all its work sessions, in one Query of the visit's partition.
    pub async fn get_visit_with_sessions(
        &self,
        id: VisitId,
    ) -> Result<Option<(Visit, Vec<WorkSession>)>, DbError> {
        let items = self
            .query_all(None, &format!("VISIT#{id}"), None, true)
            .await?;
        let mut visit = None;
        let mut sessions = Vec::new();
        for item in items {
            match kind_of(&item) {
                Some("visit") => visit = Some(from_item::<Visit>(item)?),
                Some("work_session") => sessions.push(from_item::<WorkSession>(item)?),
                _ => {}
            }
        }
        Ok(visit.map(|v| (v, sessions)))
    }

    /// Every visit of a service (all its referrals' revisions), by start.
    pub async fn visits_of_service(&self, service: ServiceId) -> Result<Vec<Visit>, DbError> {
        let items = self
            .query_all(Some(GSI2), &format!("SERVICE#{service}#VISIT"), None, true)
            .await?;
        items.into_iter().map(from_item).collect()
    }

    /// A demand's visits with this `outbox_id` (more than one when an earlier referral for the
    /// same visit was cancelled and the visit offered again).
    pub async fn visits_by_outbox_id(
        &self,
        demand: OrgId,
        outbox_id: &str,
    ) -> Result<Vec<Visit>, DbError> {
        let items = self
            .query_all(
                Some(GSI1),
                &format!("DEMAND#{demand}#VISITOUT#{outbox_id}"),
                None,
                false,
            )
            .await?;
        items.into_iter().map(from_item).collect()
    }

    /// The visit a supplier scheduled under `inbox_id`.
    pub async fn visit_id_by_inbox_id(
        &self,
        supplier: OrgId,
        inbox_id: &str,
    ) -> Result<Option<VisitId>, DbError> {
        let keys = inbox_ref_keys(supplier, inbox_id);
        let found: Option<InboxIdRef> = self.get(&keys.pk, &keys.sk).await?;
        Ok(found.map(|r| r.visit_id))
    }

    /// A supplier's new visit, its `inbox_id` reservation, its event and `also` (the request's
    /// idempotency key), at once. `ConditionFailed` means the supplier already used the
    /// `inbox_id`, or a concurrent request wrote the key first.
    pub async fn schedule_visit(
        &self,
        visit: &Visit,
        event: &EventRecord,
        also: Option<(Item, Cond)>,
    ) -> Result<(), DbError> {
        let inbox_id = visit
            .inbox_id
            .as_deref()
            .ok_or_else(|| DbError::Codec("a scheduled visit has an inbox_id".into()))?;
        let mut tx = Tx::new();
        tx.put(to_item("visit", &visit_keys(visit), visit)?, Cond::New);
        tx.put(
            to_item(
                "visit_inbox_id",
                &inbox_ref_keys(visit.supply_org_id, inbox_id),
                &InboxIdRef { visit_id: visit.id },
            )?,
            Cond::New,
        );
        tx.put(self.event_item(event)?, Cond::New);
        tx.put_each(also);
        self.transact(tx).await
    }

    /// Writes a changed visit over the version it was read at, with its event if it has one,
    /// only while its referral is still at the version the decision read (a referral
    /// cancelled meanwhile makes the change decide again, and be refused).
    pub async fn apply_visit_change(
        &self,
        read_version: u64,
        visit: &Visit,
        event: Option<&EventRecord>,
        referral: &Referral,
    ) -> Result<(), DbError> {
        let mut tx = Tx::new();
        tx.put(
            to_item("visit", &visit_keys(visit), visit)?,
            Cond::Version(read_version),
        );
        check_referral(&mut tx, referral);
        if let Some(e) = event {
            tx.put(self.event_item(e)?, Cond::New);
        }
        self.transact(tx).await
    }

    /// A started (`session_read_version` = None: new) or ended session, with the visit that
    /// tracks the open one (over the version read) and the event; a start also holds only
    /// while the referral it read is unchanged.
    pub async fn apply_session_change(
        &self,
        visit_read_version: u64,
        visit: &Visit,
        session_read_version: Option<u64>,
        session: &WorkSession,
        event: &EventRecord,
        referral: Option<&Referral>,
    ) -> Result<(), DbError> {
        let mut tx = Tx::new();
        if let Some(r) = referral {
            check_referral(&mut tx, r);
        }
        tx.put(
            to_item("visit", &visit_keys(visit), visit)?,
            Cond::Version(visit_read_version),
        );
        tx.put(
            to_item("work_session", &session_keys(session), session)?,
            session_read_version.map_or(Cond::New, Cond::Version),
        );
        tx.put(self.event_item(event)?, Cond::New);
        self.transact(tx).await
    }
}
