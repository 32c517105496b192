//! The care flow end to end, as the participants' clients drive it: demand creates an offer,
//! both suppliers see it, one accepts, one declines, demand assigns, the referral exists on
//! both sides, and each organization's SNS subscription got exactly its own events.

use platform_tests::client::NO_BODY;
use platform_tests::client::Side::{Inbox, Outbox};
use platform_tests::given::{self, offer_body, text};
use platform_tests::{Subscriber, TestStack, assert_fields};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offer_to_referral_with_exactly_the_expected_messages() {
    let t = TestStack::start().await;
    let subs = given::subscribers(&t).await;
    // An organization that takes part in nothing must receive nothing.
    let outsider_sub = Subscriber::new(&t, shared::kernel::ids::OrgId::new()).await;
    let (demand, supply_a, supply_b) = given::logins(&t).await.parties();

    // Demand creates an offer.
    let created = t.offers(&demand).create(offer_body()).await.ok(201);
    let offer_id = text(&created["offer"]["id"]);
    assert_fields!(created, {"offer": {"status": "open"}, "response_counts": {"sent": 2},
        "demand": {"name": "Maple Home Health"}});

    // Both suppliers see it in their inbox, anonymized, once the stream has projected it.
    t.settle().await;
    for token in [&supply_a, &supply_b] {
        let inbox = t.offers(token).inbox_list("").await.counted(1);
        assert_eq!(inbox["items"][0]["offer"]["id"], offer_id.as_str());
        assert_eq!(inbox["items"][0]["match"]["status"], "open");
        let detail = t.offers(token).inbox(&offer_id).await.ok(200);
        let client = &detail["client"];
        let street = client["address"].get("address");
        let anonymized = client.get("demographics").is_none() && street.is_none();
        assert!(anonymized, "PHI leaked: {client}");
        assert!(client["address"]["city"].is_string());
    }

    // One accepts, one declines.
    let accept = json!({"comment": "We can staff it"});
    t.offers(&supply_a).accept(&offer_id, accept).await.ok(204);
    let decline = json!({"reason_code": "no_employee_availability"});
    let declined = t.offers(&supply_b).decline(&offer_id, decline).await;
    declined.ok(204);

    // Demand sees the responses and assigns the acceptance.
    let offers = t.offers(&demand);
    let matches = offers
        .matches(&offer_id, "response=accepted")
        .await
        .counted(1);
    let northern = "Northern Care Partners";
    assert_eq!(matches["items"][0]["supply"]["name"], northern);
    let assign = json!({"offer_match_id": matches["items"][0]["match"]["id"]});
    offers.assign(&offer_id, assign).await.ok(204);

    let offer = offers.outbox(&offer_id).await.ok(200);
    assert_eq!(offer["offer"]["status"], "assigned");
    assert_eq!(offer["supply"]["name"], northern);
    assert_fields!(offer, {"response_counts": {"accepted": 1, "declined": 1}});

    // The referral exists on both sides, and only there.
    let outbox = t.referrals(&demand).outbox_list("").await.counted(1);
    let referral = &outbox["items"][0]["referral"];
    let referral_id = text(&referral["id"]);
    assert_fields!(referral, {"offer_id": offer_id, "status": "assigned"});
    let inbox = t.referrals(&supply_a).inbox_list("").await.ok(200);
    assert_eq!(inbox["items"][0]["referral"]["id"], referral_id.as_str());
    let detail = t.referrals(&supply_a).inbox(&referral_id).await.ok(200);
    let first_name = &detail["client"]["demographics"]["first_name"];
    let offered = &offer_body()["client"]["demographics"]["first_name"];
    assert_eq!(first_name, offered);
    let demand_view = t.referrals(&demand).outbox(&referral_id).await.ok(200);
    assert_eq!(demand_view["revision"]["revision_number"], 1);
    let b = t.referrals(&supply_b);
    assert_eq!(b.inbox_list("").await.ok(200)["total_items"], 0);
    assert_eq!(b.inbox(&referral_id).await.status, 404);
    let b_match = t.offers(&supply_b).inbox(&offer_id).await.ok(200);
    assert_eq!(b_match["match"]["status"], "fulfilled");

    // What each organization's subscription received.
    t.settle().await;
    let accepted = ("outbox-offers", "OfferAccepted");
    let declined = ("outbox-offers", "OfferDeclined");
    let created = ("outbox-referrals", "ReferralCreated");
    let heard = [accepted, declined, created];
    subs.demand.assert_heard(&heard).await;
    let matched = ("inbox-offers", "OfferMatched");
    let created = ("inbox-referrals", "ReferralCreated");
    subs.a.assert_heard(&[matched, created]).await;
    let fulfilled = ("inbox-offers", "OfferFulfilled");
    subs.b.assert_heard(&[matched, fulfilled]).await;
    assert!(outsider_sub.drain().await.is_empty());

    // Publishing again (a stream retry) re-sends nothing new: the pump is idle.
    t.settle().await;
    assert!(subs.demand.drain().await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn referral_payload_names_both_organizations_and_the_client() {
    let t = TestStack::start().await;
    let a_sub = given::subscriber(&t, &t.demo.supply_a).await;
    let (demand, supply_a, _) = given::logins(&t).await.parties();
    given::auto_assignment(&t, &demand).await;
    let setting = t.offers(&demand).assignment().await.ok(200);
    assert_eq!(setting, json!({"offer_assignment": "auto"}));

    let offer_id = given::offer(&t, &demand).await;
    // Automatic assignment: the first acceptance assigns.
    t.offers(&supply_a).accept(&offer_id, NO_BODY).await.ok(204);
    let offer = t.offers(&demand).outbox(&offer_id).await.ok(200);
    assert_eq!(offer["offer"]["status"], "assigned");
    // Manual assign is forbidden in auto mode.
    let matches = t.offers(&demand).matches(&offer_id, "").await.ok(200);
    let assign = json!({"offer_match_id": matches["items"][0]["match"]["id"]});
    t.offers(&demand).assign(&offer_id, assign).await.ok(403);

    t.settle().await;
    let got = a_sub.drain().await;
    let created = got.iter().find(|r| r.name() == "ReferralCreated");
    let created = created.expect("ReferralCreated");
    let p = &created.payload;
    assert_eq!(p["event_source"], "alayamarket.referrals");
    assert_eq!(p["id"], p["referral_id"]);
    assert_eq!(p["demand"]["name"], "Maple Home Health");
    assert_eq!(p["supply"]["name"], "Northern Care Partners");
    let client = &offer_body()["client"]["outbox_id"];
    assert_eq!(&p["client"]["outbox_id"], client);
    assert_eq!(created.attributes["event_id"]["Value"], p["event_id"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_offer_past_its_expiry_expires_once_on_both_sides() {
    let t = TestStack::start().await;
    let demand_sub = given::subscriber(&t, &t.demo.demand).await;
    let a_sub = given::subscriber(&t, &t.demo.supply_a).await;
    let (demand, supply_a, _) = given::logins(&t).await.parties();
    let id = given::offer(&t, &demand).await;
    let expires_at = text(&offer_body()["offer"]["expires_at"]);
    let expires_at: chrono::DateTime<chrono::Utc> = expires_at.parse().unwrap();
    t.settle().await;
    a_sub.drain().await;

    // The scheduler's clock is injected: a tick before the expiry changes nothing.
    let run = async |at| {
        let expired = t.stack.invoke_schedule("offers.expire_offers", at).await;
        expired.unwrap()
    };
    let before = run(expires_at - chrono::Duration::seconds(1)).await;
    assert_eq!(before["expired"], 0);
    // Two scheduler invocations for the same tick: the offer expires once.
    let tick = expires_at + chrono::Duration::seconds(30);
    let (x, y) = tokio::join!(run(tick), run(tick));
    let expired = x["expired"].as_u64().unwrap() + y["expired"].as_u64().unwrap();
    assert_eq!(expired, 1, "{x} {y}");
    assert_eq!(run(tick).await["expired"], 0, "it left the expiry index");

    let offer = t.offers(&demand).outbox(&id).await.ok(200);
    assert_eq!(offer["offer"]["status"], "expired");
    t.offers(&supply_a).accept(&id, json!({})).await.ok(409);

    t.settle().await;
    let expired = |channel| [(channel, "OfferExpired")];
    demand_sub.assert_heard(&expired("outbox-offers")).await;
    a_sub.assert_heard(&expired("inbox-offers")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn referrals_are_processed_and_cancelled_with_an_event_to_the_other_side() {
    let t = TestStack::start().await;
    let demand_sub = given::subscriber(&t, &t.demo.demand).await;
    let a_sub = given::subscriber(&t, &t.demo.supply_a).await;
    let logins = given::logins(&t).await;
    let (demand, supply_a, supply_b) = (&logins.demand, &logins.supply_a, &logins.supply_b);
    let id = given::auto_assigned(&t, &logins, offer_body()).await;
    t.settle().await;
    demand_sub.drain().await;
    a_sub.drain().await;

    // Only the referral's supplier can act on it; others do not see it at all.
    assert_eq!(t.referrals(supply_b).mark_processed(&id).await.status, 404);
    assert_eq!(t.referrals(demand).mark_processed(&id).await.status, 404);
    t.referrals(supply_a).mark_processed(&id).await.ok(204);
    t.referrals(supply_a).mark_processed(&id).await.ok(409);

    // Bad bodies are refused and change nothing.
    for bad in [
        json!({"reason_code": "bored"}),
        json!({"comment": "x".repeat(1001)}),
    ] {
        t.referrals(demand).outbox_cancel(&id, bad).await.ok(400);
    }
    let cancel = json!({"reason_code": "client_passed_away", "comment": "Sadly."});
    t.referrals(demand).outbox_cancel(&id, cancel).await.ok(204);
    let seen = t.referrals(demand).outbox(&id).await.ok(200);
    assert_fields!(seen["referral"], {"status": "cancelled", "reason_code": "client_passed_away",
        "cancellation_comment": "Sadly."});
    let late = json!({"reason_code": "other"});
    t.referrals(supply_a).inbox_cancel(&id, late).await.ok(409);

    t.settle().await;
    let processed = ("outbox-referrals", "ReferralProcessed");
    demand_sub.assert_heard(&[processed]).await;
    let cancelled = ("inbox-referrals", "ReferralDemandCancelled");
    a_sub.assert_heard(&[cancelled]).await;

    // The supplier's cancellation reaches the demand.
    let other = given::auto_assigned(&t, &logins, offer_body()).await;
    let cancel = json!({"reason_code": "processing_error"});
    let cancelled = t.referrals(supply_a).inbox_cancel(&other, cancel).await;
    cancelled.ok(204);
    t.settle().await;
    let names = demand_sub.names().await;
    let cancelled = ("outbox-referrals".into(), "ReferralSupplyCancelled".into());
    assert!(names.contains(&cancelled), "{names:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_flow_both_ways_in_a_sequence_and_only_its_parties_see_them() {
    let t = TestStack::start().await;
    let subs = given::subscribers(&t).await;
    let (demand, supply_a, supply_b) = given::logins(&t).await.parties();
    let offer_id = given::offer(&t, &demand).await;
    // Each matched supplier has its own sequence with the demand.
    let seq = given::sequence(&t, &offer_id, &supply_a).await;
    t.settle().await;
    subs.clear().await;

    let ask = json!({"sequence_id": seq, "category": "comment",
                     "text": "Can you start at 9:30?", "author": "Dana"});
    let sent = t.messages(&demand).send(Outbox, ask).await.ok(201);
    assert_eq!(sent["message"]["sender_type"], "demand");
    let reply = json!({"sequence_id": seq, "category": "client_attachment",
        "text": "Yes; consent attached.", "file": {"url": "https://files.example.com/consent.pdf",
        "name": "consent.pdf", "size_in_bytes": 4821}});
    let reply = t.messages(&supply_a).send(Inbox, reply).await.ok(201);
    let reply_id = text(&reply["message"]["id"]);

    // Both sides read the thread, oldest first when asked so; filters apply.
    let query = format!("sequence_id={seq}&sort_order=asc");
    let list = t.messages(&supply_a).list(Inbox, &query).await.counted(2);
    assert_eq!(list["items"][0]["sender_type"], "demand");
    assert_eq!(list["items"][1]["file"]["name"], "consent.pdf");
    let query = format!("sequence_id={seq}&sender_type=supply");
    t.messages(&demand).list(Outbox, &query).await.counted(1);
    let detail = t.messages(&demand).get(Outbox, &reply_id).await.ok(200);
    assert_eq!(detail["message"]["file"]["size_in_bytes"], 4821);

    // Supplier B was matched to the same offer but is not a party to A's sequence.
    let b = t.messages(&supply_b);
    let list = b.list(Inbox, &format!("sequence_id={seq}")).await;
    list.ok_as(404, "list");
    b.get(Inbox, &reply_id).await.ok_as(404, "get");
    let hello = given::comment(&seq, "hello");
    b.send(Inbox, hello).await.ok_as(404, "send");
    // The sequence_id filter is required; a message must say something.
    t.messages(&demand).list(Outbox, "").await.ok(400);
    let silent = json!({"sequence_id": seq, "category": "comment"});
    t.messages(&demand).send(Outbox, silent).await.ok(422);

    t.settle().await;
    let sent = ("inbox-messages", "MessageDemandSent");
    subs.a.assert_heard(&[sent]).await;
    let got = subs.demand.drain().await;
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].name(), "MessageSupplySent");
    assert_fields!(got[0].payload, {"message_id": reply_id,
        "sender": {"name": "Northern Care Partners"}, "file": {"name": "consent.pdf"}});
    assert!(subs.b.drain().await.is_empty());
}

/// The whole care flow as the issue describes it, driven over HTTP: offer → accept → assign →
/// referral processed → a visit scheduled and assigned → its tasks mapped → work session
/// started and ended → tasks completed → messages both ways → form template published and a
/// submission approved → referral cancelled. Every organization's subscription gets exactly its
/// own events (each validated against the AsyncAPI on receipt) and nobody else's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_whole_care_flow_reaches_each_organization_with_exactly_its_events() {
    let t = TestStack::start().await;
    let subs = given::subscribers(&t).await;
    let outsider_sub = Subscriber::new(&t, shared::kernel::ids::OrgId::new()).await;
    let logins = given::logins(&t).await;
    let (demand, supply_a, supply_b) = (&logins.demand, &logins.supply_a, &logins.supply_b);

    // Offer → accept (A) / decline (B) → assign.
    let offer_id = given::offer(&t, demand).await;
    t.offers(supply_a).accept(&offer_id, NO_BODY).await.ok(204);
    let decline = json!({"reason_code": "no_employee_availability"});
    t.offers(supply_b).decline(&offer_id, decline).await.ok(204);
    let referral_id = given::assigned(&t, &logins, &offer_id).await;
    let sequence_id = given::sequence(&t, &offer_id, supply_a).await;

    // The referral: processed by the supplier, which maps the client's task to its own id.
    let referrals = t.referrals(supply_a);
    let referral = referrals.inbox(&referral_id).await.ok(200);
    let client_task = referral["visits"][0]["tasks"][0]["id"].clone();
    referrals.mark_processed(&referral_id).await.ok(204);
    let tasks = json!({"client_tasks": [{"id": client_task, "inbox_id": "task-bath"}]});
    referrals.update_tasks(&referral_id, tasks).await.ok(204);

    // A visit scheduled on the (service) referral and assigned to a caregiver, with the
    // client's task on it.
    let visits = t.visits(supply_a);
    let visit_id = given::scheduled_visit(&t, supply_a, &referral_id, "visit-0001").await;
    let caregiver = json!({"employee_id": 42, "first_name": "Grace", "last_name": "Hopper"});
    visits.assign(&visit_id, caregiver).await.ok(204);
    let task_ids = json!({"inbox_ids": ["task-bath"]});
    let mapped = visits.map_tasks(&visit_id, task_ids).await.ok(200);
    let visit_task = mapped["tasks"][0]["id"].clone();
    assert!(visit_task.is_string(), "{mapped}");

    // The caregiver works the visit.
    let start = given::work_start(&visit_id, "ws-1", "2030-01-15T09:02:00Z");
    let session = text(&visits.start_work(start).await.ok(201)["id"]);
    let session = ("work_session_id", session.as_str());
    let end = given::work_end(&visit_id, session, "2030-01-15T09:58:00Z");
    visits.end_work(end).await.ok(204);
    let done = json!({"tasks": [{"id": visit_task, "is_completed": true,
        "completion_comment": "Done"}]});
    visits.complete_tasks(&visit_id, done).await.ok(200);

    // Messages both ways in the match's sequence.
    let asked = given::comment(&sequence_id, "How did the first visit go?");
    t.messages(demand).send(Outbox, asked).await.ok(201);
    let answered = given::comment(&sequence_id, "Well; notes to follow.");
    t.messages(supply_a).send(Inbox, answered).await.ok(201);

    // The demand publishes its visit-note form; the supplier submits one about the visit.
    let published = given::published_form(&t, demand).await;
    let field = published["fields"][0]["field_id"].clone();
    let form = json!({"form_template_id": published["form_template_id"], "visit_id": visit_id,
        "fields": [{"field_id": field, "value_type": "boolean", "value": "true"}]});
    t.forms(supply_a).submit(form).await.ok(201);

    // Finally the demand cancels the referral.
    let cancel = json!({"reason_code": "client_request", "comment": "Client moved away"});
    let cancelled = t.referrals(demand).outbox_cancel(&referral_id, cancel);
    cancelled.await.ok(204);

    t.settle().await;
    subs.demand
        .assert_heard(&[
            ("outbox-form-submissions", "FormSubmissionSupplyApproved"),
            ("outbox-messages", "MessageSupplySent"),
            ("outbox-offers", "OfferAccepted"),
            ("outbox-offers", "OfferDeclined"),
            ("outbox-referrals", "ReferralCreated"),
            ("outbox-referrals", "ReferralProcessed"),
            ("outbox-visit-tasks", "VisitTasksCompleted"),
            ("outbox-visits", "VisitSupplyAssigned"),
            ("outbox-visits", "VisitSupplyScheduled"),
            ("outbox-work-sessions", "WorkSessionEnded"),
            ("outbox-work-sessions", "WorkSessionStarted"),
        ])
        .await;
    subs.a
        .assert_heard(&[
            ("inbox-form-templates", "FormTemplateDemandPublished"),
            ("inbox-messages", "MessageDemandSent"),
            ("inbox-offers", "OfferMatched"),
            ("inbox-referrals", "ReferralCreated"),
            ("inbox-referrals", "ReferralDemandCancelled"),
        ])
        .await;
    // B declined: it hears the offer, its fulfilment by A and the form of a demand that
    // trusts it, and nothing of A's referral, visit, sessions or messages.
    subs.b
        .assert_heard(&[
            ("inbox-form-templates", "FormTemplateDemandPublished"),
            ("inbox-offers", "OfferFulfilled"),
            ("inbox-offers", "OfferMatched"),
        ])
        .await;
    assert!(outsider_sub.drain().await.is_empty());
}
