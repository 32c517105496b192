//! Every handler runs on its `events/` sample (the same files `scripts/invoke.sh`,
//! `cargo lambda invoke --data-file` and `sam local invoke -e` take), through the path
//! `scripts/invoke.sh` takes (`devstack::invoke`), against the local stack's demo data and
//! sample records (`devstack::samples`), and shows its happy path: an HTTP sample the success
//! status docs/openapi.yaml documents for its route (one of them, where it documents two),
//! with a body valid against that document and the published spec; a stream or queue sample
//! no failed record; a schedule or Task sample success.

use devstack::invoke::{self, Credentials};
use functions::Handler;
use platform_tests::TestStack;
use platform_tests::published::{
    documented_successes, documented_violations, published_violations,
};
use serde_json::Value;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_handler_answers_what_its_sample_shows() {
    let t = TestStack::start().await;
    let port = t.base.rsplit(':').next().unwrap().parse().unwrap();
    let seeded = t.stack.seed_samples(port).await;
    seeded.expect("the sample records load");
    let mut credentials = Credentials::new(&t.stack).unwrap();
    let timeout = std::time::Duration::from_secs(60);

    let mut failures = Vec::new();
    for f in &t.stack.functions {
        let handler = f.def.handler.as_str();
        // Run below, in the order their state machine runs them.
        if matches!(f.entry.handler, Handler::Task(_)) {
            continue;
        }
        let event = invoke::sample(&t.stack, handler).unwrap();
        let event = credentials.fill(handler, event, None).await.unwrap();
        let answer = invoke::invoke_named(&t.stack, handler, event, timeout).await;
        if let Err(problem) = check(f, answer) {
            failures.push(format!("{handler}: {problem}"));
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
            let answer = invoke::invoke_named(&t.stack, handler, input, timeout).await;
            if let Err(problem) = check(f, answer) {
                failures.push(format!("{handler}: {problem}"));
            }
        }
    }
    let (n, all) = (failures.len(), failures.join("\n"));
    assert!(failures.is_empty(), "{n} samples:\n{all}");
}

/// Whether `answer` is the handler's happy path, or what is wrong with it.
fn check(f: &devstack::Function, answer: Result<Value, devstack::Error>) -> Result<(), String> {
    let answer = answer.map_err(|e| e.to_string())?;
    match &f.entry.handler {
        Handler::Http { .. } => {
            let route = &f.def.routes[0];
            let expected = documented_successes(&route.method, &route.path);
            let got = answer["statusCode"].as_u64().unwrap_or_default();
            let body = answer["body"].as_str().unwrap_or_default();
            let Some(status) = expected.iter().copied().find(|s| u64::from(*s) == got) else {
                let start: String = body.chars().take(300).collect();
                return Err(format!("answered {got}, not {expected:?}: {start}"));
            };
            if status == 302 && answer["headers"]["location"].as_str().is_none() {
                return Err("a redirect without a location".into());
            }
            let json: Value = match body {
                "" => Value::Null,
                _ => serde_json::from_str(body)
                    .map_err(|_| format!("the body is not JSON: {body}"))?,
            };
            let violations = documented_violations(&route.method, &route.path, status, &json);
            if !violations.is_empty() {
                let all = violations.join("; ");
                return Err(format!("not as docs/openapi.yaml documents it: {all}"));
            }
            // And as a client generated from the published spec reads it.
            let violations = published_violations(&route.method, &route.path, status, &json);
            let all = violations.join("; ");
            let why = format!("not as the published spec describes it: {all}");
            if violations.is_empty() {
                Ok(())
            } else {
                Err(why)
            }
        }
        Handler::DynamoDbStream(_) | Handler::Queue(_) => {
            match answer["batchItemFailures"].as_array() {
                Some(failed) if failed.is_empty() => Ok(()),
                _ => Err(format!("records failed: {answer}")),
            }
        }
        Handler::Schedule(_) | Handler::Task(_) => Ok(()),
    }
}

#[test]
fn the_published_check_refuses_what_the_published_spec_does_not_allow() {
    let path = "/offers/v1/outbox/offers/{offer_id}";
    let missing = published_violations("GET", path, 200, &serde_json::json!({}));
    let required = |v: &String| v.contains("openapi.offers.yaml") && v.contains("required");
    assert!(missing.iter().any(required), "{missing:?}");
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
    let teapot = documented_violations("GET", path, 418, &Value::Null);
    assert_eq!(
        teapot,
        [format!("GET {path}: status 418 is not documented")]
    );
    assert!(!documented_violations("GET", "/nowhere", 200, &Value::Null).is_empty());
}
