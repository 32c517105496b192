//! Notification subscriptions and their consume-once feeds.

use aws_sdk_dynamodb::types::AttributeValue;
use serde::{Deserialize, Serialize};

use crate::identity::oauth::TenantId;
use crate::kernel::time::{Timestamp, serde_ts};
use crate::notification::rules::Subscription;
use crate::store::{Guard, Increment, Query, SortKey};

use crate::store::db::{Cond, Db, DbError, GSI1, Item, Keys, Tx, created_sk, from_item, to_item};

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
    /// Creates a subscription (new id, so its condition only guards against a collision) and
    /// `also` (the request's idempotency key) in one transaction.
    pub async fn create_subscription(
        &self,
        sub: &Subscription,
        also: Option<(Item, Cond)>,
    ) -> Result<(), DbError> {
        let mut tx = Tx::new();
        tx.put(
            to_item("notification_subscription", &subscription_keys(sub), sub)?,
            Cond::New,
        );
        tx.put_each(also);
        self.transact(tx).await
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
        let pk = format!("NSUB#{id}");
        let pulls = self
            .increment(Increment {
                pk: &pk,
                sk: "NSUB",
                counter: "pulls",
                set: vec![("last_request_date", s(crate::kernel::time::rfc3339(now)))],
                guard: Guard::ItemExists,
            })
            .await?;
        Ok(pulls.map(|n| n.saturating_sub(1)))
    }

    /// Appends a notification to a feed; `false` if it is already there (a re-delivered
    /// stream record lands on the same key).
    pub async fn append_feed(&self, entry: &FeedEntry, ttl: i64) -> Result<bool, DbError> {
        let keys = Keys::new(
            feed_pk(&entry.subscription_id),
            crate::notification::rules::feed_sk(entry.created_millis, &entry.event_id),
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
        limit: usize,
    ) -> Result<Vec<Item>, DbError> {
        let pk = feed_pk(subscription_id);
        self.query(Query {
            sk: SortKey::After(floor),
            limit: Some(limit),
            consistent: true,
            ..Query::partition(None, &pk)
        })
        .await
    }

    /// How many entries above `floor` a feed holds.
    pub async fn feed_count(&self, subscription_id: &str, floor: &str) -> Result<u64, DbError> {
        let pk = feed_pk(subscription_id);
        self.count(Query {
            sk: SortKey::After(floor),
            ..Query::partition(None, &pk)
        })
        .await
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

    /// Counts a hit in a fixed window (`pk`/`sk` name the window); `false` once `limit` hits
    /// were counted there. The counter expires with `ttl`.
    pub async fn count_hit(
        &self,
        pk: &str,
        sk: &str,
        limit: u32,
        ttl: i64,
    ) -> Result<bool, DbError> {
        let counted = self
            .increment(Increment {
                pk,
                sk,
                counter: "hits",
                set: vec![
                    (crate::store::db::KIND, s("rate_counter")),
                    ("ttl", AttributeValue::N(ttl.to_string())),
                ],
                guard: Guard::Below(u64::from(limit)),
            })
            .await?;
        Ok(counted.is_some())
    }
}
