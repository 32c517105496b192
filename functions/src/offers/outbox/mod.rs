//! `/offers/v1/outbox/*`: what a demand organization does with its offers and referrals.

pub mod messages;
pub mod offers;
pub mod referrals;
pub mod visits;
pub mod work_sessions;
