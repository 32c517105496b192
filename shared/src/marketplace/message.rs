//! Messages between a demand and a supply organization, in the sequence (conversation thread)
//! that an offer match opens between them and its referral continues.

use serde::{Deserialize, Serialize};

use crate::events::{Channel, EventName, EventRecord, NamedRef};
use crate::kernel::ids::{EventId, FileId, MessageId, OfferId, OrgId, ReferralId, SequenceId};
use crate::kernel::time::{Timestamp, rfc3339, serde_ts};
use crate::marketplace::common::OrganizationLean;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageCategory {
    ClientAttachment,
    Comment,
}

/// `MessageSenderTypeCore`: which side wrote a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SenderType {
    Demand,
    Supply,
}

/// What opened a sequence: an offer match, or a referral the demand made directly (no offer).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "id")]
pub enum SequenceOrigin {
    Offer(OfferId),
    DirectReferral(ReferralId),
}

impl SequenceOrigin {
    pub fn offer_id(self) -> Option<OfferId> {
        match self {
            SequenceOrigin::Offer(id) => Some(id),
            SequenceOrigin::DirectReferral(_) => None,
        }
    }
}

/// The two organizations of a sequence, what opened it, and its referral once there is one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SequenceParties {
    pub sequence_id: SequenceId,
    pub origin: SequenceOrigin,
    pub demand_org_id: OrgId,
    pub supply_org_id: OrgId,
    /// The latest revision of the referral the sequence belongs to: the offer's, once it is
    /// assigned, or the direct referral's. Messages and their events name it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub referral_id: Option<ReferralId>,
}

impl SequenceParties {
    /// The organization of `side` in this sequence.
    pub fn org(&self, side: SenderType) -> OrgId {
        match side {
            SenderType::Demand => self.demand_org_id,
            SenderType::Supply => self.supply_org_id,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MessageFile {
    pub id: FileId,
    pub url: String,
    pub name: String,
    pub size_in_bytes: Option<u64>,
}

#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Message {
    pub id: MessageId,
    pub sequence_id: SequenceId,
    pub offer_id: Option<OfferId>,
    /// The sequence's referral when the message was sent, if it had one.
    #[serde(default)]
    pub referral_id: Option<ReferralId>,
    pub demand_org_id: OrgId,
    pub supply_org_id: OrgId,
    pub sender_type: SenderType,
    pub category: MessageCategory,
    pub text: Option<String>,
    pub author: Option<String>,
    pub file: Option<MessageFile>,
    #[serde(with = "serde_ts")]
    pub created_at: Timestamp,
}

/// The longest message text and author name the published spec allows, in characters.
pub const MAX_TEXT_CHARS: usize = 2500;
pub const MAX_AUTHOR_CHARS: usize = 100;

/// Why a message cannot be composed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MessageRejection {
    #[error("text must be at most {MAX_TEXT_CHARS} characters")]
    TextTooLong,
    #[error("author must be at most {MAX_AUTHOR_CHARS} characters")]
    AuthorTooLong,
    #[error("file needs a url and a name")]
    FileIncomplete,
    #[error("file.size_in_bytes must be at most {MAX_FILE_BYTES}")]
    FileTooLarge,
    #[error("A message needs text or a file")]
    Empty,
    #[error("A client_attachment message needs a file")]
    AttachmentWithoutFile,
}

/// A file as the sender describes it.
#[derive(Clone, Debug, Deserialize)]
pub struct NewFile {
    pub url: String,
    pub name: String,
    pub size_in_bytes: Option<u64>,
}

/// The largest attachment the spec allows (50 MiB).
pub const MAX_FILE_BYTES: u64 = 52_428_800;

impl Message {
    /// A new message from `side` in the sequence. The spec's limits are 400s; a message with
    /// neither text nor file says nothing and is refused (422).
    pub fn compose(
        parties: &SequenceParties,
        side: SenderType,
        category: MessageCategory,
        text: Option<String>,
        author: Option<String>,
        file: Option<NewFile>,
        now: Timestamp,
    ) -> Result<Message, MessageRejection> {
        let longer =
            |v: &Option<String>, max: usize| v.as_ref().is_some_and(|s| s.chars().count() > max);
        if longer(&text, MAX_TEXT_CHARS) {
            return Err(MessageRejection::TextTooLong);
        }
        if longer(&author, MAX_AUTHOR_CHARS) {
            return Err(MessageRejection::AuthorTooLong);
        }
        if let Some(f) = &file {
            if f.url.trim().is_empty() || f.name.trim().is_empty() {
                return Err(MessageRejection::FileIncomplete);
            }
            if f.size_in_bytes.is_some_and(|n| n > MAX_FILE_BYTES) {
                return Err(MessageRejection::FileTooLarge);
            }
        }
        let text = text.filter(|t| !t.trim().is_empty());
        if text.is_none() && file.is_none() {
            return Err(MessageRejection::Empty);
        }
        if category == MessageCategory::ClientAttachment && file.is_none() {
            return Err(MessageRejection::AttachmentWithoutFile);
        }
        Ok(Message {
            id: MessageId::new(),
            sequence_id: parties.sequence_id,
            offer_id: parties.origin.offer_id(),
            referral_id: parties.referral_id,
            demand_org_id: parties.demand_org_id,
            supply_org_id: parties.supply_org_id,
            sender_type: side,
            category,
            text,
            author,
            file: file.map(|f| MessageFile {
                id: FileId::new(),
                url: f.url,
                name: f.name,
                size_in_bytes: f.size_in_bytes,
            }),
            created_at: now,
        })
    }

    /// Who hears about the message: the other side (`MessageDemandSent` on the supplier's
    /// inbox-messages, `MessageSupplySent` on the demand's outbox-messages).
    pub fn notice(&self) -> (Channel, EventName, OrgId) {
        match self.sender_type {
            SenderType::Demand => (
                Channel::InboxMessages,
                EventName::MessageDemandSent,
                self.supply_org_id,
            ),
            SenderType::Supply => (
                Channel::OutboxMessages,
                EventName::MessageSupplySent,
                self.demand_org_id,
            ),
        }
    }
}

// The events this aggregate emits: the builders live beside the aggregate, so `events`
// (the channels, names and record) does not depend on the domain.

/// `OutboxMessageEventPayload` / `InboxMessageEventPayload` (`MessageEventPayloadCore`).
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MessageEventPayload {
    pub event_source: String,
    pub event_name: EventName,
    /// Deprecated by the spec: the event id.
    pub id: EventId,
    pub event_id: EventId,
    pub timestamp: String,
    pub message_id: crate::kernel::ids::MessageId,
    pub sender: NamedRef,
    pub category: MessageCategory,
    pub offer_id: Option<OfferId>,
    pub referral_id: Option<ReferralId>,
    pub sequence_id: SequenceId,
    pub file: Option<NamedRef>,
}

impl EventRecord {
    pub fn message(
        channel: Channel,
        name: EventName,
        recipient: OrgId,
        message: &Message,
        sender: NamedRef,
        now: Timestamp,
    ) -> Self {
        let event_id = EventId::new();
        let payload = MessageEventPayload {
            event_source: "alayamarket.messages".into(),
            event_name: name,
            id: event_id,
            event_id,
            timestamp: rfc3339(&now),
            message_id: message.id,
            sender,
            category: message.category,
            offer_id: message.offer_id,
            referral_id: message.referral_id,
            sequence_id: message.sequence_id,
            file: message.file.as_ref().map(|f| NamedRef {
                id: f.id.to_string(),
                name: f.name.clone(),
            }),
        };
        Self::new(event_id, channel, name, vec![recipient], &payload, now)
    }
}

/// A message with the names of the organization that sent it and the one it went to.
#[derive(Clone, Debug)]
pub struct NamedMessage {
    pub message: Message,
    pub sender: OrganizationLean,
    pub recipient: OrganizationLean,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parties() -> SequenceParties {
        SequenceParties {
            sequence_id: SequenceId::new(),
            origin: SequenceOrigin::Offer(OfferId::new()),
            demand_org_id: OrgId::new(),
            supply_org_id: OrgId::new(),
            referral_id: None,
        }
    }

    fn file(size: u64) -> Option<NewFile> {
        Some(NewFile {
            url: "https://files.example.com/care-plan.pdf".into(),
            name: "care-plan.pdf".into(),
            size_in_bytes: Some(size),
        })
    }

    #[test]
    fn a_message_goes_to_the_other_side() {
        let p = parties();
        let now = crate::kernel::time::now();
        let m = Message::compose(
            &p,
            SenderType::Demand,
            MessageCategory::Comment,
            Some("Hi".into()),
            None,
            None,
            now,
        )
        .unwrap();
        assert_eq!(
            m.notice(),
            (
                Channel::InboxMessages,
                EventName::MessageDemandSent,
                p.supply_org_id
            )
        );
        let m = Message::compose(
            &p,
            SenderType::Supply,
            MessageCategory::ClientAttachment,
            None,
            Some("Sam".into()),
            file(10),
            now,
        )
        .unwrap();
        assert_eq!(
            m.notice(),
            (
                Channel::OutboxMessages,
                EventName::MessageSupplySent,
                p.demand_org_id
            )
        );
        assert_eq!(m.file.as_ref().unwrap().name, "care-plan.pdf");
    }

    #[test]
    fn the_spec_limits_hold() {
        let p = parties();
        let now = crate::kernel::time::now();
        let compose = |text: Option<String>, author: Option<String>, f: Option<NewFile>, c| {
            Message::compose(&p, SenderType::Demand, c, text, author, f, now)
                .map(|_| ())
                .map_err(|e| crate::edge::error::ApiError::from(e).status().as_u16())
        };
        use MessageCategory::*;
        assert_eq!(
            compose(Some("x".repeat(2501)), None, None, Comment),
            Err(400)
        );
        assert_eq!(
            compose(Some("x".into()), Some("a".repeat(101)), None, Comment),
            Err(400)
        );
        assert_eq!(
            compose(None, None, file(MAX_FILE_BYTES + 1), ClientAttachment),
            Err(400)
        );
        assert_eq!(compose(Some("  ".into()), None, None, Comment), Err(422));
        assert_eq!(
            compose(Some("see file".into()), None, None, ClientAttachment),
            Err(422)
        );
        assert_eq!(
            compose(
                Some("x".repeat(2500)),
                Some("a".repeat(100)),
                file(MAX_FILE_BYTES),
                ClientAttachment
            ),
            Ok(())
        );
    }
}
