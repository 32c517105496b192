//! Sequence summaries, listed by either side through its own index partition, newest message
//! last in index order (`<latest_message_created_at>#<sequence>`).

use crate::kernel::ids::{OfferId, OrgId, SequenceId};
use crate::marketplace::offer::Offer;
use crate::marketplace::sequence::Sequence;

use crate::store::db::{Db, DbError, GSI1, GSI2, Keys, created_sk, from_item};

pub fn sequence_keys(s: &Sequence) -> Keys {
    let sk = created_sk(&s.latest_message_created_at, s.id);
    Keys::new(format!("SEQ#{}", s.id), "SEQ")
        .gsi1(format!("DEMAND#{}#SEQ", s.demand_org_id), sk.clone())
        .gsi2(format!("SUPPLY#{}#SEQ", s.supply_org_id), sk)
}

impl Db {
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
        self.query_all(Some(GSI1), &format!("DEMAND#{demand}#SEQ"), None, true)
            .await?
            .into_iter()
            .map(from_item)
            .collect()
    }

    /// A supply organization's sequences, oldest latest-message first.
    pub async fn sequences_of_supplier(&self, supply: OrgId) -> Result<Vec<Sequence>, DbError> {
        self.query_all(Some(GSI2), &format!("SUPPLY#{supply}#SEQ"), None, true)
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
