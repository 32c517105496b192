//! Starting the real `devstack` binary (README command 1) for the tests of this directory.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts the local stack with `args` and waits until it says it is up (at most 300 s, a
/// bound for a hung start, not a figure asserted); its stderr goes to `stderr`.
pub fn start_local_stack(args: &[&str], stderr: Stdio) -> Child {
    let mut child = Command::new(env!("CARGO_BIN_EXE_devstack"))
        .args(args)
        .current_dir(devstack::repo_root())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(stderr)
        .spawn()
        .expect("devstack starts");
    let (tx, rx) = mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let deadline = Instant::now() + Duration::from_secs(300);
    while Instant::now() < deadline {
        if let Ok(line) = rx.recv_timeout(Duration::from_millis(200))
            && line.contains("Local stack is up")
        {
            return child;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("the local stack did not come up");
}
