//! The event contract: the 12 SNS channels of `docs/asyncapi.yaml`, their event names, the
//! payload types, and the event record that a write stores beside its state change; the
//! catalogue of event type names, and the stream publisher that sends event items to SNS.

pub mod catalogue;
pub mod publish;

use serde::{Deserialize, Serialize};

use crate::kernel::ids::{ClientId, EventId, OfferId, OrgId, ReferralId, SequenceId};
use crate::kernel::time::{Timestamp, rfc3339, serde_ts};

/// An SNS channel; the deployed topic is `<stack>-<channel>`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Channel {
    OutboxFormSubmissions,
    OutboxMessages,
    OutboxOffers,
    OutboxReferrals,
    OutboxVisits,
    OutboxVisitTasks,
    OutboxWorkSessions,
    InboxFormTemplates,
    InboxMessages,
    InboxOffers,
    InboxReferrals,
    DemandOrganizations,
}

impl Channel {
    pub const ALL: [Channel; 12] = [
        Channel::OutboxFormSubmissions,
        Channel::OutboxMessages,
        Channel::OutboxOffers,
        Channel::OutboxReferrals,
        Channel::OutboxVisits,
        Channel::OutboxVisitTasks,
        Channel::OutboxWorkSessions,
        Channel::InboxFormTemplates,
        Channel::InboxMessages,
        Channel::InboxOffers,
        Channel::InboxReferrals,
        Channel::DemandOrganizations,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Channel::OutboxFormSubmissions => "outbox-form-submissions",
            Channel::OutboxMessages => "outbox-messages",
            Channel::OutboxOffers => "outbox-offers",
            Channel::OutboxReferrals => "outbox-referrals",
            Channel::OutboxVisits => "outbox-visits",
            Channel::OutboxVisitTasks => "outbox-visit-tasks",
            Channel::OutboxWorkSessions => "outbox-work-sessions",
            Channel::InboxFormTemplates => "inbox-form-templates",
            Channel::InboxMessages => "inbox-messages",
            Channel::InboxOffers => "inbox-offers",
            Channel::InboxReferrals => "inbox-referrals",
            Channel::DemandOrganizations => "demand-organizations",
        }
    }

    /// The name (after the stack's prefix) of `org`'s topic of this channel: each organization
    /// has its own topic per channel, so delivery needs no filter policy (SNS allows 200 per
    /// topic) and an organization's topics exist only once it subscribes (docs/scaling.md §6).
    pub fn topic_name(self, org: OrgId) -> String {
        format!("{}-{org}", self.as_str())
    }

    /// The channel and organization a [`topic_name`](Self::topic_name) names.
    pub fn of_topic_name(name: &str) -> Option<(Channel, OrgId)> {
        Channel::ALL.into_iter().find_map(|c| {
            let org = name.strip_prefix(c.as_str())?.strip_prefix('-')?;
            // Only the name topic_name gives: the hyphenated UUID, nothing after it.
            let id: OrgId = org.parse().ok()?;
            (id.to_string() == org).then_some((c, id))
        })
    }

    /// The AsyncAPI payload schema (in `components.schemas`) of the channel's messages.
    pub fn payload_schema(self) -> &'static str {
        match self {
            Channel::OutboxFormSubmissions => "OutboxFormSubmissionEventPayload",
            Channel::OutboxMessages => "OutboxMessageEventPayload",
            Channel::OutboxOffers => "OutboxOfferEventPayload",
            Channel::OutboxReferrals => "OutboxReferralEventPayload",
            Channel::OutboxVisits => "OutboxVisitEventPayload",
            Channel::OutboxVisitTasks => "OutboxVisitTaskEventPayload",
            Channel::OutboxWorkSessions => "OutboxWorkSessionEventPayload",
            Channel::InboxFormTemplates => "InboxFormTemplateEventPayload",
            Channel::InboxMessages => "InboxMessageEventPayload",
            Channel::InboxOffers => "InboxOfferEventPayload",
            Channel::InboxReferrals => "InboxReferralEventPayload",
            Channel::DemandOrganizations => "DemandOrganizationEventPayload",
        }
    }

    pub fn from_name(name: &str) -> Option<Channel> {
        Channel::ALL.into_iter().find(|c| c.as_str() == name)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum EventName {
    OfferMatched,
    OfferAccepted,
    OfferDeclined,
    OfferDeclinedByAll,
    OfferClosed,
    OfferExpired,
    OfferFulfilled,
    ReferralCreated,
    ReferralProcessed,
    ReferralSupplyCancelled,
    ReferralDemandCancelled,
    MessageSupplySent,
    MessageDemandSent,
    OrgTrustedNetworkUpdated,
    VisitSupplyScheduled,
    VisitSupplyAssigned,
    VisitSupplyUnassigned,
    VisitSupplyDeleted,
    VisitSupplyRescheduled,
    VisitSupplyTimekeepingAdjusted,
    VisitSupplyStatusChanged,
    VisitTasksCompleted,
    WorkSessionStarted,
    WorkSessionEnded,
    FormSubmissionSupplyApproved,
    FormTemplateDemandPublished,
}

impl EventName {
    pub fn as_str(self) -> &'static str {
        match self {
            EventName::OfferMatched => "OfferMatched",
            EventName::OfferAccepted => "OfferAccepted",
            EventName::OfferDeclined => "OfferDeclined",
            EventName::OfferDeclinedByAll => "OfferDeclinedByAll",
            EventName::OfferClosed => "OfferClosed",
            EventName::OfferExpired => "OfferExpired",
            EventName::OfferFulfilled => "OfferFulfilled",
            EventName::ReferralCreated => "ReferralCreated",
            EventName::ReferralProcessed => "ReferralProcessed",
            EventName::ReferralSupplyCancelled => "ReferralSupplyCancelled",
            EventName::ReferralDemandCancelled => "ReferralDemandCancelled",
            EventName::MessageSupplySent => "MessageSupplySent",
            EventName::MessageDemandSent => "MessageDemandSent",
            EventName::OrgTrustedNetworkUpdated => "OrgTrustedNetworkUpdated",
            EventName::VisitSupplyScheduled => "VisitSupplyScheduled",
            EventName::VisitSupplyAssigned => "VisitSupplyAssigned",
            EventName::VisitSupplyUnassigned => "VisitSupplyUnassigned",
            EventName::VisitSupplyDeleted => "VisitSupplyDeleted",
            EventName::VisitSupplyRescheduled => "VisitSupplyRescheduled",
            EventName::VisitSupplyTimekeepingAdjusted => "VisitSupplyTimekeepingAdjusted",
            EventName::VisitSupplyStatusChanged => "VisitSupplyStatusChanged",
            EventName::VisitTasksCompleted => "VisitTasksCompleted",
            EventName::WorkSessionStarted => "WorkSessionStarted",
            EventName::WorkSessionEnded => "WorkSessionEnded",
            EventName::FormSubmissionSupplyApproved => "FormSubmissionSupplyApproved",
            EventName::FormTemplateDemandPublished => "FormTemplateDemandPublished",
        }
    }
}

/// `OutboxOfferEventPayload` / `InboxOfferEventPayload`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OfferEventPayload {
    pub event_source: String,
    pub event_name: EventName,
    /// Deprecated by the spec but still required: the offer id.
    pub id: OfferId,
    pub event_id: EventId,
    pub timestamp: String,
    pub offer_id: OfferId,
}

/// `DemandOrganizationEventPayload` (channel `demand-organizations`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DemandOrganizationEventPayload {
    pub event_source: String,
    pub event_name: EventName,
    /// Deprecated by the spec but still required: the event id, as `event_id`.
    pub id: EventId,
    pub event_id: EventId,
    pub timestamp: String,
    /// The demand organization whose settings changed.
    pub organization_id: OrgId,
}

/// `demand` / `supply` of a referral event.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OrgRef {
    pub name: String,
    pub host: Option<String>,
    pub source: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClientRef {
    /// The client's id in the demand organization's system.
    pub outbox_id: String,
    pub id: String,
}

/// `OutboxReferralEventPayload` / `InboxReferralEventPayload`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReferralEventPayload {
    pub event_source: String,
    pub event_name: EventName,
    /// Deprecated by the spec but still required: the referral id.
    pub id: ReferralId,
    pub event_id: EventId,
    pub timestamp: String,
    pub referral_id: ReferralId,
    pub sequence_id: SequenceId,
    pub client: ClientRef,
    pub demand: OrgRef,
    pub supply: OrgRef,
}

/// `sender` / `file` of a message event.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NamedRef {
    pub id: String,
    pub name: String,
}

/// What a referral event says about the referral, independent of who receives it.
#[derive(Clone, Debug)]
pub struct ReferralFacts {
    pub referral_id: ReferralId,
    pub sequence_id: SequenceId,
    pub client_outbox_id: String,
    pub client_id: ClientId,
    pub demand: OrgRef,
    pub supply: OrgRef,
}

/// What a visit event says about the visit, independent of the action.
#[derive(Clone, Debug)]
pub struct VisitFacts {
    pub visit_id: crate::kernel::ids::VisitId,
    pub referral_id: ReferralId,
    /// Only visits of a visit-type referral have one.
    pub visit_outbox_id: Option<String>,
    pub start_at: Timestamp,
    pub end_at: Timestamp,
    pub service_id: crate::kernel::ids::ServiceId,
    pub service_outbox_id: String,
}

/// `service` of a visit event.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ServiceRef {
    pub id: crate::kernel::ids::ServiceId,
    pub outbox_id: String,
}

/// `OutboxVisitEventPayload`.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VisitEventPayload {
    pub event_source: String,
    pub event_name: EventName,
    /// Deprecated by the spec but still required: the visit id.
    pub id: crate::kernel::ids::VisitId,
    pub event_id: EventId,
    pub timestamp: String,
    pub visit_id: crate::kernel::ids::VisitId,
    pub referral_id: ReferralId,
    pub start_at: String,
    pub end_at: String,
    pub service: ServiceRef,
}

/// An event as stored in the table, in the same transaction as the state change it announces.
/// The stream publisher sends `payload` once per recipient organization, with the recipient in
/// the `organization_id` message attribute that subscribers' filter policies match on.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EventRecord {
    pub event_id: EventId,
    pub channel: Channel,
    pub event_name: EventName,
    pub recipients: Vec<OrgId>,
    /// The exact JSON message, serialized once so every delivery carries identical bytes.
    pub payload: String,
    #[serde(with = "serde_ts")]
    pub created_at: Timestamp,
    /// The entity the event is about and its version after the change: published as the
    /// `entity_id` and `entity_version` message attributes, so a subscriber can drop a
    /// message older than one it has applied (the payloads stay as published).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entity: Option<EntityVersion>,
}

/// An entity's id and its version (each write of the entity adds one).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntityVersion {
    pub id: String,
    pub version: u64,
}

impl EventRecord {
    pub(crate) fn new<P: Serialize>(
        event_id: EventId,
        channel: Channel,
        name: EventName,
        recipients: Vec<OrgId>,
        payload: &P,
        now: Timestamp,
    ) -> Self {
        Self {
            event_id,
            channel,
            event_name: name,
            recipients,
            payload: serde_json::to_string(payload).expect("event payloads always serialize"),
            created_at: now,
            entity: None,
        }
    }

    /// This event, naming the version of the entity it announces.
    pub fn versioned(mut self, id: impl std::fmt::Display, version: u64) -> Self {
        self.entity = Some(EntityVersion {
            id: id.to_string(),
            version,
        });
        self
    }

    pub fn offer(
        channel: Channel,
        name: EventName,
        recipients: Vec<OrgId>,
        offer_id: OfferId,
        now: Timestamp,
    ) -> Self {
        let event_id = EventId::new();
        let payload = OfferEventPayload {
            event_source: "alayamarket.offers".into(),
            event_name: name,
            id: offer_id,
            event_id,
            timestamp: rfc3339(&now),
            offer_id,
        };
        Self::new(event_id, channel, name, recipients, &payload, now)
    }

    /// A `demand-organizations` event about `demand`, delivered to `demand` itself.
    pub fn demand_organization(name: EventName, demand: OrgId, now: Timestamp) -> Self {
        let event_id = EventId::new();
        let payload = DemandOrganizationEventPayload {
            event_source: "alayamarket.organizations".into(),
            event_name: name,
            id: event_id,
            event_id,
            timestamp: rfc3339(&now),
            organization_id: demand,
        };
        Self::new(
            event_id,
            Channel::DemandOrganizations,
            name,
            vec![demand],
            &payload,
            now,
        )
    }

    pub fn referral(
        channel: Channel,
        name: EventName,
        recipients: Vec<OrgId>,
        facts: &ReferralFacts,
        now: Timestamp,
    ) -> Self {
        let event_id = EventId::new();
        let payload = ReferralEventPayload {
            event_source: "alayamarket.referrals".into(),
            event_name: name,
            id: facts.referral_id,
            event_id,
            timestamp: rfc3339(&now),
            referral_id: facts.referral_id,
            sequence_id: facts.sequence_id,
            client: ClientRef {
                outbox_id: facts.client_outbox_id.clone(),
                id: facts.client_id.to_string(),
            },
            demand: facts.demand.clone(),
            supply: facts.supply.clone(),
        };
        Self::new(event_id, channel, name, recipients, &payload, now)
    }
}

impl EventRecord {
    /// An `outbox-visits` event for the demand organization.
    pub fn visit(name: EventName, demand: OrgId, facts: &VisitFacts, now: Timestamp) -> Self {
        let event_id = EventId::new();
        let payload = VisitEventPayload {
            event_source: "alayamarket.visits".into(),
            event_name: name,
            id: facts.visit_id,
            event_id,
            timestamp: rfc3339(&now),
            visit_id: facts.visit_id,
            referral_id: facts.referral_id,
            start_at: rfc3339(&facts.start_at),
            end_at: rfc3339(&facts.end_at),
            service: ServiceRef {
                id: facts.service_id,
                outbox_id: facts.service_outbox_id.clone(),
            },
        };
        Self::new(
            event_id,
            Channel::OutboxVisits,
            name,
            vec![demand],
            &payload,
            now,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_organizations_topic_names_its_channel_and_organization() {
        let org = OrgId::new();
        for c in Channel::ALL {
            assert_eq!(Channel::of_topic_name(&c.topic_name(org)), Some((c, org)));
        }
        // `outbox-visits` is a prefix of `outbox-visit-tasks`' name only without the hyphen.
        let tasks = Channel::OutboxVisitTasks.topic_name(org);
        assert_eq!(
            Channel::of_topic_name(&tasks).unwrap().0,
            Channel::OutboxVisitTasks
        );
        for other in [
            "inbox-offers".to_owned(),
            format!("inbox-offers-{}", org.0.simple()),
            format!("inbox-offers-{org}-x"),
            format!("unknown-{org}"),
        ] {
            assert_eq!(Channel::of_topic_name(&other), None, "{other}");
        }
    }

    #[test]
    fn channel_names_round_trip_through_serde() {
        for c in Channel::ALL {
            let json = serde_json::to_string(&c).unwrap();
            assert_eq!(json, format!("\"{}\"", c.as_str()));
            assert_eq!(Channel::from_name(c.as_str()), Some(c));
        }
    }

    #[test]
    fn offer_payload_ids_agree() {
        let offer = OfferId::new();
        let rec = EventRecord::offer(
            Channel::OutboxOffers,
            EventName::OfferAccepted,
            vec![OrgId::new()],
            offer,
            crate::kernel::time::now(),
        );
        let v: serde_json::Value = serde_json::from_str(&rec.payload).unwrap();
        assert_eq!(v["event_id"], rec.event_id.to_string());
        assert_eq!(v["id"], offer.to_string());
        assert_eq!(v["offer_id"], offer.to_string());
        assert_eq!(v["event_source"], "alayamarket.offers");
        assert_eq!(v["event_name"], "OfferAccepted");
    }

    #[test]
    fn demand_organization_payload_names_the_organization() {
        let org = OrgId::new();
        let rec = EventRecord::demand_organization(
            EventName::OrgTrustedNetworkUpdated,
            org,
            crate::kernel::time::now(),
        );
        assert_eq!(rec.channel, Channel::DemandOrganizations);
        assert_eq!(rec.recipients, vec![org]);
        let v: serde_json::Value = serde_json::from_str(&rec.payload).unwrap();
        assert_eq!(v["event_source"], "alayamarket.organizations");
        assert_eq!(v["event_name"], "OrgTrustedNetworkUpdated");
        assert_eq!(v["event_id"], rec.event_id.to_string());
        assert_eq!(v["id"], rec.event_id.to_string());
        assert_eq!(v["organization_id"], org.to_string());
        assert_eq!(v.as_object().unwrap().len(), 6);
    }
}
