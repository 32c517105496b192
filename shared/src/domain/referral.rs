//! Referrals: created when an offer is assigned (or directly by the demand), then processed
//! or cancelled by either side.

use serde::{Deserialize, Serialize};

use crate::api::common::{CareType, CaseManager, Client, OfferType, Price, ReasonCode};
use crate::events::{Channel, EventName, EventRecord, OrgRef, ReferralFacts};
use crate::ids::{OfferId, OrgId, ReferralId, SequenceId};
use crate::time::{Timestamp, serde_ts};

use super::offer::{Offer, OfferMatch, Service, Visit};
use super::organization::Organization;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReferralStatus {
    Assigned,
    Processed,
    Cancelled,
}

#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Revision {
    pub revision_group_id: uuid::Uuid,
    pub revision_number: u32,
    #[serde(default)]
    pub revision_reasons: Vec<String>,
    pub revision_comment: Option<String>,
    pub is_latest_revision: bool,
}

#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Referral {
    pub id: ReferralId,
    pub sequence_id: SequenceId,
    pub offer_id: Option<OfferId>,
    pub shift_id: Option<uuid::Uuid>,
    pub demand_org_id: OrgId,
    pub supply_org_id: OrgId,
    pub care_type: CareType,
    pub referral_type: OfferType,
    pub comment: Option<String>,
    pub cancellation_comment: Option<String>,
    #[serde(default)]
    pub demand_labels: Vec<String>,
    pub status: ReferralStatus,
    pub reason_code: Option<ReasonCode>,
    pub version: u64,
    #[serde(with = "serde_ts")]
    pub start_at: Timestamp,
    #[serde(default, with = "serde_ts::option")]
    pub end_at: Option<Timestamp>,
    #[serde(with = "serde_ts")]
    pub created_at: Timestamp,
    #[serde(default, with = "serde_ts::option")]
    pub updated_at: Option<Timestamp>,
    pub revision: Revision,
    pub client_id: crate::ids::ClientId,
    pub client: Client,
    pub service: Service,
    #[serde(default)]
    pub visits: Vec<Visit>,
    pub price: Option<Price>,
    pub case_manager: Option<CaseManager>,
    pub alayacare: Option<serde_json::Value>,
}

impl Referral {
    /// The referral an assignment creates: the offer's care details, for the chosen supplier,
    /// at the supplier's price, in the match's sequence.
    pub fn from_assignment(offer: &Offer, chosen: &OfferMatch, now: Timestamp) -> Referral {
        let id = ReferralId::new();
        Referral {
            id,
            sequence_id: chosen.sequence_id,
            offer_id: Some(offer.id),
            shift_id: offer.shift_id,
            demand_org_id: offer.demand_org_id,
            supply_org_id: chosen.supply_org_id,
            care_type: offer.care_type,
            referral_type: offer.offer_type,
            comment: offer.comment.clone(),
            cancellation_comment: None,
            demand_labels: offer.demand_labels.clone(),
            status: ReferralStatus::Assigned,
            reason_code: None,
            version: 1,
            start_at: offer.start_at,
            end_at: offer.end_at,
            created_at: now,
            updated_at: None,
            revision: Revision {
                revision_group_id: id.0,
                revision_number: 1,
                revision_reasons: vec![],
                revision_comment: None,
                is_latest_revision: true,
            },
            client_id: offer.client_id,
            client: offer.client.clone(),
            service: offer.service.clone(),
            visits: offer.visits.clone(),
            price: offer
                .price
                .as_ref()
                .map(|p| p.for_supplier(chosen.supply_org_id)),
            case_manager: offer.case_manager.clone(),
            alayacare: offer.alayacare.clone(),
        }
    }

    pub fn facts(&self, demand: &Organization, supply: &Organization) -> ReferralFacts {
        ReferralFacts {
            referral_id: self.id,
            sequence_id: self.sequence_id,
            client_outbox_id: self.client.outbox_id.as_str().to_owned(),
            client_id: self.client_id,
            demand: OrgRef::from(demand),
            supply: OrgRef::from(supply),
        }
    }

    /// `ReferralCreated` for both sides: the demand on outbox-referrals, the supplier on
    /// inbox-referrals.
    pub fn created_events(
        &self,
        demand: &Organization,
        supply: &Organization,
        now: Timestamp,
    ) -> [EventRecord; 2] {
        let facts = self.facts(demand, supply);
        [
            EventRecord::referral(
                Channel::OutboxReferrals,
                EventName::ReferralCreated,
                vec![self.demand_org_id],
                &facts,
                now,
            ),
            EventRecord::referral(
                Channel::InboxReferrals,
                EventName::ReferralCreated,
                vec![self.supply_org_id],
                &facts,
                now,
            ),
        ]
    }
}
