//! Offers API bodies for visits, visit tasks and work sessions: the demand's (outbox), the
//! supplier's (inbox) and the sys_admin's views, and the supplier's requests.

use serde::{Deserialize, Serialize};

use crate::kernel::ids::{EmployeeId, OrgId, ReferralId, ServiceId, TaskId, VisitId};
use crate::kernel::paging::SortOrder;
use crate::kernel::time::{Timestamp, serde_ts};
use crate::marketplace::common::{NonEmpty, NonEmptyList};
use crate::marketplace::visit::{Employee, TaskCompletion, Visit, VisitTask};

mod views;
mod work_sessions;

pub use views::*;
pub use work_sessions::*;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VisitSortBy {
    LastModified,
    #[default]
    StartAt,
}

/// Query of `GET /offers/v1/outbox/visits`.
#[derive(Debug, Default, Deserialize)]
pub struct OutboxVisitQuery {
    pub referral_id: Option<ReferralId>,
    pub service_id: Option<ServiceId>,
    pub service_outbox_id: Option<String>,
    pub page: Option<i64>,
    pub items_per_page: Option<i64>,
    pub sort_by: Option<VisitSortBy>,
    pub sort_order: Option<SortOrder>,
}

/// Query of `GET /offers/v1/inbox/visits`.
#[derive(Debug, Default, Deserialize)]
pub struct InboxVisitQuery {
    pub referral_id: Option<ReferralId>,
    pub service_id: Option<ServiceId>,
    pub page: Option<i64>,
    pub items_per_page: Option<i64>,
    pub sort_by: Option<VisitSortBy>,
    pub sort_order: Option<SortOrder>,
}

/// Query of `GET /offers/v1/sys_admin/visits`.
#[derive(Debug, Default, Deserialize)]
pub struct SysAdminVisitQuery {
    pub id: Option<VisitId>,
    pub inbox_id: Option<String>,
    pub outbox_id: Option<String>,
    pub demand_persona_id: Option<OrgId>,
    pub supply_persona_id: Option<OrgId>,
    pub referral_id: Option<ReferralId>,
    pub service_id: Option<ServiceId>,
    pub service_outbox_id: Option<String>,
    pub page: Option<i64>,
    pub items_per_page: Option<i64>,
    pub sort_by: Option<VisitSortBy>,
    pub sort_order: Option<SortOrder>,
}

impl SysAdminVisitQuery {
    pub fn matches(&self, v: &Visit) -> bool {
        self.id.is_none_or(|id| id == v.id)
            && self
                .inbox_id
                .as_deref()
                .is_none_or(|i| v.inbox_id.as_deref() == Some(i))
            && self
                .outbox_id
                .as_deref()
                .is_none_or(|o| v.outbox_id.as_deref() == Some(o))
            && self.demand_persona_id.is_none_or(|d| d == v.demand_org_id)
            && self.supply_persona_id.is_none_or(|s| s == v.supply_org_id)
            && self.referral_id.is_none_or(|r| r == v.referral_id)
            && self.service_id.is_none_or(|s| s == v.service_id)
            && self
                .service_outbox_id
                .as_deref()
                .is_none_or(|s| s == v.service_outbox_id)
    }
}

/// Query of `GET /offers/v1/outbox/work_sessions`.
#[derive(Debug, Default, Deserialize)]
pub struct WorkSessionQuery {
    pub visit_id: Option<VisitId>,
    pub visit_outbox_id: Option<String>,
}

/// `InboxVisitScheduleRequest`.
#[derive(Debug, Deserialize)]
pub struct ScheduleVisitRequest {
    pub inbox_id: NonEmpty,
    #[serde(with = "serde_ts")]
    pub start_at: Timestamp,
    #[serde(with = "serde_ts")]
    pub end_at: Timestamp,
    #[serde(default)]
    pub service_id: Option<ServiceId>,
    #[serde(default)]
    pub referral_id: Option<ReferralId>,
}

/// `InboxVisitScheduleResponse`.
#[derive(Debug, Serialize)]
pub struct ScheduleVisitResponse {
    pub id: VisitId,
    pub inbox_id: String,
    #[serde(with = "serde_ts")]
    pub start_at: Timestamp,
    #[serde(with = "serde_ts")]
    pub end_at: Timestamp,
    pub service_id: ServiceId,
    pub referral_id: ReferralId,
}

impl From<&Visit> for ScheduleVisitResponse {
    fn from(v: &Visit) -> Self {
        Self {
            id: v.id,
            inbox_id: v.inbox_id.clone().unwrap_or_default(),
            start_at: v.start_at,
            end_at: v.end_at,
            service_id: v.service_id,
            referral_id: v.referral_id,
        }
    }
}

/// `InboxVisitAssignRequest`.
#[derive(Debug, Deserialize)]
pub struct AssignVisitRequest {
    pub employee_id: i64,
    pub first_name: String,
    pub last_name: String,
    #[serde(default)]
    pub ssn: Option<String>,
    #[serde(default)]
    pub date_of_birth: Option<chrono::NaiveDate>,
    #[serde(default)]
    pub data: Option<serde_json::Map<String, serde_json::Value>>,
}

impl AssignVisitRequest {
    /// The employee as recorded: a fresh id, and the SSN only as its masked form.
    pub fn into_employee(self) -> Employee {
        Employee {
            id: EmployeeId::new(),
            inbox_employee_id: self.employee_id,
            first_name: self.first_name,
            last_name: self.last_name,
            ssn_placeholder: crate::marketplace::visit::ssn_placeholder(self.ssn.as_deref()),
            date_of_birth: self.date_of_birth,
            data: self.data.map(serde_json::Value::Object),
        }
    }
}

/// `InboxVisitAdjustTimekeepingRequest`.
#[derive(Debug, Default, Deserialize)]
pub struct AdjustTimekeepingRequest {
    #[serde(default, with = "serde_ts::option")]
    pub verified_start_at: Option<Timestamp>,
    #[serde(default, with = "serde_ts::option")]
    pub verified_end_at: Option<Timestamp>,
}

/// `InboxVisitRescheduleRequest`.
#[derive(Debug, Deserialize)]
pub struct RescheduleVisitRequest {
    #[serde(with = "serde_ts")]
    pub start_at: Timestamp,
    #[serde(with = "serde_ts")]
    pub end_at: Timestamp,
}

/// `InboxVisitRescheduleResponse`.
#[derive(Debug, Serialize)]
pub struct RescheduleVisitResponse {
    pub id: VisitId,
    #[serde(with = "serde_ts")]
    pub start_at: Timestamp,
    #[serde(with = "serde_ts")]
    pub end_at: Timestamp,
}

impl From<&Visit> for RescheduleVisitResponse {
    fn from(v: &Visit) -> Self {
        Self {
            id: v.id,
            start_at: v.start_at,
            end_at: v.end_at,
        }
    }
}

/// `InboxVisitTasksCreationRequest`.
#[derive(Debug, Deserialize)]
pub struct CreateVisitTasksRequest {
    pub inbox_ids: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct CreatedVisitTask {
    pub id: TaskId,
    pub inbox_id: String,
}

/// `InboxVisitTasksCreationResponse`.
#[derive(Debug, Serialize)]
pub struct CreateVisitTasksResponse {
    pub tasks: Vec<CreatedVisitTask>,
}

impl From<&[VisitTask]> for CreateVisitTasksResponse {
    fn from(tasks: &[VisitTask]) -> Self {
        let created = |t: &VisitTask| CreatedVisitTask {
            id: t.id,
            inbox_id: t.inbox_id.clone().unwrap_or_default(),
        };
        Self {
            tasks: tasks.iter().map(created).collect(),
        }
    }
}

/// `InboxVisitTaskCompletionCore`, in and out.
#[serde_with::skip_serializing_none]
#[derive(Debug, Deserialize, Serialize)]
pub struct TaskCompletionItem {
    pub id: TaskId,
    pub is_completed: bool,
    #[serde(default, with = "serde_ts::option")]
    pub completed_at: Option<Timestamp>,
    #[serde(default)]
    pub completion_comment: Option<String>,
}

impl From<&VisitTask> for TaskCompletionItem {
    fn from(t: &VisitTask) -> Self {
        Self {
            id: t.id,
            is_completed: t.is_completed,
            completed_at: t.completed_at,
            completion_comment: t.completion_comment.clone(),
        }
    }
}

/// `InboxVisitTaskCompletionRequest`.
#[derive(Debug, Deserialize)]
pub struct CompleteVisitTasksRequest {
    pub tasks: NonEmptyList<TaskCompletionItem>,
}

impl CompleteVisitTasksRequest {
    pub fn into_completions(self) -> Vec<TaskCompletion> {
        self.tasks
            .into_vec()
            .into_iter()
            .map(|t| TaskCompletion {
                id: t.id,
                is_completed: t.is_completed,
                completed_at: t.completed_at,
                completion_comment: t.completion_comment,
            })
            .collect()
    }
}

/// `InboxVisitTaskCollectionResponse`.
#[derive(Debug, Serialize)]
pub struct VisitTaskCollection {
    pub tasks: Vec<TaskCompletionItem>,
}

impl From<&[VisitTask]> for VisitTaskCollection {
    fn from(tasks: &[VisitTask]) -> Self {
        Self {
            tasks: tasks.iter().map(TaskCompletionItem::from).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::edge::error::ApiError;
    use crate::kernel::ids::WorkSessionId;

    fn end(body: serde_json::Value) -> Result<(SessionRef, VisitRef), ApiError> {
        serde_json::from_value::<EndWorkSessionRequest>(body)
            .unwrap()
            .refs()
    }

    #[test]
    fn ending_a_session_names_one_session_and_one_visit() {
        let at = "2030-01-01T10:00:00Z";
        let v = VisitId::new();
        assert_eq!(
            end(serde_json::json!({"end_at": at, "inbox_id": "ws", "visit_id": v})).unwrap(),
            (SessionRef::InboxId("ws".into()), VisitRef::Id(v))
        );
        for bad in [
            serde_json::json!({"end_at": at, "visit_id": v}),
            serde_json::json!({"end_at": at, "inbox_id": "ws"}),
            serde_json::json!({"end_at": at, "inbox_id": "ws", "work_session_id": WorkSessionId::new(), "visit_id": v}),
            serde_json::json!({"end_at": at, "inbox_id": "ws", "visit_id": v, "visit_inbox_id": "x"}),
        ] {
            assert_eq!(end(bad).unwrap_err().status().as_u16(), 400);
        }
    }

    #[test]
    fn starting_a_session_names_one_visit() {
        let parse = |b: serde_json::Value| {
            serde_json::from_value::<StartWorkSessionRequest>(b)
                .unwrap()
                .visit()
        };
        let at = "2030-01-01T10:00:00Z";
        assert_eq!(
            parse(serde_json::json!({"start_at": at, "inbox_id": "ws", "visit_inbox_id": "v1"}))
                .unwrap(),
            VisitRef::InboxId("v1".into())
        );
        assert!(parse(serde_json::json!({"start_at": at, "inbox_id": "ws"})).is_err());
        assert!(
            serde_json::from_value::<StartWorkSessionRequest>(
                serde_json::json!({"start_at": at, "inbox_id": "ws", "start_latitude": 91.0})
            )
            .is_err(),
            "latitude out of range is refused"
        );
    }
}
