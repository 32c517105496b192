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

/// Why a referral change is refused; each is a 409 at the HTTP edge.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ReferralRejection {
    /// "Required referral state: `assigned`" (mark processed).
    #[error("referral is {0:?}, not assigned")]
    NotAssigned(ReferralStatus),
    /// "A Referral can only be Cancelled if the status is `assigned` or `processed`."
    #[error("referral is {0:?}, so it cannot be cancelled")]
    NotCancellable(ReferralStatus),
}

impl From<ReferralRejection> for crate::error::ApiError {
    fn from(r: ReferralRejection) -> Self {
        match r {
            ReferralRejection::NotAssigned(_) => {
                crate::error::ApiError::conflict("Referral is not in the assigned state.")
            }
            ReferralRejection::NotCancellable(_) => crate::error::ApiError::conflict(
                "Referral can only be cancelled while assigned or processed.",
            ),
        }
    }
}

/// Which side acts on a referral.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReferralSide {
    Demand,
    Supply,
}

/// An allowed referral change: the new state and the event it announces.
#[derive(Clone, Debug, PartialEq)]
pub struct ReferralChange {
    pub referral: Referral,
    pub channel: Channel,
    pub name: EventName,
    /// The other side: who hears about it.
    pub recipient: OrgId,
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

    fn touched(&self, now: Timestamp) -> Referral {
        let mut r = self.clone();
        r.version += 1;
        r.updated_at = Some(now);
        r
    }

    /// The supplier acknowledges an assigned referral; the demand hears `ReferralProcessed`.
    pub fn mark_processed(&self, now: Timestamp) -> Result<ReferralChange, ReferralRejection> {
        if self.status != ReferralStatus::Assigned {
            return Err(ReferralRejection::NotAssigned(self.status));
        }
        let mut referral = self.touched(now);
        referral.status = ReferralStatus::Processed;
        Ok(ReferralChange {
            referral,
            channel: Channel::OutboxReferrals,
            name: EventName::ReferralProcessed,
            recipient: self.demand_org_id,
        })
    }

    /// Either side cancels an assigned or processed referral; the other side hears it
    /// (`ReferralDemandCancelled` on the supplier's inbox, `ReferralSupplyCancelled` on the
    /// demand's outbox). Only the demand's cancellation carries a comment.
    pub fn cancel(
        &self,
        side: ReferralSide,
        reason_code: Option<ReasonCode>,
        comment: Option<String>,
        now: Timestamp,
    ) -> Result<ReferralChange, ReferralRejection> {
        if !matches!(
            self.status,
            ReferralStatus::Assigned | ReferralStatus::Processed
        ) {
            return Err(ReferralRejection::NotCancellable(self.status));
        }
        let mut referral = self.touched(now);
        referral.status = ReferralStatus::Cancelled;
        referral.reason_code = reason_code;
        let (channel, name, recipient) = match side {
            ReferralSide::Demand => {
                referral.cancellation_comment = comment;
                (
                    Channel::InboxReferrals,
                    EventName::ReferralDemandCancelled,
                    self.supply_org_id,
                )
            }
            ReferralSide::Supply => (
                Channel::OutboxReferrals,
                EventName::ReferralSupplyCancelled,
                self.demand_org_id,
            ),
        };
        Ok(ReferralChange {
            referral,
            channel,
            name,
            recipient,
        })
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

#[cfg(test)]
mod tests {
    use super::*;

    fn referral() -> Referral {
        let s = crate::domain::offer::tests::state(1);
        Referral::from_assignment(&s.offer, &s.matches[0], crate::time::now())
    }

    #[test]
    fn the_supplier_processes_an_assigned_referral_once() {
        let r = referral();
        let c = r.mark_processed(crate::time::now()).unwrap();
        assert_eq!(c.referral.status, ReferralStatus::Processed);
        assert_eq!(c.referral.version, r.version + 1);
        assert_eq!(
            (c.channel, c.name, c.recipient),
            (
                Channel::OutboxReferrals,
                EventName::ReferralProcessed,
                r.demand_org_id
            )
        );
        assert_eq!(
            c.referral.mark_processed(crate::time::now()),
            Err(ReferralRejection::NotAssigned(ReferralStatus::Processed))
        );
    }

    #[test]
    fn either_side_cancels_and_the_other_side_hears_it() {
        let r = referral();
        let now = crate::time::now();
        let by_demand = r
            .cancel(
                ReferralSide::Demand,
                Some(ReasonCode::ClientRequest),
                Some("moved away".into()),
                now,
            )
            .unwrap();
        assert_eq!(by_demand.referral.status, ReferralStatus::Cancelled);
        assert_eq!(
            by_demand.referral.reason_code,
            Some(ReasonCode::ClientRequest)
        );
        assert_eq!(
            by_demand.referral.cancellation_comment.as_deref(),
            Some("moved away")
        );
        assert_eq!(
            (by_demand.channel, by_demand.name, by_demand.recipient),
            (
                Channel::InboxReferrals,
                EventName::ReferralDemandCancelled,
                r.supply_org_id
            )
        );
        // A processed referral can still be cancelled, by the supplier too.
        let processed = r.mark_processed(now).unwrap().referral;
        let by_supply = processed
            .cancel(ReferralSide::Supply, Some(ReasonCode::Other), None, now)
            .unwrap();
        assert_eq!(
            (by_supply.channel, by_supply.name, by_supply.recipient),
            (
                Channel::OutboxReferrals,
                EventName::ReferralSupplyCancelled,
                r.demand_org_id
            )
        );
        // Cancelled is final.
        assert_eq!(
            by_supply
                .referral
                .cancel(ReferralSide::Demand, None, None, now),
            Err(ReferralRejection::NotCancellable(ReferralStatus::Cancelled))
        );
        assert_eq!(
            by_supply.referral.mark_processed(now),
            Err(ReferralRejection::NotAssigned(ReferralStatus::Cancelled))
        );
    }
}
