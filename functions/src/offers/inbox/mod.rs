//! `/offers/v1/inbox/*`: what a supply organization does with the offers sent to it.

pub mod form_submissions;
pub mod form_templates;
pub mod messages;
pub mod offers;
pub mod referrals;
pub mod sequences;
pub mod visits;
pub mod work_sessions;
