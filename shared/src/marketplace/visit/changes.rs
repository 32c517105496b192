//! What the supplier does to a visit: each change is the new visit and the event the demand
//! hears, or a [`VisitRejection`].

use crate::events::{Channel, EventName, EventRecord, VisitFacts};
use crate::kernel::ids::TaskId;
use crate::kernel::time::Timestamp;

use crate::marketplace::referral::{Referral, ReferralStatus};
use crate::marketplace::visit::Visit;
use crate::marketplace::visit::VisitAction;
use crate::marketplace::visit::VisitChange;
use crate::marketplace::visit::VisitRejection;
use crate::marketplace::visit::VisitStatus;
use crate::marketplace::visit::VisitTask;

impl Visit {
    fn touched(&self, now: Timestamp) -> Visit {
        let mut v = self.clone();
        v.version += 1;
        v.updated_at = Some(now);
        v
    }

    /// Every change needs a live referral and a visit that is not deleted.
    pub(super) fn live(&self, referral_status: ReferralStatus) -> Result<(), VisitRejection> {
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
        .versioned(v.id, v.version)
    }
}
