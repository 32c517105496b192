//! The demand's views of its referrals.

use serde::Serialize;

use crate::kernel::ids::{ClientId, OfferId, ReferralId, SequenceId, ServiceId};
use crate::kernel::time::{Timestamp, serde_ts};
use crate::marketplace::common::{
    CareType, CaseManager, Client, DemographicsLean, NonEmpty, OfferType, OrganizationLean, Price,
    ReasonCode,
};
use crate::marketplace::offer::{Service, Visit};
use crate::marketplace::referral::{Referral, ReferralStatus, Revision};
use crate::marketplace::wire::referrals::has_authorization;

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
