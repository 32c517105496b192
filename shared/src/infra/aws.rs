//! The AWS SDK configuration and clients, each built once, when first needed: the one thing
//! the stores, the signers and the senders all take, so it sits below all of them.

use aws_config::SdkConfig;
use tokio::sync::OnceCell;

use crate::infra::xray::XRayInterceptor;

/// The client of one service over `sdk`, its calls traced to X-Ray when `xray` is on.
macro_rules! client {
    ($service:ident, $sdk:expr, $xray:expr) => {{
        let mut config = $service::config::Builder::from($sdk);
        if let Some(xray) = $xray {
            config = config.interceptor(xray.clone());
        }
        $service::Client::from_conf(config.build())
    }};
}

/// The AWS SDK configuration and clients, each built once, when first needed.
#[derive(Default)]
pub struct Aws {
    /// On in a function with `Tracing: Active` (an X-Ray daemon beside it).
    xray: Option<XRayInterceptor>,
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
        Self {
            xray: XRayInterceptor::from_env(),
            ..Self::default()
        }
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
            .get_or_init(|| async { client!(aws_sdk_dynamodb, sdk, &self.xray) })
            .await
    }

    pub async fn sns(&self) -> &aws_sdk_sns::Client {
        let sdk = self.sdk().await;
        self.sns
            .get_or_init(|| async { client!(aws_sdk_sns, sdk, &self.xray) })
            .await
    }

    pub async fn kms(&self) -> &aws_sdk_kms::Client {
        let sdk = self.sdk().await;
        self.kms
            .get_or_init(|| async { client!(aws_sdk_kms, sdk, &self.xray) })
            .await
    }

    pub async fn sqs(&self) -> &aws_sdk_sqs::Client {
        let sdk = self.sdk().await;
        self.sqs
            .get_or_init(|| async { client!(aws_sdk_sqs, sdk, &self.xray) })
            .await
    }

    pub async fn sfn(&self) -> &aws_sdk_sfn::Client {
        let sdk = self.sdk().await;
        self.sfn
            .get_or_init(|| async { client!(aws_sdk_sfn, sdk, &self.xray) })
            .await
    }

    pub async fn cognito(&self) -> &aws_sdk_cognitoidentityprovider::Client {
        let sdk = self.sdk().await;
        self.cognito
            .get_or_init(|| async { client!(aws_sdk_cognitoidentityprovider, sdk, &self.xray) })
            .await
    }
}
