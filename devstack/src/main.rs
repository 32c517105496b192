//! `devstack`: the local stack (README command 1).

use std::net::SocketAddr;
use std::time::Duration;

use devstack::{Options, Stack};
use tracing_subscriber::EnvFilter;

const USAGE: &str =
    "usage: devstack [--port N] [--host ADDR] [--moto-endpoint URL] [--stack-name NAME] [--no-seed]

Starts moto on loopback (unless --moto-endpoint names a running one), creates template.yaml's
resources in it, serves every HttpApi route on http://HOST:PORT (default 127.0.0.1:3000), runs
the stream-triggered functions from the table stream, and loads demo data. Ctrl-C stops it.";

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
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| EnvFilter::new("info,aws=warn,hyper=warn")),
        )
        .init();
    let args = match parse_args() {
        Ok(a) => a,
        Err(message) => {
            eprintln!("{message}");
            std::process::exit(2);
        }
    };
    if let Err(e) = run(args).await {
        eprintln!("devstack: {e}");
        std::process::exit(1);
    }
}

async fn run(args: Args) -> Result<(), devstack::Error> {
    let state_dir = args.options.root.join(".devstack");
    std::fs::create_dir_all(&state_dir).map_err(|e| devstack::Error::Setup(e.to_string()))?;
    let options = Options {
        moto_log: Some(state_dir.join("moto.log")),
        ..args.options
    };
    let stack = Stack::start(options).await?;
    let watch = stack.spawn_emulator_watch(Duration::from_millis(250));
    let server = devstack::server::serve(stack.clone(), args.addr).await?;
    let pump = stack.spawn_stream_pump(Duration::from_millis(250));
    let queue_pump = stack.spawn_queue_pump(Duration::from_millis(250));
    let scheduler = stack.spawn_scheduler();
    let executions = stack.spawn_execution_runner(Duration::from_millis(250));
    let demo = if args.seed {
        Some(stack.seed_demo().await?)
    } else {
        None
    };

    println!("\nLocal stack is up.");
    println!("  API           http://{}", server.addr);
    println!(
        "  health        http://{}{}  (the emulator's state; not a published API)",
        server.addr,
        devstack::server::HEALTH_PATH
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
        for u in [
            &demo.sys_admin,
            &demo.demand,
            &demo.supply_a,
            &demo.supply_b,
        ] {
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
