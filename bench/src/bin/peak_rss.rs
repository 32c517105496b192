//! Peak resident memory of a warm function: the release `offers` binary (the offers stack's
//! artifact) serves N invocations of a handler under the loopback Runtime API emulator, with
//! every AWS call answered by the local fake of `bench::fake_aws`, and its `VmHWM` (peak RSS)
//! is read from `/proc` before it is stopped. The baseline, measured the same way in the same
//! run, is the empty `lambda_runtime` binary. Target: every handler ≤ 32 MB, so a 128 MB
//! function keeps its headroom.
//!
//! usage: peak-rss [--invocations N] [--inbox K] [--big-inbox K] [--bin-dir target/release]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use bench::emulator::Session;
use bench::fake_aws::Scenario;
use serde_json::{Value, json};

/// Peak RSS (KiB) of `binary` after serving `events`, and the statuses it answered.
async fn peak(
    scenario: &Scenario,
    binary: &Path,
    handler: Option<&str>,
    events: Vec<Value>,
) -> (u64, Vec<u16>) {
    let mut cmd = Command::new(binary);
    scenario.lambda_env(&mut cmd, handler);
    let session = Session::start(cmd, events).await;
    session.finish(Duration::from_secs(600)).await;
    let kib = session.peak_rss_kib();
    let mut statuses = session.statuses();
    session.kill();
    statuses.sort_unstable();
    statuses.dedup();
    (kib, statuses)
}

#[tokio::main]
async fn main() {
    let mut invocations = 1000usize;
    let mut inbox = 100usize;
    let mut big_inbox = 1000usize;
    let mut bin_dir = PathBuf::from("target/release");
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut number = |flag: &str| -> usize {
            args.next()
                .and_then(|v| v.parse().ok())
                .unwrap_or_else(|| panic!("{flag} N"))
        };
        match a.as_str() {
            "--invocations" => invocations = number("--invocations"),
            "--inbox" => inbox = number("--inbox"),
            "--big-inbox" => big_inbox = number("--big-inbox"),
            "--bin-dir" => bin_dir = PathBuf::from(args.next().expect("--bin-dir DIR")),
            _ => panic!(
                "usage: peak-rss [--invocations N] [--inbox K] [--big-inbox K] [--bin-dir DIR]"
            ),
        }
    }
    let empty = bin_dir.join("empty-lambda");
    assert!(
        empty.exists(),
        "{} missing: cargo build --release -p bench",
        empty.display()
    );
    let offers = bench::binary_of(&bin_dir, "offers.healthz");
    let scenario = Scenario::start(inbox).await;
    let big = Scenario::start(big_inbox).await;
    let list = "offers.inbox.offers.list";
    let cases: Vec<(String, &Scenario, Option<&str>, &Path)> = vec![
        (
            "empty lambda_runtime (baseline)".into(),
            &scenario,
            None,
            empty.as_path(),
        ),
        (
            "offers.healthz".into(),
            &scenario,
            Some("offers.healthz"),
            offers.as_path(),
        ),
        (
            "offers.outbox.offers.create".into(),
            &scenario,
            Some("offers.outbox.offers.create"),
            offers.as_path(),
        ),
        (
            "offers.inbox.offers.accept".into(),
            &scenario,
            Some("offers.inbox.offers.accept"),
            offers.as_path(),
        ),
        (
            format!("{list} ({inbox} offers)"),
            &scenario,
            Some(list),
            offers.as_path(),
        ),
        (
            format!("{list} ({big_inbox} offers)"),
            &big,
            Some(list),
            offers.as_path(),
        ),
    ];

    println!(
        "peak RSS (VmHWM) of the release binary after 1 and after {invocations} invocations, \
         AWS answered by a local fake"
    );
    println!(
        "{:<40} {:>10} {:>10} {:>8}  statuses",
        "binary / handler", "1 (MiB)", "N (MiB)", "ratio"
    );
    let mut base = 0.0;
    let mut worst: f64 = 0.0;
    for (name, scenario, handler, binary) in cases {
        let event = match handler {
            Some(h) => scenario.event(h),
            None => json!({}),
        };
        let (first, _) = peak(scenario, binary, handler, vec![event.clone()]).await;
        let (kib, statuses) = peak(scenario, binary, handler, vec![event; invocations]).await;
        let mib = kib as f64 / 1024.0;
        if handler.is_none() {
            base = mib;
        } else {
            worst = worst.max(mib);
        }
        println!(
            "{:<40} {:>10.1} {:>10.1} {:>8.2}  {statuses:?}",
            name,
            first as f64 / 1024.0,
            mib,
            mib / base
        );
    }
    println!(
        "largest handler peak {worst:.1} MiB (target <= 32 MB); ratio = peak / empty binary's"
    );
}
