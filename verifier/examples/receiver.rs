//! A receiver of the platform's deliveries.
//!
//! - `POST /sns`: an HTTPS subscription to the organization's SNS topics. Verifies every
//!   message, confirms subscriptions, prints notifications and drops those older than what was
//!   already seen of the same entity (`entity_id` / `entity_version`, docs/asyncapi.yaml).
//! - `POST /webhooks`: the Listener hub's callbacks, verified with `WEBHOOK_SECRET`.
//!
//! ```sh
//! WEBHOOK_SECRET=whsec_... LISTEN=0.0.0.0:8443 TLS_CERT=cert.pem TLS_KEY=key.pem \
//!     cargo run -p verifier --example receiver
//! ```
//! Without `TLS_CERT`/`TLS_KEY` it serves plain HTTP (behind a TLS-terminating proxy).

use std::collections::HashMap;
use std::convert::Infallible;
use std::error::Error;
use std::sync::{Arc, Mutex};

use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{HeaderMap, Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use verifier::sns::{MessageType, SnsVerifier};
use verifier::webhooks::WebhookVerifier;

/// SNS messages are at most 256 KB; the hub's envelopes are smaller.
const MAX_BODY: usize = 300 * 1024;

struct App {
    sns: SnsVerifier,
    hub: Option<WebhookVerifier>,
    /// The highest `entity_version` applied per `entity_id`. A real receiver keeps it in its
    /// own store, next to the state it applies.
    versions: Mutex<HashMap<String, u64>>,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let hub = match std::env::var("WEBHOOK_SECRET") {
        Ok(secret) => Some(WebhookVerifier::new(&secret)?),
        Err(_) => None,
    };
    let app = Arc::new(App {
        sns: SnsVerifier::new()?,
        hub,
        versions: Mutex::default(),
    });
    let tls = tls_acceptor()?;
    let addr = std::env::var("LISTEN").unwrap_or_else(|_| "127.0.0.1:8080".to_owned());
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    let scheme = if tls.is_some() { "https" } else { "http" };
    println!("listening on {scheme}://{addr} (POST /sns, POST /webhooks)");
    loop {
        let (tcp, _) = listener.accept().await?;
        let (app, tls) = (Arc::clone(&app), tls.clone());
        tokio::spawn(async move {
            let service = service_fn(move |req| handle(Arc::clone(&app), req));
            let served = match tls {
                Some(acceptor) => match acceptor.accept(tcp).await {
                    Ok(stream) => {
                        http1::Builder::new()
                            .serve_connection(TokioIo::new(stream), service)
                            .await
                    }
                    Err(e) => return eprintln!("TLS handshake failed: {e}"),
                },
                None => {
                    http1::Builder::new()
                        .serve_connection(TokioIo::new(tcp), service)
                        .await
                }
            };
            if let Err(e) = served {
                eprintln!("connection ended: {e}");
            }
        });
    }
}

/// HTTPS with the PEM files named by `TLS_CERT` and `TLS_KEY`, when both are set.
fn tls_acceptor() -> Result<Option<tokio_rustls::TlsAcceptor>, Box<dyn Error>> {
    let (Ok(cert), Ok(key)) = (std::env::var("TLS_CERT"), std::env::var("TLS_KEY")) else {
        return Ok(None);
    };
    let chain = CertificateDer::pem_file_iter(cert)?.collect::<Result<Vec<_>, _>>()?;
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_safe_default_protocol_versions()?
    .with_no_client_auth()
    .with_single_cert(chain, PrivateKeyDer::from_pem_file(key)?)?;
    Ok(Some(tokio_rustls::TlsAcceptor::from(Arc::new(config))))
}

async fn handle(
    app: Arc<App>,
    req: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let (parts, body) = req.into_parts();
    // The signatures cover the bytes as sent: keep them as they are.
    let Ok(body) = Limited::new(body, MAX_BODY).collect().await else {
        return Ok(reply(StatusCode::PAYLOAD_TOO_LARGE, "body too large"));
    };
    let body = body.to_bytes();
    Ok(match (parts.method, parts.uri.path()) {
        (Method::POST, "/sns") => sns(&app, &body).await,
        (Method::POST, "/webhooks") => webhook(&app, &parts.headers, &body),
        _ => reply(StatusCode::NOT_FOUND, "not found"),
    })
}

async fn sns(app: &App, body: &[u8]) -> Response<Full<Bytes>> {
    let msg = match app.sns.verify(body).await {
        Ok(msg) => msg,
        Err(e) => {
            eprintln!("refused an SNS message: {e}");
            return reply(StatusCode::FORBIDDEN, "not verified");
        }
    };
    match msg.kind {
        MessageType::SubscriptionConfirmation => {
            if let Err(e) = app.sns.confirm_subscription(&msg).await {
                eprintln!("could not confirm {}: {e}", msg.topic_arn);
                return reply(StatusCode::BAD_GATEWAY, "confirmation failed");
            }
            println!("subscribed to {}", msg.topic_arn);
        }
        MessageType::UnsubscribeConfirmation => println!("unsubscribed from {}", msg.topic_arn),
        MessageType::Notification => {
            let entity = msg.attribute("entity_id");
            let version = msg.attribute("entity_version").and_then(|v| v.parse().ok());
            if let (Some(entity), Some(version)) = (entity, version) {
                let mut versions = app.versions.lock().unwrap_or_else(|e| e.into_inner());
                let applied = versions.entry(entity.to_owned()).or_insert(0);
                if version <= *applied {
                    // Acknowledged all the same: SNS would otherwise deliver it again.
                    println!("dropped {entity} v{version}: v{applied} already applied");
                    return reply(StatusCode::OK, "stale");
                }
                *applied = version;
            }
            println!("{} {}", msg.topic_arn, msg.message);
        }
    }
    reply(StatusCode::OK, "ok")
}

fn webhook(app: &App, headers: &HeaderMap, body: &[u8]) -> Response<Full<Bytes>> {
    let Some(hub) = &app.hub else {
        return reply(
            StatusCode::NOT_FOUND,
            "set WEBHOOK_SECRET to receive webhooks",
        );
    };
    if let Err(e) = hub.verify(headers, body) {
        eprintln!("refused a webhook: {e}");
        return reply(StatusCode::UNAUTHORIZED, "not verified");
    }
    let id = headers.get("webhook-id").and_then(|v| v.to_str().ok());
    println!(
        "webhook {}: {}",
        id.unwrap_or(""),
        String::from_utf8_lossy(body)
    );
    reply(StatusCode::OK, "ok")
}

fn reply(status: StatusCode, text: &'static str) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from_static(text.as_bytes())));
    *response.status_mut() = status;
    response
}
