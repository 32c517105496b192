//! Shared pieces of the benchmarks: a loopback HTTP server, a Lambda Runtime API emulator that
//! hands out queued events, a fake of the AWS calls the offer handlers make, and what the
//! benchmarks on the table in memory share (`memory`).

pub mod emulator;
pub mod fake_aws;
pub mod memory;

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

/// Every function of the templates as (handler, binary), in template order: the binary is the
/// artifact Lambda runs the handler from (`BuildProperties.Binary`, which
/// tests/structure/drift.rs ties to the registry). Read from the templates rather than from
/// `functions::REGISTRY`, whose function pointers would link every handler, and all it calls,
/// into each benchmark that only starts binaries.
pub fn deployed_handlers() -> Vec<(String, String)> {
    let root = devstack::repo_root();
    let template = devstack::template::Template::load(&root.join("template.yaml"))
        .expect("template.yaml parses");
    template
        .all_functions()
        .expect("functions are readable")
        .into_iter()
        .map(|f| {
            let binary = f
                .binary
                .unwrap_or_else(|| panic!("{} has no BuildProperties.Binary", f.logical_id));
            (f.handler, binary)
        })
        .collect()
}

/// The release binary that serves `handler` in Lambda: its stack's artifact in `bin_dir`
/// (`offers` for `offers.healthz`). Panics, with the build command, when no function runs the
/// handler or the binary is not built.
pub fn binary_of(bin_dir: &Path, handler: &str) -> PathBuf {
    let (_, binary) = deployed_handlers()
        .into_iter()
        .find(|(h, _)| h == handler)
        .unwrap_or_else(|| panic!("no function in the templates runs {handler:?}"));
    built(bin_dir, &binary)
}

/// The release binary named `binary` in `bin_dir`, for a caller that already has the name from
/// [`deployed_handlers`]. Panics, with the build command, when it is not built.
pub fn built(bin_dir: &Path, binary: &str) -> PathBuf {
    let path = bin_dir.join(binary);
    assert!(
        path.exists(),
        "{} missing: cargo build --release -p functions -p bench",
        path.display()
    );
    path
}

/// A demo user's IdToken from the local stack served at `base`, through its login route.
pub async fn login(http: &reqwest::Client, base: &str, user: &devstack::seed::User) -> String {
    let r: Value = http
        .post(format!("{base}/auth/v1/login"))
        .json(&serde_json::json!({"username": user.email, "password": user.password}))
        .send()
        .await
        .expect("the local stack answers")
        .json()
        .await
        .expect("a JSON answer");
    r["IdToken"].as_str().expect("an IdToken").to_owned()
}

/// Order statistic `p` (0..=1) of sorted samples, nearest rank.
pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

/// The median of unsorted samples (nearest rank).
pub fn median(mut samples: Vec<f64>) -> f64 {
    samples.sort_by(f64::total_cmp);
    percentile(&samples, 0.5)
}

/// The median of `measured[i] / baseline[i]` over pairs taken moments apart: a change in
/// machine load that slows both starts of a pair alike leaves its ratio as it was.
pub fn paired_ratio(pairs: impl IntoIterator<Item = (f64, f64)>) -> f64 {
    median(pairs.into_iter().map(|(m, b)| m / b).collect())
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
    fn paired_ratio_is_immune_to_drift_between_pairs() {
        // The machine gets four times slower halfway; every handler start costs 1.2 × the
        // baseline start just before it.
        let pairs = (0..30).map(|i| {
            let load = if i < 15 { 1.0 } else { 4.0 };
            (1.2 * 2.0 * load, 2.0 * load)
        });
        assert!((paired_ratio(pairs) - 1.2).abs() < 1e-9);
    }

    #[test]
    fn median_sorts_and_takes_the_nearest_rank() {
        assert_eq!(median(vec![1.0, 3.0, 2.0]), 2.0);
        assert_eq!(median(vec![4.0, 1.0]), 4.0);
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
            "offers.inbox.offers.accept",
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
