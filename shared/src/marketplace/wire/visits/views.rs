//! The visit views each side reads: the demand's, the supplier's and the sys_admin's.

use serde::Serialize;

use crate::kernel::ids::{EmployeeId, OrgId, ReferralId, ServiceId, TaskId, VisitId};
use crate::kernel::time::{Timestamp, serde_ts};
use crate::marketplace::visit::{Employee, Visit, VisitStatus, VisitTask};

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
