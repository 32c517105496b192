//! Every handler runs on its `events/` sample (the same files `cargo lambda invoke --data-file`
//! and `sam local invoke -e` take) and answers without a server error.

use devstack::server::invoke_http;
use functions::Handler;
use http_body_util::BodyExt;
use platform_tests::TestStack;
use serde_json::Value;
use shared::error::Family;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_handler_runs_on_its_sample_event() {
    let t = TestStack::start().await;
    let demand = t.login(&t.demo.demand).await;
    let supply = t.login(&t.demo.supply_a).await;
    let admin = t.login(&t.demo.sys_admin).await;
    let m = &t.demo.machine;
    let machine = t
        .token_request(
            &m.tenant,
            &[
                ("grant_type", "client_credentials"),
                ("client_id", &m.client_id),
                ("client_secret", &m.secret),
            ],
        )
        .await;
    let machine = format!("Bearer {}", machine.body["access_token"].as_str().unwrap());
    let root = devstack::repo_root();

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
        let text =
            std::fs::read_to_string(root.join(format!("events/{}.json", f.def.handler))).unwrap();
        let mut event: Value = serde_json::from_str(&text).unwrap();
        match f.entry.handler {
            Handler::Http { family, .. } => {
                if event["headers"].get("x-twc-tenant").is_some() {
                    event["headers"]["x-twc-tenant"] = Value::String(m.tenant.clone());
                }
                if let Some(auth) = event["headers"]["authorization"].as_str() {
                    let token = if auth.starts_with("Bearer ") {
                        &machine
                    } else if f.def.handler.starts_with("oauth.")
                        || f.def.handler.starts_with("organizations.sys_admin.")
                    {
                        &admin
                    } else if f.def.handler.starts_with("offers.inbox.")
                        || f.def.handler.starts_with("organizations.supply_persona.")
                    {
                        &supply
                    } else {
                        &demand
                    };
                    event["headers"]["authorization"] = Value::String(token.clone());
                }
                let response = invoke_http(f, &event).await;
                let status = response.status().as_u16();
                let body = response.into_body().collect().await.unwrap().to_bytes();
                assert!(
                    status < 500,
                    "{}: {status} {}",
                    f.def.handler,
                    String::from_utf8_lossy(&body)
                );
                if !body.is_empty() {
                    let json: Value = serde_json::from_slice(&body)
                        .unwrap_or_else(|_| panic!("{}: body is not JSON", f.def.handler));
                    if status >= 400 {
                        let text_field = match family {
                            Family::OAuth => "error_description",
                            Family::Notification => "description",
                            _ => "message",
                        };
                        assert!(
                            json[text_field].is_string(),
                            "{}: error body {json}",
                            f.def.handler
                        );
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
                .contains(&f.def.handler.as_str())
                {
                    assert!(
                        status < 300,
                        "{}: {status} {}",
                        f.def.handler,
                        String::from_utf8_lossy(&body)
                    );
                }
            }
            Handler::Schedule(call) => {
                let scheduled: aws_lambda_events::event::cloudwatch_events::CloudWatchEvent =
                    serde_json::from_value(event).expect("scheduled sample deserializes");
                let report = call(&f.app, scheduled.time).await;
                assert!(report.is_ok(), "{}: {report:?}", f.def.handler);
            }
            Handler::DynamoDbStream(call) => {
                let batch = serde_json::from_value(event).expect("stream sample deserializes");
                let response = call(&f.app, batch).await;
                assert!(
                    response.batch_item_failures.is_empty(),
                    "{}: {:?}",
                    f.def.handler,
                    response.batch_item_failures
                );
            }
            Handler::Queue(call) => {
                let batch = serde_json::from_value(event).expect("SQS sample deserializes");
                let response = call(&f.app, batch).await;
                assert!(
                    response.batch_item_failures.is_empty(),
                    "{}: {:?}",
                    f.def.handler,
                    response.batch_item_failures
                );
            }
            // Run below, in the order their state machine runs them.
            Handler::Task(_) => {}
        }
    }

    // A state machine's Task samples are one execution's input: each step runs on it after
    // the one before, as the execution would run them.
    for machine in &t.stack.state_machines {
        for arn in machine.definition.path() {
            let (f, call) = t.stack.task(arn).expect("a Task function");
            let text = std::fs::read_to_string(root.join(format!("events/{}.json", f.def.handler)))
                .unwrap();
            let mut input: Value = serde_json::from_str(&text).unwrap();
            if input["sealed_password"] == "REPLACE_WITH_SEALED_PASSWORD" {
                let org = input["organization_id"].as_str().unwrap().parse().unwrap();
                let password = "Sample-Passw0rd!".to_owned().try_into().unwrap();
                input["sealed_password"] =
                    shared::service::auto_sign_up::seal_password(&f.app, org, &password)
                        .await
                        .unwrap()
                        .into();
            }
            let output = call(&f.app, input).await;
            assert!(output.is_ok(), "{}: {output:?}", f.def.handler);
        }
    }
}
