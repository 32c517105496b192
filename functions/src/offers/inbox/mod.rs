//! `/offers/v1/inbox/*`: what a supply organization does with the offers sent to it.

pub mod messages;
pub mod offers;
pub mod referrals;
pub mod visits;
pub mod work_sessions;
