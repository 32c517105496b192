//! Serves every `HttpApi` route of the template: each request becomes an API Gateway HTTP API
//! (payload v2) event, exactly what Lambda would hand the function, and the function's
//! response goes back to the client.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;

use base64::Engine;
use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::json;
use tokio::net::TcpListener;

use crate::{Error, Stack};
use functions::Handler;

/// Route table: path pattern → (method, function index).
pub struct Router {
    inner: matchit::Router<Vec<(String, usize)>>,
}

impl Router {
    pub fn new(stack: &Stack) -> Result<Self, Error> {
        let mut by_path: BTreeMap<String, Vec<(String, usize)>> = BTreeMap::new();
        for (i, f) in stack.functions.iter().enumerate() {
            for r in &f.def.routes {
                by_path
                    .entry(r.path.clone())
                    .or_default()
                    .push((r.method.clone(), i));
            }
        }
        let mut inner = matchit::Router::new();
        for (path, methods) in by_path {
            inner
                .insert(path.clone(), methods)
                .map_err(|e| Error::Template(format!("route {path}: {e}")))?;
        }
        Ok(Self { inner })
    }

    /// The function serving `method path`, its route and the path's parameters.
    pub fn find<'s>(
        &self,
        stack: &'s Stack,
        method: &str,
        path: &str,
    ) -> Option<(
        &'s crate::Function,
        &'s crate::template::Route,
        BTreeMap<String, String>,
    )> {
        let matched = self.inner.at(path).ok()?;
        let (_, index) = matched
            .value
            .iter()
            .find(|(m, _)| m == method || m == "ANY")?;
        let function = &stack.functions[*index];
        let route = function
            .def
            .routes
            .iter()
            .find(|r| r.method == method || r.method == "ANY")?;
        let params = matched
            .params
            .iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        Some((function, route, params))
    }
}

pub struct Server {
    pub addr: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Starts serving on `addr` (port 0 picks a free one).
pub async fn serve(stack: Arc<Stack>, addr: SocketAddr) -> Result<Server, Error> {
    let router = Arc::new(Router::new(&stack)?);
    let listener = TcpListener::bind(addr)
        .await
        .map_err(|e| Error::Setup(format!("binding {addr}: {e}")))?;
    let addr = listener
        .local_addr()
        .map_err(|e| Error::Setup(e.to_string()))?;
    let task = tokio::spawn(async move {
        loop {
            let Ok((socket, peer)) = listener.accept().await else {
                continue;
            };
            let stack = stack.clone();
            let router = router.clone();
            tokio::spawn(async move {
                let service = service_fn(move |req| {
                    let stack = stack.clone();
                    let router = router.clone();
                    async move { Ok::<_, Infallible>(handle(&stack, &router, peer, req).await) }
                });
                if let Err(e) = http1::Builder::new()
                    .serve_connection(TokioIo::new(socket), service)
                    .await
                {
                    tracing::debug!(error = %e, "connection closed");
                }
            });
        }
    });
    Ok(Server { addr, task })
}

/// The local stack's own health route (not part of any published API): the emulator's state.
pub const HEALTH_PATH: &str = "/_local/health";

/// The local stack's [`crate::Layout`] (not part of any published API): what `devstack
/// invoke` and `devstack events` read to join it.
pub const STACK_PATH: &str = "/_local/stack";

/// The functions' metrics (not part of any published API): the EMF documents the local
/// stack's invocations wrote, oldest first, as `{"namespace", "documents"}`
/// ([`crate::metrics`]); `devstack metrics` summarizes them.
pub const METRICS_PATH: &str = "/_local/metrics";

/// A webhook sink (not part of any published API): the hub samples' callback points here
/// locally ([`crate::samples`]), and each delivery is logged and answered 204.
pub const HOOKS_PATH: &str = "/_local/hooks";

fn health(stack: &Stack) -> Response<Full<Bytes>> {
    let (status, emulator) = match stack.emulator() {
        Some(moto) => {
            let running = moto.exited().is_none();
            let status = if running {
                StatusCode::OK
            } else {
                StatusCode::SERVICE_UNAVAILABLE
            };
            let state = json!({"endpoint": stack.endpoint, "pid": moto.pid,
                               "running": running, "rss_mib": moto.rss_mib()});
            (status, state)
        }
        // Another process's moto (`--moto-endpoint`): its state is that process's to watch.
        None => (
            StatusCode::OK,
            json!({"endpoint": stack.endpoint, "started_by": "another process"}),
        ),
    };
    let mut r = Response::new(Full::new(Bytes::from(
        json!({ "emulator": emulator }).to_string(),
    )));
    *r.status_mut() = status;
    r.headers_mut()
        .insert("content-type", "application/json".parse().expect("static"));
    r
}

fn plain(status: StatusCode, message: &str) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(Bytes::from(
        json!({ "message": message }).to_string(),
    )));
    *r.status_mut() = status;
    r.headers_mut()
        .insert("content-type", "application/json".parse().expect("static"));
    r
}

/// A request as the API received it, matched to a route.
pub struct RoutedRequest<'a> {
    pub method: &'a str,
    /// `METHOD /path/{param}` of the matched route.
    pub route_key: &'a str,
    pub path: &'a str,
    pub query: &'a str,
    pub headers: &'a hyper::HeaderMap,
    pub params: &'a BTreeMap<String, String>,
    pub body: &'a [u8],
    pub source_ip: &'a str,
}

/// The API Gateway HTTP API v2 event for a routed request.
pub fn api_gateway_event(r: &RoutedRequest<'_>) -> serde_json::Value {
    let RoutedRequest {
        method,
        route_key,
        path,
        query,
        headers,
        params,
        body,
        source_ip,
    } = *r;
    let mut hdrs: BTreeMap<String, String> = BTreeMap::new();
    for (k, v) in headers {
        let v = String::from_utf8_lossy(v.as_bytes()).into_owned();
        hdrs.entry(k.as_str().to_lowercase())
            .and_modify(|e| *e = format!("{e},{v}"))
            .or_insert(v);
    }
    let mut query_params: BTreeMap<String, String> = BTreeMap::new();
    for (k, v) in form_urlencoded::parse(query.as_bytes()).into_owned() {
        query_params
            .entry(k)
            .and_modify(|e| *e = format!("{e},{v}"))
            .or_insert(v);
    }
    let now = chrono::Utc::now();
    let text = std::str::from_utf8(body).ok();
    let mut event = json!({
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": path,
        "rawQueryString": query,
        "headers": hdrs,
        "requestContext": {
            "accountId": crate::provision::ACCOUNT,
            "apiId": "local",
            "domainName": hdrs.get("host").cloned().unwrap_or_else(|| "127.0.0.1".into()),
            "domainPrefix": "local",
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": source_ip,
                "userAgent": hdrs.get("user-agent").cloned().unwrap_or_default(),
            },
            "requestId": uuid::Uuid::new_v4().to_string(),
            "routeKey": route_key,
            "stage": "$default",
            "time": now.format("%d/%b/%Y:%H:%M:%S +0000").to_string(),
            "timeEpoch": now.timestamp_millis(),
        },
        "isBase64Encoded": text.is_none(),
    });
    if !query_params.is_empty() {
        event["queryStringParameters"] = json!(query_params);
    }
    if !params.is_empty() {
        event["pathParameters"] = json!(params);
    }
    if !body.is_empty() {
        event["body"] = match text {
            Some(t) => json!(t),
            None => json!(base64::engine::general_purpose::STANDARD.encode(body)),
        };
    }
    event
}

async fn handle(
    stack: &Stack,
    router: &Router,
    peer: SocketAddr,
    req: Request<Incoming>,
) -> Response<Full<Bytes>> {
    let (parts, body) = req.into_parts();
    let body = match body.collect().await {
        Ok(b) => b.to_bytes(),
        Err(_) => return plain(StatusCode::BAD_REQUEST, "Unreadable body"),
    };
    let path = parts.uri.path().to_owned();
    if path == HEALTH_PATH {
        return health(stack);
    }
    if path == STACK_PATH {
        let mut r = plain(StatusCode::OK, "");
        *r.body_mut() = Full::new(Bytes::from(
            serde_json::to_vec(&stack.layout()).expect("a layout serializes"),
        ));
        return r;
    }
    if path == METRICS_PATH {
        let body = json!({
            "namespace": stack.app().metrics.namespace(),
            "documents": stack.metrics.documents(),
        });
        let mut r = plain(StatusCode::OK, "");
        *r.body_mut() = Full::new(Bytes::from(body.to_string()));
        return r;
    }
    if path.starts_with(HOOKS_PATH) {
        tracing::info!(path, body = %String::from_utf8_lossy(&body), "webhook delivered to the local sink");
        let mut r = Response::new(Full::new(Bytes::new()));
        *r.status_mut() = StatusCode::NO_CONTENT;
        return r;
    }
    let query = parts.uri.query().unwrap_or("").to_owned();
    let method = parts.method.as_str();
    let Some((function, route, params)) = router.find(stack, method, &path) else {
        return plain(StatusCode::NOT_FOUND, "Not Found");
    };
    let route_key = format!("{} {}", route.method, route.path);
    let source_ip = peer.ip().to_string();
    let event = api_gateway_event(&RoutedRequest {
        method,
        route_key: &route_key,
        path: &path,
        query: &query,
        headers: &parts.headers,
        params: &params,
        body: &body,
        source_ip: &source_ip,
    });
    let started = std::time::Instant::now();
    let response = invoke_http(function, &event).await;
    stack.nudge();
    tracing::info!(method, path, status = response.status().as_u16(), function = %function.def.logical_id, ms = started.elapsed().as_millis() as u64, "request");
    response
}

/// Invokes an HTTP function with an API Gateway v2 event.
pub async fn invoke_http(
    function: &crate::Function,
    event: &serde_json::Value,
) -> Response<Full<Bytes>> {
    let Handler::Http { call, .. } = function.entry.handler else {
        return plain(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error");
    };
    let request = match lambda_http::request::from_str(&event.to_string()) {
        Ok(r) => r,
        Err(e) => {
            tracing::error!(error = %e, "event did not deserialize");
            return plain(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error");
        }
    };
    let response = call(&function.app, request).await;
    let (parts, body) = response.into_parts();
    let bytes = match body {
        lambda_http::Body::Empty => Bytes::new(),
        lambda_http::Body::Text(t) => Bytes::from(t),
        lambda_http::Body::Binary(b) => Bytes::from(b),
        _ => Bytes::new(),
    };
    let mut out = Response::new(Full::new(bytes));
    *out.status_mut() = parts.status;
    *out.headers_mut() = parts.headers;
    out
}
