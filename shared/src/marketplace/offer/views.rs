//! What the offer use cases answer: an offer or a match with the names of the organizations
//! its views show. The wire module renders each in the published shape of the side that asked.

use crate::marketplace::common::OrganizationLean;
use crate::marketplace::offer::{MatchStatus, Offer, OfferHead, OfferMatch};

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
