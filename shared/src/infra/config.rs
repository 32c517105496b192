//! Settings every function reads from its environment (set by template.yaml, or by the
//! local stack from the same template).

use crate::edge::error::ApiError;
use crate::events::Channel;
use crate::kernel::ids::OrgId;

/// How long event items live when `EVENT_TTL_SECONDS` is not set (template.yaml sets it
/// nowhere): 15 days.
pub const DEFAULT_EVENT_TTL_SECONDS: i64 = 15 * 24 * 3600;

/// The namespace of the metrics when `METRICS_NAMESPACE` is not set (the dashboard's).
pub const DEFAULT_METRICS_NAMESPACE: &str = "Marketplace";

#[derive(Clone, Debug)]
pub struct Config {
    pub table_name: String,
    /// `arn:…:sns:<region>:<account>:<stack>-`: with a channel and an organization appended,
    /// the ARN of that organization's topic of that channel ([`Channel::topic_name`]).
    pub topic_arn_prefix: String,
    pub user_pool_id: String,
    pub user_pool_client_id: String,
    /// The platform's own secret-bearing app client, the only one allowed to write
    /// `custom:organization_id` (at sign-up, once); set only for the sys_admin sign-up.
    pub sign_up_client_id: String,
    pub region: String,
    /// Where the pool's JWKS is served. Real Cognito derives it from the issuer; the local
    /// stack points it at moto.
    pub jwks_url: String,
    /// Event items stay in the table this long (DynamoDB TTL) after being written: longer
    /// than the stream failure queue keeps a failure record (14 days) plus a record's
    /// retries (1 hour), so every parked record can be replayed (docs/operations.md).
    pub event_ttl_seconds: i64,
    /// The KMS asymmetric key (RSA, SIGN_VERIFY) that signs machine access tokens.
    pub token_signing_key_id: String,
    /// The KMS asymmetric key that signs expiring download URLs (a key of its own).
    pub download_signing_key_id: String,
    /// The `iss` of machine access tokens.
    pub token_issuer: String,
    /// Lifetime of a machine access token.
    pub access_token_ttl_seconds: i64,
    /// The KMS symmetric key that encrypts delivery credentials at rest.
    pub credentials_key_id: String,
    /// Where deliveries that failed every attempt are parked (an SQS queue URL).
    pub delivery_dlq_url: String,
    /// Where the publisher parks messages SNS can never accept (the stream failure queue).
    pub stream_failure_queue_url: String,
    /// Tries per delivery before it is parked, and the delay before the second (doubled for
    /// each later one; a queued delivery waits whole seconds, at most 15 minutes).
    pub delivery_attempts: u32,
    pub delivery_backoff_ms: u64,
    /// The family's delivery queue: the stream function puts one job per delivery there and
    /// the sender takes them (`crate::infra::delivery`).
    pub delivery_queue_url: String,
    /// How long one delivery try may take (a hub callback's whole request; an SQS or SNS call).
    pub delivery_timeout_ms: u64,
    /// Failed tries in a row that open a subscription's circuit breaker, and for how long.
    pub breaker_threshold: u32,
    pub breaker_cooldown_seconds: u64,
    /// At most this many of one tenant's deliveries are tried at once by one invocation.
    pub tenant_delivery_concurrency: usize,
    /// Per-tenant quotas (`crate::kernel::quota`): active event subscriptions, notification
    /// jobs, hub subscriptions and Notification API subscriptions.
    pub max_event_subscriptions_per_tenant: usize,
    pub max_jobs_per_tenant: usize,
    pub max_hub_subscriptions_per_tenant: usize,
    pub max_notification_subscriptions_per_tenant: usize,
    /// An organization's subscriptions to its topics (all on its own topics, each with a
    /// filter policy, of which SNS allows 200 per topic by default; docs/scaling.md §6).
    pub max_topic_subscriptions_per_organization: usize,
    /// Where hub deliveries that failed every attempt are parked (an SQS queue URL).
    pub hub_dlq_url: String,
    /// Notifications older than this are never handed out (whether or not TTL removed them).
    pub notification_retention_seconds: i64,
    /// An offer that ended without a referral (closed, declined by all, expired) stays this
    /// long after it ended, then DynamoDB TTL removes it (`FINISHED_OFFER_RETENTION_DAYS`).
    pub finished_offer_retention_seconds: i64,
    /// How many notifications one pull returns at most (`notification_page_size`).
    pub notification_page_size: u32,
    /// Hub callbacks on `http://` loopback addresses are accepted (local stack and tests only).
    /// Organizations may subscribe SQS queues to their topics (the local stack and tests
    /// only; the published API allows https and email).
    pub allow_sqs_subscriptions: bool,
    pub allow_loopback_callbacks: bool,
    /// Listener/hub requests one client may make per minute (0: unlimited).
    pub listener_client_rate_per_minute: u32,
    /// How long a container trusts that a machine client is still active before reading it
    /// again: the most a deactivated client's token keeps working.
    pub machine_client_cache_seconds: u64,
    /// Listener/hub requests the whole API accepts per minute (0: unlimited).
    pub listener_capacity_per_minute: u32,
    /// How long a download URL (message file, form attachment) stays valid after it is issued.
    pub download_url_ttl_seconds: i64,
    /// The Step Functions state machine that runs auto sign-ups (`identity::auto_sign_up`).
    pub auto_sign_up_state_machine_arn: String,
    /// The CloudWatch namespace of the functions' EMF metrics (`crate::infra::metrics`).
    pub metrics_namespace: String,
}

impl Config {
    pub fn from_env() -> Result<Self, ApiError> {
        Self::from_lookup(|k| std::env::var(k).ok())
    }

    /// Reads settings through `get`, so tests and the local stack can supply them directly.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ApiError> {
        let need = |k: &str| get(k).ok_or_else(|| ApiError::internal(format!("{k} is not set")));
        let quota =
            |k: &str, default: usize| get(k).and_then(|v| v.parse().ok()).unwrap_or(default);
        let region = get("AWS_REGION")
            .or_else(|| get("AWS_DEFAULT_REGION"))
            .unwrap_or_else(|| "us-east-1".into());
        let user_pool_id = get("USER_POOL_ID").unwrap_or_default();
        let jwks_url = match (get("COGNITO_JWKS_URL"), get("AWS_ENDPOINT_URL")) {
            (Some(url), _) => url,
            (None, Some(endpoint)) => {
                format!(
                    "{}/{user_pool_id}/.well-known/jwks.json",
                    endpoint.trim_end_matches('/')
                )
            }
            (None, None) => format!(
                "https://cognito-idp.{region}.amazonaws.com/{user_pool_id}/.well-known/jwks.json"
            ),
        };
        Ok(Self {
            table_name: need("TABLE_NAME")?,
            topic_arn_prefix: get("TOPIC_ARN_PREFIX").unwrap_or_default(),
            user_pool_client_id: get("USER_POOL_CLIENT_ID").unwrap_or_default(),
            sign_up_client_id: get("SIGN_UP_CLIENT_ID").unwrap_or_default(),
            user_pool_id,
            region,
            jwks_url,
            event_ttl_seconds: get("EVENT_TTL_SECONDS")
                .and_then(|v| v.parse().ok())
                .unwrap_or(DEFAULT_EVENT_TTL_SECONDS),
            token_signing_key_id: get("TOKEN_SIGNING_KEY_ID").unwrap_or_default(),
            download_signing_key_id: get("DOWNLOAD_SIGNING_KEY_ID").unwrap_or_default(),
            token_issuer: get("TOKEN_ISSUER").unwrap_or_else(|| "urn:platform:oauth".into()),
            access_token_ttl_seconds: get("ACCESS_TOKEN_TTL_SECONDS")
                .and_then(|v| v.parse().ok())
                .unwrap_or(3600),
            credentials_key_id: get("CREDENTIALS_KEY_ID").unwrap_or_default(),
            delivery_dlq_url: get("DELIVERY_DLQ_URL").unwrap_or_default(),
            stream_failure_queue_url: get("STREAM_FAILURE_QUEUE_URL").unwrap_or_default(),
            delivery_attempts: get("DELIVERY_ATTEMPTS")
                .and_then(|v| v.parse().ok())
                .filter(|n| *n >= 1)
                .unwrap_or(3),
            delivery_backoff_ms: get("DELIVERY_BACKOFF_MS")
                .and_then(|v| v.parse().ok())
                .unwrap_or(200),
            delivery_queue_url: get("DELIVERY_QUEUE_URL").unwrap_or_default(),
            delivery_timeout_ms: get("DELIVERY_TIMEOUT_MS")
                .and_then(|v| v.parse().ok())
                .filter(|n| *n >= 1)
                .unwrap_or(5_000),
            breaker_threshold: get("BREAKER_THRESHOLD")
                .and_then(|v| v.parse().ok())
                .unwrap_or(5),
            breaker_cooldown_seconds: get("BREAKER_COOLDOWN_SECONDS")
                .and_then(|v| v.parse().ok())
                .unwrap_or(60),
            max_event_subscriptions_per_tenant: quota("MAX_EVENT_SUBSCRIPTIONS_PER_TENANT", 50),
            max_jobs_per_tenant: quota("MAX_JOBS_PER_TENANT", 50),
            max_hub_subscriptions_per_tenant: quota("MAX_HUB_SUBSCRIPTIONS_PER_TENANT", 20),
            max_notification_subscriptions_per_tenant: quota(
                "MAX_NOTIFICATION_SUBSCRIPTIONS_PER_TENANT",
                20,
            ),
            max_topic_subscriptions_per_organization: quota(
                "MAX_TOPIC_SUBSCRIPTIONS_PER_ORGANIZATION",
                20,
            ),
            tenant_delivery_concurrency: get("TENANT_DELIVERY_CONCURRENCY")
                .and_then(|v| v.parse().ok())
                .filter(|n| *n >= 1)
                .unwrap_or(4),
            hub_dlq_url: get("HUB_DLQ_URL").unwrap_or_default(),
            notification_retention_seconds: get("NOTIFICATION_RETENTION_SECONDS")
                .and_then(|v| v.parse().ok())
                .filter(|n| *n > 0)
                .unwrap_or(6 * 3600),
            finished_offer_retention_seconds: get("FINISHED_OFFER_RETENTION_DAYS")
                .and_then(|v| v.parse::<i64>().ok())
                .filter(|d| *d > 0)
                .unwrap_or(90)
                .saturating_mul(24 * 3600),
            notification_page_size: get("NOTIFICATION_PAGE_SIZE")
                .and_then(|v| v.parse().ok())
                .filter(|n| (1..=1000).contains(n))
                .unwrap_or(100),
            allow_loopback_callbacks: get("ALLOW_LOOPBACK_CALLBACKS").as_deref() == Some("true"),
            allow_sqs_subscriptions: get("ALLOW_SQS_SUBSCRIPTIONS").as_deref() == Some("true"),
            machine_client_cache_seconds: get("MACHINE_CLIENT_CACHE_SECONDS")
                .and_then(|v| v.parse().ok())
                .unwrap_or(5),
            listener_client_rate_per_minute: get("LISTENER_CLIENT_RATE_PER_MINUTE")
                .and_then(|v| v.parse().ok())
                .unwrap_or(1200),
            listener_capacity_per_minute: get("LISTENER_CAPACITY_PER_MINUTE")
                .and_then(|v| v.parse().ok())
                .unwrap_or(0),
            download_url_ttl_seconds: get("DOWNLOAD_URL_TTL_SECONDS")
                .and_then(|v| v.parse().ok())
                .filter(|n| *n > 0)
                .unwrap_or(300),
            auto_sign_up_state_machine_arn: get("AUTO_SIGN_UP_STATE_MACHINE_ARN")
                .unwrap_or_default(),
            metrics_namespace: get("METRICS_NAMESPACE")
                .filter(|n| !n.is_empty())
                .unwrap_or_else(|| DEFAULT_METRICS_NAMESPACE.into()),
        })
    }

    pub fn issuer(&self) -> String {
        format!(
            "https://cognito-idp.{}.amazonaws.com/{}",
            self.region, self.user_pool_id
        )
    }

    /// The ARN of `org`'s topic of `channel` (created when the organization first subscribes
    /// to the channel).
    pub fn topic_arn(&self, channel: Channel, org: OrgId) -> String {
        format!("{}{}", self.topic_arn_prefix, channel.topic_name(org))
    }

    /// The name of `org`'s topic of `channel` (the ARN's last part): `<stack>-<channel>-<org>`.
    pub fn topic_name(&self, channel: Channel, org: OrgId) -> String {
        let stack = self.topic_arn_prefix.rsplit(':').next().unwrap_or_default();
        format!("{stack}{}", channel.topic_name(org))
    }

    /// The channel and organization of one of this stack's topics; `None` for any other ARN.
    pub fn topic_of_arn(&self, topic_arn: &str) -> Option<(Channel, OrgId)> {
        Channel::of_topic_name(topic_arn.strip_prefix(&self.topic_arn_prefix)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_organizations_topic_is_named_under_the_stacks_prefix() {
        let config = Config::from_lookup(|k| match k {
            "TABLE_NAME" => Some("t".into()),
            "TOPIC_ARN_PREFIX" => Some("arn:aws:sns:eu-west-1:123456789012:market-".into()),
            _ => None,
        })
        .unwrap();
        let org = OrgId::new();
        let arn = config.topic_arn(Channel::InboxOffers, org);
        assert_eq!(
            arn,
            format!("arn:aws:sns:eu-west-1:123456789012:market-inbox-offers-{org}")
        );
        assert!(arn.ends_with(&format!(
            ":{}",
            config.topic_name(Channel::InboxOffers, org)
        )));
        assert_eq!(config.topic_of_arn(&arn), Some((Channel::InboxOffers, org)));
        let other_stack = arn.replace(":market-", ":other-");
        assert_eq!(config.topic_of_arn(&other_stack), None);
    }
}
