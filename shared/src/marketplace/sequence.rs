//! A sequence's summary: the demand↔supply thread of an offer match (or of a direct referral)
//! as the sequence lists show it (client, service, latest message time). It is written by the message-send transaction, so
//! a sequence is listed from its first message on and its `latest_message_created_at` is exact.

use serde::{Deserialize, Serialize};

use crate::kernel::ids::{ClientId, OfferId, OrgId, SequenceId};
use crate::kernel::time::{Timestamp, serde_ts};
use crate::marketplace::common::{Client, OrganizationLean};
use crate::marketplace::message::{Message, SequenceParties};
use crate::marketplace::offer::Service;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SequenceClient {
    pub id: ClientId,
    pub outbox_id: String,
    pub first_name: String,
    pub last_name: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SequenceService {
    pub outbox_id: String,
    pub name: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Sequence {
    pub id: SequenceId,
    /// The offer whose match opened the sequence; none for a direct referral's.
    #[serde(default)]
    pub offer_id: Option<OfferId>,
    pub demand_org_id: OrgId,
    pub supply_org_id: OrgId,
    pub client: SequenceClient,
    pub service: SequenceService,
    #[serde(with = "serde_ts")]
    pub latest_message_created_at: Timestamp,
    pub message_count: u64,
    /// Optimistic-concurrency version: every message that moves the summary increments it.
    pub version: u64,
}

/// The care a sequence is about: the client and service of the offer or referral that opened it.
#[derive(Clone, Debug, PartialEq)]
pub struct SequenceCare {
    pub client: SequenceClient,
    pub service: SequenceService,
}

impl SequenceCare {
    pub fn new(client_id: ClientId, client: &Client, service: &Service) -> Self {
        SequenceCare {
            client: SequenceClient {
                id: client_id,
                outbox_id: client.outbox_id.as_str().to_owned(),
                first_name: client.demographics.first_name.as_str().to_owned(),
                last_name: client.demographics.last_name.as_str().to_owned(),
            },
            service: SequenceService {
                outbox_id: service.outbox_id.as_str().to_owned(),
                name: service.name.as_str().to_owned(),
            },
        }
    }
}

/// A message offered to the summary of a sequence it is not in: a caller's mistake, never a
/// client's.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("message {message} is not in sequence {sequence}")]
pub struct OtherSequence {
    pub message: crate::kernel::ids::MessageId,
    pub sequence: crate::kernel::ids::SequenceId,
}

impl Sequence {
    /// The summary a sequence gets with its first message, about the care that opened it.
    pub fn first_message(
        parties: &SequenceParties,
        care: SequenceCare,
        message: &Message,
    ) -> Result<Sequence, OtherSequence> {
        if message.sequence_id != parties.sequence_id {
            return Err(OtherSequence {
                message: message.id,
                sequence: parties.sequence_id,
            });
        }
        Ok(Sequence {
            id: parties.sequence_id,
            offer_id: parties.origin.offer_id(),
            demand_org_id: parties.demand_org_id,
            supply_org_id: parties.supply_org_id,
            client: care.client,
            service: care.service,
            latest_message_created_at: message.created_at,
            message_count: 1,
            version: 1,
        })
    }

    /// The summary after one more message. The latest time never moves backwards, so a message
    /// whose transaction commits after a later one's leaves the later time in place.
    pub fn with_message(&self, message: &Message) -> Result<Sequence, OtherSequence> {
        if message.sequence_id != self.id {
            return Err(OtherSequence {
                message: message.id,
                sequence: self.id,
            });
        }
        let mut next = self.clone();
        next.latest_message_created_at = self.latest_message_created_at.max(message.created_at);
        next.message_count += 1;
        next.version += 1;
        Ok(next)
    }

    /// The organization on `side` of the thread.
    pub fn visible_to(&self, side: crate::marketplace::message::SenderType, org: OrgId) -> bool {
        match side {
            crate::marketplace::message::SenderType::Demand => self.demand_org_id == org,
            crate::marketplace::message::SenderType::Supply => self.supply_org_id == org,
        }
    }
}

/// A sequence with the names of both its organizations.
#[derive(Clone, Debug)]
pub struct NamedSequence {
    pub sequence: Sequence,
    pub demand: OrganizationLean,
    pub supply: OrganizationLean,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::marketplace::message::{MessageCategory, SenderType};

    fn message(p: &SequenceParties, at: Timestamp) -> Message {
        Message::compose(
            p,
            SenderType::Demand,
            MessageCategory::Comment,
            Some("hello".into()),
            None,
            None,
            at,
        )
        .unwrap()
    }

    fn summary(p: &SequenceParties, at: Timestamp) -> Sequence {
        Sequence {
            id: p.sequence_id,
            offer_id: p.origin.offer_id(),
            demand_org_id: p.demand_org_id,
            supply_org_id: p.supply_org_id,
            client: SequenceClient {
                id: ClientId::new(),
                outbox_id: "c-1".into(),
                first_name: "Ada".into(),
                last_name: "Lovelace".into(),
            },
            service: SequenceService {
                outbox_id: "s-1".into(),
                name: "Personal care".into(),
            },
            latest_message_created_at: at,
            message_count: 1,
            version: 1,
        }
    }

    fn parties() -> SequenceParties {
        SequenceParties {
            sequence_id: SequenceId::new(),
            origin: crate::marketplace::message::SequenceOrigin::Offer(OfferId::new()),
            demand_org_id: OrgId::new(),
            supply_org_id: OrgId::new(),
            referral_id: None,
        }
    }

    #[test]
    fn a_later_message_moves_the_latest_time_and_counts() {
        let p = parties();
        let t0 = crate::kernel::time::now();
        let t1 = t0 + chrono::Duration::seconds(5);
        let s = summary(&p, t0).with_message(&message(&p, t1)).unwrap();
        assert_eq!(s.latest_message_created_at, t1);
        assert_eq!((s.message_count, s.version), (2, 2));
    }

    #[test]
    fn an_earlier_message_committed_late_keeps_the_latest_time() {
        let p = parties();
        let t1 = crate::kernel::time::now();
        let t0 = t1 - chrono::Duration::seconds(5);
        let s = summary(&p, t1).with_message(&message(&p, t0)).unwrap();
        assert_eq!(s.latest_message_created_at, t1);
        assert_eq!(s.message_count, 2);
    }

    #[test]
    fn a_message_of_another_sequence_is_refused() {
        let p = parties();
        let now = crate::kernel::time::now();
        assert!(
            summary(&p, now)
                .with_message(&message(&parties(), now))
                .is_err()
        );
    }

    #[test]
    fn each_side_sees_only_its_own_threads() {
        let p = parties();
        let s = summary(&p, crate::kernel::time::now());
        assert!(s.visible_to(SenderType::Demand, p.demand_org_id));
        assert!(s.visible_to(SenderType::Supply, p.supply_org_id));
        assert!(!s.visible_to(SenderType::Demand, p.supply_org_id));
        assert!(!s.visible_to(SenderType::Supply, OrgId::new()));
    }
}
