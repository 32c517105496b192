//! Offers API bodies for visits, visit tasks and work sessions: the demand's (outbox), the
//! supplier's (inbox) and the sys_admin's views, and the supplier's requests.

use serde::{Deserialize, Serialize};

use super::common::{Latitude, Longitude, NonEmpty, NonEmptyList};
use crate::domain::visit::{
    Employee, Point, TaskCompletion, Visit, VisitStatus, VisitTask, WorkSession,
};
use crate::error::ApiError;
use crate::ids::{EmployeeId, OrgId, ReferralId, ServiceId, TaskId, VisitId, WorkSessionId};
use crate::paging::SortOrder;
use crate::time::{Timestamp, serde_ts};

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
            ssn_placeholder: crate::domain::visit::ssn_placeholder(self.ssn.as_deref()),
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

/// `VisitCore` fields every view shares.
#[derive(Debug, Serialize)]
pub struct VisitCoreView {
    pub id: VisitId,
    pub referral_id: ReferralId,
    pub service_id: ServiceId,
    pub status: VisitStatus,
    #[serde(with = "serde_ts")]
    pub start_at: Timestamp,
    #[serde(with = "serde_ts")]
    pub end_at: Timestamp,
}

impl From<&Visit> for VisitCoreView {
    fn from(v: &Visit) -> Self {
        Self {
            id: v.id,
            referral_id: v.referral_id,
            service_id: v.service_id,
            status: v.status,
            start_at: v.start_at,
            end_at: v.end_at,
        }
    }
}

/// `verified_start_at` / `verified_end_at` of the detail views.
#[serde_with::skip_serializing_none]
#[derive(Debug, Serialize)]
pub struct Verified {
    #[serde(with = "serde_ts::option")]
    pub verified_start_at: Option<Timestamp>,
    #[serde(with = "serde_ts::option")]
    pub verified_end_at: Option<Timestamp>,
}

impl From<&Visit> for Verified {
    fn from(v: &Visit) -> Self {
        Self {
            verified_start_at: v.verified_start_at,
            verified_end_at: v.verified_end_at,
        }
    }
}

/// `OutboxVisitCore` (`OutboxVisitCollectionResponse`).
#[serde_with::skip_serializing_none]
#[derive(Debug, Serialize)]
pub struct OutboxVisitSummary {
    #[serde(flatten)]
    pub core: VisitCoreView,
    pub visit_outbox_id: Option<String>,
    pub service_outbox_id: String,
}

impl From<&Visit> for OutboxVisitSummary {
    fn from(v: &Visit) -> Self {
        Self {
            core: v.into(),
            visit_outbox_id: v.outbox_id.clone(),
            service_outbox_id: v.service_outbox_id.clone(),
        }
    }
}

/// `InboxVisitCore` (`InboxVisitCollectionResponse`).
#[serde_with::skip_serializing_none]
#[derive(Debug, Serialize)]
pub struct InboxVisitSummary {
    #[serde(flatten)]
    pub core: VisitCoreView,
    pub inbox_id: Option<String>,
}

impl From<&Visit> for InboxVisitSummary {
    fn from(v: &Visit) -> Self {
        Self {
            core: v.into(),
            inbox_id: v.inbox_id.clone(),
        }
    }
}

/// `SysAdminVisitCollectionResponse`.
#[serde_with::skip_serializing_none]
#[derive(Debug, Serialize)]
pub struct SysAdminVisitSummary {
    #[serde(flatten)]
    pub core: VisitCoreView,
    pub outbox_id: Option<String>,
    pub inbox_id: Option<String>,
    pub service_outbox_id: String,
}

impl From<&Visit> for SysAdminVisitSummary {
    fn from(v: &Visit) -> Self {
        Self {
            core: v.into(),
            outbox_id: v.outbox_id.clone(),
            inbox_id: v.inbox_id.clone(),
            service_outbox_id: v.service_outbox_id.clone(),
        }
    }
}

/// A task of the detail views.
#[serde_with::skip_serializing_none]
#[derive(Debug, Serialize)]
pub struct VisitTaskView {
    pub id: TaskId,
    pub outbox_id: String,
    pub is_completed: bool,
    #[serde(with = "serde_ts::option")]
    pub completed_at: Option<Timestamp>,
    pub completion_comment: Option<String>,
}

impl From<&VisitTask> for VisitTaskView {
    fn from(t: &VisitTask) -> Self {
        Self {
            id: t.id,
            outbox_id: t.outbox_id.as_str().to_owned(),
            is_completed: t.is_completed,
            completed_at: t.completed_at,
            completion_comment: t.completion_comment.clone(),
        }
    }
}

/// `supply_employee` of the detail views; the supplier's and sys_admin's views add its own
/// `inbox_employee_id`.
#[serde_with::skip_serializing_none]
#[derive(Debug, Serialize)]
pub struct EmployeeView {
    pub id: EmployeeId,
    pub supply_persona_id: OrgId,
    pub ssn_placeholder: String,
    pub inbox_employee_id: Option<i64>,
    pub first_name: String,
    pub last_name: String,
    pub date_of_birth: Option<chrono::NaiveDate>,
    pub data: Option<serde_json::Value>,
}

impl EmployeeView {
    fn new(v: &Visit, e: &Employee, with_inbox_id: bool) -> Self {
        Self {
            id: e.id,
            supply_persona_id: v.supply_org_id,
            ssn_placeholder: e.ssn_placeholder.clone(),
            inbox_employee_id: with_inbox_id.then_some(e.inbox_employee_id),
            first_name: e.first_name.clone(),
            last_name: e.last_name.clone(),
            date_of_birth: e.date_of_birth,
            data: e.data.clone(),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct SupplyRef {
    pub id: OrgId,
}

/// The `visit` of a detail response: the side's summary and the verified times.
#[derive(Debug, Serialize)]
pub struct VisitDetailCore<S> {
    #[serde(flatten)]
    pub summary: S,
    #[serde(flatten)]
    pub verified: Verified,
}

impl<S: for<'a> From<&'a Visit>> From<&Visit> for VisitDetailCore<S> {
    fn from(v: &Visit) -> Self {
        Self {
            summary: v.into(),
            verified: v.into(),
        }
    }
}

/// `OutboxVisitDetailResponse`.
#[serde_with::skip_serializing_none]
#[derive(Debug, Serialize)]
pub struct OutboxVisitDetail {
    pub visit: VisitDetailCore<OutboxVisitSummary>,
    pub supply: SupplyRef,
    pub supply_employee: Option<EmployeeView>,
    pub tasks: Vec<VisitTaskView>,
}

impl From<&Visit> for OutboxVisitDetail {
    fn from(v: &Visit) -> Self {
        Self {
            visit: v.into(),
            supply: SupplyRef {
                id: v.supply_org_id,
            },
            supply_employee: v.employee.as_ref().map(|e| EmployeeView::new(v, e, false)),
            tasks: v.tasks.iter().map(VisitTaskView::from).collect(),
        }
    }
}

/// `InboxVisitDetailResponse`.
#[serde_with::skip_serializing_none]
#[derive(Debug, Serialize)]
pub struct InboxVisitDetail {
    pub visit: VisitDetailCore<InboxVisitSummary>,
    pub supply_employee: Option<EmployeeView>,
    pub tasks: Vec<VisitTaskView>,
}

impl From<&Visit> for InboxVisitDetail {
    fn from(v: &Visit) -> Self {
        Self {
            visit: v.into(),
            supply_employee: v.employee.as_ref().map(|e| EmployeeView::new(v, e, true)),
            tasks: v.tasks.iter().map(VisitTaskView::from).collect(),
        }
    }
}

/// `SysAdminVisitDetailResponse`.
#[serde_with::skip_serializing_none]
#[derive(Debug, Serialize)]
pub struct SysAdminVisitDetail {
    pub visit: VisitDetailCore<SysAdminVisitSummary>,
    pub supply: SupplyRef,
    pub supply_employee: Option<EmployeeView>,
    pub tasks: Vec<VisitTaskView>,
}

impl From<&Visit> for SysAdminVisitDetail {
    fn from(v: &Visit) -> Self {
        Self {
            visit: v.into(),
            supply: SupplyRef {
                id: v.supply_org_id,
            },
            supply_employee: v.employee.as_ref().map(|e| EmployeeView::new(v, e, true)),
            tasks: v.tasks.iter().map(VisitTaskView::from).collect(),
        }
    }
}

/// Which visit a work-session request names: by id or by the supplier's `inbox_id`.
#[derive(Clone, Debug, PartialEq)]
pub enum VisitRef {
    Id(VisitId),
    InboxId(String),
}

/// The spec's "one of" rule, a 400 when neither or both are given.
fn one_of<A, B>(a: Option<A>, b: Option<B>, names: &str) -> Result<Result<A, B>, ApiError> {
    match (a, b) {
        (Some(a), None) => Ok(Ok(a)),
        (None, Some(b)) => Ok(Err(b)),
        _ => Err(ApiError::bad_request(format!(
            "exactly one of {names} must be given"
        ))),
    }
}

fn visit_ref(id: Option<VisitId>, inbox_id: Option<String>) -> Result<VisitRef, ApiError> {
    let inbox_id = inbox_id.filter(|s| !s.is_empty());
    Ok(match one_of(id, inbox_id, "visit_id or visit_inbox_id")? {
        Ok(id) => VisitRef::Id(id),
        Err(inbox) => VisitRef::InboxId(inbox),
    })
}

/// `InboxWorkSessionStartRequest`.
#[serde_with::skip_serializing_none]
#[derive(Debug, Deserialize, Serialize)]
pub struct StartWorkSessionRequest {
    #[serde(with = "serde_ts")]
    pub start_at: Timestamp,
    #[serde(default)]
    pub start_latitude: Option<Latitude>,
    #[serde(default)]
    pub start_longitude: Option<Longitude>,
    #[serde(default)]
    pub visit_id: Option<VisitId>,
    #[serde(default)]
    pub visit_inbox_id: Option<String>,
    pub inbox_id: NonEmpty,
}

impl StartWorkSessionRequest {
    pub fn visit(&self) -> Result<VisitRef, ApiError> {
        visit_ref(self.visit_id, self.visit_inbox_id.clone())
    }

    pub fn point(&self) -> Point {
        Point {
            latitude: self.start_latitude.map(Latitude::value),
            longitude: self.start_longitude.map(Longitude::value),
        }
    }
}

/// `InboxWorkSessionStartResponse`: the request and the session's id.
#[derive(Debug, Serialize)]
pub struct StartWorkSessionResponse {
    pub id: WorkSessionId,
    #[serde(flatten)]
    pub request: StartWorkSessionRequest,
}

/// Which session an end request names.
#[derive(Clone, Debug, PartialEq)]
pub enum SessionRef {
    Id(WorkSessionId),
    InboxId(String),
}

/// `InboxWorkSessionEndRequest`.
#[derive(Debug, Deserialize)]
pub struct EndWorkSessionRequest {
    #[serde(with = "serde_ts")]
    pub end_at: Timestamp,
    #[serde(default)]
    pub work_session_id: Option<WorkSessionId>,
    #[serde(default)]
    pub end_latitude: Option<Latitude>,
    #[serde(default)]
    pub end_longitude: Option<Longitude>,
    #[serde(default)]
    pub visit_id: Option<VisitId>,
    #[serde(default)]
    pub visit_inbox_id: Option<String>,
    #[serde(default)]
    pub inbox_id: Option<String>,
}

impl EndWorkSessionRequest {
    /// Both of the spec's "one of" rules (a 400 otherwise).
    pub fn refs(&self) -> Result<(SessionRef, VisitRef), ApiError> {
        let session = match one_of(
            self.work_session_id,
            self.inbox_id.clone().filter(|s| !s.is_empty()),
            "work_session_id or inbox_id",
        )? {
            Ok(id) => SessionRef::Id(id),
            Err(inbox) => SessionRef::InboxId(inbox),
        };
        Ok((
            session,
            visit_ref(self.visit_id, self.visit_inbox_id.clone())?,
        ))
    }

    pub fn point(&self) -> Point {
        Point {
            latitude: self.end_latitude.map(Latitude::value),
            longitude: self.end_longitude.map(Longitude::value),
        }
    }
}

/// `OutboxWorkSessionCollectionResponse`.
#[serde_with::skip_serializing_none]
#[derive(Debug, Serialize)]
pub struct WorkSessionView {
    pub id: WorkSessionId,
    pub visit_id: VisitId,
    pub visit_outbox_id: Option<String>,
    #[serde(with = "serde_ts")]
    pub start_at: Timestamp,
    #[serde(with = "serde_ts::option")]
    pub end_at: Option<Timestamp>,
    pub start_latitude: Option<f64>,
    pub start_longitude: Option<f64>,
    pub end_latitude: Option<f64>,
    pub end_longitude: Option<f64>,
}

impl From<&WorkSession> for WorkSessionView {
    fn from(s: &WorkSession) -> Self {
        Self {
            id: s.id,
            visit_id: s.visit_id,
            visit_outbox_id: s.visit_outbox_id.clone(),
            start_at: s.start_at,
            end_at: s.end_at,
            start_latitude: s.start_latitude,
            start_longitude: s.start_longitude,
            end_latitude: s.end_latitude,
            end_longitude: s.end_longitude,
        }
    }
}

/// `OutboxWorkSessionPageResponse` (not paged).
#[derive(Debug, Serialize)]
pub struct WorkSessionList {
    pub items: Vec<WorkSessionView>,
}

#[cfg(test)]
mod tests {
    use super::*;

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
