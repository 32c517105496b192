//! The DynamoDB access layer: one table, key builders for every access pattern, typed
//! reads, and transactional writes that put a state change and its events together.
//!
//! | item          | pk              | sk              | gsi1pk / gsi1sk                       | gsi2pk / gsi2sk                      |
//! |---------------|-----------------|-----------------|---------------------------------------|--------------------------------------|
//! | organization  | `ORG#<id>`      | `ORG`           |                                       |                                      |
//! | trusted link  | `ORG#<demand>`  | `TRUST#<supply>`| `TRUSTED_BY#<supply>` / `<demand>`    |                                      |
//! | offer         | `OFFER#<id>`    | `OFFER`         | `DEMAND#<org>#OFFER` / `<modified>#<id>` | `OFFEREXP#<shard>` / `<expires>#<id>` (open only) |
//! | offer match   | `OFFER#<offer>` | `MATCH#<supply>`| `SUPPLY#<org>#MATCH` / `<created>#<offer>` | `SEQ#<sequence>` / `MATCH`       |
//! | message       | `MSG#<id>`      | `MSG`           | `SEQ#<sequence>#MSG` / `<created>#<id>` |                                 |
//! | referral      | `REFERRAL#<id>` | `REFERRAL`      | `DEMAND#<org>#REFERRAL[#ARCHIVED]` / `<modified>#<id>` | `SUPPLY#<org>#REFERRAL[#ARCHIVED]` / same |
//! | visit         | `VISIT#<id>`    | `VISIT`         | `DEMAND#<org>#VISITOUT#<outbox>` / `<created>#<id>` | `SERVICE#<service>#VISIT` / `<start>#<id>` |
//! | work session  | `VISIT#<visit>` | `WS#<inbox_id>` |                                       |                                      |
//! | visit inbox id| `VISITIN#<supplier>#<inbox_id>` | `VISITIN` |                            |                                      |
//! | event         | `EVT#<id>`      | `EVT`           |                                       |                                      |
//! | machine client| `CLIENT#<id>`   | `CLIENT`        |                                       |                                      |
//! | tenant event  | `TEVT#<tenant>#<id>` | `TEVT`     |                                       |                                      |
//! | event subscription | `TENANT#<tenant>` | `SUB#<id>` |                                     |                                      |
//! | job           | `TENANT#<tenant>` | `JOB#<id>`    | `JOBDUE#<shard>` / `<next run>#<tenant>#<id>` (runnable only) |            |
//! | job run       | `TENANT#<tenant>` | `JOBRUN#<id>#<due>` |                                 |                                      |
//! | notification subscription | `NSUB#<id>` | `NSUB`  | `TENANT#<tenant>#NSUB` / `<created>#<id>` |                              |
//! | feed entry    | `FEED#<sub id>` | `<millis, 13 digits>#<event id>` |                      |                                      |
//! | listener event| `LEVT#<tenant>#<eventId>` | `LEVT` |                                      |                                      |
//! | hub subscription | `HUB#<id>`   | `HUB`           | `TENANT#<tenant>#HUB` / `<created>#<id>` |                                   |
//! | rate counter  | `RATE#<client>` or `RATE#*` | `<epoch minute>` |                        |                                      |

pub use crate::store::{Cond, DbError, Item, Tx};

use std::sync::Arc;

use aws_sdk_dynamodb::types::AttributeValue;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::events::EventRecord;
use crate::infra::aws::Aws;
use crate::kernel::time::Timestamp;
use crate::store::{DynamoTable, Query, SortKey, Table};

pub const GSI1: &str = "gsi1";
pub const GSI2: &str = "gsi2";
/// The sys_admin lists (every organization's offers and referrals), sharded.
pub const GSI3: &str = "gsi3";
/// A demand's offers of one status, in the lists' order (`DEMAND#<org>#OFFER#<status>`).
pub const GSI4: &str = "gsi4";
/// Partitions of each sys_admin list in gsi3.
pub const SYSADMIN_SHARDS: u32 = 16;

/// The gsi3 partition of a record in a sys_admin list: `SYSADMIN#<what>#<shard>`, the shard
/// from the record's random id, so that every partition takes an even share of the writes.
pub fn sysadmin_partition(what: &str, id: &uuid::Uuid) -> String {
    let shard =
        u32::from_be_bytes(id.as_bytes()[..4].try_into().expect("4 bytes")) % SYSADMIN_SHARDS;
    format!("SYSADMIN#{what}#{shard}")
}

/// Attribute that tells what an item is; the stream publisher keeps only `event` items.
pub const KIND: &str = "kind";

/// Every aggregate's store code, over the table port ([`crate::store::Table`]): DynamoDB in
/// a function, or memory in the use-case tests.
#[derive(Clone)]
pub struct Db {
    table: Arc<dyn Table>,
    name: String,
    pub(crate) event_ttl_seconds: i64,
    /// How long an offer that ended without a referral stays (docs/scaling.md §10).
    pub(crate) finished_offer_ttl_seconds: i64,
}

/// What [`Db`] keeps a finished offer for unless told otherwise (the configuration's default).
pub const FINISHED_OFFER_TTL_SECONDS: i64 = 90 * 24 * 3600;

/// Where an item lives: its primary key and any index keys.
#[derive(Clone, Debug, Default)]
pub struct Keys {
    pub pk: String,
    pub sk: String,
    pub gsi1: Option<(String, String)>,
    pub gsi2: Option<(String, String)>,
    pub gsi3: Option<(String, String)>,
    pub gsi4: Option<(String, String)>,
}

impl Keys {
    pub fn new(pk: impl Into<String>, sk: impl Into<String>) -> Self {
        Self {
            pk: pk.into(),
            sk: sk.into(),
            ..Default::default()
        }
    }
    pub fn gsi1(mut self, pk: impl Into<String>, sk: impl Into<String>) -> Self {
        self.gsi1 = Some((pk.into(), sk.into()));
        self
    }
    pub fn gsi2(mut self, pk: impl Into<String>, sk: impl Into<String>) -> Self {
        self.gsi2 = Some((pk.into(), sk.into()));
        self
    }
    pub fn gsi3(mut self, pk: impl Into<String>, sk: impl Into<String>) -> Self {
        self.gsi3 = Some((pk.into(), sk.into()));
        self
    }
    pub fn gsi4(mut self, pk: impl Into<String>, sk: impl Into<String>) -> Self {
        self.gsi4 = Some((pk.into(), sk.into()));
        self
    }
}

fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}

/// A sort key that orders by creation time and stays unique.
pub fn created_sk(created_at: &Timestamp, id: impl std::fmt::Display) -> String {
    format!("{}#{id}", crate::kernel::time::rfc3339(created_at))
}

/// Serializes `record` and adds its kind and keys.
///
/// What `serde_dynamo::to_item` does, with its map built once: it collects the attributes into
/// a map twice more (into its `Item`, then into the SDK's), hashing every key each time, and the
/// keys added here grew the map a fourth time (docs/performance.md, "Instructions per
/// request").
pub fn to_item<T: Serialize>(kind: &str, keys: &Keys, record: &T) -> Result<Item, DbError> {
    let codec = |e: serde_dynamo::Error| DbError::Codec(e.to_string());
    let serde_dynamo::AttributeValue::M(attributes) =
        serde_dynamo::to_attribute_value(record).map_err(codec)?
    else {
        // Not a map: serde_dynamo's own error for it.
        return serde_dynamo::to_item(record).map_err(codec);
    };
    // The attributes, and the kind and up to four pairs of keys.
    let mut item = Item::with_capacity(attributes.len() + 9);
    item.extend(attributes.into_iter().map(|(k, v)| (k, v.into())));
    item.insert(KIND.into(), s(kind));
    item.insert("pk".into(), s(&keys.pk));
    item.insert("sk".into(), s(&keys.sk));
    if let Some((pk, sk)) = &keys.gsi1 {
        item.insert("gsi1pk".into(), s(pk));
        item.insert("gsi1sk".into(), s(sk));
    }
    if let Some((pk, sk)) = &keys.gsi2 {
        item.insert("gsi2pk".into(), s(pk));
        item.insert("gsi2sk".into(), s(sk));
    }
    if let Some((pk, sk)) = &keys.gsi3 {
        item.insert("gsi3pk".into(), s(pk));
        item.insert("gsi3sk".into(), s(sk));
    }
    if let Some((pk, sk)) = &keys.gsi4 {
        item.insert("gsi4pk".into(), s(pk));
        item.insert("gsi4sk".into(), s(sk));
    }
    Ok(item)
}

/// Deserializes an item: what `serde_dynamo::from_item` does, which converts the map into its
/// own twice before reading it; once is enough.
pub fn from_item<T: DeserializeOwned>(item: Item) -> Result<T, DbError> {
    let attributes = item.into_iter().map(|(k, v)| (k, v.into())).collect();
    serde_dynamo::from_attribute_value(serde_dynamo::AttributeValue::M(attributes))
        .map_err(|e| DbError::Codec(e.to_string()))
}

pub fn kind_of(item: &Item) -> Option<&str> {
    item.get(KIND)
        .and_then(|v| v.as_s().ok())
        .map(String::as_str)
}

impl Db {
    /// The DynamoDB table `name`, through `aws`.
    pub fn new(aws: Arc<Aws>, name: impl Into<String>, event_ttl_seconds: i64) -> Self {
        let name = name.into();
        Self::over(
            Arc::new(DynamoTable::new(aws, name.clone())),
            name,
            event_ttl_seconds,
        )
    }

    /// Over any implementation of the table port (memory in the use-case tests).
    pub fn over(table: Arc<dyn Table>, name: impl Into<String>, event_ttl_seconds: i64) -> Self {
        Self {
            table,
            name: name.into(),
            event_ttl_seconds,
            finished_offer_ttl_seconds: FINISHED_OFFER_TTL_SECONDS,
        }
    }

    /// The same table, keeping an offer that ended without a referral `seconds` after it ended.
    pub fn retaining_finished_offers_for(mut self, seconds: i64) -> Self {
        self.finished_offer_ttl_seconds = seconds;
        self
    }

    pub fn table(&self) -> &str {
        &self.name
    }

    /// The event item for `record`; it expires (DynamoDB TTL) after the configured retention.
    pub fn event_item(&self, record: &EventRecord) -> Result<Item, DbError> {
        let mut item = to_item(
            "event",
            &Keys::new(format!("EVT#{}", record.event_id), "EVT"),
            record,
        )?;
        let ttl = record.created_at.timestamp() + self.event_ttl_seconds;
        item.insert("ttl".into(), AttributeValue::N(ttl.to_string()));
        Ok(item)
    }

    pub async fn get<T: DeserializeOwned>(&self, pk: &str, sk: &str) -> Result<Option<T>, DbError> {
        self.table.get(pk, sk).await?.map(from_item).transpose()
    }

    /// Every item of a partition (optionally of one sort-key prefix), following pagination.
    pub async fn query_all(
        &self,
        index: Option<&str>,
        pk: &str,
        sk_prefix: Option<&str>,
        ascending: bool,
    ) -> Result<Vec<Item>, DbError> {
        self.table
            .query(Query {
                sk: sk_prefix.map_or(SortKey::Any, SortKey::BeginsWith),
                ascending,
                ..Query::partition(index, pk)
            })
            .await
    }

    /// The items of `query`: the port's own query, for reads the helpers here do not cover.
    /// One page of an index partition in its sort order: at most `limit` items after the sort
    /// key `after`, or, without it, after the first `skip` (a jump to a far page, which reads
    /// the sort keys it skips, and nothing more). Also the sort key of the last item returned,
    /// where the next page starts.
    pub async fn index_page(
        &self,
        index: &str,
        pk: &str,
        ascending: bool,
        after: Option<String>,
        skip: usize,
        limit: usize,
    ) -> Result<(Vec<Item>, Option<String>), DbError> {
        let (_, sk_attribute) = crate::store::key_attributes(Some(index));
        let sort_key = |item: &Item| item.get(sk_attribute).and_then(|v| v.as_s().ok()).cloned();
        let after = match after {
            Some(after) => Some(after),
            None if skip > 0 => {
                let skipped = self
                    .query(Query {
                        limit: Some(skip),
                        attributes: Some(&[sk_attribute]),
                        ascending,
                        ..Query::partition(Some(index), pk)
                    })
                    .await?;
                if skipped.len() < skip {
                    return Ok((Vec::new(), None));
                }
                skipped.last().and_then(sort_key)
            }
            None => None,
        };
        let sk = match (&after, ascending) {
            (Some(a), true) => SortKey::After(a),
            (Some(a), false) => SortKey::Before(a),
            (None, _) => SortKey::Any,
        };
        let items = self
            .query(Query {
                sk,
                ascending,
                limit: Some(limit),
                ..Query::partition(Some(index), pk)
            })
            .await?;
        let last = items.last().and_then(sort_key);
        Ok((items, last))
    }

    pub async fn query(&self, query: Query<'_>) -> Result<Vec<Item>, DbError> {
        self.table.query(query).await
    }

    /// How many items `query` would read.
    pub async fn count(&self, query: Query<'_>) -> Result<u64, DbError> {
        self.table.count(query).await
    }

    /// Every item of a sys_admin list (gsi3 `SYSADMIN#<what>#<0..15>`), newest first. The
    /// shards are read concurrently and merged by sort key (creation time).
    pub async fn sysadmin_list(&self, what: &str) -> Result<Vec<Item>, DbError> {
        let reads = (0..SYSADMIN_SHARDS).map(|shard| {
            let pk = format!("SYSADMIN#{what}#{shard}");
            async move { self.query_all(Some(GSI3), &pk, None, false).await }
        });
        let mut items: Vec<Item> = futures::future::try_join_all(reads)
            .await?
            .into_iter()
            .flatten()
            .collect();
        let sk = |i: &Item| i.get("gsi3sk").and_then(|v| v.as_s().ok()).cloned();
        items.sort_by_key(|i| std::cmp::Reverse(sk(i)));
        Ok(items)
    }

    /// Every item of the sharded index partitions `<prefix><0..shards>` whose sort key is at or
    /// before `now` (sort keys start with an RFC 3339 time): what the once-a-minute jobs read
    /// to find what is due. `attributes` limits the attributes read.
    pub async fn due_in_shards(
        &self,
        index: &str,
        prefix: &str,
        shards: u32,
        now: &Timestamp,
        attributes: Option<&[&str]>,
    ) -> Result<Vec<Item>, DbError> {
        let upper = format!("{}#\u{10FFFF}", crate::kernel::time::rfc3339(now));
        let mut items = Vec::new();
        for shard in 0..shards {
            let pk = format!("{prefix}{shard}");
            items.extend(
                self.table
                    .query(Query {
                        sk: SortKey::AtMost(&upper),
                        attributes,
                        ..Query::partition(Some(index), &pk)
                    })
                    .await?,
            );
        }
        Ok(items)
    }

    /// Reads many items by key (in chunks of 100, retrying unprocessed keys); missing keys are
    /// simply absent from the result.
    pub async fn batch_get(&self, keys: &[(String, String)]) -> Result<Vec<Item>, DbError> {
        self.table.batch_get(keys, None).await
    }

    /// [`Db::batch_get`] of only the given top-level attributes, when `attributes` is given.
    pub async fn batch_get_projected(
        &self,
        keys: &[(String, String)],
        attributes: Option<&[&str]>,
    ) -> Result<Vec<Item>, DbError> {
        self.table.batch_get(keys, attributes).await
    }

    /// Creates or replaces an item regardless of what is there (idempotent set-up writes).
    pub async fn put_unconditionally(&self, item: Item) -> Result<(), DbError> {
        self.table.put(item).await
    }

    pub async fn put(&self, item: Item, cond: Cond) -> Result<(), DbError> {
        let mut tx = Tx::new();
        tx.put(item, cond);
        self.transact(tx).await
    }

    /// Runs the writes as one `TransactWriteItems`: all of them happen, or none.
    pub async fn transact(&self, tx: Tx) -> Result<(), DbError> {
        self.table.transact(tx).await
    }

    /// Deletes an item if it exists, returning what was deleted; `None` if it was absent.
    pub async fn delete_existing(&self, pk: &str, sk: &str) -> Result<Option<Item>, DbError> {
        self.table.delete_existing(pk, sk).await
    }

    /// Adds one to a counter of an item if the increment's guard holds: its new value, or
    /// `None`.
    pub async fn increment(
        &self,
        increment: crate::store::Increment<'_>,
    ) -> Result<Option<u64>, DbError> {
        self.table.increment(increment).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use std::collections::{BTreeMap, HashMap};

    #[derive(Serialize, Deserialize, PartialEq, Debug)]
    enum Shape {
        Unit,
        Tuple(u8, String),
        Struct { side: f64 },
    }

    #[derive(Serialize, Deserialize, PartialEq, Debug)]
    struct Record {
        id: String,
        count: i64,
        ratio: f64,
        flag: bool,
        absent: Option<String>,
        present: Option<u32>,
        #[serde(skip_serializing_if = "Option::is_none")]
        skipped: Option<u32>,
        tags: Vec<String>,
        nested: BTreeMap<String, Vec<Shape>>,
        json: serde_json::Value,
        shape: Shape,
    }

    fn record() -> Record {
        Record {
            id: "r-1".into(),
            count: -7,
            ratio: 0.25,
            flag: true,
            absent: None,
            present: Some(3),
            skipped: None,
            tags: vec!["a".into(), "b".into()],
            nested: BTreeMap::from([(
                "k".into(),
                vec![
                    Shape::Unit,
                    Shape::Tuple(1, "x".into()),
                    Shape::Struct { side: 2.5 },
                ],
            )]),
            json: serde_json::json!({"a": [1, "two", null, {"b": false}]}),
            shape: Shape::Struct { side: 1.0 },
        }
    }

    #[test]
    fn items_are_what_serde_dynamo_makes_and_reads() {
        let keys = Keys::new("PK#1", "SK").gsi1("G1", "g1").gsi3("G3", "g3");
        let item = to_item("record", &keys, &record()).unwrap();

        let mut expected: Item = serde_dynamo::to_item(record()).unwrap();
        for (name, value) in [
            (KIND, "record"),
            ("pk", "PK#1"),
            ("sk", "SK"),
            ("gsi1pk", "G1"),
            ("gsi1sk", "g1"),
            ("gsi3pk", "G3"),
            ("gsi3sk", "g3"),
        ] {
            expected.insert(name.into(), s(value));
        }
        assert_eq!(item, expected);

        let read: Record = from_item(item.clone()).unwrap();
        assert_eq!(read, record());
        let theirs: Record = serde_dynamo::from_item(item).unwrap();
        assert_eq!(read, theirs);
    }

    #[test]
    fn errors_are_serde_dynamos() {
        let ours = to_item("n", &Keys::new("p", "s"), &5u8).unwrap_err();
        let theirs = serde_dynamo::to_item::<_, Item>(5u8).unwrap_err();
        assert_eq!(
            ours.to_string(),
            DbError::Codec(theirs.to_string()).to_string()
        );

        let item: Item = HashMap::from([("count".to_owned(), s("not a number"))]);
        #[derive(Deserialize, Debug)]
        struct Count {
            #[allow(dead_code)]
            count: u32,
        }
        let ours = from_item::<Count>(item.clone()).unwrap_err();
        let theirs = serde_dynamo::from_item::<_, Count>(item).unwrap_err();
        assert_eq!(
            ours.to_string(),
            DbError::Codec(theirs.to_string()).to_string()
        );
    }
}
