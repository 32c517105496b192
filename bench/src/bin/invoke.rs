//! Invocation benchmark: runs the deployable binary under a loopback Lambda Runtime API
//! emulator against moto (a stack provisioned from template.yaml, as the local stack does) and
//! measures, per handler:
//! - init: process start → first `GET /runtime/invocation/next`;
//! - first invocation: the first event handed out → its response (the SDK configuration and
//!   the first connections are paid here);
//! - warm p50 / p99 over the following invocations.
//!
//! The baseline, measured in the same run, is one DynamoDB `GetItem` against the same moto
//! from this process: warm latency is reported as "moto round trips".
//!
//! usage: invoke [--invocations N] [--bin-dir target/release]

use std::collections::VecDeque;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response};
use serde_json::Value;
use tokio::sync::Notify;

/// Hands out queued events and records when each was handed out and answered.
#[derive(Default)]
struct Emulator {
    queue: Mutex<VecDeque<Value>>,
    first_next: Mutex<Option<Instant>>,
    handed: Mutex<Vec<Instant>>,
    answered: Mutex<Vec<(Instant, u16)>>,
    done: Notify,
}

async fn handle(em: Arc<Emulator>, req: Request<Incoming>) -> Response<Full<Bytes>> {
    let path = req.uri().path().to_owned();
    if path.ends_with("/runtime/invocation/next") {
        em.first_next
            .lock()
            .unwrap()
            .get_or_insert_with(Instant::now);
        let next = em.queue.lock().unwrap().pop_front();
        let Some(event) = next else {
            em.done.notify_one();
            tokio::time::sleep(Duration::from_secs(60)).await;
            return Response::new(Full::new(Bytes::new()));
        };
        let mut handed = em.handed.lock().unwrap();
        let id = handed.len();
        handed.push(Instant::now());
        let mut r = Response::new(Full::new(Bytes::from(event.to_string())));
        let h = r.headers_mut();
        h.insert(
            "lambda-runtime-aws-request-id",
            id.to_string().parse().unwrap(),
        );
        h.insert(
            "lambda-runtime-deadline-ms",
            "9999999999999".parse().unwrap(),
        );
        h.insert(
            "lambda-runtime-invoked-function-arn",
            "arn:aws:lambda:us-east-1:123456789012:function:bench"
                .parse()
                .unwrap(),
        );
        h.insert(
            "lambda-runtime-trace-id",
            "Root=1-00000000-000000000000000000000000".parse().unwrap(),
        );
        return r;
    }
    if path.ends_with("/response") || path.ends_with("/error") {
        let body = req
            .into_body()
            .collect()
            .await
            .map(|b| b.to_bytes())
            .unwrap_or_default();
        let status = serde_json::from_slice::<Value>(&body)
            .ok()
            .and_then(|v| v["statusCode"].as_u64())
            .unwrap_or(if path.ends_with("/error") { 599 } else { 0 }) as u16;
        em.answered.lock().unwrap().push((Instant::now(), status));
    }
    let mut r = Response::new(Full::new(Bytes::new()));
    *r.status_mut() = hyper::StatusCode::ACCEPTED;
    r
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

struct Figures {
    init_ms: f64,
    first_ms: f64,
    p50_ms: f64,
    p99_ms: f64,
    statuses: Vec<u16>,
}

async fn run(binary: &PathBuf, function: &devstack::Function, events: Vec<Value>) -> Figures {
    let n = events.len();
    let em = Arc::new(Emulator::default());
    em.queue.lock().unwrap().extend(events);
    let addr = bench::serve_runtime_api(em.clone(), handle).await;
    let mut cmd = Command::new(binary);
    cmd.env_clear()
        .envs(&function.environment)
        .env("_HANDLER", &function.def.handler)
        .env("AWS_LAMBDA_RUNTIME_API", addr.to_string())
        .env("AWS_LAMBDA_FUNCTION_NAME", &function.def.logical_id)
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let started = Instant::now();
    let mut child = cmd.spawn().expect("binary starts");
    tokio::time::timeout(Duration::from_secs(300), em.done.notified())
        .await
        .expect("all events answered");
    let _ = child.kill();
    let _ = child.wait();
    let handed = em.handed.lock().unwrap().clone();
    let answered = em.answered.lock().unwrap().clone();
    assert_eq!(
        answered.len(),
        n,
        "{}: every event answered",
        function.def.handler
    );
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let mut warm: Vec<f64> = handed
        .iter()
        .zip(&answered)
        .skip(1)
        .map(|(h, (a, _))| ms(*a - *h))
        .collect();
    warm.sort_by(f64::total_cmp);
    Figures {
        init_ms: ms(em.first_next.lock().unwrap().expect("next") - started),
        first_ms: ms(answered[0].0 - handed[0]),
        p50_ms: percentile(&warm, 0.5),
        p99_ms: percentile(&warm, 0.99),
        statuses: answered.iter().map(|(_, s)| *s).collect(),
    }
}

fn sample(handler: &str, token: &str, path_id: Option<&str>) -> Value {
    let path = devstack::repo_root().join(format!("events/{handler}.json"));
    let mut event: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    if event["headers"].get("authorization").is_some() {
        event["headers"]["authorization"] = Value::String(token.to_owned());
    }
    if let (Some(id), Some(params)) = (path_id, event.get_mut("pathParameters")) {
        let key = params.as_object().unwrap().keys().next().unwrap().clone();
        let old = params[&key].as_str().unwrap().to_owned();
        params[&key] = Value::String(id.to_owned());
        let raw = event["rawPath"].as_str().unwrap().replace(&old, id);
        event["rawPath"] = Value::String(raw.clone());
        event["requestContext"]["http"]["path"] = Value::String(raw);
    }
    event
}

#[tokio::main]
async fn main() {
    let mut invocations = 1000usize;
    let mut bin_dir = PathBuf::from("target/release");
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--invocations" => {
                invocations = args
                    .next()
                    .and_then(|v| v.parse().ok())
                    .expect("--invocations N")
            }
            "--bin-dir" => bin_dir = PathBuf::from(args.next().expect("--bin-dir DIR")),
            _ => panic!("usage: invoke [--invocations N] [--bin-dir DIR]"),
        }
    }
    let binary = bin_dir.join("bootstrap");
    assert!(
        binary.exists(),
        "{} missing: cargo build --release -p functions",
        binary.display()
    );

    let stack = devstack::Stack::start(devstack::Options {
        stack_name: "bench".into(),
        ..Default::default()
    })
    .await
    .expect("stack starts (scripts/setup-python.sh first)");
    let demo = stack.seed_demo().await.expect("demo data");
    let server = devstack::server::serve(stack.clone(), "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let http = reqwest::Client::new();
    let login = |u: devstack::seed::User| {
        let http = http.clone();
        let url = format!("http://{}/auth/v1/login", server.addr);
        async move {
            let r: Value = http
                .post(url)
                .json(&serde_json::json!({"username": u.email, "password": u.password}))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            r["IdToken"].as_str().unwrap().to_owned()
        }
    };
    let demand = login(demo.demand.clone()).await;
    let supplier = login(demo.supply_a.clone()).await;

    // Baseline: a GetItem round trip to the same moto.
    let db = &stack.app().db;
    let mut baseline = Vec::new();
    for _ in 0..200 {
        let t = Instant::now();
        db.get_org(demo.demand.organization.as_ref().unwrap().id)
            .await
            .unwrap();
        baseline.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    baseline.sort_by(f64::total_cmp);
    let base = percentile(&baseline, 0.5);

    println!("invocations of the release binary under a Runtime API emulator, against moto");
    println!("baseline: DynamoDB GetItem round trip to the same moto, p50 {base:.2} ms\n");
    println!(
        "{:<32} {:>8} {:>10} {:>9} {:>9} {:>11} {:>11}",
        "handler", "init ms", "first ms", "p50 ms", "p99 ms", "p50/base", "p99/base"
    );
    let create = stack.function("offers.outbox.create_offer").unwrap();
    let list = stack.function("offers.inbox.list_offers").unwrap();
    let accept = stack.function("offers.inbox.accept_offer").unwrap();
    let health = stack.function("offers.healthz").unwrap();

    let mut rows = vec![
        (
            "offers.healthz",
            run(
                &binary,
                health,
                vec![sample("offers.healthz", "", None); invocations],
            )
            .await,
        ),
        (
            "offers.outbox.create_offer",
            run(
                &binary,
                create,
                vec![sample("offers.outbox.create_offer", &demand, None); invocations],
            )
            .await,
        ),
        (
            "offers.inbox.list_offers",
            run(
                &binary,
                list,
                vec![sample("offers.inbox.list_offers", &supplier, None); invocations],
            )
            .await,
        ),
    ];
    // Accept needs a fresh offer per invocation: list the ones create just made.
    let offers = db
        .offers_of_demand(demo.demand.organization.as_ref().unwrap().id)
        .await
        .unwrap();
    let accepts: Vec<Value> = offers
        .iter()
        .map(|o| {
            sample(
                "offers.inbox.accept_offer",
                &supplier,
                Some(&o.id.to_string()),
            )
        })
        .collect();
    rows.push((
        "offers.inbox.accept_offer",
        run(&binary, accept, accepts).await,
    ));

    for (name, f) in &rows {
        println!(
            "{:<32} {:>8.2} {:>10.2} {:>9.2} {:>9.2} {:>11.1} {:>11.1}",
            name,
            f.init_ms,
            f.first_ms,
            f.p50_ms,
            f.p99_ms,
            f.p50_ms / base,
            f.p99_ms / base
        );
        let mut statuses = f.statuses.clone();
        statuses.sort_unstable();
        statuses.dedup();
        println!("{:<32} statuses {statuses:?}", "");
    }
}
