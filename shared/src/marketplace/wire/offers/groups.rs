//! Shift and bundle offers: several offers created together under one id.

use serde::{Deserialize, Serialize};

use crate::edge::error::ApiError;
use crate::kernel::ids::{OfferId, OrgId, VisitId};
use crate::kernel::time::{Timestamp, serde_ts};
use crate::marketplace::common::{
    CareType, CaseManager, Client, MAX_ORG_IDS, NonEmpty, NonEmptyList, OfferPrice, OfferType,
    at_most,
};
use crate::marketplace::offer::{Offer, OfferStatus, ResponseCounts};
use crate::marketplace::wire::offers::CreateOfferRequest;
use crate::marketplace::wire::offers::OfferCoreRequest;
use crate::marketplace::wire::offers::ServiceLean;
use crate::marketplace::wire::offers::ServiceRequest;
use crate::marketplace::wire::offers::VisitRequest;

/// `OutboxShiftOfferCore`: what every offer of a shift shares.
#[derive(Debug, Deserialize)]
pub struct ShiftOfferCore {
    pub care_type: CareType,
    #[serde(with = "serde_ts")]
    pub expires_at: Timestamp,
    #[serde(default)]
    pub comment: Option<String>,
    #[serde(default)]
    pub demand_labels: Option<NonEmptyList<String>>,
}

/// `OutboxShiftOfferItem`: one visit offer of the shift.
#[derive(Debug, Deserialize)]
pub struct ShiftOfferItem {
    pub client: Client,
    pub service: ServiceRequest,
    pub visits: Vec<VisitRequest>,
    #[serde(default)]
    pub price: Option<OfferPrice>,
}

/// `OutboxShiftOfferCreateRequest`.
#[derive(Debug, Deserialize)]
pub struct CreateShiftOfferRequest {
    pub offer: ShiftOfferCore,
    pub items: NonEmptyList<ShiftOfferItem>,
    #[serde(default)]
    pub case_manager: Option<CaseManager>,
    #[serde(default, deserialize_with = "at_most::<MAX_ORG_IDS, _, _>")]
    pub direct_supply_persona_ids: Vec<OrgId>,
}

impl CreateShiftOfferRequest {
    /// One `visit` offer request per item, each as `POST /outbox/offers` would take it, so
    /// the single-offer rules (one visit per visit offer, times) apply to every item.
    pub fn into_offer_requests(self) -> Vec<CreateOfferRequest> {
        let core = self.offer;
        self.items
            .into_vec()
            .into_iter()
            .map(|item| CreateOfferRequest {
                offer: OfferCoreRequest {
                    care_type: core.care_type,
                    offer_type: OfferType::Visit,
                    expires_at: core.expires_at,
                    comment: core.comment.clone(),
                    demand_labels: core.demand_labels.clone(),
                },
                alayacare: None,
                case_manager: self.case_manager.clone(),
                direct_supply_persona_ids: self.direct_supply_persona_ids.clone(),
                price: item.price,
                client: item.client,
                service: item.service,
                visits: item.visits,
            })
            .collect()
    }
}

/// `OutboxBundleOfferCreateOfferRequest`.
#[derive(Debug, Deserialize)]
pub struct BundleOfferCore {
    #[serde(with = "serde_ts")]
    pub expires_at: Timestamp,
    #[serde(default)]
    pub comment: Option<String>,
}

/// `OutboxBundleOfferCreateItemRequest`: one service offer of the bundle.
#[derive(Debug, Deserialize)]
pub struct BundleOfferItem {
    pub care_type: CareType,
    pub client: Client,
    pub service: ServiceRequest,
    #[serde(default)]
    pub alayacare: Option<serde_json::Map<String, serde_json::Value>>,
    #[serde(default)]
    pub demand_labels: Option<NonEmptyList<String>>,
    #[serde(default)]
    pub price: Option<OfferPrice>,
}

/// The spec's `maxItems` of a bundle.
pub const MAX_BUNDLE_ITEMS: usize = 10;

/// `OutboxBundleOfferCreateRequest`.
#[derive(Debug, Deserialize)]
pub struct CreateBundleOfferRequest {
    pub offer: BundleOfferCore,
    pub items: NonEmptyList<BundleOfferItem>,
    #[serde(default)]
    pub case_manager: Option<CaseManager>,
    #[serde(default, deserialize_with = "at_most::<MAX_ORG_IDS, _, _>")]
    pub direct_supply_persona_ids: Vec<OrgId>,
}

impl CreateBundleOfferRequest {
    /// One `service` offer request per item (at most [`MAX_BUNDLE_ITEMS`], else 400).
    pub fn into_offer_requests(self) -> Result<Vec<CreateOfferRequest>, ApiError> {
        let items = self.items.into_vec();
        if items.len() > MAX_BUNDLE_ITEMS {
            return Err(ApiError::bad_request(format!(
                "items: a bundle has at most {MAX_BUNDLE_ITEMS} items"
            )));
        }
        let core = self.offer;
        Ok(items
            .into_iter()
            .map(|item| CreateOfferRequest {
                offer: OfferCoreRequest {
                    care_type: item.care_type,
                    offer_type: OfferType::Service,
                    expires_at: core.expires_at,
                    comment: core.comment.clone(),
                    demand_labels: item.demand_labels,
                },
                alayacare: item.alayacare,
                case_manager: self.case_manager.clone(),
                direct_supply_persona_ids: self.direct_supply_persona_ids.clone(),
                price: item.price,
                client: item.client,
                service: item.service,
                visits: vec![],
            })
            .collect())
    }
}

/// The offer of a shift or bundle creation response item.
#[serde_with::skip_serializing_none]
#[derive(Debug, Serialize)]
pub struct CreatedOfferView {
    pub id: OfferId,
    pub care_type: CareType,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub demand_labels: Vec<String>,
    #[serde(with = "serde_ts")]
    pub start_at: Timestamp,
    #[serde(with = "serde_ts::option")]
    pub end_at: Option<Timestamp>,
    #[serde(with = "serde_ts")]
    pub expires_at: Timestamp,
    pub status: OfferStatus,
}

#[derive(Debug, Serialize)]
pub struct VisitRef {
    pub id: VisitId,
    pub outbox_id: NonEmpty,
}

/// An item of `OutboxShiftOfferCreateResponse` / `OutboxBundleOfferCreateResponse`.
#[serde_with::skip_serializing_none]
#[derive(Debug, Serialize)]
pub struct CreatedOfferItem {
    pub offer: CreatedOfferView,
    pub client: ClientNames,
    pub service: ServiceLean,
    /// Only a shift's items list their visits.
    pub visits: Option<Vec<VisitRef>>,
    pub response_counts: ResponseCounts,
}

/// The client of a creation response item: its outbox id and name.
#[derive(Debug, Serialize)]
pub struct ClientNames {
    pub outbox_id: NonEmpty,
    pub demographics: Names,
}

#[derive(Debug, Serialize)]
pub struct Names {
    pub first_name: NonEmpty,
    pub last_name: NonEmpty,
}

impl CreatedOfferItem {
    pub fn new(o: &Offer, with_visits: bool) -> Self {
        Self {
            offer: CreatedOfferView {
                id: o.id,
                care_type: o.care_type,
                demand_labels: o.demand_labels.clone(),
                start_at: o.start_at,
                end_at: o.end_at,
                expires_at: o.expires_at,
                status: o.status,
            },
            client: ClientNames {
                outbox_id: o.client.outbox_id.clone(),
                demographics: Names {
                    first_name: o.client.demographics.first_name.clone(),
                    last_name: o.client.demographics.last_name.clone(),
                },
            },
            service: ServiceLean {
                outbox_id: o.service.outbox_id.clone(),
                name: o.service.name.clone(),
            },
            visits: with_visits.then(|| {
                o.visits
                    .iter()
                    .map(|v| VisitRef {
                        id: v.id,
                        outbox_id: v.outbox_id.clone(),
                    })
                    .collect()
            }),
            response_counts: o.counts.clone(),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct GroupRef {
    pub id: uuid::Uuid,
}

/// `OutboxShiftOfferCreateResponse`.
#[derive(Debug, Serialize)]
pub struct ShiftOffersCreated {
    pub shift: GroupRef,
    pub items: Vec<CreatedOfferItem>,
}

/// `OutboxBundleOfferCreateResponse`.
#[derive(Debug, Serialize)]
pub struct BundleOffersCreated {
    pub bundle: GroupRef,
    pub items: Vec<CreatedOfferItem>,
}

fn created(offers: &[&Offer], with_visits: bool) -> Vec<CreatedOfferItem> {
    let item = |o: &&Offer| CreatedOfferItem::new(o, with_visits);
    offers.iter().map(item).collect()
}

impl ShiftOffersCreated {
    /// A new shift: its id, and each offer with its visits.
    pub fn new(id: uuid::Uuid, offers: &[&Offer]) -> Self {
        let items = created(offers, true);
        Self {
            shift: GroupRef { id },
            items,
        }
    }
}

impl BundleOffersCreated {
    /// A new bundle: its id, and each offer without visits.
    pub fn new(id: uuid::Uuid, offers: &[&Offer]) -> Self {
        let items = created(offers, false);
        Self {
            bundle: GroupRef { id },
            items,
        }
    }
}
