//! AWS X-Ray subsegments for the SDK's calls. With `Tracing: Active`, Lambda records each
//! invocation's segment and runs an X-Ray daemon beside the function
//! (`AWS_XRAY_DAEMON_ADDRESS`); an SDK interceptor sends the daemon one subsegment per call
//! (service, operation, AWS request id, table or queue, status, error or fault, start and
//! end), under the invocation's segment named by its trace header (`_X_AMZN_TRACE_ID`, set by
//! `lambda_runtime` for each invocation). No X-Ray crate for Rust is kept up (the AWS X-Ray
//! SDKs end support in 2027 in favour of OpenTelemetry, whose exporters would add a collector
//! layer and several MB to each artifact); the daemon's protocol is one UDP datagram per
//! document, a header line then the segment document's JSON.
//!
//! Without a daemon address (the local stack, the tests, the benchmarks) no interceptor is
//! installed; without a sampled trace header a call sends nothing.

use std::net::{SocketAddr, UdpSocket};
use std::sync::{Arc, OnceLock};
use std::time::{SystemTime, UNIX_EPOCH};

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::{
    BeforeSerializationInterceptorContextRef, FinalizerInterceptorContextRef,
};
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::{ConfigBag, Storable, StoreReplace};
use serde::Serialize;

/// What the daemon expects before each document.
const HEADER: &str = "{\"format\": \"json\", \"version\": 1}\n";

/// The invocation's place in a trace: `Root=1-…;Parent=…;Sampled=1`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TraceHeader {
    pub root: String,
    pub parent: String,
}

impl TraceHeader {
    /// The header's root and parent when the trace is sampled; `None` otherwise.
    pub fn parse(header: &str) -> Option<Self> {
        let (mut root, mut parent, mut sampled) = (None, None, false);
        for part in header.split(';') {
            match part.trim().split_once('=') {
                Some(("Root", v)) => root = Some(v.to_owned()),
                Some(("Parent", v)) => parent = Some(v.to_owned()),
                Some(("Sampled", v)) => sampled = v == "1",
                _ => {}
            }
        }
        sampled.then_some(Self {
            root: root?,
            parent: parent?,
        })
    }

    /// The running invocation's, from the variable `lambda_runtime` sets for each one.
    fn current() -> Option<Self> {
        Self::parse(&std::env::var("_X_AMZN_TRACE_ID").ok()?)
    }
}

/// Sends each SDK call to the X-Ray daemon as a subsegment of the current invocation.
#[derive(Clone, Debug)]
pub struct XRayInterceptor {
    daemon: SocketAddr,
    socket: Arc<OnceLock<Option<UdpSocket>>>,
    trace: fn() -> Option<TraceHeader>,
}

/// When the call started, kept in the call's configuration bag between the two hooks.
#[derive(Clone, Copy, Debug)]
struct Started(f64);

impl Storable for Started {
    type Storer = StoreReplace<Self>;
}

impl XRayInterceptor {
    /// The interceptor for the daemon `AWS_XRAY_DAEMON_ADDRESS` names, if it names one.
    pub fn from_env() -> Option<Self> {
        Self::daemon(&std::env::var("AWS_XRAY_DAEMON_ADDRESS").ok()?)
            .map(|daemon| Self::new(daemon, TraceHeader::current))
    }

    /// An interceptor sending to `daemon`, under the trace header `trace` gives.
    pub fn new(daemon: SocketAddr, trace: fn() -> Option<TraceHeader>) -> Self {
        Self {
            daemon,
            socket: Arc::new(OnceLock::new()),
            trace,
        }
    }

    /// `AWS_XRAY_DAEMON_ADDRESS`: `host:port`, or `udp:host:port tcp:host:port`.
    fn daemon(setting: &str) -> Option<SocketAddr> {
        let udp = setting
            .split_whitespace()
            .find_map(|a| a.strip_prefix("udp:"))
            .unwrap_or(setting.trim());
        udp.parse().ok()
    }

    fn send(&self, document: &Subsegment<'_>) {
        let socket = self.socket.get_or_init(|| {
            let socket = UdpSocket::bind(("0.0.0.0", 0)).ok()?;
            // A full buffer drops the document rather than delaying the request.
            socket.set_nonblocking(true).ok()?;
            Some(socket)
        });
        let (Some(socket), Ok(json)) = (socket, serde_json::to_string(document)) else {
            return;
        };
        let _ = socket.send_to(format!("{HEADER}{json}").as_bytes(), self.daemon);
    }
}

fn epoch_seconds() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

/// A subsegment document, as the X-Ray segment document schema names its fields.
#[derive(Serialize)]
struct Subsegment<'a> {
    name: &'a str,
    id: String,
    trace_id: &'a str,
    parent_id: &'a str,
    start_time: f64,
    end_time: f64,
    #[serde(rename = "type")]
    kind: &'static str,
    namespace: &'static str,
    aws: AwsCall<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    http: Option<Http>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    error: bool,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    fault: bool,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    throttle: bool,
}

#[derive(Serialize)]
struct AwsCall<'a> {
    operation: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    request_id: Option<&'a str>,
}

#[derive(Serialize)]
struct Http {
    response: HttpResponse,
}

#[derive(Serialize)]
struct HttpResponse {
    status: u16,
}

impl Intercept for XRayInterceptor {
    fn name(&self) -> &'static str {
        "XRayInterceptor"
    }

    fn read_before_execution(
        &self,
        _context: &BeforeSerializationInterceptorContextRef<'_>,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        cfg.interceptor_state().store_put(Started(epoch_seconds()));
        Ok(())
    }

    fn read_after_execution(
        &self,
        context: &FinalizerInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let Some(trace) = (self.trace)() else {
            return Ok(());
        };
        let (Some(metadata), Some(started)) = (cfg.load::<Metadata>(), cfg.load::<Started>())
        else {
            return Ok(());
        };
        let response = context.response();
        let status = response.map(|r| r.status().as_u16());
        let request_id = response.and_then(|r| {
            ["x-amzn-requestid", "x-amz-request-id"]
                .into_iter()
                .find_map(|h| r.headers().get(h))
        });
        let failed = context.output_or_error().is_some_and(|r| r.is_err());
        // No response at all (a timeout, a refused connection) is the call's fault.
        let fault = status.is_none_or(|s| s >= 500) && failed;
        let document = Subsegment {
            name: metadata.service(),
            id: segment_id(),
            trace_id: &trace.root,
            parent_id: &trace.parent,
            start_time: started.0,
            end_time: epoch_seconds(),
            kind: "subsegment",
            namespace: "aws",
            aws: AwsCall {
                operation: metadata.name(),
                request_id,
            },
            http: status.map(|status| Http {
                response: HttpResponse { status },
            }),
            error: failed && !fault,
            fault,
            throttle: status == Some(429),
        };
        self.send(&document);
        Ok(())
    }
}

/// 64 random bits in hexadecimal, as X-Ray ids are.
fn segment_id() -> String {
    let bytes = uuid::Uuid::new_v4();
    bytes.as_bytes()[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sampled_header_gives_root_and_parent_and_an_unsampled_one_nothing() {
        let root = "1-5759e988-bd862e3fe1be46a994272793";
        let header = format!("Root={root};Parent=53995c3f42cd8ad8;Sampled=1;Lineage=a:0");
        assert_eq!(
            TraceHeader::parse(&header),
            Some(TraceHeader {
                root: root.to_owned(),
                parent: "53995c3f42cd8ad8".to_owned()
            })
        );
        let unsampled = format!("Root={root};Parent=53995c3f42cd8ad8;Sampled=0");
        assert_eq!(TraceHeader::parse(&unsampled), None);
        assert_eq!(TraceHeader::parse("Root=1-a;Sampled=1"), None, "no parent");
    }

    #[test]
    fn the_daemon_address_is_read_in_both_forms() {
        let udp: SocketAddr = "169.254.79.129:2000".parse().unwrap();
        assert_eq!(XRayInterceptor::daemon("169.254.79.129:2000"), Some(udp));
        assert_eq!(
            XRayInterceptor::daemon("tcp:127.0.0.1:2000 udp:169.254.79.129:2000"),
            Some(udp)
        );
        assert_eq!(XRayInterceptor::daemon("not an address"), None);
    }

    #[test]
    fn ids_are_sixteen_hex_digits() {
        let id = segment_id();
        assert_eq!(id.len(), 16);
        assert!(id.chars().all(|c| c.is_ascii_hexdigit()));
    }

    /// A DynamoDB endpoint on loopback: `ListTables` answers 200, any other call 400, each
    /// with a request id.
    async fn dynamodb_on_loopback() -> u16 {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move {
            while let Ok((mut tcp, _)) = listener.accept().await {
                tokio::spawn(async move {
                    let mut request = Vec::new();
                    let mut buf = [0u8; 4096];
                    while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                        match tcp.read(&mut buf).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => request.extend_from_slice(&buf[..n]),
                        }
                    }
                    let listing = String::from_utf8_lossy(&request).contains("ListTables");
                    let (status, body): (&str, &[u8]) = if listing {
                        ("200 OK", br#"{"TableNames":[]}"#)
                    } else {
                        (
                            "400 Bad Request",
                            br#"{"__type":"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException","message":"no table"}"#,
                        )
                    };
                    let head = format!(
                        "HTTP/1.1 {status}\r\ncontent-type: application/x-amz-json-1.0\r\n\
                         x-amzn-requestid: REQ{}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                        u8::from(listing),
                        body.len()
                    );
                    let _ = tcp.write_all(head.as_bytes()).await;
                    let _ = tcp.write_all(body).await;
                });
            }
        });
        port
    }

    fn sampled() -> Option<TraceHeader> {
        TraceHeader::parse(
            "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
        )
    }

    fn unsampled() -> Option<TraceHeader> {
        None
    }

    fn client(port: u16, xray: XRayInterceptor) -> aws_sdk_dynamodb::Client {
        use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region};
        let config = aws_sdk_dynamodb::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("us-east-1"))
            .credentials_provider(Credentials::for_tests())
            .endpoint_url(format!("http://127.0.0.1:{port}"))
            .retry_config(aws_sdk_dynamodb::config::retry::RetryConfig::disabled())
            .interceptor(xray)
            .build();
        aws_sdk_dynamodb::Client::from_conf(config)
    }

    /// The next datagram the daemon received: its header line and document.
    fn received(daemon: &UdpSocket) -> serde_json::Value {
        let mut buf = [0u8; 65_536];
        let n = daemon.recv(&mut buf).expect("a datagram");
        let text = std::str::from_utf8(&buf[..n]).unwrap();
        let (header, document) = text.split_once('\n').unwrap();
        assert_eq!(header, HEADER.trim_end());
        serde_json::from_str(document).unwrap()
    }

    #[tokio::test]
    async fn each_sdk_call_reaches_the_daemon_as_a_subsegment_of_the_invocation() {
        let daemon = UdpSocket::bind("127.0.0.1:0").unwrap();
        daemon
            .set_read_timeout(Some(std::time::Duration::from_secs(5)))
            .unwrap();
        let port = dynamodb_on_loopback().await;
        let dynamodb = client(
            port,
            XRayInterceptor::new(daemon.local_addr().unwrap(), sampled),
        );

        dynamodb.list_tables().send().await.expect("listed");
        let ok = received(&daemon);
        assert_eq!(ok["name"], "DynamoDB");
        assert_eq!(ok["type"], "subsegment");
        assert_eq!(ok["namespace"], "aws");
        assert_eq!(ok["trace_id"], "1-5759e988-bd862e3fe1be46a994272793");
        assert_eq!(ok["parent_id"], "53995c3f42cd8ad8");
        assert_eq!(ok["aws"]["operation"], "ListTables");
        assert_eq!(ok["aws"]["request_id"], "REQ1");
        assert_eq!(ok["http"]["response"]["status"], 200);
        assert!(
            ok.get("error").is_none() && ok.get("fault").is_none(),
            "{ok}"
        );
        let (start, end) = (
            ok["start_time"].as_f64().unwrap(),
            ok["end_time"].as_f64().unwrap(),
        );
        assert!(start > 1.7e9 && start <= end, "{ok}");

        let refused = dynamodb.describe_table().table_name("none").send().await;
        assert!(refused.is_err());
        let error = received(&daemon);
        assert_eq!(error["aws"]["operation"], "DescribeTable");
        assert_eq!(error["http"]["response"]["status"], 400);
        assert_eq!(error["error"], true);
        assert!(
            error.get("fault").is_none(),
            "a client error is no fault: {error}"
        );
        assert_ne!(error["id"], ok["id"]);

        // Outside a sampled trace nothing is sent.
        daemon
            .set_read_timeout(Some(std::time::Duration::from_millis(300)))
            .unwrap();
        let quiet = client(
            port,
            XRayInterceptor::new(daemon.local_addr().unwrap(), unsampled),
        );
        quiet.list_tables().send().await.expect("listed");
        let mut buf = [0u8; 1024];
        assert!(
            daemon.recv(&mut buf).is_err(),
            "no document without a sampled trace"
        );
    }
}
