//! The demand's views of its referrals.

use serde::Serialize;

use crate::kernel::ids::{ClientId, ServiceId};
use crate::marketplace::common::{
    CaseManager, Client, DemographicsLean, NonEmpty, OrganizationLean, Price,
};
use crate::marketplace::offer::{Service, Visit};
use crate::marketplace::referral::{NamedReferral, Revision};
use crate::marketplace::wire::referrals::{ReferralView, has_authorization};

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
    pub referral: ReferralView,
    pub supply: OrganizationLean,
    pub alayacare: Option<serde_json::Value>,
    pub case_manager: Option<CaseManager>,
    pub price: Option<Price>,
    pub client: ClientWithId,
    pub service: Service,
    pub visits: Vec<Visit>,
    pub revision: Revision,
}

impl From<&NamedReferral> for OutboxReferralDetail {
    fn from(named: &NamedReferral) -> Self {
        let r = &named.referral;
        Self {
            referral: ReferralView::for_demand(r),
            supply: named.supply.clone(),
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
    pub referral: ReferralView,
    pub supply: OrganizationLean,
    pub alayacare: AlayaCareFlag,
    pub client: ReferralClientLean,
    pub service: ReferralServiceLean,
    pub revision: Revision,
}

impl From<&NamedReferral> for OutboxReferralSummary {
    fn from(named: &NamedReferral) -> Self {
        let r = &named.referral;
        Self {
            referral: ReferralView::for_demand(r),
            supply: named.supply.clone(),
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
