//! Offers API bodies for offers and matches (`openapi.offers.yaml`), and the conversions
//! between them and the stored records. The inbox views are anonymized: no client name,
//! contact, street address or demographics reach a supplier before assignment.

use serde::{Deserialize, Serialize};

use super::common::{
    Address, AddressAnon, Allergy, CareType, CaseManager, Client, CustomField, DemographicsLean,
    MAX_ORG_IDS, NonEmpty, NonEmptyList, OfferPrice, OfferType, OrganizationLean, Price,
    ReasonCode, Risk, at_most,
};
use crate::domain::offer::{
    MatchResponse, MatchStatus, Offer, OfferHead, OfferMatch, OfferStatus, ResponseCounts, Service,
    Task, Visit, match_status,
};
use crate::domain::organization::AssignmentMode;
use crate::error::ApiError;
use crate::ids::{ClientId, MatchId, OfferId, OrgId, SequenceId, ServiceId, TaskId, VisitId};
use crate::paging::SortOrder;
use crate::time::{Timestamp, serde_ts};

// ---------------------------------------------------------------- requests

#[derive(Debug, Deserialize)]
pub struct OfferCoreRequest {
    pub care_type: CareType,
    pub offer_type: OfferType,
    #[serde(with = "serde_ts")]
    pub expires_at: Timestamp,
    #[serde(default)]
    pub comment: Option<String>,
    #[serde(default)]
    pub demand_labels: Option<NonEmptyList<String>>,
}

#[derive(Debug, Deserialize)]
pub struct ServiceRequest {
    pub name: NonEmpty,
    pub outbox_id: NonEmpty,
    #[serde(default, with = "serde_ts::option")]
    pub start_at: Option<Timestamp>,
    #[serde(default, with = "serde_ts::option")]
    pub expected_start_at: Option<Timestamp>,
    #[serde(default, with = "serde_ts::option")]
    pub end_at: Option<Timestamp>,
    #[serde(default)]
    pub instructions: Option<String>,
    #[serde(default)]
    pub notes: Option<String>,
    #[serde(default)]
    pub skills: Vec<String>,
    #[serde(default)]
    pub custom_fields: Vec<CustomField>,
    #[serde(default)]
    pub use_client_address: Option<bool>,
    #[serde(default)]
    pub address: Option<Address>,
    #[serde(default)]
    pub referral_only_custom_fields: Vec<CustomField>,
}

#[derive(Debug, Deserialize)]
pub struct TaskRequest {
    pub outbox_id: NonEmpty,
    pub name: NonEmpty,
    #[serde(default)]
    pub description: Option<String>,
    pub is_required: bool,
}

#[derive(Debug, Deserialize)]
pub struct VisitRequest {
    pub outbox_id: NonEmpty,
    #[serde(with = "serde_ts")]
    pub start_at: Timestamp,
    #[serde(with = "serde_ts")]
    pub end_at: Timestamp,
    #[serde(default)]
    pub instructions: Option<String>,
    #[serde(default)]
    pub tasks: Vec<TaskRequest>,
}

/// The time rules of a service and its visits that a schema cannot express (422).
pub fn check_times(service: &ServiceRequest, visits: &[VisitRequest]) -> Result<(), ApiError> {
    for (i, v) in visits.iter().enumerate() {
        if v.end_at <= v.start_at {
            return Err(ApiError::unprocessable(format!(
                "visits[{i}].end_at must be after start_at"
            )));
        }
    }
    if let (Some(start), Some(end)) = (service.start_at, service.end_at)
        && end < start
    {
        return Err(ApiError::unprocessable(
            "service.end_at must not be before service.start_at",
        ));
    }
    Ok(())
}

impl VisitRequest {
    /// The visit with fresh ids for it and its tasks.
    pub fn into_visit(self) -> Visit {
        Visit {
            id: VisitId::new(),
            outbox_id: self.outbox_id,
            start_at: self.start_at,
            end_at: self.end_at,
            instructions: self.instructions,
            tasks: self
                .tasks
                .into_iter()
                .map(|t| Task {
                    id: TaskId::new(),
                    outbox_id: t.outbox_id,
                    name: t.name,
                    description: t.description,
                    is_required: t.is_required,
                    inbox_id: None,
                })
                .collect(),
        }
    }
}

impl ServiceRequest {
    pub fn into_service(self, id: ServiceId) -> Service {
        Service {
            id,
            name: self.name,
            outbox_id: self.outbox_id,
            start_at: self.start_at,
            expected_start_at: self.expected_start_at,
            end_at: self.end_at,
            instructions: self.instructions,
            notes: self.notes,
            skills: self.skills,
            custom_fields: self.custom_fields,
            use_client_address: self.use_client_address,
            address: self.address,
            referral_only_custom_fields: self.referral_only_custom_fields,
        }
    }
}

/// `OutboxOfferCreateRequest`.
#[derive(Debug, Deserialize)]
pub struct CreateOfferRequest {
    pub offer: OfferCoreRequest,
    #[serde(default)]
    pub alayacare: Option<serde_json::Map<String, serde_json::Value>>,
    #[serde(default)]
    pub case_manager: Option<CaseManager>,
    #[serde(default, deserialize_with = "at_most::<MAX_ORG_IDS, _, _>")]
    pub direct_supply_persona_ids: Vec<OrgId>,
    #[serde(default)]
    pub price: Option<OfferPrice>,
    pub client: Client,
    pub service: ServiceRequest,
    #[serde(default)]
    pub visits: Vec<VisitRequest>,
}

impl CreateOfferRequest {
    /// Checks the rules a schema cannot express (422) and builds the offer, with fresh ids for
    /// it, its client, service, visits and tasks.
    pub fn into_offer(self, demand: OrgId, now: Timestamp) -> Result<Offer, ApiError> {
        if let Some(price) = &self.price {
            price.check()?;
        }
        if self.offer.expires_at <= now {
            return Err(ApiError::unprocessable(
                "offer.expires_at must be in the future",
            ));
        }
        check_times(&self.service, &self.visits)?;
        if self.offer.offer_type == OfferType::Visit && self.visits.len() != 1 {
            return Err(ApiError::unprocessable(
                "an offer of type visit describes exactly one visit",
            ));
        }
        let visits: Vec<Visit> = self
            .visits
            .into_iter()
            .map(VisitRequest::into_visit)
            .collect();
        let s = self.service;
        // The offer's window is derived from its visits, else from the service.
        let start_at = visits
            .iter()
            .map(|v| v.start_at)
            .min()
            .or(s.start_at)
            .or(s.expected_start_at)
            .unwrap_or(now);
        let end_at = visits.iter().map(|v| v.end_at).max().or(s.end_at);
        let direct = crate::ids::unique(self.direct_supply_persona_ids);
        Ok(Offer {
            id: OfferId::new(),
            demand_org_id: demand,
            status: OfferStatus::Open,
            version: 1,
            care_type: self.offer.care_type,
            offer_type: self.offer.offer_type,
            expires_at: self.offer.expires_at,
            comment: self.offer.comment,
            demand_labels: self
                .offer
                .demand_labels
                .map(NonEmptyList::into_vec)
                .unwrap_or_default(),
            reason_code: None,
            reason_comment: None,
            shift_id: None,
            start_at,
            end_at,
            created_at: now,
            updated_at: None,
            counts: ResponseCounts {
                modified_at: now,
                sent: 0,
                accepted: 0,
                declined: 0,
            },
            assigned_match_id: None,
            referral_id: None,
            client_id: ClientId::new(),
            client: self.client,
            service: s.into_service(ServiceId::new()),
            visits,
            price: self.price,
            case_manager: self.case_manager,
            alayacare: self.alayacare.map(serde_json::Value::Object),
            direct_supply_persona_ids: direct,
            take_rate: None,
        })
    }
}

/// `OutboxOfferCloseRequest`.
#[derive(Debug, Default, Deserialize)]
pub struct CloseOfferRequest {
    #[serde(default)]
    pub reason_code: Option<ReasonCode>,
    #[serde(default)]
    pub reason_comment: Option<String>,
}

/// `OutboxOfferAssignRequest`.
#[derive(Debug, Deserialize)]
pub struct AssignOfferRequest {
    pub offer_match_id: MatchId,
}

/// `InboxOfferAcceptRequest`.
#[derive(Debug, Default, Deserialize)]
pub struct AcceptOfferRequest {
    #[serde(default)]
    pub comment: Option<String>,
}

/// `InboxOfferDeclineRequest`.
#[derive(Debug, Default, Deserialize)]
pub struct DeclineOfferRequest {
    #[serde(default)]
    pub reason_code: Option<String>,
    #[serde(default)]
    pub comment: Option<String>,
}

/// `OutboxOfferAssignmentSettingUpdateRequest` (also the GET response).
#[derive(Debug, Serialize, Deserialize)]
pub struct AssignmentSetting {
    pub offer_assignment: AssignmentMode,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SortBy {
    #[default]
    LastModified,
}

/// Query of `GET /offers/v1/outbox/offers`.
#[derive(Debug, Default, Deserialize)]
pub struct OutboxOfferQuery {
    pub care_type: Option<CareType>,
    pub offer_type: Option<OfferType>,
    pub status: Option<OfferStatus>,
    pub client_outbox_id: Option<String>,
    pub visit_outbox_id: Option<String>,
    pub is_accepted: Option<bool>,
    #[serde(default, with = "serde_ts::option")]
    pub expires_after: Option<Timestamp>,
    #[serde(default, with = "serde_ts::option")]
    pub expires_before: Option<Timestamp>,
    pub shift_id: Option<uuid::Uuid>,
    pub demand_label: Option<String>,
    pub page: Option<i64>,
    pub items_per_page: Option<i64>,
    pub sort_by: Option<SortBy>,
    pub sort_order: Option<SortOrder>,
}

impl OutboxOfferQuery {
    pub fn matches(&self, o: &Offer) -> bool {
        self.care_type.is_none_or(|c| c == o.care_type)
            && self.offer_type.is_none_or(|t| t == o.offer_type)
            && self.status.is_none_or(|s| s == o.status)
            && self
                .client_outbox_id
                .as_deref()
                .is_none_or(|c| c == o.client.outbox_id.as_str())
            && self
                .visit_outbox_id
                .as_deref()
                .is_none_or(|v| o.visits.iter().any(|x| x.outbox_id.as_str() == v))
            && self
                .is_accepted
                .is_none_or(|a| a == (o.counts.accepted > 0))
            && self.expires_after.is_none_or(|t| o.expires_at > t)
            && self.expires_before.is_none_or(|t| o.expires_at < t)
            && self.shift_id.is_none_or(|s| o.shift_id == Some(s))
            && self
                .demand_label
                .as_deref()
                .is_none_or(|l| o.demand_labels.iter().any(|x| x == l))
    }
}

/// Query of `GET /offers/v1/outbox/offers/{offer_id}/matches`.
#[derive(Debug, Default, Deserialize)]
pub struct MatchQuery {
    #[serde(default)]
    pub response: Vec<MatchResponse>,
    #[serde(default)]
    pub sequence_id: Vec<SequenceId>,
    pub page: Option<i64>,
    pub items_per_page: Option<i64>,
    pub sort_by: Option<SortBy>,
    pub sort_order: Option<SortOrder>,
}

/// Query of `GET /offers/v1/inbox/offers`.
#[derive(Debug, Default, Deserialize)]
pub struct InboxOfferQuery {
    pub status: Option<MatchStatus>,
    pub shift_id: Option<uuid::Uuid>,
    pub page: Option<i64>,
    pub items_per_page: Option<i64>,
    pub sort_by: Option<SortBy>,
    pub sort_order: Option<SortOrder>,
}

// --------------------------------------------------------------- responses

/// `OutboxOfferExtendedCore`.
#[serde_with::skip_serializing_none]
#[derive(Debug, Serialize)]
pub struct OutboxOfferView {
    pub id: OfferId,
    pub care_type: CareType,
    pub offer_type: OfferType,
    #[serde(with = "serde_ts")]
    pub expires_at: Timestamp,
    pub comment: Option<String>,
    /// The spec requires at least one item when present.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub demand_labels: Vec<String>,
    pub reason_code: Option<ReasonCode>,
    pub reason_comment: Option<String>,
    pub shift_id: Option<uuid::Uuid>,
    pub status: OfferStatus,
    #[serde(with = "serde_ts")]
    pub start_at: Timestamp,
    #[serde(with = "serde_ts::option")]
    pub end_at: Option<Timestamp>,
    #[serde(with = "serde_ts")]
    pub created_at: Timestamp,
    #[serde(with = "serde_ts::option")]
    pub updated_at: Option<Timestamp>,
}

impl From<&Offer> for OutboxOfferView {
    fn from(o: &Offer) -> Self {
        Self {
            id: o.id,
            care_type: o.care_type,
            offer_type: o.offer_type,
            expires_at: o.expires_at,
            comment: o.comment.clone(),
            demand_labels: o.demand_labels.clone(),
            reason_code: o.reason_code,
            reason_comment: o.reason_comment.clone(),
            shift_id: o.shift_id,
            status: o.status,
            start_at: o.start_at,
            end_at: o.end_at,
            created_at: o.created_at,
            updated_at: o.updated_at,
        }
    }
}

/// `OutboxServiceResponse`: the service as the demand sent it, with its id.
pub type ServiceView = Service;

/// `OutboxOfferVisitResponse`.
pub type OutboxVisitView = Visit;

/// `OutboxOfferDetailResponse`.
#[serde_with::skip_serializing_none]
#[derive(Debug, Serialize)]
pub struct OutboxOfferDetail {
    pub offer: OutboxOfferView,
    pub demand: OrganizationLean,
    pub supply: Option<OrganizationLean>,
    pub alayacare: Option<serde_json::Value>,
    pub case_manager: Option<CaseManager>,
    pub direct_supply_persona_ids: Vec<OrgId>,
    pub price: Option<OfferPrice>,
    pub client: Client,
    pub service: ServiceView,
    pub visits: Vec<OutboxVisitView>,
    pub response_counts: ResponseCounts,
}

impl OutboxOfferDetail {
    pub fn new(o: &Offer, demand: OrganizationLean, supply: Option<OrganizationLean>) -> Self {
        Self {
            offer: o.into(),
            demand,
            supply,
            alayacare: o.alayacare.clone(),
            case_manager: o.case_manager.clone(),
            direct_supply_persona_ids: o.direct_supply_persona_ids.clone(),
            price: o.price.clone(),
            client: o.client.clone(),
            service: o.service.clone(),
            visits: o.visits.clone(),
            response_counts: o.counts.clone(),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct ClientLean {
    pub outbox_id: NonEmpty,
    pub demographics: DemographicsLean,
}

#[derive(Debug, Serialize)]
pub struct ServiceLean {
    pub outbox_id: NonEmpty,
    pub name: NonEmpty,
}

/// `OutboxOfferCollectionResponse`.
#[derive(Debug, Serialize)]
pub struct OutboxOfferSummary {
    pub offer: OutboxOfferView,
    pub client: ClientLean,
    pub service: ServiceLean,
    pub response_counts: ResponseCounts,
}

impl From<&Offer> for OutboxOfferSummary {
    fn from(o: &Offer) -> Self {
        Self {
            offer: o.into(),
            client: ClientLean {
                outbox_id: o.client.outbox_id.clone(),
                demographics: (&o.client.demographics).into(),
            },
            service: ServiceLean {
                outbox_id: o.service.outbox_id.clone(),
                name: o.service.name.clone(),
            },
            response_counts: o.counts.clone(),
        }
    }
}

/// `OfferMatchCore`.
#[serde_with::skip_serializing_none]
#[derive(Debug, Serialize)]
pub struct MatchView {
    pub id: MatchId,
    pub response: MatchResponse,
    pub status: MatchStatus,
    pub sequence_id: SequenceId,
    pub reason_code: Option<String>,
    pub comment: Option<String>,
    #[serde(with = "serde_ts")]
    pub created_at: Timestamp,
    #[serde(with = "serde_ts::option")]
    pub updated_at: Option<Timestamp>,
}

impl MatchView {
    pub fn new(offer: &Offer, m: &OfferMatch) -> Self {
        Self::with_status(m, match_status(offer, m))
    }

    /// The view of `m` whose derived status is already known.
    pub fn with_status(m: &OfferMatch, status: MatchStatus) -> Self {
        Self {
            id: m.id,
            response: m.response,
            status,
            sequence_id: m.sequence_id,
            reason_code: m.reason_code.clone(),
            comment: m.comment.clone(),
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

/// `OutboxOfferMatchCollectionResponse`.
#[derive(Debug, Serialize)]
pub struct OutboxMatchSummary {
    #[serde(rename = "match")]
    pub match_: MatchView,
    pub supply: OrganizationLean,
}

/// `InboxOfferCore`.
#[serde_with::skip_serializing_none]
#[derive(Debug, Serialize)]
pub struct InboxOfferView {
    pub id: OfferId,
    pub care_type: CareType,
    pub offer_type: OfferType,
    #[serde(with = "serde_ts")]
    pub expires_at: Timestamp,
    #[serde(with = "serde_ts")]
    pub start_at: Timestamp,
    #[serde(with = "serde_ts::option")]
    pub end_at: Option<Timestamp>,
    pub comment: Option<String>,
    pub reason_code: Option<ReasonCode>,
    pub reason_comment: Option<String>,
    pub shift_id: Option<uuid::Uuid>,
    #[serde(with = "serde_ts")]
    pub created_at: Timestamp,
    #[serde(with = "serde_ts::option")]
    pub updated_at: Option<Timestamp>,
}

impl From<&OfferHead> for InboxOfferView {
    fn from(o: &OfferHead) -> Self {
        Self {
            id: o.id,
            care_type: o.care_type,
            offer_type: o.offer_type,
            expires_at: o.expires_at,
            start_at: o.start_at,
            end_at: o.end_at,
            comment: o.comment.clone(),
            reason_code: o.reason_code,
            reason_comment: o.reason_comment.clone(),
            shift_id: o.shift_id,
            created_at: o.created_at,
            updated_at: o.updated_at,
        }
    }
}

impl From<&Offer> for InboxOfferView {
    fn from(o: &Offer) -> Self {
        Self {
            id: o.id,
            care_type: o.care_type,
            offer_type: o.offer_type,
            expires_at: o.expires_at,
            start_at: o.start_at,
            end_at: o.end_at,
            comment: o.comment.clone(),
            reason_code: o.reason_code,
            reason_comment: o.reason_comment.clone(),
            shift_id: o.shift_id,
            created_at: o.created_at,
            updated_at: o.updated_at,
        }
    }
}

/// `InboxOfferCollectionResponse`.
#[derive(Debug, Serialize)]
pub struct InboxOfferSummary {
    pub offer: InboxOfferView,
    #[serde(rename = "match")]
    pub match_: MatchView,
}

/// The anonymized client of `InboxOfferDetailResponse`.
#[derive(Debug, Serialize)]
pub struct AnonClient {
    pub address: AddressAnon,
    pub allergies: Vec<Allergy>,
    pub risks: Vec<Risk>,
    pub custom_fields: Vec<CustomField>,
}

/// The service of `InboxOfferDetailResponse`: `ServiceCore` with an anonymized address.
#[serde_with::skip_serializing_none]
#[derive(Debug, Serialize)]
pub struct InboxServiceView {
    pub id: ServiceId,
    pub name: NonEmpty,
    #[serde(with = "serde_ts::option")]
    pub start_at: Option<Timestamp>,
    #[serde(with = "serde_ts::option")]
    pub expected_start_at: Option<Timestamp>,
    #[serde(with = "serde_ts::option")]
    pub end_at: Option<Timestamp>,
    pub instructions: Option<String>,
    pub notes: Option<String>,
    pub skills: Vec<String>,
    pub custom_fields: Vec<CustomField>,
    pub use_client_address: Option<bool>,
    pub address: Option<AddressAnon>,
}

#[serde_with::skip_serializing_none]
#[derive(Debug, Serialize)]
pub struct InboxTaskView {
    pub id: TaskId,
    pub name: NonEmpty,
    pub description: Option<String>,
    pub is_required: bool,
}

/// `InboxOfferVisitResponse` (and `InboxReferralVisitResponse`): no demand-side ids.
#[serde_with::skip_serializing_none]
#[derive(Debug, Serialize)]
pub struct InboxVisitView {
    pub id: VisitId,
    #[serde(with = "serde_ts")]
    pub start_at: Timestamp,
    #[serde(with = "serde_ts")]
    pub end_at: Timestamp,
    pub instructions: Option<String>,
    pub tasks: Vec<InboxTaskView>,
}

impl From<&Visit> for InboxVisitView {
    fn from(v: &Visit) -> Self {
        Self {
            id: v.id,
            start_at: v.start_at,
            end_at: v.end_at,
            instructions: v.instructions.clone(),
            tasks: v
                .tasks
                .iter()
                .map(|t| InboxTaskView {
                    id: t.id,
                    name: t.name.clone(),
                    description: t.description.clone(),
                    is_required: t.is_required,
                })
                .collect(),
        }
    }
}

/// `InboxOfferDetailResponse`.
#[serde_with::skip_serializing_none]
#[derive(Debug, Serialize)]
pub struct InboxOfferDetail {
    pub offer: InboxOfferView,
    pub case_manager: Option<CaseManager>,
    pub price: Option<Price>,
    pub client: AnonClient,
    pub service: InboxServiceView,
    pub visits: Vec<InboxVisitView>,
    #[serde(rename = "match")]
    pub match_: MatchView,
    pub demand: OrganizationLean,
}

impl InboxOfferDetail {
    pub fn new(o: &Offer, m: &OfferMatch, demand: OrganizationLean) -> Self {
        let s = &o.service;
        Self {
            offer: o.into(),
            case_manager: o.case_manager.clone(),
            // What this supplier would be paid: its price less the offer's take rate.
            price: o.price.as_ref().map(|p| {
                o.take_rate
                    .unwrap_or(crate::domain::take_rate::TakeRate::ZERO)
                    .supply_price(&p.for_supplier(m.supply_org_id))
            }),
            client: AnonClient {
                address: (&o.client.address).into(),
                allergies: o.client.allergies.clone(),
                risks: o.client.risks.clone(),
                custom_fields: o.client.custom_fields.clone(),
            },
            service: InboxServiceView {
                id: s.id,
                name: s.name.clone(),
                start_at: s.start_at,
                expected_start_at: s.expected_start_at,
                end_at: s.end_at,
                instructions: s.instructions.clone(),
                notes: s.notes.clone(),
                skills: s.skills.clone(),
                custom_fields: s.custom_fields.clone(),
                use_client_address: s.use_client_address,
                address: s.address.as_ref().map(AddressAnon::from),
            },
            visits: o.visits.iter().map(InboxVisitView::from).collect(),
            match_: MatchView::new(o, m),
            demand,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn sample() -> Value {
        let event: Value = serde_json::from_str(include_str!(
            "../../../events/offers.outbox.offers.create.json"
        ))
        .unwrap();
        serde_json::from_str(event["body"].as_str().unwrap()).unwrap()
    }

    fn parse(v: Value) -> Result<CreateOfferRequest, serde_json::Error> {
        serde_json::from_value(v)
    }

    #[test]
    fn the_sample_body_parses_and_derives_the_window_from_its_visits() {
        let now = crate::time::now();
        let offer = parse(sample())
            .unwrap()
            .into_offer(OrgId::new(), now)
            .unwrap();
        let first = offer.visits.iter().map(|v| v.start_at).min().unwrap();
        let last = offer.visits.iter().map(|v| v.end_at).max().unwrap();
        assert_eq!((offer.start_at, offer.end_at), (first, Some(last)));
        assert_eq!(offer.status, OfferStatus::Open);
        assert_eq!(offer.version, 1);
        let ids: std::collections::HashSet<_> = offer.visits.iter().map(|v| v.id).collect();
        assert_eq!(ids.len(), offer.visits.len(), "every visit gets its own id");
    }

    #[test]
    fn schema_violations_do_not_parse() {
        let mut blank = sample();
        blank["client"]["demographics"]["first_name"] = json!("  ");
        assert!(parse(blank).is_err());
        let mut lat = sample();
        lat["client"]["address"]["latitude"] = json!(90.5);
        assert!(parse(lat).is_err());
        let mut care = sample();
        care["offer"]["care_type"] = json!("PSW");
        assert!(parse(care).is_err());
        let mut date = sample();
        date["offer"]["expires_at"] = json!("2030-01-01");
        assert!(parse(date).is_err());
    }

    #[test]
    fn rules_beyond_the_schema_are_unprocessable() {
        let now = crate::time::now();
        let kind = |v: Value| {
            parse(v)
                .unwrap()
                .into_offer(OrgId::new(), now)
                .unwrap_err()
                .kind
        };
        let mut expired = sample();
        expired["offer"]["expires_at"] = json!("2000-01-01T00:00:00Z");
        assert_eq!(kind(expired), crate::error::ErrorKind::Unprocessable);
        let mut backwards = sample();
        backwards["visits"][0]["end_at"] = backwards["visits"][0]["start_at"].clone();
        assert_eq!(kind(backwards), crate::error::ErrorKind::Unprocessable);
        let mut visit_offer = sample();
        visit_offer["offer"]["offer_type"] = json!("visit");
        assert_eq!(
            kind(visit_offer),
            crate::error::ErrorKind::Unprocessable,
            "the sample has two visits"
        );
    }

    #[test]
    fn direct_suppliers_are_deduplicated() {
        let id = OrgId::new();
        let mut body = sample();
        body["direct_supply_persona_ids"] = json!([id, id]);
        let offer = parse(body)
            .unwrap()
            .into_offer(OrgId::new(), crate::time::now())
            .unwrap();
        assert_eq!(offer.direct_supply_persona_ids, vec![id]);
    }

    #[test]
    fn the_inbox_view_has_no_client_identity() {
        let offer = parse(sample())
            .unwrap()
            .into_offer(OrgId::new(), crate::time::now())
            .unwrap();
        let m = crate::domain::offer::OfferMatch {
            id: MatchId::new(),
            offer_id: offer.id,
            demand_org_id: offer.demand_org_id,
            supply_org_id: OrgId::new(),
            response: MatchResponse::Pending,
            sequence_id: SequenceId::new(),
            reason_code: None,
            comment: None,
            created_at: offer.created_at,
            updated_at: None,
        };
        let view = serde_json::to_value(InboxOfferDetail::new(
            &offer,
            &m,
            OrganizationLean {
                id: offer.demand_org_id,
                name: "d".into(),
            },
        ))
        .unwrap();
        let text = view.to_string();
        let client = &sample()["client"];
        for secret in [
            &client["demographics"]["first_name"],
            &client["demographics"]["last_name"],
            &client["address"]["address"],
            &client["outbox_id"],
        ] {
            assert!(
                !text.contains(secret.as_str().unwrap()),
                "{secret} leaked into the inbox view"
            );
        }
    }
}

// ------------------------------------------------------ shift and bundle offers

/// `OutboxShiftOfferCore`: what every offer of a shift shares.
#[derive(Debug, Deserialize)]
pub struct ShiftOfferCore {
    pub care_type: CareType,
    #[serde(with = "serde_ts")]
    pub expires_at: Timestamp,
    #[serde(default)]
    pub comment: Option<String>,
    #[serde(default)]
    pub demand_labels: Option<NonEmptyList<String>>,
}

/// `OutboxShiftOfferItem`: one visit offer of the shift.
#[derive(Debug, Deserialize)]
pub struct ShiftOfferItem {
    pub client: Client,
    pub service: ServiceRequest,
    pub visits: Vec<VisitRequest>,
    #[serde(default)]
    pub price: Option<OfferPrice>,
}

/// `OutboxShiftOfferCreateRequest`.
#[derive(Debug, Deserialize)]
pub struct CreateShiftOfferRequest {
    pub offer: ShiftOfferCore,
    pub items: NonEmptyList<ShiftOfferItem>,
    #[serde(default)]
    pub case_manager: Option<CaseManager>,
    #[serde(default, deserialize_with = "at_most::<MAX_ORG_IDS, _, _>")]
    pub direct_supply_persona_ids: Vec<OrgId>,
}

impl CreateShiftOfferRequest {
    /// One `visit` offer request per item, each as `POST /outbox/offers` would take it, so
    /// the single-offer rules (one visit per visit offer, times) apply to every item.
    pub fn into_offer_requests(self) -> Vec<CreateOfferRequest> {
        let core = self.offer;
        self.items
            .into_vec()
            .into_iter()
            .map(|item| CreateOfferRequest {
                offer: OfferCoreRequest {
                    care_type: core.care_type,
                    offer_type: OfferType::Visit,
                    expires_at: core.expires_at,
                    comment: core.comment.clone(),
                    demand_labels: core.demand_labels.clone(),
                },
                alayacare: None,
                case_manager: self.case_manager.clone(),
                direct_supply_persona_ids: self.direct_supply_persona_ids.clone(),
                price: item.price,
                client: item.client,
                service: item.service,
                visits: item.visits,
            })
            .collect()
    }
}

/// `OutboxBundleOfferCreateOfferRequest`.
#[derive(Debug, Deserialize)]
pub struct BundleOfferCore {
    #[serde(with = "serde_ts")]
    pub expires_at: Timestamp,
    #[serde(default)]
    pub comment: Option<String>,
}

/// `OutboxBundleOfferCreateItemRequest`: one service offer of the bundle.
#[derive(Debug, Deserialize)]
pub struct BundleOfferItem {
    pub care_type: CareType,
    pub client: Client,
    pub service: ServiceRequest,
    #[serde(default)]
    pub alayacare: Option<serde_json::Map<String, serde_json::Value>>,
    #[serde(default)]
    pub demand_labels: Option<NonEmptyList<String>>,
    #[serde(default)]
    pub price: Option<OfferPrice>,
}

/// The spec's `maxItems` of a bundle.
pub const MAX_BUNDLE_ITEMS: usize = 10;

/// `OutboxBundleOfferCreateRequest`.
#[derive(Debug, Deserialize)]
pub struct CreateBundleOfferRequest {
    pub offer: BundleOfferCore,
    pub items: NonEmptyList<BundleOfferItem>,
    #[serde(default)]
    pub case_manager: Option<CaseManager>,
    #[serde(default, deserialize_with = "at_most::<MAX_ORG_IDS, _, _>")]
    pub direct_supply_persona_ids: Vec<OrgId>,
}

impl CreateBundleOfferRequest {
    /// One `service` offer request per item (at most [`MAX_BUNDLE_ITEMS`], else 400).
    pub fn into_offer_requests(self) -> Result<Vec<CreateOfferRequest>, ApiError> {
        let items = self.items.into_vec();
        if items.len() > MAX_BUNDLE_ITEMS {
            return Err(ApiError::bad_request(format!(
                "items: a bundle has at most {MAX_BUNDLE_ITEMS} items"
            )));
        }
        let core = self.offer;
        Ok(items
            .into_iter()
            .map(|item| CreateOfferRequest {
                offer: OfferCoreRequest {
                    care_type: item.care_type,
                    offer_type: OfferType::Service,
                    expires_at: core.expires_at,
                    comment: core.comment.clone(),
                    demand_labels: item.demand_labels,
                },
                alayacare: item.alayacare,
                case_manager: self.case_manager.clone(),
                direct_supply_persona_ids: self.direct_supply_persona_ids.clone(),
                price: item.price,
                client: item.client,
                service: item.service,
                visits: vec![],
            })
            .collect())
    }
}

/// The offer of a shift or bundle creation response item.
#[serde_with::skip_serializing_none]
#[derive(Debug, Serialize)]
pub struct CreatedOfferView {
    pub id: OfferId,
    pub care_type: CareType,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub demand_labels: Vec<String>,
    #[serde(with = "serde_ts")]
    pub start_at: Timestamp,
    #[serde(with = "serde_ts::option")]
    pub end_at: Option<Timestamp>,
    #[serde(with = "serde_ts")]
    pub expires_at: Timestamp,
    pub status: OfferStatus,
}

#[derive(Debug, Serialize)]
pub struct VisitRef {
    pub id: VisitId,
    pub outbox_id: NonEmpty,
}

/// An item of `OutboxShiftOfferCreateResponse` / `OutboxBundleOfferCreateResponse`.
#[serde_with::skip_serializing_none]
#[derive(Debug, Serialize)]
pub struct CreatedOfferItem {
    pub offer: CreatedOfferView,
    pub client: ClientNames,
    pub service: ServiceLean,
    /// Only a shift's items list their visits.
    pub visits: Option<Vec<VisitRef>>,
    pub response_counts: ResponseCounts,
}

/// The client of a creation response item: its outbox id and name.
#[derive(Debug, Serialize)]
pub struct ClientNames {
    pub outbox_id: NonEmpty,
    pub demographics: Names,
}

#[derive(Debug, Serialize)]
pub struct Names {
    pub first_name: NonEmpty,
    pub last_name: NonEmpty,
}

impl CreatedOfferItem {
    pub fn new(o: &Offer, with_visits: bool) -> Self {
        Self {
            offer: CreatedOfferView {
                id: o.id,
                care_type: o.care_type,
                demand_labels: o.demand_labels.clone(),
                start_at: o.start_at,
                end_at: o.end_at,
                expires_at: o.expires_at,
                status: o.status,
            },
            client: ClientNames {
                outbox_id: o.client.outbox_id.clone(),
                demographics: Names {
                    first_name: o.client.demographics.first_name.clone(),
                    last_name: o.client.demographics.last_name.clone(),
                },
            },
            service: ServiceLean {
                outbox_id: o.service.outbox_id.clone(),
                name: o.service.name.clone(),
            },
            visits: with_visits.then(|| {
                o.visits
                    .iter()
                    .map(|v| VisitRef {
                        id: v.id,
                        outbox_id: v.outbox_id.clone(),
                    })
                    .collect()
            }),
            response_counts: o.counts.clone(),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct GroupRef {
    pub id: uuid::Uuid,
}

/// `OutboxShiftOfferCreateResponse`.
#[derive(Debug, Serialize)]
pub struct ShiftOffersCreated {
    pub shift: GroupRef,
    pub items: Vec<CreatedOfferItem>,
}

/// `OutboxBundleOfferCreateResponse`.
#[derive(Debug, Serialize)]
pub struct BundleOffersCreated {
    pub bundle: GroupRef,
    pub items: Vec<CreatedOfferItem>,
}
