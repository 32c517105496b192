use aws_sdk_dynamodb::types::AttributeValue;

use crate::store::Item;

/// The condition a write must meet; every write in the platform is conditional.
#[derive(Clone, Debug)]
pub enum Cond {
    /// The item must not exist yet.
    New,
    /// The item must exist with this `version` (optimistic concurrency).
    Version(u64),
    /// The item must exist with `attribute` equal to `value`.
    Equals(&'static str, AttributeValue),
    /// The item must exist with the attribute at this path of nested maps equal to `value`.
    PathEquals(&'static [&'static str], AttributeValue),
    /// The item must exist.
    Exists,
    /// The item must not exist, or have expired: its `ttl` (epoch seconds) at or before this
    /// time (DynamoDB removes expired items only some time after).
    ExpiredBy(i64),
    /// No condition: the put replaces whatever is there (derived items such as lookups, which
    /// the transaction's other conditions already guard). Not for a check.
    Any,
}

impl Cond {
    /// Whether the condition holds for `current` (`None`: no item at the key).
    pub fn holds(&self, current: Option<&Item>) -> bool {
        match (self, current) {
            (Cond::Any, _) => true,
            (Cond::New, current) => current.is_none(),
            (Cond::ExpiredBy(now), current) => current.is_none_or(|item| {
                item.get("ttl")
                    .and_then(|v| v.as_n().ok())
                    .and_then(|n| n.parse::<i64>().ok())
                    .is_some_and(|ttl| ttl <= *now)
            }),
            (_, None) => false,
            (Cond::Exists, Some(_)) => true,
            (Cond::Version(v), Some(item)) => {
                item.get("version") == Some(&AttributeValue::N(v.to_string()))
            }
            (Cond::Equals(attribute, value), Some(item)) => item.get(*attribute) == Some(value),
            (Cond::PathEquals(path, value), Some(item)) => {
                let Some((first, rest)) = path.split_first() else {
                    return false;
                };
                let mut found = item.get(*first);
                for name in rest {
                    found = found.and_then(|v| v.as_m().ok()).and_then(|m| m.get(*name));
                }
                found == Some(value)
            }
        }
    }
}

/// One write of a transaction.
#[derive(Clone, Debug)]
pub enum Write {
    Put(Item),
    /// Deletes the item with this key.
    Delete(Item),
    /// Writes nothing: the item with this key must meet the condition.
    Check(Item),
    /// Adds each delta to its numeric attribute of the item with this key, creating the item
    /// or the attribute at 0 first: counters kept in the transaction that changes what they
    /// count.
    Add(Item, Vec<(&'static str, i64)>),
}

impl Write {
    /// The key of the item written (`pk`, `sk`).
    pub fn key(&self) -> (Option<&str>, Option<&str>) {
        let item = match self {
            Write::Put(item) | Write::Delete(item) | Write::Check(item) | Write::Add(item, _) => {
                item
            }
        };
        let attribute = |name: &str| {
            item.get(name)
                .and_then(|v| v.as_s().ok())
                .map(String::as_str)
        };
        (attribute("pk"), attribute("sk"))
    }
}

/// A transaction under construction (DynamoDB allows up to 100 writes in one).
#[derive(Default)]
pub struct Tx {
    writes: Vec<(Write, Cond)>,
}

pub const MAX_TRANSACTION_ITEMS: usize = 100;

fn key(pk: &str, sk: &str) -> Item {
    Item::from([
        ("pk".to_owned(), AttributeValue::S(pk.to_owned())),
        ("sk".to_owned(), AttributeValue::S(sk.to_owned())),
    ])
}

impl Tx {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn put(&mut self, item: Item, cond: Cond) -> &mut Self {
        self.writes.push((Write::Put(item), cond));
        self
    }

    /// Puts each of `writes` (an `Option` puts one or none).
    pub fn put_each(&mut self, writes: impl IntoIterator<Item = (Item, Cond)>) -> &mut Self {
        for (item, cond) in writes {
            self.put(item, cond);
        }
        self
    }

    /// Deletes the item at `pk`/`sk` if `cond` holds (a missing item fails every condition
    /// but `Cond::New`).
    pub fn delete(&mut self, pk: &str, sk: &str, cond: Cond) -> &mut Self {
        self.writes.push((Write::Delete(key(pk, sk)), cond));
        self
    }

    /// Writes nothing to the item at `pk`/`sk`, but the transaction holds only if `cond` does:
    /// a write that depends on another item's state it read, without changing it.
    pub fn check(&mut self, pk: &str, sk: &str, cond: Cond) -> &mut Self {
        self.writes.push((Write::Check(key(pk, sk)), cond));
        self
    }

    /// Adds `deltas` to numeric attributes of the item at `pk`/`sk` (unconditionally: the
    /// transaction's other conditions decide whether the change, and so the count, happens).
    pub fn add(&mut self, pk: &str, sk: &str, deltas: Vec<(&'static str, i64)>) -> &mut Self {
        self.writes
            .push((Write::Add(key(pk, sk), deltas), Cond::Any));
        self
    }

    pub fn len(&self) -> usize {
        self.writes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.writes.is_empty()
    }

    /// The writes, refused as DynamoDB refuses them: more than [`MAX_TRANSACTION_ITEMS`], or
    /// two writes to one item.
    pub fn into_writes(self) -> Result<Vec<(Write, Cond)>, crate::store::DbError> {
        if self.writes.len() > MAX_TRANSACTION_ITEMS {
            return Err(crate::store::DbError::Aws(format!(
                "ValidationException: {} writes exceed one transaction",
                self.writes.len()
            )));
        }
        let mut keys = std::collections::HashSet::new();
        for (write, _) in &self.writes {
            if !keys.insert(write.key()) {
                return Err(crate::store::DbError::Aws(format!(
                    "ValidationException: Transaction request cannot include multiple \
                     operations on one item ({:?})",
                    write.key()
                )));
            }
        }
        Ok(self.writes)
    }
}
