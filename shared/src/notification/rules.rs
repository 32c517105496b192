//! Notification API rules: what a subscription may name, and the ordered, expiring keys of a
//! subscription's consume-once feed.

use serde::{Deserialize, Serialize};

use crate::events::catalogue;
use crate::identity::oauth::{ClientId, TenantId};
use crate::kernel::time::{Timestamp, serde_ts};

/// A subscription as stored. It belongs to the tenant of the administrator client that created
/// it; its feed receives only that tenant's events.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Subscription {
    pub id: String,
    pub tenant: TenantId,
    pub client_id: ClientId,
    pub event_type_ids: Vec<String>,
    /// The administrator client that created it.
    pub subscribed_by: String,
    #[serde(with = "serde_ts")]
    pub subscription_date: Timestamp,
    pub notification_page_size: u32,
}

/// A subscription with how far its client has read: its last pull and what is left to pull.
#[derive(Clone, Debug, PartialEq)]
pub struct SubscriptionState {
    pub subscription: Subscription,
    pub last_request_date: Option<Timestamp>,
    pub remaining: u64,
}

/// What one pull handed out: the pull's number (from 0) and the notifications, oldest first.
#[derive(Clone, Debug, PartialEq)]
pub struct Pull {
    pub page: u64,
    pub payloads: Vec<serde_json::Value>,
}

/// Why an `event_type_ids` list is refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EventTypesRejection {
    #[error("event_type_ids must not be empty")]
    Empty,
    #[error("event_type_ids repeats {0}")]
    Repeated(String),
    #[error("Unknown event type {0}")]
    Unknown(String),
}

/// Checks `event_type_ids`: non-empty, no repeats, every name in the catalogue.
pub fn check_event_types(ids: &[String]) -> Result<(), EventTypesRejection> {
    if ids.is_empty() {
        return Err(EventTypesRejection::Empty);
    }
    for (i, id) in ids.iter().enumerate() {
        if ids[..i].contains(id) {
            return Err(EventTypesRejection::Repeated(id.clone()));
        }
        if catalogue::source_of(id).is_none() {
            return Err(EventTypesRejection::Unknown(id.clone()));
        }
    }
    Ok(())
}

/// Whether `id` can be a subscription id (the seed's `^[\p{L}0-9\._\-]+$`, at most 128).
pub fn valid_subscription_id(id: &str) -> bool {
    !id.is_empty()
        && id.chars().count() <= 128
        && id
            .chars()
            .all(|c| c.is_alphabetic() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'))
}

/// Width of the zero-padded millisecond prefix of feed sort keys (enough until year 2286).
const MILLIS_WIDTH: usize = 13;

/// The sort key of a feed entry: creation time in zero-padded epoch milliseconds, then the
/// event id, so string order is age order and a re-delivered event lands on the same key.
pub fn feed_sk(created_millis: i64, event_id: &str) -> String {
    format!(
        "{:0width$}#{event_id}",
        created_millis.max(0),
        width = MILLIS_WIDTH
    )
}

/// The smallest sort key still inside the retention at `now_millis`: entries created at or
/// before `now - retention` sort below it and are never handed out.
pub fn retention_floor(now_millis: i64, retention_seconds: i64) -> String {
    // `~` sorts after every id character, so the cut-off millisecond itself is excluded.
    format!(
        "{:0width$}#~",
        (now_millis - retention_seconds * 1000).max(0),
        width = MILLIS_WIDTH
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn event_type_lists_must_be_non_empty_unique_and_known() {
        assert!(
            check_event_types(&ids(&[
                "OfferAccepted",
                "ServiceOrderStateChangeNotification"
            ]))
            .is_ok()
        );
        assert_eq!(check_event_types(&[]), Err(EventTypesRejection::Empty));
        assert_eq!(
            check_event_types(&ids(&["OfferAccepted", "OfferAccepted"])),
            Err(EventTypesRejection::Repeated("OfferAccepted".into()))
        );
        assert_eq!(
            check_event_types(&ids(&["OfferAccepted", "OfferEaten"])),
            Err(EventTypesRejection::Unknown("OfferEaten".into()))
        );
    }

    #[test]
    fn subscription_ids_follow_the_seed_pattern() {
        assert!(valid_subscription_id(
            "0b7c4f6e-2a8d-4a57-9f59-1e2d3c4b5a69"
        ));
        assert!(valid_subscription_id("Überblick_1.2"));
        for bad in ["", "a b", "a/b", "a#b"] {
            assert!(!valid_subscription_id(bad), "{bad}");
        }
    }

    #[test]
    fn feed_keys_order_by_age_and_the_floor_cuts_off_expired_entries() {
        let old = feed_sk(1_000, "z");
        let newer = feed_sk(1_001, "a");
        let much_newer = feed_sk(10_000_000_000_000, "a");
        assert!(old < newer && newer < much_newer);
        assert_eq!(old, "0000000001000#z");
        // Retention 1 s at t = 2.001 s: created at 1.001 s is expired, 1.002 s is not.
        let floor = retention_floor(2_001, 1);
        assert!(feed_sk(1_001, "zzzz") < floor);
        assert!(feed_sk(1_002, "0") > floor);
        assert!(retention_floor(0, 3600).starts_with("0000000000000"));
    }
}
