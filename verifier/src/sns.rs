//! Amazon SNS messages posted to an HTTP(S) subscription: parsing, the string SNS signs,
//! and the verification of its signature with the certificate at `SigningCertURL`.
//!
//! The certificate is trusted because it is fetched over HTTPS from an SNS endpoint
//! (`sns.<region>.amazonaws.com`, or `.amazonaws.com.cn`), whose TLS certificate chains to the
//! client's roots; a URL anywhere else is refused before anything is fetched.

use std::collections::{BTreeMap, HashMap};
use std::ops::Deref;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use crate::unix_seconds;

use aws_lc_rs::signature::{self, UnparsedPublicKey, VerificationAlgorithm};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::Deserialize;
use url::Url;
use x509_parser::oid_registry::OID_PKCS1_RSAENCRYPTION;

/// How many signing certificates are kept. SNS signs with one certificate per region at a
/// time, so a few cover every topic; the cap keeps a flood of distinct (valid) URLs from
/// growing the cache.
pub const MAX_CACHED_CERTIFICATES: usize = 32;

/// An SNS signing certificate is about 2 KB of PEM; more is not one.
const MAX_CERTIFICATE_BYTES: usize = 64 * 1024;

/// The three kinds of message SNS posts to an HTTP(S) endpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MessageType {
    Notification,
    SubscriptionConfirmation,
    UnsubscribeConfirmation,
}

impl MessageType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Notification => "Notification",
            Self::SubscriptionConfirmation => "SubscriptionConfirmation",
            Self::UnsubscribeConfirmation => "UnsubscribeConfirmation",
        }
    }
}

/// A message attribute as SNS renders it in the JSON body (`{"Type": "Number", "Value": "3"}`).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct MessageAttribute {
    #[serde(rename = "Type")]
    pub data_type: String,
    #[serde(rename = "Value")]
    pub value: String,
}

/// The JSON body of an SNS POST. Not yet verified: see [`SnsVerifier::verify`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SnsMessage {
    pub kind: MessageType,
    pub message_id: String,
    pub topic_arn: String,
    /// Only notifications published with a subject have one.
    pub subject: Option<String>,
    pub message: String,
    pub timestamp: String,
    pub signature_version: String,
    pub signature: String,
    pub signing_cert_url: String,
    /// Confirmations only: the URL that confirms (or re-creates) the subscription.
    pub subscribe_url: Option<String>,
    /// Confirmations only.
    pub token: Option<String>,
    /// Notifications only; not signed.
    pub unsubscribe_url: Option<String>,
    /// Not signed by SNS: trust them only as far as the topic they came from.
    pub message_attributes: BTreeMap<String, MessageAttribute>,
}

impl SnsMessage {
    /// The value of a message attribute, such as `entity_version`.
    pub fn attribute(&self, name: &str) -> Option<&str> {
        self.message_attributes.get(name).map(|a| a.value.as_str())
    }
}

/// A message whose signature verified. Only [`SnsVerifier`] makes one, so holding one is
/// proof of the check (what [`SnsVerifier::confirm_subscription`] relies on).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verified(SnsMessage);

impl Verified {
    pub fn into_inner(self) -> SnsMessage {
        self.0
    }
}

impl Deref for Verified {
    type Target = SnsMessage;
    fn deref(&self) -> &SnsMessage {
        &self.0
    }
}

/// Why a URL of a message is not one of SNS's.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum UrlError {
    #[error("not an absolute URL")]
    NotAUrl,
    #[error("not https")]
    NotHttps,
    #[error("carries credentials")]
    Credentials,
    #[error("names a port")]
    Port,
    #[error("host {0:?} is not sns.<region>.amazonaws.com")]
    Host(String),
    #[error("path does not end in .pem")]
    NotPem,
}

/// Why a message is refused (or a confirmation failed).
#[derive(Debug, thiserror::Error)]
pub enum SnsError {
    #[error("not an SNS message: {0}")]
    Malformed(#[source] serde_json::Error),
    #[error("unknown message Type {0:?}")]
    UnknownType(String),
    #[error("the message has no {0}")]
    MissingField(&'static str),
    #[error("unsupported SignatureVersion {0:?}")]
    UnsupportedSignatureVersion(String),
    #[error("SigningCertURL refused: {0}")]
    CertUrl(#[source] UrlError),
    #[error("SubscribeURL refused: {0}")]
    SubscribeUrl(#[source] UrlError),
    #[error("HTTPS request to SNS failed: {0}")]
    Http(#[source] reqwest::Error),
    #[error("SNS answered HTTP {0} for the signing certificate")]
    CertificateStatus(u16),
    #[error("the signing certificate is larger than {MAX_CERTIFICATE_BYTES} bytes")]
    CertificateTooLarge,
    #[error("the signing certificate does not parse: {0}")]
    CertificateParse(String),
    #[error("the signing certificate's key is not RSA")]
    NotRsa,
    #[error("the signing certificate is not valid yet")]
    CertificateNotYetValid,
    #[error("the signing certificate has expired")]
    CertificateExpired,
    #[error("Signature is not base64")]
    SignatureEncoding,
    #[error("the signature does not match the message")]
    SignatureMismatch,
    #[error("not a SubscriptionConfirmation")]
    NotASubscriptionConfirmation,
    #[error("SNS answered HTTP {0} to the confirmation")]
    ConfirmationStatus(u16),
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawMessage {
    #[serde(rename = "Type")]
    kind: Option<String>,
    message_id: Option<String>,
    topic_arn: Option<String>,
    subject: Option<String>,
    message: Option<String>,
    timestamp: Option<String>,
    signature_version: Option<String>,
    signature: Option<String>,
    #[serde(rename = "SigningCertURL")]
    signing_cert_url: Option<String>,
    #[serde(rename = "SubscribeURL")]
    subscribe_url: Option<String>,
    token: Option<String>,
    #[serde(rename = "UnsubscribeURL")]
    unsubscribe_url: Option<String>,
    message_attributes: Option<BTreeMap<String, MessageAttribute>>,
}

/// Parses the body SNS posts. Checks only its shape: nothing in it is trusted yet.
pub fn parse(body: &[u8]) -> Result<SnsMessage, SnsError> {
    let raw: RawMessage = serde_json::from_slice(body).map_err(SnsError::Malformed)?;
    let kind = match raw.kind.as_deref() {
        Some("Notification") => MessageType::Notification,
        Some("SubscriptionConfirmation") => MessageType::SubscriptionConfirmation,
        Some("UnsubscribeConfirmation") => MessageType::UnsubscribeConfirmation,
        Some(other) => return Err(SnsError::UnknownType(other.to_owned())),
        None => return Err(SnsError::MissingField("Type")),
    };
    let required = |value: Option<String>, name| value.ok_or(SnsError::MissingField(name));
    Ok(SnsMessage {
        kind,
        message_id: required(raw.message_id, "MessageId")?,
        topic_arn: required(raw.topic_arn, "TopicArn")?,
        subject: raw.subject,
        message: required(raw.message, "Message")?,
        timestamp: required(raw.timestamp, "Timestamp")?,
        signature_version: required(raw.signature_version, "SignatureVersion")?,
        signature: required(raw.signature, "Signature")?,
        signing_cert_url: required(raw.signing_cert_url, "SigningCertURL")?,
        subscribe_url: raw.subscribe_url,
        token: raw.token,
        unsubscribe_url: raw.unsubscribe_url,
        message_attributes: raw.message_attributes.unwrap_or_default(),
    })
}

/// The string SNS signs: each signed field's name and value, each followed by a newline, in
/// byte order of the names. A notification signs Message, MessageId, Subject (only when it has
/// one), Timestamp, TopicArn and Type; a confirmation signs Message, MessageId, SubscribeURL,
/// Timestamp, Token, TopicArn and Type.
pub fn string_to_sign(msg: &SnsMessage) -> Result<String, SnsError> {
    let mut fields = vec![
        ("Message", msg.message.as_str()),
        ("MessageId", msg.message_id.as_str()),
    ];
    match msg.kind {
        MessageType::Notification => {
            if let Some(subject) = &msg.subject {
                fields.push(("Subject", subject));
            }
            fields.push(("Timestamp", &msg.timestamp));
        }
        MessageType::SubscriptionConfirmation | MessageType::UnsubscribeConfirmation => {
            let subscribe_url = msg.subscribe_url.as_deref();
            let token = msg.token.as_deref();
            fields.push((
                "SubscribeURL",
                subscribe_url.ok_or(SnsError::MissingField("SubscribeURL"))?,
            ));
            fields.push(("Timestamp", &msg.timestamp));
            fields.push(("Token", token.ok_or(SnsError::MissingField("Token"))?));
        }
    }
    fields.push(("TopicArn", &msg.topic_arn));
    fields.push(("Type", msg.kind.as_str()));
    Ok(fields
        .iter()
        .map(|(name, value)| format!("{name}\n{value}\n"))
        .collect())
}

/// Whether `host` is an SNS endpoint: `sns.<region>.amazonaws.com` or
/// `sns.<region>.amazonaws.com.cn`. The region must look like one (`us-east-1`,
/// `us-gov-west-1`, `cn-north-1`): a looser "any label" would admit S3's
/// `sns.s3.amazonaws.com` and `sns.s3-us-west-2.amazonaws.com`, where whoever owns the bucket
/// named `sns` serves the files.
pub fn is_sns_host(host: &str) -> bool {
    let Some(rest) = host.strip_prefix("sns.") else {
        return false;
    };
    let region = rest
        .strip_suffix(".amazonaws.com")
        .or_else(|| rest.strip_suffix(".amazonaws.com.cn"));
    region.is_some_and(is_region)
}

/// `<2 letters>(-<letters>)+-<digits>`, the shape of every commercial, GovCloud and China
/// region name.
fn is_region(region: &str) -> bool {
    let parts: Vec<&str> = region.split('-').collect();
    let [first, middle @ .., last] = parts.as_slice() else {
        return false;
    };
    let letters = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_lowercase());
    first.len() == 2
        && letters(first)
        && !middle.is_empty()
        && middle.iter().all(|s| letters(s))
        && !last.is_empty()
        && last.bytes().all(|b| b.is_ascii_digit())
}

/// Checks a URL of a message before anything is fetched from it: `https`, no credentials, no
/// port, an SNS host, and for a certificate a path ending in `.pem`.
pub fn check_sns_url(raw: &str, certificate: bool) -> Result<Url, UrlError> {
    let url = Url::parse(raw).map_err(|_| UrlError::NotAUrl)?;
    if url.scheme() != "https" {
        return Err(UrlError::NotHttps);
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(UrlError::Credentials);
    }
    // SNS never names one; https's 443 is dropped by the parser and so passes.
    if url.port().is_some() {
        return Err(UrlError::Port);
    }
    match url.host() {
        Some(url::Host::Domain(host)) if is_sns_host(host) => {}
        host => {
            return Err(UrlError::Host(
                host.map(|h| h.to_string()).unwrap_or_default(),
            ));
        }
    }
    if certificate && !url.path().ends_with(".pem") {
        return Err(UrlError::NotPem);
    }
    Ok(url)
}

/// What is kept of a signing certificate.
struct SigningKey {
    /// The RSAPublicKey DER of the certificate's SubjectPublicKeyInfo.
    rsa_public_key: Vec<u8>,
    not_before: i64,
    not_after: i64,
}

impl SigningKey {
    fn from_pem(pem: &[u8]) -> Result<Self, SnsError> {
        let parse = |e: String| SnsError::CertificateParse(e);
        let (_, pem) = x509_parser::pem::parse_x509_pem(pem).map_err(|e| parse(e.to_string()))?;
        if pem.label != "CERTIFICATE" {
            return Err(parse(format!("a PEM {:?}, not a CERTIFICATE", pem.label)));
        }
        let cert = pem.parse_x509().map_err(|e| parse(e.to_string()))?;
        let spki = cert.public_key();
        if spki.algorithm.algorithm != OID_PKCS1_RSAENCRYPTION {
            return Err(SnsError::NotRsa);
        }
        Ok(Self {
            rsa_public_key: spki.subject_public_key.data.to_vec(),
            not_before: cert.validity().not_before.timestamp(),
            not_after: cert.validity().not_after.timestamp(),
        })
    }

    fn check_validity(&self, now: i64) -> Result<(), SnsError> {
        if now < self.not_before {
            Err(SnsError::CertificateNotYetValid)
        } else if now > self.not_after {
            Err(SnsError::CertificateExpired)
        } else {
            Ok(())
        }
    }
}

/// Verifies SNS messages, keeping the signing certificates it fetched.
pub struct SnsVerifier {
    client: reqwest::Client,
    certificates: Mutex<HashMap<String, Arc<SigningKey>>>,
}

impl SnsVerifier {
    /// A verifier that fetches certificates with a client trusting Mozilla's roots (those of
    /// `webpki-roots`, compiled in), which include the Amazon roots SNS chains to.
    pub fn new() -> Result<Self, SnsError> {
        let roots = rustls::RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        };
        let client = Self::client_builder(roots)
            .build()
            .map_err(SnsError::Http)?;
        Ok(Self::with_client(client))
    }

    /// A verifier that fetches certificates and confirms subscriptions with `client`. Build it
    /// from [`Self::client_builder`] unless you need otherwise: that one follows no redirects
    /// (a redirect would leave the host that was checked) and times out.
    pub fn with_client(client: reqwest::Client) -> Self {
        Self {
            client,
            certificates: Mutex::new(HashMap::new()),
        }
    }

    /// An HTTPS-only client builder trusting `roots` (rustls with aws-lc-rs), following no
    /// redirects, with a 5 s connect and 10 s overall timeout.
    pub fn client_builder(roots: rustls::RootCertStore) -> reqwest::ClientBuilder {
        let tls = rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::aws_lc_rs::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .expect("aws-lc-rs supports the default protocol versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
        reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            .https_only(true)
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(10))
    }

    /// Parses and verifies the body of an SNS POST.
    pub async fn verify(&self, body: &[u8]) -> Result<Verified, SnsError> {
        self.verify_at(body, SystemTime::now()).await
    }

    /// [`Self::verify`] with the certificate's validity judged at `now`.
    pub async fn verify_at(&self, body: &[u8], now: SystemTime) -> Result<Verified, SnsError> {
        self.verify_message(parse(body)?, now).await
    }

    /// Verifies a parsed message; the checks that need no network come first.
    pub async fn verify_message(
        &self,
        msg: SnsMessage,
        now: SystemTime,
    ) -> Result<Verified, SnsError> {
        let algorithm: &'static dyn VerificationAlgorithm = match msg.signature_version.as_str() {
            "1" => &signature::RSA_PKCS1_2048_8192_SHA1_FOR_LEGACY_USE_ONLY,
            "2" => &signature::RSA_PKCS1_2048_8192_SHA256,
            other => return Err(SnsError::UnsupportedSignatureVersion(other.to_owned())),
        };
        let signed = string_to_sign(&msg)?;
        let signature = STANDARD
            .decode(&msg.signature)
            .map_err(|_| SnsError::SignatureEncoding)?;
        let url = check_sns_url(&msg.signing_cert_url, true).map_err(SnsError::CertUrl)?;
        let key = self.signing_key(&url, unix_seconds(now)).await?;
        UnparsedPublicKey::new(algorithm, &key.rsa_public_key)
            .verify(signed.as_bytes(), &signature)
            .map_err(|_| SnsError::SignatureMismatch)?;
        Ok(Verified(msg))
    }

    /// Confirms the subscription a verified `SubscriptionConfirmation` asks for, by a GET of
    /// its `SubscribeURL`, which must itself be an SNS URL.
    pub async fn confirm_subscription(&self, msg: &Verified) -> Result<(), SnsError> {
        if msg.kind != MessageType::SubscriptionConfirmation {
            return Err(SnsError::NotASubscriptionConfirmation);
        }
        let raw = msg
            .subscribe_url
            .as_deref()
            .ok_or(SnsError::MissingField("SubscribeURL"))?;
        let url = check_sns_url(raw, false).map_err(SnsError::SubscribeUrl)?;
        let response = self.client.get(url).send().await.map_err(SnsError::Http)?;
        if !response.status().is_success() {
            return Err(SnsError::ConfirmationStatus(response.status().as_u16()));
        }
        Ok(())
    }

    /// The key of the certificate at `url`, from the cache or fetched, valid at `now`.
    async fn signing_key(&self, url: &Url, now: i64) -> Result<Arc<SigningKey>, SnsError> {
        let cached = self.cache().get(url.as_str()).cloned();
        let key = match cached {
            Some(key) => key,
            None => {
                let key = Arc::new(self.fetch(url).await?);
                let mut cache = self.cache();
                if cache.len() >= MAX_CACHED_CERTIFICATES {
                    cache.retain(|_, k| k.not_after >= now);
                }
                if cache.len() >= MAX_CACHED_CERTIFICATES
                    && let Some(any) = cache.keys().next().cloned()
                {
                    cache.remove(&any);
                }
                cache.insert(url.as_str().to_owned(), Arc::clone(&key));
                key
            }
        };
        if let Err(e) = key.check_validity(now) {
            // SNS publishes a new certificate under a new URL; this one is of no more use.
            self.cache().remove(url.as_str());
            return Err(e);
        }
        Ok(key)
    }

    async fn fetch(&self, url: &Url) -> Result<SigningKey, SnsError> {
        let mut response = self
            .client
            .get(url.clone())
            .send()
            .await
            .map_err(SnsError::Http)?;
        if !response.status().is_success() {
            return Err(SnsError::CertificateStatus(response.status().as_u16()));
        }
        let mut pem = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(SnsError::Http)? {
            if pem.len() + chunk.len() > MAX_CERTIFICATE_BYTES {
                return Err(SnsError::CertificateTooLarge);
            }
            pem.extend_from_slice(&chunk);
        }
        SigningKey::from_pem(&pem)
    }

    fn cache(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<SigningKey>>> {
        // A panic while the lock was held cannot leave the map half-updated.
        self.certificates
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(kind: &str, extra: &str) -> Vec<u8> {
        format!(
            r#"{{"Type":"{kind}","MessageId":"m-1","TopicArn":"arn:aws:sns:us-east-1:123456789012:t",
            "Message":"line one\nline two","Timestamp":"2024-05-01T10:00:00.000Z",
            "SignatureVersion":"2","Signature":"c2ln",
            "SigningCertURL":"https://sns.us-east-1.amazonaws.com/SimpleNotificationService-x.pem"
            {extra}}}"#
        )
        .into_bytes()
    }

    #[test]
    fn a_notification_signs_its_subject_only_when_it_has_one() {
        let without = parse(&message("Notification", "")).unwrap();
        assert_eq!(
            string_to_sign(&without).unwrap(),
            "Message\nline one\nline two\nMessageId\nm-1\n\
             Timestamp\n2024-05-01T10:00:00.000Z\n\
             TopicArn\narn:aws:sns:us-east-1:123456789012:t\nType\nNotification\n"
        );
        let with = parse(&message(
            "Notification",
            r#","Subject":"Hi","UnsubscribeURL":"https://x/","MessageAttributes":
               {"entity_version":{"Type":"Number","Value":"3"}}"#,
        ))
        .unwrap();
        assert_eq!(
            string_to_sign(&with).unwrap(),
            "Message\nline one\nline two\nMessageId\nm-1\nSubject\nHi\n\
             Timestamp\n2024-05-01T10:00:00.000Z\n\
             TopicArn\narn:aws:sns:us-east-1:123456789012:t\nType\nNotification\n"
        );
        // Neither the attributes nor the UnsubscribeURL are signed, but both are read.
        assert_eq!(with.attribute("entity_version"), Some("3"));
        assert_eq!(with.unsubscribe_url.as_deref(), Some("https://x/"));
    }

    #[test]
    fn a_confirmation_signs_its_subscribe_url_and_token_but_no_subject() {
        for kind in ["SubscriptionConfirmation", "UnsubscribeConfirmation"] {
            let msg = parse(&message(
                kind,
                r#","Subject":"ignored","Token":"tok","SubscribeURL":"https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription""#,
            ))
            .unwrap();
            assert_eq!(
                string_to_sign(&msg).unwrap(),
                format!(
                    "Message\nline one\nline two\nMessageId\nm-1\n\
                     SubscribeURL\nhttps://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription\n\
                     Timestamp\n2024-05-01T10:00:00.000Z\nToken\ntok\n\
                     TopicArn\narn:aws:sns:us-east-1:123456789012:t\nType\n{kind}\n"
                )
            );
            let no_token = parse(&message(kind, r#","SubscribeURL":"https://s/""#)).unwrap();
            assert!(matches!(
                string_to_sign(&no_token),
                Err(SnsError::MissingField("Token"))
            ));
        }
    }

    #[test]
    fn malformed_bodies_and_unknown_types_are_refused() {
        assert!(matches!(parse(b"not json"), Err(SnsError::Malformed(_))));
        assert!(matches!(
            parse(&message("Nudge", "")),
            Err(SnsError::UnknownType(t)) if t == "Nudge"
        ));
        assert!(matches!(
            parse(br#"{"Type":"Notification"}"#),
            Err(SnsError::MissingField("MessageId"))
        ));
        assert!(matches!(
            parse(br#"{"MessageId":"m"}"#),
            Err(SnsError::MissingField("Type"))
        ));
    }

    #[test]
    fn only_sns_endpoints_may_serve_certificates() {
        for ok in [
            "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-abc.pem",
            "https://SNS.EU-WEST-1.amazonaws.com/SimpleNotificationService-abc.pem",
            "https://sns.us-gov-west-1.amazonaws.com/a.pem",
            "https://sns.cn-north-1.amazonaws.com.cn/a.pem",
            "https://sns.ap-southeast-2.amazonaws.com:443/a.pem",
        ] {
            assert!(check_sns_url(ok, true).is_ok(), "{ok}");
        }
        let host = |h: &str| UrlError::Host(h.to_owned());
        for (bad, err) in [
            (
                "http://sns.us-east-1.amazonaws.com/a.pem",
                UrlError::NotHttps,
            ),
            (
                "ftp://sns.us-east-1.amazonaws.com/a.pem",
                UrlError::NotHttps,
            ),
            ("sns.us-east-1.amazonaws.com/a.pem", UrlError::NotAUrl),
            (
                "https://sns.us-east-1.amazonaws.com.evil.com/a.pem",
                host("sns.us-east-1.amazonaws.com.evil.com"),
            ),
            (
                "https://sns.us-east-1.amazonaws.com@evil.com/a.pem",
                UrlError::Credentials,
            ),
            (
                "https://u:p@sns.us-east-1.amazonaws.com/a.pem",
                UrlError::Credentials,
            ),
            (
                "https://evil.com/sns.us-east-1.amazonaws.com/a.pem",
                host("evil.com"),
            ),
            (
                "https://evil.com#@sns.us-east-1.amazonaws.com/a.pem",
                host("evil.com"),
            ),
            (
                "https://evil.com\\@sns.us-east-1.amazonaws.com/a.pem",
                host("evil.com"),
            ),
            (
                "https://xsns.us-east-1.amazonaws.com/a.pem",
                host("xsns.us-east-1.amazonaws.com"),
            ),
            (
                "https://sns.us-east-1.amazonaws.com./a.pem",
                host("sns.us-east-1.amazonaws.com."),
            ),
            (
                "https://sns.evil.com.amazonaws.com/a.pem",
                host("sns.evil.com.amazonaws.com"),
            ),
            // S3 buckets named "sns", in the global and a legacy regional endpoint.
            (
                "https://sns.s3.amazonaws.com/a.pem",
                host("sns.s3.amazonaws.com"),
            ),
            (
                "https://sns.s3-us-west-2.amazonaws.com/a.pem",
                host("sns.s3-us-west-2.amazonaws.com"),
            ),
            ("https://52.94.0.1/a.pem", host("52.94.0.1")),
            (
                "https://sns.us-east-1.amazonaws.com:8443/a.pem",
                UrlError::Port,
            ),
            (
                "https://sns.us-east-1.amazonaws.com/a.pem.txt",
                UrlError::NotPem,
            ),
            (
                "https://sns.us-east-1.amazonaws.com/?x=a.pem",
                UrlError::NotPem,
            ),
        ] {
            assert_eq!(check_sns_url(bad, true), Err(err), "{bad}");
        }
        // A SubscribeURL has no certificate path, but the same host rules.
        assert!(check_sns_url("https://sns.us-east-1.amazonaws.com/?Action=X", false).is_ok());
        assert!(check_sns_url("https://evil.com/?Action=X", false).is_err());
    }

    #[test]
    fn regions_have_the_shape_of_regions() {
        for ok in [
            "us-east-1",
            "us-gov-west-1",
            "cn-northwest-1",
            "ap-southeast-4",
        ] {
            assert!(is_region(ok), "{ok}");
        }
        for bad in [
            "",
            "s3",
            "us",
            "us-1",
            "us-east",
            "s3-us-west-2",
            "us-east-1a",
            "US-EAST-1",
        ] {
            assert!(!is_region(bad), "{bad}");
        }
    }
}
