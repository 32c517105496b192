//! The local stack watches its emulator: when moto dies (the kernel's OOM killer, a crash), the
//! stack says what happened and exits non-zero instead of answering 500 to every request.
//! Runs the real `devstack` binary (README command 1) on free ports.

mod common;

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{free_port, start_local_stack};

/// Waits for `done`, polling, at most `limit` (a bound for a hung test, not a figure asserted).
fn wait_for<T>(limit: Duration, mut done: impl FnMut() -> Option<T>) -> Option<T> {
    let start = Instant::now();
    while start.elapsed() < limit {
        if let Some(v) = done() {
            return Some(v);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    None
}

#[test]
fn a_dead_emulator_stops_the_local_stack_with_the_reason() {
    let port = free_port();
    let mut stack = start_local_stack(
        &[
            "--port",
            &port.to_string(),
            "--no-seed",
            "--stack-name",
            "watch",
        ],
        Stdio::piped(),
    );

    // The health route reports the emulator, and names its process.
    let health = |port: u16| -> Option<serde_json::Value> {
        let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
        use std::io::Write;
        write!(
            s,
            "GET /_local/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        )
        .ok()?;
        let mut text = String::new();
        s.read_to_string(&mut text).ok()?;
        serde_json::from_str(text.split("\r\n\r\n").nth(1)?).ok()
    };
    let state = health(port).expect("the health route answers");
    assert_eq!(state["emulator"]["running"], true, "{state}");
    let pid = state["emulator"]["pid"]
        .as_u64()
        .expect("moto's pid")
        .to_string();

    let killed = Command::new("kill").args(["-9", &pid]).status().unwrap();
    assert!(killed.success());
    let status = wait_for(Duration::from_secs(60), || stack.try_wait().ok().flatten());
    let Some(status) = status else {
        let _ = stack.kill();
        panic!("the local stack kept running without its emulator");
    };
    let mut stderr = String::new();
    stack
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert_eq!(status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!("moto (pid {pid}) exited")) && stderr.contains("signal: 9"),
        "the reason is printed: {stderr}"
    );
}
