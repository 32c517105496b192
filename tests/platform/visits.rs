//! Visits, visit tasks and work sessions through the HTTP API: a visit-type referral's visit is
//! there for both sides as soon as the referral exists and the supplier works it; on a
//! service-type referral the supplier schedules its own. The demand's subscription gets exactly
//! the visit events (schema-validated by the subscriber), and nobody else gets any.

use platform_tests::{Subscriber, TestStack};
use serde_json::{Value, json};

use crate::offer_body;

const VISIT_CHANNELS: [&str; 3] = [
    "outbox-visits",
    "outbox-visit-tasks",
    "outbox-work-sessions",
];

/// Demand assigns automatically, supplier A accepts `body`: the referral's id.
async fn referral_from(t: &TestStack, body: Value) -> String {
    let demand = t.login(&t.demo.demand).await;
    let supply_a = t.login(&t.demo.supply_a).await;
    let auto = t
        .call(
            "POST",
            "/offers/v1/demand_personas/settings/assignment",
            Some(&demand),
            Some(json!({"offer_assignment": "auto"})),
        )
        .await;
    assert_eq!(auto.status, 204, "{:?}", auto.body);
    let created = t
        .call(
            "POST",
            "/offers/v1/outbox/offers",
            Some(&demand),
            Some(body),
        )
        .await;
    assert_eq!(created.status, 201, "{:?}", created.body);
    let offer_id = created.body["offer"]["id"].as_str().unwrap().to_owned();
    let accept = t
        .call(
            "POST",
            &format!("/offers/v1/inbox/offers/{offer_id}/accept"),
            Some(&supply_a),
            Some(json!({})),
        )
        .await;
    assert_eq!(accept.status, 204, "{:?}", accept.body);
    let referrals = t
        .call("GET", "/offers/v1/outbox/referrals", Some(&demand), None)
        .await;
    assert_eq!(referrals.body["total_items"], 1, "{:?}", referrals.body);
    referrals.body["items"][0]["referral"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// The visit events a subscriber received, as `(channel, event_name)` in delivery order
/// sorted by name (SNS does not keep order across topics).
async fn visit_events(sub: &Subscriber) -> Vec<(String, Value)> {
    let mut v: Vec<(String, Value)> = sub
        .drain()
        .await
        .into_iter()
        .filter(|r| VISIT_CHANNELS.contains(&r.channel.as_str()))
        .map(|r| (r.channel.as_str().to_owned(), r.payload))
        .collect();
    v.sort_by(|a, b| {
        (
            a.0.as_str(),
            a.1["event_name"].as_str(),
            a.1["timestamp"].as_str(),
        )
            .cmp(&(
                b.0.as_str(),
                b.1["event_name"].as_str(),
                b.1["timestamp"].as_str(),
            ))
    });
    v
}

fn names(events: &[(String, Value)]) -> Vec<(String, String)> {
    events
        .iter()
        .map(|(c, p)| (c.clone(), p["event_name"].as_str().unwrap().to_owned()))
        .collect()
}

fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
    v.iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_visit_referral_brings_its_visit_and_the_supplier_works_it() {
    let t = TestStack::start().await;
    let org = |u: &devstack::seed::User| u.organization.as_ref().unwrap().id;
    let demand_sub = Subscriber::new(&t, org(&t.demo.demand)).await;
    let a_sub = Subscriber::new(&t, org(&t.demo.supply_a)).await;
    let b_sub = Subscriber::new(&t, org(&t.demo.supply_b)).await;
    let demand = t.login(&t.demo.demand).await;
    let supply_a = t.login(&t.demo.supply_a).await;
    let supply_b = t.login(&t.demo.supply_b).await;

    // A visit-type offer describes one visit; its demand id is a uuid, so work-session
    // events can name it (the published schema declares it a uuid).
    let visit_outbox_id = uuid::Uuid::new_v4().to_string();
    let mut body = offer_body();
    body["offer"]["offer_type"] = json!("visit");
    let mut visit = body["visits"][0].clone();
    visit["outbox_id"] = json!(visit_outbox_id);
    body["visits"] = json!([visit]);
    let referral_id = referral_from(&t, body).await;

    // The visit exists for both sides as soon as the referral does.
    let outbox = t
        .call(
            "GET",
            &format!("/offers/v1/outbox/visits?referral_id={referral_id}"),
            Some(&demand),
            None,
        )
        .await;
    assert_eq!(outbox.status, 200, "{:?}", outbox.body);
    assert_eq!(outbox.body["total_items"], 1);
    let item = &outbox.body["items"][0];
    assert_eq!(item["status"], "scheduled");
    assert_eq!(item["referral_id"], referral_id.as_str());
    assert_eq!(item["visit_outbox_id"], visit_outbox_id.as_str());
    assert_eq!(item["service_outbox_id"], "service-2001");
    assert_eq!(item["start_at"], "2030-01-15T09:00:00.000Z");
    let visit_id = item["id"].as_str().unwrap().to_owned();
    let referral = t
        .call(
            "GET",
            &format!("/offers/v1/inbox/referrals/{referral_id}"),
            Some(&supply_a),
            None,
        )
        .await;
    assert_eq!(
        referral.body["visits"][0]["id"],
        visit_id.as_str(),
        "the referral's visit and the visit are one"
    );
    let inbox = t
        .call(
            "GET",
            &format!("/offers/v1/inbox/visits?referral_id={referral_id}"),
            Some(&supply_a),
            None,
        )
        .await;
    assert_eq!(inbox.body["total_items"], 1);
    assert_eq!(inbox.body["items"][0]["id"], visit_id.as_str());
    assert!(inbox.body["items"][0].get("visit_outbox_id").is_none());

    // The other supplier, and a demand that is not this one, see nothing of it.
    let visit_path = |side: &str| format!("/offers/v1/{side}/visits/{visit_id}");
    for (path, token) in [
        (
            format!("/offers/v1/inbox/visits?referral_id={referral_id}"),
            &supply_b,
        ),
        (
            format!("/offers/v1/outbox/visits?referral_id={referral_id}"),
            &supply_b,
        ),
        (visit_path("inbox"), &supply_b),
        (visit_path("outbox"), &supply_b),
        (visit_path("inbox"), &demand),
        (
            format!("/offers/v1/outbox/work_sessions?visit_id={visit_id}"),
            &supply_b,
        ),
    ] {
        let r = t.call("GET", &path, Some(token), None).await;
        assert_eq!(r.status, 404, "{path}: {:?}", r.body);
    }
    let before = t.items().await.len();
    for (action, body) in [
        ("hold", None),
        (
            "assign",
            Some(json!({"employee_id": 1, "first_name": "X", "last_name": "Y"})),
        ),
    ] {
        for token in [&supply_b, &demand] {
            let r = t
                .call(
                    "POST",
                    &format!("{}/{action}", visit_path("inbox")),
                    Some(token),
                    body.clone(),
                )
                .await;
            assert_eq!(r.status, 404, "{action}: {:?}", r.body);
        }
    }
    assert_eq!(
        t.items().await.len(),
        before,
        "refused changes wrote nothing"
    );

    // The supplier works the visit.
    let post = |path: String, body: Option<Value>| {
        let t = &t;
        let token = supply_a.clone();
        async move { t.call("POST", &path, Some(&token), body).await }
    };
    let act = |a: &str| format!("{}/{a}", visit_path("inbox"));
    let r = post(
        act("assign"),
        Some(
            json!({"employee_id": 42, "first_name": "Grace", "last_name": "Hopper",
                    "ssn": "123-45-6789", "date_of_birth": "1980-02-03"}),
        ),
    )
    .await;
    assert_eq!(r.status, 204, "{:?}", r.body);
    assert_eq!(post(act("hold"), None).await.status, 204);
    let again = post(act("hold"), None).await;
    assert_eq!(
        again.status, 409,
        "holding an on-hold visit: {:?}",
        again.body
    );
    assert_eq!(post(act("reactivate"), None).await.status, 204);
    let r = post(
        act("reschedule"),
        Some(json!({"start_at": "2030-01-16T09:00:00Z", "end_at": "2030-01-16T11:00:00Z"})),
    )
    .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["id"], visit_id.as_str());
    assert_eq!(r.body["start_at"], "2030-01-16T09:00:00.000Z");
    let backwards = post(
        act("reschedule"),
        Some(json!({"start_at": "2030-01-16T09:00:00Z", "end_at": "2030-01-16T08:00:00Z"})),
    )
    .await;
    assert_eq!(backwards.status, 422, "{:?}", backwards.body);
    let r = post(
        act("adjust_timekeeping"),
        Some(json!({"verified_start_at": "2030-01-16T09:05:00Z",
                    "verified_end_at": "2030-01-16T10:55:00Z"})),
    )
    .await;
    assert_eq!(r.status, 204, "{:?}", r.body);
    let detail = t
        .call("GET", &visit_path("inbox"), Some(&supply_a), None)
        .await;
    assert_eq!(detail.body["supply_employee"]["inbox_employee_id"], 42);
    let task_id = detail.body["tasks"][0]["id"].as_str().unwrap().to_owned();
    let r = post(
        act("tasks/complete"),
        Some(json!({"tasks": [{"id": task_id, "is_completed": true,
                               "completion_comment": "All done"}]})),
    )
    .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["tasks"][0]["id"], task_id.as_str());
    assert_eq!(r.body["tasks"][0]["is_completed"], true);
    assert!(r.body["tasks"][0]["completed_at"].is_string());
    assert_eq!(
        post(act("delete"), None).await.status,
        409,
        "the demand's visit is not the supplier's to delete"
    );

    // A work session: one open at a time, ended once, not before it started.
    let sessions = "/offers/v1/inbox/work_sessions";
    let start = post(
        format!("{sessions}/start"),
        Some(json!({"visit_id": visit_id, "inbox_id": "ws-1",
                    "start_at": "2030-01-16T09:02:00Z",
                    "start_latitude": 43.65, "start_longitude": -79.38})),
    )
    .await;
    assert_eq!(start.status, 201, "{:?}", start.body);
    assert_eq!(start.body["inbox_id"], "ws-1");
    let session_id = start.body["id"].as_str().unwrap().to_owned();
    let second = post(
        format!("{sessions}/start"),
        Some(json!({"visit_id": visit_id, "inbox_id": "ws-2",
                    "start_at": "2030-01-16T09:03:00Z"})),
    )
    .await;
    assert_eq!(second.status, 409, "{:?}", second.body);
    let neither = post(
        format!("{sessions}/end"),
        Some(json!({"visit_id": visit_id, "end_at": "2030-01-16T11:00:00Z"})),
    )
    .await;
    assert_eq!(neither.status, 400, "{:?}", neither.body);
    let early = post(
        format!("{sessions}/end"),
        Some(json!({"visit_id": visit_id, "work_session_id": session_id,
                    "end_at": "2030-01-16T09:00:00Z"})),
    )
    .await;
    assert_eq!(early.status, 422, "{:?}", early.body);
    let end = json!({"visit_id": visit_id, "inbox_id": "ws-1",
                     "end_at": "2030-01-16T10:58:00Z", "end_latitude": 43.66});
    assert_eq!(
        post(format!("{sessions}/end"), Some(end.clone()))
            .await
            .status,
        204
    );
    assert_eq!(
        post(format!("{sessions}/end"), Some(end)).await.status,
        409,
        "ending twice"
    );

    // The demand reads what the supplier did.
    let seen = t
        .call("GET", &visit_path("outbox"), Some(&demand), None)
        .await;
    assert_eq!(seen.status, 200, "{:?}", seen.body);
    assert_eq!(seen.body["visit"]["start_at"], "2030-01-16T09:00:00.000Z");
    assert_eq!(
        seen.body["visit"]["verified_end_at"],
        "2030-01-16T10:55:00.000Z"
    );
    assert_eq!(seen.body["supply"]["id"], org(&t.demo.supply_a).to_string());
    assert_eq!(seen.body["supply_employee"]["first_name"], "Grace");
    assert_eq!(
        seen.body["supply_employee"]["ssn_placeholder"],
        "***-**-6789"
    );
    assert!(
        seen.body["supply_employee"]
            .get("inbox_employee_id")
            .is_none(),
        "the supplier's own employee id stays with it"
    );
    assert_eq!(seen.body["tasks"][0]["completion_comment"], "All done");
    for q in [
        format!("visit_id={visit_id}"),
        format!("visit_outbox_id={visit_outbox_id}"),
    ] {
        let ws = t
            .call(
                "GET",
                &format!("/offers/v1/outbox/work_sessions?{q}"),
                Some(&demand),
                None,
            )
            .await;
        assert_eq!(ws.status, 200, "{:?}", ws.body);
        let items = ws.body["items"].as_array().unwrap();
        assert_eq!(items.len(), 1, "{q}");
        assert_eq!(items[0]["id"], session_id.as_str());
        assert_eq!(items[0]["end_at"], "2030-01-16T10:58:00.000Z");
        assert_eq!(items[0]["end_latitude"], 43.66);
    }

    // Exactly these events, to the demand only.
    t.settle().await;
    let got = visit_events(&demand_sub).await;
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
                assert_eq!(p["visit_id"], visit_id.as_str());
                assert_eq!(p["id"], visit_id.as_str());
                assert_eq!(p["referral_id"], referral_id.as_str());
                assert_eq!(p["service"]["outbox_id"], "service-2001");
            }
            "outbox-visit-tasks" => {
                assert_eq!(p["visit_outbox_id"], visit_outbox_id.as_str());
                assert_eq!(p["tasks"][0]["id"], task_id.as_str());
                assert_eq!(p["tasks"][0]["is_completed"], true);
                assert_eq!(p["tasks"][0]["outbox_id"], "task-4001");
            }
            _ => {
                assert_eq!(p["work_session_id"], session_id.as_str());
                assert_eq!(p["visit_outbox_id"], visit_outbox_id.as_str());
                assert_eq!(p["start_latitude"], 43.65);
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
        .find(|(_, p)| p["event_name"] == "VisitSupplyRescheduled")
        .unwrap();
    assert_eq!(rescheduled.1["start_at"], "2030-01-16T09:00:00.000Z");
    assert!(visit_events(&a_sub).await.is_empty());
    assert!(visit_events(&b_sub).await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_supplier_schedules_visits_on_a_service_referral() {
    let t = TestStack::start().await;
    let org = |u: &devstack::seed::User| u.organization.as_ref().unwrap().id;
    let demand_sub = Subscriber::new(&t, org(&t.demo.demand)).await;
    let a_sub = Subscriber::new(&t, org(&t.demo.supply_a)).await;
    let demand = t.login(&t.demo.demand).await;
    let supply_a = t.login(&t.demo.supply_a).await;
    let supply_b = t.login(&t.demo.supply_b).await;
    let admin = t.login(&t.demo.sys_admin).await;

    let referral_id = referral_from(&t, offer_body()).await;
    let by_referral = format!("/offers/v1/outbox/visits?referral_id={referral_id}");
    let none = t.call("GET", &by_referral, Some(&demand), None).await;
    assert_eq!(
        none.body["total_items"], 0,
        "a service referral's visits are the supplier's to schedule"
    );
    let service_id = t
        .call(
            "GET",
            &format!("/offers/v1/inbox/referrals/{referral_id}"),
            Some(&supply_a),
            None,
        )
        .await
        .body["service"]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let schedule = |token: String, body: Value| {
        let t = &t;
        async move {
            t.call(
                "POST",
                "/offers/v1/inbox/visits/schedule",
                Some(&token),
                Some(body),
            )
            .await
        }
    };
    let first = schedule(
        supply_a.clone(),
        json!({"referral_id": referral_id, "inbox_id": "v-1",
               "start_at": "2030-01-15T09:00:00Z", "end_at": "2030-01-15T10:00:00Z"}),
    )
    .await;
    assert_eq!(first.status, 201, "{:?}", first.body);
    assert_eq!(first.body["service_id"], service_id.as_str());
    assert_eq!(first.body["referral_id"], referral_id.as_str());
    let v1 = first.body["id"].as_str().unwrap().to_owned();
    let second = schedule(
        supply_a.clone(),
        json!({"service_id": service_id, "inbox_id": "v-2",
               "start_at": "2030-01-14T09:00:00Z", "end_at": "2030-01-14T10:00:00Z"}),
    )
    .await;
    assert_eq!(second.status, 201, "{:?}", second.body);
    assert_eq!(second.body["referral_id"], referral_id.as_str());
    let v2 = second.body["id"].as_str().unwrap().to_owned();
    for (token, body, status) in [
        (
            &supply_a,
            json!({"referral_id": referral_id, "inbox_id": "v-1",
                   "start_at": "2030-01-16T09:00:00Z", "end_at": "2030-01-16T10:00:00Z"}),
            409,
        ),
        (
            &supply_a,
            json!({"referral_id": referral_id, "inbox_id": "v-3",
                   "start_at": "2030-01-16T09:00:00Z", "end_at": "2030-01-16T08:00:00Z"}),
            422,
        ),
        (
            &supply_a,
            json!({"inbox_id": "v-4", "start_at": "2030-01-16T09:00:00Z",
                   "end_at": "2030-01-16T10:00:00Z"}),
            400,
        ),
        (
            &supply_b,
            json!({"referral_id": referral_id, "inbox_id": "v-5",
                   "start_at": "2030-01-16T09:00:00Z", "end_at": "2030-01-16T10:00:00Z"}),
            404,
        ),
    ] {
        let r = schedule(token.clone(), body.clone()).await;
        assert_eq!(r.status, status, "{body}: {:?}", r.body);
    }

    // The supplier finds it by its own id; nobody else does.
    let mine = t
        .call(
            "GET",
            "/offers/v1/inbox/visits/by_inbox_id/v-1",
            Some(&supply_a),
            None,
        )
        .await;
    assert_eq!(mine.status, 200, "{:?}", mine.body);
    assert_eq!(mine.body["visit"]["id"], v1.as_str());
    assert_eq!(mine.body["visit"]["inbox_id"], "v-1");
    assert_eq!(
        t.call(
            "GET",
            "/offers/v1/inbox/visits/by_inbox_id/v-1",
            Some(&supply_b),
            None
        )
        .await
        .status,
        404
    );

    // The demand lists them by its own service id, earliest first on request.
    let listed = t
        .call(
            "GET",
            "/offers/v1/outbox/visits?service_outbox_id=service-2001&sort_order=asc",
            Some(&demand),
            None,
        )
        .await;
    assert_eq!(listed.status, 200, "{:?}", listed.body);
    let ids: Vec<&str> = listed.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [v2.as_str(), v1.as_str()]);
    assert!(listed.body["items"][0].get("visit_outbox_id").is_none());
    let missing = t
        .call("GET", "/offers/v1/outbox/visits", Some(&demand), None)
        .await;
    assert_eq!(missing.status, 400, "{:?}", missing.body);

    // Tasks only from referral tasks the supplier named; this referral's have no inbox ids.
    let tasks = t
        .call(
            "POST",
            &format!("/offers/v1/inbox/visits/{v1}/tasks"),
            Some(&supply_a),
            Some(json!({"inbox_ids": ["unknown"]})),
        )
        .await;
    assert_eq!(tasks.status, 200, "{:?}", tasks.body);
    assert_eq!(tasks.body["tasks"], json!([]));

    // A work session named by the supplier's ids only.
    let start = t
        .call(
            "POST",
            "/offers/v1/inbox/work_sessions/start",
            Some(&supply_a),
            Some(json!({"visit_inbox_id": "v-1", "inbox_id": "s-1",
                        "start_at": "2030-01-15T09:00:00Z"})),
        )
        .await;
    assert_eq!(start.status, 201, "{:?}", start.body);
    let end = t
        .call(
            "POST",
            "/offers/v1/inbox/work_sessions/end",
            Some(&supply_a),
            Some(json!({"visit_inbox_id": "v-1", "inbox_id": "s-1",
                        "end_at": "2030-01-15T10:00:00Z"})),
        )
        .await;
    assert_eq!(end.status, 204, "{:?}", end.body);

    // Deleted is final.
    let delete = format!("/offers/v1/inbox/visits/{v2}/delete");
    assert_eq!(
        t.call("POST", &delete, Some(&supply_a), None).await.status,
        204
    );
    for path in [
        delete.clone(),
        format!("/offers/v1/inbox/visits/{v2}/reactivate"),
    ] {
        assert_eq!(
            t.call("POST", &path, Some(&supply_a), None).await.status,
            409,
            "{path}"
        );
    }

    // sys_admin sees both, deleted included; organizations cannot use its view.
    let all = t
        .call(
            "GET",
            &format!("/offers/v1/sys_admin/visits?referral_id={referral_id}"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(all.status, 200, "{:?}", all.body);
    assert_eq!(all.body["total_items"], 2);
    let one = t
        .call(
            "GET",
            &format!("/offers/v1/sys_admin/visits/{v2}"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(one.body["visit"]["status"], "deleted");
    assert_eq!(one.body["visit"]["inbox_id"], "v-2");
    assert_eq!(
        t.call("GET", "/offers/v1/sys_admin/visits", Some(&admin), None)
            .await
            .status,
        400,
        "the whole table is never scanned"
    );
    assert_eq!(
        t.call(
            "GET",
            &format!("/offers/v1/sys_admin/visits/{v2}"),
            Some(&supply_a),
            None
        )
        .await
        .status,
        403
    );

    // Once the referral is cancelled, its visits change no more.
    let cancel = t
        .call(
            "POST",
            &format!("/offers/v1/outbox/referrals/{referral_id}/cancel"),
            Some(&demand),
            Some(json!({"reason_code": "client_request"})),
        )
        .await;
    assert_eq!(cancel.status, 204, "{:?}", cancel.body);
    let hold = t
        .call(
            "POST",
            &format!("/offers/v1/inbox/visits/{v1}/hold"),
            Some(&supply_a),
            None,
        )
        .await;
    assert_eq!(hold.status, 409, "{:?}", hold.body);

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
        assert!(
            p.get("visit_outbox_id").is_none(),
            "the supplier's visits have no demand id: {p}"
        );
    }
    let deleted = got
        .iter()
        .find(|(_, p)| p["event_name"] == "VisitSupplyDeleted")
        .unwrap();
    assert_eq!(deleted.1["visit_id"], v2.as_str());
    assert_eq!(deleted.1["service"]["id"], service_id.as_str());
    assert!(visit_events(&a_sub).await.is_empty());
}

/// A visit change decided on a referral that has changed since (here: cancelled by the demand
/// between the supplier's read and its write) does not land: the transaction checks the
/// referral's version, so the change is decided again on the new state and refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_visit_change_racing_the_referrals_cancellation_does_not_land() {
    let t = TestStack::start().await;
    let referral_id = referral_from(&t, offer_body()).await;
    let supply_a = t.login(&t.demo.supply_a).await;
    let demand = t.login(&t.demo.demand).await;
    let scheduled = t
        .call(
            "POST",
            "/offers/v1/inbox/visits/schedule",
            Some(&supply_a),
            Some(json!({"referral_id": referral_id, "inbox_id": "race-1",
                "start_at": "2030-01-15T09:00:00Z", "end_at": "2030-01-15T10:00:00Z"})),
        )
        .await;
    assert_eq!(scheduled.status, 201, "{:?}", scheduled.body);
    let db = &t.stack.app().db;
    let visit_id = serde_json::from_value(scheduled.body["id"].clone()).unwrap();
    let read_visit = db.get_visit(visit_id).await.unwrap().unwrap();
    let read_referral = db
        .get_referral(serde_json::from_value(json!(referral_id)).unwrap())
        .await
        .unwrap()
        .unwrap();
    // The supplier decided to hold the visit on what it read...
    let now = shared::time::now();
    let held = read_visit
        .apply(
            read_referral.status,
            shared::domain::visit::VisitAction::Hold,
            now,
        )
        .unwrap();
    // ...and the demand cancels the referral before the hold is written.
    let cancel = t
        .call(
            "POST",
            &format!("/offers/v1/outbox/referrals/{referral_id}/cancel"),
            Some(&demand),
            Some(json!({"reason_code": "client_request"})),
        )
        .await;
    assert_eq!(cancel.status, 204, "{:?}", cancel.body);
    let stale = db
        .apply_visit_change(read_visit.version, &held.visit, None, &read_referral)
        .await;
    assert!(
        matches!(stale, Err(shared::db::DbError::ConditionFailed)),
        "{stale:?}"
    );
    assert_eq!(
        db.get_visit(visit_id).await.unwrap().unwrap().status,
        shared::domain::visit::VisitStatus::Scheduled
    );
    // Through the API the same hold is decided on the cancelled referral: 409.
    let hold = t
        .call(
            "POST",
            &format!("/offers/v1/inbox/visits/{visit_id}/hold"),
            Some(&supply_a),
            None,
        )
        .await;
    assert_eq!(hold.status, 409, "{:?}", hold.body);
}
