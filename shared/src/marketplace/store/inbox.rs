//! A supplier's inbox offers list, as a projection (docs/scaling.md §4): one row per offer
//! and matched supplier, in the supplier's own index partitions (all its offers in gsi1, those
//! of one status in gsi4) in the list's order, with the supplier's counts beside them.
//!
//! A row is written with its counts in one transaction, on the condition that the row is
//! still the version its writer read: a redelivered or reordered change finds a newer row and
//! writes nothing, so the counts stay exact under the stream's at-least-once delivery and
//! under concurrent writers (the stream's consumer, the acting supplier's own request, the
//! retention). A retired offer leaves a tombstone in place of each row for as long as a stream
//! keeps a record, so no late change brings it back.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use serde::{Deserialize, Serialize};

use crate::kernel::ids::{OfferId, OrgId};
use crate::marketplace::offer::{
    MatchStatus, Offer, OfferHead, OfferMatch, OfferState, match_status,
};
use crate::store::MAX_TRANSACTION_ITEMS;
use crate::store::db::{Cond, Db, DbError, GSI1, GSI4, Keys, Tx, created_sk, from_item, to_item};

/// Suppliers whose rows one transaction moves: a row and a count each.
pub const SUPPLIERS_PER_TRANSACTION: usize = MAX_TRANSACTION_ITEMS / 2;

/// A tombstone's version: newer than any offer's, so no write replaces it.
const RETIRED_VERSION: u64 = u64::MAX;

/// One offer as its matched supplier's inbox list shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InboxRow {
    pub supply_org_id: OrgId,
    /// The offer's version this row shows: a row is only ever replaced by a newer one.
    pub offer_version: u64,
    /// The status the supplier sees, derived from the offer (what the counts count).
    pub status: MatchStatus,
    pub offer: OfferHead,
    #[serde(rename = "match")]
    pub match_: OfferMatch,
}

impl InboxRow {
    /// The row of `m`'s supplier for `offer` as it is now.
    pub fn of(offer: &Offer, m: &OfferMatch) -> Self {
        let head = OfferHead::from(offer);
        Self {
            supply_org_id: m.supply_org_id,
            offer_version: offer.version,
            status: head.match_status(m),
            offer: head,
            match_: m.clone(),
        }
    }

    /// Its key, and its places in the supplier's list partitions.
    pub fn keys(&self) -> Keys {
        let (pk, sk) = row_key(self.supply_org_id, self.offer.id);
        let order = created_sk(&self.offer.last_change(&self.match_), self.offer.id);
        Keys::new(pk, sk)
            .gsi1(list_partition(self.supply_org_id, None), order.clone())
            .gsi4(list_partition(self.supply_org_id, Some(self.status)), order)
    }
}

/// What a writer reads of the row it would replace.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
pub struct RowVersion {
    pub supply_org_id: OrgId,
    pub offer_version: u64,
    /// `None` on a tombstone.
    pub status: Option<MatchStatus>,
}

impl RowVersion {
    const ATTRIBUTES: &[&str] = &["supply_org_id", "offer_version", "status"];

    /// What `m`'s supplier's row holds once it shows `offer` as it is.
    pub fn of(offer: &Offer, m: &OfferMatch) -> Self {
        Self {
            supply_org_id: m.supply_org_id,
            offer_version: offer.version,
            status: Some(match_status(offer, m)),
        }
    }
}

/// The key of `supplier`'s row for `offer`.
pub fn row_key(supplier: OrgId, offer: OfferId) -> (String, String) {
    (
        format!("SUPPLY#{supplier}#INBOX#{offer}"),
        "INBOX".to_owned(),
    )
}

/// The index partition of `supplier`'s rows: every one (gsi1), or those of one status (gsi4).
fn list_partition(supplier: OrgId, status: Option<MatchStatus>) -> String {
    match status {
        None => format!("SUPPLY#{supplier}#INBOX"),
        Some(s) => format!("SUPPLY#{supplier}#INBOX#{}", status_counter(s)),
    }
}

/// A supplier's inbox counts: `total` and one per status the supplier sees.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct InboxCounts {
    pub total: u64,
    pub open: u64,
    pub expired: u64,
    pub closed: u64,
    pub assigned: u64,
    pub fulfilled: u64,
}

impl InboxCounts {
    /// How many of the supplier's offers it sees with `status`.
    pub fn of(&self, status: MatchStatus) -> u64 {
        match status {
            MatchStatus::Open => self.open,
            MatchStatus::Expired => self.expired,
            MatchStatus::Closed => self.closed,
            MatchStatus::Assigned => self.assigned,
            MatchStatus::Fulfilled => self.fulfilled,
        }
    }
}

/// The key of `supplier`'s [`InboxCounts`] item.
pub fn inbox_counts_key(supplier: OrgId) -> (String, String) {
    (format!("ORG#{supplier}"), "COUNTS#INBOX".to_owned())
}

/// The attribute of [`InboxCounts`] that counts `status` (also its index partition's suffix).
fn status_counter(status: MatchStatus) -> &'static str {
    match status {
        MatchStatus::Open => "open",
        MatchStatus::Expired => "expired",
        MatchStatus::Closed => "closed",
        MatchStatus::Assigned => "assigned",
        MatchStatus::Fulfilled => "fulfilled",
    }
}

/// The condition that the row is still `current` as read (`None`: still missing).
fn unchanged(current: Option<&RowVersion>) -> Cond {
    match current {
        None => Cond::New,
        Some(c) => Cond::Equals(
            "offer_version",
            AttributeValue::N(c.offer_version.to_string()),
        ),
    }
}

/// Adds to `tx` the writes that replace `current` (as read) by `row`, with the supplier's
/// counts: nothing when the row read is as new as `row` already (`false`).
pub(crate) fn replace_row(
    tx: &mut Tx,
    row: &InboxRow,
    current: Option<&RowVersion>,
) -> Result<bool, DbError> {
    if current.is_some_and(|c| c.offer_version >= row.offer_version) {
        return Ok(false);
    }
    tx.put(
        to_item("inbox_offer", &row.keys(), row)?,
        unchanged(current),
    );
    let new = status_counter(row.status);
    let deltas = match current.and_then(|c| c.status) {
        None => vec![("total", 1), (new, 1)],
        Some(old) if old == row.status => vec![],
        Some(old) => vec![(status_counter(old), -1), (new, 1)],
    };
    if !deltas.is_empty() {
        let (pk, sk) = inbox_counts_key(row.supply_org_id);
        tx.add(&pk, &sk, deltas);
    }
    Ok(true)
}

/// The tombstone left in place of a retired offer's row.
#[derive(Serialize)]
struct RetiredRow {
    supply_org_id: OrgId,
    offer_version: u64,
}

impl Db {
    /// The rows of `offer` that `suppliers` have now, as much as a writer reads of them.
    pub async fn inbox_row_versions(
        &self,
        offer: OfferId,
        suppliers: impl IntoIterator<Item = OrgId>,
    ) -> Result<HashMap<OrgId, RowVersion>, DbError> {
        let keys: Vec<(String, String)> =
            suppliers.into_iter().map(|s| row_key(s, offer)).collect();
        if keys.is_empty() {
            return Ok(HashMap::new());
        }
        self.batch_get_projected(&keys, Some(RowVersion::ATTRIBUTES))
            .await?
            .into_iter()
            .map(|item| from_item::<RowVersion>(item).map(|r| (r.supply_org_id, r)))
            .collect()
    }

    /// Brings every matched supplier's row of `state`'s offer up to it, with their counts,
    /// [`SUPPLIERS_PER_TRANSACTION`] suppliers to a transaction. `ConditionFailed` when another
    /// writer changed a row after it was read: read the offer again and project that.
    /// Answers how many rows were written.
    pub async fn project_inbox(&self, state: &OfferState) -> Result<usize, DbError> {
        let current = self
            .inbox_row_versions(
                state.offer.id,
                state.matches.iter().map(|m| m.supply_org_id),
            )
            .await?;
        let mut written = 0;
        for chunk in state.matches.chunks(SUPPLIERS_PER_TRANSACTION) {
            let mut tx = Tx::new();
            let mut rows = 0;
            for m in chunk {
                let row = InboxRow::of(&state.offer, m);
                rows += usize::from(replace_row(&mut tx, &row, current.get(&m.supply_org_id))?);
            }
            if rows > 0 {
                self.transact(tx).await?;
                written += rows;
            }
        }
        Ok(written)
    }

    /// Replaces the rows of a retired offer with tombstones that DynamoDB removes after
    /// `until` (epoch seconds), counting each row out of its supplier's counts once (a row
    /// already retired is left as it is).
    pub async fn retire_inbox_rows(
        &self,
        offer: OfferId,
        suppliers: &[OrgId],
        until: i64,
    ) -> Result<(), DbError> {
        let current = self
            .inbox_row_versions(offer, suppliers.iter().copied())
            .await?;
        let live: Vec<&RowVersion> = suppliers
            .iter()
            .filter_map(|s| current.get(s))
            .filter(|r| r.offer_version != RETIRED_VERSION)
            .collect();
        let ttl = until.to_string();
        for chunk in live.chunks(SUPPLIERS_PER_TRANSACTION) {
            let mut tx = Tx::new();
            for row in chunk {
                let (pk, sk) = row_key(row.supply_org_id, offer);
                let mut tombstone = to_item(
                    "inbox_offer_retired",
                    &Keys::new(pk, sk),
                    &RetiredRow {
                        supply_org_id: row.supply_org_id,
                        offer_version: RETIRED_VERSION,
                    },
                )?;
                tombstone.insert("ttl".into(), AttributeValue::N(ttl.clone()));
                tx.put(tombstone, unchanged(Some(row)));
                let mut deltas = vec![("total", -1)];
                deltas.extend(row.status.map(|s| (status_counter(s), -1)));
                let (pk, sk) = inbox_counts_key(row.supply_org_id);
                tx.add(&pk, &sk, deltas);
            }
            self.transact(tx).await?;
        }
        Ok(())
    }

    /// One page of `supplier`'s inbox (of `status`, when given) in last-change order
    /// ([`Db::index_page`]), and the sort key of the last row.
    pub async fn inbox_page_of_supplier(
        &self,
        supplier: OrgId,
        status: Option<MatchStatus>,
        ascending: bool,
        after: Option<String>,
        skip: usize,
        limit: usize,
    ) -> Result<(Vec<InboxRow>, Option<String>), DbError> {
        let index = if status.is_some() { GSI4 } else { GSI1 };
        let (items, last) = self
            .index_page(
                index,
                &list_partition(supplier, status),
                ascending,
                after,
                skip,
                limit,
            )
            .await?;
        let rows = items.into_iter().map(from_item).collect::<Result<_, _>>()?;
        Ok((rows, last))
    }

    /// Every row of `supplier`'s inbox, latest change first (a list filtered beyond status).
    pub async fn inbox_of_supplier(&self, supplier: OrgId) -> Result<Vec<InboxRow>, DbError> {
        let items = self
            .query_all(Some(GSI1), &list_partition(supplier, None), None, false)
            .await?;
        items.into_iter().map(from_item).collect()
    }

    /// `supplier`'s inbox counts (all zero before its first match).
    pub async fn inbox_counts(&self, supplier: OrgId) -> Result<InboxCounts, DbError> {
        let (pk, sk) = inbox_counts_key(supplier);
        Ok(self.get::<InboxCounts>(&pk, &sk).await?.unwrap_or_default())
    }
}
