//! Every handler runs on its `events/` sample (the same files `scripts/invoke.sh`,
//! `cargo lambda invoke --data-file` and `sam local invoke -e` take), through the path
//! `scripts/invoke.sh` takes (`devstack::invoke`), and answers without a server error.

use devstack::invoke::{self, Credentials};
use functions::Handler;
use platform_tests::TestStack;
use serde_json::Value;
use shared::error::Family;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_handler_runs_on_its_sample_event() {
    let t = TestStack::start().await;
    let mut credentials = Credentials::new(&t.stack).unwrap();
    let timeout = std::time::Duration::from_secs(60);

    // Login first: the confirm_forgot_password sample resets the demo user's password.
    // Persona deactivations last: they would turn the later offer samples into 403s.
    let mut functions: Vec<_> = t.stack.functions.iter().collect();
    functions.sort_by_key(|f| {
        (
            f.def.handler != "auth.login",
            f.def.handler.ends_with(".deactivate_demand_persona")
                || f.def.handler.ends_with(".deactivate_supply_persona"),
        )
    });
    for f in functions {
        let handler = f.def.handler.as_str();
        // Run below, in the order their state machine runs them.
        if matches!(f.entry.handler, Handler::Task(_)) {
            continue;
        }
        let event = invoke::sample(&t.stack, handler).unwrap();
        let event = credentials.fill(handler, event, None).await.unwrap();
        let answer = invoke::invoke_named(&t.stack, handler, event, timeout)
            .await
            .unwrap_or_else(|e| panic!("{handler}: {e}"));
        match f.entry.handler {
            Handler::Http { family, .. } => {
                let status = answer["statusCode"].as_u64().unwrap();
                let body = answer["body"].as_str().unwrap();
                assert!(status < 500, "{handler}: {status} {body}");
                if !body.is_empty() {
                    let json: Value = serde_json::from_str(body)
                        .unwrap_or_else(|_| panic!("{handler}: body is not JSON"));
                    if status >= 400 {
                        let text_field = match family {
                            Family::OAuth => "error_description",
                            Family::Notification => "description",
                            _ => "message",
                        };
                        assert!(json[text_field].is_string(), "{handler}: error body {json}");
                    }
                }
                if [
                    "auth.login",
                    "auth.healthz",
                    "offers.healthz",
                    "offers.outbox.create_offer",
                    "offers.outbox.list_offers",
                    "oauth.token",
                    "oauth.create_client",
                    "notification.create_subscription",
                    "listener.create_event",
                    "hub.list_subscriptions",
                    "organizations.healthz",
                    "organizations.list_organizations",
                    "organizations.demand_persona.get_demand_persona",
                    "organizations.demand_persona.set_trusted_network",
                    "organizations.supply_persona.get_supply_persona",
                    "organizations.supply_persona.set_care_types",
                    "organizations.supply_persona.list_trusted_network",
                    "organizations.anon_list_organizations",
                    "organizations.sign_up",
                    "organizations.save_api_keys",
                    "organizations.sys_admin.sign_up",
                    "organizations.sys_admin.auto_sign_up",
                    "organizations.sys_admin.get_organization",
                    "organizations.sys_admin.list_organizations",
                    "organizations.sys_admin.edit_organization",
                    "organizations.sys_admin.demand_persona.add_to_trusted_network",
                    "organizations.sys_admin.supply_persona.set_care_types",
                ]
                .contains(&handler)
                {
                    assert!(status < 300, "{handler}: {status} {body}");
                }
            }
            Handler::DynamoDbStream(_) | Handler::Queue(_) => {
                assert_eq!(
                    answer["batchItemFailures"],
                    serde_json::json!([]),
                    "{handler}"
                );
            }
            Handler::Schedule(_) | Handler::Task(_) => {}
        }
    }

    // A state machine's Task samples are one execution's input: each step runs on it after
    // the one before, as the execution would run them.
    for machine in &t.stack.state_machines {
        for arn in machine.definition.path() {
            let (f, _) = t.stack.task(arn).expect("a Task function");
            let handler = f.def.handler.as_str();
            let input = invoke::sample(&t.stack, handler).unwrap();
            let input = credentials.fill(handler, input, None).await.unwrap();
            invoke::invoke_named(&t.stack, handler, input, timeout)
                .await
                .unwrap_or_else(|e| panic!("{handler}: {e}"));
        }
    }
}
