//! Notification subscriptions and their consume-once feeds.

use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue, Select};
use serde::{Deserialize, Serialize};

use crate::domain::notification::Subscription;
use crate::oauth::TenantId;
use crate::time::{Timestamp, serde_ts};

use super::{Cond, Db, DbError, GSI1, Item, Keys, created_sk, from_item, to_item};

pub fn subscription_keys(s: &Subscription) -> Keys {
    Keys::new(format!("NSUB#{}", s.id), "NSUB").gsi1(
        format!("TENANT#{}#NSUB", s.tenant),
        created_sk(&s.subscription_date, &s.id),
    )
}

fn feed_pk(subscription_id: &str) -> String {
    format!("FEED#{subscription_id}")
}

/// A subscription with what its pulls have recorded on it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StoredSubscription {
    #[serde(flatten)]
    pub subscription: Subscription,
    #[serde(default, with = "serde_ts::option")]
    pub last_request_date: Option<Timestamp>,
    /// Pulls served so far.
    #[serde(default)]
    pub pulls: u64,
}

/// One notification waiting in a feed (kind `notification`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FeedEntry {
    pub subscription_id: String,
    pub event_id: String,
    pub event_type: String,
    pub created_millis: i64,
    /// The event's JSON, handed out as is.
    pub payload: String,
}

fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}

impl Db {
    /// Creates a subscription (new id, so the condition only guards against a collision).
    pub async fn create_subscription(&self, sub: &Subscription) -> Result<(), DbError> {
        let item = to_item("notification_subscription", &subscription_keys(sub), sub)?;
        self.put(item, Cond::New).await
    }

    pub async fn get_subscription(&self, id: &str) -> Result<Option<StoredSubscription>, DbError> {
        self.get(&format!("NSUB#{id}"), "NSUB").await
    }

    /// The tenant's subscriptions (the feed writer matches event types against them).
    pub async fn subscriptions_of(&self, tenant: &TenantId) -> Result<Vec<Subscription>, DbError> {
        self.query_all(Some(GSI1), &format!("TENANT#{tenant}#NSUB"), None, true)
            .await?
            .into_iter()
            .map(from_item)
            .collect()
    }

    /// Deletes a subscription; `false` when it did not exist (or a concurrent delete won).
    /// Its feed entries are left to expire by TTL: pulls refuse a deleted subscription.
    pub async fn delete_subscription(&self, id: &str) -> Result<bool, DbError> {
        Ok(self
            .delete_existing(&format!("NSUB#{id}"), "NSUB")
            .await?
            .is_some())
    }

    /// Records a pull on an existing subscription; returns the pull's 0-based number, or
    /// `None` when the subscription is gone.
    pub async fn record_pull(&self, id: &str, now: &Timestamp) -> Result<Option<u64>, DbError> {
        let out = self
            .client()
            .await
            .update_item()
            .table_name(self.table())
            .key("pk", s(format!("NSUB#{id}")))
            .key("sk", s("NSUB"))
            .update_expression("SET last_request_date = :now ADD pulls :one")
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_values(":now", s(crate::time::rfc3339(now)))
            .expression_attribute_values(":one", AttributeValue::N("1".into()))
            .return_values(ReturnValue::UpdatedNew)
            .send()
            .await;
        match out {
            Ok(out) => {
                let pulls = out
                    .attributes
                    .and_then(|a| a.get("pulls").and_then(|v| v.as_n().ok()).cloned())
                    .and_then(|n| n.parse::<u64>().ok())
                    .unwrap_or(1);
                Ok(Some(pulls.saturating_sub(1)))
            }
            Err(e) if is_condition_failure(&e) => Ok(None),
            Err(e) => Err(DbError::aws(e)),
        }
    }

    /// Appends a notification to a feed; `false` if it is already there (a re-delivered
    /// stream record lands on the same key).
    pub async fn append_feed(&self, entry: &FeedEntry, ttl: i64) -> Result<bool, DbError> {
        let keys = Keys::new(
            feed_pk(&entry.subscription_id),
            crate::domain::notification::feed_sk(entry.created_millis, &entry.event_id),
        );
        let mut item = to_item("notification", &keys, entry)?;
        item.insert("ttl".into(), AttributeValue::N(ttl.to_string()));
        match self.put(item, Cond::New).await {
            Ok(()) => Ok(true),
            Err(DbError::ConditionFailed) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Up to `limit` of the oldest feed entries above `floor` (the retention cut-off).
    pub async fn feed_oldest(
        &self,
        subscription_id: &str,
        floor: &str,
        limit: i32,
    ) -> Result<Vec<Item>, DbError> {
        let out = self
            .client()
            .await
            .query()
            .table_name(self.table())
            .key_condition_expression("pk = :pk AND sk > :floor")
            .expression_attribute_values(":pk", s(feed_pk(subscription_id)))
            .expression_attribute_values(":floor", s(floor))
            .scan_index_forward(true)
            .limit(limit)
            .consistent_read(true)
            .send()
            .await
            .map_err(DbError::aws)?;
        Ok(out.items.unwrap_or_default())
    }

    /// How many entries above `floor` a feed holds.
    pub async fn feed_count(&self, subscription_id: &str, floor: &str) -> Result<u64, DbError> {
        let mut total = 0u64;
        let mut start: Option<Item> = None;
        loop {
            let out = self
                .client()
                .await
                .query()
                .table_name(self.table())
                .key_condition_expression("pk = :pk AND sk > :floor")
                .expression_attribute_values(":pk", s(feed_pk(subscription_id)))
                .expression_attribute_values(":floor", s(floor))
                .select(Select::Count)
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(DbError::aws)?;
            total += out.count.max(0) as u64;
            match out.last_evaluated_key {
                Some(k) if !k.is_empty() => start = Some(k),
                _ => return Ok(total),
            }
        }
    }

    /// Claims a feed entry by deleting it: `Some(entry)` only for the one caller whose delete
    /// removed it, so no entry is handed out twice.
    pub async fn claim_feed_entry(&self, item: &Item) -> Result<Option<FeedEntry>, DbError> {
        let key = |k: &str| {
            item.get(k)
                .and_then(|v| v.as_s().ok())
                .cloned()
                .ok_or_else(|| DbError::Codec(format!("feed entry without {k}")))
        };
        match self.delete_existing(&key("pk")?, &key("sk")?).await? {
            Some(old) => Ok(Some(from_item(old)?)),
            None => Ok(None),
        }
    }

    /// Deletes an item if it exists, returning what was deleted; `None` if it was absent.
    pub async fn delete_existing(&self, pk: &str, sk: &str) -> Result<Option<Item>, DbError> {
        let out = self
            .client()
            .await
            .delete_item()
            .table_name(self.table())
            .key("pk", s(pk))
            .key("sk", s(sk))
            .condition_expression("attribute_exists(pk)")
            .return_values(ReturnValue::AllOld)
            .send()
            .await;
        match out {
            Ok(out) => Ok(Some(out.attributes.unwrap_or_default())),
            Err(e) if is_condition_failure(&e) => Ok(None),
            Err(e) => Err(DbError::aws(e)),
        }
    }

    /// Counts a hit in a fixed window (`pk`/`sk` name the window); `false` once `limit` hits
    /// were counted there. The counter expires with `ttl`.
    pub async fn count_hit(
        &self,
        pk: &str,
        sk: &str,
        limit: u32,
        ttl: i64,
    ) -> Result<bool, DbError> {
        let out = self
            .client()
            .await
            .update_item()
            .table_name(self.table())
            .key("pk", s(pk))
            .key("sk", s(sk))
            .update_expression("SET #kind = :kind, #ttl = :ttl ADD hits :one")
            .condition_expression("attribute_not_exists(hits) OR hits < :limit")
            .expression_attribute_names("#kind", super::KIND)
            .expression_attribute_names("#ttl", "ttl")
            .expression_attribute_values(":kind", s("rate_counter"))
            .expression_attribute_values(":ttl", AttributeValue::N(ttl.to_string()))
            .expression_attribute_values(":one", AttributeValue::N("1".into()))
            .expression_attribute_values(":limit", AttributeValue::N(limit.to_string()))
            .send()
            .await;
        match out {
            Ok(_) => Ok(true),
            Err(e) if is_condition_failure(&e) => Ok(false),
            Err(e) => Err(DbError::aws(e)),
        }
    }
}

fn is_condition_failure<E, R>(e: &aws_sdk_dynamodb::error::SdkError<E, R>) -> bool
where
    E: aws_sdk_dynamodb::error::ProvideErrorMetadata,
{
    e.as_service_error()
        .and_then(|s| s.code())
        .is_some_and(|c| c == "ConditionalCheckFailedException")
}
