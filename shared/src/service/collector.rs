//! Event Collector use cases: tenant events, event subscriptions (credentials encrypted with
//! KMS, never returned), notification jobs and their scheduler. Delivering events to the
//! subscribed queues and topics is `super::collector_dispatch`.

use serde::{Deserialize, Serialize};

use crate::api::collector::{
    DeactivateResponse, Destination, Event, EventSubscription, Job, JobUpdate, SnsDestination,
    SqsDestination, check_id,
};
use crate::app::App;
use crate::db::collector::{JobRecord, Origin, SubscriptionRecord, Target, TenantEventRecord};
use crate::db::{Cond, DbError};
use crate::domain::collector::{
    SECRET_MASK, Schedule, catalogue_name, due_run, entity_of, is_masked, mask_access_key,
};
use crate::domain::quota::Quota;
use crate::error::ApiError;
use crate::oauth::TenantId;
use crate::sealed;
use crate::time::{Timestamp, rfc3339};

fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

fn event_of(record: &TenantEventRecord) -> Result<Event, ApiError> {
    serde_json::from_str(&record.body).map_err(ApiError::internal)
}

// ---------------------------------------------------------------------------------------------
// Events
// ---------------------------------------------------------------------------------------------

/// Stores an event once per id. Returns `(true, event)` when it was stored now and
/// `(false, stored)` when an event with that id already existed: posting again is harmless.
pub async fn create_event(
    app: &App,
    tenant: &TenantId,
    mut event: Event,
    now: Timestamp,
) -> Result<(bool, Event), ApiError> {
    event.validate()?;
    let id = event.id.clone().unwrap_or_else(new_id);
    event.id = Some(id.clone());
    let entity = entity_of(event.event_type, event.entity_name.as_deref());
    let operation = event.operation();
    let record = TenantEventRecord {
        tenant: tenant.clone(),
        id: id.clone(),
        event_type: catalogue_name(event.event_type, entity, operation),
        entity_type: entity,
        operation,
        body: serde_json::to_string(&event).map_err(ApiError::internal)?,
        origin: Origin::Api,
        created_at: now,
    };
    if app.db.put_tenant_event(&record).await? {
        return Ok((true, event));
    }
    let stored = app
        .db
        .get_tenant_event(tenant, &id)
        .await?
        .ok_or_else(|| ApiError::internal("an event that exists could not be read"))?;
    Ok((false, event_of(&stored)?))
}

pub async fn get_event(app: &App, tenant: &TenantId, id: &str) -> Result<Event, ApiError> {
    check_id("eventId", id)?;
    match app.db.get_tenant_event(tenant, id).await? {
        Some(record) if record.origin == Origin::Api => event_of(&record),
        _ => Err(ApiError::not_found("Event")),
    }
}

// ---------------------------------------------------------------------------------------------
// Event subscriptions
// ---------------------------------------------------------------------------------------------

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

/// A subscription as the API shows it: credentials masked.
pub fn view(s: &SubscriptionRecord) -> EventSubscription {
    // Only the key's last characters are stored, so that is all the mask can show.
    let access_key = format!("{SECRET_MASK}{}", s.access_key_hint);
    let (sqs, sns) = match &s.target {
        Target::Sqs { queue_url, region } => (
            Some(SqsDestination {
                access_key,
                access_secret: SECRET_MASK.into(),
                queue_url: queue_url.clone(),
                region: region.clone(),
            }),
            None,
        ),
        Target::Sns { topic_arn, region } => (
            None,
            Some(SnsDestination {
                access_key,
                access_secret: SECRET_MASK.into(),
                topic_arn: topic_arn.clone(),
                region: region.clone(),
            }),
        ),
    };
    EventSubscription {
        active: Some(s.active),
        destination: Destination {
            sqs,
            sns,
            kind: s.destination_type.clone(),
        },
        entity_type: s.entity_type,
        id: Some(s.id.clone()),
        subscribe_change: Some(s.subscribe_change),
        subscribe_create: Some(s.subscribe_create),
        subscribe_delete: Some(s.subscribe_delete),
    }
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

pub async fn create_subscription(
    app: &App,
    tenant: &TenantId,
    sub: EventSubscription,
    now: Timestamp,
) -> Result<EventSubscription, ApiError> {
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
    match app.db.put_event_subscription(&record, Cond::New).await {
        Ok(()) => Ok(view(&record)),
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
) -> Result<EventSubscription, ApiError> {
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
    Ok(view(&record))
}

/// "Get all event subscriptions": the seed describes it as finding all *active* ones.
pub async fn list_subscriptions(
    app: &App,
    tenant: &TenantId,
) -> Result<Vec<EventSubscription>, ApiError> {
    Ok(app
        .db
        .list_event_subscriptions(tenant)
        .await?
        .iter()
        .filter(|s| s.active)
        .map(view)
        .collect())
}

pub async fn get_subscription(
    app: &App,
    tenant: &TenantId,
    id: &str,
) -> Result<EventSubscription, ApiError> {
    check_id("id", id)?;
    app.db
        .get_event_subscription(tenant, id)
        .await?
        .map(|s| view(&s))
        .ok_or_else(|| ApiError::not_found("Event subscription"))
}

pub async fn deactivate_subscription(
    app: &App,
    tenant: &TenantId,
    id: &str,
    now: Timestamp,
) -> Result<DeactivateResponse, ApiError> {
    check_id("id", id)?;
    let mut record = app
        .db
        .get_event_subscription(tenant, id)
        .await?
        .ok_or_else(|| ApiError::not_found("Event subscription"))?;
    record.active = false;
    record.updated_at = now;
    app.db.put_event_subscription(&record, Cond::Exists).await?;
    Ok(DeactivateResponse {
        body: Default::default(),
        status_code: "ACCEPTED",
        status_code_value: 0,
    })
}

// ---------------------------------------------------------------------------------------------
// Jobs
// ---------------------------------------------------------------------------------------------

/// The job's schedule: `schedule`, else `scheduleExpression`; every one given must parse.
fn job_schedule(schedule: Option<&str>, expression: Option<&str>) -> Result<Schedule, ApiError> {
    let schedule = schedule
        .map(|s| Schedule::parse("schedule", s))
        .transpose()?;
    let expression = expression
        .map(|s| Schedule::parse("scheduleExpression", s))
        .transpose()?;
    schedule
        .or(expression)
        .ok_or_else(|| ApiError::bad_request("schedule (a cron expression) is required"))
}

fn check_items(n: Option<i64>) -> Result<(), ApiError> {
    match n {
        Some(n) if n < -1 => Err(ApiError::bad_request(
            "number_of_items_in_email must be -1 (the whole wishlist) or more",
        )),
        _ => Ok(()),
    }
}

pub fn job_view(j: &JobRecord) -> Job {
    Job {
        deleted: Some(j.deleted),
        id: Some(j.id.clone()),
        is_active: Some(j.is_active),
        is_scheduled: Some(j.is_scheduled),
        job_parameters: Some(j.job_parameters.clone()),
        notification: j.notification,
        number_of_items_in_email: j.number_of_items_in_email,
        schedule: j.schedule.clone(),
        schedule_expression: j.schedule_expression.clone(),
        template_id: j.template_id.clone(),
        next_run_at: j.next_run_at.filter(|_| j.runnable()),
        last_run_at: j.last_run_at,
    }
}

pub async fn create_job(
    app: &App,
    tenant: &TenantId,
    job: Job,
    now: Timestamp,
) -> Result<Job, ApiError> {
    let id = job.id.clone().unwrap_or_else(new_id);
    check_id("id", &id)?;
    let schedule = job_schedule(job.schedule.as_deref(), job.schedule_expression.as_deref())?;
    let jobs = app.db.list_jobs(tenant).await?;
    let existing = jobs.iter().filter(|j| !j.deleted && j.id != id).count();
    Quota {
        what: "notification jobs",
        per: "tenant",
        max: app.config.max_jobs_per_tenant,
    }
    .admits_one_more(existing)?;
    check_items(job.number_of_items_in_email)?;
    let record = JobRecord {
        tenant: tenant.clone(),
        id: id.clone(),
        deleted: job.deleted.unwrap_or(false),
        is_active: job.is_active.unwrap_or(true),
        is_scheduled: job.is_scheduled.unwrap_or(true),
        job_parameters: job.job_parameters.unwrap_or_default(),
        notification: job.notification,
        number_of_items_in_email: job.number_of_items_in_email,
        schedule: job.schedule,
        schedule_expression: job.schedule_expression,
        template_id: job.template_id,
        next_run_at: schedule.next_after(now),
        last_run_at: None,
        version: 1,
        created_at: now,
        updated_at: now,
    };
    match app.db.put_job(&record, Cond::New).await {
        Ok(()) => Ok(job_view(&record)),
        Err(DbError::ConditionFailed) => Err(ApiError::conflict(format!(
            "A job with id {id} exists; update it with PUT /api/v1/jobs/{id}"
        ))),
        Err(e) => Err(e.into()),
    }
}

async fn existing_job(app: &App, tenant: &TenantId, id: &str) -> Result<JobRecord, ApiError> {
    check_id("jobId", id)?;
    app.db
        .get_job(tenant, id)
        .await?
        .ok_or_else(|| ApiError::not_found("Job"))
}

/// Applies an update; a changed schedule, or a job that becomes runnable, is due next from
/// `now`.
pub fn apply_job_update(
    mut job: JobRecord,
    update: JobUpdate,
    now: Timestamp,
) -> Result<JobRecord, ApiError> {
    if update.id.as_deref().is_some_and(|i| i != job.id) {
        return Err(ApiError::bad_request("Job id cannot be updated"));
    }
    check_items(update.number_of_items_in_email)?;
    let was_runnable = job.runnable();
    let old_cron = job.cron().map(str::to_owned);
    if let Some(v) = update.deleted {
        job.deleted = v;
    }
    if let Some(v) = update.is_active {
        job.is_active = v;
    }
    if let Some(v) = update.is_scheduled {
        job.is_scheduled = v;
    }
    if let Some(params) = update.job_parameters {
        job.job_parameters.extend(params);
    }
    if let Some(v) = update.notification {
        job.notification = v;
    }
    if update.number_of_items_in_email.is_some() {
        job.number_of_items_in_email = update.number_of_items_in_email;
    }
    if update.schedule.is_some() {
        job.schedule = update.schedule;
    }
    if update.schedule_expression.is_some() {
        job.schedule_expression = update.schedule_expression;
    }
    if update.template_id.is_some() {
        job.template_id = update.template_id;
    }
    let schedule = job_schedule(job.schedule.as_deref(), job.schedule_expression.as_deref())?;
    if job.cron().map(str::to_owned) != old_cron
        || (job.runnable() && !was_runnable)
        || job.next_run_at.is_none()
    {
        job.next_run_at = schedule.next_after(now);
    }
    job.version += 1;
    job.updated_at = now;
    Ok(job)
}

pub async fn update_job(
    app: &App,
    tenant: &TenantId,
    id: &str,
    update: JobUpdate,
    now: Timestamp,
) -> Result<Job, ApiError> {
    let job = existing_job(app, tenant, id).await?;
    let read_version = job.version;
    let updated = apply_job_update(job, update, now)?;
    app.db
        .put_job(&updated, Cond::Version(read_version))
        .await?;
    Ok(job_view(&updated))
}

/// Soft delete: "Delete status will be marked as true"; the job stays readable.
pub async fn delete_job(
    app: &App,
    tenant: &TenantId,
    id: &str,
    now: Timestamp,
) -> Result<(), ApiError> {
    let job = existing_job(app, tenant, id).await?;
    if job.deleted {
        return Ok(());
    }
    let read_version = job.version;
    let update = JobUpdate {
        deleted: Some(true),
        ..Default::default()
    };
    let deleted = apply_job_update(job, update, now)?;
    app.db
        .put_job(&deleted, Cond::Version(read_version))
        .await?;
    Ok(())
}

pub async fn get_job(app: &App, tenant: &TenantId, id: &str) -> Result<Job, ApiError> {
    Ok(job_view(&existing_job(app, tenant, id).await?))
}

/// The tenant's jobs that are not deleted.
pub async fn list_jobs(app: &App, tenant: &TenantId) -> Result<Vec<Job>, ApiError> {
    Ok(app
        .db
        .list_jobs(tenant)
        .await?
        .iter()
        .filter(|j| !j.deleted)
        .map(job_view)
        .collect())
}

/// The event a job's run emits onto the platform's stream.
#[serde_with::skip_serializing_none]
#[derive(Debug, Serialize, Deserialize)]
pub struct JobNotification {
    pub id: String,
    pub tenant: String,
    pub job_id: String,
    pub notification: crate::api::collector::NotificationKind,
    pub template_id: Option<String>,
    pub job_parameters: std::collections::BTreeMap<String, serde_json::Value>,
    pub number_of_items_in_email: Option<i64>,
    /// The due time this run is for.
    pub scheduled_for: String,
    pub created_at: String,
}

#[derive(Debug, Default, PartialEq, Eq, Serialize)]
pub struct JobRunReport {
    /// Runs recorded by this invocation.
    pub ran: usize,
    /// Due jobs another invocation had already run (or was running) for the same due time.
    pub already_ran: usize,
    /// Jobs whose stored schedule no longer parses (logged).
    pub invalid: usize,
}

/// Runs every job due at `now` once for its due time. `now` is the scheduled event's time, so
/// a retried or duplicated invocation names the same due times and its runs are refused by the
/// run markers.
pub async fn run_due_jobs(app: &App, now: Timestamp) -> Result<JobRunReport, ApiError> {
    let mut report = JobRunReport::default();
    for job in app.db.due_jobs(now).await? {
        if !job.runnable() {
            continue;
        }
        let Some(next_run_at) = job.next_run_at else {
            continue;
        };
        let schedule = match job_schedule(
            job.schedule.as_deref(),
            job.schedule_expression.as_deref(),
        ) {
            Ok(s) => s,
            Err(e) => {
                tracing::error!(tenant = %job.tenant, job = %job.id, error = %e.message, "stored schedule does not parse");
                report.invalid += 1;
                continue;
            }
        };
        let Some(run) = due_run(&schedule, next_run_at, now) else {
            continue;
        };
        let event_id = format!("job-{}-{}", job.id, run.due.timestamp_millis());
        let notification = JobNotification {
            id: event_id.clone(),
            tenant: job.tenant.to_string(),
            job_id: job.id.clone(),
            notification: job.notification,
            template_id: job.template_id.clone(),
            job_parameters: job.job_parameters.clone(),
            number_of_items_in_email: job.number_of_items_in_email,
            scheduled_for: rfc3339(&run.due),
            created_at: rfc3339(&now),
        };
        let event = TenantEventRecord {
            tenant: job.tenant.clone(),
            id: event_id,
            event_type: job.notification.as_str().to_owned(),
            entity_type: None,
            operation: None,
            body: serde_json::to_string(&notification).map_err(ApiError::internal)?,
            origin: Origin::Job,
            created_at: now,
        };
        let read_version = job.version;
        let mut next = job;
        next.next_run_at = run.next;
        next.last_run_at = Some(run.due);
        next.version += 1;
        next.updated_at = now;
        match app
            .db
            .record_job_run(&next, read_version, run.due, &event)
            .await
        {
            Ok(()) => report.ran += 1,
            Err(DbError::ConditionFailed) => report.already_ran += 1,
            Err(e) => return Err(e.into()),
        }
    }
    Ok(report)
}
