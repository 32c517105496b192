//! The SNS verifier against genuinely signed messages, with the signing certificate served over
//! HTTPS on loopback under the name `sns.us-east-1.amazonaws.com` by a test CA that the
//! verifier's client trusts: the real host check, HTTPS fetch, cache and signature check run.

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_lc_rs::digest::{self, SHA1_FOR_LEGACY_USE_ONLY, SHA256};
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{RSA_PKCS1_SHA256, RsaKeyPair};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use rustls::RootCertStore;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use serde_json::{Value, json};
use verifier::sns::{MessageType, SnsError, SnsVerifier, UrlError};
use x509_parser::der_parser::parse_der;
use x509_parser::num_bigint::BigUint;

const HOST: &str = "sns.us-east-1.amazonaws.com";
const CERT_PATH: &str = "/SimpleNotificationService-test.pem";
const EXPIRED_CERT_PATH: &str = "/SimpleNotificationService-expired.pem";
const TOPIC: &str = "arn:aws:sns:us-east-1:123456789012:demo-outbox-offers-org-1";
const SUBSCRIBE_URL: &str = "https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=arn:aws:sns:us-east-1:123456789012:demo-outbox-offers-org-1&Token=tok-1";

/// DigestInfo prefixes of RFC 8017 §9.2, note 1.
const SHA1_DIGEST_INFO: &[u8] = &[
    0x30, 0x21, 0x30, 0x09, 0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x1a, 0x05, 0x00, 0x04, 0x14,
];
const SHA256_DIGEST_INFO: &[u8] = &[
    0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05,
    0x00, 0x04, 0x20,
];

fn cert_url(path: &str) -> String {
    format!("https://{HOST}{path}")
}

/// SNS as the verifier sees it: a signing key, its certificates on an HTTPS server, and a
/// verifier whose client trusts the test CA and resolves SNS's name to that server.
struct Sns {
    verifier: SnsVerifier,
    requests: Arc<Mutex<Vec<String>>>,
    key: RsaKeyPair,
    pkcs8: Vec<u8>,
    port: u16,
    ca: CertificateDer<'static>,
}

impl Sns {
    async fn start() -> Self {
        let ca_key = rcgen::KeyPair::generate().unwrap();
        let mut ca = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        ca.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        let ca = rcgen::CertifiedIssuer::self_signed(ca, ca_key).unwrap();

        let tls_key = rcgen::KeyPair::generate().unwrap();
        let tls_cert = rcgen::CertificateParams::new(vec![HOST.to_owned()])
            .unwrap()
            .signed_by(&tls_key, &ca)
            .unwrap();

        let rsa = rcgen::KeyPair::generate_for(&rcgen::PKCS_RSA_SHA256).unwrap();
        let signing_cert = |from: i32, to: i32| {
            let mut params =
                rcgen::CertificateParams::new(vec!["sns.amazonaws.com".to_owned()]).unwrap();
            params.not_before = rcgen::date_time_ymd(from, 1, 1);
            params.not_after = rcgen::date_time_ymd(to, 1, 1);
            params.signed_by(&rsa, &ca).unwrap().pem()
        };
        let files = HashMap::from([
            (CERT_PATH, signing_cert(2020, 2099)),
            (EXPIRED_CERT_PATH, signing_cert(2000, 2001)),
        ]);
        let (port, requests) = serve(
            tls_cert.der().clone(),
            PrivateKeyDer::Pkcs8(tls_key.serialize_der().into()),
            files,
        )
        .await;

        let ca = ca.der().clone();
        let mut roots = RootCertStore::empty();
        roots.add(ca.clone()).unwrap();
        let client = SnsVerifier::client_builder(roots)
            .resolve(HOST, SocketAddr::from(([127, 0, 0, 1], port)))
            .no_proxy()
            .build()
            .unwrap();
        let pkcs8 = rsa.serialize_der();
        Self {
            verifier: SnsVerifier::with_client(client),
            requests,
            key: RsaKeyPair::from_pkcs8(&pkcs8).unwrap(),
            pkcs8,
            port,
            ca,
        }
    }

    /// `msg` signed as SNS signs it with `SignatureVersion` `version`.
    fn sign(&self, mut msg: Value, version: u8) -> Value {
        let data = signed_fields(&msg);
        let signature = match version {
            1 => {
                let digest = digest::digest(&SHA1_FOR_LEGACY_USE_ONLY, data.as_bytes());
                textbook_pkcs1_sign(&self.pkcs8, SHA1_DIGEST_INFO, digest.as_ref())
            }
            2 => {
                let mut sig = vec![0; self.key.public_modulus_len()];
                self.key
                    .sign(
                        &RSA_PKCS1_SHA256,
                        &SystemRandom::new(),
                        data.as_bytes(),
                        &mut sig,
                    )
                    .unwrap();
                sig
            }
            _ => unreachable!("SNS has signature versions 1 and 2"),
        };
        msg["SignatureVersion"] = json!(version.to_string());
        msg["Signature"] = json!(STANDARD.encode(signature));
        msg
    }

    async fn verify(&self, msg: &Value) -> Result<verifier::sns::Verified, SnsError> {
        self.verifier
            .verify(&serde_json::to_vec(msg).unwrap())
            .await
    }

    fn requests_for(&self, path_and_query: &str) -> usize {
        let requests = self.requests.lock().unwrap();
        requests.iter().filter(|r| *r == path_and_query).count()
    }

    fn request_count(&self) -> usize {
        self.requests.lock().unwrap().len()
    }
}

/// The string SNS signs, written from AWS's description independently of the crate's.
fn signed_fields(msg: &Value) -> String {
    let names: &[&str] = if msg["Type"] == "Notification" {
        &[
            "Message",
            "MessageId",
            "Subject",
            "Timestamp",
            "TopicArn",
            "Type",
        ]
    } else {
        &[
            "Message",
            "MessageId",
            "SubscribeURL",
            "Timestamp",
            "Token",
            "TopicArn",
            "Type",
        ]
    };
    names
        .iter()
        .filter_map(|name| Some(format!("{name}\n{}\n", msg.get(*name)?.as_str()?)))
        .collect()
}

/// RSASSA-PKCS1-v1_5 signing (RFC 8017 §8.2.1) by the RSA formula itself. aws-lc-rs verifies
/// SHA1withRSA, as SNS's SignatureVersion 1 needs, but signs only with SHA-2; the test key's
/// own numbers sign here instead, and `the_test_signer_is_rsassa_pkcs1_v1_5` checks this
/// function against aws-lc-rs for SHA-256.
fn textbook_pkcs1_sign(pkcs8: &[u8], digest_info: &[u8], digest: &[u8]) -> Vec<u8> {
    // PrivateKeyInfo ::= SEQUENCE { version, algorithm, privateKey OCTET STRING }, whose
    // octets are RSAPrivateKey ::= SEQUENCE { version, n, e, d, ... }.
    let (_, info) = parse_der(pkcs8).unwrap();
    let private_key = info.as_sequence().unwrap()[2].as_slice().unwrap();
    let (_, rsa) = parse_der(private_key).unwrap();
    let numbers = rsa.as_sequence().unwrap();
    let (n, d) = (
        numbers[1].as_biguint().unwrap(),
        numbers[3].as_biguint().unwrap(),
    );
    let k = usize::try_from(n.bits().div_ceil(8)).unwrap();
    // EM = 0x00 || 0x01 || 0xff.. || 0x00 || DigestInfo || digest
    let mut em = vec![0x00, 0x01];
    em.resize(k - digest_info.len() - digest.len() - 1, 0xff);
    em.push(0x00);
    em.extend_from_slice(digest_info);
    em.extend_from_slice(digest);
    let s = BigUint::from_bytes_be(&em).modpow(&d, &n).to_bytes_be();
    let mut signature = vec![0; k - s.len()];
    signature.extend_from_slice(&s);
    signature
}

/// An HTTPS server on loopback with `cert`, serving `files` by path and answering SNS's
/// `ConfirmSubscription`; it records the path and query of every request.
async fn serve(
    cert: CertificateDer<'static>,
    key: PrivateKeyDer<'static>,
    files: HashMap<&'static str, String>,
) -> (u16, Arc<Mutex<Vec<String>>>) {
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(vec![cert], key)
    .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let requests = Arc::new(Mutex::new(Vec::new()));
    let (files, log) = (Arc::new(files), Arc::clone(&requests));
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let (acceptor, files, log) = (acceptor.clone(), Arc::clone(&files), Arc::clone(&log));
            tokio::spawn(async move {
                // A refused handshake is the client's answer, not the server's failure.
                let Ok(tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let service = hyper::service::service_fn(move |req: Request<Incoming>| {
                    let target = req
                        .uri()
                        .path_and_query()
                        .map_or(String::new(), |p| p.as_str().to_owned());
                    log.lock().unwrap().push(target.clone());
                    let (status, body) = match files.get(req.uri().path()) {
                        Some(pem) => (200, pem.clone()),
                        None if target.starts_with("/?Action=ConfirmSubscription&") => {
                            (200, "<ConfirmSubscriptionResponse/>".to_owned())
                        }
                        None => (404, String::new()),
                    };
                    let response = Response::builder()
                        .status(status)
                        .body(Full::new(Bytes::from(body)))
                        .unwrap();
                    async move { Ok::<_, Infallible>(response) }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(tls), service)
                    .await;
            });
        }
    });
    (port, requests)
}

fn notification(subject: Option<&str>) -> Value {
    let mut msg = json!({
        "Type": "Notification",
        "MessageId": "22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324",
        "TopicArn": TOPIC,
        "Message": "{\"event_name\":\"OfferCreated\",\"event_id\":\"e-1\",\"offer\":{\"id\":\"offer-1\"}}",
        "Timestamp": "2024-05-01T10:00:00.000Z",
        "SigningCertURL": cert_url(CERT_PATH),
        "UnsubscribeURL": "https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=x",
        "MessageAttributes": {
            "entity_id": {"Type": "String", "Value": "offer-1"},
            "entity_version": {"Type": "Number", "Value": "3"}
        }
    });
    if let Some(subject) = subject {
        msg["Subject"] = json!(subject);
    }
    msg
}

fn confirmation(kind: &str) -> Value {
    json!({
        "Type": kind,
        "MessageId": "165545c9-2a5c-472c-8df2-7ff2be2b3b1b",
        "Token": "tok-1",
        "TopicArn": TOPIC,
        "Message": format!("You have chosen to subscribe to the topic {TOPIC}.\nTo confirm the subscription, visit the SubscribeURL included in this message."),
        "SubscribeURL": SUBSCRIBE_URL,
        "Timestamp": "2024-05-01T10:00:00.000Z",
        "SigningCertURL": cert_url(CERT_PATH),
    })
}

fn every_type() -> Vec<Value> {
    vec![
        notification(None),
        notification(Some("Offer created")),
        confirmation("SubscriptionConfirmation"),
        confirmation("UnsubscribeConfirmation"),
    ]
}

fn at_year(year: u64) -> SystemTime {
    // Close enough to 1 January for a validity that starts or ends on it.
    UNIX_EPOCH + Duration::from_secs((year - 1970) * 365 * 86_400 + 30 * 86_400)
}

#[tokio::test]
async fn genuine_messages_of_every_type_verify_with_either_signature_version() {
    let sns = Sns::start().await;
    for version in [1, 2] {
        for msg in every_type() {
            let signed = sns.sign(msg.clone(), version);
            let verified = sns
                .verify(&signed)
                .await
                .unwrap_or_else(|e| panic!("v{version} {}: {e}", msg["Type"]));
            assert_eq!(verified.kind.as_str(), msg["Type"]);
            assert_eq!(verified.message, msg["Message"]);
            assert_eq!(verified.subject.as_deref(), msg["Subject"].as_str());
        }
    }
    let verified = sns.verify(&sns.sign(notification(None), 2)).await.unwrap();
    assert_eq!(verified.kind, MessageType::Notification);
    assert_eq!(verified.attribute("entity_id"), Some("offer-1"));
    assert_eq!(verified.attribute("entity_version"), Some("3"));
}

#[tokio::test]
async fn tampered_messages_are_rejected() {
    let sns = Sns::start().await;
    type Tamper = fn(&mut Value);
    let notification_tampers: &[(&str, Tamper)] = &[
        ("Message", |m| {
            m["Message"] = json!("{\"event_name\":\"OfferDeleted\"}")
        }),
        ("MessageId", |m| m["MessageId"] = json!("another")),
        ("Subject", |m| m["Subject"] = json!("Offer deleted")),
        ("Subject removed", |m| {
            m.as_object_mut().unwrap().remove("Subject");
        }),
        ("Timestamp", |m| {
            m["Timestamp"] = json!("2024-05-02T10:00:00.000Z")
        }),
        ("TopicArn", |m| {
            m["TopicArn"] = json!("arn:aws:sns:us-east-1:123456789012:other")
        }),
    ];
    let confirmation_tampers: &[(&str, Tamper)] = &[
        ("Token", |m| m["Token"] = json!("tok-2")),
        ("SubscribeURL", |m| {
            m["SubscribeURL"] =
                json!("https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&Token=x")
        }),
        ("Type", |m| m["Type"] = json!("UnsubscribeConfirmation")),
        ("Message", |m| m["Message"] = json!("hello")),
    ];
    for version in [1u8, 2] {
        let cases = notification_tampers
            .iter()
            .map(|t| (notification(Some("Offer created")), t))
            .chain(
                confirmation_tampers
                    .iter()
                    .map(|t| (confirmation("SubscriptionConfirmation"), t)),
            );
        for (msg, (what, tamper)) in cases {
            let mut signed = sns.sign(msg, version);
            tamper(&mut signed);
            let result = sns.verify(&signed).await;
            assert!(
                matches!(result, Err(SnsError::SignatureMismatch)),
                "v{version} {what}: {result:?}"
            );
        }
        // A Subject added to a notification published without one.
        let mut signed = sns.sign(notification(None), version);
        signed["Subject"] = json!("Offer created");
        assert!(matches!(
            sns.verify(&signed).await,
            Err(SnsError::SignatureMismatch)
        ));
        // The same signature claimed under the other algorithm.
        let mut signed = sns.sign(notification(None), version);
        signed["SignatureVersion"] = json!(if version == 1 { "2" } else { "1" });
        assert!(matches!(
            sns.verify(&signed).await,
            Err(SnsError::SignatureMismatch)
        ));
    }
    // Message attributes are outside what SNS signs: a receiver must not rely on them beyond
    // the topic's own guarantees (which is why they are only ordering hints).
    let mut signed = sns.sign(notification(None), 2);
    signed["MessageAttributes"]["entity_version"]["Value"] = json!("4");
    assert!(sns.verify(&signed).await.is_ok());
}

#[tokio::test]
async fn tampered_signatures_are_rejected() {
    let sns = Sns::start().await;
    for version in [1, 2] {
        let signed = sns.sign(notification(None), version);
        let mut bytes = STANDARD
            .decode(signed["Signature"].as_str().unwrap())
            .unwrap();
        bytes[17] ^= 0x01;
        let mut flipped = signed.clone();
        flipped["Signature"] = json!(STANDARD.encode(&bytes));
        assert!(matches!(
            sns.verify(&flipped).await,
            Err(SnsError::SignatureMismatch)
        ));
        let mut truncated = signed.clone();
        truncated["Signature"] = json!(STANDARD.encode(&bytes[..bytes.len() - 1]));
        assert!(matches!(
            sns.verify(&truncated).await,
            Err(SnsError::SignatureMismatch)
        ));
        let mut garbage = signed.clone();
        garbage["Signature"] = json!("not base64!");
        assert!(matches!(
            sns.verify(&garbage).await,
            Err(SnsError::SignatureEncoding)
        ));
    }
}

#[tokio::test]
async fn certificate_urls_off_sns_are_refused_before_any_request() {
    let sns = Sns::start().await;
    let cases = [
        (format!("http://{HOST}{CERT_PATH}"), UrlError::NotHttps),
        (
            format!("https://{HOST}.evil.com{CERT_PATH}"),
            UrlError::Host(format!("{HOST}.evil.com")),
        ),
        (
            format!("https://{HOST}@evil.com{CERT_PATH}"),
            UrlError::Credentials,
        ),
        (
            format!("https://evil.com/{HOST}{CERT_PATH}"),
            UrlError::Host("evil.com".to_owned()),
        ),
        (
            format!("https://{HOST}/SimpleNotificationService-test.crt"),
            UrlError::NotPem,
        ),
        (
            format!("https://{HOST}:{}{CERT_PATH}", sns.port),
            UrlError::Port,
        ),
    ];
    for (url, expected) in cases {
        for version in [1, 2] {
            let mut msg = notification(None);
            msg["SigningCertURL"] = json!(url);
            let result = sns.verify(&sns.sign(msg, version)).await;
            assert!(
                matches!(&result, Err(SnsError::CertUrl(e)) if *e == expected),
                "{url}: {result:?}"
            );
        }
    }
    assert_eq!(sns.request_count(), 0, "nothing may be fetched off SNS");

    // An SNS URL is fetched, and what SNS does not serve is not a certificate.
    let mut msg = notification(None);
    msg["SigningCertURL"] = json!(cert_url("/SimpleNotificationService-gone.pem"));
    assert!(matches!(
        sns.verify(&sns.sign(msg, 2)).await,
        Err(SnsError::CertificateStatus(404))
    ));
}

#[tokio::test]
async fn unknown_signature_versions_are_refused() {
    let sns = Sns::start().await;
    for version in ["3", "0", "", "2 ", "SHA256"] {
        let mut signed = sns.sign(notification(None), 2);
        signed["SignatureVersion"] = json!(version);
        let result = sns.verify(&signed).await;
        assert!(
            matches!(&result, Err(SnsError::UnsupportedSignatureVersion(v)) if v == version),
            "{version:?}: {result:?}"
        );
    }
    let mut signed = sns.sign(notification(None), 2);
    signed.as_object_mut().unwrap().remove("SignatureVersion");
    assert!(matches!(
        sns.verify(&signed).await,
        Err(SnsError::MissingField("SignatureVersion"))
    ));
    assert_eq!(sns.request_count(), 0);
}

#[tokio::test]
async fn certificates_are_used_only_within_their_validity() {
    let sns = Sns::start().await;
    let mut msg = notification(None);
    msg["SigningCertURL"] = json!(cert_url(EXPIRED_CERT_PATH));
    assert!(matches!(
        sns.verify(&sns.sign(msg, 2)).await,
        Err(SnsError::CertificateExpired)
    ));

    // The current certificate (2020–2099), judged at other times.
    let body = serde_json::to_vec(&sns.sign(notification(None), 2)).unwrap();
    assert!(matches!(
        sns.verifier.verify_at(&body, at_year(2019)).await,
        Err(SnsError::CertificateNotYetValid)
    ));
    assert!(matches!(
        sns.verifier.verify_at(&body, at_year(2100)).await,
        Err(SnsError::CertificateExpired)
    ));
    assert!(sns.verifier.verify_at(&body, at_year(2050)).await.is_ok());
    // A certificate found outside its validity is not kept: each of the three fetched it.
    assert_eq!(sns.requests_for(CERT_PATH), 3);
}

#[tokio::test]
async fn the_certificate_is_fetched_once_for_many_messages() {
    let sns = Sns::start().await;
    for msg in every_type() {
        for version in [1, 2] {
            sns.verify(&sns.sign(msg.clone(), version)).await.unwrap();
        }
    }
    let mut tampered = sns.sign(notification(None), 1);
    tampered["Message"] = json!("changed");
    assert!(sns.verify(&tampered).await.is_err());
    assert_eq!(sns.requests_for(CERT_PATH), 1);
    assert_eq!(sns.request_count(), 1);
}

#[tokio::test]
async fn subscriptions_are_confirmed_only_when_verified_and_only_at_sns() {
    let sns = Sns::start().await;
    let verified = sns
        .verify(&sns.sign(confirmation("SubscriptionConfirmation"), 2))
        .await
        .unwrap();
    sns.verifier.confirm_subscription(&verified).await.unwrap();
    let confirm_target = SUBSCRIBE_URL
        .strip_prefix("https://sns.us-east-1.amazonaws.com")
        .unwrap();
    assert_eq!(sns.requests_for(confirm_target), 1);

    for other in [notification(None), confirmation("UnsubscribeConfirmation")] {
        let verified = sns.verify(&sns.sign(other, 1)).await.unwrap();
        assert!(matches!(
            sns.verifier.confirm_subscription(&verified).await,
            Err(SnsError::NotASubscriptionConfirmation)
        ));
    }

    // Genuinely signed (SNS would never sign it, but a leaked key or a bug might), and yet not
    // an SNS URL: not called.
    let mut msg = confirmation("SubscriptionConfirmation");
    msg["SubscribeURL"] = json!("https://169.254.169.254/latest/meta-data/?Token=tok-1");
    let verified = sns.verify(&sns.sign(msg, 2)).await.unwrap();
    assert!(matches!(
        sns.verifier.confirm_subscription(&verified).await,
        Err(SnsError::SubscribeUrl(UrlError::Host(h))) if h == "169.254.169.254"
    ));
    assert_eq!(
        sns.request_count(),
        2,
        "the certificate and one confirmation"
    );
}

#[tokio::test]
async fn certificates_come_only_from_a_server_the_client_trusts_for_that_name() {
    let sns = Sns::start().await;
    let body = serde_json::to_vec(&sns.sign(notification(None), 2)).unwrap();
    let loopback = SocketAddr::from(([127, 0, 0, 1], sns.port));

    // Mozilla's roots, as `SnsVerifier::new` uses, do not include the test CA.
    let webpki = RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    let client = SnsVerifier::client_builder(webpki)
        .resolve(HOST, loopback)
        .no_proxy()
        .build()
        .unwrap();
    let result = SnsVerifier::with_client(client).verify(&body).await;
    assert!(
        matches!(&result, Err(SnsError::Http(_)))
            && format!("{result:?}").contains("UnknownIssuer"),
        "{result:?}"
    );

    // The test CA, but the server's certificate names us-east-1, not eu-west-1.
    let mut roots = RootCertStore::empty();
    roots.add(sns.ca.clone()).unwrap();
    let client = SnsVerifier::client_builder(roots)
        .resolve("sns.eu-west-1.amazonaws.com", loopback)
        .no_proxy()
        .build()
        .unwrap();
    let mut msg = notification(None);
    msg["SigningCertURL"] = json!(format!("https://sns.eu-west-1.amazonaws.com{CERT_PATH}"));
    let body = serde_json::to_vec(&sns.sign(msg, 2)).unwrap();
    let result = SnsVerifier::with_client(client).verify(&body).await;
    assert!(
        matches!(&result, Err(SnsError::Http(_)))
            && format!("{result:?}").contains("NotValidForName"),
        "{result:?}"
    );

    assert_eq!(
        sns.request_count(),
        0,
        "no request passes a refused handshake"
    );
}

#[tokio::test]
async fn the_test_signer_is_rsassa_pkcs1_v1_5() {
    let sns = Sns::start().await;
    let data = b"Message\nhello\nType\nNotification\n";
    let mut expected = vec![0; sns.key.public_modulus_len()];
    sns.key
        .sign(&RSA_PKCS1_SHA256, &SystemRandom::new(), data, &mut expected)
        .unwrap();
    let digest = digest::digest(&SHA256, data);
    assert_eq!(
        textbook_pkcs1_sign(&sns.pkcs8, SHA256_DIGEST_INFO, digest.as_ref()),
        expected
    );
}
