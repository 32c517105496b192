//! Offers API bodies for referrals, outbox (demand) and inbox (supply) views.

use serde::{Deserialize, Serialize};

use crate::kernel::ids::{OfferId, OrgId, ReferralId, SequenceId};
use crate::kernel::paging::SortOrder;
use crate::kernel::time::{Timestamp, serde_ts};
use crate::marketplace::common::{CareType, OfferType, ReasonCode};
use crate::marketplace::referral::{Referral, ReferralStatus};
use crate::marketplace::wire::offers::SortBy;

mod inbox;
mod outbox;
mod requests;

pub use inbox::*;
pub use outbox::*;
pub use requests::*;

/// The referral of every response: `OutboxReferralCore` for the demand, the inbox's referral
/// for the supplier, which is the same but for the demand's labels.
#[serde_with::skip_serializing_none]
#[derive(Debug, Serialize)]
pub struct ReferralView {
    pub id: ReferralId,
    pub sequence_id: SequenceId,
    pub offer_id: Option<OfferId>,
    pub shift_id: Option<uuid::Uuid>,
    pub care_type: CareType,
    pub referral_type: OfferType,
    pub comment: Option<String>,
    pub cancellation_comment: Option<String>,
    /// The spec requires at least one item when present.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub demand_labels: Vec<String>,
    pub status: ReferralStatus,
    pub reason_code: Option<ReasonCode>,
    #[serde(with = "serde_ts")]
    pub start_at: Timestamp,
    #[serde(with = "serde_ts::option")]
    pub end_at: Option<Timestamp>,
    #[serde(with = "serde_ts")]
    pub created_at: Timestamp,
    #[serde(with = "serde_ts::option")]
    pub updated_at: Option<Timestamp>,
}

impl ReferralView {
    pub fn for_demand(r: &Referral) -> Self {
        Self {
            id: r.id,
            sequence_id: r.sequence_id,
            offer_id: r.offer_id,
            shift_id: r.shift_id,
            care_type: r.care_type,
            referral_type: r.referral_type,
            comment: r.comment.clone(),
            cancellation_comment: r.cancellation_comment.clone(),
            demand_labels: r.demand_labels.clone(),
            status: r.status,
            reason_code: r.reason_code,
            start_at: r.start_at,
            end_at: r.end_at,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }

    /// The supplier never sees the demand's labels; the list leaves out the comments.
    pub fn for_supplier(r: &Referral, with_comments: bool) -> Self {
        let mut view = Self::for_demand(r);
        view.demand_labels = Vec::new();
        if !with_comments {
            view.comment = None;
            view.cancellation_comment = None;
        }
        view
    }
}

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
    /// The `next_page_token` of the page before (an extension: unfiltered lists only).
    pub page_token: Option<String>,
}

impl OutboxReferralQuery {
    /// Whether the query lists the latest revisions in last-modified order, unfiltered: the
    /// list read one page at a time.
    pub fn is_unfiltered(&self) -> bool {
        let Self {
            supply_persona_id,
            status,
            shift_id,
            offer_id,
            care_type,
            referral_type,
            client_outbox_id,
            demand_label,
            has_alayacare_authorization,
            revisions,
            revision_group_id,
            sequence_id,
            page: _,
            items_per_page: _,
            sort_by,
            sort_order: _,
            page_token: _,
        } = self;
        supply_persona_id.is_none()
            && status.is_none()
            && shift_id.is_none()
            && offer_id.is_none()
            && care_type.is_none()
            && referral_type.is_none()
            && client_outbox_id.is_none()
            && demand_label.is_none()
            && has_alayacare_authorization.is_none()
            && revisions.unwrap_or_default() == Revisions::Latest
            && revision_group_id.is_none()
            && sequence_id.is_none()
            && sort_by.unwrap_or_default() == ReferralSortBy::LastModified
    }

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
    /// The `next_page_token` of the page before (an extension: unfiltered lists only).
    pub page_token: Option<String>,
}

impl InboxReferralQuery {
    /// Whether the query lists the latest revisions, unfiltered: the list read one page at a
    /// time (the inbox sorts by last modification only).
    pub fn is_unfiltered(&self) -> bool {
        let Self {
            referral_status,
            sequence_id,
            offer_id,
            shift_id,
            revisions,
            page: _,
            items_per_page: _,
            sort_by: _,
            sort_order: _,
            page_token: _,
        } = self;
        referral_status.is_none()
            && sequence_id.is_none()
            && offer_id.is_none()
            && shift_id.is_none()
            && revisions.unwrap_or_default() == Revisions::Latest
    }

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
