//! Event Collector wire models (seed 002, The Wishlist Co.'s Event Collector API). Field names
//! are the seed's, including its mix of snake_case (events, jobs) and camelCase
//! (subscriptions). Unknown fields are ignored, as the upstream Spring service did.

use std::collections::BTreeMap;

use base64::Engine;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::collector::rules::{EntityType, EventType, NotificationKind, Operation, SECRET_MASK};
use crate::collector::store::{JobRecord, SubscriptionRecord, Target, TenantEventRecord};
use crate::edge::error::ApiError;
use crate::kernel::time::{Timestamp, serde_ts};

/// `event_source`: the seed's enum plus the entity names the older Events API used there.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum EventSource {
    System,
    Connector,
    Application,
    Serverless,
    Customer,
    InventoryLevel,
    InventoryLocation,
    Order,
    Price,
    Product,
    VariantProduct,
    Wishlist,
}

#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct EventPayload {
    pub base64_encoded_fault_json: Option<String>,
    pub base64_encoded_payload_json: Option<String>,
    pub entity_id: Option<String>,
    pub key_attributes: Option<BTreeMap<String, String>>,
    pub operation: Option<Operation>,
}

/// An event, as posted and as returned.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub entity_id: Option<String>,
    pub entity_name: Option<String>,
    pub event_payload: Option<EventPayload>,
    pub event_source: Option<EventSource>,
    pub event_type: EventType,
    /// The client's id of the event, the idempotency key; generated when absent.
    pub id: Option<String>,
}

/// Base64 with or without padding (clients differ), standard alphabet.
const LENIENT_BASE64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// What the base64 fields must hold, as the refusals say it.
const BASE64_JSON: &str = "base64 (standard alphabet, padded or not) of a JSON document, \
    e.g. eyJpZCI6IjEyIn0 for {\"id\":\"12\"}";

fn decode_json(field: &str, encoded: &str) -> Result<Value, ApiError> {
    let bytes = LENIENT_BASE64.decode(encoded.trim()).map_err(|_| {
        ApiError::bad_request(format!(
            "event_payload.{field} is not base64; it must be {BASE64_JSON}"
        ))
    })?;
    serde_json::from_slice(&bytes).map_err(|_| {
        ApiError::bad_request(format!(
            "event_payload.{field} is base64, but not of JSON; it must be {BASE64_JSON}"
        ))
    })
}

/// Ids are the client's own; they key storage, so they are bounded and printable.
pub fn check_id(field: &str, id: &str) -> Result<(), ApiError> {
    if id.is_empty() || id.len() > 256 || id.chars().any(char::is_control) {
        return Err(ApiError::bad_request(format!(
            "{field} must be 1 to 256 printable characters"
        )));
    }
    Ok(())
}

/// The decoded JSON of an event's base64 fields.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DecodedPayload {
    pub payload: Option<Value>,
    pub fault: Option<Value>,
}

impl Event {
    /// Checks the id and decodes the base64 fields, which must hold JSON.
    pub fn validate(&self) -> Result<DecodedPayload, ApiError> {
        if let Some(id) = &self.id {
            check_id("id", id)?;
        }
        let Some(p) = &self.event_payload else {
            return Ok(DecodedPayload::default());
        };
        Ok(DecodedPayload {
            payload: p
                .base64_encoded_payload_json
                .as_deref()
                .map(|s| decode_json("base64_encoded_payload_json", s))
                .transpose()?,
            fault: p
                .base64_encoded_fault_json
                .as_deref()
                .map(|s| decode_json("base64_encoded_fault_json", s))
                .transpose()?,
        })
    }

    pub fn operation(&self) -> Option<Operation> {
        self.event_payload.as_ref().and_then(|p| p.operation)
    }
}

/// `destination.sqs` (and, in the same shape, `destination.sns` with a topic ARN).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SqsDestination {
    pub access_key: String,
    pub access_secret: String,
    pub queue_url: String,
    pub region: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SnsDestination {
    pub access_key: String,
    pub access_secret: String,
    pub topic_arn: String,
    pub region: String,
}

/// Where a subscription delivers. The seed documents only the `sqs` block while its example
/// says `"type": "SNS"`; so the block present decides, and `type` is kept as given.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Destination {
    pub sqs: Option<SqsDestination>,
    pub sns: Option<SnsDestination>,
    #[serde(rename = "type")]
    pub kind: Option<String>,
}

/// An event subscription, as posted and as returned (credentials masked).
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EventSubscription {
    pub active: Option<bool>,
    pub destination: Destination,
    pub entity_type: EntityType,
    pub id: Option<String>,
    pub subscribe_change: Option<bool>,
    pub subscribe_create: Option<bool>,
    pub subscribe_delete: Option<bool>,
}

/// The seed's answer to "deactivate": a Spring `ResponseEntity` serialized as is.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DeactivateResponse {
    pub body: BTreeMap<String, Value>,
    pub status_code: &'static str,
    pub status_code_value: u16,
}

/// A notification job as created (`POST /api/v1/jobs`) and as returned.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Job {
    pub deleted: Option<bool>,
    pub id: Option<String>,
    pub is_active: Option<bool>,
    pub is_scheduled: Option<bool>,
    pub job_parameters: Option<BTreeMap<String, Value>>,
    pub notification: NotificationKind,
    pub number_of_items_in_email: Option<i64>,
    pub schedule: Option<String>,
    #[serde(rename = "scheduleExpression")]
    pub schedule_expression: Option<String>,
    pub template_id: Option<String>,
    /// Response only: when the scheduler runs the job next (absent while it cannot run).
    #[serde(default, with = "serde_ts::option")]
    pub next_run_at: Option<Timestamp>,
    /// Response only: the due time of the latest run.
    #[serde(default, with = "serde_ts::option")]
    pub last_run_at: Option<Timestamp>,
}

/// `PUT /api/v1/jobs/{jobId}`: fields present replace the job's, `job_parameters` are merged
/// key by key ("adding parameters or changing existing ones"); the id cannot change.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct JobUpdate {
    pub deleted: Option<bool>,
    pub id: Option<String>,
    pub is_active: Option<bool>,
    pub is_scheduled: Option<bool>,
    pub job_parameters: Option<BTreeMap<String, Value>>,
    pub notification: Option<NotificationKind>,
    pub number_of_items_in_email: Option<i64>,
    pub schedule: Option<String>,
    #[serde(rename = "scheduleExpression")]
    pub schedule_expression: Option<String>,
    pub template_id: Option<String>,
}

/// The message a subscription's queue or topic receives for one event.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Delivery {
    /// The event's id: the same on a redelivery, so receivers can drop duplicates.
    pub id: String,
    pub tenant_id: String,
    pub subscription_id: String,
    pub entity_type: EntityType,
    pub interaction_type: crate::collector::rules::Interaction,
    pub operation: Operation,
    pub entity_id: Option<String>,
    #[serde(with = "serde_ts")]
    pub created_at: Timestamp,
    /// The event as posted.
    pub event: Event,
    /// `base64_encoded_payload_json`, decoded.
    pub payload: Option<Value>,
    /// `base64_encoded_fault_json`, decoded.
    pub fault: Option<Value>,
}

/// A job as the API shows it: its next run only while it can run.
impl From<&JobRecord> for Job {
    fn from(j: &JobRecord) -> Self {
        Self {
            deleted: Some(j.deleted),
            id: Some(j.id.clone()),
            is_active: Some(j.is_active),
            is_scheduled: Some(j.is_scheduled),
            job_parameters: Some(j.job_parameters.clone()),
            notification: j.notification,
            number_of_items_in_email: j.number_of_items_in_email,
            schedule: j.schedule.clone(),
            schedule_expression: j.schedule_expression.clone(),
            template_id: j.template_id.clone(),
            next_run_at: j.next_run_at.filter(|_| j.runnable()),
            last_run_at: j.last_run_at,
        }
    }
}

/// A subscription as the API shows it: credentials masked.
impl From<&SubscriptionRecord> for EventSubscription {
    fn from(s: &SubscriptionRecord) -> Self {
        // Only the key's last characters are stored, so that is all the mask can show.
        let access_key = format!("{SECRET_MASK}{}", s.access_key_hint);
        let (sqs, sns) = match &s.target {
            Target::Sqs { queue_url, region } => (
                Some(SqsDestination {
                    access_key,
                    access_secret: SECRET_MASK.into(),
                    queue_url: queue_url.clone(),
                    region: region.clone(),
                }),
                None,
            ),
            Target::Sns { topic_arn, region } => (
                None,
                Some(SnsDestination {
                    access_key,
                    access_secret: SECRET_MASK.into(),
                    topic_arn: topic_arn.clone(),
                    region: region.clone(),
                }),
            ),
        };
        EventSubscription {
            active: Some(s.active),
            destination: Destination {
                sqs,
                sns,
                kind: s.destination_type.clone(),
            },
            entity_type: s.entity_type,
            id: Some(s.id.clone()),
            subscribe_change: Some(s.subscribe_change),
            subscribe_create: Some(s.subscribe_create),
            subscribe_delete: Some(s.subscribe_delete),
        }
    }
}

/// A stored event as the API shows it: the document its tenant posted.
impl TryFrom<&TenantEventRecord> for Event {
    type Error = ApiError;

    fn try_from(record: &TenantEventRecord) -> Result<Self, ApiError> {
        serde_json::from_str(&record.body).map_err(ApiError::internal)
    }
}

impl DeactivateResponse {
    /// The seed's "accepted".
    pub fn accepted() -> Self {
        Self {
            body: Default::default(),
            status_code: "ACCEPTED",
            status_code_value: 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The seed's request body, verbatim.
    const SEED_EVENT: &str = r#"{
        "entity_id": "string", "entity_name": "string",
        "event_payload": {
            "base64_encoded_fault_json": "string", "base64_encoded_payload_json": "string",
            "entity_id": "string",
            "key_attributes": {"additionalProp1": "string", "additionalProp2": "string", "additionalProp3": "string"},
            "operation": "BULK_CREATE"
        },
        "event_source": "APPLICATION", "event_type": "ENTITY_EVENT", "id": "string"
    }"#;

    #[test]
    fn the_seed_event_parses_and_its_base64_fields_are_checked() {
        let mut e: Event = serde_json::from_str(SEED_EVENT).unwrap();
        assert_eq!(e.event_type, EventType::EntityEvent);
        assert_eq!(e.operation(), Some(Operation::BulkCreate));
        // The seed's placeholder "string" is not base64 of JSON: the fields are decoded, not
        // passed through blindly, and the refusal names the field and the format.
        let err = e.validate().unwrap_err();
        assert!(
            err.message.starts_with("event_payload.base64_encoded_")
                && err.message.contains("must be base64")
                && err.message.contains("of a JSON document"),
            "{}",
            err.message
        );
        let p = e.event_payload.as_mut().unwrap();
        p.base64_encoded_payload_json = Some("eyJpZCI6IjEyIn0".into()); // {"id":"12"}, unpadded
        p.base64_encoded_fault_json = Some("eyJjb2RlIjo1MDJ9".into()); // {"code":502}
        let decoded = e.validate().unwrap();
        assert_eq!(decoded.payload, Some(serde_json::json!({"id": "12"})));
        assert_eq!(decoded.fault, Some(serde_json::json!({"code": 502})));
        // Valid base64 of something that is not JSON.
        e.event_payload
            .as_mut()
            .unwrap()
            .base64_encoded_payload_json = Some("bm90IGpzb24=".into());
        let err = e.validate().unwrap_err();
        assert!(
            err.message.contains("is base64, but not of JSON"),
            "{}",
            err.message
        );
    }

    #[test]
    fn the_seed_subscription_parses() {
        let s: EventSubscription = serde_json::from_str(
            r#"{"active": true, "destination": {"sqs": {"accessKey": "string", "accessSecret": "string",
            "queueUrl": "string", "region": "string"}, "type": "SNS"}, "entityType": "CUSTOMER",
            "id": "string", "subscribeChange": true, "subscribeCreate": true, "subscribeDelete": true}"#,
        )
        .unwrap();
        assert_eq!(s.entity_type, EntityType::Customer);
        assert_eq!(s.destination.kind.as_deref(), Some("SNS"));
        assert!(s.destination.sqs.is_some());
    }

    #[test]
    fn the_seed_job_parses_and_renders_in_its_shape() {
        let j: Job = serde_json::from_str(
            r#"{"deleted": true, "id": "string", "is_active": true, "is_scheduled": true,
            "job_parameters": {"campaign_id": "string", "utm_medium": "string"},
            "notification": "BACK_IN_STOCK", "number_of_items_in_email": 0,
            "schedule": "string", "scheduleExpression": "string", "template_id": "string"}"#,
        )
        .unwrap();
        assert_eq!(j.notification, NotificationKind::BackInStock);
        let v = serde_json::to_value(&j).unwrap();
        assert_eq!(v["scheduleExpression"], "string");
        assert!(v.get("next_run_at").is_none());
    }

    #[test]
    fn ids_are_bounded_and_printable() {
        assert!(check_id("id", "order-42").is_ok());
        assert!(check_id("id", "").is_err());
        assert!(check_id("id", "a\nb").is_err());
        assert!(check_id("id", &"x".repeat(257)).is_err());
    }
}
