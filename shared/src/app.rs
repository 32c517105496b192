//! What a handler is given: configuration and the AWS clients, built once per execution
//! environment (at cold start) and borrowed by every invocation.

use std::sync::Arc;

use aws_config::SdkConfig;

use crate::auth::TokenVerifier;
use crate::config::Config;
use crate::db::Db;
use crate::error::ApiError;

#[derive(Clone)]
pub struct App {
    pub config: Arc<Config>,
    pub db: Db,
    pub sns: aws_sdk_sns::Client,
    pub cognito: aws_sdk_cognitoidentityprovider::Client,
    pub verifier: Arc<TokenVerifier>,
}

impl App {
    /// Builds the clients from the standard AWS environment (credentials, region and, for the
    /// local stack, `AWS_ENDPOINT_URL`). Constructing clients does no I/O.
    pub async fn from_env() -> Result<Self, ApiError> {
        let config = Config::from_env()?;
        let sdk = aws_config::load_from_env().await;
        Ok(Self::new(config, &sdk))
    }

    pub fn new(config: Config, sdk: &SdkConfig) -> Self {
        let dynamo = aws_sdk_dynamodb::Client::new(sdk);
        let verifier = TokenVerifier::new(&config);
        Self {
            db: Db::new(dynamo, &config.table_name, config.event_ttl_seconds),
            sns: aws_sdk_sns::Client::new(sdk),
            cognito: aws_sdk_cognitoidentityprovider::Client::new(sdk),
            verifier: Arc::new(verifier),
            config: Arc::new(config),
        }
    }
}
