//! The supplier's views of its referrals: no demand labels, the client as far as it needs.

use serde::Serialize;

use crate::kernel::ids::{ClientId, OfferId, ReferralId, SequenceId, ServiceId};
use crate::kernel::time::{Timestamp, serde_ts};
use crate::marketplace::common::{
    Address, CareType, CaseManager, CustomField, NonEmpty, OfferType, OrganizationLean, Price,
    ReasonCode,
};
use crate::marketplace::referral::{Referral, ReferralStatus, Revision};
use crate::marketplace::wire::offers::InboxVisitView;

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
    pub contacts: Vec<crate::marketplace::common::Contact>,
    pub demographics: crate::marketplace::common::Demographics,
    pub allergies: Vec<crate::marketplace::common::Allergy>,
    pub risks: Vec<crate::marketplace::common::Risk>,
    pub diagnoses: Vec<crate::marketplace::common::Diagnosis>,
    pub surgeries: Vec<crate::marketplace::common::Surgery>,
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
