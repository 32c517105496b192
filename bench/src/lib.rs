//! Shared pieces of the benchmarks: a loopback HTTP server, a Lambda Runtime API emulator that
//! hands out queued events, and a fake of the AWS calls the offer handlers make.

pub mod emulator;
pub mod fake_aws;

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use serde_json::Value;
use tokio::net::TcpListener;

/// Serves `handle` on a free loopback port, one task per connection, and returns its address
/// (given to a function as `AWS_LAMBDA_RUNTIME_API`, or as `AWS_ENDPOINT_URL` for a fake).
pub async fn serve<S, F, Fut>(state: Arc<S>, handle: F) -> SocketAddr
where
    S: Send + Sync + 'static,
    F: Fn(Arc<S>, Request<Incoming>) -> Fut + Copy + Send + Sync + 'static,
    Fut: Future<Output = Response<Full<Bytes>>> + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind a loopback port");
    let addr = listener.local_addr().expect("bound address");
    tokio::spawn(async move {
        loop {
            let Ok((socket, _)) = listener.accept().await else {
                continue;
            };
            let state = state.clone();
            tokio::spawn(async move {
                let service = service_fn(move |req| {
                    let state = state.clone();
                    async move { Ok::<_, Infallible>(handle(state, req).await) }
                });
                let _ = http1::Builder::new()
                    .serve_connection(TokioIo::new(socket), service)
                    .await;
            });
        }
    });
    addr
}

/// The repository's sample event of `handler` (`events/<handler>.json`), with `token` as its
/// `authorization` header and `path_id` (if given) as its one path parameter.
pub fn sample_event(handler: &str, token: &str, path_id: Option<&str>) -> Value {
    let path = devstack::repo_root().join(format!("events/{handler}.json"));
    let mut event: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    if event["headers"].get("authorization").is_some() {
        event["headers"]["authorization"] = Value::String(token.to_owned());
    }
    if let (Some(id), Some(params)) = (path_id, event.get_mut("pathParameters")) {
        let key = params.as_object().unwrap().keys().next().unwrap().clone();
        let old = params[&key].as_str().unwrap().to_owned();
        params[&key] = Value::String(id.to_owned());
        let raw = event["rawPath"].as_str().unwrap().replace(&old, id);
        event["rawPath"] = Value::String(raw.clone());
        event["requestContext"]["http"]["path"] = Value::String(raw);
    }
    event
}

/// The release binary that serves `handler` in Lambda: its stack's artifact in `bin_dir`
/// (`offers` for `offers.healthz`). Panics, with the build command, when the handler is not
/// registered or the binary is not built.
pub fn binary_of(bin_dir: &Path, handler: &str) -> PathBuf {
    let stack = functions::registry::stack_of(handler)
        .unwrap_or_else(|| panic!("no handler is registered as {handler:?}"));
    let binary = bin_dir.join(stack.binary);
    assert!(
        binary.exists(),
        "{} missing: cargo build --release -p functions -p bench",
        binary.display()
    );
    binary
}

/// Order statistic `p` (0..=1) of sorted samples, nearest rank.
pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentile_is_the_nearest_rank() {
        let v: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(percentile(&v, 0.5), 51.0);
        assert_eq!(percentile(&v, 0.99), 99.0);
        assert_eq!(percentile(&v, 0.0), 1.0);
        assert_eq!(percentile(&[7.0], 0.99), 7.0);
    }

    #[test]
    fn a_handler_runs_in_its_stacks_binary() {
        let dir = std::env::temp_dir().join(format!("bench-binary-of-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("offers"), b"").unwrap();
        assert_eq!(binary_of(&dir, "events.publish"), dir.join("offers"));
        assert_eq!(binary_of(&dir, "offers.healthz"), dir.join("offers"));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn sample_event_carries_token_and_path_id() {
        let e = sample_event(
            "offers.inbox.accept_offer",
            "tok",
            Some("00000000-0000-4000-8000-000000000001"),
        );
        assert_eq!(e["headers"]["authorization"], "tok");
        assert!(
            e["rawPath"]
                .as_str()
                .unwrap()
                .contains("00000000-0000-4000-8000-000000000001")
        );
        assert_eq!(
            e["pathParameters"]["offer_id"],
            "00000000-0000-4000-8000-000000000001"
        );
    }
}
