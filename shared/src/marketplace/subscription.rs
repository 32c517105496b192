//! Organizations' SNS subscriptions to the platform's topics: which endpoints are accepted, and
//! the filter policy that gives a subscriber its own organization's events only.

use serde::{Deserialize, Serialize};

use crate::kernel::ids::OrgId;

/// `protocol`: the spec's `https` and `email`; `sqs` only where the deployment allows it (the
/// local stack and tests, whose moto cannot reach an https endpoint).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Protocol {
    Https,
    Email,
    Sqs,
}

impl Protocol {
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Https => "https",
            Protocol::Email => "email",
            Protocol::Sqs => "sqs",
        }
    }
}

/// Why a subscription endpoint is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EndpointRejection {
    #[error("protocol must be https or email")]
    SqsNotAllowed,
    #[error("endpoint is not a valid {} endpoint", .0.as_str())]
    Invalid(Protocol),
}

/// Checks an endpoint for its protocol: an https URL with a host, an e-mail address, or (when
/// allowed) an SQS queue ARN. SNS itself calls the endpoint, from AWS, so there is no path into
/// the platform's network to guard here.
pub fn check_endpoint(
    protocol: Protocol,
    endpoint: &str,
    allow_sqs: bool,
) -> Result<(), EndpointRejection> {
    let ok = match protocol {
        Protocol::Https => reqwest::Url::parse(endpoint)
            .is_ok_and(|u| u.scheme() == "https" && u.host_str().is_some_and(|h| !h.is_empty())),
        Protocol::Email => match endpoint.split_once('@') {
            Some((local, domain)) => {
                !local.is_empty()
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
                    && !endpoint.chars().any(char::is_whitespace)
                    && !domain.contains('@')
            }
            None => false,
        },
        Protocol::Sqs => {
            if !allow_sqs {
                return Err(EndpointRejection::SqsNotAllowed);
            }
            endpoint.starts_with("arn:aws:sqs:")
        }
    };
    if ok {
        Ok(())
    } else {
        Err(EndpointRejection::Invalid(protocol))
    }
}

/// The subscription filter policy: messages whose `organization_id` attribute is `org`.
pub fn filter_policy(org: OrgId) -> String {
    serde_json::json!({ "organization_id": [org.to_string()] }).to_string()
}

/// A subscription to one of the platform's topics, as SNS lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Subscription {
    pub subscription_arn: String,
    pub topic_arn: String,
    pub protocol: String,
    pub endpoint: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_filter_policy_names_its_organization() {
        let org = OrgId::new();
        let policy: serde_json::Value = serde_json::from_str(&filter_policy(org)).unwrap();
        assert_eq!(
            policy,
            serde_json::json!({ "organization_id": [org.to_string()] })
        );
    }

    #[test]
    fn endpoints_must_fit_their_protocol() {
        let ok = |p, e| check_endpoint(p, e, false).is_ok();
        assert!(ok(Protocol::Https, "https://hooks.example.com/alayamarket"));
        assert!(!ok(Protocol::Https, "http://hooks.example.com/alayamarket"));
        assert!(!ok(Protocol::Https, "hooks.example.com"));
        assert!(ok(Protocol::Email, "ops@example.com"));
        for bad in [
            "ops",
            "@example.com",
            "ops@example",
            "ops@.com",
            "o ps@example.com",
            "a@b@c.com",
        ] {
            assert!(!ok(Protocol::Email, bad), "{bad}");
        }
        let arn = "arn:aws:sqs:us-east-1:123456789012:events";
        assert!(check_endpoint(Protocol::Sqs, arn, false).is_err());
        assert!(check_endpoint(Protocol::Sqs, arn, true).is_ok());
        assert!(check_endpoint(Protocol::Sqs, "https://sqs.example.com/q", true).is_err());
    }

    #[test]
    fn the_filter_policy_names_the_organization() {
        let org = OrgId::new();
        let v: serde_json::Value = serde_json::from_str(&filter_policy(org)).unwrap();
        assert_eq!(v, serde_json::json!({"organization_id": [org.to_string()]}));
    }
}
