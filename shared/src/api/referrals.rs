//! Offers API bodies for referrals, outbox (demand) and inbox (supply) views.

use serde::{Deserialize, Serialize};

use super::common::NonEmptyList;
use super::common::{
    Address, CareType, CaseManager, Client, CustomField, DemographicsLean, NonEmpty, OfferType,
    OrganizationLean, Price, ReasonCode,
};
use super::offers::{InboxVisitView, ServiceRequest, SortBy, VisitRequest, check_times};
use crate::domain::offer::{Service, Visit};
use crate::domain::referral::{
    Referral, ReferralContent, ReferralDraft, ReferralStatus, Revision, RevisionUpdate,
};
use crate::error::ApiError;
use crate::ids::{ClientId, OfferId, OrgId, ReferralId, SequenceId, ServiceId, TaskId};
use crate::paging::SortOrder;
use crate::time::{Timestamp, serde_ts};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Revisions {
    All,
    #[default]
    Latest,
    Archived,
}

impl Revisions {
    pub fn admits(self, r: &Referral) -> bool {
        match self {
            Revisions::All => true,
            Revisions::Latest => r.revision.is_latest_revision,
            Revisions::Archived => !r.revision.is_latest_revision,
        }
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReferralSortBy {
    #[default]
    LastModified,
    RevisionNumber,
}

/// Query of `GET /offers/v1/outbox/referrals`.
#[derive(Debug, Default, Deserialize)]
pub struct OutboxReferralQuery {
    pub supply_persona_id: Option<OrgId>,
    pub status: Option<ReferralStatus>,
    pub shift_id: Option<uuid::Uuid>,
    pub offer_id: Option<OfferId>,
    pub care_type: Option<CareType>,
    pub referral_type: Option<OfferType>,
    pub client_outbox_id: Option<String>,
    pub demand_label: Option<String>,
    pub has_alayacare_authorization: Option<bool>,
    pub revisions: Option<Revisions>,
    pub revision_group_id: Option<uuid::Uuid>,
    pub sequence_id: Option<SequenceId>,
    pub page: Option<i64>,
    pub items_per_page: Option<i64>,
    pub sort_by: Option<ReferralSortBy>,
    pub sort_order: Option<SortOrder>,
}

impl OutboxReferralQuery {
    pub fn matches(&self, r: &Referral) -> bool {
        self.supply_persona_id.is_none_or(|s| s == r.supply_org_id)
            && self.status.is_none_or(|s| s == r.status)
            && self.shift_id.is_none_or(|s| r.shift_id == Some(s))
            && self.offer_id.is_none_or(|o| r.offer_id == Some(o))
            && self.care_type.is_none_or(|c| c == r.care_type)
            && self.referral_type.is_none_or(|t| t == r.referral_type)
            && self
                .client_outbox_id
                .as_deref()
                .is_none_or(|c| c == r.client.outbox_id.as_str())
            && self
                .demand_label
                .as_deref()
                .is_none_or(|l| r.demand_labels.iter().any(|x| x == l))
            && self
                .has_alayacare_authorization
                .is_none_or(|h| h == has_authorization(r))
            && self.revisions.unwrap_or_default().admits(r)
            && self
                .revision_group_id
                .is_none_or(|g| g == r.revision.revision_group_id)
            && self.sequence_id.is_none_or(|s| s == r.sequence_id)
    }
}

/// Query of `GET /offers/v1/inbox/referrals`.
#[derive(Debug, Default, Deserialize)]
pub struct InboxReferralQuery {
    pub referral_status: Option<ReferralStatus>,
    pub sequence_id: Option<SequenceId>,
    pub offer_id: Option<OfferId>,
    pub shift_id: Option<uuid::Uuid>,
    pub revisions: Option<Revisions>,
    pub page: Option<i64>,
    pub items_per_page: Option<i64>,
    pub sort_by: Option<SortBy>,
    pub sort_order: Option<SortOrder>,
}

impl InboxReferralQuery {
    pub fn matches(&self, r: &Referral) -> bool {
        self.referral_status.is_none_or(|s| s == r.status)
            && self.sequence_id.is_none_or(|s| s == r.sequence_id)
            && self.offer_id.is_none_or(|o| r.offer_id == Some(o))
            && self.shift_id.is_none_or(|s| r.shift_id == Some(s))
            && self.revisions.unwrap_or_default().admits(r)
    }
}

fn has_authorization(r: &Referral) -> bool {
    r.alayacare
        .as_ref()
        .and_then(|a| a.get("authorizations"))
        .and_then(|a| a.as_array())
        .is_some_and(|a| !a.is_empty())
}

/// `OutboxReferralCore`.
#[serde_with::skip_serializing_none]
#[derive(Debug, Serialize)]
pub struct OutboxReferralView {
    pub id: ReferralId,
    pub sequence_id: SequenceId,
    pub offer_id: Option<OfferId>,
    pub shift_id: Option<uuid::Uuid>,
    pub care_type: CareType,
    pub referral_type: OfferType,
    pub comment: Option<String>,
    pub cancellation_comment: Option<String>,
    /// The spec requires at least one item when present.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub demand_labels: Vec<String>,
    pub status: ReferralStatus,
    pub reason_code: Option<ReasonCode>,
    #[serde(with = "serde_ts")]
    pub start_at: Timestamp,
    #[serde(with = "serde_ts::option")]
    pub end_at: Option<Timestamp>,
    #[serde(with = "serde_ts")]
    pub created_at: Timestamp,
    #[serde(with = "serde_ts::option")]
    pub updated_at: Option<Timestamp>,
}

impl From<&Referral> for OutboxReferralView {
    fn from(r: &Referral) -> Self {
        Self {
            id: r.id,
            sequence_id: r.sequence_id,
            offer_id: r.offer_id,
            shift_id: r.shift_id,
            care_type: r.care_type,
            referral_type: r.referral_type,
            comment: r.comment.clone(),
            cancellation_comment: r.cancellation_comment.clone(),
            demand_labels: r.demand_labels.clone(),
            status: r.status,
            reason_code: r.reason_code,
            start_at: r.start_at,
            end_at: r.end_at,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

/// The client of `OutboxReferralDetailResponse`: as sent, plus its id.
#[derive(Debug, Serialize)]
pub struct ClientWithId {
    pub id: ClientId,
    #[serde(flatten)]
    pub client: Client,
}

/// `OutboxReferralDetailResponse`.
#[serde_with::skip_serializing_none]
#[derive(Debug, Serialize)]
pub struct OutboxReferralDetail {
    pub referral: OutboxReferralView,
    pub supply: OrganizationLean,
    pub alayacare: Option<serde_json::Value>,
    pub case_manager: Option<CaseManager>,
    pub price: Option<Price>,
    pub client: ClientWithId,
    pub service: Service,
    pub visits: Vec<Visit>,
    pub revision: Revision,
}

impl OutboxReferralDetail {
    pub fn new(r: &Referral, supply: OrganizationLean) -> Self {
        Self {
            referral: r.into(),
            supply,
            alayacare: r.alayacare.clone(),
            case_manager: r.case_manager.clone(),
            price: r.price.clone(),
            client: ClientWithId {
                id: r.client_id,
                client: r.client.clone(),
            },
            service: r.service.clone(),
            visits: r.visits.clone(),
            revision: r.revision.clone(),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct AlayaCareFlag {
    pub has_authorization: bool,
}

#[derive(Debug, Serialize)]
pub struct ReferralClientLean {
    pub id: ClientId,
    pub outbox_id: NonEmpty,
    pub demographics: DemographicsLean,
}

#[derive(Debug, Serialize)]
pub struct ReferralServiceLean {
    pub id: ServiceId,
    pub outbox_id: NonEmpty,
    pub name: NonEmpty,
}

/// `OutboxReferralCollectionResponse`.
#[derive(Debug, Serialize)]
pub struct OutboxReferralSummary {
    pub referral: OutboxReferralView,
    pub supply: OrganizationLean,
    pub alayacare: AlayaCareFlag,
    pub client: ReferralClientLean,
    pub service: ReferralServiceLean,
    pub revision: Revision,
}

impl OutboxReferralSummary {
    pub fn new(r: &Referral, supply: OrganizationLean) -> Self {
        Self {
            referral: r.into(),
            supply,
            alayacare: AlayaCareFlag {
                has_authorization: has_authorization(r),
            },
            client: ReferralClientLean {
                id: r.client_id,
                outbox_id: r.client.outbox_id.clone(),
                demographics: (&r.client.demographics).into(),
            },
            service: ReferralServiceLean {
                id: r.service.id,
                outbox_id: r.service.outbox_id.clone(),
                name: r.service.name.clone(),
            },
            revision: r.revision.clone(),
        }
    }
}

/// The referral of the inbox responses (no demand labels).
#[serde_with::skip_serializing_none]
#[derive(Debug, Serialize)]
pub struct InboxReferralView {
    pub id: ReferralId,
    pub sequence_id: SequenceId,
    pub offer_id: Option<OfferId>,
    pub shift_id: Option<uuid::Uuid>,
    pub care_type: CareType,
    pub referral_type: OfferType,
    pub comment: Option<String>,
    pub cancellation_comment: Option<String>,
    pub status: ReferralStatus,
    pub reason_code: Option<ReasonCode>,
    #[serde(with = "serde_ts")]
    pub start_at: Timestamp,
    #[serde(with = "serde_ts::option")]
    pub end_at: Option<Timestamp>,
    #[serde(with = "serde_ts")]
    pub created_at: Timestamp,
    #[serde(with = "serde_ts::option")]
    pub updated_at: Option<Timestamp>,
}

impl InboxReferralView {
    fn new(r: &Referral, with_comments: bool) -> Self {
        Self {
            id: r.id,
            sequence_id: r.sequence_id,
            offer_id: r.offer_id,
            shift_id: r.shift_id,
            care_type: r.care_type,
            referral_type: r.referral_type,
            comment: r.comment.clone().filter(|_| with_comments),
            cancellation_comment: r.cancellation_comment.clone().filter(|_| with_comments),
            status: r.status,
            reason_code: r.reason_code,
            start_at: r.start_at,
            end_at: r.end_at,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct RevisionLean {
    pub revision_group_id: uuid::Uuid,
    pub revision_number: u32,
}

/// `InboxReferralCollectionResponse`.
#[derive(Debug, Serialize)]
pub struct InboxReferralSummary {
    pub referral: InboxReferralView,
    pub revision: RevisionLean,
}

impl From<&Referral> for InboxReferralSummary {
    fn from(r: &Referral) -> Self {
        Self {
            referral: InboxReferralView::new(r, false),
            revision: RevisionLean {
                revision_group_id: r.revision.revision_group_id,
                revision_number: r.revision.revision_number,
            },
        }
    }
}

/// `InboxClientResponse`: the full client, now that the supplier holds the referral, with the
/// referral-only custom fields folded in and the demand's own ids left out.
#[derive(Debug, Serialize)]
pub struct InboxClient {
    pub id: ClientId,
    pub address: Address,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub contacts: Vec<super::common::Contact>,
    pub demographics: super::common::Demographics,
    pub allergies: Vec<super::common::Allergy>,
    pub risks: Vec<super::common::Risk>,
    pub diagnoses: Vec<super::common::Diagnosis>,
    pub surgeries: Vec<super::common::Surgery>,
    pub custom_fields: Vec<CustomField>,
}

/// The service of `InboxReferralDetailResponse`.
#[serde_with::skip_serializing_none]
#[derive(Debug, Serialize)]
pub struct InboxReferralService {
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
    pub address: Option<Address>,
}

/// `InboxReferralDetailResponse`.
#[serde_with::skip_serializing_none]
#[derive(Debug, Serialize)]
pub struct InboxReferralDetail {
    pub referral: InboxReferralView,
    pub demand: OrganizationLean,
    pub alayacare: Option<serde_json::Value>,
    pub case_manager: Option<CaseManager>,
    pub price: Option<Price>,
    pub client: InboxClient,
    pub service: InboxReferralService,
    pub visits: Vec<InboxVisitView>,
    pub revision: Revision,
}

impl InboxReferralDetail {
    pub fn new(r: &Referral, demand: OrganizationLean) -> Self {
        let c = &r.client;
        let s = &r.service;
        let joined =
            |a: &[CustomField], b: &[CustomField]| a.iter().chain(b).cloned().collect::<Vec<_>>();
        Self {
            referral: InboxReferralView::new(r, true),
            demand,
            alayacare: r.alayacare.clone(),
            case_manager: r.case_manager.clone(),
            price: r.supply_price(),
            client: InboxClient {
                id: r.client_id,
                address: c.address.clone(),
                contacts: c.contacts.clone(),
                demographics: c.demographics.clone(),
                allergies: c.allergies.clone(),
                risks: c.risks.clone(),
                diagnoses: c.diagnoses.clone(),
                surgeries: c.surgeries.clone(),
                custom_fields: joined(&c.custom_fields, &c.referral_only_custom_fields),
            },
            service: InboxReferralService {
                id: s.id,
                name: s.name.clone(),
                start_at: s.start_at,
                expected_start_at: s.expected_start_at,
                end_at: s.end_at,
                instructions: s.instructions.clone(),
                notes: s.notes.clone(),
                skills: s.skills.clone(),
                custom_fields: joined(&s.custom_fields, &s.referral_only_custom_fields),
                use_client_address: s.use_client_address,
                address: s.address.clone(),
            },
            visits: r.visits.iter().map(InboxVisitView::from).collect(),
            revision: r.revision.clone(),
        }
    }
}

/// `OutboxReferralCancelRequest`: a reason and a comment of at most 1,000 characters.
#[derive(Clone, Debug, Deserialize)]
pub struct OutboxReferralCancelRequest {
    pub reason_code: Option<crate::api::common::ReasonCode>,
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
    pub reason_code: Option<crate::api::common::ReasonCode>,
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
