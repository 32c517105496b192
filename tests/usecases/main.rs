//! The use-case tier: each use case of `shared::marketplace::usecases` on a table in memory
//! (`shared::store::MemoryTable`, which keeps DynamoDB's conditions, transactions and limits),
//! with the other side of a race landing exactly where a test puts it. No moto and no network,
//! so the whole tier runs in well under a second.

mod given;
mod inbox;
mod offers;
mod referrals;
mod visits;
