//! The demand's views of its offers and their matches.

use serde::Serialize;

use crate::kernel::ids::{MatchId, OfferId, OrgId, SequenceId};
use crate::kernel::time::{Timestamp, serde_ts};
use crate::marketplace::common::{
    CareType, CaseManager, Client, DemographicsLean, NonEmpty, OfferPrice, OfferType,
    OrganizationLean, ReasonCode,
};
use crate::marketplace::offer::{
    MatchResponse, MatchStatus, NamedOffer, Offer, OfferMatch, OfferStatus, ResponseCounts,
    Service, SupplierMatch, Visit, match_status,
};

/// `OutboxOfferExtendedCore`.
#[serde_with::skip_serializing_none]
#[derive(Debug, Serialize)]
pub struct OutboxOfferView {
    pub id: OfferId,
    pub care_type: CareType,
    pub offer_type: OfferType,
    #[serde(with = "serde_ts")]
    pub expires_at: Timestamp,
    pub comment: Option<String>,
    /// The spec requires at least one item when present.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub demand_labels: Vec<String>,
    pub reason_code: Option<ReasonCode>,
    pub reason_comment: Option<String>,
    pub shift_id: Option<uuid::Uuid>,
    pub status: OfferStatus,
    #[serde(with = "serde_ts")]
    pub start_at: Timestamp,
    #[serde(with = "serde_ts::option")]
    pub end_at: Option<Timestamp>,
    #[serde(with = "serde_ts")]
    pub created_at: Timestamp,
    #[serde(with = "serde_ts::option")]
    pub updated_at: Option<Timestamp>,
}

impl From<&Offer> for OutboxOfferView {
    fn from(o: &Offer) -> Self {
        Self {
            id: o.id,
            care_type: o.care_type,
            offer_type: o.offer_type,
            expires_at: o.expires_at,
            comment: o.comment.clone(),
            demand_labels: o.demand_labels.clone(),
            reason_code: o.reason_code,
            reason_comment: o.reason_comment.clone(),
            shift_id: o.shift_id,
            status: o.status,
            start_at: o.start_at,
            end_at: o.end_at,
            created_at: o.created_at,
            updated_at: o.updated_at,
        }
    }
}

/// `OutboxServiceResponse`: the service as the demand sent it, with its id.
pub type ServiceView = Service;

/// `OutboxOfferVisitResponse`.
pub type OutboxVisitView = Visit;

/// `OutboxOfferDetailResponse`.
#[serde_with::skip_serializing_none]
#[derive(Debug, Serialize)]
pub struct OutboxOfferDetail {
    pub offer: OutboxOfferView,
    pub demand: OrganizationLean,
    pub supply: Option<OrganizationLean>,
    pub alayacare: Option<serde_json::Value>,
    pub case_manager: Option<CaseManager>,
    pub direct_supply_persona_ids: Vec<OrgId>,
    pub price: Option<OfferPrice>,
    pub client: Client,
    pub service: ServiceView,
    pub visits: Vec<OutboxVisitView>,
    pub response_counts: ResponseCounts,
}

impl From<&NamedOffer> for OutboxOfferDetail {
    fn from(named: &NamedOffer) -> Self {
        let o = &named.offer;
        Self {
            offer: o.into(),
            demand: named.demand.clone(),
            supply: named.supply.clone(),
            alayacare: o.alayacare.clone(),
            case_manager: o.case_manager.clone(),
            direct_supply_persona_ids: o.direct_supply_persona_ids.clone(),
            price: o.price.clone(),
            client: o.client.clone(),
            service: o.service.clone(),
            visits: o.visits.clone(),
            response_counts: o.counts.clone(),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct ClientLean {
    pub outbox_id: NonEmpty,
    pub demographics: DemographicsLean,
}

#[derive(Debug, Serialize)]
pub struct ServiceLean {
    pub outbox_id: NonEmpty,
    pub name: NonEmpty,
}

/// `OutboxOfferCollectionResponse`.
#[derive(Debug, Serialize)]
pub struct OutboxOfferSummary {
    pub offer: OutboxOfferView,
    pub client: ClientLean,
    pub service: ServiceLean,
    pub response_counts: ResponseCounts,
}

impl From<&Offer> for OutboxOfferSummary {
    fn from(o: &Offer) -> Self {
        Self {
            offer: o.into(),
            client: ClientLean {
                outbox_id: o.client.outbox_id.clone(),
                demographics: (&o.client.demographics).into(),
            },
            service: ServiceLean {
                outbox_id: o.service.outbox_id.clone(),
                name: o.service.name.clone(),
            },
            response_counts: o.counts.clone(),
        }
    }
}

/// `OfferMatchCore`.
#[serde_with::skip_serializing_none]
#[derive(Debug, Serialize)]
pub struct MatchView {
    pub id: MatchId,
    pub response: MatchResponse,
    pub status: MatchStatus,
    pub sequence_id: SequenceId,
    pub reason_code: Option<String>,
    pub comment: Option<String>,
    #[serde(with = "serde_ts")]
    pub created_at: Timestamp,
    #[serde(with = "serde_ts::option")]
    pub updated_at: Option<Timestamp>,
}

impl MatchView {
    pub fn new(offer: &Offer, m: &OfferMatch) -> Self {
        Self::with_status(m, match_status(offer, m))
    }

    /// The view of `m` whose derived status is already known.
    pub fn with_status(m: &OfferMatch, status: MatchStatus) -> Self {
        Self {
            id: m.id,
            response: m.response,
            status,
            sequence_id: m.sequence_id,
            reason_code: m.reason_code.clone(),
            comment: m.comment.clone(),
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

/// `OutboxOfferMatchCollectionResponse`.
#[derive(Debug, Serialize)]
pub struct OutboxMatchSummary {
    #[serde(rename = "match")]
    pub match_: MatchView,
    pub supply: OrganizationLean,
}

impl From<&SupplierMatch> for OutboxMatchSummary {
    fn from(m: &SupplierMatch) -> Self {
        Self {
            match_: MatchView::with_status(&m.match_, m.status),
            supply: m.supply.clone(),
        }
    }
}
