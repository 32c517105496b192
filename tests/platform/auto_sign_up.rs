//! `POST /organizations/v1/sys_admin/auto_sign_up`: the request starts a Step Functions
//! execution (in moto), the local stack runs it, and the organization comes out signed up,
//! configured on both sides, subscribed, with its admin able to log in. A request that cannot
//! succeed starts nothing; an execution that fails stops at the failing step; every step is
//! safe to run again.

use devstack::executions::Outcome;
use devstack::seed::{DEMAND_ORG, SUPPLY_A_ORG};
use platform_tests::TestStack;
use platform_tests::given::{self, ids, text};
use serde_json::{Value, json};
use shared::events::{EventName, EventRecord};

const PASSWORD: &str = "Auto-Passw0rd!";

fn request(username: &str) -> Value {
    json!({
        "organization": {
            "username": username, "email": "contact@auto.example.org", "name": "Auto Care",
            "source": "internal", "password": PASSWORD, "phone_number": "+14165550123",
            "address": given::address()
        },
        "auto_confirm": false
    })
}

async fn executions(t: &TestStack) -> Vec<String> {
    let machine = &t.stack.state_machines[0].arn;
    let sfn = aws_sdk_sfn::Client::new(&t.stack.sdk);
    let listed = sfn.list_executions().state_machine_arn(machine).send();
    let arn = |e: &aws_sdk_sfn::types::ExecutionListItem| e.execution_arn().to_owned();
    listed.await.unwrap().executions().iter().map(arn).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sys_admin_auto_signs_up_a_configured_subscribed_organization() {
    let t = TestStack::start().await;
    let admin = t.login(&t.demo.sys_admin).await;
    let demand = t.login(&t.demo.demand).await;
    let username = "auto-admin@auto.example.org";
    let queue_arn = given::queue(&t, "auto-offers").await.arn;
    let mut body = request(username);
    body["demand_configuration"] =
        json!({"trusted_network": [SUPPLY_A_ORG], "offer_assignment": "auto"});
    body["supply_configuration"] =
        json!({"care_types": ["nursing"], "trusted_demand_personas": [DEMAND_ORG]});
    body["subscriptions"] =
        json!([{"topic": "outbox-offers", "protocol": "sqs", "endpoint": queue_arn}]);

    // Refused before anything starts: not a sys_admin, a malformed body, organizations that
    // cannot be trusted or joined, an endpoint that does not fit its protocol.
    let sa = t.organizations(&admin).sys_admin();
    let participant = t.organizations(&demand).sys_admin();
    participant.auto_sign_up(body.clone()).await.ok(403);
    let mut refused = Vec::new();
    let no_confirm = given::without(&body, "auto_confirm");
    refused.push((no_confirm, 400));
    let mut unknown_supplier = body.clone();
    unknown_supplier["demand_configuration"]["trusted_network"] =
        json!([shared::kernel::ids::OrgId::new()]);
    refused.push((unknown_supplier, 422));
    let not_a_demand = "supply_configuration.trusted_demand_personas";
    let not_a_demand = given::with(&body, not_a_demand, json!([SUPPLY_A_ORG]));
    refused.push((not_a_demand, 422));
    let mut bad_endpoint = body.clone();
    bad_endpoint["subscriptions"][0] =
        json!({"topic": "outbox-offers", "protocol": "https", "endpoint": "http://plain.example"});
    refused.push((bad_endpoint, 400));
    for (bad, status) in refused {
        let r = sa.auto_sign_up(bad.clone()).await;
        assert_eq!(r.status, status, "{bad}: {:?}", r.body);
    }
    assert!(executions(&t).await.is_empty());

    let started = sa.auto_sign_up(body.clone()).await.ok(200);
    let arn = text(&started["execution_arn"]);
    let machine = &t.stack.state_machines[0].arn;
    let execution = machine.replace(":stateMachine:", ":execution:");
    assert!(arn.starts_with(&format!("{execution}:")), "{arn}");
    let org_id = arn.rsplit(':').next().unwrap().to_owned();
    assert_eq!(executions(&t).await, vec![arn.clone()]);
    // The execution's input, which its history shows, holds the password only sealed.
    let sfn = aws_sdk_sfn::Client::new(&t.stack.sdk);
    let described = sfn.describe_execution().execution_arn(&arn).send();
    let described = described.await.unwrap();
    let input: Value = serde_json::from_str(described.input().unwrap()).unwrap();
    assert_eq!(input["organization_id"], org_id.as_str());
    assert!(!input.to_string().contains(PASSWORD));
    let sealed = input["sealed_password"].as_str();
    assert!(sealed.is_some_and(|s| s.len() > 20));

    assert_eq!(t.stack.run_executions().await.unwrap(), 1);
    let outcome = t.stack.execution_outcome(&arn).await;
    let succeeded = matches!(outcome, Some(Outcome::Succeeded { .. }));
    assert!(succeeded, "{outcome:?}");
    assert_eq!(t.stack.run_executions().await.unwrap(), 0);

    // The admin is confirmed and logs in to its organization.
    let token = t.login(&given::signed_up_user(username, PASSWORD)).await;
    let me = t.auth_as(&token).current_identity().await;
    assert_eq!(me.body["organization_id"], org_id.as_str());

    // Both personas active and configured.
    let org = sa.get(&org_id).await.ok(200);
    assert_eq!(org["demand_persona"], json!({"status": "active"}));
    let nursing = json!({"status": "active", "care_types": ["nursing"]});
    assert_eq!(org["supply_persona"], nursing);
    let own = t.organizations(&token);
    let r = own.demand_network("").await;
    assert_eq!(ids(&r.body), vec![SUPPLY_A_ORG]);
    let r = t.offers(&token).assignment().await;
    assert_eq!(r.body["offer_assignment"], "auto", "{:?}", r.body);
    let r = own.supply_network("").await;
    assert_eq!(r.body["items"][0]["id"], DEMAND_ORG, "{:?}", r.body);

    // Subscribed to its own topic of the channel, with its own filter.
    let query = format!("endpoint={queue_arn}");
    let r = sa.subscriptions(&query).await;
    assert_eq!(r.body["items"].as_array().unwrap().len(), 1, "{:?}", r.body);
    let topic = text(&r.body["items"][0]["topic_arn"]);
    assert!(topic.ends_with(&format!("-outbox-offers-{org_id}")));

    // Every step again, on the same input (as a retry would run it), changes nothing.
    let events_before = t.event_items().await.len();
    let updated = |e: &&EventRecord| e.event_name == EventName::OrgTrustedNetworkUpdated;
    let network_events = |events: &[EventRecord]| events.iter().filter(updated).count();
    let network_before = network_events(&t.event_items().await);
    for step_arn in t.stack.state_machines[0].definition.path() {
        let (f, call) = t.stack.task(step_arn).expect("a Task function");
        let again = call(&f.app, input.clone()).await;
        assert!(again.is_ok(), "{}: {again:?}", f.def.handler);
    }
    let events = t.event_items().await;
    assert_eq!(events.len(), events_before);
    assert_eq!(network_events(&events), network_before);
    let r = sa.subscriptions(&query).await;
    assert_eq!(r.body["items"].as_array().unwrap().len(), 1);

    // The username is taken now: a second request is refused before it starts.
    sa.auto_sign_up(body).await.ok(409);
    assert_eq!(executions(&t).await.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_auto_sign_up_that_cannot_finish_fails_its_execution_and_leaves_no_organization() {
    let t = TestStack::start().await;
    let admin = t.login(&t.demo.sys_admin).await;
    // A Cognito user of that name exists, but no sign-up made it: found only by step 1.
    let taken = t.demo.demand.email.clone();
    let sa = t.organizations(&admin).sys_admin();
    let started = sa.auto_sign_up(request(&taken)).await.ok(200);
    let arn = text(&started["execution_arn"]);
    let org_id = arn.rsplit(':').next().unwrap().to_owned();
    t.stack.run_executions().await.unwrap();
    match t.stack.execution_outcome(&arn).await {
        Some(Outcome::Failed { error, cause }) => {
            assert_eq!(error, "conflict", "{cause}");
        }
        other => panic!("{other:?}"),
    }
    sa.get(&org_id).await.ok(404);
    // The existing user is untouched: its owner still logs in.
    t.login(&t.demo.demand).await;
}
