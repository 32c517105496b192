//! What a handler is given: configuration, and the AWS clients, created on first use.
//!
//! Nothing here does work at cold start beyond reading environment variables: loading the SDK
//! configuration and the TLS trust store costs several milliseconds, which would multiply the
//! cold init of a Rust function, and a handler only pays for the clients it uses.

use std::sync::Arc;

use aws_config::SdkConfig;

use crate::auth::TokenVerifier;
use crate::aws::Aws;
use crate::config::Config;
use crate::db::Db;
use crate::error::ApiError;
use crate::oauth::MachineVerifier;

#[derive(Clone)]
pub struct App {
    pub config: Arc<Config>,
    pub aws: Arc<Aws>,
    pub db: Db,
    pub verifier: Arc<TokenVerifier>,
    pub machine: Arc<MachineVerifier>,
    /// Which machine clients are still active (a few seconds' memory per container).
    pub clients: Arc<crate::oauth::ClientStates>,
    /// The delivery senders' per-subscription circuit breakers (per container).
    pub breakers: Arc<crate::delivery::Breakers>,
    pub downloads: Arc<crate::presign::DownloadVerifier>,
}

impl App {
    /// How this function's delivery sender treats its queue (`crate::delivery`).
    pub fn delivery_settings(&self) -> crate::delivery::Settings {
        crate::delivery::Settings {
            queue_url: self.config.delivery_queue_url.clone(),
            attempts: self.config.delivery_attempts,
            backoff: std::time::Duration::from_millis(self.config.delivery_backoff_ms),
            tenant_concurrency: self.config.tenant_delivery_concurrency,
        }
    }

    /// The application of a deployed function: settings from its environment, AWS clients
    /// from the standard AWS environment.
    pub fn from_env() -> Result<Self, ApiError> {
        Ok(Self::with_aws(Config::from_env()?, Aws::from_env()))
    }

    /// An application whose clients use `sdk` (the local stack and tests).
    pub fn new(config: Config, sdk: &SdkConfig) -> Self {
        Self::with_aws(config, Aws::with_config(sdk.clone()))
    }

    fn with_aws(config: Config, aws: Aws) -> Self {
        let aws = Arc::new(aws);
        Self {
            db: Db::new(aws.clone(), &config.table_name, config.event_ttl_seconds),
            verifier: Arc::new(TokenVerifier::new(&config)),
            machine: Arc::new(MachineVerifier::new(&config)),
            clients: Arc::new(crate::oauth::ClientStates::new(
                std::time::Duration::from_secs(config.machine_client_cache_seconds),
            )),
            breakers: Arc::new(crate::delivery::Breakers::new(
                config.breaker_threshold,
                std::time::Duration::from_secs(config.breaker_cooldown_seconds),
            )),
            downloads: Arc::new(crate::presign::DownloadVerifier::new(&config)),
            config: Arc::new(config),
            aws,
        }
    }
}
