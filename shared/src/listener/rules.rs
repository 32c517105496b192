//! The Listener API's rules: parsing an inbound `Listener` (`{eventId, eventDate, eventType,
//! event}`) into the catalogue's codes 21–24, and the hub's subscription queries
//! (`eventType=ServiceOrderStateChangeNotification&serviceOrder.state=completed`).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::events::catalogue::{self, Source};
use crate::identity::oauth::{ClientId, TenantId};
use crate::kernel::time::{Timestamp, serde_ts};

/// An accepted Listener event as stored (kind `listener_event`). The item is itself the event
/// that joins the platform stream: Notification feeds and hub deliveries read it from there.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ListenerRecord {
    pub tenant: TenantId,
    /// The client that posted it.
    pub client_id: ClientId,
    pub event_id: String,
    pub event_type: String,
    /// The platform's id of this message: the Standard Webhooks `webhook-id` of every delivery.
    pub message_id: String,
    /// The `Listener` JSON exactly as returned and delivered.
    pub payload: String,
    #[serde(with = "serde_ts")]
    pub received_at: Timestamp,
}

/// A hub subscription as stored (kind `hub_subscription`). Belongs to the tenant of the client
/// that created it; only that client may delete it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HubSubscription {
    pub id: String,
    pub tenant: TenantId,
    pub client_id: ClientId,
    pub callback: String,
    pub query: String,
    /// The signing secret, KMS-encrypted (encryption context names the subscription), base64.
    pub secret_ciphertext: String,
    #[serde(with = "serde_ts")]
    pub created_at: Timestamp,
}

/// An inbound event that passed every check.
#[derive(Clone, Debug, PartialEq)]
pub struct ListenerEvent {
    pub event_id: String,
    /// As sent (validated as RFC 3339), so the stored Listener echoes the caller's text.
    pub event_date: String,
    pub event_type: &'static str,
    pub event: Map<String, Value>,
}

/// The `Listener` wire shape, in the swagger's field order.
#[derive(Serialize)]
struct Envelope<'a> {
    #[serde(rename = "eventId")]
    event_id: &'a str,
    #[serde(rename = "eventDate")]
    event_date: &'a str,
    #[serde(rename = "eventType")]
    event_type: &'a str,
    event: &'a Map<String, Value>,
}

impl ListenerEvent {
    /// The `Listener` JSON, serialized once: stored, returned, fed and delivered as these bytes.
    pub fn envelope(&self) -> String {
        serde_json::to_string(&Envelope {
            event_id: &self.event_id,
            event_date: &self.event_date,
            event_type: self.event_type,
            event: &self.event,
        })
        .expect("a JSON map always serializes")
    }
}

/// Why a `POST /listener` body is refused; the catalogue's code for each is the edge's
/// (`shared::edge::rejections`).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ListenerRejection {
    /// Code 21.
    #[error("Request body is required")]
    MissingBody,
    /// Code 22.
    #[error("Body is not JSON: {0}")]
    NotJson(String),
    /// Code 22.
    #[error("Body must be a JSON object")]
    NotObject,
    /// Code 23.
    #[error("Missing body field {0}")]
    MissingField(&'static str),
    /// Code 24.
    #[error("{field}: {why}")]
    InvalidField { field: &'static str, why: String },
}

/// Whether `id` can serve as an event id (it is part of the item key): 1–128 characters of
/// letters, digits, `.`, `_`, `-`, `:`.
pub fn valid_event_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 128
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b':'))
}

/// Parses a `POST /listener` body: 21 no body, 22 not a JSON object, 23 a required field
/// missing (or null), 24 a field of the wrong type or value.
pub fn parse_listener(body: &[u8]) -> Result<ListenerEvent, ListenerRejection> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(ListenerRejection::MissingBody);
    }
    let value: Value =
        serde_json::from_slice(body).map_err(|e| ListenerRejection::NotJson(e.to_string()))?;
    let Value::Object(mut fields) = value else {
        return Err(ListenerRejection::NotObject);
    };
    for name in ["eventId", "eventDate", "eventType", "event"] {
        if fields.get(name).is_none_or(Value::is_null) {
            return Err(ListenerRejection::MissingField(name));
        }
    }
    let invalid = |field: &'static str, why: &str| ListenerRejection::InvalidField {
        field,
        why: why.to_owned(),
    };
    let event_id = match &fields["eventId"] {
        Value::String(s) if valid_event_id(s) => s.clone(),
        _ => {
            return Err(invalid(
                "eventId",
                "must be 1-128 letters, digits, '.', '_', '-' or ':'",
            ));
        }
    };
    let event_date = match &fields["eventDate"] {
        Value::String(s) if chrono::DateTime::parse_from_rfc3339(s).is_ok() => s.clone(),
        _ => return Err(invalid("eventDate", "must be an RFC 3339 date-time")),
    };
    let event_type = fields["eventType"]
        .as_str()
        .and_then(catalogue::find)
        .filter(|t| t.source == Source::Listener)
        .map(|t| t.name)
        .ok_or_else(|| {
            invalid(
                "eventType",
                &format!(
                    "must be one of {}",
                    catalogue::names(Source::Listener)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
        })?;
    let Some(Value::Object(event)) = fields.remove("event") else {
        return Err(invalid("event", "must be a JSON object"));
    };
    Ok(ListenerEvent {
        event_id,
        event_date,
        event_type,
        event,
    })
}

/// A hub subscription's filter: every term must match; a term matches when the field has one
/// of its comma-separated values (compared case-insensitively, as NBI states are upper-case in
/// its examples and lower-case in its enum). An empty query matches every event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HubQuery {
    terms: Vec<(String, Vec<String>)>,
}

const EVENT_TYPE_KEY: &str = "eventType";

impl HubQuery {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let mut terms = Vec::new();
        for term in raw.split('&').map(str::trim).filter(|t| !t.is_empty()) {
            let (key, values) = term
                .split_once('=')
                .ok_or_else(|| format!("query term {term:?} is not key=value"))?;
            let key = key.trim();
            let valid_key = !key.is_empty()
                && key.split('.').all(|seg| {
                    !seg.is_empty()
                        && seg
                            .bytes()
                            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'@'))
                });
            if !valid_key {
                return Err(format!("query key {key:?} is not a field path"));
            }
            let values: Vec<String> = values
                .split(',')
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
                .collect();
            if values.is_empty() {
                return Err(format!("query term {key} has no value"));
            }
            if key.eq_ignore_ascii_case(EVENT_TYPE_KEY) {
                for v in &values {
                    if !catalogue::find(v).is_some_and(|t| t.source == Source::Listener) {
                        return Err(format!("unknown eventType {v}"));
                    }
                }
            }
            terms.push((key.to_owned(), values));
        }
        Ok(Self { terms })
    }

    /// Whether an event of `event_type` with body `event` matches.
    pub fn matches(&self, event_type: &str, event: &Value) -> bool {
        self.terms.iter().all(|(key, values)| {
            let found: Vec<String> = if key.eq_ignore_ascii_case(EVENT_TYPE_KEY) {
                vec![event_type.to_owned()]
            } else {
                field_values(event, key)
            };
            found
                .iter()
                .any(|f| values.iter().any(|v| v.eq_ignore_ascii_case(f)))
        })
    }
}

/// The scalar values at a dotted path (arrays on the way are searched element by element).
/// A path whose first segment names the resource (`serviceOrder.state`) also matches the
/// event's own field, since NBI events carry the resource's summary at the top level.
fn field_values(event: &Value, path: &str) -> Vec<String> {
    let segments: Vec<&str> = path.split('.').collect();
    let mut out = Vec::new();
    collect(event, &segments, &mut out);
    if out.is_empty() && segments.len() > 1 {
        collect(event, &segments[1..], &mut out);
    }
    out
}

fn collect(v: &Value, path: &[&str], out: &mut Vec<String>) {
    match (v, path.split_first()) {
        (Value::Array(items), _) => items.iter().for_each(|i| collect(i, path, out)),
        (Value::Object(m), Some((head, rest))) => {
            if let Some(next) = m.get(*head) {
                collect(next, rest, out);
            }
        }
        (Value::String(s), None) => out.push(s.clone()),
        (Value::Number(n), None) => out.push(n.to_string()),
        (Value::Bool(b), None) => out.push(b.to_string()),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn code(body: &str) -> Option<&'static str> {
        parse_listener(body.as_bytes())
            .err()
            .and_then(|e| crate::edge::error::ApiError::from(e).code)
    }

    #[test]
    fn a_valid_listener_round_trips_in_field_order() {
        let body = r#"{"eventId":"e-1","eventDate":"2018-09-14T12:00:00.000Z","eventType":"ServiceOrderStateChangeNotification","event":{"id":"so-1","state":"completed"}}"#;
        let l = parse_listener(body.as_bytes()).unwrap();
        assert_eq!(l.event_type, "ServiceOrderStateChangeNotification");
        assert_eq!(l.envelope(), body);
    }

    #[test]
    fn every_body_failure_has_its_code() {
        assert_eq!(code(""), Some("21"));
        assert_eq!(code("  \n"), Some("21"));
        assert_eq!(code("{"), Some("22"));
        assert_eq!(code("[1]"), Some("22"));
        let full = json!({"eventId": "e", "eventDate": "2018-09-14T12:00:00Z",
            "eventType": "ServiceOrderCreationNotification", "event": {}});
        for field in ["eventId", "eventDate", "eventType", "event"] {
            let mut b = full.clone();
            b.as_object_mut().unwrap().remove(field);
            assert_eq!(code(&b.to_string()), Some("23"), "{field}");
            b[field] = Value::Null;
            assert_eq!(code(&b.to_string()), Some("23"), "{field} null");
        }
        for (field, value) in [
            ("eventId", json!("")),
            ("eventId", json!("a/b")),
            ("eventId", json!(7)),
            ("eventDate", json!("yesterday")),
            ("eventType", json!("OfferAccepted")),
            ("eventType", json!("serviceOrderCreationNotification")),
            ("event", json!("text")),
            ("event", json!([1])),
        ] {
            let mut b = full.clone();
            b[field] = value.clone();
            assert_eq!(code(&b.to_string()), Some("24"), "{field} = {value}");
        }
        assert!(parse_listener(full.to_string().as_bytes()).is_ok());
    }

    #[test]
    fn hub_queries_parse_like_the_nbi_examples() {
        let q = HubQuery::parse(
            "eventType = ServiceOrderStateChangeNotification&serviceOrder.state=COMPLETED",
        )
        .unwrap();
        let completed = json!({"id": "so-1", "state": "completed"});
        let held = json!({"id": "so-1", "state": "held"});
        assert!(q.matches("ServiceOrderStateChangeNotification", &completed));
        assert!(!q.matches("ServiceOrderStateChangeNotification", &held));
        assert!(!q.matches("ServiceOrderCreationNotification", &completed));
        assert!(HubQuery::parse("").unwrap().matches("Anything", &held));
        let either = HubQuery::parse(
            "eventType=ServiceOrderCreationNotification,ServiceOrderStateChangeNotification",
        )
        .unwrap();
        assert!(either.matches("ServiceOrderCreationNotification", &held));
        assert!(either.matches("ServiceOrderStateChangeNotification", &held));
        assert!(!either.matches("ServiceOrderItemStateChangeNotification", &held));
    }

    #[test]
    fn query_paths_reach_nested_fields_and_arrays() {
        let event = json!({"serviceOrder": {"id": "x"},
            "orderItem": [{"state": "held"}, {"state": "failed", "service": {"id": 42}}]});
        assert!(
            HubQuery::parse("orderItem.state=failed")
                .unwrap()
                .matches("T", &event)
        );
        assert!(
            HubQuery::parse("orderItem.service.id=42")
                .unwrap()
                .matches("T", &event)
        );
        assert!(
            HubQuery::parse("serviceOrder.id=x")
                .unwrap()
                .matches("T", &event)
        );
        assert!(
            !HubQuery::parse("serviceOrder.state=held")
                .unwrap()
                .matches("T", &event)
        );
        assert!(!HubQuery::parse("missing=1").unwrap().matches("T", &event));
    }

    #[test]
    fn bad_queries_are_refused() {
        for bad in [
            "eventType",
            "=x",
            "eventType=",
            "eventType=Bogus",
            "a..b=1",
            "a b=1",
        ] {
            assert!(HubQuery::parse(bad).is_err(), "{bad}");
        }
    }
}
