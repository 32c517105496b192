//! The local stack with realistic data: does it stay fast and small?
//!
//! Runs the local stack in-process as `scripts/local.sh` does (its own moto, template.yaml's
//! resources, the demo data, every route on a loopback port, the stream and queue pumps
//! running) and drives it over HTTP like a client:
//! 1. baseline, on an empty table: `--samples` creates and as many accepts (the first supplier
//!    accepts each new offer), their p50;
//! 2. fill: `--offers` more offers of the demand organization (each with a match per trusted
//!    supplier and its events), through the API;
//! 3. the same creates and accepts again, their p50, and the ratio to the baseline's;
//! 4. `--lifecycles` full offer lifecycles (create, accept, decline by the other supplier,
//!    close) and `--big-bodies` create requests with 1 MB bodies (refused at the edge).
//!
//! moto's resident memory is sampled every 100 ms throughout; its peak is printed with the
//! figures. Only ratios within this run are compared, and nothing here is asserted: the
//! deterministic figure (items each query examines) is tested in tools/test_moto_patches.py.
//!
//! usage: local-stack [--offers 10000] [--samples 50] [--lifecycles 1000] [--big-bodies 100]
//!                    [--concurrency 4]

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bench::percentile;
use serde_json::{Value, json};

struct Client {
    http: reqwest::Client,
    base: String,
    demand: String,
    supply_a: String,
    supply_b: String,
}

impl Client {
    async fn post(&self, path: &str, token: &str, body: &Value) -> (u16, Value) {
        let r = self
            .http
            .post(format!("{}{path}", self.base))
            .header("authorization", token)
            .json(body)
            .send()
            .await
            .expect("the local stack answers");
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    async fn create(&self) -> String {
        let (status, body) = self
            .post("/offers/v1/outbox/offers", &self.demand, &offer_body())
            .await;
        assert_eq!(status, 201, "create: {body}");
        body["offer"]["id"].as_str().unwrap().to_owned()
    }

    async fn accept(&self, offer: &str) {
        let (status, body) = self
            .post(
                &format!("/offers/v1/inbox/offers/{offer}/accept"),
                &self.supply_a,
                &json!({"comment": "We can staff it."}),
            )
            .await;
        assert!(status < 300, "accept: {status} {body}");
    }

    async fn lifecycle(&self) {
        let offer = self.create().await;
        self.accept(&offer).await;
        let (status, body) = self
            .post(
                &format!("/offers/v1/inbox/offers/{offer}/decline"),
                &self.supply_b,
                &json!({"reason_code": "no_employee_availability"}),
            )
            .await;
        assert!(status < 300, "decline: {status} {body}");
        let (status, body) = self
            .post(
                &format!("/offers/v1/outbox/offers/{offer}/close"),
                &self.demand,
                &json!({"reason_code": "client_request"}),
            )
            .await;
        assert!(status < 300, "close: {status} {body}");
    }
}

fn offer_body() -> Value {
    let path = devstack::repo_root().join("events/offers.outbox.offers.create.json");
    let event: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    serde_json::from_str(event["body"].as_str().unwrap()).unwrap()
}

fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .map(|v| v.parse().expect("a number"))
        .unwrap_or(default)
}

/// `samples` creates, then an accept of each, timed one by one: their p50s in ms.
async fn creates_and_accepts(client: &Client, samples: usize) -> (f64, f64) {
    let mut creates = Vec::new();
    let mut offers = Vec::new();
    for _ in 0..samples {
        let t = Instant::now();
        offers.push(client.create().await);
        creates.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    let mut accepts = Vec::new();
    for offer in &offers {
        let t = Instant::now();
        client.accept(offer).await;
        accepts.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    creates.sort_by(f64::total_cmp);
    accepts.sort_by(f64::total_cmp);
    (percentile(&creates, 0.5), percentile(&accepts, 0.5))
}

/// Runs `n` jobs, `concurrency` at a time, printing progress every tenth.
async fn run_all<F, Fut>(what: &str, n: usize, concurrency: usize, job: F)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    use futures::stream::{self, StreamExt};
    let started = Instant::now();
    let done = AtomicU64::new(0);
    stream::iter(0..n)
        .for_each_concurrent(concurrency, |_| {
            let fut = job();
            let done = &done;
            async move {
                fut.await;
                let d = done.fetch_add(1, Ordering::Relaxed) + 1;
                if (d as usize).is_multiple_of((n / 10).max(1)) {
                    eprintln!(
                        "  {what}: {d}/{n} ({:.0} s)",
                        started.elapsed().as_secs_f64()
                    );
                }
            }
        })
        .await;
}

#[tokio::main]
async fn main() {
    let offers = arg("--offers", 10_000);
    let samples = arg("--samples", 50);
    let lifecycles = arg("--lifecycles", 1_000);
    let big_bodies = arg("--big-bodies", 100);
    let concurrency = arg("--concurrency", 4);

    let stack = devstack::Stack::start(devstack::Options {
        stack_name: "bench".into(),
        ..Default::default()
    })
    .await
    .expect("the local stack starts (scripts/setup-python.sh first)");
    let demo = stack.seed_demo().await.expect("demo data");
    let server = devstack::server::serve(stack.clone(), "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let pumps = [
        stack.spawn_stream_pump(Duration::from_millis(250)),
        stack.spawn_queue_pump(Duration::from_millis(250)),
    ];
    let moto = stack.emulator().expect("the stack started its moto");
    let peak = Arc::new(AtomicU64::new(0));
    let sampler = {
        let stack = stack.clone();
        let peak = peak.clone();
        tokio::spawn(async move {
            let moto = stack.emulator().expect("own moto");
            loop {
                if let Some(rss) = moto.rss_mib() {
                    peak.fetch_max(rss, Ordering::Relaxed);
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        })
    };

    let http = reqwest::Client::new();
    let base = format!("http://{}", server.addr);
    let client = Client {
        demand: bench::login(&http, &base, &demo.demand).await,
        supply_a: bench::login(&http, &base, &demo.supply_a).await,
        supply_b: bench::login(&http, &base, &demo.supply_b).await,
        http,
        base,
    };

    let rss_start = moto.rss_mib().unwrap_or_default();
    let (create_empty, accept_empty) = creates_and_accepts(&client, samples).await;
    eprintln!(
        "baseline on an empty table: create p50 {create_empty:.1} ms, accept p50 {accept_empty:.1} ms"
    );

    let fill_started = Instant::now();
    run_all("fill", offers, concurrency, || async {
        client.create().await;
    })
    .await;
    let fill_s = fill_started.elapsed().as_secs_f64();
    stack.pump_until_idle().await.expect("pumps");
    let rss_filled = moto.rss_mib().unwrap_or_default();
    let (create_full, accept_full) = creates_and_accepts(&client, samples).await;

    let life_started = Instant::now();
    run_all("lifecycles", lifecycles, concurrency, || client.lifecycle()).await;
    let life_s = life_started.elapsed().as_secs_f64();
    let big = "x".repeat(1 << 20);
    let mut refused = Vec::new();
    for _ in 0..big_bodies {
        let r = client
            .http
            .post(format!("{}/offers/v1/outbox/offers", client.base))
            .header("authorization", &client.demand)
            .header("content-type", "application/json")
            .body(format!("{{\"offer\":{{\"comment\":\"{big}\"}}}}"))
            .send()
            .await
            .unwrap();
        refused.push(r.status().as_u16());
    }
    refused.sort_unstable();
    refused.dedup();
    stack.pump_until_idle().await.expect("pumps");
    tokio::time::sleep(Duration::from_millis(300)).await;
    let rss_end = moto.rss_mib().unwrap_or_default();
    sampler.abort();
    for pump in pumps {
        pump.abort();
    }

    println!("local stack with realistic data (moto, in-process handlers, HTTP on loopback)");
    println!("| figure | empty table | after {offers} offers | ratio |");
    println!("|---|---|---|---|");
    println!(
        "| create offer p50 ({samples} sequential) | {create_empty:.1} ms | {create_full:.1} ms | {:.2} × |",
        create_full / create_empty
    );
    println!(
        "| accept p50 ({samples} sequential) | {accept_empty:.1} ms | {accept_full:.1} ms | {:.2} × |",
        accept_full / accept_empty
    );
    println!(
        "fill: {offers} creates at concurrency {concurrency} in {fill_s:.0} s ({:.0}/s)",
        offers as f64 / fill_s
    );
    println!(
        "lifecycles: {lifecycles} × (create, accept, decline, close) in {life_s:.0} s; \
         {big_bodies} bodies of 1 MB answered {refused:?}"
    );
    println!(
        "moto RSS: {rss_start} MiB at start, {rss_filled} MiB after the fill, {rss_end} MiB at \
         the end, peak {} MiB",
        peak.load(Ordering::Relaxed)
    );
}
