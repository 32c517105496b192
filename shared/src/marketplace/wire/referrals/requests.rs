//! What the demand sends to create, revise and cancel referrals, and the supplier to map tasks.

use serde::Deserialize;

use crate::edge::error::ApiError;
use crate::kernel::ids::{OrgId, ServiceId, TaskId};
use crate::kernel::time::Timestamp;
use crate::marketplace::common::NonEmptyList;
use crate::marketplace::common::{CareType, CaseManager, Client, OfferType, Price};
use crate::marketplace::referral::{ReferralContent, ReferralDraft, RevisionUpdate};
use crate::marketplace::wire::offers::{ServiceRequest, VisitRequest, check_times};

/// `OutboxReferralCancelRequest`: a reason and a comment of at most 1,000 characters.
#[derive(Clone, Debug, Deserialize)]
pub struct OutboxReferralCancelRequest {
    pub reason_code: Option<crate::marketplace::common::ReasonCode>,
    pub comment: Option<String>,
}

impl OutboxReferralCancelRequest {
    pub fn comment(&self) -> Result<Option<String>, crate::ApiError> {
        match &self.comment {
            Some(c) if c.chars().count() > 1000 => Err(crate::ApiError::bad_request(
                "comment must be at most 1000 characters",
            )),
            other => Ok(other.clone()),
        }
    }
}

/// `InboxReferralCancelRequest`: a reason only.
#[derive(Clone, Debug, Deserialize)]
pub struct InboxReferralCancelRequest {
    pub reason_code: Option<crate::marketplace::common::ReasonCode>,
}

/// `referral` of `OutboxReferralCreateRequest`.
#[derive(Debug, Deserialize)]
pub struct ReferralCoreRequest {
    pub care_type: CareType,
    pub referral_type: OfferType,
    #[serde(default)]
    pub comment: Option<String>,
    #[serde(default)]
    pub demand_labels: Option<NonEmptyList<String>>,
}

/// `OutboxReferralCreateRequest`: a referral straight to one supplier.
#[derive(Debug, Deserialize)]
pub struct CreateReferralRequest {
    pub referral: ReferralCoreRequest,
    pub supply_persona_id: OrgId,
    pub client: Client,
    pub service: ServiceRequest,
    #[serde(default)]
    pub visits: Vec<VisitRequest>,
    #[serde(default)]
    pub price: Option<Price>,
    #[serde(default)]
    pub alayacare: Option<serde_json::Map<String, serde_json::Value>>,
    #[serde(default)]
    pub case_manager: Option<CaseManager>,
}

/// The referral's window, derived as an offer's is: from its visits, else its service.
fn window(
    service: &ServiceRequest,
    visits: &[VisitRequest],
    now: Timestamp,
) -> (Timestamp, Option<Timestamp>) {
    let start = visits
        .iter()
        .map(|v| v.start_at)
        .min()
        .or(service.start_at)
        .or(service.expected_start_at)
        .unwrap_or(now);
    let end = visits.iter().map(|v| v.end_at).max().or(service.end_at);
    (start, end)
}

#[allow(clippy::too_many_arguments)]
fn content(
    comment: Option<String>,
    demand_labels: Option<NonEmptyList<String>>,
    client: Client,
    service: ServiceRequest,
    visits: Vec<VisitRequest>,
    price: Option<Price>,
    case_manager: Option<CaseManager>,
    alayacare: Option<serde_json::Map<String, serde_json::Value>>,
) -> ReferralContent {
    ReferralContent {
        comment,
        demand_labels: demand_labels
            .map(NonEmptyList::into_vec)
            .unwrap_or_default(),
        client,
        service: service.into_service(ServiceId::new()),
        visits: visits.into_iter().map(VisitRequest::into_visit).collect(),
        price,
        case_manager,
        alayacare: alayacare.map(serde_json::Value::Object),
    }
}

impl CreateReferralRequest {
    /// Checks what a schema cannot express (422) and gives the draft and its supplier.
    pub fn into_draft(self, now: Timestamp) -> Result<(OrgId, ReferralDraft), ApiError> {
        if let Some(price) = &self.price {
            price.check("price")?;
        }
        check_times(&self.service, &self.visits)?;
        if self.referral.referral_type == OfferType::Visit && self.visits.len() != 1 {
            return Err(ApiError::unprocessable(
                "a referral of type visit describes exactly one visit",
            ));
        }
        let (start_at, end_at) = window(&self.service, &self.visits, now);
        Ok((
            self.supply_persona_id,
            ReferralDraft {
                care_type: self.referral.care_type,
                referral_type: self.referral.referral_type,
                start_at,
                end_at,
                content: content(
                    self.referral.comment,
                    self.referral.demand_labels,
                    self.client,
                    self.service,
                    self.visits,
                    self.price,
                    self.case_manager,
                    self.alayacare,
                ),
            },
        ))
    }
}

/// `referral` of `OutboxReferralUpdateRequest`.
#[derive(Debug, Default, Deserialize)]
pub struct ReferralUpdateCore {
    #[serde(default)]
    pub comment: Option<String>,
    #[serde(default)]
    pub demand_labels: Option<NonEmptyList<String>>,
}

/// `revision` of `OutboxReferralUpdateRequest`.
#[derive(Debug, Deserialize)]
pub struct RevisionRequest {
    pub reasons: Vec<String>,
    #[serde(default)]
    pub comment: Option<String>,
}

/// `OutboxReferralUpdateRequest`: the whole new content of the referral and why it changed.
#[derive(Debug, Deserialize)]
pub struct UpdateReferralRequest {
    pub referral: ReferralUpdateCore,
    pub supply_persona_id: OrgId,
    pub client: Client,
    pub service: ServiceRequest,
    pub revision: RevisionRequest,
    #[serde(default)]
    pub visits: Vec<VisitRequest>,
    #[serde(default)]
    pub price: Option<Price>,
    #[serde(default)]
    pub alayacare: Option<serde_json::Map<String, serde_json::Value>>,
    #[serde(default)]
    pub case_manager: Option<CaseManager>,
}

impl UpdateReferralRequest {
    pub fn into_update(self, now: Timestamp) -> Result<(OrgId, RevisionUpdate), ApiError> {
        if let Some(price) = &self.price {
            price.check("price")?;
        }
        check_times(&self.service, &self.visits)?;
        let (start_at, end_at) = window(&self.service, &self.visits, now);
        Ok((
            self.supply_persona_id,
            RevisionUpdate {
                reasons: self.revision.reasons,
                revision_comment: self.revision.comment,
                start_at,
                end_at,
                content: content(
                    self.referral.comment,
                    self.referral.demand_labels,
                    self.client,
                    self.service,
                    self.visits,
                    self.price,
                    self.case_manager,
                    self.alayacare,
                ),
            },
        ))
    }
}

#[derive(Debug, Deserialize)]
pub struct ClientTaskRequest {
    pub id: TaskId,
    pub inbox_id: String,
}

/// `InboxClientTasksUpdateRequest`.
#[derive(Debug, Deserialize)]
pub struct ClientTasksUpdateRequest {
    pub client_tasks: NonEmptyList<ClientTaskRequest>,
}

impl ClientTasksUpdateRequest {
    pub fn pairs(self) -> Vec<(TaskId, String)> {
        self.client_tasks
            .into_vec()
            .into_iter()
            .map(|t| (t.id, t.inbox_id))
            .collect()
    }
}
