//! Offers and their matches. An offer and all its matches share one partition, so one query
//! reads the whole [`OfferState`] a transition needs.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;

use crate::events::EventRecord;
use crate::kernel::ids::{OfferId, OrgId};
use crate::marketplace::offer::{Offer, OfferMatch, OfferState, OfferStatus, Transition};
use crate::marketplace::organization::AssignmentMode;
use crate::marketplace::referral::Referral;
use crate::marketplace::store::inbox::{InboxRow, RowVersion, replace_row};

use crate::store::MAX_TRANSACTION_ITEMS;
use crate::store::db::{
    Cond, Db, DbError, GSI1, GSI2, GSI4, Item, Keys, Tx, created_sk, from_item, kind_of,
    sysadmin_partition, to_item,
};

/// The writes a creation adds besides its offers': the demand's counters.
pub const COUNTER_WRITES: usize = 1;

/// How long the marker of a retired offer stays: past the 24 h a stream keeps a record, so a
/// redelivered removal still finds it.
pub const RETIRED_MARKER_SECONDS: i64 = 3 * 24 * 3600;

/// The sort key of the marker [`Db::retire_offer`] leaves in the removed offer's partition.
const RETIRED_SK: &str = "RETIRED";

/// The marker's attributes.
#[derive(serde::Serialize)]
struct RetiredOffer {
    offer_id: OfferId,
}

/// Partitions of the expiry index, so that no one index partition takes every offer.
pub const EXPIRY_SHARDS: u32 = 16;

fn expiry_shard(id: OfferId) -> u32 {
    // The id is random: its first bytes spread offers evenly.
    u32::from_be_bytes(id.0.as_bytes()[..4].try_into().expect("4 bytes")) % EXPIRY_SHARDS
}

/// An offer's keys. An open offer is also in the expiry index (gsi2), by expiry time; any
/// other status drops it from there, as the offer item is rewritten whole.
pub fn offer_keys(o: &Offer) -> Keys {
    // gsi1 holds the demand's offers in the lists' order, last modified, and gsi4 the same
    // by status; every write of an offer rewrites the item, so both indexes follow.
    let modified = created_sk(&o.updated_at.unwrap_or(o.created_at), o.id);
    let keys = Keys::new(format!("OFFER#{}", o.id), "OFFER")
        .gsi1(
            format!("DEMAND#{}#OFFER", o.demand_org_id),
            modified.clone(),
        )
        .gsi4(
            format!(
                "DEMAND#{}#OFFER#{}",
                o.demand_org_id,
                status_counter(o.status)
            ),
            modified,
        )
        .gsi3(
            sysadmin_partition("OFFER", &o.id.0),
            created_sk(&o.created_at, o.id),
        );
    if o.status == OfferStatus::Open {
        keys.gsi2(
            format!("OFFEREXP#{}", expiry_shard(o.id)),
            created_sk(&o.expires_at, o.id),
        )
    } else {
        keys
    }
}

/// A match's keys. gsi2 finds the match by its sequence: the match is what makes two
/// organizations parties to a conversation. (The supplier's list of its matches is the inbox
/// projection, [`crate::marketplace::store::inbox`].)
pub fn match_keys(m: &OfferMatch) -> Keys {
    Keys::new(
        format!("OFFER#{}", m.offer_id),
        format!("MATCH#{}", m.supply_org_id),
    )
    .gsi2(format!("SEQ#{}", m.sequence_id), "MATCH")
}

/// The item by which a `visit` offer holds its visit (see [`Offer::held_visit`]): one per
/// demand organization and visit outbox id, created with the offer (it must not exist) and
/// deleted by the transition that lets the visit go.
fn visit_hold_key(demand: OrgId, visit_outbox_id: &str) -> (String, String) {
    (
        format!("DEMAND#{demand}#VISIT#{visit_outbox_id}"),
        "VISIT_HOLD".to_owned(),
    )
}

#[derive(serde::Serialize)]
struct VisitHold {
    offer_id: OfferId,
}

/// The writes of one new offer: the offer, its matches, the hold on its visit (for a visit
/// offer) and its events.
fn put_new_offer(
    db: &Db,
    tx: &mut Tx,
    state: &OfferState,
    events: &[EventRecord],
) -> Result<(), DbError> {
    tx.put(
        to_item("offer", &offer_keys(&state.offer), &state.offer)?,
        Cond::New,
    );
    for m in &state.matches {
        tx.put(to_item("match", &match_keys(m), m)?, Cond::New);
    }
    if let Some(visit) = state.offer.held_visit() {
        let (pk, sk) = visit_hold_key(state.offer.demand_org_id, visit);
        tx.put(
            to_item(
                "visit_hold",
                &Keys::new(pk, sk),
                &VisitHold {
                    offer_id: state.offer.id,
                },
            )?,
            Cond::New,
        );
    }
    for e in events {
        tx.put(db.event_item(e)?, Cond::New);
    }
    Ok(())
}

/// A demand organization's offer counts: `total` and one per status, kept in the transaction
/// of every offer creation and status change, so a list's `total_items` is one `GetItem`
/// however long the organization's history (docs/scaling.md §4). One item per demand takes
/// its offers' writes: ≈ 50/s at the largest organization, far below an item's 1,000 WRU/s.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(default)]
pub struct OfferCounts {
    pub total: u64,
    pub open: u64,
    pub assigned: u64,
    pub closed: u64,
    pub declined_by_all: u64,
    pub expired: u64,
}

impl OfferCounts {
    /// How many offers have `status`.
    pub fn of(&self, status: OfferStatus) -> u64 {
        match status {
            OfferStatus::Open => self.open,
            OfferStatus::Assigned => self.assigned,
            OfferStatus::Closed => self.closed,
            OfferStatus::DeclinedByAll => self.declined_by_all,
            OfferStatus::Expired => self.expired,
        }
    }
}

/// The key of `demand`'s [`OfferCounts`] item.
pub fn counts_key(demand: OrgId) -> (String, String) {
    (format!("ORG#{demand}"), "COUNTS#OFFER".to_owned())
}

/// The attribute of [`OfferCounts`] that counts `status`.
fn status_counter(status: OfferStatus) -> &'static str {
    match status {
        OfferStatus::Open => "open",
        OfferStatus::Assigned => "assigned",
        OfferStatus::Closed => "closed",
        OfferStatus::DeclinedByAll => "declined_by_all",
        OfferStatus::Expired => "expired",
    }
}

impl Db {
    /// One page of `demand`'s offers (of `status`, when given) in last-modified order
    /// ([`Db::index_page`]), and the sort key of the last one.
    pub async fn offers_page_of_demand(
        &self,
        demand: OrgId,
        status: Option<OfferStatus>,
        ascending: bool,
        after: Option<String>,
        skip: usize,
        limit: usize,
    ) -> Result<(Vec<Offer>, Option<String>), DbError> {
        let (index, pk) = match status {
            None => (GSI1, format!("DEMAND#{demand}#OFFER")),
            Some(s) => (GSI4, format!("DEMAND#{demand}#OFFER#{}", status_counter(s))),
        };
        let (items, last) = self
            .index_page(index, &pk, ascending, after, skip, limit)
            .await?;
        let offers = items.into_iter().map(from_item).collect::<Result<_, _>>()?;
        Ok((offers, last))
    }

    /// `demand`'s offer counts (all zero before its first offer).
    pub async fn offer_counts(&self, demand: OrgId) -> Result<OfferCounts, DbError> {
        let (pk, sk) = counts_key(demand);
        Ok(self.get::<OfferCounts>(&pk, &sk).await?.unwrap_or_default())
    }
}

/// How many writes [`Db::create_offers`] makes for one offer (its demand's counters are one
/// more per request: [`COUNTER_WRITES`]).
pub fn new_offer_writes(state: &OfferState, events: &[EventRecord]) -> usize {
    1 + state.matches.len() + usize::from(state.offer.held_visit().is_some()) + events.len()
}

fn response_value(m: &OfferMatch) -> AttributeValue {
    let v = serde_json::to_value(m.response).expect("enum serializes");
    AttributeValue::S(v.as_str().unwrap_or_default().to_owned())
}

impl Db {
    pub async fn load_offer(&self, id: OfferId) -> Result<Option<OfferState>, DbError> {
        let items = self
            .query_all(None, &format!("OFFER#{id}"), None, true)
            .await?;
        let mut offer = None;
        let mut matches = Vec::new();
        for item in items {
            match kind_of(&item) {
                Some("offer") => offer = Some(from_item::<Offer>(item)?),
                Some("match") => matches.push(from_item::<OfferMatch>(item)?),
                _ => {}
            }
        }
        Ok(offer.map(|offer| OfferState { offer, matches }))
    }

    /// Writes new offers, each with its matches, visit hold and events, in one transaction,
    /// with `also` (the request's idempotency key): all of them or none. A condition failure
    /// means a visit is already held by another open or assigned visit offer, or the key was
    /// written first by another request.
    pub async fn create_offers(
        &self,
        offers: &[(OfferState, Vec<EventRecord>)],
        also: Option<(Item, Cond)>,
    ) -> Result<(), DbError> {
        let mut tx = Tx::new();
        tx.put_each(also);
        let mut new_per_demand: HashMap<OrgId, i64> = HashMap::new();
        for (state, events) in offers {
            put_new_offer(self, &mut tx, state, events)?;
            *new_per_demand.entry(state.offer.demand_org_id).or_default() += 1;
        }
        for (demand, n) in new_per_demand {
            let (pk, sk) = counts_key(demand);
            tx.add(
                &pk,
                &sk,
                vec![("total", n), (status_counter(OfferStatus::Open), n)],
            );
        }
        self.transact(tx).await
    }

    /// Writes a transition computed from `before`: the offer only if its version is still the
    /// one read, each changed match only if its response is still the one read, a new
    /// referral if the transition assigned, and the events — all or nothing. With
    /// `demand_mode`, only if the demand organization's assignment mode is still that one
    /// (the decision took it from the offer's copy instead of reading the organization).
    /// With `actor`, the acting supplier's inbox row (as read) is brought up to the offer in
    /// the same transaction, so its own list shows its change at once; the other suppliers'
    /// rows follow from the stream ([`Db::project_inbox`]).
    pub async fn apply_offer_transition(
        &self,
        before: &OfferState,
        transition: &Transition,
        referral: Option<&Referral>,
        events: &[EventRecord],
        demand_mode: Option<AssignmentMode>,
        actor: Option<(OrgId, Option<&RowVersion>)>,
    ) -> Result<(), DbError> {
        let mut tx = Tx::new();
        if let Some((supplier, current)) = actor {
            // Its match as the transition leaves it (changed, or as it was).
            let changed = transition.changed_matches.iter();
            if let Some(m) = changed
                .chain(&before.matches)
                .find(|m| m.supply_org_id == supplier)
            {
                replace_row(&mut tx, &InboxRow::of(&transition.offer, m), current)?;
            }
        }
        if let Some(mode) = demand_mode {
            let value = serde_json::to_value(mode).map_err(|e| DbError::Codec(e.to_string()))?;
            let org =
                crate::marketplace::store::organizations::org_keys(before.offer.demand_org_id);
            tx.check(
                &org.pk,
                &org.sk,
                Cond::PathEquals(
                    &["demand", "offer_assignment"],
                    AttributeValue::S(value.as_str().unwrap_or_default().to_owned()),
                ),
            );
        }
        let mut offer = to_item("offer", &offer_keys(&transition.offer), &transition.offer)?;
        if transition.offer.status.ended_without_referral() {
            // DynamoDB removes the offer once its retention has passed; the table's stream
            // then retires the rest of it ([`Db::retire_offer`]).
            let ended = transition
                .offer
                .updated_at
                .unwrap_or(transition.offer.created_at);
            let ttl = ended.timestamp() + self.finished_offer_ttl_seconds;
            offer.insert("ttl".into(), AttributeValue::N(ttl.to_string()));
        }
        tx.put(offer, Cond::Version(before.offer.version));
        if transition.offer.status != before.offer.status {
            let (pk, sk) = counts_key(before.offer.demand_org_id);
            tx.add(
                &pk,
                &sk,
                vec![
                    (status_counter(before.offer.status), -1),
                    (status_counter(transition.offer.status), 1),
                ],
            );
        }
        for m in &transition.changed_matches {
            let previous = before
                .matches
                .iter()
                .find(|p| p.id == m.id)
                .ok_or(DbError::ConditionFailed)?;
            tx.put(
                to_item("match", &match_keys(m), m)?,
                Cond::Equals("response", response_value(previous)),
            );
        }
        if let Some(r) = referral {
            crate::marketplace::store::referrals::put_new_referral(&mut tx, r)?;
        }
        if let (Some(visit), None) = (before.offer.held_visit(), transition.offer.held_visit()) {
            let (pk, sk) = visit_hold_key(before.offer.demand_org_id, visit);
            tx.delete(
                &pk,
                &sk,
                Cond::Equals("offer_id", AttributeValue::S(before.offer.id.to_string())),
            );
        }
        for e in events {
            tx.put(self.event_item(e)?, Cond::New);
        }
        self.transact(tx).await
    }

    /// What is left of an offer that was removed from the table (by TTL, or by hand): its
    /// matches go, and its demand's counts no longer count it. Counting down and the first
    /// deletes are one transaction with a marker that must not exist yet, so a stream record
    /// delivered twice counts down once (`Ok(false)`: retired before; whatever is left is
    /// deleted again, which changes nothing). The marker stays [`RETIRED_MARKER_SECONDS`], as
    /// do the tombstones of the suppliers' inbox rows, which go first.
    pub async fn retire_offer(
        &self,
        removed: &Offer,
        at: crate::kernel::time::Timestamp,
    ) -> Result<bool, DbError> {
        let pk = format!("OFFER#{}", removed.id);
        let left: Vec<String> = self
            .query(crate::store::Query {
                attributes: Some(&["sk"]),
                ..crate::store::Query::partition(None, &pk)
            })
            .await?
            .iter()
            .filter_map(|i| i.get("sk")?.as_s().ok().cloned())
            .filter(|sk| sk != RETIRED_SK)
            .collect();
        // The suppliers' rows first: a failure leaves the matches, so a retry finds them.
        let suppliers: Vec<OrgId> = left
            .iter()
            .filter_map(|sk| sk.strip_prefix("MATCH#")?.parse().ok())
            .collect();
        let until = at.timestamp() + RETIRED_MARKER_SECONDS;
        self.retire_inbox_rows(removed.id, &suppliers, until)
            .await?;
        let mut marker = to_item(
            "retired_offer",
            &Keys::new(pk.clone(), RETIRED_SK),
            &RetiredOffer {
                offer_id: removed.id,
            },
        )?;
        marker.insert("ttl".into(), AttributeValue::N(until.to_string()));
        let (first, later) = left.split_at(left.len().min(MAX_TRANSACTION_ITEMS - 2));
        let mut tx = Tx::new();
        tx.put(marker, Cond::New);
        let (counts_pk, counts_sk) = counts_key(removed.demand_org_id);
        tx.add(
            &counts_pk,
            &counts_sk,
            vec![("total", -1), (status_counter(removed.status), -1)],
        );
        for sk in first {
            tx.delete(&pk, sk, Cond::Any);
        }
        let (first_time, rest) = match self.transact(tx).await {
            Ok(()) => (true, later),
            Err(DbError::ConditionFailed) => (false, left.as_slice()),
            Err(e) => return Err(e),
        };
        for chunk in rest.chunks(MAX_TRANSACTION_ITEMS) {
            let mut tx = Tx::new();
            for sk in chunk {
                tx.delete(&pk, sk, Cond::Any);
            }
            self.transact(tx).await?;
        }
        Ok(first_time)
    }

    /// Open offers whose expiry is at or before `now`, from every shard of the expiry index.
    pub async fn offers_due_to_expire(
        &self,
        now: crate::kernel::time::Timestamp,
    ) -> Result<Vec<OfferId>, DbError> {
        let items = self
            .due_in_shards(GSI2, "OFFEREXP#", EXPIRY_SHARDS, &now, Some(&["id"]))
            .await?;
        Ok(items
            .iter()
            .filter_map(|item| item.get("id")?.as_s().ok()?.parse().ok())
            .collect())
    }

    /// Every offer of every organization, newest first (the sys_admin list).
    pub async fn all_offers(&self) -> Result<Vec<Offer>, DbError> {
        let items = self.sysadmin_list("OFFER").await?;
        items.into_iter().map(from_item).collect()
    }

    /// Every offer the demand organization created, newest first.
    pub async fn offers_of_demand(&self, demand: OrgId) -> Result<Vec<Offer>, DbError> {
        let items = self
            .query_all(Some(GSI1), &format!("DEMAND#{demand}#OFFER"), None, false)
            .await?;
        items.into_iter().map(from_item).collect()
    }
}
