//! `/offers/v1/outbox/*`: what a demand organization does with its offers and referrals.

pub mod form_submissions;
pub mod form_templates;
pub mod messages;
pub mod offers;
pub mod referrals;
pub mod sequences;
pub mod visits;
pub mod work_sessions;
