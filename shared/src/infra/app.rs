//! What a handler is given: configuration, and the AWS clients, created on first use.
//!
//! Nothing here does work at cold start beyond reading environment variables: loading the SDK
//! configuration and the TLS trust store costs several milliseconds, which would multiply the
//! cold init of a Rust function, and a handler only pays for the clients it uses.

use std::sync::Arc;

use aws_config::SdkConfig;
use aws_lambda_events::event::dynamodb::Event as StreamEvent;
use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use aws_lambda_events::event::streams::DynamoDbEventResponse;

use crate::edge::error::ApiError;
use crate::identity::auth::TokenVerifier;
use crate::identity::oauth::MachineVerifier;
use crate::infra::aws::Aws;
use crate::infra::config::Config;
use crate::infra::delivery;
use crate::store::db::Db;

#[derive(Clone)]
pub struct App {
    pub config: Arc<Config>,
    pub aws: Arc<Aws>,
    pub db: Db,
    pub verifier: Arc<TokenVerifier>,
    pub machine: Arc<MachineVerifier>,
    /// Which machine clients are still active (a few seconds' memory per container).
    pub clients: Arc<crate::identity::oauth::ClientStates>,
    /// The delivery senders' per-subscription circuit breakers (per container).
    pub breakers: Arc<delivery::Breakers>,
    pub downloads: Arc<crate::infra::presign::DownloadVerifier>,
    /// Where each invocation's metrics go: stdout when deployed, memory in the local stack.
    pub metrics: crate::infra::metrics::Emitter,
}

impl App {
    /// A delivery family's stream function: each new event of the batch becomes its jobs on
    /// this function's delivery queue (`crate::infra::delivery`).
    pub async fn enqueue_deliveries<F: delivery::FanOut>(
        &self,
        batch: &StreamEvent,
        family: &mut F,
    ) -> DynamoDbEventResponse {
        let sqs = self.aws.sqs().await;
        delivery::fan_out(sqs, &self.config.delivery_queue_url, batch, family).await
    }

    /// A delivery family's queue function: one try of each job at its destination, with this
    /// function's attempts, backoff and per-tenant concurrency.
    pub async fn deliver<D: delivery::Destination>(
        &self,
        destinations: &D,
        jobs: SqsEvent,
    ) -> SqsBatchResponse {
        let settings = delivery::Settings {
            queue_url: self.config.delivery_queue_url.clone(),
            attempts: self.config.delivery_attempts,
            backoff: std::time::Duration::from_millis(self.config.delivery_backoff_ms),
            tenant_concurrency: self.config.tenant_delivery_concurrency,
        };
        let sqs = self.aws.sqs().await;
        delivery::run_jobs(sqs, &settings, &self.breakers, destinations, jobs).await
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

    /// An application over an empty table in memory (the use-case tests and benchmarks), and
    /// that table. Its AWS clients point at a closed loopback port, so a use case that reaches
    /// beyond the table fails at once instead of reaching anything.
    pub fn in_memory(config: Config) -> (Self, Arc<crate::store::MemoryTable>) {
        let table = Arc::new(crate::store::MemoryTable::new());
        (Self::over_table(config, table.clone()), table)
    }

    /// An application over `table` (memory, or a wrapper of it that a test controls), with
    /// AWS clients that reach nothing, as [`App::in_memory`].
    pub fn over_table(config: Config, table: Arc<dyn crate::store::Table>) -> Self {
        let sdk = SdkConfig::builder()
            .behavior_version(aws_config::BehaviorVersion::latest())
            .region(aws_config::Region::new(config.region.clone()))
            .endpoint_url("http://127.0.0.1:9")
            .credentials_provider(aws_sdk_dynamodb::config::SharedCredentialsProvider::new(
                aws_sdk_dynamodb::config::Credentials::for_tests(),
            ))
            .build();
        let db = Db::over(table, "memory", config.event_ttl_seconds);
        Self::with_parts(config, Arc::new(Aws::with_config(sdk)), db)
    }

    fn with_aws(config: Config, aws: Aws) -> Self {
        let aws = Arc::new(aws);
        let db = Db::new(aws.clone(), &config.table_name, config.event_ttl_seconds);
        Self::with_parts(config, aws, db)
    }

    fn with_parts(config: Config, aws: Arc<Aws>, db: Db) -> Self {
        Self {
            db: db.retaining_finished_offers_for(config.finished_offer_retention_seconds),
            verifier: Arc::new(TokenVerifier::new(&config)),
            machine: Arc::new(MachineVerifier::new(&config)),
            clients: Arc::new(crate::identity::oauth::ClientStates::new(
                std::time::Duration::from_secs(config.machine_client_cache_seconds),
            )),
            breakers: Arc::new(crate::infra::delivery::Breakers::new(
                config.breaker_threshold,
                std::time::Duration::from_secs(config.breaker_cooldown_seconds),
            )),
            downloads: Arc::new(crate::infra::presign::DownloadVerifier::new(&config)),
            metrics: crate::infra::metrics::Emitter::stdout(&config.metrics_namespace),
            config: Arc::new(config),
            aws,
        }
    }
}
