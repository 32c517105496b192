//! What the offer use cases answer: an offer or a match with the names of the organizations
//! its views show, and the head of an offer a supplier's list shows. The wire module renders
//! each in the published shape of the side that asked.

use serde::{Deserialize, Serialize};

use crate::kernel::ids::{MatchId, OfferId};
use crate::kernel::time::{Timestamp, serde_ts};
use crate::marketplace::common::{CareType, OfferType, OrganizationLean, ReasonCode};
use crate::marketplace::offer::{MatchStatus, Offer, OfferMatch, OfferStatus};

/// An offer with its demand's name and, once assigned, its supplier's.
#[derive(Clone, Debug)]
pub struct NamedOffer {
    pub offer: Offer,
    pub demand: OrganizationLean,
    pub supply: Option<OrganizationLean>,
}

/// One match of an offer as the demand sees it: its status derived from the offer, and its
/// supplier's name.
#[derive(Clone, Debug)]
pub struct SupplierMatch {
    pub match_: OfferMatch,
    pub status: MatchStatus,
    pub supply: OrganizationLean,
}

/// An offer in a supplier's list: the offer's head and the supplier's own match.
#[derive(Clone, Debug)]
pub struct MatchedOffer {
    pub offer: OfferHead,
    pub match_: OfferMatch,
}

/// An offer as a matched supplier opens it: with its own match and the demand's name.
#[derive(Clone, Debug)]
pub struct InboxOffer {
    pub offer: Offer,
    pub match_: OfferMatch,
    pub demand: OrganizationLean,
}

/// The part of an offer that a supplier's inbox list shows, filters and sorts on. The list
/// reads only these attributes (a projection) rather than whole offers with their client,
/// service and visits: measured with `bench/src/bin/instructions.rs`, reading whole offers
/// cost about 0.5 M instructions and 30 KB of peak memory per offer in the inbox.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OfferHead {
    pub id: OfferId,
    pub status: OfferStatus,
    pub care_type: CareType,
    pub offer_type: OfferType,
    #[serde(with = "serde_ts")]
    pub expires_at: Timestamp,
    pub comment: Option<String>,
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
    pub assigned_match_id: Option<MatchId>,
}

impl OfferHead {
    /// The stored attributes an [`OfferHead`] is read from (the fields of [`Offer`] it keeps).
    pub const ATTRIBUTES: &[&str] = &[
        "id",
        "status",
        "care_type",
        "offer_type",
        "expires_at",
        "comment",
        "reason_code",
        "reason_comment",
        "shift_id",
        "start_at",
        "end_at",
        "created_at",
        "updated_at",
        "assigned_match_id",
    ];

    /// The status the supplier of `m` sees, as [`match_status`] derives it from the offer.
    pub fn match_status(&self, m: &OfferMatch) -> MatchStatus {
        super::derived_match_status(self.status, self.assigned_match_id, m)
    }

    /// When the supplier of `m` last saw a change: of the offer or of its own match (the
    /// inbox list's order).
    pub fn last_change(&self, m: &OfferMatch) -> Timestamp {
        let offer = self.updated_at.unwrap_or(self.created_at);
        offer.max(m.updated_at.unwrap_or(m.created_at))
    }
}

impl From<&Offer> for OfferHead {
    fn from(o: &Offer) -> Self {
        Self {
            id: o.id,
            status: o.status,
            care_type: o.care_type,
            offer_type: o.offer_type,
            expires_at: o.expires_at,
            comment: o.comment.clone(),
            reason_code: o.reason_code,
            reason_comment: o.reason_comment.clone(),
            shift_id: o.shift_id,
            start_at: o.start_at,
            end_at: o.end_at,
            created_at: o.created_at,
            updated_at: o.updated_at,
            assigned_match_id: o.assigned_match_id,
        }
    }
}
