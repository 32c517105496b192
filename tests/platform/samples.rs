//! Every handler runs on its `events/` sample (the same files `scripts/invoke.sh`,
//! `cargo lambda invoke --data-file` and `sam local invoke -e` take), through the path
//! `scripts/invoke.sh` takes (`devstack::invoke`), against the local stack's demo data and
//! sample records (`devstack::samples`), and answers what [`EXPECTED`] says it shows: an HTTP
//! sample its status, with a body valid against docs/openapi.yaml; a stream or queue sample
//! no failed record; a schedule or Task sample success. A handler without a row fails.

use std::collections::BTreeSet;

use devstack::invoke::{self, Credentials};
use functions::Handler;
use platform_tests::TestStack;
use platform_tests::published::{documented_violations, published_violations};
use serde_json::Value;

/// What a sample is meant to show.
#[derive(Clone, Copy, Debug)]
enum Expect {
    /// An HTTP route's status.
    Answers(u16),
    /// A stream, queue, schedule or Task handler's success: no failed record, no error.
    Completes,
}

/// Every handler's sample and what it shows: each happy path, against the records it names.
const EXPECTED: &[(&str, Expect)] = &[
    ("auth.change_password", Expect::Answers(204)),
    ("auth.confirm_forgot_password", Expect::Answers(204)),
    ("auth.current_identity", Expect::Answers(200)),
    ("auth.forgot_password", Expect::Answers(204)),
    ("auth.healthz", Expect::Answers(200)),
    ("auth.login", Expect::Answers(200)),
    ("collector.deliver", Expect::Completes),
    ("collector.dispatch", Expect::Completes),
    ("collector.event_subscription.create", Expect::Answers(201)),
    (
        "collector.event_subscription.deactivate",
        Expect::Answers(200),
    ),
    ("collector.event_subscription.get", Expect::Answers(200)),
    ("collector.event_subscription.list", Expect::Answers(200)),
    ("collector.event_subscription.update", Expect::Answers(200)),
    ("collector.events.create", Expect::Answers(200)),
    ("collector.events.get", Expect::Answers(200)),
    ("collector.jobs.create", Expect::Answers(201)),
    ("collector.jobs.delete", Expect::Answers(204)),
    ("collector.jobs.delete_post", Expect::Answers(204)),
    ("collector.jobs.get", Expect::Answers(200)),
    ("collector.jobs.list", Expect::Answers(200)),
    ("collector.jobs.update", Expect::Answers(200)),
    ("collector.run_jobs", Expect::Completes),
    ("events.hub_delivery", Expect::Completes),
    ("events.hub_send", Expect::Completes),
    ("events.notification_feed", Expect::Completes),
    ("events.publish", Expect::Completes),
    ("externalapi.hub.create", Expect::Answers(201)),
    ("externalapi.hub.delete", Expect::Answers(204)),
    ("externalapi.hub.get", Expect::Answers(200)),
    ("externalapi.hub.list", Expect::Answers(200)),
    ("externalapi.listener.create", Expect::Answers(201)),
    ("notification.subscriptions.create", Expect::Answers(201)),
    ("notification.subscriptions.delete", Expect::Answers(204)),
    (
        "notification.subscriptions.notifications",
        Expect::Answers(200),
    ),
    ("notification.subscriptions.get", Expect::Answers(200)),
    ("oauth.create_client", Expect::Answers(201)),
    ("oauth.delete_client", Expect::Answers(204)),
    ("oauth.get_client", Expect::Answers(200)),
    ("oauth.token", Expect::Answers(200)),
    (
        "offers.demand_personas.get_assignment",
        Expect::Answers(200),
    ),
    (
        "offers.demand_personas.set_assignment",
        Expect::Answers(204),
    ),
    ("offers.downloads.get", Expect::Answers(302)),
    ("offers.expire_offers", Expect::Completes),
    ("offers.healthz", Expect::Answers(200)),
    ("offers.inbox.offers.accept", Expect::Answers(204)),
    ("offers.inbox.referrals.cancel", Expect::Answers(204)),
    ("offers.inbox.offers.decline", Expect::Answers(204)),
    ("offers.inbox.form_submissions.create", Expect::Answers(201)),
    ("offers.inbox.form_templates.latest", Expect::Answers(200)),
    ("offers.inbox.messages.get", Expect::Answers(200)),
    ("offers.inbox.offers.get", Expect::Answers(200)),
    ("offers.inbox.referrals.get", Expect::Answers(200)),
    ("offers.inbox.messages.list", Expect::Answers(200)),
    ("offers.inbox.offers.list", Expect::Answers(200)),
    ("offers.inbox.referrals.list", Expect::Answers(200)),
    (
        "offers.inbox.referrals.mark_processed",
        Expect::Answers(204),
    ),
    ("offers.inbox.messages.get_file", Expect::Answers(302)),
    ("offers.inbox.messages.presign_file", Expect::Answers(200)),
    ("offers.inbox.messages.send", Expect::Answers(201)),
    ("offers.inbox.sequences.list", Expect::Answers(200)),
    ("offers.inbox.referrals.update_tasks", Expect::Answers(204)),
    (
        "offers.inbox.visits.adjust_timekeeping",
        Expect::Answers(204),
    ),
    ("offers.inbox.visits.assign", Expect::Answers(204)),
    ("offers.inbox.visits.cancel", Expect::Answers(204)),
    ("offers.inbox.visits.complete_tasks", Expect::Answers(200)),
    ("offers.inbox.visits.create_tasks", Expect::Answers(200)),
    ("offers.inbox.visits.delete", Expect::Answers(204)),
    ("offers.inbox.visits.get", Expect::Answers(200)),
    ("offers.inbox.visits.get_by_inbox_id", Expect::Answers(200)),
    ("offers.inbox.visits.hold", Expect::Answers(204)),
    ("offers.inbox.visits.list", Expect::Answers(200)),
    ("offers.inbox.visits.reactivate", Expect::Answers(204)),
    ("offers.inbox.visits.reschedule", Expect::Answers(200)),
    ("offers.inbox.visits.schedule", Expect::Answers(201)),
    ("offers.inbox.visits.unassign", Expect::Answers(204)),
    ("offers.inbox.work_sessions.end", Expect::Answers(204)),
    ("offers.inbox.work_sessions.start", Expect::Answers(201)),
    ("offers.outbox.offers.assign", Expect::Answers(204)),
    ("offers.outbox.referrals.cancel", Expect::Answers(204)),
    ("offers.outbox.offers.close", Expect::Answers(204)),
    ("offers.outbox.offers.create_bundle", Expect::Answers(201)),
    ("offers.outbox.offers.create", Expect::Answers(201)),
    ("offers.outbox.referrals.create", Expect::Answers(201)),
    ("offers.outbox.offers.create_shift", Expect::Answers(201)),
    ("offers.outbox.form_submissions.get", Expect::Answers(200)),
    (
        "offers.outbox.form_submissions.presign_attachment",
        Expect::Answers(200),
    ),
    ("offers.outbox.form_templates.publish", Expect::Answers(201)),
    ("offers.outbox.messages.get", Expect::Answers(200)),
    ("offers.outbox.offers.get", Expect::Answers(200)),
    ("offers.outbox.referrals.get", Expect::Answers(200)),
    ("offers.outbox.messages.list", Expect::Answers(200)),
    ("offers.outbox.offers.matches", Expect::Answers(200)),
    ("offers.outbox.offers.list", Expect::Answers(200)),
    ("offers.outbox.referrals.list", Expect::Answers(200)),
    ("offers.outbox.messages.get_file", Expect::Answers(302)),
    ("offers.outbox.messages.presign_file", Expect::Answers(200)),
    ("offers.outbox.messages.send", Expect::Answers(201)),
    ("offers.outbox.sequences.list", Expect::Answers(200)),
    ("offers.outbox.referrals.update", Expect::Answers(201)),
    ("offers.outbox.visits.get", Expect::Answers(200)),
    ("offers.outbox.visits.list", Expect::Answers(200)),
    ("offers.outbox.work_sessions.list", Expect::Answers(200)),
    (
        "offers.sys_admin.demand_personas.get_assignment",
        Expect::Answers(200),
    ),
    ("offers.sys_admin.offers.get", Expect::Answers(200)),
    ("offers.sys_admin.referrals.get", Expect::Answers(200)),
    (
        "offers.sys_admin.take_rates.get_regional",
        Expect::Answers(200),
    ),
    (
        "offers.sys_admin.take_rates.list_demand",
        Expect::Answers(200),
    ),
    ("offers.sys_admin.offers.matches", Expect::Answers(200)),
    ("offers.sys_admin.offers.list", Expect::Answers(200)),
    ("offers.sys_admin.referrals.list", Expect::Answers(200)),
    ("offers.sys_admin.messages.by_file_id", Expect::Answers(200)),
    ("offers.sys_admin.messages.list", Expect::Answers(200)),
    ("offers.sys_admin.sequences.list", Expect::Answers(200)),
    (
        "offers.sys_admin.demand_personas.set_assignment",
        Expect::Answers(204),
    ),
    (
        "offers.sys_admin.take_rates.set_demand",
        Expect::Answers(204),
    ),
    (
        "offers.sys_admin.take_rates.set_regional",
        Expect::Answers(200),
    ),
    ("offers.sys_admin.visits.get", Expect::Answers(200)),
    ("offers.sys_admin.visits.list", Expect::Answers(200)),
    ("organizations.anon_list", Expect::Answers(200)),
    (
        "organizations.demand_persona.activate",
        Expect::Answers(204),
    ),
    (
        "organizations.demand_persona.deactivate",
        Expect::Answers(204),
    ),
    ("organizations.demand_persona.get", Expect::Answers(200)),
    (
        "organizations.demand_persona.trusted_network.list",
        Expect::Answers(200),
    ),
    (
        "organizations.demand_persona.trusted_network.set",
        Expect::Answers(204),
    ),
    ("organizations.healthz", Expect::Answers(200)),
    ("organizations.list", Expect::Answers(200)),
    ("organizations.api_keys.save", Expect::Answers(204)),
    ("organizations.sign_up", Expect::Answers(200)),
    ("organizations.subscribe", Expect::Answers(200)),
    (
        "organizations.supply_persona.activate",
        Expect::Answers(204),
    ),
    (
        "organizations.supply_persona.deactivate",
        Expect::Answers(204),
    ),
    ("organizations.supply_persona.get", Expect::Answers(200)),
    (
        "organizations.supply_persona.trusted_network.list",
        Expect::Answers(200),
    ),
    (
        "organizations.supply_persona.care_types.set",
        Expect::Answers(204),
    ),
    (
        "organizations.supply_persona.trusted_network.set",
        Expect::Answers(204),
    ),
    (
        "organizations.sys_admin.admin_confirm_sign_up",
        Expect::Answers(204),
    ),
    (
        "organizations.sys_admin.auto_sign_up.start",
        Expect::Answers(200),
    ),
    (
        "organizations.sys_admin.auto_sign_up.configure_demand",
        Expect::Completes,
    ),
    (
        "organizations.sys_admin.auto_sign_up.configure_supply",
        Expect::Completes,
    ),
    (
        "organizations.sys_admin.auto_sign_up.sign_up",
        Expect::Completes,
    ),
    (
        "organizations.sys_admin.auto_sign_up.subscribe",
        Expect::Completes,
    ),
    (
        "organizations.sys_admin.confirm_sign_up",
        Expect::Answers(204),
    ),
    (
        "organizations.sys_admin.demand_persona.activate",
        Expect::Answers(204),
    ),
    (
        "organizations.sys_admin.demand_persona.add_to_trusted_network",
        Expect::Answers(204),
    ),
    (
        "organizations.sys_admin.demand_persona.deactivate",
        Expect::Answers(204),
    ),
    (
        "organizations.sys_admin.demand_persona.get",
        Expect::Answers(200),
    ),
    (
        "organizations.sys_admin.demand_persona.list_trusted_network",
        Expect::Answers(200),
    ),
    (
        "organizations.sys_admin.demand_persona.remove_from_trusted_network",
        Expect::Answers(204),
    ),
    (
        "organizations.sys_admin.demand_persona.set_trusted_network",
        Expect::Answers(204),
    ),
    ("organizations.sys_admin.edit", Expect::Answers(204)),
    ("organizations.sys_admin.get", Expect::Answers(200)),
    ("organizations.sys_admin.list", Expect::Answers(200)),
    (
        "organizations.sys_admin.list_subscriptions",
        Expect::Answers(200),
    ),
    (
        "organizations.sys_admin.save_api_keys",
        Expect::Answers(204),
    ),
    ("organizations.sys_admin.sign_up", Expect::Answers(200)),
    ("organizations.sys_admin.subscribe", Expect::Answers(200)),
    (
        "organizations.sys_admin.supply_persona.activate",
        Expect::Answers(204),
    ),
    (
        "organizations.sys_admin.supply_persona.deactivate",
        Expect::Answers(204),
    ),
    (
        "organizations.sys_admin.supply_persona.get",
        Expect::Answers(200),
    ),
    (
        "organizations.sys_admin.supply_persona.list_trusted_network",
        Expect::Answers(200),
    ),
    (
        "organizations.sys_admin.supply_persona.set_care_types",
        Expect::Answers(204),
    ),
    ("organizations.sys_admin.unsubscribe", Expect::Answers(204)),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_handler_answers_what_its_sample_shows() {
    let t = TestStack::start().await;
    let port = t.base.rsplit(':').next().unwrap().parse().unwrap();
    t.stack
        .seed_samples(port)
        .await
        .expect("the sample records load");
    let mut credentials = Credentials::new(&t.stack).unwrap();
    let timeout = std::time::Duration::from_secs(60);

    let handlers: BTreeSet<&str> = t
        .stack
        .functions
        .iter()
        .map(|f| f.def.handler.as_str())
        .collect();
    let listed: BTreeSet<&str> = EXPECTED.iter().map(|(h, _)| *h).collect();
    assert_eq!(
        handlers.difference(&listed).collect::<Vec<_>>(),
        Vec::<&&str>::new(),
        "handlers without a row in EXPECTED: give each a sample that works and say what it shows"
    );
    assert_eq!(
        listed.difference(&handlers).collect::<Vec<_>>(),
        Vec::<&&str>::new(),
        "rows in EXPECTED for handlers no function runs"
    );

    let mut failures = Vec::new();
    for &(handler, expect) in EXPECTED {
        let f = t.stack.function(handler).unwrap();
        // Run below, in the order their state machine runs them.
        if matches!(f.entry.handler, Handler::Task(_)) {
            continue;
        }
        let event = invoke::sample(&t.stack, handler).unwrap();
        let event = credentials.fill(handler, event, None).await.unwrap();
        let answer = invoke::invoke_named(&t.stack, handler, event, timeout).await;
        if let Err(problem) = check(f, expect, answer) {
            failures.push(format!("{handler}: {problem}"));
        }
    }

    // A state machine's Task samples are one execution's input: each step runs on it after
    // the one before, as the execution would run them.
    for machine in &t.stack.state_machines {
        for arn in machine.definition.path() {
            let (f, _) = t.stack.task(arn).expect("a Task function");
            let handler = f.def.handler.as_str();
            let expect = EXPECTED.iter().find(|(h, _)| *h == handler).unwrap().1;
            let input = invoke::sample(&t.stack, handler).unwrap();
            let input = credentials.fill(handler, input, None).await.unwrap();
            let answer = invoke::invoke_named(&t.stack, handler, input, timeout).await;
            if let Err(problem) = check(f, expect, answer) {
                failures.push(format!("{handler}: {problem}"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} samples:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Whether `answer` is what `expect` says, or what is wrong with it.
fn check(
    f: &devstack::Function,
    expect: Expect,
    answer: Result<Value, devstack::Error>,
) -> Result<(), String> {
    let answer = answer.map_err(|e| e.to_string())?;
    match (expect, &f.entry.handler) {
        (Expect::Answers(status), Handler::Http { .. }) => {
            let got = answer["statusCode"].as_u64().unwrap_or_default();
            let body = answer["body"].as_str().unwrap_or_default();
            if got != u64::from(status) {
                let start: String = body.chars().take(300).collect();
                return Err(format!("answered {got}, not {status}: {start}"));
            }
            if status == 302 && answer["headers"]["location"].as_str().is_none() {
                return Err("a redirect without a location".into());
            }
            let json: Value = match body {
                "" => Value::Null,
                _ => serde_json::from_str(body)
                    .map_err(|_| format!("the body is not JSON: {body}"))?,
            };
            let route = &f.def.routes[0];
            let violations = documented_violations(&route.method, &route.path, status, &json);
            if !violations.is_empty() {
                return Err(format!(
                    "not as docs/openapi.yaml documents it: {}",
                    violations.join("; ")
                ));
            }
            // And as a client generated from the published spec reads it.
            let violations = published_violations(&route.method, &route.path, status, &json);
            if violations.is_empty() {
                Ok(())
            } else {
                Err(format!(
                    "not as the published spec describes it: {}",
                    violations.join("; ")
                ))
            }
        }
        (Expect::Answers(_), _) => Err("not an HTTP route: its row should say Completes".into()),
        (Expect::Completes, Handler::DynamoDbStream(_) | Handler::Queue(_)) => {
            match answer["batchItemFailures"].as_array() {
                Some(failed) if failed.is_empty() => Ok(()),
                _ => Err(format!("records failed: {answer}")),
            }
        }
        (Expect::Completes, Handler::Schedule(_) | Handler::Task(_)) => Ok(()),
        (Expect::Completes, Handler::Http { .. }) => {
            Err("an HTTP route: its row should say which status it answers".into())
        }
    }
}

#[test]
fn the_published_check_refuses_what_the_published_spec_does_not_allow() {
    let path = "/offers/v1/outbox/offers/{offer_id}";
    let missing = published_violations("GET", path, 200, &serde_json::json!({}));
    assert!(
        missing
            .iter()
            .any(|v| v.contains("openapi.offers.yaml") && v.contains("required")),
        "{missing:?}"
    );
    // This platform's extensions and other families have no published body to meet.
    let extension = "/offers/v1/downloads/{token}";
    assert!(published_violations("GET", extension, 302, &Value::Null).is_empty());
    assert!(published_violations("POST", "/api/v1/events", 200, &Value::Null).is_empty());
}

#[test]
fn the_contract_check_refuses_what_docs_openapi_does_not_document() {
    let path = "/offers/v1/outbox/offers/{offer_id}";
    let missing = documented_violations("GET", path, 200, &serde_json::json!({}));
    assert!(
        missing.iter().any(|v| v.contains("required")),
        "{missing:?}"
    );
    assert_eq!(
        documented_violations("GET", path, 418, &Value::Null),
        [format!("GET {path}: status 418 is not documented")]
    );
    assert!(!documented_violations("GET", "/nowhere", 200, &Value::Null).is_empty());
}
