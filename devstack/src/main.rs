//! `devstack`: the local stack (README command 1).

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::Duration;

use devstack::{Options, Stack};
use tracing_subscriber::EnvFilter;

const USAGE: &str =
    "usage: devstack [--port N] [--host ADDR] [--moto-endpoint URL] [--stack-name NAME] [--no-seed]
       devstack invoke HANDLER [EVENT_FILE | -] [--as USER] [--stack URL] [--timeout SECS]
       devstack invoke --list
       devstack events [--org ID | demand | supply-a | supply-b | spare] [--count N] [--stack URL]
       devstack metrics [--raw] [--stack URL]

Starts moto on loopback (unless --moto-endpoint names a running one), creates template.yaml's
resources in it, serves every HttpApi route on http://HOST:PORT (default 127.0.0.1:3000), runs
the stream-triggered functions from the table stream, and loads demo data and the records the
events/ samples name. Ctrl-C stops it.

invoke runs one handler (its _HANDLER, e.g. offers.outbox.offers.create) on an event, by default
its sample events/HANDLER.json, and prints the payload Lambda would return. It runs this
build's code against the local stack serving --stack (default http://127.0.0.1:3000), or
against one it starts when none is running. Token placeholders in the event are replaced with a
demo user's token: the one the operation needs, or --as sysadmin|demand|supply-a|supply-b|spare.
Ids the samples name are replaced by those of the sample records the local stack loads.

events subscribes a queue to each of the local stack's topics, with the organization's filter
policy when --org is given, and prints every message as one JSON line until Ctrl-C (or N).

metrics prints what the local stack's functions recorded as CloudWatch Embedded Metric Format
documents (what a deployed function writes to its log): per metric and dimension values, a
count's sum or a latency's n, p50, p99 and max; with --raw, the documents themselves, one JSON
line each. invoke prints its invocation's documents on stderr.";

struct Args {
    addr: SocketAddr,
    options: Options,
    seed: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut host = std::env::var("DEVSTACK_HOST").unwrap_or_else(|_| "127.0.0.1".into());
    let mut port: u16 = std::env::var("DEVSTACK_PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(3000);
    let mut options = Options {
        endpoint: std::env::var("MOTO_ENDPOINT").ok(),
        ..Options::default()
    };
    let mut seed = true;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || {
            args.next()
                .ok_or_else(|| format!("{arg} needs a value\n\n{USAGE}"))
        };
        match arg.as_str() {
            "--port" => port = value()?.parse().map_err(|e| format!("--port: {e}"))?,
            "--host" => host = value()?,
            "--moto-endpoint" => options.endpoint = Some(value()?),
            "--stack-name" => options.stack_name = value()?,
            "--no-seed" => seed = false,
            "-h" | "--help" => return Err(USAGE.into()),
            other => return Err(format!("unknown argument {other}\n\n{USAGE}")),
        }
    }
    let addr = format!("{host}:{port}")
        .parse()
        .map_err(|e| format!("address {host}:{port}: {e}"))?;
    Ok(Args {
        addr,
        options,
        seed,
    })
}

#[tokio::main]
async fn main() {
    let mut argv = std::env::args().skip(1).peekable();
    let result = match argv.peek().map(String::as_str) {
        Some("invoke") => invoke(argv.skip(1).collect()).await,
        Some("events") => events(argv.skip(1).collect()).await,
        Some("metrics") => metrics(argv.skip(1).collect()).await,
        _ => serve().await,
    };
    if let Err(message) = result {
        eprintln!("devstack: {message}");
        std::process::exit(1);
    }
}

/// The local stack's address for `invoke` and `events`: `DEVSTACK_PORT`/`DEVSTACK_HOST` as
/// for the stack itself.
fn default_stack_url() -> String {
    format!(
        "http://{}:{}",
        std::env::var("DEVSTACK_HOST").unwrap_or_else(|_| "127.0.0.1".into()),
        std::env::var("DEVSTACK_PORT").unwrap_or_else(|_| "3000".into())
    )
}

/// Takes `--flag VALUE` pairs and positionals out of `args`.
fn options(
    args: Vec<String>,
    flags: &[&str],
) -> Result<(Vec<String>, BTreeMap<String, String>), String> {
    let mut positional = Vec::new();
    let mut named = BTreeMap::new();
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        if arg == "-h" || arg == "--help" {
            return Err(USAGE.into());
        }
        if flags.contains(&arg.as_str()) {
            let value = args
                .next()
                .ok_or_else(|| format!("{arg} needs a value\n\n{USAGE}"))?;
            named.insert(arg, value);
        } else if arg.starts_with("--") && arg != "--list" {
            return Err(format!("unknown option {arg}\n\n{USAGE}"));
        } else {
            positional.push(arg);
        }
    }
    Ok((positional, named))
}

/// The local stack's URL: `--stack`, else the default.
fn stack_url(named: &BTreeMap<String, String>) -> String {
    named
        .get("--stack")
        .cloned()
        .unwrap_or_else(default_stack_url)
}

/// Refuses positional arguments, for the commands that take flags only.
fn no_arguments(positional: &[String]) -> Result<(), String> {
    match positional.first() {
        Some(extra) => Err(format!("unexpected argument {extra}\n\n{USAGE}")),
        None => Ok(()),
    }
}

async fn invoke(args: Vec<String>) -> Result<(), String> {
    use devstack::invoke::{Credentials, Persona};
    init_logs("warn");
    let (positional, named) = options(args, &["--as", "--stack", "--timeout"])?;
    let base = stack_url(&named);
    let timeout = match named.get("--timeout") {
        Some(t) => t.parse().map_err(|e| format!("--timeout: {e}"))?,
        None => 30,
    };
    let persona = match named.get("--as") {
        Some(name) => Some(Persona::parse(name).ok_or_else(|| {
            format!(
                "--as {name}: one of {}",
                Persona::ALL.map(Persona::name).join(", ")
            )
        })?),
        None => None,
    };
    let e = |e: devstack::Error| e.to_string();
    let stack = match devstack::running_stack(&base).await.map_err(e)? {
        Some(layout) => {
            eprintln!(
                "devstack invoke: joining the local stack at {base} (moto {})",
                layout.endpoint
            );
            Stack::attach(&layout, Options::default())
                .await
                .map_err(e)?
        }
        None => {
            eprintln!(
                "devstack invoke: no local stack at {base}; starting one for this call \
                 (scripts/local.sh keeps one running, and its state)"
            );
            let options = Options::default();
            let state_dir = options.root.join(".devstack");
            std::fs::create_dir_all(&state_dir).map_err(|e| e.to_string())?;
            let stack = Stack::start(Options {
                moto_log: Some(state_dir.join("invoke-moto.log")),
                stack_name: "invoke".into(),
                ..options
            })
            .await
            .map_err(e)?;
            stack.seed_demo().await.map_err(e)?;
            // Nothing serves this stack; the hub samples' callback names the usual port.
            stack.seed_samples(3000).await.map_err(e)?;
            stack
        }
    };
    if positional.first().map(String::as_str) == Some("--list") {
        for f in &stack.functions {
            let trigger = f
                .def
                .routes
                .first()
                .map(|r| format!("{} {}", r.method, r.path))
                .unwrap_or_else(|| trigger_of(&f.entry.handler).into());
            println!("{:<58} {trigger}", f.def.handler);
        }
        return Ok(());
    }
    let Some(handler) = positional.first() else {
        return Err(format!("which handler?\n\n{USAGE}"));
    };
    devstack::invoke::function(&stack, handler).map_err(e)?;
    let event: serde_json::Value = match positional.get(1).map(String::as_str) {
        None => devstack::invoke::sample(&stack, handler).map_err(e)?,
        Some("-") => {
            let mut text = String::new();
            std::io::Read::read_to_string(&mut std::io::stdin(), &mut text)
                .map_err(|e| format!("reading the event from stdin: {e}"))?;
            serde_json::from_str(&text).map_err(|e| format!("the event on stdin: {e}"))?
        }
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
            serde_json::from_str(&text).map_err(|e| format!("{path}: {e}"))?
        }
    };
    let event = Credentials::new(&stack)
        .map_err(e)?
        .fill(handler, event, persona)
        .await
        .map_err(e)?;
    // Only this invocation's documents are shown, not the seeding's.
    stack.metrics.take();
    let payload =
        devstack::invoke::invoke_named(&stack, handler, event, Duration::from_secs(timeout))
            .await
            .map_err(e)?;
    println!("{payload}");
    for document in stack.metrics.take() {
        eprintln!("devstack invoke: metrics {document}");
    }
    let function = stack.function(handler).expect("invoked");
    match function.entry.handler {
        functions::Handler::DynamoDbStream(_) | functions::Handler::Queue(_) => eprintln!(
            "devstack invoke: what it published is on the local topics: scripts/events.sh \
             shows them as they arrive"
        ),
        functions::Handler::Http { .. } => {
            let status = payload["statusCode"].as_u64().unwrap_or_default();
            eprintln!("devstack invoke: {handler} answered {status}");
            if status >= 500 {
                return Err(format!("{handler} failed with {status}; its log is above"));
            }
        }
        _ => {}
    }
    Ok(())
}

fn trigger_of(handler: &functions::Handler) -> &'static str {
    match handler {
        functions::Handler::Http { .. } => "HTTP",
        functions::Handler::DynamoDbStream(_) => "DynamoDB stream",
        functions::Handler::Queue(_) => "SQS queue",
        functions::Handler::Schedule(_) => "schedule",
        functions::Handler::Task(_) => "Step Functions task",
    }
}

async fn events(args: Vec<String>) -> Result<(), String> {
    init_logs("warn");
    let (positional, named) = options(args, &["--org", "--stack", "--count"])?;
    no_arguments(&positional)?;
    let base = stack_url(&named);
    let count: Option<usize> = match named.get("--count") {
        Some(n) => Some(n.parse().map_err(|e| format!("--count: {e}"))?),
        None => None,
    };
    let e = |e: devstack::Error| e.to_string();
    let layout = devstack::running_stack(&base)
        .await
        .map_err(e)?
        .ok_or_else(|| format!("no local stack at {base}: start it with scripts/local.sh"))?;
    let org = named
        .get("--org")
        .map(|o| match o.as_str() {
            "demand" => devstack::seed::DEMAND_ORG,
            "supply-a" => devstack::seed::SUPPLY_A_ORG,
            "supply-b" => devstack::seed::SUPPLY_B_ORG,
            "spare" => devstack::samples::SPARE_ORG,
            id => id,
        })
        .map(|o| {
            o.parse::<shared::kernel::ids::OrgId>()
                .map_err(|err| format!("--org: {o} is not an organization id ({err})"))
        })
        .transpose()?;
    let stack = Stack::attach(&layout, Options::default())
        .await
        .map_err(e)?;
    let watch = devstack::watch::Watch::start(stack.app(), org.into_iter().collect())
        .await
        .map_err(e)?;
    eprintln!(
        "devstack events: watching {} topics of {base} for {} (Ctrl-C stops)",
        watch.topics(),
        org.map(|o| format!("organization {o}"))
            .unwrap_or_else(|| "every organization".into())
    );
    let mut seen = 0;
    let outcome = loop {
        tokio::select! {
            _ = tokio::signal::ctrl_c() => break Ok(()),
            lines = watch.next(5) => match lines {
                Ok(lines) => {
                    for line in lines {
                        println!("{line}");
                        seen += 1;
                    }
                    if count.is_some_and(|n| seen >= n) {
                        break Ok(());
                    }
                }
                Err(err) => break Err(err.to_string()),
            },
        }
    };
    watch.stop().await.map_err(e)?;
    outcome
}

async fn metrics(args: Vec<String>) -> Result<(), String> {
    let raw = args.iter().any(|a| a == "--raw");
    let args = args.into_iter().filter(|a| a != "--raw").collect();
    let (positional, named) = options(args, &["--stack"])?;
    no_arguments(&positional)?;
    let base = stack_url(&named);
    let url = format!(
        "{}{}",
        base.trim_end_matches('/'),
        devstack::server::METRICS_PATH
    );
    let body: serde_json::Value = reqwest::get(&url)
        .await
        .map_err(|e| format!("{url}: {e} (is scripts/local.sh running?)"))?
        .error_for_status()
        .map_err(|e| format!("{url}: {e}"))?
        .json()
        .await
        .map_err(|e| format!("{url}: {e}"))?;
    let documents = body["documents"].as_array().cloned().unwrap_or_default();
    if raw {
        for d in &documents {
            println!("{d}");
        }
    } else {
        println!("namespace {}\n", body["namespace"].as_str().unwrap_or("?"));
        print!("{}", devstack::metrics::summary(&documents));
    }
    Ok(())
}

fn init_logs(default: &str) {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default)),
        )
        .init();
}

async fn serve() -> Result<(), String> {
    let args = match parse_args() {
        Ok(a) => a,
        Err(message) => {
            eprintln!("{message}");
            std::process::exit(2);
        }
    };
    init_logs("info,aws=warn,hyper=warn");
    run(args).await.map_err(|e| e.to_string())
}

async fn run(args: Args) -> Result<(), devstack::Error> {
    let state_dir = args.options.root.join(".devstack");
    std::fs::create_dir_all(&state_dir).map_err(|e| devstack::Error::Setup(e.to_string()))?;
    let options = Options {
        moto_log: Some(state_dir.join("moto.log")),
        metrics_log: Some(state_dir.join("metrics.jsonl")),
        ..args.options
    };
    let stack = Stack::start(options).await?;
    let watch = stack.spawn_emulator_watch(Duration::from_millis(250));
    let server = devstack::server::serve(stack.clone(), args.addr).await?;
    let demo = if args.seed {
        let demo = stack.seed_demo().await?;
        stack.seed_samples(server.addr.port()).await?;
        // The sample records' events are published and delivered before the stack says it
        // is up, so a subscriber that starts then sees only what happens after.
        stack.pump_until_idle().await?;
        Some(demo)
    } else {
        None
    };
    let pump = stack.spawn_stream_pump(Duration::from_millis(250));
    let queue_pump = stack.spawn_queue_pump(Duration::from_millis(250));
    let scheduler = stack.spawn_scheduler();
    let executions = stack.spawn_execution_runner(Duration::from_millis(250));

    println!("\nLocal stack is up.");
    println!("  API           http://{}", server.addr);
    println!(
        "  health        http://{}{}  (the emulator's state; not a published API)",
        server.addr,
        devstack::server::HEALTH_PATH
    );
    println!(
        "  metrics       http://{}{}  (EMF documents, also in .devstack/metrics.jsonl; scripts/metrics.sh summarizes)",
        server.addr,
        devstack::server::METRICS_PATH
    );
    println!(
        "  moto          {}  (AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION={})",
        stack.endpoint, stack.options.region
    );
    println!(
        "  functions     {} ({} HTTP routes)",
        stack.functions.len(),
        stack
            .functions
            .iter()
            .map(|f| f.def.routes.len())
            .sum::<usize>()
    );
    for (id, r) in &stack.context.resources {
        if let Some(arn) = r
            .attrs
            .get("TopicArn")
            .or_else(|| r.attrs.get("StreamArn"))
            .or_else(|| r.attrs.get("QueueUrl"))
        {
            println!("  {id:<28}{arn}");
        } else if id.contains("UserPool") {
            println!("  {id:<28}{}", r.reference);
        }
    }
    if let Some(demo) = demo {
        println!("\nDemo users (log in with POST /auth/v1/login):");
        let spare = stack.samples().map(|s| &s.spare);
        for u in [
            &demo.sys_admin,
            &demo.demand,
            &demo.supply_a,
            &demo.supply_b,
        ]
        .into_iter()
        .chain(spare)
        {
            let org = u
                .organization
                .as_ref()
                .map(|o| format!("{} ({})", o.name, o.id))
                .unwrap_or_else(|| "-".into());
            println!(
                "  {:<28} {:<20} {:<10} {}",
                u.email, u.password, u.group, org
            );
        }
        let m = &demo.machine;
        println!(
            "\nDemo machine client (POST /auth/realms/{}/protocol/openid-connect/token):",
            m.tenant
        );
        println!(
            "  client_id {}  client_secret {}  tenant {}  scopes: all",
            m.client_id, m.secret, m.tenant
        );
    }
    println!("\nCtrl-C stops the stack.");
    tokio::signal::ctrl_c()
        .await
        .map_err(|e| devstack::Error::Setup(e.to_string()))?;
    if let Some(watch) = watch {
        watch.abort();
    }
    pump.abort();
    queue_pump.abort();
    scheduler.abort();
    executions.abort();
    drop(server);
    println!("Stopped.");
    Ok(())
}
