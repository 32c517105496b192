//! Event Collector storage: tenant events (each one is both state and stream event), event
//! subscriptions, notification jobs with their due-time index, and job-run markers.

use std::collections::BTreeMap;

use aws_sdk_dynamodb::types::AttributeValue;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::collector::rules::NotificationKind;
use crate::collector::rules::{EntityType, Interest, Operation};
use crate::identity::oauth::TenantId;
use crate::kernel::time::{Timestamp, rfc3339, serde_ts};

use crate::store::db::{Cond, Db, DbError, GSI1, Item, Keys, Tx, from_item, to_item};

/// Kind of the tenant event items the dispatcher (and the notification feeds) read.
pub const TENANT_EVENT: &str = "tenant_event";

/// How many partitions the due-job index is spread over, so that no one index partition
/// takes every job's writes.
pub const DUE_SHARDS: u32 = 16;

/// Run markers are only needed while a duplicate scheduler invocation could still arrive.
const RUN_MARKER_TTL_SECONDS: i64 = 2 * 24 * 3600;

/// Where an event came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// `POST /api/v1/events`.
    Api,
    /// A notification job's scheduled run.
    Job,
}

/// A tenant's event as stored. The item is its own outbox entry: its INSERT on the stream is
/// what the dispatcher delivers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TenantEventRecord {
    pub tenant: TenantId,
    pub id: String,
    /// The name in the platform's event-type catalogue (`CUSTOMER.CREATE`, `REMINDER`, …).
    pub event_type: String,
    pub entity_type: Option<EntityType>,
    pub operation: Option<Operation>,
    /// The event's JSON: the posted body, or a job's notification.
    pub body: String,
    pub origin: Origin,
    #[serde(with = "serde_ts")]
    pub created_at: Timestamp,
}

/// Where a subscription delivers, without its credentials.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "service", rename_all = "snake_case")]
pub enum Target {
    Sqs { queue_url: String, region: String },
    Sns { topic_arn: String, region: String },
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SubscriptionRecord {
    pub tenant: TenantId,
    pub id: String,
    pub active: bool,
    pub entity_type: EntityType,
    pub subscribe_create: bool,
    pub subscribe_change: bool,
    pub subscribe_delete: bool,
    /// `destination.type` as the client gave it.
    pub destination_type: Option<String>,
    pub target: Target,
    /// The last characters of the access key, for the masked view.
    pub access_key_hint: String,
    /// `{accessKey, accessSecret}` encrypted under the credentials KMS key (base64).
    pub credentials: String,
    #[serde(with = "serde_ts")]
    pub created_at: Timestamp,
    #[serde(with = "serde_ts")]
    pub updated_at: Timestamp,
}

impl SubscriptionRecord {
    pub fn interest(&self) -> Interest {
        Interest {
            active: self.active,
            entity_type: self.entity_type,
            subscribe_create: self.subscribe_create,
            subscribe_change: self.subscribe_change,
            subscribe_delete: self.subscribe_delete,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct JobRecord {
    pub tenant: TenantId,
    pub id: String,
    pub deleted: bool,
    pub is_active: bool,
    pub is_scheduled: bool,
    pub job_parameters: BTreeMap<String, Value>,
    pub notification: NotificationKind,
    pub number_of_items_in_email: Option<i64>,
    pub schedule: Option<String>,
    pub schedule_expression: Option<String>,
    pub template_id: Option<String>,
    #[serde(default, with = "serde_ts::option")]
    pub next_run_at: Option<Timestamp>,
    #[serde(default, with = "serde_ts::option")]
    pub last_run_at: Option<Timestamp>,
    pub version: u64,
    #[serde(with = "serde_ts")]
    pub created_at: Timestamp,
    #[serde(with = "serde_ts")]
    pub updated_at: Timestamp,
}

impl JobRecord {
    /// Whether the scheduler should consider the job at all.
    pub fn runnable(&self) -> bool {
        !self.deleted && self.is_active && self.is_scheduled
    }

    /// The cron expression that drives the job: `schedule`, else `scheduleExpression`.
    pub fn cron(&self) -> Option<&str> {
        self.schedule
            .as_deref()
            .or(self.schedule_expression.as_deref())
    }
}

pub fn tenant_event_keys(tenant: &TenantId, id: &str) -> Keys {
    Keys::new(format!("TEVT#{tenant}#{id}"), "TEVT")
}

fn tenant_pk(tenant: &TenantId) -> String {
    format!("TENANT#{tenant}")
}

pub fn subscription_keys(tenant: &TenantId, id: &str) -> Keys {
    Keys::new(tenant_pk(tenant), format!("SUB#{id}"))
}

fn due_shard(tenant: &TenantId, id: &str) -> u32 {
    // FNV-1a: stable across processes and releases, unlike the std hasher.
    let mut h: u32 = 0x811c_9dc5;
    for b in tenant.as_str().bytes().chain([b'#']).chain(id.bytes()) {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    h % DUE_SHARDS
}

/// A job's keys; a runnable job with a due time is also in the due index.
pub fn job_keys(job: &JobRecord) -> Keys {
    let keys = Keys::new(tenant_pk(&job.tenant), format!("JOB#{}", job.id));
    match (job.runnable(), job.next_run_at) {
        (true, Some(next)) => keys.gsi1(
            format!("JOBDUE#{}", due_shard(&job.tenant, &job.id)),
            format!("{}#{}#{}", rfc3339(&next), job.tenant, job.id),
        ),
        _ => keys,
    }
}

impl Db {
    /// A tenant event's item. It expires as the platform's event items do
    /// (`EVENT_TTL_SECONDS`, docs/scaling.md §10): the stream has long dispatched it, and a
    /// parked delivery can be replayed from it until then; an event id is a duplicate as long
    /// as its item lives.
    fn tenant_event_item(&self, record: &TenantEventRecord) -> Result<Item, DbError> {
        let keys = tenant_event_keys(&record.tenant, &record.id);
        let mut item = to_item(TENANT_EVENT, &keys, record)?;
        let ttl = record.created_at.timestamp() + self.event_ttl_seconds;
        item.insert("ttl".into(), AttributeValue::N(ttl.to_string()));
        Ok(item)
    }

    /// Stores a tenant event unless one with its id exists; `Ok(false)` means it existed.
    pub async fn put_tenant_event(&self, record: &TenantEventRecord) -> Result<bool, DbError> {
        match self.put(self.tenant_event_item(record)?, Cond::New).await {
            Ok(()) => Ok(true),
            Err(DbError::ConditionFailed) => Ok(false),
            Err(e) => Err(e),
        }
    }

    pub async fn get_tenant_event(
        &self,
        tenant: &TenantId,
        id: &str,
    ) -> Result<Option<TenantEventRecord>, DbError> {
        let k = tenant_event_keys(tenant, id);
        self.get(&k.pk, &k.sk).await
    }

    pub async fn put_event_subscription(
        &self,
        record: &SubscriptionRecord,
        cond: Cond,
    ) -> Result<(), DbError> {
        self.put(subscription_item(record)?, cond).await
    }

    /// A new subscription (its id unused in the tenant) with `also` (the request's idempotency
    /// key), all or nothing. `ConditionFailed`: the id is taken, or a concurrent request wrote
    /// the key first.
    pub async fn create_event_subscription(
        &self,
        record: &SubscriptionRecord,
        also: Option<(Item, Cond)>,
    ) -> Result<(), DbError> {
        let mut tx = Tx::new();
        tx.put(subscription_item(record)?, Cond::New).put_each(also);
        self.transact(tx).await
    }

    pub async fn get_event_subscription(
        &self,
        tenant: &TenantId,
        id: &str,
    ) -> Result<Option<SubscriptionRecord>, DbError> {
        let k = subscription_keys(tenant, id);
        self.get(&k.pk, &k.sk).await
    }

    /// Every subscription of a tenant, oldest first.
    pub async fn list_event_subscriptions(
        &self,
        tenant: &TenantId,
    ) -> Result<Vec<SubscriptionRecord>, DbError> {
        let mut subs: Vec<SubscriptionRecord> = self
            .query_all(None, &tenant_pk(tenant), Some("SUB#"), true)
            .await?
            .into_iter()
            .map(from_item)
            .collect::<Result<_, _>>()?;
        subs.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
        Ok(subs)
    }

    /// Replaces a job at the version it was read at.
    pub async fn put_job(&self, job: &JobRecord, cond: Cond) -> Result<(), DbError> {
        self.put(to_item("job", &job_keys(job), job)?, cond).await
    }

    /// A new job (its id unused in the tenant) with `also` (the request's idempotency key),
    /// all or nothing. `ConditionFailed`: the id is taken, or a concurrent request wrote the
    /// key first.
    pub async fn create_job(
        &self,
        job: &JobRecord,
        also: Option<(Item, Cond)>,
    ) -> Result<(), DbError> {
        let mut tx = Tx::new();
        tx.put(to_item("job", &job_keys(job), job)?, Cond::New)
            .put_each(also);
        self.transact(tx).await
    }

    pub async fn get_job(&self, tenant: &TenantId, id: &str) -> Result<Option<JobRecord>, DbError> {
        self.get(&tenant_pk(tenant), &format!("JOB#{id}")).await
    }

    pub async fn list_jobs(&self, tenant: &TenantId) -> Result<Vec<JobRecord>, DbError> {
        self.query_all(None, &tenant_pk(tenant), Some("JOB#"), true)
            .await?
            .into_iter()
            .map(from_item)
            .collect()
    }

    /// Runnable jobs due at or before `now`, from every shard of the due index.
    pub async fn due_jobs(&self, now: Timestamp) -> Result<Vec<JobRecord>, DbError> {
        self.due_in_shards(GSI1, "JOBDUE#", DUE_SHARDS, &now, None)
            .await?
            .into_iter()
            .map(from_item)
            .collect()
    }

    /// Records one run of a job for its due time, in one transaction: the job moves on to its
    /// next due time (only from the version that was read), a marker claims the due time, and
    /// the notification event is stored. A concurrent or repeated run fails the conditions and
    /// changes nothing: `ConditionFailed`.
    pub async fn record_job_run(
        &self,
        job: &JobRecord,
        read_version: u64,
        due: Timestamp,
        event: &TenantEventRecord,
    ) -> Result<(), DbError> {
        let mut tx = Tx::new();
        tx.put(
            to_item("job", &job_keys(job), job)?,
            Cond::Version(read_version),
        );
        let mut marker = to_item(
            "job_run",
            &Keys::new(
                tenant_pk(&job.tenant),
                format!("JOBRUN#{}#{}", job.id, rfc3339(&due)),
            ),
            &serde_json::json!({"job_id": job.id, "due": rfc3339(&due), "event_id": event.id}),
        )?;
        marker.insert(
            "ttl".into(),
            AttributeValue::N((due.timestamp() + RUN_MARKER_TTL_SECONDS).to_string()),
        );
        tx.put(marker, Cond::New);
        tx.put(self.tenant_event_item(event)?, Cond::New);
        self.transact(tx).await
    }
}

fn subscription_item(record: &SubscriptionRecord) -> Result<Item, DbError> {
    to_item(
        "event_subscription",
        &subscription_keys(&record.tenant, &record.id),
        record,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(next: Option<Timestamp>) -> JobRecord {
        let now = crate::kernel::time::now();
        JobRecord {
            tenant: "shop".parse().unwrap(),
            id: "j1".into(),
            deleted: false,
            is_active: true,
            is_scheduled: true,
            job_parameters: BTreeMap::new(),
            notification: NotificationKind::Reminder,
            number_of_items_in_email: None,
            schedule: Some("* * * * *".into()),
            schedule_expression: None,
            template_id: None,
            next_run_at: next,
            last_run_at: None,
            version: 1,
            created_at: now,
            updated_at: now,
        }
    }

    #[test]
    fn only_runnable_jobs_with_a_due_time_are_in_the_due_index() {
        let now = crate::kernel::time::now();
        let keys = job_keys(&job(Some(now)));
        let (pk, sk) = keys.gsi1.unwrap();
        assert!(pk.starts_with("JOBDUE#"));
        assert!(sk.starts_with(&rfc3339(&now)));
        assert!(job_keys(&job(None)).gsi1.is_none());
        let deleted = JobRecord {
            deleted: true,
            ..job(Some(now))
        };
        assert!(job_keys(&deleted).gsi1.is_none());
        let paused = JobRecord {
            is_active: false,
            ..job(Some(now))
        };
        assert!(job_keys(&paused).gsi1.is_none());
    }

    #[test]
    fn due_shards_are_stable_and_spread() {
        let t: TenantId = "shop".parse().unwrap();
        assert_eq!(due_shard(&t, "j1"), due_shard(&t, "j1"));
        let used: std::collections::HashSet<u32> = (0..200)
            .map(|i| due_shard(&t, &format!("job-{i}")))
            .collect();
        assert_eq!(used.len(), DUE_SHARDS as usize);
    }
}
