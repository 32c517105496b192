//! The offer lifecycle as pure functions.
//!
//! An offer is `open` until it is assigned, closed by its demand organization, declined by
//! every matched supplier, or expired. Each matched supplier holds one match whose `response`
//! moves from `pending` to `accepted` or `declined` once. A match's `status` is derived from
//! the offer (see [`match_status`]) rather than stored, so an assignment does not have to
//! rewrite every other supplier's match.

use serde::{Deserialize, Serialize};

use crate::events::{Channel, EventName};
use crate::kernel::ids::{
    ClientId, MatchId, OfferId, OrgId, ReferralId, SequenceId, ServiceId, TaskId, VisitId,
};
use crate::kernel::time::{Timestamp, serde_ts};
use crate::marketplace::common::{
    CareType, CaseManager, Client, CustomField, NonEmpty, OfferPrice, OfferType, ReasonCode,
};

use crate::marketplace::organization::AssignmentMode;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OfferStatus {
    Open,
    Assigned,
    Closed,
    DeclinedByAll,
    Expired,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchResponse {
    Pending,
    Accepted,
    Declined,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchStatus {
    Open,
    Expired,
    Closed,
    Assigned,
    Fulfilled,
}

/// `OfferResponseCountsCore`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ResponseCounts {
    #[serde(with = "serde_ts")]
    pub modified_at: Timestamp,
    pub sent: u32,
    pub accepted: u32,
    pub declined: u32,
}

#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Task {
    pub id: TaskId,
    pub outbox_id: NonEmpty,
    pub name: NonEmpty,
    pub description: Option<String>,
    pub is_required: bool,
    /// The supplier's id for this task (set by the referral's `tasks/update`); visit tasks the
    /// supplier creates name it (`POST …/visits/{id}/tasks`).
    #[serde(default)]
    pub inbox_id: Option<String>,
}

#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Visit {
    pub id: VisitId,
    pub outbox_id: NonEmpty,
    #[serde(with = "serde_ts")]
    pub start_at: Timestamp,
    #[serde(with = "serde_ts")]
    pub end_at: Timestamp,
    pub instructions: Option<String>,
    #[serde(default)]
    pub tasks: Vec<Task>,
}

/// The service of an offer (`OutboxServiceRequest` plus its id).
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Service {
    pub id: ServiceId,
    pub name: NonEmpty,
    pub outbox_id: NonEmpty,
    #[serde(default, with = "serde_ts::option")]
    pub start_at: Option<Timestamp>,
    #[serde(default, with = "serde_ts::option")]
    pub expected_start_at: Option<Timestamp>,
    #[serde(default, with = "serde_ts::option")]
    pub end_at: Option<Timestamp>,
    pub instructions: Option<String>,
    pub notes: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skills: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub custom_fields: Vec<CustomField>,
    pub use_client_address: Option<bool>,
    pub address: Option<crate::marketplace::common::Address>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub referral_only_custom_fields: Vec<CustomField>,
}

/// An offer as stored: the demand's request plus the ids and state the platform adds.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Offer {
    pub id: OfferId,
    pub demand_org_id: OrgId,
    pub status: OfferStatus,
    /// Optimistic-concurrency guard: every write of the offer is conditioned on it.
    pub version: u64,
    pub care_type: CareType,
    pub offer_type: OfferType,
    #[serde(with = "serde_ts")]
    pub expires_at: Timestamp,
    pub comment: Option<String>,
    #[serde(default)]
    pub demand_labels: Vec<String>,
    pub reason_code: Option<ReasonCode>,
    pub reason_comment: Option<String>,
    pub shift_id: Option<uuid::Uuid>,
    #[serde(with = "serde_ts")]
    pub start_at: Timestamp,
    #[serde(default, with = "serde_ts::option")]
    pub end_at: Option<Timestamp>,
    #[serde(with = "serde_ts")]
    pub created_at: Timestamp,
    #[serde(default, with = "serde_ts::option")]
    pub updated_at: Option<Timestamp>,
    pub counts: ResponseCounts,
    pub assigned_match_id: Option<MatchId>,
    pub referral_id: Option<ReferralId>,
    pub client_id: ClientId,
    pub client: Client,
    pub service: Service,
    #[serde(default)]
    pub visits: Vec<Visit>,
    pub price: Option<OfferPrice>,
    pub case_manager: Option<CaseManager>,
    /// AlayaCare-specific payload (authorizations, care plan, form templates), kept as sent.
    pub alayacare: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub direct_supply_persona_ids: Vec<OrgId>,
    /// The take rate fixed when the offer was created (see [`super::take_rate`]).
    #[serde(default)]
    pub take_rate: Option<crate::marketplace::take_rate::TakeRate>,
    /// The demand's assignment mode when the offer was last written. An acceptance in manual
    /// mode decides on it without reading the organization, and its write checks that the
    /// organization's mode is still this one (`marketplace::usecases::offers`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub demand_assignment: Option<AssignmentMode>,
}

impl OfferStatus {
    /// Closed, declined by all or expired: the offer ended, and no referral refers to it, so
    /// nothing needs it once its retention has passed (an assigned offer is its referral's
    /// origin and stays).
    pub fn ended_without_referral(self) -> bool {
        matches!(
            self,
            OfferStatus::Closed | OfferStatus::DeclinedByAll | OfferStatus::Expired
        )
    }
}

impl Offer {
    /// The visit (its outbox id) this offer holds. The spec: "Multiple open or assigned
    /// offers with offer_type `visit` are not permitted for the same visit". So a `visit`
    /// offer holds its visit while open or assigned, and lets go of it when it is closed,
    /// expires or is declined by all.
    pub fn held_visit(&self) -> Option<&str> {
        if self.offer_type != OfferType::Visit
            || !matches!(self.status, OfferStatus::Open | OfferStatus::Assigned)
        {
            return None;
        }
        self.visits.first().map(|v| v.outbox_id.as_str())
    }
}

/// One supplier's view of an offer.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OfferMatch {
    pub id: MatchId,
    pub offer_id: OfferId,
    pub demand_org_id: OrgId,
    pub supply_org_id: OrgId,
    pub response: MatchResponse,
    pub sequence_id: SequenceId,
    pub reason_code: Option<String>,
    pub comment: Option<String>,
    #[serde(with = "serde_ts")]
    pub created_at: Timestamp,
    #[serde(default, with = "serde_ts::option")]
    pub updated_at: Option<Timestamp>,
}

impl OfferMatch {
    /// Its stored attributes without the item's keys: what a supplier's inbox list reads of
    /// each match (a projection, so the SDK parses 10 attributes of a match, not 17).
    pub const ATTRIBUTES: &[&str] = &[
        "id",
        "offer_id",
        "demand_org_id",
        "supply_org_id",
        "response",
        "sequence_id",
        "reason_code",
        "comment",
        "created_at",
        "updated_at",
    ];
}

/// An offer with all of its matches: the unit every transition reads and writes.
#[derive(Clone, Debug, PartialEq)]
pub struct OfferState {
    pub offer: Offer,
    pub matches: Vec<OfferMatch>,
}

/// Why a transition is refused. Each maps to a 409, 403 or 404 at the HTTP edge.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    #[error("offer is {0:?}, not open")]
    OfferNotOpen(OfferStatus),
    #[error("offer has expired")]
    OfferExpired,
    #[error("offer has already been {0:?}")]
    AlreadyResponded(MatchResponse),
    #[error("offer match has not been accepted")]
    MatchNotAccepted,
    #[error("offer assignment is automatic for this organization")]
    AssignmentIsAutomatic,
    #[error("offer match not found")]
    UnknownMatch,
    #[error("offer has not reached its expiry")]
    NotYetExpired,
}

/// An event the transition announces, before its payload is built.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notice {
    pub channel: Channel,
    pub name: EventName,
    pub recipients: Vec<OrgId>,
}

impl Notice {
    fn new(channel: Channel, name: EventName, recipients: Vec<OrgId>) -> Self {
        Self {
            channel,
            name,
            recipients,
        }
    }
}

/// The outcome of an allowed transition: the new state to write and what to announce.
#[derive(Clone, Debug, PartialEq)]
pub struct Transition {
    pub offer: Offer,
    /// Matches whose stored fields changed.
    pub changed_matches: Vec<OfferMatch>,
    pub notices: Vec<Notice>,
    /// Set when the transition assigns the offer: a referral must be created for this match.
    pub assigned: Option<OfferMatch>,
}

/// The status a supplier sees for its match, derived from the offer.
pub fn match_status(offer: &Offer, m: &OfferMatch) -> MatchStatus {
    derived_match_status(offer.status, offer.assigned_match_id, m)
}

fn derived_match_status(
    status: OfferStatus,
    assigned_match_id: Option<MatchId>,
    m: &OfferMatch,
) -> MatchStatus {
    match status {
        OfferStatus::Open => MatchStatus::Open,
        OfferStatus::Assigned if assigned_match_id == Some(m.id) => MatchStatus::Assigned,
        OfferStatus::Assigned => MatchStatus::Fulfilled,
        OfferStatus::Closed | OfferStatus::DeclinedByAll => MatchStatus::Closed,
        OfferStatus::Expired => MatchStatus::Expired,
    }
}

fn ensure_open(offer: &Offer, now: Timestamp) -> Result<(), Rejection> {
    if offer.status != OfferStatus::Open {
        return Err(Rejection::OfferNotOpen(offer.status));
    }
    // The expiry job may not have run yet: an offer past `expires_at` takes no more responses.
    if offer.expires_at <= now {
        return Err(Rejection::OfferExpired);
    }
    Ok(())
}

impl OfferState {
    pub fn match_of(&self, supplier: OrgId) -> Option<&OfferMatch> {
        self.matches.iter().find(|m| m.supply_org_id == supplier)
    }

    fn suppliers(&self) -> Vec<OrgId> {
        self.matches.iter().map(|m| m.supply_org_id).collect()
    }

    fn touched(&self, now: Timestamp) -> Offer {
        let mut offer = self.offer.clone();
        offer.version += 1;
        offer.updated_at = Some(now);
        offer.counts.modified_at = now;
        offer
    }

    /// The notices and new state of assigning the offer to `chosen`.
    fn assign_to(
        &self,
        offer: &mut Offer,
        chosen: &OfferMatch,
        notices: &mut Vec<Notice>,
    ) -> OfferMatch {
        offer.status = OfferStatus::Assigned;
        offer.assigned_match_id = Some(chosen.id);
        let others: Vec<OrgId> = self
            .suppliers()
            .into_iter()
            .filter(|s| *s != chosen.supply_org_id)
            .collect();
        if !others.is_empty() {
            notices.push(Notice::new(
                Channel::InboxOffers,
                EventName::OfferFulfilled,
                others,
            ));
        }
        chosen.clone()
    }

    /// A matched supplier's one response to an open offer: the touched offer and the answered
    /// match, for the caller to complete.
    fn respond(
        &self,
        supplier: OrgId,
        response: MatchResponse,
        now: Timestamp,
    ) -> Result<(Offer, OfferMatch), Rejection> {
        ensure_open(&self.offer, now)?;
        let current = self.match_of(supplier).ok_or(Rejection::UnknownMatch)?;
        if current.response != MatchResponse::Pending {
            return Err(Rejection::AlreadyResponded(current.response));
        }
        let mut m = current.clone();
        m.response = response;
        m.updated_at = Some(now);
        Ok((self.touched(now), m))
    }

    /// A supplier accepts. With automatic assignment the first acceptance also assigns.
    pub fn accept(
        &self,
        supplier: OrgId,
        comment: Option<String>,
        mode: AssignmentMode,
        now: Timestamp,
    ) -> Result<Transition, Rejection> {
        let (mut offer, mut m) = self.respond(supplier, MatchResponse::Accepted, now)?;
        m.comment = comment;
        offer.counts.accepted += 1;
        let mut notices = vec![Notice::new(
            Channel::OutboxOffers,
            EventName::OfferAccepted,
            vec![offer.demand_org_id],
        )];
        let mut assigned = None;
        if mode == AssignmentMode::Auto {
            assigned = Some(self.assign_to(&mut offer, &m, &mut notices));
        }
        Ok(Transition {
            offer,
            changed_matches: vec![m],
            notices,
            assigned,
        })
    }

    /// A supplier declines. When it is the last pending supplier and nobody accepted, the
    /// offer becomes `declined_by_all`.
    pub fn decline(
        &self,
        supplier: OrgId,
        reason_code: Option<String>,
        comment: Option<String>,
        now: Timestamp,
    ) -> Result<Transition, Rejection> {
        let (mut offer, mut m) = self.respond(supplier, MatchResponse::Declined, now)?;
        m.reason_code = reason_code;
        m.comment = comment;
        offer.counts.declined += 1;
        let demand = vec![offer.demand_org_id];
        let mut notices = vec![Notice::new(
            Channel::OutboxOffers,
            EventName::OfferDeclined,
            demand.clone(),
        )];
        if offer.counts.declined >= offer.counts.sent {
            offer.status = OfferStatus::DeclinedByAll;
            notices.push(Notice::new(
                Channel::OutboxOffers,
                EventName::OfferDeclinedByAll,
                demand,
            ));
        }
        Ok(Transition {
            offer,
            changed_matches: vec![m],
            notices,
            assigned: None,
        })
    }

    /// The demand organization withdraws an offer that is not assigned yet.
    pub fn close(
        &self,
        reason_code: Option<ReasonCode>,
        reason_comment: Option<String>,
        now: Timestamp,
    ) -> Result<Transition, Rejection> {
        if self.offer.status != OfferStatus::Open {
            return Err(Rejection::OfferNotOpen(self.offer.status));
        }
        let mut offer = self.touched(now);
        offer.status = OfferStatus::Closed;
        offer.reason_code = reason_code;
        offer.reason_comment = reason_comment;
        let suppliers = self.suppliers();
        let notices = if suppliers.is_empty() {
            vec![]
        } else {
            vec![Notice::new(
                Channel::InboxOffers,
                EventName::OfferClosed,
                suppliers,
            )]
        };
        Ok(Transition {
            offer,
            changed_matches: vec![],
            notices,
            assigned: None,
        })
    }

    /// The expiry job closes an open offer whose `expires_at` has passed: both sides hear
    /// `OfferExpired` (the demand on outbox-offers, every matched supplier on inbox-offers).
    pub fn expire(&self, now: Timestamp) -> Result<Transition, Rejection> {
        if self.offer.status != OfferStatus::Open {
            return Err(Rejection::OfferNotOpen(self.offer.status));
        }
        if self.offer.expires_at > now {
            return Err(Rejection::NotYetExpired);
        }
        let mut offer = self.touched(now);
        offer.status = OfferStatus::Expired;
        let mut notices = vec![Notice::new(
            Channel::OutboxOffers,
            EventName::OfferExpired,
            vec![self.offer.demand_org_id],
        )];
        let suppliers = self.suppliers();
        if !suppliers.is_empty() {
            notices.push(Notice::new(
                Channel::InboxOffers,
                EventName::OfferExpired,
                suppliers,
            ));
        }
        Ok(Transition {
            offer,
            changed_matches: vec![],
            notices,
            assigned: None,
        })
    }

    /// The demand organization assigns the offer to a supplier that accepted it.
    pub fn assign(
        &self,
        match_id: MatchId,
        mode: AssignmentMode,
        now: Timestamp,
    ) -> Result<Transition, Rejection> {
        if mode == AssignmentMode::Auto {
            return Err(Rejection::AssignmentIsAutomatic);
        }
        if self.offer.status != OfferStatus::Open {
            return Err(Rejection::OfferNotOpen(self.offer.status));
        }
        let chosen = self
            .matches
            .iter()
            .find(|m| m.id == match_id)
            .ok_or(Rejection::UnknownMatch)?;
        if chosen.response != MatchResponse::Accepted {
            return Err(Rejection::MatchNotAccepted);
        }
        let mut offer = self.touched(now);
        let mut notices = Vec::new();
        let chosen = self.assign_to(&mut offer, chosen, &mut notices);
        Ok(Transition {
            offer,
            changed_matches: vec![],
            notices,
            assigned: Some(chosen),
        })
    }
}

mod views;
pub use views::*;

#[cfg(test)]
pub(crate) mod tests;
