//! The TLS settings of the platform's HTTPS clients: its own (the JWKS fetch and webhook
//! deliveries) and the AWS SDK's.
//!
//! Neither reads the system's certificate bundle. Parsing it is what the default verifiers of
//! reqwest and of the SDK do on a function's first request, about 19 M instructions each, 30
//! times a whole init (docs/performance.md, "The first invocation"). The platform's own clients
//! trust Mozilla's roots as compiled into `webpki-roots`, one configuration per execution
//! environment. The SDK's client trusts only the roots AWS endpoints chain to
//! (`aws-roots.pem`): its TLS settings take roots as PEM only, and decoding five certificates
//! costs a sliver of decoding the bundle's hundred and fifty.

use std::sync::{Arc, OnceLock};

use aws_smithy_http_client::proxy::ProxyConfig;
use aws_smithy_http_client::tls::rustls_provider::CryptoMode;
use aws_smithy_http_client::tls::{self, TlsContext, TrustStore};
use aws_smithy_http_client::{Builder, Connector, ConnectorBuilder};
use aws_smithy_runtime_api::client::http::SharedHttpClient;
use rustls::{ClientConfig, RootCertStore};

/// Amazon Root CA 1–4 and Starfield Services Root G2, the roots of every AWS service
/// endpoint's certificate, as PEM.
pub const AWS_ROOTS: &[u8] = include_bytes!("aws-roots.pem");

/// The AWS SDK's HTTPS client, trusting [`AWS_ROOTS`] only.
pub fn aws_http_client() -> SharedHttpClient {
    aws_http_client_trusting(AWS_ROOTS)
}

/// An AWS SDK HTTPS client that trusts the PEM certificates `roots` and nothing else. It is
/// otherwise the SDK's default client (rustls with aws-lc, the connector settings and sleep of
/// each client, proxies from the environment); the roots are decoded when its first connector
/// is built, on the first request.
pub fn aws_http_client_trusting(roots: &'static [u8]) -> SharedHttpClient {
    Builder::new().build_with_connector_fn(move |settings, components| {
        // Without settings the SDK is only validating a new client: it builds a connector
        // then and drops it, so that a client's native roots load when it is created. There
        // is nothing to load here, and building this TLS connector decodes the roots each
        // time (about 0.25 M instructions), so the dropped one is a plain-HTTP connector. The
        // connectors that make calls are built with their settings, once per client settings.
        let Some(settings) = settings else {
            return Connector::builder().build_http();
        };
        let mut connector =
            ConnectorBuilder::default().tls_provider(tls::Provider::Rustls(CryptoMode::AwsLc));
        connector.set_tls_context(
            TlsContext::builder()
                .with_trust_store(TrustStore::empty().with_pem_certificate(roots))
                .build()
                .expect("a trust store of PEM certificates builds"),
        );
        connector.set_connector_settings(Some(settings.clone()));
        if let Some(components) = components {
            connector.set_sleep_impl(components.sleep_impl());
        }
        connector.set_proxy_config(Some(ProxyConfig::from_env()));
        connector.build()
    })
}

/// The client configuration, built on first use and shared by every client.
pub fn client_config() -> ClientConfig {
    static CONFIG: OnceLock<ClientConfig> = OnceLock::new();
    CONFIG
        .get_or_init(|| {
            let roots = RootCertStore {
                roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
            };
            // The provider is named rather than taken from the process default, which is
            // ambiguous when more than one is linked.
            ClientConfig::builder_with_provider(Arc::new(
                rustls::crypto::aws_lc_rs::default_provider(),
            ))
            .with_safe_default_protocol_versions()
            .expect("aws-lc-rs supports the default protocol versions")
            .with_root_certificates(roots)
            .with_no_client_auth()
        })
        .clone()
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region};
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// A test CA, and a TLS server on loopback with a certificate it issued for `localhost`
    /// that answers every request as DynamoDB's `ListTables` would.
    async fn server_of_a_test_ca() -> (&'static [u8], u16) {
        let ca_key = rcgen::KeyPair::generate().unwrap();
        let mut ca = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        ca.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        let ca = rcgen::CertifiedIssuer::self_signed(ca, ca_key).unwrap();
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = rcgen::CertificateParams::new(vec!["localhost".to_owned()])
            .unwrap()
            .signed_by(&key, &ca)
            .unwrap();
        let config = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::aws_lc_rs::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![cert.der().clone()],
            PrivateKeyDer::Pkcs8(key.serialize_der().into()),
        )
        .unwrap();
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    // A refused handshake is the client's answer, not the server's failure.
                    let Ok(mut tls) = acceptor.accept(tcp).await else {
                        return;
                    };
                    let mut request = Vec::new();
                    let mut buf = [0u8; 4096];
                    while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                        match tls.read(&mut buf).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => request.extend_from_slice(&buf[..n]),
                        }
                    }
                    let body = br#"{"TableNames":["reached"]}"#;
                    let head = format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: application/x-amz-json-1.0\r\n\
                         content-length: {}\r\nconnection: close\r\n\r\n",
                        body.len()
                    );
                    let _ = tls.write_all(head.as_bytes()).await;
                    let _ = tls.write_all(body).await;
                    let _ = tls.shutdown().await;
                });
            }
        });
        (ca.pem().leak().as_bytes(), port)
    }

    async fn list_tables(roots: &'static [u8], endpoint: String) -> Result<Vec<String>, String> {
        let config = aws_sdk_dynamodb::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("us-east-1"))
            .credentials_provider(Credentials::for_tests())
            .endpoint_url(endpoint)
            .retry_config(aws_sdk_dynamodb::config::retry::RetryConfig::disabled())
            .http_client(aws_http_client_trusting(roots))
            .build();
        aws_sdk_dynamodb::Client::from_conf(config)
            .list_tables()
            .send()
            .await
            .map(|out| out.table_names.unwrap_or_default())
            .map_err(|e| format!("{e:?}"))
    }

    #[tokio::test]
    async fn the_sdk_client_validates_a_chain_to_its_roots_and_refuses_others() {
        let (test_ca, port) = server_of_a_test_ca().await;

        let reached = list_tables(test_ca, format!("https://localhost:{port}")).await;
        assert_eq!(reached, Ok(vec!["reached".to_owned()]));

        // The certificate names localhost, not the address.
        let wrong_host = list_tables(test_ca, format!("https://127.0.0.1:{port}")).await;
        assert!(
            wrong_host
                .as_ref()
                .is_err_and(|e| e.contains("NotValidForName")),
            "{wrong_host:?}"
        );

        // The AWS roots do not include the test CA.
        let untrusted = list_tables(AWS_ROOTS, format!("https://localhost:{port}")).await;
        assert!(
            untrusted
                .as_ref()
                .is_err_and(|e| e.contains("UnknownIssuer")),
            "{untrusted:?}"
        );
    }

    #[test]
    fn the_aws_roots_are_the_five_amazon_trust_services_roots() {
        let roots: Vec<CertificateDer> = CertificateDer::pem_slice_iter(AWS_ROOTS)
            .collect::<Result<_, _>>()
            .expect("the roots are valid PEM");
        assert_eq!(roots.len(), 5);
        let mut store = RootCertStore::empty();
        let (added, refused) = store.add_parsable_certificates(roots);
        assert_eq!((added, refused), (5, 0));
        for name in [
            "Amazon Root CA 1",
            "Amazon Root CA 2",
            "Amazon Root CA 3",
            "Amazon Root CA 4",
            "Starfield Services Root Certificate Authority - G2",
        ] {
            assert!(
                store.roots.iter().any(|anchor| anchor
                    .subject
                    .windows(name.len())
                    .any(|w| w == name.as_bytes())),
                "{name}"
            );
        }
    }

    #[test]
    fn reqwest_takes_the_configuration() {
        // reqwest refuses, at build, a configuration of a rustls it does not link.
        reqwest::Client::builder()
            .tls_backend_preconfigured(client_config())
            .build()
            .expect("reqwest accepts the rustls configuration");
    }

    #[test]
    fn the_roots_include_the_one_cognito_chains_to() {
        // The user pool's JWKS is served under an Amazon Trust Services certificate.
        let amazon = webpki_roots::TLS_SERVER_ROOTS.iter().any(|anchor| {
            anchor
                .subject
                .windows(b"Amazon Root CA 1".len())
                .any(|w| w == b"Amazon Root CA 1")
        });
        assert!(amazon);
    }
}
