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

use crate::events::{Channel, EventName};
use crate::kernel::ids::{
    EmployeeId, OrgId, ReferralId, ServiceId, TaskId, VisitId, WorkSessionId,
};
use crate::kernel::time::{Timestamp, serde_ts};
use crate::marketplace::common::{NonEmpty, OfferType};

use crate::marketplace::referral::{Referral, ReferralStatus};

mod changes;
mod events;
mod work_session;

pub use events::*;
pub use work_session::*;

/// A referral's visits and their tasks must fit one transaction with the referral, its offer,
/// the chosen match, the two `ReferralCreated` events, its lookup items and its parties' counts
/// (DynamoDB allows 100 actions).
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

#[cfg(test)]
mod tests;
