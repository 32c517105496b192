//! The DynamoDB access layer: one table, key builders for every access pattern, typed
//! reads, and transactional writes that put a state change and its events together.
//!
//! | item          | pk              | sk              | gsi1pk / gsi1sk                       | gsi2pk / gsi2sk                      |
//! |---------------|-----------------|-----------------|---------------------------------------|--------------------------------------|
//! | organization  | `ORG#<id>`      | `ORG`           |                                       |                                      |
//! | trusted link  | `ORG#<demand>`  | `TRUST#<supply>`| `TRUSTED_BY#<supply>` / `<demand>`    |                                      |
//! | offer         | `OFFER#<id>`    | `OFFER`         | `DEMAND#<org>#OFFER` / `<created>#<id>` | `OFFEREXP#<shard>` / `<expires>#<id>` (open only) |
//! | offer match   | `OFFER#<offer>` | `MATCH#<supply>`| `SUPPLY#<org>#MATCH` / `<created>#<offer>` | `SEQ#<sequence>` / `MATCH`       |
//! | message       | `MSG#<id>`      | `MSG`           | `SEQ#<sequence>#MSG` / `<created>#<id>` |                                 |
//! | referral      | `REFERRAL#<id>` | `REFERRAL`      | `DEMAND#<org>#REFERRAL` / `<created>#<id>` | `SUPPLY#<org>#REFERRAL` / same  |
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

pub mod clients;
pub mod collector;
mod error;
pub mod forms;
pub mod keys;
pub mod listener;
pub mod messages;
pub mod notifications;
pub mod offers;
pub mod organizations;
pub mod referrals;
pub mod sequences;
pub mod take_rates;
pub mod tx;
pub mod visits;

pub use error::DbError;
pub use tx::{Cond, Tx};

use std::collections::HashMap;
use std::sync::Arc;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{AttributeValue, KeysAndAttributes};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::aws::Aws;
use crate::events::EventRecord;
use crate::time::Timestamp;

pub type Item = HashMap<String, AttributeValue>;

pub const GSI1: &str = "gsi1";
pub const GSI2: &str = "gsi2";
/// The sys_admin lists (every organization's offers and referrals), sharded.
pub const GSI3: &str = "gsi3";
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

#[derive(Clone)]
pub struct Db {
    aws: Arc<Aws>,
    table: String,
    pub(crate) event_ttl_seconds: i64,
}

/// Where an item lives: its primary key and any index keys.
#[derive(Clone, Debug, Default)]
pub struct Keys {
    pub pk: String,
    pub sk: String,
    pub gsi1: Option<(String, String)>,
    pub gsi2: Option<(String, String)>,
    pub gsi3: Option<(String, String)>,
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
}

fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}

/// A sort key that orders by creation time and stays unique.
pub fn created_sk(created_at: &Timestamp, id: impl std::fmt::Display) -> String {
    format!("{}#{id}", crate::time::rfc3339(created_at))
}

/// Serializes `record` and adds its kind and keys.
pub fn to_item<T: Serialize>(kind: &str, keys: &Keys, record: &T) -> Result<Item, DbError> {
    let mut item: Item =
        serde_dynamo::to_item(record).map_err(|e| DbError::Codec(e.to_string()))?;
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
    Ok(item)
}

pub fn from_item<T: DeserializeOwned>(item: Item) -> Result<T, DbError> {
    serde_dynamo::from_item(item).map_err(|e| DbError::Codec(e.to_string()))
}

pub fn kind_of(item: &Item) -> Option<&str> {
    item.get(KIND)
        .and_then(|v| v.as_s().ok())
        .map(String::as_str)
}

impl Db {
    pub fn new(aws: Arc<Aws>, table: impl Into<String>, event_ttl_seconds: i64) -> Self {
        Self {
            aws,
            table: table.into(),
            event_ttl_seconds,
        }
    }

    /// The DynamoDB client, created on first use.
    pub async fn client(&self) -> &Client {
        self.aws.dynamodb().await
    }

    pub fn table(&self) -> &str {
        &self.table
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
        let out = self
            .client()
            .await
            .get_item()
            .table_name(&self.table)
            .key("pk", s(pk))
            .key("sk", s(sk))
            .send()
            .await
            .map_err(DbError::aws)?;
        out.item.map(from_item).transpose()
    }

    /// Every item of a partition (optionally of one sort-key prefix), following pagination.
    pub async fn query_all(
        &self,
        index: Option<&str>,
        pk: &str,
        sk_prefix: Option<&str>,
        ascending: bool,
    ) -> Result<Vec<Item>, DbError> {
        let (pk_attr, sk_attr) = match index {
            None => ("pk", "sk"),
            Some(GSI1) => ("gsi1pk", "gsi1sk"),
            Some(GSI3) => ("gsi3pk", "gsi3sk"),
            Some(_) => ("gsi2pk", "gsi2sk"),
        };
        let mut condition = "#pk = :pk".to_owned();
        if sk_prefix.is_some() {
            condition.push_str(" AND begins_with(#sk, :sk)");
        }
        let mut items = Vec::new();
        let mut start: Option<Item> = None;
        loop {
            let mut q = self
                .client()
                .await
                .query()
                .table_name(&self.table)
                .set_index_name(index.map(str::to_owned))
                .key_condition_expression(&condition)
                .expression_attribute_names("#pk", pk_attr)
                .expression_attribute_values(":pk", s(pk))
                .scan_index_forward(ascending)
                .set_exclusive_start_key(start.take());
            if let Some(prefix) = sk_prefix {
                q = q
                    .expression_attribute_names("#sk", sk_attr)
                    .expression_attribute_values(":sk", s(prefix));
            }
            let out = q.send().await.map_err(DbError::aws)?;
            items.extend(out.items.unwrap_or_default());
            match out.last_evaluated_key {
                Some(key) if !key.is_empty() => start = Some(key),
                _ => break,
            }
        }
        Ok(items)
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
    /// to find what is due. `projection` limits the attributes read.
    pub async fn due_in_shards(
        &self,
        index: &str,
        prefix: &str,
        shards: u32,
        now: &Timestamp,
        projection: Option<&str>,
    ) -> Result<Vec<Item>, DbError> {
        let (pk_attr, sk_attr) = if index == GSI1 {
            ("gsi1pk", "gsi1sk")
        } else {
            ("gsi2pk", "gsi2sk")
        };
        let upper = format!("{}#\u{10FFFF}", crate::time::rfc3339(now));
        let mut items = Vec::new();
        for shard in 0..shards {
            let mut start: Option<Item> = None;
            loop {
                let out = self
                    .client()
                    .await
                    .query()
                    .table_name(&self.table)
                    .index_name(index)
                    .key_condition_expression("#pk = :pk AND #sk <= :upper")
                    .expression_attribute_names("#pk", pk_attr)
                    .expression_attribute_names("#sk", sk_attr)
                    .expression_attribute_values(":pk", s(format!("{prefix}{shard}")))
                    .expression_attribute_values(":upper", s(&upper))
                    .set_projection_expression(projection.map(str::to_owned))
                    .set_exclusive_start_key(start.take())
                    .send()
                    .await
                    .map_err(DbError::aws)?;
                items.extend(out.items.unwrap_or_default());
                match out.last_evaluated_key {
                    Some(k) if !k.is_empty() => start = Some(k),
                    _ => break,
                }
            }
        }
        Ok(items)
    }

    /// Reads many items by key (in chunks of 100, retrying unprocessed keys); missing keys are
    /// simply absent from the result.
    pub async fn batch_get(&self, keys: &[(String, String)]) -> Result<Vec<Item>, DbError> {
        self.batch_get_projected(keys, None).await
    }

    /// [`Db::batch_get`] of only the given top-level attributes, when `attributes` is given.
    pub async fn batch_get_projected(
        &self,
        keys: &[(String, String)],
        attributes: Option<&[&str]>,
    ) -> Result<Vec<Item>, DbError> {
        let mut found = Vec::with_capacity(keys.len());
        let unique = crate::ids::unique(keys);
        for chunk in unique.chunks(100) {
            let mut request = KeysAndAttributes::builder();
            if let Some(attributes) = attributes {
                // Placeholders for every name: several (`status`, `comment`) are reserved words.
                let names: Vec<String> = (0..attributes.len()).map(|i| format!("#a{i}")).collect();
                request = request.projection_expression(names.join(", "));
                for (name, attribute) in names.into_iter().zip(attributes) {
                    request = request.expression_attribute_names(name, *attribute);
                }
            }
            for (pk, sk) in chunk {
                request = request.keys(HashMap::from([
                    ("pk".to_owned(), s(pk)),
                    ("sk".to_owned(), s(sk)),
                ]));
            }
            let mut pending = Some(HashMap::from([(
                self.table.clone(),
                request.build().map_err(|e| DbError::Aws(e.to_string()))?,
            )]));
            let mut attempt = 0u32;
            while let Some(request_items) = pending.take() {
                let out = self
                    .client()
                    .await
                    .batch_get_item()
                    .set_request_items(Some(request_items))
                    .send()
                    .await
                    .map_err(DbError::aws)?;
                if let Some(mut responses) = out.responses {
                    found.extend(responses.remove(&self.table).unwrap_or_default());
                }
                match out.unprocessed_keys {
                    Some(rest) if !rest.is_empty() => {
                        attempt += 1;
                        if attempt > 8 {
                            return Err(DbError::Aws(
                                "batch get kept returning unprocessed keys".into(),
                            ));
                        }
                        tokio::time::sleep(std::time::Duration::from_millis(20 << attempt.min(5)))
                            .await;
                        pending = Some(rest);
                    }
                    _ => {}
                }
            }
        }
        Ok(found)
    }

    /// Creates or replaces an item regardless of what is there (idempotent set-up writes).
    pub async fn put_unconditionally(&self, item: Item) -> Result<(), DbError> {
        self.client()
            .await
            .put_item()
            .table_name(self.table())
            .set_item(Some(item))
            .send()
            .await
            .map_err(DbError::aws)?;
        Ok(())
    }

    pub async fn put(&self, item: Item, cond: Cond) -> Result<(), DbError> {
        let mut tx = Tx::new(&self.table);
        tx.put(item, cond);
        self.transact(tx).await
    }

    /// Runs the writes as one `TransactWriteItems`: all of them happen, or none.
    pub async fn transact(&self, tx: Tx) -> Result<(), DbError> {
        let items = tx.into_items()?;
        if items.is_empty() {
            return Ok(());
        }
        self.client()
            .await
            .transact_write_items()
            .set_transact_items(Some(items))
            .send()
            .await
            .map_err(DbError::from_transact)?;
        Ok(())
    }
}
