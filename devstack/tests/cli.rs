//! `devstack invoke` (scripts/invoke.sh), `devstack events` (scripts/events.sh) and `devstack
//! metrics` (scripts/metrics.sh) as a user runs them: the real binary, against a local stack
//! started by the real binary on a free port, and once with no stack running.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::{free_port, start_local_stack};

use serde_json::Value;

/// The local stack (README command 1), seeded, until dropped.
struct LocalStack {
    child: Child,
    url: String,
}

impl LocalStack {
    fn start(name: &str) -> Self {
        let port = free_port();
        let child = start_local_stack(
            &["--port", &port.to_string(), "--stack-name", name],
            Stdio::null(),
        );
        Self {
            child,
            url: format!("http://127.0.0.1:{port}"),
        }
    }
}

impl Drop for LocalStack {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs `devstack <args>` with `stdin`, killing it if it has not ended within `limit` (the
/// command must never hang).
fn devstack(args: &[&str], stdin: Option<&str>, limit: Duration) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_devstack"))
        .args(args)
        .current_dir(devstack::repo_root())
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("devstack runs");
    if let Some(text) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
    }
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if child.try_wait().unwrap().is_some() {
            return child.wait_with_output().unwrap();
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let out = child.wait_with_output().unwrap();
    panic!(
        "devstack {args:?} did not end within {limit:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn payload(out: &Output) -> Value {
    let stdout = String::from_utf8_lossy(&out.stdout);
    serde_json::from_str(stdout.trim()).unwrap_or_else(|_| {
        panic!(
            "one JSON payload on stdout, got {stdout:?}; stderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

const LIMIT: Duration = Duration::from_secs(60);

#[test]
fn invoke_runs_a_handler_on_its_sample_against_the_running_stack() {
    let stack = LocalStack::start("cli");
    let on = |args: &[&str]| {
        let mut all = args.to_vec();
        all.extend(["--stack", &stack.url]);
        all.iter().map(|s| s.to_string()).collect::<Vec<_>>()
    };
    let run = |args: &[&str], stdin: Option<&str>| {
        let args = on(args);
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        devstack(&refs, stdin, LIMIT)
    };

    // The sample as shipped: its token placeholder gets the demand organization's token.
    let out = run(&["invoke", "offers.outbox.offers.create"], None);
    assert!(out.status.success(), "{out:?}");
    let created = payload(&out);
    assert_eq!(created["statusCode"], 201, "{created}");
    let body: Value = serde_json::from_str(created["body"].as_str().unwrap()).unwrap();
    assert_eq!(body["demand"]["name"], "Maple Home Health");
    // Its metrics document, as the deployed function would log it.
    let stderr = String::from_utf8_lossy(&out.stderr);
    let document = stderr
        .lines()
        .find_map(|l| l.strip_prefix("devstack invoke: metrics "))
        .unwrap_or_else(|| panic!("no metrics document: {stderr}"));
    let document: Value = serde_json::from_str(document).unwrap();
    shared::infra::metrics::validate(&document).unwrap();
    assert_eq!(document["Operation"], "offers.outbox.offers.create");
    assert_eq!(document["Requests"], 1.0);

    // --as: the same sample as a supplier is refused by the platform, not by the command.
    let out = run(
        &["invoke", "offers.outbox.offers.create", "--as", "supply-a"],
        None,
    );
    assert!(out.status.success(), "{out:?}");
    assert_eq!(payload(&out)["statusCode"], 403);

    // An event on stdin, edited.
    let sample =
        std::fs::read_to_string(devstack::repo_root().join("events/offers.healthz.json")).unwrap();
    let out = run(&["invoke", "offers.healthz", "-"], Some(&sample));
    assert!(out.status.success(), "{out:?}");
    assert_eq!(payload(&out)["statusCode"], 200);

    // What a subscriber sees: the watcher gets the OfferMatched a new offer sends supplier A.
    let mut watch = Command::new(env!("CARGO_BIN_EXE_devstack"))
        .args(on(&["events", "--org", "supply-a", "--count", "1"]))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut watching = BufReader::new(watch.stderr.take().unwrap());
    let mut line = String::new();
    watching.read_line(&mut line).unwrap();
    assert!(line.contains("watching 12 topics"), "{line}");
    let out = run(&["invoke", "offers.outbox.offers.create"], None);
    assert!(out.status.success(), "{out:?}");
    let deadline = Instant::now() + LIMIT;
    while watch.try_wait().unwrap().is_none() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = watch.kill();
    let seen = watch.wait_with_output().unwrap();
    let event: Value = serde_json::from_slice(&seen.stdout).expect("one JSON line");
    assert_eq!(event["message"]["event_name"], "OfferMatched", "{event}");
    assert_eq!(
        event["attributes"]["organization_id"],
        devstack::seed::SUPPLY_A_ORG
    );

    // The running stack's publisher counted that event; `metrics` shows it, `--raw` as EMF.
    let out = run(&["metrics"], None);
    assert!(out.status.success(), "{out:?}");
    let summary = String::from_utf8_lossy(&out.stdout);
    assert!(
        summary
            .lines()
            .any(|l| l.starts_with("EventsPublished") && l.contains("Channel=inbox-offers")),
        "{summary}"
    );
    let out = run(&["metrics", "--raw"], None);
    assert!(out.status.success(), "{out:?}");
    let raw = String::from_utf8_lossy(&out.stdout);
    assert!(raw.lines().count() > 0);
    for line in raw.lines() {
        let document: Value = serde_json::from_str(line).expect("one document per line");
        shared::infra::metrics::validate(&document).unwrap();
    }

    // A stream-triggered handler on its sample publishes to the local topics.
    let out = run(&["invoke", "events.publish"], None);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(payload(&out)["batchItemFailures"], serde_json::json!([]));
    assert!(String::from_utf8_lossy(&out.stderr).contains("scripts/events.sh"));

    // A typo lists the close names and fails.
    let out = run(&["invoke", "offers.outbx.offers.create"], None);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("did you mean offers.outbox.offers.create"),
        "{stderr}"
    );

    // A failing invocation prints the handler's error and fails, without hanging.
    let out = run(
        &[
            "invoke",
            "organizations.sys_admin.auto_sign_up.sign_up",
            "-",
        ],
        Some("{}"),
    );
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("task input"), "{stderr}");

    // --list names every handler with its trigger.
    let out = run(&["invoke", "--list"], None);
    assert!(out.status.success(), "{out:?}");
    let listed = String::from_utf8_lossy(&out.stdout);
    assert!(
        listed
            .lines()
            .any(|l| l.contains("offers.inbox.offers.accept")
                && l.contains("POST /offers/v1/inbox/offers/{offer_id}/accept"))
    );
    assert!(
        listed
            .lines()
            .any(|l| l.contains("events.publish") && l.contains("DynamoDB stream"))
    );
}

#[test]
fn invoke_starts_a_stack_for_the_call_when_none_is_running() {
    let nowhere = format!("http://127.0.0.1:{}", free_port());
    let out = devstack(
        &["invoke", "auth.current_identity", "--stack", &nowhere],
        None,
        Duration::from_secs(300),
    );
    assert!(out.status.success(), "{out:?}");
    let answer = payload(&out);
    assert_eq!(answer["statusCode"], 200, "{answer}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("starting one for this call"),
        "{out:?}"
    );
}
