//! Visits of a referral and the work sessions on them, as pure rules.
//!
//! A visit-type referral carries the demand's visits (with their `outbox_id` and tasks); they
//! become visit records in the transaction that creates the referral ([`visits_for_referral`]).
//! For a service-type referral the supplier schedules visits itself (with its own `inbox_id`).
//! Only the referral's supply organization changes a visit; the demand reads. Every change
//! returns the new visit and the event the demand hears, or a [`VisitRejection`] (409/422).
//!
//! Status machine (see docs/visits.md):
//! `scheduled ⇄ on_hold` (hold / reactivate), `scheduled | on_hold → cancelled` (cancel),
//! `cancelled → scheduled` (reactivate), anything but `deleted` → `deleted` (delete; final).

use serde::{Deserialize, Serialize};

use crate::api::common::{NonEmpty, OfferType};
use crate::events::{Channel, EventName, EventRecord, VisitFacts};
use crate::ids::{
    EmployeeId, EventId, OrgId, ReferralId, ServiceId, TaskId, VisitId, WorkSessionId,
};
use crate::time::{Timestamp, rfc3339, serde_ts};

use super::referral::{Referral, ReferralStatus};

/// A referral's visits and their tasks must fit one transaction with the referral, its offer,
/// the chosen match and the two `ReferralCreated` events (DynamoDB allows 100 actions).
pub const MAX_VISITS_PER_REFERRAL: usize = 50;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VisitStatus {
    Scheduled,
    Deleted,
    Cancelled,
    OnHold,
}

/// Why a visit or work-session change is refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum VisitRejection {
    /// Nothing changes on the visits of a cancelled referral.
    #[error("the referral is cancelled")]
    ReferralCancelled,
    /// `deleted` is final.
    #[error("the visit is deleted")]
    Deleted,
    /// The action is not allowed from the visit's status (e.g. hold an on-hold visit).
    #[error("the visit is {0:?}")]
    WrongStatus(VisitStatus),
    /// Only visits the supplier scheduled itself may be deleted or given supplier tasks.
    #[error("the visit was not scheduled by the supplier")]
    NotSupplierScheduled,
    /// The visits of a visit-type referral come from the demand.
    #[error("the referral is of type visit")]
    VisitTypeReferral,
    #[error("no employee is assigned")]
    NotAssigned,
    /// 422: a window that ends before it starts.
    #[error("{0} must not be before {1}")]
    EndsBeforeStart(&'static str, &'static str),
    /// 422: adjust_timekeeping with neither time.
    #[error("nothing to adjust")]
    NothingToAdjust,
    /// 422: a task id that is not one of the visit's tasks.
    #[error("task {0} is not a task of this visit")]
    UnknownTask(TaskId),
    /// Work sessions: one open at a time per visit.
    #[error("a work session is already open on this visit")]
    SessionOpen,
    #[error("a work session with this inbox_id exists on this visit")]
    DuplicateSession,
    #[error("the work session has already ended")]
    SessionEnded,
    /// 422: more visits than fit the transaction that creates the referral.
    #[error("{0} visits exceed {MAX_VISITS_PER_REFERRAL}")]
    TooManyVisits(usize),
}

impl VisitRejection {
    /// 422 for a request that breaks a rule of its own content; 409 for a state conflict.
    pub fn is_unprocessable(&self) -> bool {
        matches!(
            self,
            VisitRejection::EndsBeforeStart(..)
                | VisitRejection::NothingToAdjust
                | VisitRejection::UnknownTask(_)
                | VisitRejection::TooManyVisits(_)
        )
    }
}

/// The employee a supplier assigned. The SSN itself is never stored: only a masked form.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Employee {
    pub id: EmployeeId,
    pub inbox_employee_id: i64,
    pub first_name: String,
    pub last_name: String,
    pub ssn_placeholder: String,
    pub date_of_birth: Option<chrono::NaiveDate>,
    pub data: Option<serde_json::Value>,
}

/// Masks an SSN to its last four characters (`***-**-1234`); empty when none was given.
pub fn ssn_placeholder(ssn: Option<&str>) -> String {
    match ssn.map(str::trim).filter(|s| !s.is_empty()) {
        None => String::new(),
        Some(s) => {
            let tail: String = s
                .chars()
                .rev()
                .filter(|c| c.is_ascii_alphanumeric())
                .take(4)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            format!("***-**-{tail}")
        }
    }
}

#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VisitTask {
    pub id: TaskId,
    /// The demand's id of the task (from the referral's task).
    pub outbox_id: NonEmpty,
    /// The supplier's id, for tasks it created from referral tasks.
    pub inbox_id: Option<String>,
    pub name: Option<String>,
    pub is_completed: bool,
    #[serde(default, with = "serde_ts::option")]
    pub completed_at: Option<Timestamp>,
    pub completion_comment: Option<String>,
}

/// A visit as stored.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Visit {
    pub id: VisitId,
    pub referral_id: ReferralId,
    pub referral_type: OfferType,
    pub service_id: ServiceId,
    pub service_outbox_id: String,
    pub demand_org_id: OrgId,
    pub supply_org_id: OrgId,
    /// The demand's id: only visits of a visit-type referral have one.
    pub outbox_id: Option<String>,
    /// The supplier's id: only visits the supplier scheduled have one (unique per supplier).
    pub inbox_id: Option<String>,
    pub status: VisitStatus,
    #[serde(with = "serde_ts")]
    pub start_at: Timestamp,
    #[serde(with = "serde_ts")]
    pub end_at: Timestamp,
    #[serde(default, with = "serde_ts::option")]
    pub verified_start_at: Option<Timestamp>,
    #[serde(default, with = "serde_ts::option")]
    pub verified_end_at: Option<Timestamp>,
    pub instructions: Option<String>,
    pub employee: Option<Employee>,
    #[serde(default)]
    pub tasks: Vec<VisitTask>,
    /// The work session currently open on the visit, if any (at most one).
    pub open_work_session_id: Option<WorkSessionId>,
    pub version: u64,
    #[serde(with = "serde_ts")]
    pub created_at: Timestamp,
    #[serde(default, with = "serde_ts::option")]
    pub updated_at: Option<Timestamp>,
}

/// Refuses a referral with more visits than its creating transaction can hold (422). Offers of
/// type visit describe exactly one visit; a directly created referral must be checked with
/// this before its transaction is built.
pub fn check_visit_count(count: usize) -> Result<(), VisitRejection> {
    if count > MAX_VISITS_PER_REFERRAL {
        Err(VisitRejection::TooManyVisits(count))
    } else {
        Ok(())
    }
}

/// The visit records a new referral brings: one per visit of a visit-type referral, with the
/// visit's id, window and tasks as the offer described them; none for a service-type referral
/// (its supplier schedules them). Called by every transaction that creates a referral.
pub fn visits_for_referral(referral: &Referral) -> Vec<Visit> {
    if referral.referral_type != OfferType::Visit {
        return Vec::new();
    }
    referral
        .visits
        .iter()
        .map(|v| Visit {
            id: v.id,
            referral_id: referral.id,
            referral_type: referral.referral_type,
            service_id: referral.service.id,
            service_outbox_id: referral.service.outbox_id.as_str().to_owned(),
            demand_org_id: referral.demand_org_id,
            supply_org_id: referral.supply_org_id,
            outbox_id: Some(v.outbox_id.as_str().to_owned()),
            inbox_id: None,
            status: VisitStatus::Scheduled,
            start_at: v.start_at,
            end_at: v.end_at,
            verified_start_at: None,
            verified_end_at: None,
            instructions: v.instructions.clone(),
            employee: None,
            tasks: v
                .tasks
                .iter()
                .map(|t| VisitTask {
                    id: t.id,
                    outbox_id: t.outbox_id.clone(),
                    inbox_id: None,
                    name: Some(t.name.as_str().to_owned()),
                    is_completed: false,
                    completed_at: None,
                    completion_comment: None,
                })
                .collect(),
            open_work_session_id: None,
            version: 1,
            created_at: referral.created_at,
            updated_at: None,
        })
        .collect()
}

/// A change the supplier makes to one visit.
#[derive(Clone, Debug)]
pub enum VisitAction {
    Assign(Employee),
    Unassign,
    Delete,
    Hold,
    Cancel,
    Reactivate,
    AdjustTimekeeping {
        verified_start_at: Option<Timestamp>,
        verified_end_at: Option<Timestamp>,
    },
    Reschedule {
        start_at: Timestamp,
        end_at: Timestamp,
    },
    CompleteTasks(Vec<TaskCompletion>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct TaskCompletion {
    pub id: TaskId,
    pub is_completed: bool,
    pub completed_at: Option<Timestamp>,
    pub completion_comment: Option<String>,
}

/// An allowed change: the new visit and the event the demand hears.
#[derive(Clone, Debug, PartialEq)]
pub struct VisitChange {
    pub visit: Visit,
    pub channel: Channel,
    pub name: EventName,
}

/// Schedules a supplier visit on a service-type referral.
pub fn schedule(
    referral: &Referral,
    inbox_id: &str,
    start_at: Timestamp,
    end_at: Timestamp,
    now: Timestamp,
) -> Result<VisitChange, VisitRejection> {
    if referral.status == ReferralStatus::Cancelled {
        return Err(VisitRejection::ReferralCancelled);
    }
    if referral.referral_type == OfferType::Visit {
        return Err(VisitRejection::VisitTypeReferral);
    }
    if end_at < start_at {
        return Err(VisitRejection::EndsBeforeStart("end_at", "start_at"));
    }
    Ok(VisitChange {
        visit: Visit {
            id: VisitId::new(),
            referral_id: referral.id,
            referral_type: referral.referral_type,
            service_id: referral.service.id,
            service_outbox_id: referral.service.outbox_id.as_str().to_owned(),
            demand_org_id: referral.demand_org_id,
            supply_org_id: referral.supply_org_id,
            outbox_id: None,
            inbox_id: Some(inbox_id.to_owned()),
            status: VisitStatus::Scheduled,
            start_at,
            end_at,
            verified_start_at: None,
            verified_end_at: None,
            instructions: None,
            employee: None,
            tasks: Vec::new(),
            open_work_session_id: None,
            version: 1,
            created_at: now,
            updated_at: None,
        },
        channel: Channel::OutboxVisits,
        name: EventName::VisitSupplyScheduled,
    })
}

impl Visit {
    fn touched(&self, now: Timestamp) -> Visit {
        let mut v = self.clone();
        v.version += 1;
        v.updated_at = Some(now);
        v
    }

    /// Every change needs a live referral and a visit that is not deleted.
    fn live(&self, referral_status: ReferralStatus) -> Result<(), VisitRejection> {
        if referral_status == ReferralStatus::Cancelled {
            return Err(VisitRejection::ReferralCancelled);
        }
        if self.status == VisitStatus::Deleted {
            return Err(VisitRejection::Deleted);
        }
        Ok(())
    }

    /// Assign, unassign and reschedule plan a visit that will happen: not a cancelled one.
    fn plannable(&self) -> Result<(), VisitRejection> {
        match self.status {
            VisitStatus::Scheduled | VisitStatus::OnHold => Ok(()),
            s => Err(VisitRejection::WrongStatus(s)),
        }
    }

    /// Decides `action` on this visit of a referral in `referral_status`.
    pub fn apply(
        &self,
        referral_status: ReferralStatus,
        action: VisitAction,
        now: Timestamp,
    ) -> Result<VisitChange, VisitRejection> {
        self.live(referral_status)?;
        let mut visit = self.touched(now);
        let (channel, name) = match action {
            VisitAction::Assign(employee) => {
                self.plannable()?;
                visit.employee = Some(employee);
                (Channel::OutboxVisits, EventName::VisitSupplyAssigned)
            }
            VisitAction::Unassign => {
                self.plannable()?;
                if self.employee.is_none() {
                    return Err(VisitRejection::NotAssigned);
                }
                visit.employee = None;
                (Channel::OutboxVisits, EventName::VisitSupplyUnassigned)
            }
            VisitAction::Delete => {
                if self.inbox_id.is_none() {
                    return Err(VisitRejection::NotSupplierScheduled);
                }
                visit.status = VisitStatus::Deleted;
                (Channel::OutboxVisits, EventName::VisitSupplyDeleted)
            }
            VisitAction::Hold => {
                if self.status != VisitStatus::Scheduled {
                    return Err(VisitRejection::WrongStatus(self.status));
                }
                visit.status = VisitStatus::OnHold;
                (Channel::OutboxVisits, EventName::VisitSupplyStatusChanged)
            }
            VisitAction::Cancel => {
                self.plannable()?;
                visit.status = VisitStatus::Cancelled;
                (Channel::OutboxVisits, EventName::VisitSupplyStatusChanged)
            }
            VisitAction::Reactivate => {
                if !matches!(self.status, VisitStatus::OnHold | VisitStatus::Cancelled) {
                    return Err(VisitRejection::WrongStatus(self.status));
                }
                visit.status = VisitStatus::Scheduled;
                (Channel::OutboxVisits, EventName::VisitSupplyStatusChanged)
            }
            VisitAction::AdjustTimekeeping {
                verified_start_at,
                verified_end_at,
            } => {
                if verified_start_at.is_none() && verified_end_at.is_none() {
                    return Err(VisitRejection::NothingToAdjust);
                }
                visit.verified_start_at = verified_start_at.or(self.verified_start_at);
                visit.verified_end_at = verified_end_at.or(self.verified_end_at);
                if let (Some(s), Some(e)) = (visit.verified_start_at, visit.verified_end_at)
                    && e < s
                {
                    return Err(VisitRejection::EndsBeforeStart(
                        "verified_end_at",
                        "verified_start_at",
                    ));
                }
                (
                    Channel::OutboxVisits,
                    EventName::VisitSupplyTimekeepingAdjusted,
                )
            }
            VisitAction::Reschedule { start_at, end_at } => {
                self.plannable()?;
                if end_at < start_at {
                    return Err(VisitRejection::EndsBeforeStart("end_at", "start_at"));
                }
                visit.start_at = start_at;
                visit.end_at = end_at;
                (Channel::OutboxVisits, EventName::VisitSupplyRescheduled)
            }
            VisitAction::CompleteTasks(completions) => {
                for c in completions {
                    let task = visit
                        .tasks
                        .iter_mut()
                        .find(|t| t.id == c.id)
                        .ok_or(VisitRejection::UnknownTask(c.id))?;
                    // A repeated post for a task updates it (the spec's rule).
                    task.is_completed = c.is_completed;
                    task.completed_at = if c.is_completed {
                        c.completed_at.or(Some(now))
                    } else {
                        c.completed_at
                    };
                    task.completion_comment = c.completion_comment;
                }
                (Channel::OutboxVisitTasks, EventName::VisitTasksCompleted)
            }
        };
        Ok(VisitChange {
            visit,
            channel,
            name,
        })
    }

    /// Creates visit tasks on a supplier-scheduled visit from the referral's tasks whose
    /// `inbox_id` is given; unknown inbox ids are ignored (the spec's rule) and a task already
    /// created for an inbox id is returned as it is. `None` when nothing changes. No event: the
    /// published channels have none for task creation.
    pub fn create_tasks(
        &self,
        referral: &Referral,
        inbox_ids: &[String],
        now: Timestamp,
    ) -> Result<(Vec<VisitTask>, Option<Visit>), VisitRejection> {
        self.live(referral.status)?;
        if self.inbox_id.is_none() {
            return Err(VisitRejection::NotSupplierScheduled);
        }
        let mut visit = self.touched(now);
        let mut changed = false;
        let mut answered = Vec::new();
        for inbox_id in inbox_ids {
            if let Some(existing) = visit
                .tasks
                .iter()
                .find(|t| t.inbox_id.as_deref() == Some(inbox_id))
            {
                if !answered.contains(existing) {
                    answered.push(existing.clone());
                }
                continue;
            }
            let Some(source) = referral
                .visits
                .iter()
                .flat_map(|v| v.tasks.iter())
                .find(|t| t.inbox_id.as_deref() == Some(inbox_id))
            else {
                continue;
            };
            let task = VisitTask {
                id: TaskId::new(),
                outbox_id: source.outbox_id.clone(),
                inbox_id: Some(inbox_id.clone()),
                name: Some(source.name.as_str().to_owned()),
                is_completed: false,
                completed_at: None,
                completion_comment: None,
            };
            visit.tasks.push(task.clone());
            answered.push(task);
            changed = true;
        }
        Ok((answered, changed.then_some(visit)))
    }

    pub fn facts(&self) -> VisitFacts {
        VisitFacts {
            visit_id: self.id,
            referral_id: self.referral_id,
            visit_outbox_id: self.outbox_id.clone(),
            start_at: self.start_at,
            end_at: self.end_at,
            service_id: self.service_id,
            service_outbox_id: self.service_outbox_id.clone(),
        }
    }

    /// The event of `change`, for the demand organization.
    pub fn event(change: &VisitChange, now: Timestamp) -> EventRecord {
        let v = &change.visit;
        match change.channel {
            Channel::OutboxVisitTasks => {
                EventRecord::visit_tasks(v.demand_org_id, &v.facts(), &v.tasks, now)
            }
            _ => EventRecord::visit(change.name, v.demand_org_id, &v.facts(), now),
        }
    }
}

/// A work session as stored, in its visit's partition.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WorkSession {
    pub id: WorkSessionId,
    pub visit_id: VisitId,
    pub visit_outbox_id: Option<String>,
    pub visit_inbox_id: Option<String>,
    pub demand_org_id: OrgId,
    pub supply_org_id: OrgId,
    /// The supplier's id of the session (unique per visit).
    pub inbox_id: String,
    #[serde(with = "serde_ts")]
    pub start_at: Timestamp,
    pub start_latitude: Option<f64>,
    pub start_longitude: Option<f64>,
    #[serde(default, with = "serde_ts::option")]
    pub end_at: Option<Timestamp>,
    pub end_latitude: Option<f64>,
    pub end_longitude: Option<f64>,
    pub version: u64,
    #[serde(with = "serde_ts")]
    pub created_at: Timestamp,
}

/// Where a work session starts or ends.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Point {
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
}

/// A started or ended session, the visit that tracks the open one, and the event.
#[derive(Clone, Debug, PartialEq)]
pub struct SessionChange {
    pub visit: Visit,
    pub session: WorkSession,
    pub name: EventName,
}

impl Visit {
    /// Starts a work session: only on a scheduled visit of a live referral, only when no
    /// other session is open on it, with an `inbox_id` new on this visit.
    pub fn start_session(
        &self,
        referral_status: ReferralStatus,
        existing: &[WorkSession],
        inbox_id: &str,
        start_at: Timestamp,
        at: Point,
        now: Timestamp,
    ) -> Result<SessionChange, VisitRejection> {
        self.live(referral_status)?;
        if self.status != VisitStatus::Scheduled {
            return Err(VisitRejection::WrongStatus(self.status));
        }
        if existing.iter().any(|s| s.inbox_id == inbox_id) {
            return Err(VisitRejection::DuplicateSession);
        }
        if self.open_work_session_id.is_some() || existing.iter().any(|s| s.end_at.is_none()) {
            return Err(VisitRejection::SessionOpen);
        }
        let session = WorkSession {
            id: WorkSessionId::new(),
            visit_id: self.id,
            visit_outbox_id: self.outbox_id.clone(),
            visit_inbox_id: self.inbox_id.clone(),
            demand_org_id: self.demand_org_id,
            supply_org_id: self.supply_org_id,
            inbox_id: inbox_id.to_owned(),
            start_at,
            start_latitude: at.latitude,
            start_longitude: at.longitude,
            end_at: None,
            end_latitude: None,
            end_longitude: None,
            version: 1,
            created_at: now,
        };
        // The visit's version guards "one open session"; its last-modified time is about the
        // visit itself, so it is left alone.
        let mut visit = self.clone();
        visit.version += 1;
        visit.open_work_session_id = Some(session.id);
        Ok(SessionChange {
            visit,
            session,
            name: EventName::WorkSessionStarted,
        })
    }

    /// Ends an open work session of this visit: once, not before it started. A session can
    /// be ended whatever has happened to the visit since (a caregiver clocks out regardless).
    pub fn end_session(
        &self,
        session: &WorkSession,
        end_at: Timestamp,
        at: Point,
    ) -> Result<SessionChange, VisitRejection> {
        if session.end_at.is_some() {
            return Err(VisitRejection::SessionEnded);
        }
        if end_at < session.start_at {
            return Err(VisitRejection::EndsBeforeStart("end_at", "start_at"));
        }
        let mut ended = session.clone();
        ended.version += 1;
        ended.end_at = Some(end_at);
        ended.end_latitude = at.latitude;
        ended.end_longitude = at.longitude;
        let mut visit = self.clone();
        visit.version += 1;
        if visit.open_work_session_id == Some(session.id) {
            visit.open_work_session_id = None;
        }
        Ok(SessionChange {
            visit,
            session: ended,
            name: EventName::WorkSessionEnded,
        })
    }
}

// The events this aggregate emits: the builders live beside the aggregate, so `events`
// (the channels, names and record) does not depend on the domain.

/// A task of `OutboxVisitTaskEventPayload`.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VisitTaskRef {
    pub id: crate::ids::TaskId,
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
    pub id: crate::ids::VisitId,
    pub event_id: EventId,
    pub timestamp: String,
    pub visit_id: crate::ids::VisitId,
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
    pub id: crate::ids::WorkSessionId,
    pub event_id: EventId,
    pub timestamp: String,
    pub work_session_id: crate::ids::WorkSessionId,
    pub visit_id: crate::ids::VisitId,
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

#[cfg(test)]
mod tests;
