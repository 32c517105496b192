//! The supplier's views of its referrals: no demand labels, the client as far as it needs.

use serde::Serialize;

use crate::kernel::ids::ClientId;
use crate::marketplace::common::{Address, CaseManager, CustomField, OrganizationLean, Price};
use crate::marketplace::referral::{NamedReferral, Referral, Revision};
use crate::marketplace::wire::offers::{InboxServiceView, InboxVisitView};
use crate::marketplace::wire::referrals::ReferralView;

#[derive(Debug, Serialize)]
pub struct RevisionLean {
    pub revision_group_id: uuid::Uuid,
    pub revision_number: u32,
}

/// `InboxReferralCollectionResponse`.
#[derive(Debug, Serialize)]
pub struct InboxReferralSummary {
    pub referral: ReferralView,
    pub revision: RevisionLean,
}

impl From<&Referral> for InboxReferralSummary {
    fn from(r: &Referral) -> Self {
        Self {
            referral: ReferralView::for_supplier(r, false),
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

/// `InboxReferralDetailResponse`.
#[serde_with::skip_serializing_none]
#[derive(Debug, Serialize)]
pub struct InboxReferralDetail {
    pub referral: ReferralView,
    pub demand: OrganizationLean,
    pub alayacare: Option<serde_json::Value>,
    pub case_manager: Option<CaseManager>,
    pub price: Option<Price>,
    pub client: InboxClient,
    pub service: InboxServiceView<Address>,
    pub visits: Vec<InboxVisitView>,
    pub revision: Revision,
}

impl From<&NamedReferral> for InboxReferralDetail {
    fn from(named: &NamedReferral) -> Self {
        let r = &named.referral;
        let c = &r.client;
        let s = &r.service;
        let joined =
            |a: &[CustomField], b: &[CustomField]| a.iter().chain(b).cloned().collect::<Vec<_>>();
        Self {
            referral: ReferralView::for_supplier(r, true),
            demand: named.demand.clone(),
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
            service: InboxServiceView::new(
                s,
                joined(&s.custom_fields, &s.referral_only_custom_fields),
                s.address.clone(),
            ),
            visits: r.visits.iter().map(InboxVisitView::from).collect(),
            revision: r.revision.clone(),
        }
    }
}
