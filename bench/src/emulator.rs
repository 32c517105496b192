//! A Lambda Runtime API emulator on loopback that hands out queued events one at a time and
//! records when each was handed out and answered, and a running function process under it.

use std::collections::VecDeque;
use std::process::{Child, Command};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response};
use serde_json::Value;
use tokio::sync::Notify;

#[derive(Default)]
pub struct Emulator {
    pub queue: Mutex<VecDeque<Value>>,
    /// The first `GET /runtime/invocation/next`: the end of init.
    pub first_next: Mutex<Option<Instant>>,
    pub handed: Mutex<Vec<Instant>>,
    /// When each invocation was answered, and the `statusCode` of its response (599 for an
    /// `/error` post).
    pub answered: Mutex<Vec<(Instant, u16)>>,
    /// Notified when the function asks for an event and the queue is empty.
    pub done: Notify,
}

async fn handle(em: Arc<Emulator>, req: Request<Incoming>) -> Response<Full<Bytes>> {
    let path = req.uri().path().to_owned();
    if path.ends_with("/runtime/invocation/next") {
        em.first_next
            .lock()
            .unwrap()
            .get_or_insert_with(Instant::now);
        let next = em.queue.lock().unwrap().pop_front();
        let Some(event) = next else {
            em.done.notify_one();
            // Hold the long poll open, as Lambda does while no event is queued.
            tokio::time::sleep(Duration::from_secs(3600)).await;
            return Response::new(Full::new(Bytes::new()));
        };
        let mut handed = em.handed.lock().unwrap();
        let id = handed.len();
        handed.push(Instant::now());
        let mut r = Response::new(Full::new(Bytes::from(event.to_string())));
        let h = r.headers_mut();
        h.insert(
            "lambda-runtime-aws-request-id",
            id.to_string().parse().unwrap(),
        );
        h.insert(
            "lambda-runtime-deadline-ms",
            "9999999999999".parse().unwrap(),
        );
        h.insert(
            "lambda-runtime-invoked-function-arn",
            "arn:aws:lambda:us-east-1:123456789012:function:bench"
                .parse()
                .unwrap(),
        );
        h.insert(
            "lambda-runtime-trace-id",
            "Root=1-00000000-000000000000000000000000".parse().unwrap(),
        );
        return r;
    }
    if path.ends_with("/response") || path.ends_with("/error") {
        let body = req
            .into_body()
            .collect()
            .await
            .map(|b| b.to_bytes())
            .unwrap_or_default();
        let status = serde_json::from_slice::<Value>(&body)
            .ok()
            .and_then(|v| v["statusCode"].as_u64())
            .unwrap_or(if path.ends_with("/error") { 599 } else { 0 }) as u16;
        em.answered.lock().unwrap().push((Instant::now(), status));
    }
    let mut r = Response::new(Full::new(Bytes::new()));
    *r.status_mut() = hyper::StatusCode::ACCEPTED;
    r
}

/// A function process under its own emulator.
pub struct Session {
    pub em: Arc<Emulator>,
    pub started: Instant,
    child: Child,
}

impl Session {
    /// Starts `cmd` (its environment already set, except the Runtime API address) with
    /// `events` queued.
    pub async fn start(mut cmd: Command, events: Vec<Value>) -> Self {
        let em = Arc::new(Emulator::default());
        em.queue.lock().unwrap().extend(events);
        let addr = crate::serve(em.clone(), handle).await;
        cmd.env("AWS_LAMBDA_RUNTIME_API", addr.to_string());
        let started = Instant::now();
        let child = cmd.spawn().expect("function process starts");
        Self { em, started, child }
    }

    /// Waits until every queued event is answered and the function asks for the next.
    pub async fn finish(&self, timeout: Duration) {
        tokio::time::timeout(timeout, self.em.done.notified())
            .await
            .expect("every event answered in time");
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The process's peak resident set so far (`VmHWM`), in KiB.
    pub fn peak_rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid()))
            .expect("/proc/<pid>/status");
        vm_hwm_kib(&status).expect("VmHWM in /proc/<pid>/status")
    }

    /// Ends the process with SIGTERM (so a tool such as callgrind writes its output) and
    /// waits for it.
    pub fn terminate(mut self) {
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.pid().to_string())
            .status();
        let _ = self.child.wait();
    }

    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Statuses of the answered invocations, in order.
    pub fn statuses(&self) -> Vec<u16> {
        self.em
            .answered
            .lock()
            .unwrap()
            .iter()
            .map(|a| a.1)
            .collect()
    }
}

/// `VmHWM` of a `/proc/<pid>/status` text, in KiB.
pub fn vm_hwm_kib(status: &str) -> Option<u64> {
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_vm_hwm() {
        let status =
            "Name:\tbootstrap\nVmPeak:\t  900 kB\nVmHWM:\t   10844 kB\nVmRSS:\t 10000 kB\n";
        assert_eq!(vm_hwm_kib(status), Some(10844));
        assert_eq!(vm_hwm_kib("Name:\tx\n"), None);
    }
}
