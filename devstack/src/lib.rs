//! The local stack: runs the platform with no Docker and no AWS account.
//!
//! It starts moto on loopback (or uses a given endpoint), creates template.yaml's tables,
//! topics, queues, subscriptions and user pool in it, serves every `HttpApi` route of the
//! template as API Gateway HTTP API v2 events, and drives the stream-triggered functions from
//! the table's stream, honouring `batchItemFailures`. Functions run in-process through the
//! same registry the Lambda binary uses, each with the environment template.yaml gives it.
//! The tests use the same library, so what they exercise is what the README's command runs.

pub mod moto;
pub mod provision;
pub mod seed;
pub mod server;
pub mod streams;
pub mod template;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use aws_config::{BehaviorVersion, Region, SdkConfig};
use functions::registry::Entry;
use shared::App;
use shared::config::Config;

use crate::moto::Moto;
use crate::template::{Context, FunctionDef, Physical, Template};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("template: {0}")]
    Template(String),
    #[error("set-up: {0}")]
    Setup(String),
    #[error("AWS (moto): {0}")]
    Aws(String),
}

/// The repository root (where template.yaml lives), known at build time.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("devstack sits in the workspace")
        .to_path_buf()
}

#[derive(Clone, Debug)]
pub struct Options {
    pub root: PathBuf,
    pub stack_name: String,
    pub region: String,
    /// Use this moto instead of starting one.
    pub endpoint: Option<String>,
    /// Where moto's request log goes when the stack starts moto.
    pub moto_log: Option<PathBuf>,
    /// Settings given to every function on top of template.yaml's (tests tune limits).
    pub environment: BTreeMap<String, String>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            root: repo_root(),
            stack_name: "local".into(),
            region: "us-east-1".into(),
            endpoint: None,
            moto_log: None,
            environment: BTreeMap::new(),
        }
    }
}

/// A function of the template, ready to invoke in-process.
pub struct Function {
    pub def: FunctionDef,
    pub entry: &'static Entry,
    pub app: App,
    pub environment: BTreeMap<String, String>,
}

pub struct Stack {
    _moto: Option<Moto>,
    pub endpoint: String,
    pub sdk: SdkConfig,
    pub context: Context,
    pub functions: Vec<Function>,
    pub options: Options,
    pub(crate) streams: streams::Positions,
}

/// SDK configuration for moto: dummy credentials, fixed region, the loopback endpoint.
pub async fn sdk_config(endpoint: &str, region: &str) -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .endpoint_url(endpoint)
        .region(Region::new(region.to_owned()))
        .test_credentials()
        .load()
        .await
}

impl Stack {
    pub async fn start(options: Options) -> Result<Arc<Self>, Error> {
        let (moto, endpoint) = match &options.endpoint {
            Some(e) => (None, e.trim_end_matches('/').to_owned()),
            None => {
                let moto = Moto::start(&options.root, options.moto_log.as_deref())?;
                let endpoint = moto.endpoint.clone();
                (Some(moto), endpoint)
            }
        };
        let sdk = sdk_config(&endpoint, &options.region).await;
        let template = Template::load(&options.root.join("template.yaml"))?;
        let context =
            provision::provision(&sdk, &template, &options.stack_name, &options.region).await?;

        let mut functions = Vec::new();
        for def in template.functions()? {
            let entry = functions::find(&def.handler).ok_or_else(|| {
                Error::Template(format!(
                    "{}: no handler registered as {:?}",
                    def.logical_id, def.handler
                ))
            })?;
            let mut environment = BTreeMap::new();
            for (k, v) in &def.environment {
                environment.insert(k.clone(), context.resolve(v)?);
            }
            environment.insert("AWS_REGION".into(), options.region.clone());
            environment.insert("AWS_ENDPOINT_URL".into(), endpoint.clone());
            // Hub callbacks may be plain-http receivers on loopback here, never when deployed
            // (template.yaml does not set this).
            environment.insert("ALLOW_LOOPBACK_CALLBACKS".into(), "true".into());
            environment.extend(options.environment.clone());
            let config = Config::from_lookup(|k| environment.get(k).cloned())
                .map_err(|e| Error::Setup(format!("{}: {}", def.logical_id, e)))?;
            let app = App::new(config, &sdk);
            functions.push(Function {
                def,
                entry,
                app,
                environment,
            });
        }
        Ok(Arc::new(Self {
            _moto: moto,
            endpoint,
            sdk,
            context,
            functions,
            options,
            streams: Default::default(),
        }))
    }

    pub fn resource(&self, logical_id: &str) -> Option<&Physical> {
        self.context.resources.get(logical_id)
    }

    pub fn function(&self, handler: &str) -> Option<&Function> {
        self.functions.iter().find(|f| f.def.handler == handler)
    }

    /// An `App` wired like the functions' (for seeding and for tests that inspect state).
    pub fn app(&self) -> &App {
        &self
            .functions
            .first()
            .expect("the template declares functions")
            .app
    }
}
