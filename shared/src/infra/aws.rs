//! The AWS SDK configuration and clients, each built once, when first needed: the one thing
//! the stores, the signers and the senders all take, so it sits below all of them.

use aws_config::SdkConfig;
use tokio::sync::OnceCell;

/// The AWS SDK configuration and clients, each built once, when first needed.
#[derive(Default)]
pub struct Aws {
    sdk: OnceCell<SdkConfig>,
    dynamodb: OnceCell<aws_sdk_dynamodb::Client>,
    sns: OnceCell<aws_sdk_sns::Client>,
    cognito: OnceCell<aws_sdk_cognitoidentityprovider::Client>,
    kms: OnceCell<aws_sdk_kms::Client>,
    sqs: OnceCell<aws_sdk_sqs::Client>,
    sfn: OnceCell<aws_sdk_sfn::Client>,
}

impl Aws {
    /// Clients from the standard AWS environment (credentials, region and, for the local
    /// stack, `AWS_ENDPOINT_URL`), loaded on first use.
    pub fn from_env() -> Self {
        Self::default()
    }

    /// Clients from a given configuration (the local stack and tests point it at moto).
    pub fn with_config(sdk: SdkConfig) -> Self {
        Self {
            sdk: OnceCell::new_with(Some(sdk)),
            ..Self::default()
        }
    }

    pub async fn sdk(&self) -> &SdkConfig {
        self.sdk
            .get_or_init(|| {
                aws_config::defaults(aws_config::BehaviorVersion::latest())
                    .http_client(crate::infra::tls::aws_http_client())
                    .load()
            })
            .await
    }

    pub async fn dynamodb(&self) -> &aws_sdk_dynamodb::Client {
        let sdk = self.sdk().await;
        self.dynamodb
            .get_or_init(|| async { aws_sdk_dynamodb::Client::new(sdk) })
            .await
    }

    pub async fn sns(&self) -> &aws_sdk_sns::Client {
        let sdk = self.sdk().await;
        self.sns
            .get_or_init(|| async { aws_sdk_sns::Client::new(sdk) })
            .await
    }

    pub async fn kms(&self) -> &aws_sdk_kms::Client {
        let sdk = self.sdk().await;
        self.kms
            .get_or_init(|| async { aws_sdk_kms::Client::new(sdk) })
            .await
    }

    pub async fn sqs(&self) -> &aws_sdk_sqs::Client {
        let sdk = self.sdk().await;
        self.sqs
            .get_or_init(|| async { aws_sdk_sqs::Client::new(sdk) })
            .await
    }

    pub async fn sfn(&self) -> &aws_sdk_sfn::Client {
        let sdk = self.sdk().await;
        self.sfn
            .get_or_init(|| async { aws_sdk_sfn::Client::new(sdk) })
            .await
    }

    pub async fn cognito(&self) -> &aws_sdk_cognitoidentityprovider::Client {
        let sdk = self.sdk().await;
        self.cognito
            .get_or_init(|| async { aws_sdk_cognitoidentityprovider::Client::new(sdk) })
            .await
    }
}
