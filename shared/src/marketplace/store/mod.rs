//! The marketplace's DynamoDB access: methods of [`Db`](crate::store::db::Db) per aggregate,
//! each writing a state change and its events in one transaction.

pub mod forms;
pub mod inbox;
pub mod keys;
pub mod messages;
pub mod offers;
pub mod organizations;
pub mod referrals;
pub mod sequences;
pub mod take_rates;
pub mod visits;
