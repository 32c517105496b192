//! Sequence summaries, listed by either side through its own index partition, newest message
//! last in index order (`<latest_message_created_at>#<sequence>`).

use crate::kernel::ids::{OfferId, OrgId, SequenceId};
use crate::marketplace::message::SenderType;
use crate::marketplace::offer::Offer;
use crate::marketplace::sequence::Sequence;

use crate::store::db::{Db, DbError, GSI1, GSI2, Keys, Tx, created_sk, from_item};

pub fn sequence_keys(s: &Sequence) -> Keys {
    let sk = created_sk(&s.latest_message_created_at, s.id);
    Keys::new(format!("SEQ#{}", s.id), "SEQ")
        .gsi1(format!("DEMAND#{}#SEQ", s.demand_org_id), sk.clone())
        .gsi2(format!("SUPPLY#{}#SEQ", s.supply_org_id), sk)
}

/// An organization's sequence counts, one per side: added to in the transaction of each
/// sequence's first message (which creates its summary), so each side's list takes its
/// `total_items` from one `GetItem` (docs/scaling.md §4). Sequences begun before the counts
/// existed are not counted (a deployment with data would count them once).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(default)]
pub struct SequenceCounts {
    pub as_demand: u64,
    pub as_supplier: u64,
}

impl SequenceCounts {
    /// How many sequences the organization is a party to on `side`.
    pub fn on(&self, side: SenderType) -> u64 {
        match side {
            SenderType::Demand => self.as_demand,
            SenderType::Supply => self.as_supplier,
        }
    }
}

/// The key of `org`'s [`SequenceCounts`] item.
pub fn sequence_counts_key(org: OrgId) -> (String, String) {
    (format!("ORG#{org}"), "COUNTS#SEQ".to_owned())
}

/// Adds to `tx` the counting of the new sequence `s` on both its sides (one update when one
/// organization is both).
pub(crate) fn count_new_sequence(tx: &mut Tx, s: &Sequence) {
    let (demand, supply) = (s.demand_org_id, s.supply_org_id);
    let (pk, sk) = sequence_counts_key(demand);
    if demand == supply {
        tx.add(&pk, &sk, vec![("as_demand", 1), ("as_supplier", 1)]);
    } else {
        tx.add(&pk, &sk, vec![("as_demand", 1)]);
        let (pk, sk) = sequence_counts_key(supply);
        tx.add(&pk, &sk, vec![("as_supplier", 1)]);
    }
}

/// The index and partition of `org`'s sequences on `side`, by latest message.
fn side_partition(side: SenderType, org: OrgId) -> (&'static str, String) {
    match side {
        SenderType::Demand => (GSI1, format!("DEMAND#{org}#SEQ")),
        SenderType::Supply => (GSI2, format!("SUPPLY#{org}#SEQ")),
    }
}

impl Db {
    /// `org`'s sequence counts (all zero before its first sequence).
    pub async fn sequence_counts(&self, org: OrgId) -> Result<SequenceCounts, DbError> {
        let (pk, sk) = sequence_counts_key(org);
        Ok(self
            .get::<SequenceCounts>(&pk, &sk)
            .await?
            .unwrap_or_default())
    }

    /// One page of `org`'s sequences on `side` in latest-message order ([`Db::index_page`]),
    /// and the sort key of the last one.
    pub async fn sequences_page(
        &self,
        side: SenderType,
        org: OrgId,
        ascending: bool,
        after: Option<String>,
        skip: usize,
        limit: usize,
    ) -> Result<(Vec<Sequence>, Option<String>), DbError> {
        let (index, pk) = side_partition(side, org);
        let (items, last) = self
            .index_page(index, &pk, ascending, after, skip, limit)
            .await?;
        let sequences = items.into_iter().map(from_item).collect::<Result<_, _>>()?;
        Ok((sequences, last))
    }

    pub async fn get_sequence(&self, id: SequenceId) -> Result<Option<Sequence>, DbError> {
        self.get(&format!("SEQ#{id}"), "SEQ").await
    }

    /// The summaries of the given sequences that exist (at most 100 ids, the spec's limit).
    pub async fn get_sequences(&self, ids: &[SequenceId]) -> Result<Vec<Sequence>, DbError> {
        let keys: Vec<(String, String)> = ids
            .iter()
            .map(|id| (format!("SEQ#{id}"), "SEQ".to_owned()))
            .collect();
        self.batch_get(&keys)
            .await?
            .into_iter()
            .map(from_item)
            .collect()
    }

    /// A demand organization's sequences, oldest latest-message first.
    pub async fn sequences_of_demand(&self, demand: OrgId) -> Result<Vec<Sequence>, DbError> {
        self.sequences_of(SenderType::Demand, demand).await
    }

    /// A supply organization's sequences, oldest latest-message first.
    pub async fn sequences_of_supplier(&self, supply: OrgId) -> Result<Vec<Sequence>, DbError> {
        self.sequences_of(SenderType::Supply, supply).await
    }

    async fn sequences_of(&self, side: SenderType, org: OrgId) -> Result<Vec<Sequence>, DbError> {
        let (index, pk) = side_partition(side, org);
        self.query_all(Some(index), &pk, None, true)
            .await?
            .into_iter()
            .map(from_item)
            .collect()
    }

    /// The offer alone (without its matches): what a sequence summary copies its client and
    /// service from.
    pub async fn get_offer(&self, id: OfferId) -> Result<Option<Offer>, DbError> {
        self.get(&format!("OFFER#{id}"), "OFFER").await
    }
}
