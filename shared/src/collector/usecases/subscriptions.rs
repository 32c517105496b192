//! Event subscriptions: a tenant's destinations (SQS queues, SNS topics), their credentials
//! sealed with KMS and never returned, and the quota of active ones.

use serde::{Deserialize, Serialize};

use crate::collector::rules::{SECRET_MASK, is_masked, mask_access_key};
use crate::collector::store::{SubscriptionRecord, Target};
use crate::collector::usecases::new_id;
use crate::collector::wire::{Destination, EventSubscription, check_id};
use crate::edge::error::ApiError;
use crate::identity::oauth::TenantId;
use crate::infra::app::App;
use crate::infra::sealed;
use crate::kernel::quota::Quota;
use crate::kernel::time::Timestamp;
use crate::store::db::{Cond, DbError};
use crate::store::idempotency::{Once, key_item};

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Credentials {
    pub(crate) access_key: String,
    pub(crate) access_secret: String,
}

/// A destination as given: its target and the credentials it came with.
fn destination_parts(d: &Destination) -> Result<(Target, Credentials), ApiError> {
    let required = |field: &str, v: &str| {
        if v.trim().is_empty() {
            Err(ApiError::bad_request(format!(
                "destination.{field} is required"
            )))
        } else {
            Ok(v.trim().to_owned())
        }
    };
    match (&d.sqs, &d.sns) {
        (Some(q), None) => Ok((
            Target::Sqs {
                queue_url: required("sqs.queueUrl", &q.queue_url)?,
                region: required("sqs.region", &q.region)?,
            },
            Credentials {
                access_key: required("sqs.accessKey", &q.access_key)?,
                access_secret: required("sqs.accessSecret", &q.access_secret)?,
            },
        )),
        (None, Some(t)) => Ok((
            Target::Sns {
                topic_arn: required("sns.topicArn", &t.topic_arn)?,
                region: required("sns.region", &t.region)?,
            },
            Credentials {
                access_key: required("sns.accessKey", &t.access_key)?,
                access_secret: required("sns.accessSecret", &t.access_secret)?,
            },
        )),
        _ => Err(ApiError::bad_request(
            "destination needs exactly one of sqs or sns",
        )),
    }
}

/// The encryption context that binds credentials to their tenant and subscription.
fn context<'a>(tenant: &'a TenantId, id: &'a str) -> [(&'static str, &'a str); 2] {
    [("tenant", tenant.as_str()), ("subscription", id)]
}

async fn encrypt(
    app: &App,
    tenant: &TenantId,
    id: &str,
    creds: &Credentials,
) -> Result<String, ApiError> {
    let plain = serde_json::to_vec(creds).map_err(ApiError::internal)?;
    sealed::seal(
        &app.aws,
        &app.config.credentials_key_id,
        &context(tenant, id),
        plain,
    )
    .await
    .map_err(ApiError::internal)
}

pub(crate) async fn decrypt(app: &App, sub: &SubscriptionRecord) -> Result<Credentials, String> {
    let plain = sealed::unseal(&app.aws, &sub.credentials, &context(&sub.tenant, &sub.id))
        .await
        .map_err(|e| e.to_string())?;
    serde_json::from_slice(&plain).map_err(|e| format!("stored credentials: {e}"))
}

/// What is kept of an access key in clear: its masked form's visible tail.
fn hint(access_key: &str) -> String {
    mask_access_key(access_key)
        .trim_start_matches(SECRET_MASK)
        .to_owned()
}

/// Active event subscriptions are capped per tenant (a deactivated one does not count, and
/// counts again when reactivated). `except` is the subscription being reactivated.
async fn active_subscriptions_quota(
    app: &App,
    tenant: &TenantId,
    except: Option<&str>,
) -> Result<(), ApiError> {
    let subs = app.db.list_event_subscriptions(tenant).await?;
    let active = subs
        .iter()
        .filter(|s| s.active && Some(s.id.as_str()) != except)
        .count();
    Quota {
        what: "active event subscriptions",
        per: "tenant",
        max: app.config.max_event_subscriptions_per_tenant,
    }
    .admits_one_more(active)?;
    Ok(())
}

/// A new subscription; the answer is what `respond` makes of it (stored under `once`'s key
/// too).
pub async fn create_subscription<R: serde::Serialize>(
    app: &App,
    tenant: &TenantId,
    sub: EventSubscription,
    now: Timestamp,
    once: Option<Once>,
    respond: impl FnOnce(&SubscriptionRecord) -> R,
) -> Result<R, ApiError> {
    let id = sub.id.clone().unwrap_or_else(new_id);
    check_id("id", &id)?;
    let (target, creds) = destination_parts(&sub.destination)?;
    if sub.active.unwrap_or(true) {
        active_subscriptions_quota(app, tenant, None).await?;
    }
    if is_masked(&creds.access_key) || is_masked(&creds.access_secret) {
        return Err(ApiError::bad_request(
            "destination credentials are required (masked values are only accepted on update)",
        ));
    }
    let record = SubscriptionRecord {
        tenant: tenant.clone(),
        id: id.clone(),
        active: sub.active.unwrap_or(true),
        entity_type: sub.entity_type,
        subscribe_create: sub.subscribe_create.unwrap_or(false),
        subscribe_change: sub.subscribe_change.unwrap_or(false),
        subscribe_delete: sub.subscribe_delete.unwrap_or(false),
        destination_type: sub.destination.kind.clone(),
        target,
        access_key_hint: hint(&creds.access_key),
        credentials: encrypt(app, tenant, &id, &creds).await?,
        created_at: now,
        updated_at: now,
    };
    let created = respond(&record);
    let key = key_item(once, &created, now)?;
    match app.db.create_event_subscription(&record, key).await {
        Ok(()) => Ok(created),
        // Or the key was written by a concurrent retry, whose answer `keyed::once` gives.
        Err(DbError::ConditionFailed) => Err(ApiError::conflict(format!(
            "An event subscription with id {id} exists; update it with PUT"
        ))),
        Err(e) => Err(e.into()),
    }
}

/// `PUT /api/v1/event-subscription`: the body names the subscription by `id`. Masked
/// credentials (as GET shows them) keep the stored ones, so a client can send back what it read.
pub async fn update_subscription(
    app: &App,
    tenant: &TenantId,
    sub: EventSubscription,
    now: Timestamp,
) -> Result<SubscriptionRecord, ApiError> {
    let id = sub
        .id
        .clone()
        .ok_or_else(|| ApiError::bad_request("id is required"))?;
    check_id("id", &id)?;
    let mut record = app
        .db
        .get_event_subscription(tenant, &id)
        .await?
        .ok_or_else(|| ApiError::not_found("Event subscription"))?;
    let (target, creds) = destination_parts(&sub.destination)?;
    match (
        is_masked(&creds.access_key),
        is_masked(&creds.access_secret),
    ) {
        (true, true) => {}
        (false, false) => {
            record.access_key_hint = hint(&creds.access_key);
            record.credentials = encrypt(app, tenant, &id, &creds).await?;
        }
        _ => {
            return Err(ApiError::bad_request(
                "Send both credentials, or both as shown (masked) to keep them",
            ));
        }
    }
    record.target = target;
    record.destination_type = sub.destination.kind.clone();
    record.entity_type = sub.entity_type;
    if let Some(v) = sub.active {
        if v && !record.active {
            active_subscriptions_quota(app, tenant, Some(&record.id)).await?;
        }
        record.active = v;
    }
    if let Some(v) = sub.subscribe_create {
        record.subscribe_create = v;
    }
    if let Some(v) = sub.subscribe_change {
        record.subscribe_change = v;
    }
    if let Some(v) = sub.subscribe_delete {
        record.subscribe_delete = v;
    }
    record.updated_at = now;
    app.db.put_event_subscription(&record, Cond::Exists).await?;
    Ok(record)
}

/// "Get all event subscriptions": the seed describes it as finding all *active* ones.
pub async fn list_subscriptions(
    app: &App,
    tenant: &TenantId,
) -> Result<Vec<SubscriptionRecord>, ApiError> {
    Ok(app
        .db
        .list_event_subscriptions(tenant)
        .await?
        .into_iter()
        .filter(|s| s.active)
        .collect())
}

pub async fn get_subscription(
    app: &App,
    tenant: &TenantId,
    id: &str,
) -> Result<SubscriptionRecord, ApiError> {
    check_id("id", id)?;
    app.db
        .get_event_subscription(tenant, id)
        .await?
        .ok_or_else(|| ApiError::not_found("Event subscription"))
}

pub async fn deactivate_subscription(
    app: &App,
    tenant: &TenantId,
    id: &str,
    now: Timestamp,
) -> Result<(), ApiError> {
    check_id("id", id)?;
    let mut record = app
        .db
        .get_event_subscription(tenant, id)
        .await?
        .ok_or_else(|| ApiError::not_found("Event subscription"))?;
    record.active = false;
    record.updated_at = now;
    app.db.put_event_subscription(&record, Cond::Exists).await?;
    Ok(())
}
