//! The one event-type catalogue: every event type name a Notification API subscription may
//! name, whichever API family produces it. A subscription naming a type outside this list is
//! refused (`NOT000004`), so a typo cannot create a feed that silently never fills.

/// Which part of the platform produces events of a type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// AlayaMarket marketplace events (`shared::events::EventName`, SNS channels).
    AlayaMarket,
    /// Events posted to the Listener API (`POST /externalapi/listener/v1/listener`).
    Listener,
    /// Event Collector tenant events (`<ENTITY>.<OPERATION>`, see
    /// `collector::rules::catalogue_name`) and notification-job runs.
    EventCollector,
}

/// One catalogue entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EventType {
    pub name: &'static str,
    pub source: Source,
}

const fn am(name: &'static str) -> EventType {
    EventType {
        name,
        source: Source::AlayaMarket,
    }
}

const fn collector(name: &'static str) -> EventType {
    EventType {
        name,
        source: Source::EventCollector,
    }
}

const fn listener(name: &'static str) -> EventType {
    EventType {
        name,
        source: Source::Listener,
    }
}

/// Every event type, in documentation order. Append new families at the end.
pub const EVENT_TYPES: &[EventType] = &[
    // AlayaMarket (`EventName`).
    am("OfferMatched"),
    am("OfferAccepted"),
    am("OfferDeclined"),
    am("OfferDeclinedByAll"),
    am("OfferClosed"),
    am("OfferExpired"),
    am("OfferFulfilled"),
    am("ReferralCreated"),
    am("ReferralProcessed"),
    am("ReferralSupplyCancelled"),
    am("ReferralDemandCancelled"),
    am("MessageSupplySent"),
    am("MessageDemandSent"),
    am("OrgTrustedNetworkUpdated"),
    am("VisitSupplyScheduled"),
    am("VisitSupplyAssigned"),
    am("VisitSupplyUnassigned"),
    am("VisitSupplyDeleted"),
    am("VisitSupplyRescheduled"),
    am("VisitSupplyTimekeepingAdjusted"),
    am("VisitSupplyStatusChanged"),
    am("VisitTasksCompleted"),
    am("WorkSessionStarted"),
    am("WorkSessionEnded"),
    am("FormSubmissionSupplyApproved"),
    am("FormTemplateDemandPublished"),
    // Listener API: the seed's `EventType` enum, then the types the ONAP NBI added later.
    listener("ServiceOrderCreationNotification"),
    listener("ServiceOrderStateChangeNotification"),
    listener("ServiceOrderItemStateChangeNotification"),
    listener("ServiceCreationNotification"),
    listener("ServiceAttributeValueChangeNotification"),
    listener("ServiceRemoveNotification"),
    listener("SdcDistributionNotification"),
    // Event Collector notification jobs (`NotificationKind`); entity events are below.
    collector("REMINDER"),
    collector("PRICE_DROP"),
    collector("LOW_STOCK"),
    collector("BACK_IN_STOCK"),
];

/// Whether `name` is an Event Collector entity event: `<BASE>` or `<BASE>.<OPERATION>`, where
/// the base is an entity type or an `event_type` value and the operation one of the seed's.
/// These are the names `collector::rules::catalogue_name` gives; listing all 160 of them
/// here would add nothing.
fn is_collector_entity_event(name: &str) -> bool {
    use crate::collector::rules::{EntityType, EventType as CollectorType, Operation};
    let wire = |s: &str| serde_json::Value::String(s.to_owned());
    let (base, operation) = match name.split_once('.') {
        Some((b, o)) => (b, Some(o)),
        None => (name, None),
    };
    let base_known = serde_json::from_value::<EntityType>(wire(base)).is_ok()
        || serde_json::from_value::<CollectorType>(wire(base)).is_ok();
    let operation_known =
        operation.is_none_or(|o| serde_json::from_value::<Operation>(wire(o)).is_ok());
    base_known && operation_known
}

/// Which part of the platform produces events named `name`, if it is in the catalogue.
pub fn source_of(name: &str) -> Option<Source> {
    find(name)
        .map(|t| t.source)
        .or_else(|| is_collector_entity_event(name).then_some(Source::EventCollector))
}

/// The catalogue entry of `name` (exact, case-sensitive match).
pub fn find(name: &str) -> Option<EventType> {
    EVENT_TYPES.iter().copied().find(|t| t.name == name)
}

/// The names of one source's types.
pub fn names(source: Source) -> impl Iterator<Item = &'static str> {
    EVENT_TYPES
        .iter()
        .filter(move |t| t.source == source)
        .map(|t| t.name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::EventName;

    #[test]
    fn event_collector_names_are_entity_operation_pairs_and_job_kinds() {
        for name in [
            "CUSTOMER.CREATE",
            "ORDER.BULK_UPDATE",
            "PRICE.DELETE",
            "FAULT",
            "ENTITY_EVENT.READ",
            "REMINDER",
            "BACK_IN_STOCK",
        ] {
            assert_eq!(source_of(name), Some(Source::EventCollector), "{name}");
        }
        for name in [
            "CUSTOMER.MERGE",
            "customer.create",
            "CUSTOMER.",
            "PRICE_DROP.CREATE",
        ] {
            assert_eq!(source_of(name), None, "{name}");
        }
        assert_eq!(source_of("OfferAccepted"), Some(Source::AlayaMarket));
        assert_eq!(
            source_of("ServiceOrderStateChangeNotification"),
            Some(Source::Listener)
        );
    }

    #[test]
    fn names_are_unique() {
        for (i, t) in EVENT_TYPES.iter().enumerate() {
            assert!(
                EVENT_TYPES[i + 1..].iter().all(|u| u.name != t.name),
                "{} twice",
                t.name
            );
        }
    }

    #[test]
    fn every_alayamarket_event_name_is_listed() {
        for name in [
            EventName::OfferMatched,
            EventName::OfferAccepted,
            EventName::OfferDeclined,
            EventName::OfferDeclinedByAll,
            EventName::OfferClosed,
            EventName::OfferExpired,
            EventName::OfferFulfilled,
            EventName::ReferralCreated,
            EventName::ReferralProcessed,
            EventName::ReferralSupplyCancelled,
            EventName::ReferralDemandCancelled,
            EventName::MessageSupplySent,
            EventName::MessageDemandSent,
            EventName::OrgTrustedNetworkUpdated,
            EventName::VisitSupplyScheduled,
            EventName::VisitSupplyAssigned,
            EventName::VisitSupplyUnassigned,
            EventName::VisitSupplyDeleted,
            EventName::VisitSupplyRescheduled,
            EventName::VisitSupplyTimekeepingAdjusted,
            EventName::VisitSupplyStatusChanged,
            EventName::VisitTasksCompleted,
            EventName::WorkSessionStarted,
            EventName::WorkSessionEnded,
            EventName::FormSubmissionSupplyApproved,
            EventName::FormTemplateDemandPublished,
        ] {
            assert_eq!(
                find(name.as_str()).map(|t| t.source),
                Some(Source::AlayaMarket)
            );
        }
        assert_eq!(names(Source::AlayaMarket).count(), 26);
    }

    #[test]
    fn listener_types_include_the_seed_enum_and_lookups_are_exact() {
        assert_eq!(
            names(Source::Listener).take(3).collect::<Vec<_>>(),
            [
                "ServiceOrderCreationNotification",
                "ServiceOrderStateChangeNotification",
                "ServiceOrderItemStateChangeNotification"
            ]
        );
        assert!(find("offeraccepted").is_none());
        assert!(find("OfferAccepted ").is_none());
        assert!(find("").is_none());
    }
}
