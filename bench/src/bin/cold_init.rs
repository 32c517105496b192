//! Cold-init benchmark: starts a binary under a minimal Lambda Runtime API emulator, with the
//! environment Lambda gives a function, and times process start → its first
//! `GET /2018-06-01/runtime/invocation/next` (the moment Lambda's "Init Duration" ends).
//! Every function's handler in the templates is measured with the binary its function is built
//! from (`BuildProperties.Binary`, its stack's artifact) against the empty lambda_runtime binary
//! in the same run: every handler start is paired with an empty-binary start just before it, and
//! a handler's ratio is the median of its paired ratios. Each binary's size and dynamic
//! relocation count (what the loader works through before `main`) are printed first.
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
    // Each binary with its handlers, in template order.
    let mut groups: Vec<(String, PathBuf, Vec<String>)> = Vec::new();
    for (handler, binary) in bench::deployed_handlers() {
        match groups.iter_mut().find(|(b, _, _)| *b == binary) {
            Some((_, _, handlers)) => handlers.push(handler),
            None => {
                let path = bench::built(&bin_dir, &binary);
                groups.push((binary, path, vec![handler]));
            }
        }
    }
    let mut binaries = vec![("empty-lambda", 0, empty.as_path())];
    binaries.extend(
        groups
            .iter()
            .map(|(name, path, handlers)| (name.as_str(), handlers.len(), path.as_path())),
    );
    for (name, handlers, path) in binaries {
        let size = std::fs::metadata(path).expect("binary is readable").len();
        let relocs = relocations(path).map_or("n/a".to_owned(), |n| n.to_string());
        println!(
            "{name:<16} {handlers:>9} {:>10.1} {relocs:>12}",
            size as f64 / 1e6
        );
    }
    println!();

    // One slot per handler, measured in runs. In a run every handler is started right after
    // a start of the empty binary, so each handler sample has a baseline sample taken a few
    // milliseconds earlier under the same machine load: its ratio is the median of those
    // paired ratios, which drift in load between runs cannot move.
    let slots: Vec<(usize, usize)> = groups
        .iter()
        .enumerate()
        .flat_map(|(g, (_, _, handlers))| (0..handlers.len()).map(move |h| (g, h)))
        .collect();
    // baseline[run][slot], handler[run][slot]
    let mut base = vec![vec![0.0; slots.len()]; runs];
    let mut init = vec![vec![0.0; slots.len()]; runs];
    for r in 0..runs {
        for (s, &(g, h)) in slots.iter().enumerate() {
            let (_, binary, handlers) = &groups[g];
            if s == 0 || slots[s - 1].0 != g {
                // The first start of a binary after another one's is slower by about 0.1 of
                // the ratio, whichever handler it runs, and the empty binary never pays that
                // (it runs between every two starts). One unmeasured start gives each
                // handler the state of its neighbours: the binary's pages recently used.
                measure(binary, Some(&handlers[h])).await;
            }
            base[r][s] = measure(&empty, None).await;
            init[r][s] = measure(binary, Some(&handlers[h])).await;
        }
    }
    let base_ms = bench::median(base.iter().flatten().copied().collect());
    let paired = |s: usize| bench::paired_ratio((0..runs).map(|r| (init[r][s], base[r][s])));
    // The control: each baseline sample against the next slot's, taken as far apart as a
    // handler's pair. The empty binary against itself shows how far from 1.00 a slot's median
    // lands by noise alone, so a handler's ratio is read against it.
    let control: Vec<f64> = (0..slots.len())
        .map(|s| {
            let next = |r: usize| {
                if s + 1 < slots.len() {
                    Some(base[r][s + 1])
                } else {
                    base.get(r + 1).map(|b| b[0])
                }
            };
            bench::paired_ratio((0..runs).filter_map(|r| next(r).map(|n| (n, base[r][s]))))
        })
        .collect();
    println!(
        "cold init, {runs} runs, each handler start paired with an empty-binary start just before \
         it (process start -> first /runtime/invocation/next)"
    );
    println!(
        "{:<66} {:<14} {:>7} {:>7}",
        "handler", "binary", "ms", "ratio"
    );
    println!(
        "{:<66} {:<14} {:>7.2} {:>7.2}",
        "empty lambda_runtime (baseline, all samples)", "empty-lambda", base_ms, 1.0
    );
    let mut summary = Vec::new();
    for (g, (binary, _, handlers)) in groups.iter().enumerate() {
        let mut worst: f64 = 0.0;
        let mut pooled = Vec::new();
        for (s, &(sg, h)) in slots.iter().enumerate() {
            if sg != g {
                continue;
            }
            let ms = bench::median((0..runs).map(|r| init[r][s]).collect());
            let ratio = paired(s);
            worst = worst.max(ratio);
            pooled.extend((0..runs).map(|r| (init[r][s], base[r][s])));
            println!("{:<66} {binary:<14} {ms:>7.2} {ratio:>7.2}", handlers[h]);
        }
        summary.push((binary.clone(), bench::paired_ratio(pooled), worst));
    }
    // Init does the same work for every handler of a binary (no handler does work before its
    // first request), so the median of all its paired ratios is the binary's steadier figure.
    println!(
        "\n{:<14} {:>16} {:>14}",
        "binary", "all pairs ratio", "worst handler"
    );
    for (binary, pooled, worst) in &summary {
        println!("{binary:<14} {pooled:>16.2} {worst:>14.2}");
    }
    let control_worst = control.iter().copied().fold(0.0, f64::max);
    println!(
        "{:<14} {:>16.2} {control_worst:>14.2}   (empty binary against itself, {} slots: the \
         noise floor)",
        "control",
        bench::median(control.clone()),
        control.len()
    );
    let worst = summary.iter().map(|(_, _, w)| *w).fold(0.0, f64::max);
    let pooled = summary.iter().map(|(_, p, _)| *p).fold(0.0, f64::max);
    println!(
        "worst handler {worst:.2}, worst binary {pooled:.2} (target <= 1.30); control worst \
         {control_worst:.2}"
    );
}
