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
    // Event Collector types go here (Source::EventCollector) when that API lands.
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
    // Listener API: the seed's `EventType` enum, then the types the ONAP NBI added later.
    listener("ServiceOrderCreationNotification"),
    listener("ServiceOrderStateChangeNotification"),
    listener("ServiceOrderItemStateChangeNotification"),
    listener("ServiceCreationNotification"),
    listener("ServiceAttributeValueChangeNotification"),
    listener("ServiceRemoveNotification"),
    listener("SdcDistributionNotification"),
    // Event Collector types: append here.
];

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
        ] {
            assert_eq!(
                find(name.as_str()).map(|t| t.source),
                Some(Source::AlayaMarket)
            );
        }
        assert_eq!(names(Source::AlayaMarket).count(), 11);
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
