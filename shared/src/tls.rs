//! The TLS settings of the platform's own HTTPS clients: the JWKS fetch and webhook deliveries.
//!
//! They trust Mozilla's root certificates as compiled into `webpki-roots`, built into one
//! configuration per execution environment. reqwest's default verifier instead reads and parses
//! the system's certificate bundle when a client is built: 19 M instructions on a function's
//! first request, right after the AWS SDK has parsed the same bundle for its own connector
//! (docs/performance.md, "The first invocation").

use std::sync::{Arc, OnceLock};

use rustls::{ClientConfig, RootCertStore};

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
