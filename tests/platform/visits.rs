//! Visits, visit tasks and work sessions through the HTTP API: a visit-type referral's visit is
//! there for both sides as soon as the referral exists and the supplier works it; on a
//! service-type referral the supplier schedules its own. The demand's subscription gets exactly
//! the visit events (schema-validated by the subscriber), and nobody else gets any.

use platform_tests::given::{self, offer_body, pairs, text, visit_offer_body};
use platform_tests::{Received, Subscriber, TestStack, assert_fields};
use serde_json::{Value, json};

const VISIT_CHANNELS: [&str; 3] = [
    "outbox-visits",
    "outbox-visit-tasks",
    "outbox-work-sessions",
];

/// The visit events a subscriber received, as `(channel, event_name)` in delivery order
/// sorted by name (SNS does not keep order across topics).
async fn visit_events(sub: &Subscriber) -> Vec<(String, Value)> {
    let received = sub.drain().await.into_iter();
    let visits = received.filter(|r| VISIT_CHANNELS.contains(&r.channel.as_str()));
    let about = |r: Received| (r.channel.as_str().to_owned(), r.payload);
    let mut v: Vec<_> = visits.map(about).collect();
    let key = |(c, p): &(String, Value)| {
        let field = |f: &str| p[f].as_str().unwrap_or_default().to_owned();
        (c.clone(), field("event_name"), field("timestamp"))
    };
    v.sort_by_key(key);
    v
}

fn names(events: &[(String, Value)]) -> Vec<(String, String)> {
    let name = |(c, p): &(String, Value)| (c.clone(), text(&p["event_name"]));
    events.iter().map(name).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_visit_referral_brings_its_visit_and_the_supplier_works_it() {
    let t = TestStack::start().await;
    let subs = given::subscribers(&t).await;
    let logins = given::logins(&t).await;
    let (demand, supply_a, supply_b) = (&logins.demand, &logins.supply_a, &logins.supply_b);

    // A visit-type offer describes one visit; its demand id is a uuid, so work-session
    // events can name it (the published schema declares it a uuid).
    let visit_outbox_id = uuid::Uuid::new_v4().to_string();
    let body = visit_offer_body(&visit_outbox_id);
    let referral_id = given::auto_assigned(&t, &logins, body).await;

    // The visit exists for both sides as soon as the referral does.
    let (a, b, d) = (t.visits(supply_a), t.visits(supply_b), t.visits(demand));
    let by_referral = format!("referral_id={referral_id}");
    let outbox = d.outbox_list(&by_referral).await.counted(1);
    let item = &outbox["items"][0];
    assert_fields!(item, {"status": "scheduled", "referral_id": referral_id,
        "visit_outbox_id": visit_outbox_id, "service_outbox_id": "service-2001",
        "start_at": "2030-01-15T09:00:00.000Z"});
    let visit_id = text(&item["id"]);
    let referral = t.referrals(supply_a).inbox(&referral_id).await.ok(200);
    let one = "the referral's visit and the visit are one";
    assert_eq!(referral["visits"][0]["id"], visit_id.as_str(), "{one}");
    let inbox = a.inbox_list(&by_referral).await.counted(1);
    assert_eq!(inbox["items"][0]["id"], visit_id.as_str());
    assert!(inbox["items"][0].get("visit_outbox_id").is_none());

    // The other supplier, and a demand that is not this one, see nothing of it.
    let by_visit = format!("visit_id={visit_id}");
    b.inbox_list(&by_referral).await.ok_as(404, "inbox list");
    b.outbox_list(&by_referral).await.ok_as(404, "outbox list");
    b.inbox(&visit_id).await.ok_as(404, "inbox visit");
    b.outbox(&visit_id).await.ok_as(404, "outbox visit");
    let demands_inbox = d.inbox(&visit_id).await;
    demands_inbox.ok_as(404, "the demand's inbox visit");
    b.work_sessions(&by_visit).await.ok_as(404, "work sessions");
    let before = t.item_count().await;
    let caregiver = json!({"employee_id": 1, "first_name": "X", "last_name": "Y"});
    for visits in [b, d] {
        visits.hold(&visit_id).await.ok_as(404, "hold");
        let assigned = visits.assign(&visit_id, caregiver.clone()).await;
        assigned.ok_as(404, "assign");
    }
    t.assert_wrote_nothing(before).await;

    // The supplier works the visit.
    let grace = json!({"employee_id": 42, "first_name": "Grace", "last_name": "Hopper",
                       "ssn": "123-45-6789", "date_of_birth": "1980-02-03"});
    a.assign(&visit_id, grace).await.ok(204);
    a.hold(&visit_id).await.ok(204);
    let on_hold = a.hold(&visit_id).await;
    on_hold.ok_as(409, "holding an on-hold visit");
    a.reactivate(&visit_id).await.ok(204);
    let later = json!({"start_at": "2030-01-16T09:00:00Z", "end_at": "2030-01-16T11:00:00Z"});
    let r = a.reschedule(&visit_id, later).await.ok(200);
    assert_fields!(r, {"id": visit_id, "start_at": "2030-01-16T09:00:00.000Z"});
    let backwards = json!({"start_at": "2030-01-16T09:00:00Z", "end_at": "2030-01-16T08:00:00Z"});
    a.reschedule(&visit_id, backwards).await.ok(422);
    let verified = json!({"verified_start_at": "2030-01-16T09:05:00Z",
                          "verified_end_at": "2030-01-16T10:55:00Z"});
    a.adjust_timekeeping(&visit_id, verified).await.ok(204);
    let detail = a.inbox(&visit_id).await.ok(200);
    assert_eq!(detail["supply_employee"]["inbox_employee_id"], 42);
    let task_id = text(&detail["tasks"][0]["id"]);
    let done = json!({"tasks": [{"id": task_id, "is_completed": true,
                                 "completion_comment": "All done"}]});
    let r = a.complete_tasks(&visit_id, done).await.ok(200);
    assert_eq!(r["tasks"][0]["id"], task_id.as_str());
    assert_eq!(r["tasks"][0]["is_completed"], true);
    assert!(r["tasks"][0]["completed_at"].is_string());
    let deleted = a.delete(&visit_id).await;
    deleted.ok_as(409, "the demand's visit is not the supplier's to delete");

    // A work session: one open at a time, ended once, not before it started.
    let start = given::work_start(&visit_id, "ws-1", "2030-01-16T09:02:00Z");
    let start = a.start_work(start).await.ok(201);
    assert_eq!(start["inbox_id"], "ws-1");
    let session_id = text(&start["id"]);
    let second = given::work_start(&visit_id, "ws-2", "2030-01-16T09:03:00Z");
    a.start_work(second).await.ok(409);
    let end = |session, at| given::work_end(&visit_id, session, at);
    let neither = end(("inbox_id", "ws-1"), "2030-01-16T11:00:00Z");
    let neither = given::without(&neither, "inbox_id");
    a.end_work(neither).await.ok(400);
    let too_early = end(("work_session_id", &session_id), "2030-01-16T09:00:00Z");
    a.end_work(too_early).await.ok(422);
    let end = end(("inbox_id", "ws-1"), "2030-01-16T10:58:00Z");
    let end = given::with(&end, "end_latitude", 43.66);
    a.end_work(end.clone()).await.ok(204);
    a.end_work(end).await.ok_as(409, "ending twice");

    // The demand reads what the supplier did.
    let seen = d.outbox(&visit_id).await.ok(200);
    let visit = json!({"start_at": "2030-01-16T09:00:00.000Z",
        "verified_end_at": "2030-01-16T10:55:00.000Z"});
    assert_fields!(seen, {"visit": visit, "supply": {"id": subs.a.org.to_string()},
        "supply_employee": {"first_name": "Grace", "ssn_placeholder": "***-**-6789"}});
    let own_id = seen["supply_employee"].get("inbox_employee_id");
    assert!(own_id.is_none(), "the supplier's employee id stays with it");
    assert_eq!(seen["tasks"][0]["completion_comment"], "All done");
    for q in [by_visit, format!("visit_outbox_id={visit_outbox_id}")] {
        let ws = d.work_sessions(&q).await.ok(200);
        let items = ws["items"].as_array().unwrap();
        assert_eq!(items.len(), 1, "{q}");
        assert_fields!(items[0], {"id": session_id, "end_at": "2030-01-16T10:58:00.000Z",
            "end_latitude": 43.66});
    }

    // Exactly these events, to the demand only.
    t.settle().await;
    let got = visit_events(&subs.demand).await;
    assert_eq!(
        names(&got),
        pairs(&[
            ("outbox-visit-tasks", "VisitTasksCompleted"),
            ("outbox-visits", "VisitSupplyAssigned"),
            ("outbox-visits", "VisitSupplyRescheduled"),
            ("outbox-visits", "VisitSupplyStatusChanged"),
            ("outbox-visits", "VisitSupplyStatusChanged"),
            ("outbox-visits", "VisitSupplyTimekeepingAdjusted"),
            ("outbox-work-sessions", "WorkSessionEnded"),
            ("outbox-work-sessions", "WorkSessionStarted"),
        ])
    );
    for (channel, p) in &got {
        match channel.as_str() {
            "outbox-visits" => {
                assert_fields!(p, {"visit_id": visit_id, "id": visit_id, "referral_id": referral_id,
                    "service": {"outbox_id": "service-2001"}});
            }
            "outbox-visit-tasks" => {
                assert_eq!(p["visit_outbox_id"], visit_outbox_id.as_str());
                assert_eq!(p["tasks"][0]["id"], task_id.as_str());
                assert_eq!(p["tasks"][0]["is_completed"], true);
                assert_eq!(p["tasks"][0]["outbox_id"], "task-4001");
            }
            _ => {
                assert_fields!(p, {"work_session_id": session_id,
                    "visit_outbox_id": visit_outbox_id, "start_latitude": 43.65});
                if p["event_name"] == "WorkSessionEnded" {
                    assert_eq!(p["end_at"], "2030-01-16T10:58:00.000Z");
                } else {
                    assert!(p.get("end_at").is_none());
                }
            }
        }
    }
    let rescheduled = got
        .iter()
        .find(|(_, p)| p["event_name"] == "VisitSupplyRescheduled");
    let start_at = &rescheduled.unwrap().1["start_at"];
    assert_eq!(start_at, "2030-01-16T09:00:00.000Z");
    assert!(visit_events(&subs.a).await.is_empty());
    assert!(visit_events(&subs.b).await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_supplier_schedules_visits_on_a_service_referral() {
    let t = TestStack::start().await;
    let demand_sub = given::subscriber(&t, &t.demo.demand).await;
    let a_sub = given::subscriber(&t, &t.demo.supply_a).await;
    let logins = given::logins(&t).await;
    let (demand, supply_a, supply_b) = (&logins.demand, &logins.supply_a, &logins.supply_b);

    let referral_id = given::auto_assigned(&t, &logins, offer_body()).await;
    let (a, b, d) = (t.visits(supply_a), t.visits(supply_b), t.visits(demand));
    let by_referral = format!("referral_id={referral_id}");
    let none = d.outbox_list(&by_referral).await.ok(200);
    // A service referral's visits are the supplier's to schedule.
    assert_eq!(none["total_items"], 0);
    let referral = t.referrals(supply_a).inbox(&referral_id).await.ok(200);
    let service_id = text(&referral["service"]["id"]);

    let first = a.schedule(given::visit_schedule(&referral_id, "v-1"));
    let first = first.await.ok(201);
    assert_fields!(first, {"service_id": service_id, "referral_id": referral_id});
    let v1 = text(&first["id"]);
    let second = json!({"service_id": service_id, "inbox_id": "v-2",
               "start_at": "2030-01-14T09:00:00Z", "end_at": "2030-01-14T10:00:00Z"});
    let second = a.schedule(second).await.ok(201);
    assert_eq!(second["referral_id"], referral_id.as_str());
    let v2 = text(&second["id"]);
    let on_16th = |inbox_id: &str, end: &str| {
        json!({"referral_id": referral_id, "inbox_id": inbox_id,
               "start_at": "2030-01-16T09:00:00Z", "end_at": format!("2030-01-16T{end}:00:00Z")})
    };
    let again = a.schedule(on_16th("v-1", "10")).await;
    again.ok_as(409, "v-1 again");
    let backwards = a.schedule(on_16th("v-3", "08")).await;
    backwards.ok_as(422, "ends before it starts");
    let no_referral = given::without(&on_16th("v-4", "10"), "referral_id");
    a.schedule(no_referral).await.ok_as(400, "no referral");
    let others = b.schedule(on_16th("v-5", "10")).await;
    others.ok_as(404, "another supplier");

    // The supplier finds it by its own id; nobody else does.
    let mine = a.by_inbox_id("v-1").await.ok(200);
    assert_eq!(mine["visit"]["id"], v1.as_str());
    assert_eq!(mine["visit"]["inbox_id"], "v-1");
    b.by_inbox_id("v-1").await.ok(404);

    // The demand lists them by its own service id, earliest first on request.
    let by_service = "service_outbox_id=service-2001&sort_order=asc";
    let listed = d.outbox_list(by_service).await.ok(200);
    assert_eq!(given::ids(&listed), [v2.as_str(), v1.as_str()]);
    assert!(listed["items"][0].get("visit_outbox_id").is_none());
    d.outbox_list("").await.ok(400);

    // Tasks only from referral tasks the supplier named; this referral's have no inbox ids.
    let unknown = json!({"inbox_ids": ["unknown"]});
    let tasks = a.map_tasks(&v1, unknown).await.ok(200);
    assert_eq!(tasks["tasks"], json!([]));

    // A work session named by the supplier's ids only.
    let session = json!({"visit_inbox_id": "v-1", "inbox_id": "s-1"});
    let at = |field: &str, time: &str| given::with(&session, field, json!(time));
    let start = at("start_at", "2030-01-15T09:00:00Z");
    let end = at("end_at", "2030-01-15T10:00:00Z");
    a.start_work(start).await.ok(201);
    a.end_work(end).await.ok(204);

    // Deleted is final.
    a.delete(&v2).await.ok(204);
    a.delete(&v2).await.ok_as(409, "delete");
    a.reactivate(&v2).await.ok_as(409, "reactivate");

    // sys_admin sees both, deleted included; organizations cannot use its view.
    let admin = t.sys_admin(&logins.sys_admin);
    admin.visits(&by_referral).await.counted(2);
    let one = admin.visit(&v2).await.ok(200);
    assert_fields!(one, {"visit": {"status": "deleted", "inbox_id": "v-2"}});
    // The whole table is never scanned.
    admin.visits("").await.ok(400);
    t.sys_admin(supply_a).visit(&v2).await.ok(403);

    // Once the referral is cancelled, its visits change no more.
    let cancel = json!({"reason_code": "client_request"});
    let cancelled = t.referrals(demand).outbox_cancel(&referral_id, cancel);
    cancelled.await.ok(204);
    a.hold(&v1).await.ok(409);

    t.settle().await;
    let got = visit_events(&demand_sub).await;
    assert_eq!(
        names(&got),
        pairs(&[
            ("outbox-visits", "VisitSupplyDeleted"),
            ("outbox-visits", "VisitSupplyScheduled"),
            ("outbox-visits", "VisitSupplyScheduled"),
            ("outbox-work-sessions", "WorkSessionEnded"),
            ("outbox-work-sessions", "WorkSessionStarted"),
        ])
    );
    for (_, p) in &got {
        let demand_id = p.get("visit_outbox_id");
        let why = "the supplier's visits have no demand id";
        assert!(demand_id.is_none(), "{why}: {p}");
    }
    let deleted = got
        .iter()
        .find(|(_, p)| p["event_name"] == "VisitSupplyDeleted");
    let deleted = &deleted.unwrap().1;
    assert_eq!(deleted["visit_id"], v2.as_str());
    assert_eq!(deleted["service"]["id"], service_id.as_str());
    assert!(visit_events(&a_sub).await.is_empty());
}

/// A visit change decided on a referral that has changed since (here: cancelled by the demand
/// between the supplier's read and its write) does not land: the transaction checks the
/// referral's version, so the change is decided again on the new state and refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_visit_change_racing_the_referrals_cancellation_does_not_land() {
    let t = TestStack::start().await;
    let logins = given::logins(&t).await;
    let referral_id = given::auto_assigned(&t, &logins, offer_body()).await;
    let scheduled = given::scheduled_visit(&t, &logins.supply_a, &referral_id, "race-1").await;
    let db = &t.stack.app().db;
    let visit_id = scheduled.parse().unwrap();
    let read_visit = db.get_visit(visit_id).await.unwrap().unwrap();
    let read_referral = db.get_referral(referral_id.parse().unwrap()).await;
    let read_referral = read_referral.unwrap().unwrap();
    // The supplier decided to hold the visit on what it read...
    let now = shared::kernel::time::now();
    let hold = shared::marketplace::visit::VisitAction::Hold;
    let held = read_visit.apply(read_referral.status, hold, now).unwrap();
    // ...and the demand cancels the referral before the hold is written.
    let cancel = json!({"reason_code": "client_request"});
    let demand = t.referrals(&logins.demand);
    demand.outbox_cancel(&referral_id, cancel).await.ok(204);
    let stale = db
        .apply_visit_change(read_visit.version, &held.visit, None, &read_referral)
        .await;
    let refused = matches!(stale, Err(shared::store::db::DbError::ConditionFailed));
    assert!(refused, "{stale:?}");
    let visit = db.get_visit(visit_id).await.unwrap().unwrap();
    assert_eq!(
        visit.status,
        shared::marketplace::visit::VisitStatus::Scheduled
    );
    // Through the API the same hold is decided on the cancelled referral: 409.
    t.visits(&logins.supply_a).hold(&scheduled).await.ok(409);
}
