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
                let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest())
                    .http_client(crate::infra::tls::aws_http_client());
                // Lambda puts a function's credentials and region in its environment, where
                // the default chains look first and stop. Naming that provider when it will
                // answer skips building the chains' other providers (the web identity one
                // builds a whole STS client; IMDS and profiles): 1 M instructions of a
                // function's first request (docs/performance.md, "The first invocation").
                let env = |name: &str| std::env::var(name).ok();
                if credentials_in_env(env) {
                    loader = loader.credentials_provider(
                        aws_config::environment::EnvironmentVariableCredentialsProvider::new(),
                    );
                }
                if region_in_env(env) {
                    loader = loader
                        .region(aws_config::environment::EnvironmentVariableRegionProvider::new());
                }
                loader.load()
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

/// Whether the environment provider of the default credentials chain, its first, would answer:
/// an access key and a secret key, neither blank (the names and rule of
/// `aws_config::environment::EnvironmentVariableCredentialsProvider`).
fn credentials_in_env(env: impl Fn(&str) -> Option<String>) -> bool {
    let set = |name: &str| env(name).is_some_and(|v| !v.trim().is_empty());
    set("AWS_ACCESS_KEY_ID") && (set("AWS_SECRET_ACCESS_KEY") || set("SECRET_ACCESS_KEY"))
}

/// Whether the environment provider of the default region chain, its first, would answer (it
/// takes any value of either variable).
fn region_in_env(env: impl Fn(&str) -> Option<String>) -> bool {
    env("AWS_REGION").is_some() || env("AWS_DEFAULT_REGION").is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[test]
    fn the_environment_provider_is_named_only_where_the_chain_would_stop_at_it() {
        // Lambda's environment.
        let lambda = [
            ("AWS_ACCESS_KEY_ID", "AKIA"),
            ("AWS_SECRET_ACCESS_KEY", "secret"),
            ("AWS_SESSION_TOKEN", "token"),
            ("AWS_REGION", "ca-central-1"),
        ];
        assert!(credentials_in_env(env(&lambda)));
        assert!(region_in_env(env(&lambda)));
        assert!(credentials_in_env(env(&[
            ("AWS_ACCESS_KEY_ID", "AKIA"),
            ("SECRET_ACCESS_KEY", "secret")
        ])));
        assert!(region_in_env(env(&[("AWS_DEFAULT_REGION", "us-east-1")])));
        // Otherwise the default chains run, profiles, web identity and IMDS included.
        assert!(!credentials_in_env(env(&[])));
        assert!(!credentials_in_env(env(&[("AWS_ACCESS_KEY_ID", "AKIA")])));
        assert!(!credentials_in_env(env(&[
            ("AWS_ACCESS_KEY_ID", " "),
            ("AWS_SECRET_ACCESS_KEY", "secret")
        ])));
        assert!(!region_in_env(env(&[])));
    }
}
