//! Offers API bodies for referrals, outbox (demand) and inbox (supply) views.

use serde::Deserialize;

use crate::kernel::ids::{OfferId, OrgId, SequenceId};
use crate::kernel::paging::SortOrder;
use crate::marketplace::common::{CareType, OfferType};
use crate::marketplace::referral::{Referral, ReferralStatus};
use crate::marketplace::wire::offers::SortBy;

mod inbox;
mod outbox;
mod requests;

pub use inbox::*;
pub use outbox::*;
pub use requests::*;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Revisions {
    All,
    #[default]
    Latest,
    Archived,
}

impl Revisions {
    pub fn admits(self, r: &Referral) -> bool {
        match self {
            Revisions::All => true,
            Revisions::Latest => r.revision.is_latest_revision,
            Revisions::Archived => !r.revision.is_latest_revision,
        }
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReferralSortBy {
    #[default]
    LastModified,
    RevisionNumber,
}

/// Query of `GET /offers/v1/outbox/referrals`.
#[derive(Debug, Default, Deserialize)]
pub struct OutboxReferralQuery {
    pub supply_persona_id: Option<OrgId>,
    pub status: Option<ReferralStatus>,
    pub shift_id: Option<uuid::Uuid>,
    pub offer_id: Option<OfferId>,
    pub care_type: Option<CareType>,
    pub referral_type: Option<OfferType>,
    pub client_outbox_id: Option<String>,
    pub demand_label: Option<String>,
    pub has_alayacare_authorization: Option<bool>,
    pub revisions: Option<Revisions>,
    pub revision_group_id: Option<uuid::Uuid>,
    pub sequence_id: Option<SequenceId>,
    pub page: Option<i64>,
    pub items_per_page: Option<i64>,
    pub sort_by: Option<ReferralSortBy>,
    pub sort_order: Option<SortOrder>,
}

impl OutboxReferralQuery {
    pub fn matches(&self, r: &Referral) -> bool {
        self.supply_persona_id.is_none_or(|s| s == r.supply_org_id)
            && self.status.is_none_or(|s| s == r.status)
            && self.shift_id.is_none_or(|s| r.shift_id == Some(s))
            && self.offer_id.is_none_or(|o| r.offer_id == Some(o))
            && self.care_type.is_none_or(|c| c == r.care_type)
            && self.referral_type.is_none_or(|t| t == r.referral_type)
            && self
                .client_outbox_id
                .as_deref()
                .is_none_or(|c| c == r.client.outbox_id.as_str())
            && self
                .demand_label
                .as_deref()
                .is_none_or(|l| r.demand_labels.iter().any(|x| x == l))
            && self
                .has_alayacare_authorization
                .is_none_or(|h| h == has_authorization(r))
            && self.revisions.unwrap_or_default().admits(r)
            && self
                .revision_group_id
                .is_none_or(|g| g == r.revision.revision_group_id)
            && self.sequence_id.is_none_or(|s| s == r.sequence_id)
    }
}

/// Query of `GET /offers/v1/inbox/referrals`.
#[derive(Debug, Default, Deserialize)]
pub struct InboxReferralQuery {
    pub referral_status: Option<ReferralStatus>,
    pub sequence_id: Option<SequenceId>,
    pub offer_id: Option<OfferId>,
    pub shift_id: Option<uuid::Uuid>,
    pub revisions: Option<Revisions>,
    pub page: Option<i64>,
    pub items_per_page: Option<i64>,
    pub sort_by: Option<SortBy>,
    pub sort_order: Option<SortOrder>,
}

impl InboxReferralQuery {
    pub fn matches(&self, r: &Referral) -> bool {
        self.referral_status.is_none_or(|s| s == r.status)
            && self.sequence_id.is_none_or(|s| s == r.sequence_id)
            && self.offer_id.is_none_or(|o| r.offer_id == Some(o))
            && self.shift_id.is_none_or(|s| r.shift_id == Some(s))
            && self.revisions.unwrap_or_default().admits(r)
    }
}

fn has_authorization(r: &Referral) -> bool {
    r.alayacare
        .as_ref()
        .and_then(|a| a.get("authorizations"))
        .and_then(|a| a.as_array())
        .is_some_and(|a| !a.is_empty())
}
