//! The local stack: runs the platform with no Docker and no AWS account.
//!
//! It starts moto on loopback (or uses a given endpoint), creates template.yaml's tables,
//! topics, queues, subscriptions and user pool in it, serves every `HttpApi` route of the
//! template as API Gateway HTTP API v2 events, and drives the stream-triggered functions from
//! the table's stream, honouring `batchItemFailures`. Functions run in-process through the
//! same registry the Lambda binary uses, each with the environment template.yaml gives it.
//! The tests use the same library, so what they exercise is what the README's command runs.

pub mod executions;
pub mod invoke;
pub mod metrics;
pub mod moto;
pub mod provision;
pub mod queues;
pub mod samples;
pub mod seed;
pub mod server;
pub mod streams;
pub mod template;
pub mod watch;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use aws_config::{BehaviorVersion, Region, SdkConfig};
use functions::handler::Entry;
use shared::App;
use shared::infra::config::Config;

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
    /// Where the functions' metrics documents are appended, besides memory
    /// ([`metrics::LocalMetrics`]).
    pub metrics_log: Option<PathBuf>,
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
            metrics_log: None,
        }
    }
}

/// A function of the template, ready to invoke in-process.
pub struct Function {
    pub def: FunctionDef,
    /// What `Fn::GetAtt <function>.Arn` resolves to (a state machine's Task names it).
    pub arn: String,
    pub entry: &'static Entry,
    pub app: App,
    pub environment: BTreeMap<String, String>,
    /// `def.streams`, resolved: the stream ARN and the on-failure queue's URL.
    pub streams: Vec<ResolvedStream>,
    /// `def.queues`, resolved.
    pub queues: Vec<ResolvedQueue>,
}

/// A queue trigger, resolved.
#[derive(Clone, Debug)]
pub struct ResolvedQueue {
    pub queue_arn: String,
    pub queue_url: String,
    pub batch_size: usize,
}

#[derive(Clone, Debug)]
pub struct ResolvedStream {
    pub stream_arn: String,
    pub on_failure_queue_url: Option<String>,
}

pub struct Stack {
    moto: Option<Moto>,
    pub endpoint: String,
    pub sdk: SdkConfig,
    /// The root template's names.
    pub context: Context,
    /// Each nested application's names, by its logical id in the root template.
    pub nested: BTreeMap<String, Context>,
    pub functions: Vec<Function>,
    pub options: Options,
    pub(crate) streams: streams::Positions,
    pub state_machines: Vec<executions::LocalStateMachine>,
    /// How each execution the stack ran ended, by execution ARN.
    pub(crate) executions: tokio::sync::Mutex<BTreeMap<String, executions::Outcome>>,
    /// The demo data, once loaded (or the running stack's, when attached).
    pub(crate) demo: std::sync::OnceLock<seed::Demo>,
    /// The records the `events/` samples point at, once loaded ([`Stack::seed_samples`]).
    pub(crate) samples: std::sync::OnceLock<seed::Samples>,
    /// What the functions' invocations recorded: their EMF documents, as a deployed function
    /// writes them to its log.
    pub metrics: Arc<metrics::LocalMetrics>,
    /// Bumped by every request served and every poll that found work: wakes the pollers,
    /// which otherwise back off while idle ([`IDLE_POLL`]).
    activity: tokio::sync::watch::Sender<u64>,
}

/// The longest a poller waits while nothing happens: the delay a write made by another
/// process (`scripts/invoke.sh`) may see before its stream records are handed over.
pub const IDLE_POLL: std::time::Duration = std::time::Duration::from_secs(2);

/// The URL of the queue an ARN names (`arn:aws:sqs:<region>:<account>:<name>`).
async fn queue_url(sdk: &SdkConfig, arn: &str) -> Result<String, Error> {
    let name = arn.rsplit(':').next().unwrap_or_default();
    aws_sdk_sqs::Client::new(sdk)
        .get_queue_url()
        .queue_name(name)
        .send()
        .await
        .map_err(|e| Error::Aws(format!("GetQueueUrl {name}: {e:?}")))?
        .queue_url
        .ok_or_else(|| Error::Aws(format!("no URL for queue {name}")))
}

fn task_of<'a>(
    functions: &'a [Function],
    arn: &str,
) -> Option<(&'a Function, functions::handler::TaskFn)> {
    functions
        .iter()
        .find(|f| f.arn == arn)
        .and_then(|f| match f.entry.handler {
            functions::Handler::Task(call) => Some((f, call)),
            _ => None,
        })
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

/// What another process needs to join a running local stack (`devstack invoke`,
/// `devstack events`): its emulator, the names it created and its demo data. The running
/// stack serves it on [`server::STACK_PATH`].
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Layout {
    pub endpoint: String,
    pub stack_name: String,
    pub region: String,
    pub context: Context,
    pub nested: BTreeMap<String, Context>,
    /// `None` when the stack was started with `--no-seed`.
    pub demo: Option<seed::Demo>,
    /// `None` until the sample records are loaded, and with `--no-seed`.
    #[serde(default)]
    pub samples: Option<seed::Samples>,
}

impl Stack {
    /// Starts moto (unless `options.endpoint` names one), creates template.yaml's resources
    /// in it and readies every function.
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
        let mut nested = BTreeMap::new();
        for app in template.applications()? {
            let ctx = provision::provision_nested(&sdk, &context, &app).await?;
            nested.insert(app.logical_id.clone(), ctx);
        }
        Self::assemble(moto, endpoint, sdk, &template, context, nested, options).await
    }

    /// Joins the stack `layout` describes (another process's) without creating anything:
    /// its functions run here, on this build's code, against that stack's resources.
    pub async fn attach(layout: &Layout, options: Options) -> Result<Arc<Self>, Error> {
        let options = Options {
            stack_name: layout.stack_name.clone(),
            region: layout.region.clone(),
            endpoint: Some(layout.endpoint.clone()),
            ..options
        };
        let sdk = sdk_config(&layout.endpoint, &layout.region).await;
        let template = Template::load(&options.root.join("template.yaml"))?;
        let stack = Self::assemble(
            None,
            layout.endpoint.clone(),
            sdk,
            &template,
            layout.context.clone(),
            layout.nested.clone(),
            options,
        )
        .await?;
        if let Some(demo) = &layout.demo {
            let _ = stack.demo.set(demo.clone());
        }
        if let Some(samples) = &layout.samples {
            let _ = stack.samples.set(samples.clone());
        }
        Ok(stack)
    }

    /// This stack's [`Layout`].
    pub fn layout(&self) -> Layout {
        Layout {
            endpoint: self.endpoint.clone(),
            stack_name: self.options.stack_name.clone(),
            region: self.options.region.clone(),
            context: self.context.clone(),
            nested: self.nested.clone(),
            demo: self.demo().cloned(),
            samples: self.samples().cloned(),
        }
    }

    /// Readies every function of the template with the environment the template gives it,
    /// resolved in the names of `context` and `nested`.
    async fn assemble(
        moto: Option<Moto>,
        endpoint: String,
        sdk: SdkConfig,
        template: &Template,
        context: Context,
        nested: BTreeMap<String, Context>,
        options: Options,
    ) -> Result<Arc<Self>, Error> {
        let local_metrics = Arc::new(metrics::LocalMetrics::new(options.metrics_log.as_deref())?);
        let mut functions = Vec::new();
        for def in template.all_functions()? {
            let entry = functions::find(&def.handler).ok_or_else(|| {
                Error::Template(format!(
                    "{}: no handler registered as {:?}",
                    def.logical_id, def.handler
                ))
            })?;
            let ctx = match &def.stack {
                Some(app) => &nested[app],
                None => &context,
            };
            let mut environment = BTreeMap::new();
            for (k, v) in &def.environment {
                environment.insert(k.clone(), ctx.resolve(v)?);
            }
            environment.insert("AWS_REGION".into(), options.region.clone());
            environment.insert("AWS_ENDPOINT_URL".into(), endpoint.clone());
            // Hub callbacks may be plain-http receivers on loopback here, never when deployed
            // (template.yaml does not set this).
            environment.insert("ALLOW_LOOPBACK_CALLBACKS".into(), "true".into());
            // Moto delivers to SQS but cannot reach https endpoints: queues stand in locally.
            environment.insert("ALLOW_SQS_SUBSCRIPTIONS".into(), "true".into());
            environment.extend(options.environment.clone());
            let config = Config::from_lookup(|k| environment.get(k).cloned())
                .map_err(|e| Error::Setup(format!("{}: {}", def.logical_id, e)))?;
            let mut streams = Vec::new();
            for trigger in &def.streams {
                let on_failure_queue_url = match &trigger.on_failure {
                    Some(arn) => Some(queue_url(&sdk, &ctx.resolve(arn)?).await?),
                    None => None,
                };
                streams.push(ResolvedStream {
                    stream_arn: ctx.resolve(&trigger.stream)?,
                    on_failure_queue_url,
                });
            }
            let mut queues = Vec::new();
            for trigger in &def.queues {
                let queue_arn = ctx.resolve(&trigger.queue)?;
                queues.push(ResolvedQueue {
                    queue_url: queue_url(&sdk, &queue_arn).await?,
                    queue_arn,
                    batch_size: trigger.batch_size,
                });
            }
            let mut app = App::new(config, &sdk);
            app.metrics = app.metrics.with_sink(local_metrics.clone());
            let arn = ctx
                .resources
                .get(&def.logical_id)
                .and_then(|p| p.attrs.get("Arn"))
                .cloned()
                .unwrap_or_default();
            functions.push(Function {
                arn,
                def,
                entry,
                app,
                environment,
                streams,
                queues,
            });
        }
        let mut state_machines = Vec::new();
        for machine in template.all_state_machines()? {
            let ctx = match &machine.stack {
                Some(app) => &nested[app],
                None => &context,
            };
            let definition = executions::Definition::parse(&machine.render(ctx)?)
                .map_err(|e| Error::Template(format!("{}: {e}", machine.logical_id)))?;
            for resource in definition.task_resources() {
                if task_of(&functions, resource).is_none() {
                    return Err(Error::Template(format!(
                        "{}: the Task resource {resource} is not a function with a Task handler",
                        machine.logical_id
                    )));
                }
            }
            state_machines.push(executions::LocalStateMachine {
                arn: ctx.resolve(&serde_json::json!({ "Ref": machine.logical_id }))?,
                logical_id: machine.logical_id,
                definition,
            });
        }
        Ok(Arc::new(Self {
            moto,
            endpoint,
            sdk,
            context,
            nested,
            functions,
            options,
            streams: Default::default(),
            state_machines,
            executions: Default::default(),
            demo: Default::default(),
            samples: Default::default(),
            metrics: local_metrics,
            activity: tokio::sync::watch::channel(0).0,
        }))
    }

    /// Invokes every schedule-triggered function as EventBridge would at `time`. The local
    /// stack calls this once a minute; tests call it with the times they choose.
    pub async fn run_schedules(&self, time: shared::kernel::time::Timestamp) -> Result<(), Error> {
        for f in self
            .functions
            .iter()
            .filter(|f| !f.def.schedules.is_empty())
        {
            self.invoke_schedule(&f.def.handler, time).await?;
        }
        Ok(())
    }

    /// Invokes one schedule-triggered function with the scheduled event of `time`.
    pub async fn invoke_schedule(
        &self,
        handler: &str,
        time: shared::kernel::time::Timestamp,
    ) -> Result<serde_json::Value, Error> {
        let f = self
            .function(handler)
            .ok_or_else(|| Error::Setup(format!("no function runs {handler}")))?;
        let functions::Handler::Schedule(call) = f.entry.handler else {
            return Err(Error::Setup(format!("{handler} is not scheduled")));
        };
        call(&f.app, time)
            .await
            .map_err(|e| Error::Setup(format!("{handler}: {e}")))
    }

    /// Runs the scheduled functions at the start of every minute, like an EventBridge
    /// `rate(1 minute)` schedule.
    pub fn spawn_scheduler(self: &Arc<Self>) -> tokio::task::JoinHandle<()> {
        let stack = self.clone();
        tokio::spawn(async move {
            loop {
                let now = shared::kernel::time::now();
                let into_minute = now.timestamp_millis().rem_euclid(60_000) as u64;
                tokio::time::sleep(std::time::Duration::from_millis(60_000 - into_minute)).await;
                if let Err(e) = stack.run_schedules(shared::kernel::time::now()).await {
                    tracing::warn!(error = %e, "scheduled functions");
                }
            }
        })
    }

    pub fn resource(&self, logical_id: &str) -> Option<&Physical> {
        self.context.resources.get(logical_id)
    }

    /// The function a state machine's Task state with this resource ARN runs, and its
    /// Task handler.
    pub fn task(&self, arn: &str) -> Option<(&Function, functions::handler::TaskFn)> {
        task_of(&self.functions, arn)
    }

    /// Wakes the background pollers now (a request was served; there may be work).
    pub fn nudge(&self) {
        self.activity.send_modify(|n| *n = n.wrapping_add(1));
    }

    /// Runs `poll` in the background, logging what fails: the local stand-in for the AWS
    /// services that poll (event source mappings, Step Functions). It polls every `every`
    /// while there is work, doubles the wait after each idle poll up to [`IDLE_POLL`], and
    /// polls again at once when [`Stack::nudge`]d, so an idle stack costs next to nothing and
    /// a request's events still go out within `every`.
    pub(crate) fn spawn_polling<F, Fut>(
        self: &Arc<Self>,
        every: std::time::Duration,
        what: &'static str,
        poll: F,
    ) -> tokio::task::JoinHandle<()>
    where
        F: Fn(Arc<Self>) -> Fut + Send + 'static,
        Fut: std::future::Future<Output = Result<usize, Error>> + Send,
    {
        let stack = self.clone();
        let mut woken = self.activity.subscribe();
        tokio::spawn(async move {
            let mut wait = every;
            loop {
                match poll(stack.clone()).await {
                    Ok(0) => wait = (wait * 2).min(IDLE_POLL.max(every)),
                    Ok(_) => {
                        wait = every;
                        // Work here may be work for another poller (a stream function
                        // enqueues deliveries).
                        stack.nudge();
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "{what}");
                        wait = every;
                    }
                }
                tokio::select! {
                    _ = tokio::time::sleep(wait) => {}
                    _ = woken.changed() => wait = every,
                }
            }
        })
    }

    /// The moto this stack started (`None` when it uses a running one, `--moto-endpoint`).
    pub fn emulator(&self) -> Option<&Moto> {
        self.moto.as_ref()
    }

    /// Ends the process, saying why, within a poll of `every` of moto's exit: without its
    /// emulator the stack would answer 500 to everything and say nothing.
    pub fn spawn_emulator_watch(
        self: &Arc<Self>,
        every: std::time::Duration,
    ) -> Option<tokio::task::JoinHandle<()>> {
        let stack = self.clone();
        self.moto.as_ref()?;
        Some(tokio::spawn(async move {
            let moto = stack.moto.as_ref().expect("checked above");
            let mut last_rss = None;
            loop {
                if let Some(status) = moto.exited() {
                    let rss = last_rss
                        .map(|m| format!("{m} MiB"))
                        .unwrap_or_else(|| "unknown".into());
                    eprintln!(
                        "devstack: moto (pid {}) exited ({status}); its resident memory was last \
                         {rss}. Every request would now fail, so the local stack stops. moto's \
                         log: .devstack/moto.log",
                        moto.pid
                    );
                    std::process::exit(1);
                }
                last_rss = moto.rss_mib().or(last_rss);
                tokio::time::sleep(every).await;
            }
        }))
    }

    /// The demo data this stack loaded ([`Stack::seed_demo`]), if any.
    pub fn demo(&self) -> Option<&seed::Demo> {
        self.demo.get()
    }

    /// The records the samples point at ([`Stack::seed_samples`]), if loaded.
    pub fn samples(&self) -> Option<&seed::Samples> {
        self.samples.get()
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

/// The layout of the local stack serving `base` (`http://127.0.0.1:3000`), or `None` when
/// nothing answers there.
pub async fn running_stack(base: &str) -> Result<Option<Layout>, Error> {
    let url = format!("{}{}", base.trim_end_matches('/'), server::STACK_PATH);
    let client = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(5))
        .build()
        .map_err(|e| Error::Setup(e.to_string()))?;
    let response = match client.get(&url).send().await {
        Ok(r) => r,
        Err(e) if e.is_connect() => return Ok(None),
        Err(e) => return Err(Error::Setup(format!("{url}: {e}"))),
    };
    if !response.status().is_success() {
        return Err(Error::Setup(format!(
            "{url} answered {}: is a local stack of this version serving there?",
            response.status()
        )));
    }
    response
        .json()
        .await
        .map(Some)
        .map_err(|e| Error::Setup(format!("{url}: {e}")))
}
