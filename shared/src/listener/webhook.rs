//! Outbound webhooks: which callback URLs and addresses the platform may call (SSRF policy),
//! and Standard Webhooks signing (`webhook-id`, `webhook-timestamp`, `webhook-signature`).
//! Pure functions; DNS resolution and HTTP live in `listener::hub`.

use std::net::{IpAddr, Ipv4Addr};

use aws_lc_rs::{constant_time, hmac, rand};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

/// Prefix of a Standard Webhooks symmetric secret.
pub const SECRET_PREFIX: &str = "whsec_";

/// Why a callback is refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CallbackError {
    #[error("callback is not an absolute URL")]
    NotAUrl,
    #[error("callback must use https")]
    NotHttps,
    #[error("callback must not carry credentials")]
    Credentials,
    #[error("callback has no host")]
    NoHost,
    #[error("callback address {0} is not publicly routable")]
    ForbiddenAddress(IpAddr),
    #[error("callback host does not resolve")]
    Unresolvable,
}

/// Whether calling `ip` could reach something that is not the public Internet: private,
/// loopback, link-local (incl. the 169.254.169.254 metadata service), unique-local, CGNAT,
/// multicast, broadcast, documentation, unspecified and other special-purpose ranges.
/// IPv4-mapped and IPv4-compatible IPv6 addresses are judged as the IPv4 they carry.
/// `allow_loopback` lets loopback through (the local stack's receivers).
pub fn is_forbidden_ip(ip: IpAddr, allow_loopback: bool) -> bool {
    match ip {
        IpAddr::V4(v4) => forbidden_v4(v4, allow_loopback),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return forbidden_v4(v4, allow_loopback);
            }
            if v6.is_loopback() {
                return !allow_loopback;
            }
            let seg = v6.segments();
            // ::/96 (IPv4-compatible, deprecated) and the unspecified address.
            if seg[..6].iter().all(|s| *s == 0) {
                return true;
            }
            v6.is_multicast()
                || (seg[0] & 0xfe00) == 0xfc00 // fc00::/7 unique local
                || (seg[0] & 0xffc0) == 0xfe80 // fe80::/10 link-local
                || (seg[0] & 0xffc0) == 0xfec0 // fec0::/10 site-local (deprecated)
                || (seg[0] == 0x2001 && seg[1] == 0x0db8) // documentation
                || (seg[0] == 0x0064 && seg[1] == 0xff9b) // NAT64 can reach IPv4 internals
                || seg[0] == 0x2002 // 6to4 embeds an arbitrary IPv4
                || (seg[0] == 0x2001 && seg[1] == 0) // Teredo
                || (seg[0] == 0x0100 && seg[1..4].iter().all(|s| *s == 0)) // discard-only
        }
    }
}

fn forbidden_v4(ip: Ipv4Addr, allow_loopback: bool) -> bool {
    let [a, b, c, _] = ip.octets();
    if ip.is_loopback() {
        return !allow_loopback;
    }
    a == 0 // "this network", incl. 0.0.0.0
        || ip.is_private() // 10/8, 172.16/12, 192.168/16
        || ip.is_link_local() // 169.254/16, incl. the metadata service
        || (a == 100 && (b & 0xc0) == 64) // 100.64/10 CGNAT
        || (a == 192 && b == 0 && c == 0) // 192.0.0/24 protocol assignments
        || (a == 192 && b == 0 && c == 2) // documentation
        || (a == 198 && (b & 0xfe) == 18) // 198.18/15 benchmarking
        || (a == 198 && b == 51 && c == 100) // documentation
        || (a == 203 && b == 0 && c == 113) // documentation
        || ip.is_multicast() // 224/4
        || a >= 240 // 240/4 reserved, incl. broadcast
}

/// A callback that passed the static checks: where to connect.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Callback {
    pub url: reqwest::Url,
    /// The host as written (a name to resolve, or an address literal).
    pub host: Host,
    pub port: u16,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Host {
    Name(String),
    Ip(IpAddr),
}

/// Checks what can be checked without DNS: an absolute https URL (http only to a loopback
/// address when `allow_loopback`), no user info, and an address literal that is allowed.
/// Names must still be resolved and every address checked with [`is_forbidden_ip`].
pub fn parse_callback(raw: &str, allow_loopback: bool) -> Result<Callback, CallbackError> {
    let url = reqwest::Url::parse(raw.trim()).map_err(|_| CallbackError::NotAUrl)?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(CallbackError::Credentials);
    }
    let host = match url.host() {
        None => return Err(CallbackError::NoHost),
        Some(url::Host::Domain(d)) => Host::Name(d.trim_end_matches('.').to_ascii_lowercase()),
        Some(url::Host::Ipv4(v4)) => Host::Ip(IpAddr::V4(v4)),
        Some(url::Host::Ipv6(v6)) => Host::Ip(IpAddr::V6(v6)),
    };
    let loopback = match &host {
        Host::Ip(ip) => is_loopback(*ip),
        Host::Name(n) => n == "localhost" || n.ends_with(".localhost"),
    };
    match url.scheme() {
        "https" => {}
        "http" if allow_loopback && loopback => {}
        _ => return Err(CallbackError::NotHttps),
    }
    if let Host::Ip(ip) = host
        && is_forbidden_ip(ip, allow_loopback)
    {
        return Err(CallbackError::ForbiddenAddress(ip));
    }
    let port = url.port_or_known_default().ok_or(CallbackError::NotAUrl)?;
    Ok(Callback { url, host, port })
}

fn is_loopback(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_loopback(),
        IpAddr::V6(v6) => {
            v6.is_loopback() || v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
    }
}

/// Keeps the resolved addresses only if every one is allowed: a name that resolves to one
/// public and one private address could be made to connect to the private one.
pub fn check_resolved(addrs: &[IpAddr], allow_loopback: bool) -> Result<(), CallbackError> {
    if addrs.is_empty() {
        return Err(CallbackError::Unresolvable);
    }
    match addrs
        .iter()
        .find(|ip| is_forbidden_ip(**ip, allow_loopback))
    {
        Some(ip) => Err(CallbackError::ForbiddenAddress(*ip)),
        None => Ok(()),
    }
}

/// A new per-subscription secret: `whsec_` + base64 of 32 random bytes.
pub fn generate_secret() -> Result<String, aws_lc_rs::error::Unspecified> {
    let mut bytes = [0u8; 32];
    rand::fill(&mut bytes)?;
    Ok(format!("{SECRET_PREFIX}{}", STANDARD.encode(bytes)))
}

/// The `webhook-signature` value for a message: `v1,<base64 HMAC-SHA256(key, id.ts.body)>`,
/// the key being the base64-decoded part of the secret after `whsec_`.
pub fn sign(secret: &str, id: &str, timestamp: i64, body: &[u8]) -> Option<String> {
    let key = STANDARD
        .decode(secret.strip_prefix(SECRET_PREFIX).unwrap_or(secret))
        .ok()?;
    let key = hmac::Key::new(hmac::HMAC_SHA256, &key);
    let mut ctx = hmac::Context::with_key(&key);
    ctx.update(id.as_bytes());
    ctx.update(b".");
    ctx.update(timestamp.to_string().as_bytes());
    ctx.update(b".");
    ctx.update(body);
    Some(format!("v1,{}", STANDARD.encode(ctx.sign().as_ref())))
}

/// Verifies a delivery as a receiver would (what the tests' receiver does): one of the
/// space-separated `v1,` signatures must match and the timestamp be within `tolerance` seconds
/// of `now`.
pub fn verify(
    secret: &str,
    id: &str,
    timestamp: i64,
    body: &[u8],
    signatures: &str,
    now: i64,
    tolerance: i64,
) -> bool {
    if (now - timestamp).abs() > tolerance {
        return false;
    }
    let Some(expected) = sign(secret, id, timestamp, body) else {
        return false;
    };
    signatures
        .split(' ')
        .any(|s| constant_time::verify_slices_are_equal(s.as_bytes(), expected.as_bytes()).is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn internal_addresses_are_forbidden() {
        for bad in [
            "10.0.0.1",
            "172.16.5.4",
            "172.31.255.255",
            "192.168.1.1",
            "127.0.0.1",
            "127.1.2.3",
            "169.254.169.254",
            "100.64.0.1",
            "100.127.255.254",
            "0.0.0.0",
            "224.0.0.1",
            "255.255.255.255",
            "::",
            "::1",
            "fe80::1",
            "fc00::1",
            "fd12:3456::1",
            "ff02::1",
            "::ffff:10.0.0.1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "::127.0.0.1",
            "64:ff9b::a00:1",
            "2002:a00:1::",
            "fd00:ec2::254",
        ] {
            assert!(is_forbidden_ip(ip(bad), false), "{bad}");
        }
        for good in [
            "93.184.216.34",
            "8.8.8.8",
            "172.32.0.1",
            "100.128.0.1",
            "2606:4700::1111",
            "::ffff:8.8.8.8",
        ] {
            assert!(!is_forbidden_ip(ip(good), false), "{good}");
        }
    }

    #[test]
    fn loopback_is_allowed_only_when_asked_and_nothing_else_is() {
        assert!(!is_forbidden_ip(ip("127.0.0.1"), true));
        assert!(!is_forbidden_ip(ip("::1"), true));
        assert!(!is_forbidden_ip(ip("::ffff:127.0.0.1"), true));
        assert!(is_forbidden_ip(ip("10.0.0.1"), true));
        assert!(is_forbidden_ip(ip("169.254.169.254"), true));
    }

    #[test]
    fn callbacks_must_be_https_without_credentials() {
        let ok = parse_callback("https://hooks.example.com/in?x=1", false).unwrap();
        assert_eq!(ok.host, Host::Name("hooks.example.com".into()));
        assert_eq!(ok.port, 443);
        for (raw, err) in [
            ("http://hooks.example.com/in", CallbackError::NotHttps),
            ("ftp://hooks.example.com/in", CallbackError::NotHttps),
            ("hooks.example.com/in", CallbackError::NotAUrl),
            (
                "https://user:pw@hooks.example.com/",
                CallbackError::Credentials,
            ),
            (
                "https://169.254.169.254/latest/meta-data",
                CallbackError::ForbiddenAddress(ip("169.254.169.254")),
            ),
            (
                "https://[::ffff:192.168.0.1]/",
                CallbackError::ForbiddenAddress(ip("::ffff:192.168.0.1")),
            ),
            ("http://127.0.0.1:8080/hook", CallbackError::NotHttps),
        ] {
            assert_eq!(parse_callback(raw, false), Err(err), "{raw}");
        }
    }

    #[test]
    fn local_mode_allows_http_to_loopback_only() {
        assert!(parse_callback("http://127.0.0.1:8080/hook", true).is_ok());
        assert!(parse_callback("http://localhost:8080/hook", true).is_ok());
        assert!(parse_callback("http://[::1]:8080/hook", true).is_ok());
        assert_eq!(
            parse_callback("http://example.com/hook", true),
            Err(CallbackError::NotHttps)
        );
        assert!(matches!(
            parse_callback("https://10.1.2.3/hook", true),
            Err(CallbackError::ForbiddenAddress(_))
        ));
    }

    #[test]
    fn every_resolved_address_must_be_allowed() {
        assert!(check_resolved(&[ip("93.184.216.34")], false).is_ok());
        assert_eq!(
            check_resolved(&[ip("93.184.216.34"), ip("10.0.0.7")], false),
            Err(CallbackError::ForbiddenAddress(ip("10.0.0.7")))
        );
        assert_eq!(check_resolved(&[], false), Err(CallbackError::Unresolvable));
    }

    #[test]
    fn signatures_follow_standard_webhooks() {
        // The test vector of the Standard Webhooks specification.
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let id = "msg_p5jXN8AQM9LWM0D4loKWxJek";
        let body = br#"{"test": 2432232314}"#;
        let sig = sign(secret, id, 1614265330, body).unwrap();
        assert_eq!(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
        assert!(verify(
            secret,
            id,
            1614265330,
            body,
            &format!("v1,bad {sig}"),
            1614265400,
            300
        ));
        assert!(!verify(secret, id, 1614265330, body, &sig, 1614266000, 300));
        assert!(!verify(
            secret, id, 1614265330, b"{}", &sig, 1614265330, 300
        ));
    }

    #[test]
    fn secrets_are_random_whsec_keys() {
        let a = generate_secret().unwrap();
        assert!(a.starts_with(SECRET_PREFIX));
        assert_eq!(
            STANDARD.decode(&a[SECRET_PREFIX.len()..]).unwrap().len(),
            32
        );
        assert_ne!(a, generate_secret().unwrap());
    }
}
