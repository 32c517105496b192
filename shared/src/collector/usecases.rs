//! Event Collector use cases: tenant events, event subscriptions (credentials encrypted with
//! KMS, never returned), notification jobs and their scheduler. Delivering events to the
//! subscribed queues and topics is `super::collector_dispatch`.

use crate::collector::rules::{catalogue_name, entity_of};
use crate::collector::store::{Origin, TenantEventRecord};
use crate::collector::wire::{Event, check_id};
use crate::edge::error::ApiError;
use crate::identity::oauth::TenantId;
use crate::infra::app::App;
use crate::kernel::time::Timestamp;

mod jobs;
mod subscriptions;

pub use jobs::*;
pub use subscriptions::*;

fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

// ---------------------------------------------------------------------------------------------
// Events
// ---------------------------------------------------------------------------------------------

/// Stores an event once per id, giving `event` its id when it has none. `None` when it was
/// stored now (`event` is what was stored), or the event stored earlier under that id:
/// posting again is harmless.
pub async fn create_event(
    app: &App,
    tenant: &TenantId,
    event: &mut Event,
    now: Timestamp,
) -> Result<Option<TenantEventRecord>, ApiError> {
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
        body: serde_json::to_string(event).map_err(ApiError::internal)?,
        origin: Origin::Api,
        created_at: now,
    };
    if app.db.put_tenant_event(&record).await? {
        return Ok(None);
    }
    let stored = app
        .db
        .get_tenant_event(tenant, &id)
        .await?
        .ok_or_else(|| ApiError::internal("an event that exists could not be read"))?;
    Ok(Some(stored))
}

pub async fn get_event(
    app: &App,
    tenant: &TenantId,
    id: &str,
) -> Result<TenantEventRecord, ApiError> {
    check_id("eventId", id)?;
    match app.db.get_tenant_event(tenant, id).await? {
        Some(record) if record.origin == Origin::Api => Ok(record),
        _ => Err(ApiError::not_found("Event")),
    }
}

// ---------------------------------------------------------------------------------------------
// Jobs
// ---------------------------------------------------------------------------------------------
