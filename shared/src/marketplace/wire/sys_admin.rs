//! Offers API bodies of the `sys_admin` operations: reads across organizations, and the
//! take-rate settings.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::kernel::ids::{OfferId, OrgId};
use crate::marketplace::common::{OrganizationLean, PriceUnit};
use crate::marketplace::offer::NamedOffer;
use crate::marketplace::referral::NamedReferral;
use crate::marketplace::take_rate::TakeRate;
use crate::marketplace::wire::offers::OutboxOfferDetail;
use crate::marketplace::wire::referrals::{OutboxReferralDetail, OutboxReferralSummary};

/// The parameters `GET /sys_admin/offers` adds to the outbox list's filters (which are read
/// from the same query string as an `OutboxOfferQuery`).
#[derive(Debug, Default, Deserialize)]
pub struct SysAdminOfferScope {
    pub id: Option<OfferId>,
    pub demand_persona_id: Option<OrgId>,
}

/// The parameter `GET /sys_admin/referrals` adds to the outbox list's filters.
#[derive(Debug, Default, Deserialize)]
pub struct SysAdminReferralScope {
    pub demand_persona_id: Option<OrgId>,
}

/// `SysAdminPriceCore`: what the demand pays and what the supplier is paid.
#[derive(Debug, Serialize)]
pub struct SysAdminPrice {
    pub rate_demand: Decimal,
    pub rate_supply: Decimal,
    pub unit: PriceUnit,
}

#[derive(Debug, Serialize)]
pub struct SysAdminCustomPrice {
    #[serde(flatten)]
    pub price: SysAdminPrice,
    pub supply_persona_id: OrgId,
}

/// `SysAdminOfferDetailPriceResponse`.
#[derive(Debug, Serialize)]
pub struct SysAdminOfferPrice {
    pub default: SysAdminPrice,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub custom: Vec<SysAdminCustomPrice>,
}

/// `SysAdminOfferDetailResponse`: the outbox detail, with both sides of the price.
#[serde_with::skip_serializing_none]
#[derive(Debug, Serialize)]
pub struct SysAdminOfferDetail {
    #[serde(flatten)]
    pub detail: OutboxOfferDetail,
    pub price: Option<SysAdminOfferPrice>,
}

impl From<&NamedOffer> for SysAdminOfferDetail {
    fn from(named: &NamedOffer) -> Self {
        let o = &named.offer;
        let mut detail = OutboxOfferDetail::from(named);
        detail.price = None;
        let take = o.take_rate.unwrap_or(TakeRate::ZERO);
        let both = |rate: Decimal, unit: PriceUnit| SysAdminPrice {
            rate_demand: rate,
            rate_supply: take.supply_rate(rate),
            unit,
        };
        Self {
            detail,
            price: o.price.as_ref().map(|p| SysAdminOfferPrice {
                default: both(p.default.rate, p.default.unit),
                custom: p
                    .custom
                    .iter()
                    .map(|c| SysAdminCustomPrice {
                        price: both(c.rate, c.unit),
                        supply_persona_id: c.supply_persona_id,
                    })
                    .collect(),
            }),
        }
    }
}

/// `SysAdminReferralCollectionResponse`: the outbox item plus the demand organization.
#[derive(Debug, Serialize)]
pub struct SysAdminReferralSummary {
    #[serde(flatten)]
    pub summary: OutboxReferralSummary,
    pub demand: OrganizationLean,
}

impl From<&NamedReferral> for SysAdminReferralSummary {
    fn from(named: &NamedReferral) -> Self {
        Self {
            summary: named.into(),
            demand: named.demand.clone(),
        }
    }
}

/// `SysAdminReferralDetailResponse`: the outbox detail plus the demand organization.
#[derive(Debug, Serialize)]
pub struct SysAdminReferralDetail {
    #[serde(flatten)]
    pub detail: OutboxReferralDetail,
    pub demand: OrganizationLean,
}

impl From<&NamedReferral> for SysAdminReferralDetail {
    fn from(named: &NamedReferral) -> Self {
        Self {
            detail: named.into(),
            demand: named.demand.clone(),
        }
    }
}

/// `DemandTakeRateCreateRequest`: `null` (or no rate) clears the demand-specific rate.
#[derive(Debug, Default, Deserialize)]
pub struct DemandTakeRateRequest {
    #[serde(default)]
    pub rate: Option<TakeRate>,
}

/// `RegionalTakeRateUpdateRequest` and `RegionalTakeRateDetailResponse`.
#[derive(Debug, Serialize, Deserialize)]
pub struct RegionalTakeRate {
    pub rate: TakeRate,
}

/// `DemandTakeRateCore`.
#[derive(Debug, Serialize)]
pub struct DemandTakeRate {
    pub demand_persona_id: OrgId,
    pub rate: TakeRate,
}

/// `DemandTakeRateCollectionResponse`.
#[derive(Debug, Serialize)]
pub struct DemandTakeRates {
    pub items: Vec<DemandTakeRate>,
}

impl From<&[(OrgId, TakeRate)]> for DemandTakeRates {
    fn from(rates: &[(OrgId, TakeRate)]) -> Self {
        let item = |&(demand_persona_id, rate): &(OrgId, TakeRate)| DemandTakeRate {
            demand_persona_id,
            rate,
        };
        Self {
            items: rates.iter().map(item).collect(),
        }
    }
}

/// Query of `GET /sys_admin/take_rates/demand_take_rates`.
#[derive(Debug, Default, Deserialize)]
pub struct DemandTakeRateQuery {
    pub demand_persona_id: Option<OrgId>,
}
