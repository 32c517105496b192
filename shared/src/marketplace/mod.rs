//! The AlayaMarket APIs (offers, referrals, visits, messages, sequences, forms,
//! organizations): each aggregate's pure rules here, its wire models in `wire`, its DynamoDB
//! access in `store` and its use cases in `usecases`.

pub mod common;
pub mod form;
pub mod message;
pub mod offer;
pub mod organization;
pub mod referral;
pub mod sequence;
pub mod store;
pub mod subscription;
pub mod take_rate;
pub mod usecases;
pub mod visit;
pub mod wire;
