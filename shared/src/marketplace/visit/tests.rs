use chrono::Duration;

use crate::events::EventRecord;
use crate::marketplace::offer::{Task, Visit as OfferVisit};
use crate::marketplace::visit::*;

fn ne(s: &str) -> NonEmpty {
    NonEmpty::try_from(s.to_owned()).unwrap()
}

fn referral(kind: OfferType) -> Referral {
    let s = crate::marketplace::offer::tests::state(1);
    let mut r = Referral::from_assignment(&s.offer, &s.matches[0], crate::kernel::time::now());
    r.referral_type = kind;
    let start = crate::kernel::time::now() + Duration::days(1);
    r.visits = vec![OfferVisit {
        id: VisitId::new(),
        outbox_id: ne("visit-1"),
        start_at: start,
        end_at: start + Duration::hours(2),
        instructions: Some("ring twice".into()),
        tasks: vec![Task {
            id: TaskId::new(),
            outbox_id: ne("task-1"),
            name: ne("Bathing"),
            description: None,
            is_required: true,
            inbox_id: Some("their-task-1".into()),
        }],
    }];
    r
}

fn demand_visit() -> (Referral, Visit) {
    let r = referral(OfferType::Visit);
    let v = visits_for_referral(&r).remove(0);
    (r, v)
}

fn supplier_visit() -> (Referral, Visit) {
    let r = referral(OfferType::Service);
    let start = crate::kernel::time::now() + Duration::days(2);
    let v = schedule(
        &r,
        "inbox-1",
        start,
        start + Duration::hours(1),
        crate::kernel::time::now(),
    )
    .unwrap()
    .visit;
    (r, v)
}

fn employee() -> Employee {
    Employee {
        id: EmployeeId::new(),
        inbox_employee_id: 7,
        first_name: "Grace".into(),
        last_name: "Hopper".into(),
        ssn_placeholder: ssn_placeholder(Some("123-45-6789")),
        date_of_birth: None,
        data: None,
    }
}

fn act(v: &Visit, a: VisitAction) -> Result<VisitChange, VisitRejection> {
    v.apply(ReferralStatus::Assigned, a, crate::kernel::time::now())
}

#[test]
fn a_visit_type_referral_brings_its_visits_with_their_ids_and_tasks() {
    let r = referral(OfferType::Visit);
    let visits = visits_for_referral(&r);
    assert_eq!(visits.len(), 1);
    let v = &visits[0];
    assert_eq!(
        v.id, r.visits[0].id,
        "the referral's visit id is the visit's id"
    );
    assert_eq!(v.outbox_id.as_deref(), Some("visit-1"));
    assert_eq!(v.inbox_id, None);
    assert_eq!(
        (v.start_at, v.end_at),
        (r.visits[0].start_at, r.visits[0].end_at)
    );
    assert_eq!(v.status, VisitStatus::Scheduled);
    assert_eq!((v.referral_id, v.service_id), (r.id, r.service.id));
    assert_eq!(
        (v.demand_org_id, v.supply_org_id),
        (r.demand_org_id, r.supply_org_id)
    );
    assert_eq!(v.tasks.len(), 1);
    assert_eq!(v.tasks[0].id, r.visits[0].tasks[0].id);
    assert_eq!(v.tasks[0].outbox_id.as_str(), "task-1");
    assert!(!v.tasks[0].is_completed);
}

#[test]
fn a_service_type_referral_brings_no_visits() {
    assert!(visits_for_referral(&referral(OfferType::Service)).is_empty());
}

#[test]
fn the_supplier_schedules_on_a_live_service_referral_only() {
    let r = referral(OfferType::Service);
    let now = crate::kernel::time::now();
    let c = schedule(&r, "in-1", now, now + Duration::hours(1), now).unwrap();
    assert_eq!(c.visit.inbox_id.as_deref(), Some("in-1"));
    assert_eq!(c.visit.outbox_id, None);
    assert_eq!(
        (c.channel, c.name),
        (Channel::OutboxVisits, EventName::VisitSupplyScheduled)
    );
    assert_eq!(
        schedule(&r, "in-2", now, now - Duration::hours(1), now),
        Err(VisitRejection::EndsBeforeStart("end_at", "start_at"))
    );
    assert_eq!(
        schedule(&referral(OfferType::Visit), "in-3", now, now, now),
        Err(VisitRejection::VisitTypeReferral)
    );
    let mut cancelled = r.clone();
    cancelled.status = ReferralStatus::Cancelled;
    assert_eq!(
        schedule(&cancelled, "in-4", now, now, now),
        Err(VisitRejection::ReferralCancelled)
    );
}

#[test]
fn hold_and_reactivate_go_back_and_forth() {
    let (_, v) = demand_visit();
    let held = act(&v, VisitAction::Hold).unwrap();
    assert_eq!(held.visit.status, VisitStatus::OnHold);
    assert_eq!(held.name, EventName::VisitSupplyStatusChanged);
    assert_eq!(held.visit.version, v.version + 1);
    assert_eq!(
        act(&held.visit, VisitAction::Hold),
        Err(VisitRejection::WrongStatus(VisitStatus::OnHold))
    );
    let back = act(&held.visit, VisitAction::Reactivate).unwrap();
    assert_eq!(back.visit.status, VisitStatus::Scheduled);
    assert_eq!(back.name, EventName::VisitSupplyStatusChanged);
    assert_eq!(
        act(&back.visit, VisitAction::Reactivate),
        Err(VisitRejection::WrongStatus(VisitStatus::Scheduled))
    );
}

#[test]
fn a_cancelled_visit_is_only_reactivated() {
    let (_, v) = demand_visit();
    let on_hold = act(&v, VisitAction::Hold).unwrap().visit;
    let cancelled = act(&on_hold, VisitAction::Cancel).unwrap().visit;
    assert_eq!(cancelled.status, VisitStatus::Cancelled);
    for a in [
        VisitAction::Cancel,
        VisitAction::Hold,
        VisitAction::Assign(employee()),
        VisitAction::Reschedule {
            start_at: v.start_at,
            end_at: v.end_at,
        },
    ] {
        assert_eq!(
            act(&cancelled, a),
            Err(VisitRejection::WrongStatus(VisitStatus::Cancelled))
        );
    }
    let again = act(&cancelled, VisitAction::Reactivate).unwrap().visit;
    assert_eq!(again.status, VisitStatus::Scheduled);
}

#[test]
fn deleted_is_final_and_only_for_visits_the_supplier_scheduled() {
    let (_, demand) = demand_visit();
    assert_eq!(
        act(&demand, VisitAction::Delete),
        Err(VisitRejection::NotSupplierScheduled)
    );
    let (_, v) = supplier_visit();
    let d = act(&v, VisitAction::Delete).unwrap();
    assert_eq!(d.visit.status, VisitStatus::Deleted);
    assert_eq!(d.name, EventName::VisitSupplyDeleted);
    for a in [
        VisitAction::Delete,
        VisitAction::Reactivate,
        VisitAction::Unassign,
        VisitAction::AdjustTimekeeping {
            verified_start_at: Some(v.start_at),
            verified_end_at: None,
        },
        VisitAction::CompleteTasks(vec![]),
    ] {
        assert_eq!(act(&d.visit, a), Err(VisitRejection::Deleted));
    }
}

#[test]
fn nothing_changes_on_a_cancelled_referral() {
    let (_, v) = demand_visit();
    assert_eq!(
        v.apply(
            ReferralStatus::Cancelled,
            VisitAction::Hold,
            crate::kernel::time::now()
        ),
        Err(VisitRejection::ReferralCancelled)
    );
    assert_eq!(
        v.start_session(
            ReferralStatus::Cancelled,
            &[],
            "ws",
            v.start_at,
            Point::default(),
            crate::kernel::time::now()
        ),
        Err(VisitRejection::ReferralCancelled)
    );
}

#[test]
fn assign_and_unassign_an_employee() {
    let (_, v) = demand_visit();
    assert_eq!(
        act(&v, VisitAction::Unassign),
        Err(VisitRejection::NotAssigned)
    );
    let a = act(&v, VisitAction::Assign(employee())).unwrap();
    assert_eq!(a.name, EventName::VisitSupplyAssigned);
    let e = a.visit.employee.as_ref().unwrap();
    assert_eq!(e.ssn_placeholder, "***-**-6789");
    let u = act(&a.visit, VisitAction::Unassign).unwrap();
    assert_eq!(u.name, EventName::VisitSupplyUnassigned);
    assert!(u.visit.employee.is_none());
}

#[test]
fn the_ssn_is_masked_to_its_last_four() {
    assert_eq!(ssn_placeholder(Some("123-45-6789")), "***-**-6789");
    assert_eq!(ssn_placeholder(Some("  ")), "");
    assert_eq!(ssn_placeholder(None), "");
}

#[test]
fn reschedule_moves_the_window_and_refuses_one_ending_before_it_starts() {
    let (_, v) = demand_visit();
    let start = v.start_at + Duration::days(1);
    let r = act(
        &v,
        VisitAction::Reschedule {
            start_at: start,
            end_at: start + Duration::hours(3),
        },
    )
    .unwrap();
    assert_eq!(r.name, EventName::VisitSupplyRescheduled);
    assert_eq!(
        (r.visit.start_at, r.visit.end_at),
        (start, start + Duration::hours(3))
    );
    let e = act(
        &v,
        VisitAction::Reschedule {
            start_at: start,
            end_at: start - Duration::minutes(1),
        },
    )
    .unwrap_err();
    assert!(e.is_unprocessable());
}

#[test]
fn timekeeping_merges_with_what_was_verified_and_keeps_order() {
    let (_, v) = demand_visit();
    assert_eq!(
        act(
            &v,
            VisitAction::AdjustTimekeeping {
                verified_start_at: None,
                verified_end_at: None
            }
        ),
        Err(VisitRejection::NothingToAdjust)
    );
    let s = act(
        &v,
        VisitAction::AdjustTimekeeping {
            verified_start_at: Some(v.start_at),
            verified_end_at: None,
        },
    )
    .unwrap();
    assert_eq!(s.name, EventName::VisitSupplyTimekeepingAdjusted);
    let e = act(
        &s.visit,
        VisitAction::AdjustTimekeeping {
            verified_start_at: None,
            verified_end_at: Some(v.end_at),
        },
    )
    .unwrap();
    assert_eq!(
        (e.visit.verified_start_at, e.visit.verified_end_at),
        (Some(v.start_at), Some(v.end_at))
    );
    assert_eq!(
        act(
            &s.visit,
            VisitAction::AdjustTimekeeping {
                verified_start_at: None,
                verified_end_at: Some(v.start_at - Duration::minutes(1)),
            }
        ),
        Err(VisitRejection::EndsBeforeStart(
            "verified_end_at",
            "verified_start_at"
        ))
    );
}

#[test]
fn completing_tasks_updates_them_and_repeats_update_again() {
    let (_, v) = demand_visit();
    let task = v.tasks[0].id;
    let done = act(
        &v,
        VisitAction::CompleteTasks(vec![TaskCompletion {
            id: task,
            is_completed: true,
            completed_at: None,
            completion_comment: Some("done".into()),
        }]),
    )
    .unwrap();
    assert_eq!(
        (done.channel, done.name),
        (Channel::OutboxVisitTasks, EventName::VisitTasksCompleted)
    );
    assert!(done.visit.tasks[0].is_completed);
    assert!(
        done.visit.tasks[0].completed_at.is_some(),
        "defaults to now"
    );
    let undone = act(
        &done.visit,
        VisitAction::CompleteTasks(vec![TaskCompletion {
            id: task,
            is_completed: false,
            completed_at: None,
            completion_comment: None,
        }]),
    )
    .unwrap();
    assert!(!undone.visit.tasks[0].is_completed);
    assert_eq!(undone.visit.tasks[0].completed_at, None);
    let unknown = TaskId::new();
    assert_eq!(
        act(
            &v,
            VisitAction::CompleteTasks(vec![TaskCompletion {
                id: unknown,
                is_completed: true,
                completed_at: None,
                completion_comment: None,
            }])
        ),
        Err(VisitRejection::UnknownTask(unknown))
    );
}

#[test]
fn supplier_tasks_come_from_referral_tasks_by_inbox_id() {
    let (r, v) = supplier_visit();
    let now = crate::kernel::time::now();
    let ids = vec!["their-task-1".to_owned(), "nobody".to_owned()];
    let (tasks, changed) = v.create_tasks(&r, &ids, now).unwrap();
    assert_eq!(
        tasks.len(),
        1,
        "an inbox id without a referral task is ignored"
    );
    assert_eq!(tasks[0].outbox_id.as_str(), "task-1");
    assert_eq!(tasks[0].inbox_id.as_deref(), Some("their-task-1"));
    let changed = changed.unwrap();
    assert_eq!(changed.tasks, tasks);
    // Again: the same task, nothing to write.
    let (again, none) = changed.create_tasks(&r, &ids, now).unwrap();
    assert_eq!(again, tasks);
    assert!(none.is_none());
    let (_, demand) = demand_visit();
    assert_eq!(
        demand.create_tasks(&r, &ids, now),
        Err(VisitRejection::NotSupplierScheduled)
    );
}

#[test]
fn one_open_work_session_per_visit_with_unique_inbox_ids() {
    let (_, v) = demand_visit();
    let now = crate::kernel::time::now();
    let at = Point {
        latitude: Some(43.7),
        longitude: Some(-79.4),
    };
    let started = v
        .start_session(ReferralStatus::Assigned, &[], "ws-1", v.start_at, at, now)
        .unwrap();
    assert_eq!(started.name, EventName::WorkSessionStarted);
    assert_eq!(started.visit.open_work_session_id, Some(started.session.id));
    assert_eq!(started.visit.version, v.version + 1);
    assert_eq!(started.session.visit_outbox_id.as_deref(), Some("visit-1"));
    let sessions = [started.session.clone()];
    assert_eq!(
        started.visit.start_session(
            ReferralStatus::Assigned,
            &sessions,
            "ws-2",
            v.start_at,
            at,
            now
        ),
        Err(VisitRejection::SessionOpen)
    );
    let ended = started
        .visit
        .end_session(&started.session, v.end_at, at)
        .unwrap();
    assert_eq!(ended.name, EventName::WorkSessionEnded);
    assert_eq!(ended.session.end_at, Some(v.end_at));
    assert_eq!(ended.visit.open_work_session_id, None);
    let sessions = [ended.session.clone()];
    assert_eq!(
        ended.visit.start_session(
            ReferralStatus::Assigned,
            &sessions,
            "ws-1",
            v.start_at,
            at,
            now
        ),
        Err(VisitRejection::DuplicateSession)
    );
    assert!(
        ended
            .visit
            .start_session(
                ReferralStatus::Assigned,
                &sessions,
                "ws-2",
                v.start_at,
                at,
                now
            )
            .is_ok(),
        "a second session once the first has ended"
    );
}

#[test]
fn a_session_ends_once_and_not_before_it_started() {
    let (_, v) = demand_visit();
    let now = crate::kernel::time::now();
    let s = v
        .start_session(
            ReferralStatus::Assigned,
            &[],
            "ws",
            v.start_at,
            Point::default(),
            now,
        )
        .unwrap();
    let early = s
        .visit
        .end_session(
            &s.session,
            v.start_at - Duration::minutes(1),
            Point::default(),
        )
        .unwrap_err();
    assert!(early.is_unprocessable());
    let ended = s
        .visit
        .end_session(&s.session, v.end_at, Point::default())
        .unwrap();
    assert_eq!(
        ended
            .visit
            .end_session(&ended.session, v.end_at, Point::default()),
        Err(VisitRejection::SessionEnded)
    );
}

#[test]
fn sessions_start_on_scheduled_visits_only() {
    let (_, v) = demand_visit();
    let held = act(&v, VisitAction::Hold).unwrap().visit;
    assert_eq!(
        held.start_session(
            ReferralStatus::Assigned,
            &[],
            "ws",
            v.start_at,
            Point::default(),
            crate::kernel::time::now()
        ),
        Err(VisitRejection::WrongStatus(VisitStatus::OnHold))
    );
}

#[test]
fn events_go_to_the_demand_with_the_visit_and_service() {
    let (_, v) = demand_visit();
    let now = crate::kernel::time::now();
    let c = act(&v, VisitAction::Hold).unwrap();
    let e = Visit::event(&c, now);
    assert_eq!(e.recipients, vec![v.demand_org_id]);
    assert_eq!(e.channel, Channel::OutboxVisits);
    let p: serde_json::Value = serde_json::from_str(&e.payload).unwrap();
    assert_eq!(p["event_source"], "alayamarket.visits");
    assert_eq!(p["event_name"], "VisitSupplyStatusChanged");
    assert_eq!(p["visit_id"], v.id.to_string());
    assert_eq!(p["id"], v.id.to_string());
    assert!(
        p.get("visit_outbox_id").is_none(),
        "outbox-visits does not declare it"
    );
    assert_eq!(p["service"]["id"], v.service_id.to_string());
    assert_eq!(p["service"]["outbox_id"], v.service_outbox_id);
    // Tasks: every task as it now is, with the demand's ids.
    let task = v.tasks[0].id;
    let done = act(
        &v,
        VisitAction::CompleteTasks(vec![TaskCompletion {
            id: task,
            is_completed: true,
            completed_at: None,
            completion_comment: None,
        }]),
    )
    .unwrap();
    let e = Visit::event(&done, now);
    assert_eq!(e.channel, Channel::OutboxVisitTasks);
    let p: serde_json::Value = serde_json::from_str(&e.payload).unwrap();
    assert_eq!(p["event_source"], "alayamarket.visit_tasks");
    assert_eq!(p["visit_outbox_id"], "visit-1");
    assert_eq!(p["tasks"][0]["outbox_id"], "task-1");
    assert_eq!(p["tasks"][0]["is_completed"], true);
}

#[test]
fn work_session_events_name_a_uuid_outbox_id_only() {
    let (_, mut v) = demand_visit();
    let now = crate::kernel::time::now();
    let start = |v: &Visit| {
        v.start_session(
            ReferralStatus::Assigned,
            &[],
            "ws",
            v.start_at,
            Point::default(),
            now,
        )
        .unwrap()
    };
    let s = start(&v);
    let e = EventRecord::work_session(s.name, &s.session, now);
    assert_eq!(e.recipients, vec![v.demand_org_id]);
    let p: serde_json::Value = serde_json::from_str(&e.payload).unwrap();
    assert_eq!(p["work_session_id"], s.session.id.to_string());
    assert!(p.get("visit_outbox_id").is_none(), "visit-1 is not a uuid");
    assert!(p.get("end_at").is_none());
    let id = uuid::Uuid::new_v4().to_string();
    v.outbox_id = Some(id.clone());
    let s = start(&v);
    let ended = s
        .visit
        .end_session(&s.session, v.end_at, Point::default())
        .unwrap();
    let p: serde_json::Value =
        serde_json::from_str(&EventRecord::work_session(ended.name, &ended.session, now).payload)
            .unwrap();
    assert_eq!(p["visit_outbox_id"], id);
    assert_eq!(p["event_name"], "WorkSessionEnded");
    assert!(p["end_at"].is_string());
}

#[test]
fn a_referral_brings_at_most_fifty_visits() {
    assert_eq!(check_visit_count(MAX_VISITS_PER_REFERRAL), Ok(()));
    let e = check_visit_count(MAX_VISITS_PER_REFERRAL + 1).unwrap_err();
    assert_eq!(
        e,
        VisitRejection::TooManyVisits(MAX_VISITS_PER_REFERRAL + 1)
    );
    assert!(e.is_unprocessable());
}
