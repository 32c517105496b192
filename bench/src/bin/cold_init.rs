//! Cold-init benchmark: starts a binary under a minimal Lambda Runtime API emulator, with the
//! environment Lambda gives a function, and times process start → its first
//! `GET /2018-06-01/runtime/invocation/next` (the moment Lambda's "Init Duration" ends).
//! Every handler of the registry is measured with its own stack's binary (the artifact Lambda
//! runs it from) against the empty lambda_runtime binary in the same run, interleaved, and
//! reported as a ratio of medians. Each binary's size and dynamic relocation count (what the
//! loader works through before `main`) are printed first.
//!
//! usage: cold-init [--runs N] [--bin-dir target/release]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response};
use tokio::sync::Notify;

/// Records when the first `next` arrives; never hands out an event, so the process idles
/// until it is killed.
#[derive(Default)]
struct Emulator {
    first_next: Mutex<Option<Instant>>,
    seen: Notify,
}

async fn handle(emulator: Arc<Emulator>, req: Request<Incoming>) -> Response<Full<Bytes>> {
    if req.uri().path().ends_with("/runtime/invocation/next") {
        emulator
            .first_next
            .lock()
            .unwrap()
            .get_or_insert_with(Instant::now);
        emulator.seen.notify_one();
        // Hold the long poll open, as Lambda does while no event is queued.
        tokio::time::sleep(Duration::from_secs(30)).await;
    }
    Response::new(Full::new(Bytes::new()))
}

/// One cold start: milliseconds from spawn to the first `next`.
async fn measure(binary: &Path, handler: Option<&str>) -> f64 {
    let emulator = Arc::new(Emulator::default());
    let addr = bench::serve(emulator.clone(), handle).await;
    let mut cmd = Command::new(binary);
    cmd.env_clear()
        .env("AWS_LAMBDA_RUNTIME_API", addr.to_string())
        .env("AWS_LAMBDA_FUNCTION_NAME", "bench")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_LAMBDA_LOG_FORMAT", "JSON")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_SESSION_TOKEN", "test")
        .env("TABLE_NAME", "bench-PlatformTable")
        .env(
            "TOPIC_ARN_PREFIX",
            "arn:aws:sns:us-east-1:123456789012:bench-",
        )
        .env("USER_POOL_ID", "us-east-1_bench")
        .env("USER_POOL_CLIENT_ID", "bench")
        .env("RUST_LOG", "info")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    if let Some(h) = handler {
        cmd.env("_HANDLER", h);
    }
    let started = Instant::now();
    let mut child = cmd.spawn().expect("binary starts");
    tokio::time::timeout(Duration::from_secs(10), emulator.seen.notified())
        .await
        .expect("reached next within 10 s");
    let at = emulator.first_next.lock().unwrap().expect("recorded");
    let _ = child.kill();
    let _ = child.wait();
    (at - started).as_secs_f64() * 1000.0
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

/// Lines of `readelf -r`, the dynamic relocation count docs/performance.md tracks (a few header
/// lines per section included); `None` without binutils.
fn relocations(binary: &Path) -> Option<usize> {
    let out = Command::new("readelf")
        .arg("-r")
        .arg(binary)
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| out.stdout.iter().filter(|b| **b == b'\n').count())
}

#[tokio::main]
async fn main() {
    let mut runs = 30;
    let mut bin_dir = PathBuf::from("target/release");
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--runs" => runs = args.next().and_then(|v| v.parse().ok()).expect("--runs N"),
            "--bin-dir" => bin_dir = PathBuf::from(args.next().expect("--bin-dir DIR")),
            _ => panic!("usage: cold-init [--runs N] [--bin-dir DIR]"),
        }
    }
    let empty = bin_dir.join("empty-lambda");
    assert!(
        empty.exists(),
        "{} missing: cargo build --release -p bench",
        empty.display()
    );
    println!(
        "{:<16} {:>9} {:>10} {:>12}",
        "binary", "handlers", "MB", "readelf -r"
    );
    let mut binaries = vec![("empty-lambda", 0, empty.clone())];
    for stack in functions::REGISTRY {
        let path = bench::binary_of(&bin_dir, stack.entries[0].name);
        binaries.push((stack.binary, stack.entries.len(), path));
    }
    for (name, handlers, path) in &binaries {
        let size = std::fs::metadata(path).expect("binary is readable").len();
        let relocs = relocations(path).map_or("n/a".to_owned(), |n| n.to_string());
        println!(
            "{name:<16} {handlers:>9} {:>10.1} {relocs:>12}",
            size as f64 / 1e6
        );
    }
    println!();

    let mut baseline = Vec::new();
    let mut results: Vec<(&str, &str, PathBuf, Vec<f64>)> = functions::REGISTRY
        .iter()
        .flat_map(|stack| {
            let path = bin_dir.join(stack.binary);
            stack
                .entries
                .iter()
                .map(move |e| (e.name, stack.binary, path.clone(), Vec::new()))
        })
        .collect();
    for _ in 0..runs {
        // Interleaved, so drift in machine load hits baseline and handlers alike.
        baseline.push(measure(&empty, None).await);
        for (name, _, binary, samples) in results.iter_mut() {
            samples.push(measure(binary, Some(name)).await);
        }
    }
    let base = median(baseline);
    println!("cold init, median of {runs} runs (process start -> first /runtime/invocation/next)");
    println!(
        "{:<66} {:<14} {:>7} {:>7}",
        "handler", "binary", "ms", "ratio"
    );
    println!(
        "{:<66} {:<14} {:>7.2} {:>7.2}",
        "empty lambda_runtime (baseline)", "empty-lambda", base, 1.0
    );
    let mut worst_of: Vec<(&str, f64)> = Vec::new();
    for (name, binary, _, samples) in results {
        let ratio = median(samples) / base;
        println!("{name:<66} {binary:<14} {:>7.2} {ratio:>7.2}", ratio * base);
        match worst_of.iter_mut().find(|(b, _)| *b == binary) {
            Some((_, w)) => *w = w.max(ratio),
            None => worst_of.push((binary, ratio)),
        }
    }
    let worst = worst_of.iter().map(|(_, w)| *w).fold(0.0, f64::max);
    for (binary, w) in worst_of {
        println!("worst ratio of {binary}: {w:.2}");
    }
    println!("worst ratio {worst:.2} (target <= 1.30)");
}
