//! The functions' metrics and logs (issue 17): an HTTP request, a stream batch and a hub
//! delivery each leave CloudWatch Embedded Metric Format documents in the local stack's sink,
//! the same the deployed function writes to its log. Every document is valid EMF, counts what
//! happened under its few dimensions, names tenants only as plain members, and carries no
//! token, secret or password. The log lines, formatted as Lambda's JSON log format has them,
//! name their request, operation and organization or tenant, and no credential.

use platform_tests::given::{self, hub_subscription};
use platform_tests::{Receiver, TestStack, assert_fields};
use serde_json::{Value, json};
use shared::infra::metrics::validate;

use crate::create_offer;

/// The hub query of the state changes [`given::state_change`] makes.
const STATE_CHANGES: &str = "eventType=ServiceOrderStateChangeNotification";

/// The documents with `member` equal to `value`.
fn with<'a>(docs: &'a [Value], member: &str, value: &str) -> Vec<&'a Value> {
    docs.iter().filter(|d| d[member] == value).collect()
}

/// The sum of a count over `docs`.
fn total(docs: &[&Value], metric: &str) -> f64 {
    docs.iter().filter_map(|d| d[metric].as_f64()).sum()
}

/// The values of a distribution over `docs` (a number, or an array of them, per document).
fn values(docs: &[&Value], metric: &str) -> Vec<f64> {
    docs.iter()
        .flat_map(|d| match &d[metric] {
            Value::Array(values) => values.iter().filter_map(Value::as_f64).collect::<Vec<_>>(),
            v => v.as_f64().into_iter().collect(),
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_events_and_deliveries_are_counted_in_valid_emf_documents() {
    let t = TestStack::start().await;
    let _subscriber = given::subscriber(&t, &t.demo.supply_a).await;
    let demand = t.login(&t.demo.demand).await;
    t.settle().await;

    // An HTTP request that succeeds, one that fails, and the stream batch of its event.
    create_offer(&t, &demand).await;
    let missing = uuid::Uuid::new_v4().to_string();
    t.offers(&demand).outbox(&missing).await.ok(404);
    // A hub delivery from the Listener API's queue.
    let receiver = Receiver::start(204).await;
    let bearer = t.machine_bearer("acme", &given::LISTENER).await;
    let (_, hub_secret) =
        hub_subscription(&t, &bearer, &receiver.url("/hook"), STATE_CHANGES).await;
    let probe = given::state_change("evt-m", "completed");
    t.listener(&bearer).post_event(probe).await.ok(201);
    t.settle().await;
    assert_eq!(receiver.deliveries().len(), 1);

    let lines = t.stack.metrics.take();
    let doc = |l: &String| serde_json::from_str(l).expect("one JSON document per line");
    let docs: Vec<Value> = lines.iter().map(doc).collect();
    for doc in &docs {
        validate(doc).unwrap_or_else(|e| panic!("{e}: {doc}"));
        for directive in doc["_aws"]["CloudWatchMetrics"].as_array().unwrap() {
            // The deployment's own namespace, as the root template passes it to every stack.
            let namespace = format!("Marketplace/{}", t.stack.options.stack_name);
            assert_eq!(directive["Namespace"], namespace.as_str());
            let dimensions = directive["Dimensions"].to_string();
            for id in ["organization_id", "tenant", "RequestId", "Path"] {
                assert!(!dimensions.contains(id), "{id} as a dimension: {doc}");
            }
        }
    }

    let created = with(&docs, "Operation", "offers.outbox.offers.create");
    assert_eq!(created.len(), 1, "one document per request: {created:#?}");
    let created = created[0];
    assert_eq!(created["Requests"], 1.0);
    assert!(created["Latency"].as_f64().is_some_and(|ms| ms > 0.0));
    assert_eq!(created["StatusCode"], 201);
    assert!(created["ApiRequestId"].is_string());
    assert!(created.get("Errors").is_none(), "{created}");
    let dimensions = &created["_aws"]["CloudWatchMetrics"][0]["Dimensions"];
    assert_eq!(dimensions, &json!([["Operation"]]));

    let refused = with(&docs, "Operation", "offers.outbox.offers.get");
    assert_eq!(refused.len(), 1);
    assert_fields!(refused[0], {"Errors": 1.0, "StatusClass": "4xx", "ErrorKind": "not_found",
        "StatusCode": 404});

    // The publisher: its batches, and the supplier's OfferMatched published on its channel.
    let publisher = with(&docs, "Operation", "events.publish");
    assert!(total(&publisher, "Records") >= 1.0, "{publisher:#?}");
    assert_eq!(total(&publisher, "BatchItemFailures"), 0.0);
    let matched = with(&docs, "Channel", "inbox-offers");
    assert!(total(&matched, "EventsPublished") >= 1.0, "{docs:#?}");
    assert_eq!(total(&matched, "EventsFailed"), 0.0);
    assert_eq!(total(&matched, "EventsParked"), 0.0);

    // The hub sender: one try, delivered, about its tenant, and how long the job waited.
    let hub = with(&docs, "Destination", "HubCallbacks");
    let tried = |d: &&&Value| d.get("DeliveryAttempts").is_some();
    let attempts: Vec<&Value> = hub.iter().filter(tried).copied().collect();
    assert_eq!(attempts.len(), 1, "{hub:#?}");
    assert_fields!(attempts[0], {"Outcome": "delivered", "tenant": "acme",
        "DeliveryAttempts": 1.0});
    let ages = values(&hub, "DeliveryQueueAge");
    assert!(ages.len() == 1 && ages[0] >= 0.0, "one job's age: {ages:?}");
    let sender = with(&docs, "Operation", "events.hub_send");
    assert_eq!(total(&sender, "Records"), 1.0);

    // Log hygiene: no credential of any kind reaches a metrics document.
    let machine_token = bearer.trim_start_matches("Bearer ");
    let passwords = [&t.demo.demand.password, &t.demo.supply_a.password];
    let mut secrets: Vec<&str> = vec![&demand, machine_token, &hub_secret, &hub_secret[6..]];
    secrets.extend(passwords.iter().map(|p| p.as_str()));
    for line in &lines {
        for secret in &secrets {
            let why = "a secret in a metrics document";
            assert!(!line.contains(secret), "{why}: {line}");
        }
        let lower = line.to_lowercase();
        let named = lower.contains("authorization") || lower.contains("bearer");
        assert!(!named, "{line}");
    }
}

/// What a subscriber writes, kept in memory.
#[derive(Clone, Default)]
struct Captured(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl lambda_runtime::tracing::subscriber::fmt::MakeWriter<'_> for Captured {
    type Writer = Captured;
    fn make_writer(&self) -> Captured {
        self.clone()
    }
}

/// The span named `name` among a JSON log line's spans.
fn span<'a>(line: &'a Value, name: &str) -> Option<&'a Value> {
    line["spans"].as_array()?.iter().find(|s| s["name"] == name)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn log_lines_name_their_request_and_organization_or_tenant_and_no_credential() {
    // The functions' subscriber as Lambda's JSON log format and the template's RUST_LOG=info
    // configure it (lambda_runtime's default subscriber), with each line's target, which tells
    // the local stack's own lines from the functions'; one test per process, so global.
    use lambda_runtime::tracing::subscriber::{self, util::SubscriberInitExt as _};
    let captured = Captured::default();
    subscriber::fmt()
        .json()
        .without_time()
        .with_env_filter(subscriber::EnvFilter::new("info"))
        .with_writer(captured.clone())
        .finish()
        .try_init()
        .expect("the test's own subscriber");

    let t = TestStack::start().await;
    let demand = t.login(&t.demo.demand).await;
    let demand_org = t.demo.demand.organization.as_ref().unwrap().id.to_string();
    create_offer(&t, &demand).await;
    let missing = uuid::Uuid::new_v4().to_string();
    t.offers(&demand).outbox(&missing).await.ok(404);
    let wrong = "not-the-Password-1";
    let login = json!({"username": t.demo.supply_a.email, "password": wrong});
    t.auth().login(login).await.ok(401);
    let (_, client_secret) = t.machine_client("acme", &["listener:events"]).await;
    let bearer = t.machine_bearer("acme", &given::LISTENER).await;
    let receiver = Receiver::start(204).await;
    let (_, hub_secret) =
        hub_subscription(&t, &bearer, &receiver.url("/hook"), STATE_CHANGES).await;
    let no_id = json!({"eventId": ""});
    t.listener(&bearer).post_event(no_id).await.ok(400);
    t.offers("not.a.token").outbox(&missing).await.ok(401);
    t.settle().await;

    let text = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    let line = |l: &str| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"));
    let lines: Vec<Value> = text.lines().map(line).collect();
    let machine_token = bearer.trim_start_matches("Bearer ");
    let hub_secrets = [hub_secret.as_str(), &hub_secret[6..]];
    let client_secret = client_secret.as_str();
    let mut secrets = vec![demand.as_str(), machine_token, client_secret, wrong];
    secrets.extend(hub_secrets.into_iter().chain(["not.a.token"]));
    secrets.extend([&t.demo.demand.password, &t.demo.supply_a.password].map(String::as_str));
    for line in text.lines() {
        for secret in &secrets {
            assert!(!line.contains(secret), "a credential in a log line: {line}");
        }
        assert!(!line.to_lowercase().contains("bearer"), "{line}");
    }

    // Every line a route's request writes names the request and its operation, and once the
    // caller is known, its organization or tenant.
    let in_requests = lines.iter().filter(|l| span(l, "request").is_some());
    let in_requests: Vec<&Value> = in_requests.collect();
    for line in &in_requests {
        let request = span(line, "request").unwrap();
        assert!(request["operation"].is_string(), "{line}");
        assert!(request["api_request_id"].is_string(), "{line}");
    }
    let requests = || in_requests.iter().map(|l| span(l, "request").unwrap());
    let refused = |operation: &str| {
        let line = requests().find(|r| r["operation"] == operation);
        line.unwrap_or_else(|| panic!("no line of {operation}: {text}"))
    };
    let organization = &refused("offers.outbox.offers.get")["organization_id"];
    assert_eq!(organization, demand_org.as_str());
    assert_eq!(refused("externalapi.listener.create")["tenant"], "acme");
    assert!(refused("auth.login").get("organization_id").is_none());
    // The stream's consumers write theirs in their invocation's span. (The local stack's own
    // lines, its access log among them, are not the functions'.)
    let stack_own = |l: &&Value| {
        l["target"]
            .as_str()
            .unwrap_or_default()
            .starts_with("devstack")
    };
    let functions = lines.iter().filter(|l| !stack_own(l));
    for line in functions.filter(|l| span(l, "request").is_none()) {
        let invoked = span(line, "invocation").is_some_and(|s| s["operation"].is_string());
        assert!(invoked, "a line outside any invocation: {line}");
    }
}
