//! The visit and work-session events the demand hears, as published.

use serde::{Deserialize, Serialize};

use crate::events::{Channel, EventName, EventRecord, VisitFacts};
use crate::kernel::ids::{EventId, OrgId};
use crate::kernel::time::{Timestamp, rfc3339};

use crate::marketplace::visit::VisitTask;
use crate::marketplace::visit::WorkSession;

/// A task of `OutboxVisitTaskEventPayload`.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VisitTaskRef {
    pub id: crate::kernel::ids::TaskId,
    pub outbox_id: String,
    pub is_completed: bool,
    pub completed_at: Option<String>,
    pub completion_comment: Option<String>,
}

/// `OutboxVisitTaskEventPayload`.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VisitTaskEventPayload {
    pub event_source: String,
    pub event_name: EventName,
    /// Deprecated by the spec but still required: the visit id.
    pub id: crate::kernel::ids::VisitId,
    pub event_id: EventId,
    pub timestamp: String,
    pub visit_id: crate::kernel::ids::VisitId,
    pub visit_outbox_id: Option<String>,
    pub tasks: Vec<VisitTaskRef>,
}

/// `OutboxWorkSessionEventPayload`.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WorkSessionEventPayload {
    pub event_source: String,
    pub event_name: EventName,
    /// Deprecated by the spec but still required: the work session id.
    pub id: crate::kernel::ids::WorkSessionId,
    pub event_id: EventId,
    pub timestamp: String,
    pub work_session_id: crate::kernel::ids::WorkSessionId,
    pub visit_id: crate::kernel::ids::VisitId,
    pub visit_outbox_id: Option<String>,
    pub start_at: String,
    pub start_latitude: Option<f64>,
    pub start_longitude: Option<f64>,
    pub end_at: Option<String>,
    pub end_latitude: Option<f64>,
    pub end_longitude: Option<f64>,
}

impl EventRecord {
    /// `VisitTasksCompleted` (channel `outbox-visit-tasks`) with the visit's tasks as they now
    /// are, for the demand organization.
    pub fn visit_tasks(
        demand: OrgId,
        facts: &VisitFacts,
        tasks: &[VisitTask],
        now: Timestamp,
    ) -> Self {
        let event_id = EventId::new();
        let name = EventName::VisitTasksCompleted;
        let payload = VisitTaskEventPayload {
            event_source: "alayamarket.visit_tasks".into(),
            event_name: name,
            id: facts.visit_id,
            event_id,
            timestamp: rfc3339(&now),
            visit_id: facts.visit_id,
            visit_outbox_id: facts.visit_outbox_id.clone(),
            tasks: tasks
                .iter()
                .map(|t| VisitTaskRef {
                    id: t.id,
                    outbox_id: t.outbox_id.as_str().to_owned(),
                    is_completed: t.is_completed,
                    completed_at: t.completed_at.as_ref().map(rfc3339),
                    completion_comment: t.completion_comment.clone(),
                })
                .collect(),
        };
        Self::new(
            event_id,
            Channel::OutboxVisitTasks,
            name,
            vec![demand],
            &payload,
            now,
        )
    }

    /// `WorkSessionStarted` / `WorkSessionEnded` (channel `outbox-work-sessions`) for the
    /// demand organization; the end fields only once the session has ended.
    pub fn work_session(name: EventName, session: &WorkSession, now: Timestamp) -> Self {
        let event_id = EventId::new();
        let payload = WorkSessionEventPayload {
            event_source: "alayamarket.work_sessions".into(),
            event_name: name,
            id: session.id,
            event_id,
            timestamp: rfc3339(&now),
            work_session_id: session.id,
            visit_id: session.visit_id,
            // The published schema declares this field a uuid; a demand id that is not one is
            // left out (the field is optional) rather than sending an invalid message.
            visit_outbox_id: session
                .visit_outbox_id
                .clone()
                .filter(|id| uuid::Uuid::parse_str(id).is_ok()),
            start_at: rfc3339(&session.start_at),
            start_latitude: session.start_latitude,
            start_longitude: session.start_longitude,
            end_at: session.end_at.as_ref().map(rfc3339),
            end_latitude: session.end_latitude,
            end_longitude: session.end_longitude,
        };
        Self::new(
            event_id,
            Channel::OutboxWorkSessions,
            name,
            vec![session.demand_org_id],
            &payload,
            now,
        )
    }
}
