//! The port in memory: one ordered map behind a lock. It keeps DynamoDB's rules that the
//! platform relies on, so code that passes here does not fail there for a rule this skips:
//! conditions are checked and a failed one cancels the whole transaction; a transaction holds
//! at most 100 writes, one per item; an item is at most 400 KB; index queries see only items
//! that carry the index's key attributes, in sort-key order. Streams and TTL deletion are not
//! modelled: tests read the event items a transaction wrote from the table.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;

use aws_sdk_dynamodb::types::AttributeValue;

use crate::store::{
    DbError, Guard, Increment, Item, Query, StoreFuture, Table, Tx, Write, key_attributes,
};

/// DynamoDB's largest item.
pub const MAX_ITEM_BYTES: usize = 400 * 1024;

/// The table's items, and each index's entries kept in its sort order, so a query reads its
/// partition's range as DynamoDB does instead of the whole table.
#[derive(Default)]
struct Data {
    items: BTreeMap<(String, String), Item>,
    /// `(index, index pk, index sk, pk, sk)` for every item that has the index's keys.
    indexed: BTreeSet<(&'static str, String, String, String, String)>,
}

const INDEXES: [&str; 4] = ["gsi1", "gsi2", "gsi3", "gsi4"];

impl Data {
    fn entries(
        key: &(String, String),
        item: &Item,
    ) -> Vec<(&'static str, String, String, String, String)> {
        INDEXES
            .iter()
            .filter_map(|index| {
                let (pk_attr, sk_attr) = key_attributes(Some(index));
                Some((
                    *index,
                    string(item, pk_attr)?.to_owned(),
                    string(item, sk_attr)?.to_owned(),
                    key.0.clone(),
                    key.1.clone(),
                ))
            })
            .collect()
    }

    fn insert(&mut self, key: (String, String), item: Item) {
        self.remove(&key);
        self.indexed.extend(Self::entries(&key, &item));
        self.items.insert(key, item);
    }

    fn remove(&mut self, key: &(String, String)) -> Option<Item> {
        let old = self.items.remove(key)?;
        for entry in Self::entries(key, &old) {
            self.indexed.remove(&entry);
        }
        Some(old)
    }
}

#[derive(Default)]
pub struct MemoryTable {
    data: Mutex<Data>,
    calls: Mutex<BTreeMap<&'static str, u64>>,
    /// Items the reads evaluated, as DynamoDB counts them (`ScannedCount`; a `Select=COUNT`
    /// query reads every item it counts).
    read: std::sync::atomic::AtomicU64,
}

fn string<'i>(item: &'i Item, attribute: &str) -> Option<&'i str> {
    item.get(attribute)
        .and_then(|v| v.as_s().ok())
        .map(String::as_str)
}

fn key_of(item: &Item) -> Result<(String, String), DbError> {
    match (string(item, "pk"), string(item, "sk")) {
        (Some(pk), Some(sk)) => Ok((pk.to_owned(), sk.to_owned())),
        _ => Err(DbError::Aws(
            "ValidationException: the item has no string pk and sk".into(),
        )),
    }
}

/// DynamoDB's size of an item: names plus values, as its documentation counts them.
pub fn item_size(item: &Item) -> usize {
    item.iter().map(|(k, v)| k.len() + value_size(v)).sum()
}

fn value_size(v: &AttributeValue) -> usize {
    match v {
        AttributeValue::S(s) | AttributeValue::N(s) => s.len(),
        AttributeValue::B(b) => b.as_ref().len(),
        AttributeValue::Ss(l) | AttributeValue::Ns(l) => l.iter().map(String::len).sum(),
        AttributeValue::Bs(l) => l.iter().map(|b| b.as_ref().len()).sum(),
        AttributeValue::L(l) => 3 + l.iter().map(|v| 1 + value_size(v)).sum::<usize>(),
        AttributeValue::M(m) => {
            3 + m
                .iter()
                .map(|(k, v)| 1 + k.len() + value_size(v))
                .sum::<usize>()
        }
        _ => 1,
    }
}

fn checked(item: Item) -> Result<Item, DbError> {
    let size = item_size(&item);
    if size > MAX_ITEM_BYTES {
        return Err(DbError::Aws(format!(
            "ValidationException: Item size has exceeded the maximum allowed size ({size} bytes)"
        )));
    }
    Ok(item)
}

fn project(item: &Item, attributes: Option<&[&str]>) -> Item {
    match attributes {
        None => item.clone(),
        Some(names) => item
            .iter()
            .filter(|(k, _)| names.contains(&k.as_str()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
    }
}

impl MemoryTable {
    pub fn new() -> Self {
        Self::default()
    }

    fn count_call(&self, operation: &'static str) {
        *self
            .calls
            .lock()
            .expect("calls lock")
            .entry(operation)
            .or_default() += 1;
    }

    /// How many times each operation was called: the benchmarks' deterministic count.
    pub fn calls(&self) -> BTreeMap<&'static str, u64> {
        self.calls.lock().expect("calls lock").clone()
    }

    /// How many items every read so far evaluated: the benchmarks' and tests' measure of what
    /// a use case reads, independent of the machine.
    pub fn items_read(&self) -> u64 {
        self.read.load(std::sync::atomic::Ordering::Relaxed)
    }

    fn count_read(&self, items: usize) {
        self.read
            .fetch_add(items as u64, std::sync::atomic::Ordering::Relaxed);
    }

    /// Every item, in key order (tests read what a use case wrote).
    pub fn items(&self) -> Vec<Item> {
        self.data
            .lock()
            .expect("table lock")
            .items
            .values()
            .cloned()
            .collect()
    }

    fn select(&self, query: &Query<'_>) -> Vec<Item> {
        let data = self.data.lock().expect("table lock");
        let limit = query.limit.unwrap_or(usize::MAX);
        // The partition's range of the table or of the index, walked from the end a query
        // asks for and only as far as its limit. `pk + "\0"` is the first key after `pk`.
        let end = format!("{}\0", query.pk);
        let found: Vec<&Item> = match query.index {
            None => {
                let range = data
                    .items
                    .range((query.pk.to_owned(), String::new())..(end, String::new()))
                    .filter(|((_, sk), _)| query.sk.holds(sk))
                    .map(|(_, item)| item);
                if query.ascending {
                    range.take(limit).collect()
                } else {
                    range.rev().take(limit).collect()
                }
            }
            Some(index) => {
                let index = INDEXES
                    .into_iter()
                    .find(|i| *i == index)
                    .unwrap_or_else(|| panic!("the table has no index {index}"));
                let key = |pk: String| (index, pk, String::new(), String::new(), String::new());
                let range = data
                    .indexed
                    .range(key(query.pk.to_owned())..key(end))
                    .filter(|(_, _, sk, ..)| query.sk.holds(sk))
                    .filter_map(|(.., pk, sk)| data.items.get(&(pk.clone(), sk.clone())));
                if query.ascending {
                    range.take(limit).collect()
                } else {
                    range.rev().take(limit).collect()
                }
            }
        };
        found
            .into_iter()
            .map(|item| project(item, query.attributes))
            .collect()
    }
}

impl Table for MemoryTable {
    fn get<'a>(&'a self, pk: &'a str, sk: &'a str) -> StoreFuture<'a, Option<Item>> {
        self.count_call("GetItem");
        let found = self
            .data
            .lock()
            .expect("table lock")
            .items
            .get(&(pk.to_owned(), sk.to_owned()))
            .cloned();
        self.count_read(usize::from(found.is_some()));
        Box::pin(async move { Ok(found) })
    }

    fn query<'a>(&'a self, query: Query<'a>) -> StoreFuture<'a, Vec<Item>> {
        self.count_call("Query");
        let found = self.select(&query);
        self.count_read(found.len());
        Box::pin(async move { Ok(found) })
    }

    fn count<'a>(&'a self, query: Query<'a>) -> StoreFuture<'a, u64> {
        self.count_call("Query");
        let found = self.select(&query).len();
        self.count_read(found);
        Box::pin(async move { Ok(found as u64) })
    }

    fn batch_get<'a>(
        &'a self,
        keys: &'a [(String, String)],
        attributes: Option<&'a [&'a str]>,
    ) -> StoreFuture<'a, Vec<Item>> {
        let unique = crate::kernel::ids::unique(keys);
        for _ in unique.chunks(100) {
            self.count_call("BatchGetItem");
        }
        let data = self.data.lock().expect("table lock");
        let found: Vec<Item> = unique
            .iter()
            .filter_map(|key| data.items.get(key))
            .map(|item| project(item, attributes))
            .collect();
        self.count_read(found.len());
        Box::pin(async move { Ok(found) })
    }

    fn put<'a>(&'a self, item: Item) -> StoreFuture<'a, ()> {
        self.count_call("PutItem");
        let result = key_of(&item).and_then(|key| {
            let item = checked(item)?;
            self.data.lock().expect("table lock").insert(key, item);
            Ok(())
        });
        Box::pin(async move { result })
    }

    fn transact<'a>(&'a self, tx: Tx) -> StoreFuture<'a, ()> {
        let result = (|| {
            let writes = tx.into_writes()?;
            if writes.is_empty() {
                return Ok(());
            }
            self.count_call("TransactWriteItems");
            let mut data = self.data.lock().expect("table lock");
            let mut keyed = Vec::with_capacity(writes.len());
            // Everything is checked before anything is written: all or nothing.
            for (write, cond) in writes {
                let key = match &write {
                    Write::Put(item)
                    | Write::Delete(item)
                    | Write::Check(item)
                    | Write::Add(item, _) => key_of(item)?,
                };
                let write = match write {
                    Write::Put(item) => Write::Put(checked(item)?),
                    other => other,
                };
                if !cond.holds(data.items.get(&key)) {
                    return Err(DbError::ConditionFailed);
                }
                keyed.push((key, write));
            }
            for (key, write) in keyed {
                match write {
                    Write::Put(item) => {
                        data.insert(key, item);
                    }
                    Write::Delete(_) => {
                        data.remove(&key);
                    }
                    Write::Check(_) => {}
                    Write::Add(key_item, deltas) => {
                        let mut item = data.remove(&key).unwrap_or(key_item);
                        for (attribute, delta) in deltas {
                            let current = item
                                .get(attribute)
                                .and_then(|v| v.as_n().ok())
                                .and_then(|n| n.parse::<i64>().ok())
                                .unwrap_or(0);
                            item.insert(
                                attribute.to_owned(),
                                AttributeValue::N((current + delta).to_string()),
                            );
                        }
                        data.insert(key, item);
                    }
                }
            }
            Ok(())
        })();
        Box::pin(async move { result })
    }

    fn delete_existing<'a>(&'a self, pk: &'a str, sk: &'a str) -> StoreFuture<'a, Option<Item>> {
        self.count_call("DeleteItem");
        let removed = self
            .data
            .lock()
            .expect("table lock")
            .remove(&(pk.to_owned(), sk.to_owned()));
        Box::pin(async move { Ok(removed) })
    }

    fn increment<'a>(&'a self, increment: Increment<'a>) -> StoreFuture<'a, Option<u64>> {
        self.count_call("UpdateItem");
        let mut data = self.data.lock().expect("table lock");
        let key = (increment.pk.to_owned(), increment.sk.to_owned());
        let current = data.items.get(&key);
        let count = current
            .and_then(|item| item.get(increment.counter))
            .and_then(|v| v.as_n().ok())
            .and_then(|n| n.parse::<u64>().ok());
        let holds = match increment.guard {
            Guard::ItemExists => current.is_some(),
            Guard::Below(limit) => count.is_none_or(|n| n < limit),
        };
        let result = if holds {
            let next = count.unwrap_or(0) + 1;
            let mut item = data.remove(&key).unwrap_or_else(|| {
                Item::from([
                    ("pk".to_owned(), AttributeValue::S(increment.pk.to_owned())),
                    ("sk".to_owned(), AttributeValue::S(increment.sk.to_owned())),
                ])
            });
            for (name, value) in increment.set {
                item.insert(name.to_owned(), value);
            }
            item.insert(
                increment.counter.to_owned(),
                AttributeValue::N(next.to_string()),
            );
            data.insert(key, item);
            Ok(Some(next))
        } else {
            Ok(None)
        };
        Box::pin(async move { result })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{Cond, SortKey};

    fn item(pk: &str, sk: &str, version: u64) -> Item {
        Item::from([
            ("pk".into(), AttributeValue::S(pk.into())),
            ("sk".into(), AttributeValue::S(sk.into())),
            ("gsi1pk".into(), AttributeValue::S("P".into())),
            ("gsi1sk".into(), AttributeValue::S(format!("{sk}#{pk}"))),
            ("version".into(), AttributeValue::N(version.to_string())),
        ])
    }

    fn block_on<T>(f: StoreFuture<'_, T>) -> Result<T, DbError> {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("a runtime")
            .block_on(f)
    }

    #[test]
    fn a_failed_condition_cancels_the_whole_transaction() {
        let table = MemoryTable::new();
        let mut tx = Tx::new();
        tx.put(item("A", "X", 1), Cond::New);
        block_on(table.transact(tx)).unwrap();

        let mut tx = Tx::new();
        tx.put(item("B", "X", 1), Cond::New)
            .put(item("A", "X", 2), Cond::Version(7));
        assert!(matches!(
            block_on(table.transact(tx)),
            Err(DbError::ConditionFailed)
        ));
        assert_eq!(table.items().len(), 1, "B was not written");

        let mut tx = Tx::new();
        tx.put(item("A", "X", 2), Cond::Version(1))
            .check("B", "X", Cond::New);
        block_on(table.transact(tx)).unwrap();
        assert_eq!(
            block_on(table.get("A", "X")).unwrap().unwrap()["version"],
            AttributeValue::N("2".into())
        );
    }

    #[test]
    fn a_transaction_is_refused_as_dynamodb_refuses_it() {
        let table = MemoryTable::new();
        let mut tx = Tx::new();
        tx.put(item("A", "X", 1), Cond::New)
            .check("A", "X", Cond::Exists);
        assert!(
            matches!(block_on(table.transact(tx)), Err(DbError::Aws(m)) if m.contains("one item"))
        );

        let mut tx = Tx::new();
        for i in 0..101 {
            tx.put(item(&format!("A{i}"), "X", 1), Cond::New);
        }
        assert!(matches!(block_on(table.transact(tx)), Err(DbError::Aws(_))));

        let mut big = item("A", "X", 1);
        big.insert("blob".into(), AttributeValue::S("x".repeat(MAX_ITEM_BYTES)));
        let mut tx = Tx::new();
        tx.put(big, Cond::New);
        assert!(matches!(block_on(table.transact(tx)), Err(DbError::Aws(m)) if m.contains("size")));
        assert!(table.items().is_empty());
    }

    #[test]
    fn queries_read_a_partition_of_the_table_or_an_index_in_sort_order() {
        let table = MemoryTable::new();
        for (pk, sk) in [("A", "2"), ("A", "1"), ("A", "3"), ("B", "1")] {
            block_on(table.put(item(pk, sk, 1))).unwrap();
        }
        let sks = |items: Vec<Item>| -> Vec<String> {
            items
                .iter()
                .map(|i| string(i, "sk").unwrap().to_owned())
                .collect()
        };
        let all = block_on(table.query(Query::partition(None, "A"))).unwrap();
        assert_eq!(sks(all), ["1", "2", "3"]);
        let newest = block_on(table.query(Query {
            ascending: false,
            limit: Some(2),
            ..Query::partition(None, "A")
        }))
        .unwrap();
        assert_eq!(sks(newest), ["3", "2"]);
        let after = block_on(table.count(Query {
            sk: SortKey::After("1"),
            ..Query::partition(None, "A")
        }))
        .unwrap();
        assert_eq!(after, 2);
        let index = block_on(table.query(Query {
            sk: SortKey::AtMost("1#B"),
            ..Query::partition(Some("gsi1"), "P")
        }))
        .unwrap();
        assert_eq!(sks(index), ["1", "1"], "1#A and 1#B, not 2#A");
        let projected = block_on(table.batch_get(
            &[("A".into(), "1".into()), ("Z".into(), "9".into())],
            Some(&["version"]),
        ))
        .unwrap();
        assert_eq!(projected.len(), 1);
        assert_eq!(projected[0].len(), 1);

        // An item rewritten under another index key moves in the index; a deleted one leaves.
        let mut moved = item("A", "1", 2);
        moved.insert("gsi1sk".into(), AttributeValue::S("9#A".into()));
        block_on(table.put(moved)).unwrap();
        block_on(table.delete_existing("B", "1")).unwrap();
        let index = block_on(table.query(Query::partition(Some("gsi1"), "P"))).unwrap();
        let index_sks: Vec<&str> = index.iter().map(|i| string(i, "gsi1sk").unwrap()).collect();
        assert_eq!(index_sks, ["2#A", "3#A", "9#A"]);
    }

    #[test]
    fn an_expired_item_may_be_replaced_a_live_one_not() {
        let table = MemoryTable::new();
        let with_ttl = |ttl: i64| {
            let mut i = item("K", "K", 1);
            i.insert("ttl".into(), AttributeValue::N(ttl.to_string()));
            i
        };
        let put = |i: Item, now: i64| {
            let mut tx = Tx::new();
            tx.put(i, Cond::ExpiredBy(now));
            block_on(table.transact(tx))
        };
        put(with_ttl(100), 50).expect("no item yet");
        assert!(matches!(
            put(with_ttl(200), 99),
            Err(DbError::ConditionFailed)
        ));
        put(with_ttl(200), 100).expect("expired at 100");
    }

    #[test]
    fn an_increment_counts_only_while_its_guard_holds() {
        let table = MemoryTable::new();
        let hit = || Increment {
            pk: "RATE#c",
            sk: "1",
            counter: "hits",
            set: vec![("kind", AttributeValue::S("rate_counter".into()))],
            guard: Guard::Below(2),
        };
        assert_eq!(block_on(table.increment(hit())).unwrap(), Some(1));
        assert_eq!(block_on(table.increment(hit())).unwrap(), Some(2));
        assert_eq!(block_on(table.increment(hit())).unwrap(), None);
        let pull = Increment {
            pk: "NSUB#missing",
            sk: "NSUB",
            counter: "pulls",
            set: vec![],
            guard: Guard::ItemExists,
        };
        assert_eq!(block_on(table.increment(pull)).unwrap(), None);
        assert_eq!(table.items().len(), 1);
    }
}
