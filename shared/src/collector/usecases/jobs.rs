//! Notification jobs and their scheduler: each due run emits its notification event once.

use serde::{Deserialize, Serialize};

use crate::collector::rules::{Schedule, due_run};
use crate::collector::store::{JobRecord, Origin, TenantEventRecord};
use crate::collector::usecases::new_id;
use crate::collector::wire::{Job, JobUpdate, check_id};
use crate::edge::error::ApiError;
use crate::identity::oauth::TenantId;
use crate::infra::app::App;
use crate::kernel::quota::Quota;
use crate::kernel::time::{Timestamp, rfc3339};
use crate::store::db::{Cond, DbError};
use crate::store::idempotency::{Once, key_item};

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

/// A new job; the answer is what `respond` makes of it (stored under `once`'s key too).
pub async fn create_job<R: serde::Serialize>(
    app: &App,
    tenant: &TenantId,
    job: Job,
    now: Timestamp,
    once: Option<Once>,
    respond: impl FnOnce(&JobRecord) -> R,
) -> Result<R, ApiError> {
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
    let created = respond(&record);
    let key = key_item(once, &created, now)?;
    match app.db.create_job(&record, key).await {
        Ok(()) => Ok(created),
        // Or the key was written by a concurrent retry, whose answer `keyed::once` gives.
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
) -> Result<JobRecord, ApiError> {
    let job = existing_job(app, tenant, id).await?;
    let read_version = job.version;
    let updated = apply_job_update(job, update, now)?;
    app.db
        .put_job(&updated, Cond::Version(read_version))
        .await?;
    Ok(updated)
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

pub async fn get_job(app: &App, tenant: &TenantId, id: &str) -> Result<JobRecord, ApiError> {
    existing_job(app, tenant, id).await
}

/// The tenant's jobs that are not deleted.
pub async fn list_jobs(app: &App, tenant: &TenantId) -> Result<Vec<JobRecord>, ApiError> {
    Ok(app
        .db
        .list_jobs(tenant)
        .await?
        .into_iter()
        .filter(|j| !j.deleted)
        .collect())
}

/// The event a job's run emits onto the platform's stream.
#[serde_with::skip_serializing_none]
#[derive(Debug, Serialize, Deserialize)]
pub struct JobNotification {
    pub id: String,
    pub tenant: String,
    pub job_id: String,
    pub notification: crate::collector::rules::NotificationKind,
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
