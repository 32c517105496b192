//! Invocation benchmark: runs the deployable binary under a loopback Lambda Runtime API
//! emulator against moto (a stack provisioned from template.yaml, as the local stack does) and
//! measures, per handler:
//! - init: process start → first `GET /runtime/invocation/next`;
//! - first invocation: the first event handed out → its response (the SDK configuration and
//!   the first connections are paid here);
//! - warm p50 / p99 over the following invocations, and the p50 of the first and of the last
//!   tenth of them (moto slows down as a table grows: it deep-copies the table in every
//!   transaction).
//!
//! Every handler gets a fresh stack (fresh tables, in the same moto), so one measurement does
//! not inherit another's items: create starts on an empty table, list reads an inbox of
//! `--inbox` offers created beforehand, accept accepts offers created beforehand, one each.
//!
//! The baseline, measured on each fresh stack before its handler runs, is one DynamoDB
//! `GetItem` from this process to the same moto: warm latency is reported as "moto round trips".
//!
//! usage: invoke [--invocations N] [--inbox K] [--bin-dir target/release]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bench::emulator::Session;
use bench::{percentile, sample_event};
use serde_json::Value;
use shared::api::offers::CreateOfferRequest;
use shared::ids::OrgId;

struct Figures {
    base_ms: f64,
    init_ms: f64,
    first_ms: f64,
    p50_ms: f64,
    p99_ms: f64,
    first_tenth_p50: f64,
    last_tenth_p50: f64,
    statuses: Vec<u16>,
}

fn median_of(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    percentile(&v, 0.5)
}

async fn run(binary: &Path, function: &devstack::Function, events: Vec<Value>) -> Figures {
    let n = events.len();
    let mut cmd = Command::new(binary);
    cmd.env_clear()
        .envs(&function.environment)
        .env("_HANDLER", &function.def.handler)
        .env("AWS_LAMBDA_FUNCTION_NAME", &function.def.logical_id)
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let session = Session::start(cmd, events).await;
    session.finish(Duration::from_secs(7200)).await;
    let started = session.started;
    let em = session.em.clone();
    session.kill();
    let handed = em.handed.lock().unwrap().clone();
    let answered = em.answered.lock().unwrap().clone();
    assert_eq!(
        answered.len(),
        n,
        "{}: every event answered",
        function.def.handler
    );
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let warm_in_order: Vec<f64> = handed
        .iter()
        .zip(&answered)
        .skip(1)
        .map(|(h, (a, _))| ms(*a - *h))
        .collect();
    let tenth = (warm_in_order.len() / 10).max(1);
    let first_tenth_p50 = median_of(warm_in_order[..tenth].to_vec());
    let last_tenth_p50 = median_of(warm_in_order[warm_in_order.len() - tenth..].to_vec());
    let mut warm = warm_in_order;
    warm.sort_by(f64::total_cmp);
    Figures {
        base_ms: 0.0,
        init_ms: ms(em.first_next.lock().unwrap().expect("next") - started),
        first_ms: ms(answered[0].0 - handed[0]),
        p50_ms: percentile(&warm, 0.5),
        p99_ms: percentile(&warm, 0.99),
        first_tenth_p50,
        last_tenth_p50,
        statuses: answered.iter().map(|(_, s)| *s).collect(),
    }
}

/// A fresh stack in the given moto (or a new one), with the demo data and the IdTokens of the
/// demand's and the first supplier's admins.
struct Fresh {
    stack: Arc<devstack::Stack>,
    demand: OrgId,
    demand_token: String,
    supplier_token: String,
    base_ms: f64,
}

async fn fresh(name: &str, endpoint: Option<String>) -> Fresh {
    let stack = devstack::Stack::start(devstack::Options {
        stack_name: name.into(),
        endpoint,
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
    let demand_token = login(demo.demand.clone()).await;
    let supplier_token = login(demo.supply_a.clone()).await;
    let demand = demo.demand.organization.as_ref().unwrap().id;

    // Baseline: a GetItem round trip to the same moto, on this fresh table.
    let db = &stack.app().db;
    let mut baseline = Vec::new();
    for _ in 0..200 {
        let t = Instant::now();
        db.get_org(demand).await.unwrap();
        baseline.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    Fresh {
        stack,
        demand,
        demand_token,
        supplier_token,
        base_ms: median_of(baseline),
    }
}

impl Fresh {
    /// Creates `n` offers in-process (the sample request), matched to both demo suppliers.
    async fn create_offers(&self, n: usize) -> Vec<String> {
        let body = sample_event("offers.outbox.create_offer", "", None)["body"]
            .as_str()
            .unwrap()
            .to_owned();
        let mut ids = Vec::with_capacity(n);
        for _ in 0..n {
            let request: CreateOfferRequest = serde_json::from_str(&body).unwrap();
            let offer = shared::service::offers::create(self.stack.app(), self.demand, request)
                .await
                .expect("offer created");
            ids.push(offer.offer.id.to_string());
        }
        ids
    }

    async fn measure(&self, binary: &Path, handler: &str, events: Vec<Value>) -> Figures {
        let function = self.stack.function(handler).unwrap();
        let mut f = run(binary, function, events).await;
        f.base_ms = self.base_ms;
        f
    }
}

#[tokio::main]
async fn main() {
    let mut invocations = 1000usize;
    let mut inbox = 100usize;
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
            "--inbox" => inbox = args.next().and_then(|v| v.parse().ok()).expect("--inbox K"),
            "--bin-dir" => bin_dir = PathBuf::from(args.next().expect("--bin-dir DIR")),
            _ => panic!("usage: invoke [--invocations N] [--inbox K] [--bin-dir DIR]"),
        }
    }
    let binary = bin_dir.join("bootstrap");
    assert!(
        binary.exists(),
        "{} missing: cargo build --release -p functions",
        binary.display()
    );

    let mut rows: Vec<(&str, Figures)> = Vec::new();

    // healthz and create: create starts on an empty table.
    let first = fresh("bench-create", None).await;
    let endpoint = Some(first.stack.endpoint.clone());
    let health = sample_event("offers.healthz", "", None);
    rows.push((
        "offers.healthz",
        first
            .measure(&binary, "offers.healthz", vec![health; invocations])
            .await,
    ));
    eprintln!("measured offers.healthz");
    let create = sample_event("offers.outbox.create_offer", &first.demand_token, None);
    rows.push((
        "offers.outbox.create_offer",
        first
            .measure(
                &binary,
                "offers.outbox.create_offer",
                vec![create; invocations],
            )
            .await,
    ));
    eprintln!("measured offers.outbox.create_offer");

    // list: a fresh table with an inbox of `inbox` offers.
    let list_stack = fresh("bench-list", endpoint.clone()).await;
    list_stack.create_offers(inbox).await;
    let list = sample_event("offers.inbox.list_offers", &list_stack.supplier_token, None);
    rows.push((
        "offers.inbox.list_offers",
        list_stack
            .measure(&binary, "offers.inbox.list_offers", vec![list; invocations])
            .await,
    ));
    eprintln!("measured offers.inbox.list_offers");

    // accept: a fresh table with one offer per invocation.
    let accept_stack = fresh("bench-accept", endpoint).await;
    let accepts: Vec<Value> = accept_stack
        .create_offers(invocations)
        .await
        .iter()
        .map(|id| {
            sample_event(
                "offers.inbox.accept_offer",
                &accept_stack.supplier_token,
                Some(id),
            )
        })
        .collect();
    rows.push((
        "offers.inbox.accept_offer",
        accept_stack
            .measure(&binary, "offers.inbox.accept_offer", accepts)
            .await,
    ));

    println!(
        "invocations of the release binary under a Runtime API emulator, against moto; \
         {invocations} per handler, each handler on a fresh table; list reads an inbox of {inbox}"
    );
    println!("baseline: DynamoDB GetItem round trip to the same moto on the same fresh table\n");
    println!(
        "{:<28} {:>8} {:>8} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9}",
        "handler",
        "base ms",
        "init ms",
        "first ms",
        "p50 ms",
        "p99 ms",
        "p50/base",
        "p99/base",
        "1st 10%",
        "last 10%"
    );
    for (name, f) in &rows {
        println!(
            "{:<28} {:>8.2} {:>8.2} {:>9.2} {:>9.2} {:>9.2} {:>9.1} {:>9.1} {:>9.2} {:>9.2}",
            name,
            f.base_ms,
            f.init_ms,
            f.first_ms,
            f.p50_ms,
            f.p99_ms,
            f.p50_ms / f.base_ms,
            f.p99_ms / f.base_ms,
            f.first_tenth_p50,
            f.last_tenth_p50,
        );
        let mut statuses = f.statuses.clone();
        statuses.sort_unstable();
        statuses.dedup();
        println!("{:<28} statuses {statuses:?}", "");
    }
    println!(
        "1st 10% / last 10%: p50 (ms) of the first and of the last tenth of the warm invocations"
    );
}
