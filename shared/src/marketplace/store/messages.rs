//! Messages, by id and by sequence, and the parties of a sequence (found through its match).

use serde::{Deserialize, Serialize};

use crate::events::EventRecord;
use crate::kernel::ids::{FileId, MessageId, ReferralId, SequenceId};
use crate::marketplace::message::{Message, SequenceOrigin, SequenceParties};
use crate::marketplace::offer::OfferMatch;
use crate::marketplace::referral::Referral;
use crate::marketplace::sequence::Sequence;

use crate::marketplace::store::sequences::{count_new_sequence, sequence_keys};
use crate::store::db::{
    Cond, Db, DbError, GSI1, GSI2, Item, Keys, Tx, created_sk, from_item, kind_of, to_item,
};

pub fn message_keys(m: &Message) -> Keys {
    let keys = Keys::new(format!("MSG#{}", m.id), "MSG").gsi1(
        format!("SEQ#{}#MSG", m.sequence_id),
        created_sk(&m.created_at, m.id),
    );
    // A file is found by its id alone (file endpoints, sys_admin by_file_id).
    match &m.file {
        Some(f) => keys.gsi2(format!("FILE#{}", f.id), "MSG"),
        None => keys,
    }
}

fn parties_keys(id: SequenceId) -> Keys {
    Keys::new(format!("SEQ#{id}"), "PARTIES")
}

/// The item that names a direct referral's sequence parties (an offer's are on its matches):
/// written, only if new, by the transaction that creates the sequence's first revision.
pub fn sequence_parties_item(parties: &SequenceParties) -> Result<Item, DbError> {
    to_item(
        "sequence_parties",
        &parties_keys(parties.sequence_id),
        parties,
    )
}

/// Which referral a sequence belongs to now, found beside the sequence's match by the same
/// index query.
#[derive(Serialize, Deserialize)]
struct SequenceReferral {
    referral_id: ReferralId,
}

const SEQUENCE_REFERRAL: &str = "sequence_referral";

/// Names `referral` as its sequence's referral, in the transaction that creates it: its first
/// revision (from an offer's assignment or a direct referral) creates the item, each later
/// revision moves it on.
pub fn name_sequence_referral(tx: &mut Tx, referral: &Referral) -> Result<(), DbError> {
    let sequence = referral.sequence_id;
    let keys = Keys::new(format!("SEQ#{sequence}"), "REFERRAL")
        .gsi2(format!("SEQ#{sequence}"), "REFERRAL");
    let item = to_item(
        SEQUENCE_REFERRAL,
        &keys,
        &SequenceReferral {
            referral_id: referral.id,
        },
    )?;
    let first = referral.revision.revision_number == 1;
    tx.put(item, if first { Cond::New } else { Cond::Exists });
    Ok(())
}

impl Db {
    /// The organizations of a sequence: from the offer match that opened it, or else from the
    /// parties item its direct referral wrote ([`sequence_parties_item`]); with the referral
    /// it belongs to, if any ([`name_sequence_referral`]).
    pub async fn sequence_parties(
        &self,
        id: SequenceId,
    ) -> Result<Option<SequenceParties>, DbError> {
        let items = self
            .query_all(Some(GSI2), &format!("SEQ#{id}"), None, true)
            .await?;
        let mut offer_match: Option<OfferMatch> = None;
        let mut referral_id = None;
        for item in items {
            if kind_of(&item) == Some(SEQUENCE_REFERRAL) {
                referral_id = Some(from_item::<SequenceReferral>(item)?.referral_id);
            } else if offer_match.is_none() {
                offer_match = Some(from_item(item)?);
            }
        }
        let parties = match offer_match {
            Some(m) => Some(SequenceParties {
                sequence_id: id,
                origin: SequenceOrigin::Offer(m.offer_id),
                demand_org_id: m.demand_org_id,
                supply_org_id: m.supply_org_id,
                referral_id: None,
            }),
            None => {
                let keys = parties_keys(id);
                self.get::<SequenceParties>(&keys.pk, &keys.sk).await?
            }
        };
        Ok(parties.map(|p| SequenceParties { referral_id, ..p }))
    }

    /// Stores a new message with its event, the sequence's new summary and `also` (the
    /// request's idempotency key), in one transaction; the summary is written only over the
    /// version it was read at (`read`, `None` when the sequence had no message yet, which
    /// also counts the new sequence on both its sides).
    pub async fn put_message(
        &self,
        m: &Message,
        event: &EventRecord,
        sequence: &Sequence,
        read: Option<u64>,
        also: Option<(Item, Cond)>,
    ) -> Result<(), DbError> {
        let mut tx = Tx::new();
        tx.put_each(also);
        tx.put(to_item("message", &message_keys(m), m)?, Cond::New);
        tx.put(self.event_item(event)?, Cond::New);
        tx.put(
            to_item("sequence", &sequence_keys(sequence), sequence)?,
            read.map_or(Cond::New, Cond::Version),
        );
        if read.is_none() {
            count_new_sequence(&mut tx, sequence);
        }
        self.transact(tx).await
    }

    /// The message that carries file `id`.
    pub async fn message_of_file(&self, id: FileId) -> Result<Option<Message>, DbError> {
        let items = self
            .query_all(Some(GSI2), &format!("FILE#{id}"), None, true)
            .await?;
        items.into_iter().next().map(from_item).transpose()
    }

    pub async fn get_message(&self, id: MessageId) -> Result<Option<Message>, DbError> {
        self.get(&format!("MSG#{id}"), "MSG").await
    }

    /// A sequence's messages, oldest first.
    pub async fn messages_of_sequence(&self, id: SequenceId) -> Result<Vec<Message>, DbError> {
        self.query_all(Some(GSI1), &format!("SEQ#{id}#MSG"), None, true)
            .await?
            .into_iter()
            .map(from_item)
            .collect()
    }
}
