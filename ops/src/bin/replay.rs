//! `replay`: lists and replays what the platform parked (docs/operations.md).

use std::time::Duration;

use ops::parked::{Body, Consumer, Entry, Redrive, Source, Unit};
use ops::replay::{self, Options, Outcome};
use ops::select::parse_time;
use ops::targets::Targets;

const USAGE: &str = "usage: replay list    WHERE [SELECTION] [--json]
       replay run     WHERE [SELECTION] [--force] [--keep] [--dry-run] [--json]
       replay discard WHERE --entry ID

Lists the entries parked on the stream failure queue and the Event Collector's and hub's
dead-letter queues, one line per event and destination, or replays the selected ones: the
same event, with the same event_id, through the code that delivered it first. A replay is
recorded per event and destination; replaying it again does nothing unless --force. An entry
is deleted from its queue once all of it is replayed (--keep leaves it). discard deletes an
entry that cannot be replayed. docs/operations.md has the details.

WHERE:
  --local [URL]          the local stack of scripts/local.sh (default http://127.0.0.1:3000)
  --outputs FILE         the root stack's outputs as JSON ('-': stdin), e.g. from
                         aws cloudformation describe-stacks --stack-name NAME \\
                             --query 'Stacks[0].Outputs' > outputs.json
                         (credentials and region: the standard AWS environment)
SELECTION (every one given must hold):
  --source stream|collector|hub   the queue (repeatable; default all three)
  --since TIME, --until TIME      when the event happened: RFC 3339 or an age (90m, 6h, 2d)
  --tenant ID                     the organization id or the tenant
  --event-type NAME               OfferMatched, CUSTOMER.CREATE, a Listener eventType
  --destination TEXT              part of the destination: a topic ARN or channel,
                                  a subscription id, a callback URL, a consumer
  --entry ID                      a parked message's id (a prefix will do)
  --event-id ID
OPTIONS:
  --consumer HANDLER   the stream consumer of failure records whose function the outputs do
                       not name (events.publish, events.notification_feed,
                       collector.dispatch, events.hub_delivery)
  --hold SECS          how long the messages read stay invisible to other readers (300)
  --max N              at most N messages read per queue (10000)";

enum Command {
    List,
    Run,
    Discard,
}

struct Args {
    command: Command,
    local: Option<String>,
    outputs: Option<String>,
    options: Options,
    json: bool,
}

fn parse_args(argv: Vec<String>) -> Result<Args, String> {
    let mut argv = argv.into_iter().peekable();
    let command = match argv.next().as_deref() {
        Some("list") => Command::List,
        Some("run") => Command::Run,
        Some("discard") => Command::Discard,
        _ => return Err(USAGE.into()),
    };
    let now = chrono::Utc::now();
    let mut args = Args {
        command,
        local: None,
        outputs: None,
        options: Options::default(),
        json: false,
    };
    let o = &mut args.options;
    while let Some(arg) = argv.next() {
        let mut value = || {
            argv.next()
                .ok_or_else(|| format!("{arg} needs a value\n\n{USAGE}"))
        };
        match arg.as_str() {
            "--local" => {
                let url = match argv.peek() {
                    Some(next) if !next.starts_with("--") => argv.next(),
                    _ => None,
                };
                args.local = Some(url.unwrap_or_else(|| "http://127.0.0.1:3000".into()));
            }
            "--outputs" => args.outputs = Some(value()?),
            "--source" => {
                let v = value()?;
                let source = Source::parse(&v)
                    .ok_or_else(|| format!("--source {v}: stream, collector or hub"))?;
                o.filter.sources.push(source);
            }
            "--since" => o.filter.since = Some(parse_time(&value()?, now)?),
            "--until" => o.filter.until = Some(parse_time(&value()?, now)?),
            "--tenant" | "--org" => o.filter.tenant = Some(value()?),
            "--event-type" => o.filter.event_type = Some(value()?),
            "--destination" => o.filter.destination = Some(value()?),
            "--entry" => o.filter.entry = Some(value()?),
            "--event-id" => o.filter.event_id = Some(value()?),
            "--consumer" => {
                let v = value()?;
                o.consumer = Some(
                    Consumer::from_handler(&v).ok_or_else(|| format!("--consumer {v}: unknown"))?,
                );
            }
            "--hold" => {
                let secs = value()?.parse().map_err(|e| format!("--hold: {e}"))?;
                o.hold = Duration::from_secs(secs);
            }
            "--max" => o.max_entries = value()?.parse().map_err(|e| format!("--max: {e}"))?,
            "--force" => o.force = true,
            "--keep" => o.keep = true,
            "--dry-run" => o.dry_run = true,
            "--json" => args.json = true,
            "-h" | "--help" => return Err(USAGE.into()),
            other => return Err(format!("unknown argument {other}\n\n{USAGE}")),
        }
    }
    Ok(args)
}

async fn targets(args: &Args) -> Result<Targets, String> {
    match (&args.local, &args.outputs) {
        (Some(url), None) => Targets::from_local(url).await,
        (None, Some(file)) => {
            let text = if file == "-" {
                std::io::read_to_string(std::io::stdin())
            } else {
                std::fs::read_to_string(file)
            }
            .map_err(|e| format!("{file}: {e}"))?;
            let sdk = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
            Targets::from_outputs_json(&text, sdk)
        }
        _ => Err(format!("give --local or --outputs\n\n{USAGE}")),
    }
}

#[tokio::main]
async fn main() {
    // The handlers' own log lines (why a replayed event failed again) go to stderr.
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()),
        )
        .init();
    let result: Result<bool, String> = async {
        let args = parse_args(std::env::args().skip(1).collect())?;
        let targets = targets(&args).await?;
        match args.command {
            Command::List => {
                let entries = replay::list(&targets, &args.options).await?;
                print_list(&entries, &args);
                Ok(true)
            }
            Command::Run => {
                let report = replay::run(&targets, &args.options).await?;
                print_run(&report, &args);
                Ok(report.count("failed") == 0 && report.problems.is_empty())
            }
            Command::Discard => {
                for id in replay::discard(&targets, &args.options).await? {
                    println!("discarded {id}");
                }
                Ok(true)
            }
        }
    }
    .await;
    match result {
        Ok(true) => {}
        Ok(false) => std::process::exit(1),
        Err(message) => {
            eprintln!("replay: {message}");
            std::process::exit(2);
        }
    }
}

fn status(unit: &Unit) -> (String, String) {
    if let Redrive::Impossible(why) = &unit.redrive {
        return ("not-replayable".into(), why.clone());
    }
    match &unit.marker {
        Some(m) => (
            m.state.clone(),
            format!("at {} by {} from {}", m.at, m.by, m.entry),
        ),
        None => ("parked".into(), String::new()),
    }
}

fn describe(entry: &Entry) -> String {
    match &entry.body {
        Body::StreamBatch(b) => format!(
            "{} gave up ({}) on {} records of shard {} ({}..{})",
            b.consumer.map_or(b.function_arn.as_str(), |c| c.handler()),
            b.condition,
            b.batch_size,
            b.shard_id,
            b.start_sequence,
            b.end_sequence
        ),
        Body::TooLarge { reason, detail, .. } => format!("{reason}: {detail}"),
        Body::CollectorJob { last_error, .. } | Body::HubJob { last_error, .. } => match last_error
        {
            // The SDK's errors carry the whole response; its start says what it was.
            Some(e) if e.chars().count() > 200 => {
                format!("last error: {}…", e.chars().take(200).collect::<String>())
            }
            Some(e) => format!("last error: {e}"),
            None => "moved by SQS after its receives".into(),
        },
        Body::Unreadable(why) => format!("unreadable: {why}"),
    }
}

fn unit_json(entry: &Entry, unit: &Unit) -> serde_json::Value {
    serde_json::json!({
        "source": entry.source.as_str(),
        "entry": entry.message_id,
        "parked_at": entry.parked_at.map(|t| t.to_rfc3339()),
        "event_id": unit.event_id,
        "event_type": unit.event_type,
        "tenant": unit.tenant,
        "destination": unit.destination,
        "target": unit.target,
        "occurred_at": unit.occurred_at.map(|t| t.to_rfc3339()),
    })
}

fn unit_line(status: &str, unit: &Unit, detail: &str) -> String {
    let at = unit
        .occurred_at
        .map_or_else(|| "-".into(), |t| t.to_rfc3339());
    let target = unit.target.as_deref().unwrap_or("");
    format!(
        "    {status:<16} {at:<25} {} {} {} {} {target} {detail}",
        unit.tenant, unit.event_type, unit.event_id, unit.destination
    )
}

fn print_list(entries: &[Entry], args: &Args) {
    let filter = &args.options.filter;
    for entry in entries {
        let units: Vec<&Unit> = entry
            .units
            .iter()
            .filter(|u| filter.selects(entry, u))
            .collect();
        if units.is_empty() && filter.narrows() {
            continue;
        }
        if args.json {
            for unit in &units {
                let (status, detail) = status(unit);
                let mut v = unit_json(entry, unit);
                v["status"] = status.into();
                v["detail"] = detail.into();
                println!("{v}");
            }
            continue;
        }
        let parked = entry
            .parked_at
            .map_or_else(|| "-".into(), |t| t.to_rfc3339());
        println!(
            "{} {} parked {parked}: {}",
            entry.source.as_str(),
            entry.message_id,
            describe(entry)
        );
        for note in &entry.notes {
            println!("    note: {note}");
        }
        for unit in units {
            let (status, detail) = status(unit);
            println!("{}", unit_line(&status, unit, &detail));
        }
    }
}

fn print_run(report: &replay::Report, args: &Args) {
    for (e, u, outcome) in &report.outcomes {
        let (entry, unit) = (&report.entries[*e], &report.entries[*e].units[*u]);
        let detail = match outcome {
            Outcome::AlreadyReplayed(m) => format!(
                "{} at {} by {} (--force replays it again)",
                m.state, m.at, m.by
            ),
            Outcome::NotReplayable(why) | Outcome::Failed(why) => why.clone(),
            _ => String::new(),
        };
        if args.json {
            let mut v = unit_json(entry, unit);
            v["outcome"] = outcome.as_str().into();
            v["detail"] = detail.into();
            println!("{v}");
        } else {
            println!("{}", unit_line(outcome.as_str(), unit, &detail));
        }
    }
    if !args.json {
        for id in &report.deleted {
            println!("deleted {id}: every event of it is replayed");
        }
        for problem in &report.problems {
            println!("problem: {problem}");
        }
        println!(
            "{} replayed, {} already replayed, {} not replayable, {} failed{}",
            report.count("replayed"),
            report.count("already-replayed"),
            report.count("not-replayable"),
            report.count("failed"),
            if args.options.dry_run {
                format!(
                    ", {} would be replayed (dry run)",
                    report.count("would-replay")
                )
            } else {
                String::new()
            }
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(line: &str) -> Result<Args, String> {
        parse_args(line.split_whitespace().map(str::to_owned).collect())
    }

    #[test]
    fn arguments_become_a_selection_and_its_options() {
        let a = args(
            "run --local --source hub --source stream --tenant acme --event-type T \
             --destination hub:s1 --entry ab12 --event-id e1 --since 2h --force --keep --hold 60",
        )
        .unwrap();
        assert!(matches!(a.command, Command::Run));
        assert_eq!(a.local.as_deref(), Some("http://127.0.0.1:3000"));
        let (o, f) = (&a.options, &a.options.filter);
        assert_eq!(f.sources, [Source::Hub, Source::Stream]);
        assert_eq!(f.tenant.as_deref(), Some("acme"));
        assert_eq!(f.destination.as_deref(), Some("hub:s1"));
        assert_eq!(
            (f.entry.as_deref(), f.event_id.as_deref()),
            (Some("ab12"), Some("e1"))
        );
        assert!(f.since.is_some() && f.until.is_none());
        assert!(o.force && o.keep && !o.dry_run);
        assert_eq!(o.hold, Duration::from_secs(60));
        let a = args("list --local http://127.0.0.1:3917 --json").unwrap();
        assert_eq!(a.local.as_deref(), Some("http://127.0.0.1:3917"));
        assert!(a.json && matches!(a.command, Command::List));
    }

    #[test]
    fn unknown_commands_sources_times_and_flags_are_refused() {
        for line in [
            "",
            "replay",
            "list --source queue",
            "list --since yesterday",
            "run --consumer events.unknown",
            "run --frobnicate",
            "list --tenant",
        ] {
            assert!(args(line).is_err(), "{line:?}");
        }
    }
}
