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

/// What a creation and a revision both send: the referral's whole content.
#[derive(Debug, Deserialize)]
pub struct ReferralContentRequest {
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

/// A referral's window and content, checked.
type Checked = (Timestamp, Option<Timestamp>, ReferralContent);

impl ReferralContentRequest {
    /// Checks what a schema cannot express (422), and gives the referral's window (derived as
    /// an offer's is: from its visits, else its service) and content.
    fn into_content(
        self,
        comment: Option<String>,
        demand_labels: Option<NonEmptyList<String>>,
        now: Timestamp,
    ) -> Result<Checked, ApiError> {
        if let Some(price) = &self.price {
            price.check("price")?;
        }
        check_times(&self.service, &self.visits)?;
        let visits = &self.visits;
        let start = visits
            .iter()
            .map(|v| v.start_at)
            .min()
            .or(self.service.start_at)
            .or(self.service.expected_start_at)
            .unwrap_or(now);
        let end = visits
            .iter()
            .map(|v| v.end_at)
            .max()
            .or(self.service.end_at);
        let content = ReferralContent {
            comment,
            demand_labels: demand_labels
                .map(NonEmptyList::into_vec)
                .unwrap_or_default(),
            client: self.client,
            service: self.service.into_service(ServiceId::new()),
            visits: self
                .visits
                .into_iter()
                .map(VisitRequest::into_visit)
                .collect(),
            price: self.price,
            case_manager: self.case_manager,
            alayacare: self.alayacare.map(serde_json::Value::Object),
        };
        Ok((start, end, content))
    }
}

/// `OutboxReferralCreateRequest`: a referral straight to one supplier.
#[derive(Debug, Deserialize)]
pub struct CreateReferralRequest {
    pub referral: ReferralCoreRequest,
    pub supply_persona_id: OrgId,
    #[serde(flatten)]
    pub content: ReferralContentRequest,
}

impl CreateReferralRequest {
    /// Checks what a schema cannot express (422) and gives the draft and its supplier.
    pub fn into_draft(self, now: Timestamp) -> Result<(OrgId, ReferralDraft), ApiError> {
        let core = self.referral;
        if core.referral_type == OfferType::Visit && self.content.visits.len() != 1 {
            return Err(ApiError::unprocessable(
                "a referral of type visit describes exactly one visit",
            ));
        }
        let (start_at, end_at, content) =
            self.content
                .into_content(core.comment, core.demand_labels, now)?;
        let draft = ReferralDraft {
            care_type: core.care_type,
            referral_type: core.referral_type,
            start_at,
            end_at,
            content,
        };
        Ok((self.supply_persona_id, draft))
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
    pub revision: RevisionRequest,
    #[serde(flatten)]
    pub content: ReferralContentRequest,
}

impl UpdateReferralRequest {
    pub fn into_update(self, now: Timestamp) -> Result<(OrgId, RevisionUpdate), ApiError> {
        let core = self.referral;
        let (start_at, end_at, content) =
            self.content
                .into_content(core.comment, core.demand_labels, now)?;
        let update = RevisionUpdate {
            reasons: self.revision.reasons,
            revision_comment: self.revision.comment,
            start_at,
            end_at,
            content,
        };
        Ok((self.supply_persona_id, update))
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
