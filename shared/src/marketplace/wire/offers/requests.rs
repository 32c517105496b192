//! What a client sends to create and decide on offers, and the list queries.

use serde::{Deserialize, Serialize};

use crate::edge::error::ApiError;
use crate::kernel::ids::{
    ClientId, MatchId, OfferId, OrgId, SequenceId, ServiceId, TaskId, VisitId,
};
use crate::kernel::paging::SortOrder;
use crate::kernel::time::{Timestamp, serde_ts};
use crate::marketplace::common::{
    Address, CareType, CaseManager, Client, CustomField, MAX_ORG_IDS, NonEmpty, NonEmptyList,
    OfferPrice, OfferType, ReasonCode, at_most,
};
use crate::marketplace::offer::{
    MatchResponse, MatchStatus, Offer, OfferStatus, ResponseCounts, Service, Task, Visit,
};
use crate::marketplace::organization::AssignmentMode;

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
        let direct = crate::kernel::ids::unique(self.direct_supply_persona_ids);
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
            demand_assignment: None,
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
    /// The `next_page_token` of the page before (this platform's extension).
    pub page_token: Option<String>,
}

impl OutboxOfferQuery {
    /// The list an index holds in its order, read one page at a time: every offer
    /// (`Some(None)`) or those of one status (`Some(Some(status))`); `None` when another
    /// filter narrows it.
    pub fn indexed(&self) -> Option<Option<OfferStatus>> {
        let Self {
            care_type,
            offer_type,
            status,
            client_outbox_id,
            visit_outbox_id,
            is_accepted,
            expires_after,
            expires_before,
            shift_id,
            demand_label,
            page: _,
            items_per_page: _,
            sort_by: _,
            sort_order: _,
            page_token: _,
        } = self;
        let only_status = care_type.is_none()
            && offer_type.is_none()
            && client_outbox_id.is_none()
            && visit_outbox_id.is_none()
            && is_accepted.is_none()
            && expires_after.is_none()
            && expires_before.is_none()
            && shift_id.is_none()
            && demand_label.is_none();
        only_status.then_some(*status)
    }

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
    /// The `next_page_token` of the page before (this platform's extension; not with
    /// `shift_id`).
    pub page_token: Option<String>,
}
