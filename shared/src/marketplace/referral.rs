//! Referrals: created when an offer is assigned (or directly by the demand), then processed
//! or cancelled by either side.

use serde::{Deserialize, Serialize};

use crate::events::{Channel, EventName, EventRecord, OrgRef, ReferralFacts};
use crate::kernel::ids::{OfferId, OrgId, ReferralId, SequenceId};
use crate::kernel::time::{Timestamp, serde_ts};
use crate::marketplace::common::{
    CareType, CaseManager, Client, OfferType, OrganizationLean, Price, ReasonCode,
};

use crate::marketplace::offer::{Offer, OfferMatch, Service, Visit};
use crate::marketplace::organization::Organization;
use crate::marketplace::take_rate::TakeRate;

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
    /// Update: "It's of type: `service`".
    #[error("only a service referral can be updated")]
    NotService,
    /// Update: "It's the latest revision".
    #[error("only the latest revision can be updated")]
    NotLatest,
    /// Update: "Its status is `assigned` or `processed`"; task mapping likewise.
    #[error("referral is {0:?}, so it cannot be changed")]
    NotActive(ReferralStatus),
    /// An update names another supplier than the referral's: a revision keeps its supplier.
    #[error("a revision cannot move the referral to another supplier")]
    OtherSupplier,
    /// `tasks/update` names a task that is not one of the referral's visit tasks.
    #[error("task {0} is not a task of this referral")]
    UnknownTask(crate::kernel::ids::TaskId),
}

/// Which side acts on a referral.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReferralSide {
    Demand,
    Supply,
}

impl ReferralSide {
    /// The organization on this side of the referral.
    pub fn party(self, r: &Referral) -> OrgId {
        match self {
            ReferralSide::Demand => r.demand_org_id,
            ReferralSide::Supply => r.supply_org_id,
        }
    }
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

/// What the demand writes into a referral, at creation or in a revision.
#[derive(Clone, Debug, PartialEq)]
pub struct ReferralContent {
    pub comment: Option<String>,
    pub demand_labels: Vec<String>,
    pub client: Client,
    pub service: Service,
    pub visits: Vec<Visit>,
    pub price: Option<Price>,
    pub case_manager: Option<CaseManager>,
    pub alayacare: Option<serde_json::Value>,
}

/// A direct referral as requested (`OutboxReferralCreateRequest`), checked.
#[derive(Clone, Debug, PartialEq)]
pub struct ReferralDraft {
    pub care_type: CareType,
    pub referral_type: OfferType,
    pub start_at: Timestamp,
    pub end_at: Option<Timestamp>,
    pub content: ReferralContent,
}

/// A revision as requested (`OutboxReferralUpdateRequest`), checked.
#[derive(Clone, Debug, PartialEq)]
pub struct RevisionUpdate {
    pub reasons: Vec<String>,
    pub revision_comment: Option<String>,
    pub start_at: Timestamp,
    pub end_at: Option<Timestamp>,
    pub content: ReferralContent,
}

/// The outcome of a revision: the archived revision and the new latest one.
#[derive(Clone, Debug, PartialEq)]
pub struct Revised {
    pub archived: Referral,
    pub latest: Referral,
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
    pub client_id: crate::kernel::ids::ClientId,
    pub client: Client,
    pub service: Service,
    #[serde(default)]
    pub visits: Vec<Visit>,
    pub price: Option<Price>,
    pub case_manager: Option<CaseManager>,
    pub alayacare: Option<serde_json::Value>,
    /// The take rate of the offer it came from, or fixed at direct creation: `price` is what
    /// the demand pays, the supplier is shown it less this share.
    #[serde(default)]
    pub take_rate: Option<TakeRate>,
}

impl Referral {
    /// The price the supplier is shown.
    pub fn supply_price(&self) -> Option<Price> {
        let take = self.take_rate.unwrap_or(TakeRate::ZERO);
        self.price.as_ref().map(|p| take.supply_price(p))
    }

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
            take_rate: offer.take_rate,
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

    /// A referral the demand sends straight to one supplier, without an offer: assigned, the
    /// first revision of its own group, in a new sequence.
    pub fn direct(
        draft: ReferralDraft,
        demand: OrgId,
        supplier: OrgId,
        take_rate: TakeRate,
        now: Timestamp,
    ) -> Referral {
        let id = ReferralId::new();
        Referral {
            id,
            sequence_id: SequenceId::new(),
            offer_id: None,
            shift_id: None,
            demand_org_id: demand,
            supply_org_id: supplier,
            care_type: draft.care_type,
            referral_type: draft.referral_type,
            comment: draft.content.comment,
            cancellation_comment: None,
            demand_labels: draft.content.demand_labels,
            status: ReferralStatus::Assigned,
            reason_code: None,
            version: 1,
            start_at: draft.start_at,
            end_at: draft.end_at,
            created_at: now,
            updated_at: None,
            revision: Revision {
                revision_group_id: id.0,
                revision_number: 1,
                revision_reasons: vec![],
                revision_comment: None,
                is_latest_revision: true,
            },
            client_id: crate::kernel::ids::ClientId::new(),
            client: draft.content.client,
            service: draft.content.service,
            visits: draft.content.visits,
            price: draft.content.price,
            case_manager: draft.content.case_manager,
            alayacare: draft.content.alayacare,
            take_rate: Some(take_rate),
        }
    }

    /// The demand revises a service referral: the current revision is archived
    /// (`is_latest_revision = false`, version + 1) and a new referral, the next revision of the
    /// same group, takes its place: same sequence, supplier, client and service ids, status
    /// `assigned` again, since the supplier has not seen the new content yet.
    pub fn revise(
        &self,
        supplier: OrgId,
        update: RevisionUpdate,
        now: Timestamp,
    ) -> Result<Revised, ReferralRejection> {
        if self.referral_type != OfferType::Service {
            return Err(ReferralRejection::NotService);
        }
        if !self.revision.is_latest_revision {
            return Err(ReferralRejection::NotLatest);
        }
        if !matches!(
            self.status,
            ReferralStatus::Assigned | ReferralStatus::Processed
        ) {
            return Err(ReferralRejection::NotActive(self.status));
        }
        if supplier != self.supply_org_id {
            return Err(ReferralRejection::OtherSupplier);
        }
        let mut archived = self.touched(now);
        archived.revision.is_latest_revision = false;
        let c = update.content;
        let mut service = c.service;
        service.id = self.service.id;
        let latest = Referral {
            id: ReferralId::new(),
            status: ReferralStatus::Assigned,
            reason_code: None,
            cancellation_comment: None,
            version: 1,
            comment: c.comment,
            demand_labels: c.demand_labels,
            start_at: update.start_at,
            end_at: update.end_at,
            created_at: now,
            updated_at: None,
            revision: Revision {
                revision_group_id: self.revision.revision_group_id,
                revision_number: self.revision.revision_number + 1,
                revision_reasons: update.reasons,
                revision_comment: update.revision_comment,
                is_latest_revision: true,
            },
            client: c.client,
            service,
            visits: c.visits,
            price: c.price,
            case_manager: c.case_manager,
            alayacare: c.alayacare,
            ..self.clone()
        };
        Ok(Revised { archived, latest })
    }

    /// The supplier records its own ids (`inbox_id`) for the referral's visit tasks; the
    /// referral must still be active and every task one of its own.
    pub fn map_tasks(
        &self,
        tasks: &[(crate::kernel::ids::TaskId, String)],
        now: Timestamp,
    ) -> Result<Referral, ReferralRejection> {
        if !matches!(
            self.status,
            ReferralStatus::Assigned | ReferralStatus::Processed
        ) {
            return Err(ReferralRejection::NotActive(self.status));
        }
        let mut referral = self.touched(now);
        for (id, inbox_id) in tasks {
            let task = referral
                .visits
                .iter_mut()
                .flat_map(|v| v.tasks.iter_mut())
                .find(|t| t.id == *id)
                .ok_or(ReferralRejection::UnknownTask(*id))?;
            task.inbox_id = Some(inbox_id.clone());
        }
        Ok(referral)
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
            )
            .versioned(self.id, self.version),
            EventRecord::referral(
                Channel::InboxReferrals,
                EventName::ReferralCreated,
                vec![self.supply_org_id],
                &facts,
                now,
            )
            .versioned(self.id, self.version),
        ]
    }
}

/// A referral with the names of both its organizations, as every view of it shows one or both.
#[derive(Clone, Debug)]
pub struct NamedReferral {
    pub referral: Referral,
    pub demand: OrganizationLean,
    pub supply: OrganizationLean,
}

#[cfg(test)]
mod tests;
