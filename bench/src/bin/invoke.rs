//! Invocation benchmark: runs each handler's deployable binary (its stack's artifact, `offers`
//! for every handler measured here) under a loopback Lambda Runtime API emulator against moto
//! (a stack provisioned from template.yaml, as the local stack does) and measures, per handler:
//! - init: process start → first `GET /runtime/invocation/next`;
//! - first invocation: the first event handed out → its response (the SDK configuration and
//!   the first connections are paid here);
//! - warm p50 / p99 over the following invocations, and the p50 of the first and of the last
//!   tenth of them (moto slows down as a table grows: it deep-copies the table in every
//!   transaction).
//!
//! Every handler runs in batches of `--batch` invocations (default 100), and every batch gets a
//! fresh stack in a fresh moto and a fresh process, so no measurement inherits
//! another's items: create starts on an empty table, list reads an inbox of `--inbox` offers
//! created beforehand, accept accepts offers created beforehand, one each. Batches keep a run of
//! 1,000 linear: moto copies the whole table in every transaction, so one table of 1,000 writes
//! costs O(n²). Warm figures pool the warm invocations of all batches; init and the first
//! invocation are the medians over the batches.
//!
//! The baseline, measured on each fresh stack before its handler runs, is one DynamoDB
//! `GetItem` from this process to the same moto: warm latency is reported as "moto round trips".
//!
//! usage: invoke [--invocations N] [--batch B] [--inbox K] [--bin-dir target/release]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bench::emulator::Session;
use bench::{percentile, sample_event};
use serde_json::Value;
use shared::kernel::ids::OrgId;
use shared::marketplace::wire::offers::CreateOfferRequest;

/// One batch: one process on one fresh table.
struct Batch {
    base_ms: f64,
    init_ms: f64,
    first_ms: f64,
    /// Warm latencies in the order they ran.
    warm: Vec<f64>,
    statuses: Vec<u16>,
}

struct Figures {
    batches: usize,
    base_ms: f64,
    init_ms: f64,
    first_ms: f64,
    warm_n: usize,
    p50_ms: f64,
    p99_ms: f64,
    first_tenth_p50: f64,
    last_tenth_p50: f64,
    statuses: Vec<u16>,
}

impl Figures {
    fn of(batches: Vec<Batch>) -> Figures {
        let mut first_tenths = Vec::new();
        let mut last_tenths = Vec::new();
        let mut warm = Vec::new();
        for b in &batches {
            let tenth = (b.warm.len() / 10).max(1).min(b.warm.len());
            first_tenths.extend_from_slice(&b.warm[..tenth]);
            last_tenths.extend_from_slice(&b.warm[b.warm.len() - tenth..]);
            warm.extend_from_slice(&b.warm);
        }
        warm.sort_by(f64::total_cmp);
        let mut statuses: Vec<u16> = batches.iter().flat_map(|b| b.statuses.clone()).collect();
        statuses.sort_unstable();
        statuses.dedup();
        Figures {
            batches: batches.len(),
            base_ms: bench::median(batches.iter().map(|b| b.base_ms).collect()),
            init_ms: bench::median(batches.iter().map(|b| b.init_ms).collect()),
            first_ms: bench::median(batches.iter().map(|b| b.first_ms).collect()),
            warm_n: warm.len(),
            p50_ms: percentile(&warm, 0.5),
            p99_ms: percentile(&warm, 0.99),
            first_tenth_p50: bench::median(first_tenths),
            last_tenth_p50: bench::median(last_tenths),
            statuses,
        }
    }
}

async fn run(binary: &Path, function: &devstack::Function, events: Vec<Value>) -> Batch {
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
    Batch {
        base_ms: 0.0,
        init_ms: ms(em.first_next.lock().unwrap().expect("next") - started),
        first_ms: ms(answered[0].0 - handed[0]),
        warm: warm_in_order,
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
    let base = format!("http://{}", server.addr);
    let demand_token = bench::login(&http, &base, &demo.demand).await;
    let supplier_token = bench::login(&http, &base, &demo.supply_a).await;
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
        base_ms: bench::median(baseline),
    }
}

impl Fresh {
    /// Creates `n` offers in-process (the sample request), matched to both demo suppliers.
    async fn create_offers(&self, n: usize) -> Vec<String> {
        let body = sample_event("offers.outbox.offers.create", "", None)["body"]
            .as_str()
            .unwrap()
            .to_owned();
        let mut ids = Vec::with_capacity(n);
        for _ in 0..n {
            let request: CreateOfferRequest = serde_json::from_str(&body).unwrap();
            let offer = shared::marketplace::usecases::offers::create(
                self.stack.app(),
                self.demand,
                request,
                None,
                |o| o.offer.id,
            )
            .await
            .expect("offer created");
            ids.push(offer.to_string());
        }
        ids
    }

    async fn measure(&self, binary: &Path, handler: &str, events: Vec<Value>) -> Batch {
        let function = self.stack.function(handler).unwrap();
        let mut b = run(binary, function, events).await;
        b.base_ms = self.base_ms;
        b
    }
}

/// What a handler is measured on: its events for one batch, given that batch's fresh stack.
#[derive(Clone, Copy)]
enum Workload {
    Healthz,
    Create,
    /// The first supplier's inbox of this many offers.
    List(usize),
    /// One offer per invocation, created beforehand.
    Accept,
}

impl Workload {
    fn handler(self) -> &'static str {
        match self {
            Workload::Healthz => "offers.healthz",
            Workload::Create => "offers.outbox.offers.create",
            Workload::List(_) => "offers.inbox.offers.list",
            Workload::Accept => "offers.inbox.offers.accept",
        }
    }

    async fn events(self, stack: &Fresh, n: usize) -> Vec<Value> {
        match self {
            Workload::Healthz => vec![sample_event(self.handler(), "", None); n],
            Workload::Create => vec![sample_event(self.handler(), &stack.demand_token, None); n],
            Workload::List(inbox) => {
                stack.create_offers(inbox).await;
                vec![sample_event(self.handler(), &stack.supplier_token, None); n]
            }
            Workload::Accept => stack
                .create_offers(n)
                .await
                .iter()
                .map(|id| sample_event(self.handler(), &stack.supplier_token, Some(id)))
                .collect(),
        }
    }
}

#[tokio::main]
async fn main() {
    let mut invocations = 1000usize;
    let mut batch = 100usize;
    let mut inbox = 100usize;
    let mut bin_dir = PathBuf::from("target/release");
    let mut args = std::env::args().skip(1);
    let number = |v: Option<String>, what: &str| -> usize {
        v.and_then(|v| v.parse().ok())
            .filter(|n| *n > 1)
            .unwrap_or_else(|| panic!("{what}: a number above 1"))
    };
    while let Some(a) = args.next() {
        match a.as_str() {
            "--invocations" => invocations = number(args.next(), "--invocations N"),
            "--batch" => batch = number(args.next(), "--batch B"),
            "--inbox" => inbox = number(args.next(), "--inbox K"),
            "--bin-dir" => bin_dir = PathBuf::from(args.next().expect("--bin-dir DIR")),
            _ => panic!("usage: invoke [--invocations N] [--batch B] [--inbox K] [--bin-dir DIR]"),
        }
    }

    let workloads = [
        Workload::Healthz,
        Workload::Create,
        Workload::List(inbox),
        Workload::Accept,
    ];
    // Checked before any moto starts: a missing binary fails at once.
    let binaries: Vec<PathBuf> = workloads
        .iter()
        .map(|w| bench::binary_of(&bin_dir, w.handler()))
        .collect();
    println!(
        "invocations of the release binary under a Runtime API emulator, against moto; \
         {invocations} per handler in batches of {batch}, each batch a fresh process on a fresh \
         table; list reads an inbox of {inbox}"
    );
    println!(
        "baseline: DynamoDB GetItem round trip to the same moto on the same fresh table \
         (median over the batches); init and first: medians over the batches\n"
    );
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
    for (w, workload) in workloads.into_iter().enumerate() {
        let mut batches = Vec::new();
        let mut done = 0;
        while done < invocations {
            let n = batch.min(invocations - done);
            // Each batch in its own moto, which ends with the batch: moto's memory grows with
            // every write it has seen (11.6 GB after ten batches of creates in one moto, even
            // with each batch's table deleted), and a swapping machine measures nothing.
            let stack = fresh(&format!("bench-{w}-{}", batches.len()), None).await;
            let events = workload.events(&stack, n).await;
            batches.push(
                stack
                    .measure(&binaries[w], workload.handler(), events)
                    .await,
            );
            done += n;
        }
        // Each row as soon as it is measured: a long run shows its figures as it goes.
        let (name, f) = (workload.handler(), Figures::of(batches));
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
        println!(
            "{:<28} {} batches, {} warm invocations, statuses {:?}",
            "", f.batches, f.warm_n, f.statuses
        );
    }

    println!(
        "1st 10% / last 10%: p50 (ms) of the first and of the last tenth of the warm invocations"
    );
}
