//! The storage port: the handful of operations the platform's one table is used through,
//! with two implementations that behave alike: [`DynamoTable`] (DynamoDB, through the AWS SDK)
//! and [`MemoryTable`] (a map in memory, for the use-case tests and the benchmarks).
//!
//! The port speaks DynamoDB's item model (string keys `pk`/`sk`, three global secondary
//! indexes, conditional writes, transactions) because the key layout and the conditions in
//! [`crate::store::db`] are the design being tested: every aggregate's store code runs unchanged on
//! either implementation, so a use-case test on memory exercises the same keys, conditions and
//! transactions that run in AWS. Only the wire calls differ.

pub mod db;
mod dynamo;
mod error;
pub mod idempotency;
mod memory;
pub mod races;
mod tx;

pub use dynamo::DynamoTable;
pub use error::DbError;
pub use memory::MemoryTable;
pub use tx::{Cond, MAX_TRANSACTION_ITEMS, Tx, Write};

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;

use aws_sdk_dynamodb::types::AttributeValue;

pub type Item = HashMap<String, AttributeValue>;

/// What every operation of the port returns.
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, DbError>> + Send + 'a>>;

/// Which items of one partition (of the table or of an index) a query reads.
#[derive(Clone, Debug)]
pub struct Query<'a> {
    /// `None` for the table, or the index name (`gsi1`, `gsi2`, `gsi3`).
    pub index: Option<&'a str>,
    pub pk: &'a str,
    pub sk: SortKey<'a>,
    pub ascending: bool,
    /// Reads one page of at most this many items; `None` reads every page.
    pub limit: Option<usize>,
    /// Only these top-level attributes, when given.
    pub attributes: Option<&'a [&'a str]>,
    /// A strongly consistent read (the table only; indexes are eventually consistent).
    pub consistent: bool,
}

impl<'a> Query<'a> {
    /// Every item of the partition `pk`, in ascending sort-key order.
    pub fn partition(index: Option<&'a str>, pk: &'a str) -> Self {
        Self {
            index,
            pk,
            sk: SortKey::Any,
            ascending: true,
            limit: None,
            attributes: None,
            consistent: false,
        }
    }
}

/// The sort-key condition of a [`Query`].
#[derive(Clone, Copy, Debug)]
pub enum SortKey<'a> {
    Any,
    BeginsWith(&'a str),
    AtMost(&'a str),
    After(&'a str),
    Before(&'a str),
}

impl SortKey<'_> {
    pub fn holds(&self, sk: &str) -> bool {
        match self {
            SortKey::Any => true,
            SortKey::BeginsWith(prefix) => sk.starts_with(prefix),
            SortKey::AtMost(upper) => sk <= *upper,
            SortKey::After(floor) => sk > *floor,
            SortKey::Before(ceiling) => sk < *ceiling,
        }
    }
}

/// Adds one to a numeric attribute of an item and sets others, if the guard holds; the
/// counter's new value comes back. The rate limits and the notification pulls count this way.
#[derive(Clone, Debug)]
pub struct Increment<'a> {
    pub pk: &'a str,
    pub sk: &'a str,
    pub counter: &'a str,
    pub set: Vec<(&'a str, AttributeValue)>,
    pub guard: Guard,
}

#[derive(Clone, Copy, Debug)]
pub enum Guard {
    /// The item must exist already.
    ItemExists,
    /// The counter must be absent (the item is created) or below this value.
    Below(u64),
}

/// The table, as the platform uses it. Object-safe, so [`crate::store::db::Db`] holds either
/// implementation behind one pointer.
pub trait Table: Send + Sync {
    fn get<'a>(&'a self, pk: &'a str, sk: &'a str) -> StoreFuture<'a, Option<Item>>;

    /// The items of `query`, following pagination unless it has a limit.
    fn query<'a>(&'a self, query: Query<'a>) -> StoreFuture<'a, Vec<Item>>;

    /// How many items `query` would read.
    fn count<'a>(&'a self, query: Query<'a>) -> StoreFuture<'a, u64>;

    /// The items at these keys (missing keys are absent from the result), with only
    /// `attributes` when given.
    fn batch_get<'a>(
        &'a self,
        keys: &'a [(String, String)],
        attributes: Option<&'a [&'a str]>,
    ) -> StoreFuture<'a, Vec<Item>>;

    /// Creates or replaces an item, whatever is there.
    fn put<'a>(&'a self, item: Item) -> StoreFuture<'a, ()>;

    /// All of the writes, or none: [`DbError::ConditionFailed`] when a condition does not hold.
    fn transact<'a>(&'a self, tx: Tx) -> StoreFuture<'a, ()>;

    /// Deletes an item that exists and returns it; `None` when it was absent.
    fn delete_existing<'a>(&'a self, pk: &'a str, sk: &'a str) -> StoreFuture<'a, Option<Item>>;

    /// The counter's new value, or `None` when the guard did not hold.
    fn increment<'a>(&'a self, increment: Increment<'a>) -> StoreFuture<'a, Option<u64>>;
}

/// The attribute names of an index's key (`None`: the table's).
pub fn key_attributes(index: Option<&str>) -> (&'static str, &'static str) {
    match index {
        None => ("pk", "sk"),
        Some("gsi1") => ("gsi1pk", "gsi1sk"),
        Some("gsi2") => ("gsi2pk", "gsi2sk"),
        Some("gsi3") => ("gsi3pk", "gsi3sk"),
        Some("gsi4") => ("gsi4pk", "gsi4sk"),
        Some(other) => panic!("the table has no index {other}"),
    }
}
