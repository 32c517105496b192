//! Instructions per warm request, counted by callgrind (deterministic, unlike a clock): the
//! release `offers` binary (the offers stack's artifact) runs under `valgrind --tool=callgrind`
//! and the loopback Runtime API emulator, with every AWS call answered by the local fake of
//! `bench::fake_aws`. Each handler runs twice, with 1 and with 1 + N requests; the difference
//! divided by N is the cost of a warm request, with init and the first request (JWKS fetch,
//! SDK set-up, first connection) cancelling out. The baseline, measured the same way in the
//! same run, is `offers.healthz` (the Runtime API and API Gateway event round trip with no
//! handler work); the empty `lambda_runtime` binary is shown too. A third run with no request
//! counts init alone (process start to the first `/next`), the deterministic counterpart of
//! `cold-init`'s clock, as a ratio to the empty binary's; it is also counted for the first
//! handler of every other stack's binary, so each artifact's init is known.
//!
//! With `--peer DIR`, the same run measures a peer the same way: aws-samples/serverless-rust-demo's
//! `put-product` and `get-product`, built from its repository outside ours into DIR, against the
//! same fake (docs/performance.md, "Beside a peer"). Without it, or when DIR lacks them, the peer
//! is skipped with a message. `--keep DIR` keeps the callgrind outputs, for `callgrind_annotate`
//! on an unstripped build.
//!
//! usage: instructions [--requests N] [--inbox K] [--bin-dir target/release] [--valgrind PATH]
//!                     [--peer DIR] [--keep DIR]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use bench::emulator::Session;
use bench::fake_aws::Scenario;
use serde_json::{Value, json};

/// The instruction total of a callgrind output file (`summary:` or `totals:` line).
fn callgrind_total(text: &str) -> Option<u64> {
    text.lines()
        .find_map(|l| {
            l.strip_prefix("summary:")
                .or_else(|| l.strip_prefix("totals:"))
        })
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
}

struct Run {
    instructions: u64,
    calls: BTreeMap<String, u64>,
    statuses: Vec<u16>,
}

struct Bench {
    valgrind: PathBuf,
    out_dir: PathBuf,
    scenario: Scenario,
}

impl Bench {
    /// One process under callgrind serving `events`; its instruction count and the fake's
    /// calls it caused. `label` names its output file.
    async fn run(
        &self,
        label: &str,
        binary: &Path,
        handler: Option<&str>,
        events: Vec<Value>,
    ) -> Run {
        let n = events.len();
        let out = self.out_dir.join(format!("callgrind.{label}.{n}"));
        let _ = std::fs::remove_file(&out);
        let mut cmd = Command::new(&self.valgrind);
        self.scenario.lambda_env(&mut cmd, handler);
        cmd.arg("--tool=callgrind")
            .arg(format!("--callgrind-out-file={}", out.display()))
            .arg(binary);
        let before = self.scenario.fake.calls();
        let session = Session::start(cmd, events).await;
        session.finish(Duration::from_secs(1800)).await;
        let statuses = session.statuses();
        session.terminate();
        let after = self.scenario.fake.calls();
        let calls = after
            .into_iter()
            .map(|(k, v)| {
                let b = before.get(&k).copied().unwrap_or(0);
                (k, v - b)
            })
            .filter(|(_, v)| *v > 0)
            .collect();
        let text = std::fs::read_to_string(&out)
            .unwrap_or_else(|e| panic!("{}: {e} (is valgrind installed?)", out.display()));
        Run {
            instructions: callgrind_total(&text).expect("callgrind total"),
            calls,
            statuses,
        }
    }
}

struct Row {
    name: String,
    init: u64,
    first: u64,
    per_request: f64,
    calls_per_request: String,
    statuses: Vec<u16>,
}

#[tokio::main]
async fn main() {
    let mut requests = 100usize;
    let mut inbox = 100usize;
    let mut bin_dir = PathBuf::from("target/release");
    let mut valgrind = PathBuf::from("/usr/bin/valgrind");
    let mut peer: Option<PathBuf> = None;
    let mut keep: Option<PathBuf> = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--requests" => {
                requests = args
                    .next()
                    .and_then(|v| v.parse().ok())
                    .expect("--requests N")
            }
            "--inbox" => inbox = args.next().and_then(|v| v.parse().ok()).expect("--inbox K"),
            "--bin-dir" => bin_dir = PathBuf::from(args.next().expect("--bin-dir DIR")),
            "--valgrind" => valgrind = PathBuf::from(args.next().expect("--valgrind PATH")),
            "--peer" => peer = Some(PathBuf::from(args.next().expect("--peer DIR"))),
            "--keep" => keep = Some(PathBuf::from(args.next().expect("--keep DIR"))),
            _ => panic!(
                "usage: instructions [--requests N] [--inbox K] [--bin-dir DIR] [--valgrind PATH] \
                 [--peer DIR] [--keep DIR]"
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
    let out_dir = keep.clone().unwrap_or_else(|| {
        std::env::temp_dir().join(format!("bench-instructions-{}", std::process::id()))
    });
    std::fs::create_dir_all(&out_dir).unwrap();
    let bench = Bench {
        valgrind,
        out_dir: out_dir.clone(),
        scenario: Scenario::start(inbox).await,
    };

    let mut rows = Vec::new();
    // (row name, output label, handler, binary, event)
    let mut cases: Vec<(String, String, Option<&str>, PathBuf, Value)> = vec![(
        "empty lambda_runtime".into(),
        "empty-lambda".into(),
        None,
        empty.clone(),
        json!({}),
    )];
    for (name, handler) in [
        ("offers.healthz (baseline)", "offers.healthz"),
        ("offers.outbox.offers.create", "offers.outbox.offers.create"),
        ("offers.inbox.offers.accept", "offers.inbox.offers.accept"),
        ("offers.inbox.offers.list", "offers.inbox.offers.list"),
    ] {
        let event = bench.scenario.event(handler);
        cases.push((
            name.into(),
            handler.into(),
            Some(handler),
            offers.clone(),
            event,
        ));
    }
    match peer_binaries(peer.as_deref()) {
        Ok(binaries) => {
            for (function, binary) in binaries {
                let event = bench.scenario.peer_event(function);
                cases.push((
                    format!("peer {function}"),
                    format!("peer-{function}"),
                    None,
                    binary,
                    event,
                ));
            }
        }
        Err(why) => eprintln!("peer skipped: {why}"),
    }
    for (name, label, handler, binary, event) in cases {
        let init = bench.run(&label, &binary, handler, vec![]).await;
        let one = bench
            .run(&label, &binary, handler, vec![event.clone()])
            .await;
        let many = bench
            .run(&label, &binary, handler, vec![event; requests + 1])
            .await;
        let calls_per_request = many
            .calls
            .iter()
            .filter(|(op, _)| *op != "jwks")
            .map(|(op, n)| {
                let before = one.calls.get(op).copied().unwrap_or(0);
                format!("{op} {}", (n - before) as f64 / requests as f64)
            })
            .collect::<Vec<_>>()
            .join(", ");
        let mut statuses = many.statuses.clone();
        statuses.sort_unstable();
        statuses.dedup();
        eprintln!("measured {name}");
        rows.push(Row {
            name,
            init: init.instructions,
            first: one.instructions - init.instructions,
            per_request: (many.instructions as f64 - one.instructions as f64) / requests as f64,
            calls_per_request,
            statuses,
        });
    }
    // Init alone in every other stack's binary: no request, so its first handler will do.
    let mut inits: Vec<(String, String, u64)> = Vec::new();
    for (handler, binary) in bench::deployed_handlers() {
        if binary == "offers" || inits.iter().any(|(b, _, _)| *b == binary) {
            continue;
        }
        let path = bench::built(&bin_dir, &binary);
        let init = bench.run(&handler, &path, Some(&handler), vec![]).await;
        eprintln!("measured init of {binary}");
        inits.push((binary, handler, init.instructions));
    }
    if keep.is_none() {
        let _ = std::fs::remove_dir_all(&out_dir);
    }

    let base = rows[1].per_request;
    let empty_init = rows[0].init as f64;
    println!(
        "instructions (callgrind) of the release binary, AWS answered by a local fake; \
         warm = (run of 1+{requests} requests - run of 1) / {requests}; inbox of {inbox} offers"
    );
    println!(
        "{:<28} {:>11} {:>6} {:>12} {:>12} {:>12} {:>7}  AWS calls per request / statuses",
        "handler", "init", "/empty", "1st request", "init + 1st", "warm", "/healthz"
    );
    for r in &rows {
        println!(
            "{:<28} {:>11} {:>6.2} {:>12} {:>12} {:>12.0} {:>7.1}  {} {:?}",
            r.name,
            r.init,
            r.init as f64 / empty_init,
            r.first,
            r.init + r.first,
            r.per_request,
            r.per_request / base,
            if r.calls_per_request.is_empty() {
                "none".to_owned()
            } else {
                r.calls_per_request.clone()
            },
            r.statuses
        );
    }
    println!(
        "init: process start to the first /next (0 requests), /empty = ratio to the empty \
         lambda_runtime binary's; warm /healthz = ratio to offers.healthz per warm request"
    );
    println!("\ninit of the other stacks' binaries (0 requests)");
    println!(
        "{:<14} {:<34} {:>11} {:>6}",
        "binary", "handler", "init", "/empty"
    );
    println!(
        "{:<14} {:<34} {:>11} {:>6.2}",
        "offers",
        rows[1].name,
        rows[1].init,
        rows[1].init as f64 / empty_init
    );
    for (binary, handler, init) in inits {
        println!(
            "{binary:<14} {handler:<34} {init:>11} {:>6.2}",
            init as f64 / empty_init
        );
    }
}

/// The peer's functions measured, as (function, binary), from the directory `--peer` gives;
/// why not, when it is not given or lacks one.
fn peer_binaries(dir: Option<&Path>) -> Result<Vec<(&'static str, PathBuf)>, String> {
    let dir = dir.ok_or(
        "no --peer DIR (aws-samples/serverless-rust-demo's put-product and get-product, built \
         outside this repository: docs/performance.md, \"Beside a peer\")",
    )?;
    ["put-product", "get-product"]
        .into_iter()
        .map(|function| {
            let binary = dir.join(function);
            if binary.is_file() {
                Ok((function, binary))
            } else {
                Err(format!("{} is not built", binary.display()))
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_callgrind_total() {
        let text =
            "version: 1\ncreator: callgrind-3.19.0\nevents: Ir\nsummary: 123456\n\nfl=(1) x\n";
        assert_eq!(callgrind_total(text), Some(123456));
        assert_eq!(callgrind_total("events: Ir\ntotals: 42\n"), Some(42));
        assert_eq!(callgrind_total("events: Ir\n"), None);
    }

    #[test]
    fn the_peer_is_skipped_when_absent() {
        assert!(peer_binaries(None).is_err());
        let dir = std::env::temp_dir().join(format!("bench-peer-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("put-product"), b"").unwrap();
        let missing = peer_binaries(Some(&dir)).unwrap_err();
        assert!(missing.contains("get-product"), "{missing}");
        std::fs::write(dir.join("get-product"), b"").unwrap();
        let found = peer_binaries(Some(&dir)).unwrap();
        assert_eq!(found[0], ("put-product", dir.join("put-product")));
        assert_eq!(found[1], ("get-product", dir.join("get-product")));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
