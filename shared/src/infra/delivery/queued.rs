//! Deliveries as jobs on an SQS queue: fan-out by the stream functions, one try per job by
//! the queue-triggered senders (see the parent module). Each try is counted by kind of
//! destination and outcome, about its tenant ([`DELIVERY_ATTEMPTS`]), with how long its job
//! waited on the queue ([`DELIVERY_QUEUE_AGE`]).

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aws_lambda_events::event::dynamodb::{Event as StreamEvent, EventRecord as StreamRecord};
use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent};
use aws_lambda_events::event::streams::{DynamoDbBatchItemFailure, DynamoDbEventResponse};
use aws_sdk_sqs::types::SendMessageBatchRequestEntry;
use futures::future::join_all;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use tokio::sync::Semaphore;

use crate::infra::metrics::{self, Kind, Metric, Unit};

/// Jobs taken from a delivery queue, by kind of destination ([`Destination::kind`]) and what
/// became of them ([`Outcome::as_str`], or `undecodable`); each document names the tenant.
pub static DELIVERY_ATTEMPTS: Metric = Metric {
    name: "DeliveryAttempts",
    unit: Unit::Count,
    kind: Kind::Counter,
    dimensions: &["Destination", "Outcome"],
    sets: &[&["Destination", "Outcome"]],
};

/// How long each job waited on its queue before this try: since SQS received it
/// (`SentTimestamp`), a retry's backoff delay included.
pub static DELIVERY_QUEUE_AGE: Metric = Metric {
    name: "DeliveryQueueAge",
    unit: Unit::Milliseconds,
    kind: Kind::Distribution,
    dimensions: &["Destination"],
    sets: &[&["Destination"]],
};

/// SQS's limits for one `SendMessageBatch`: 10 entries, 256 KiB in all.
const MAX_ENTRIES: usize = 10;
const MAX_BATCH_BYTES: usize = 262_144;
/// The longest `DelaySeconds` SQS accepts.
const MAX_DELAY: Duration = Duration::from_secs(900);

/// One delivery: `work` (what to send) for one subscription of one tenant, on try `attempt`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Job<W> {
    pub tenant: String,
    pub subscription_id: String,
    /// 1 for the first try; each failed try puts the job back with the next number.
    pub attempt: u32,
    pub work: W,
}

/// How a sender treats its queue's jobs.
#[derive(Clone, Debug)]
pub struct Settings {
    /// The queue the jobs come from, where a failed try is put back.
    pub queue_url: String,
    /// Tries per job before it is parked.
    pub attempts: u32,
    /// The delay before the second try; doubled for each later one (at most 15 minutes).
    pub backoff: Duration,
    /// At most this many of one tenant's jobs are tried at once in one invocation.
    pub tenant_concurrency: usize,
}

impl Settings {
    /// The delay before try `next` (2, 3, …).
    pub fn delay_before(&self, next: u32) -> Duration {
        let factor = 2u32.saturating_pow(next.saturating_sub(2));
        self.backoff.saturating_mul(factor).min(MAX_DELAY)
    }
}

/// A kind of destination: how one try goes, and where a job that failed every try is parked.
pub trait Destination: Sync {
    type Work: Serialize + DeserializeOwned + Send + Sync;
    /// One try; `Err` says why it did not succeed.
    fn attempt(&self, job: &Job<Self::Work>) -> impl Future<Output = Result<(), String>> + Send;
    /// Parks a job whose last try failed with `error`.
    fn park(
        &self,
        job: &Job<Self::Work>,
        error: &str,
    ) -> impl Future<Output = Result<(), String>> + Send;

    /// The kind of destination as the delivery metrics name it (their `Destination`
    /// dimension): the implementing type's name (`HubCallbacks`) unless it says otherwise.
    fn kind(&self) -> &'static str {
        let path = std::any::type_name::<Self>();
        let path = path.split('<').next().unwrap_or(path);
        path.rsplit("::").next().unwrap_or(path)
    }
}

/// Per-subscription circuit breakers, per execution environment: after `threshold` failed
/// tries in a row, a subscription's jobs fail at once, without a connection, for `cooldown`;
/// then one try is let through, and its outcome closes or re-opens the breaker. A callback that
/// hangs thus costs the tenant's own jobs a few timeouts, not every job.
pub struct Breakers {
    threshold: u32,
    cooldown: Duration,
    state: Mutex<HashMap<String, BreakerState>>,
}

#[derive(Clone, Copy, Default)]
struct BreakerState {
    failures: u32,
    open_until: Option<Instant>,
}

/// Bounds the memory one execution environment spends on breakers.
const MAX_BREAKERS: usize = 10_000;

impl Breakers {
    pub fn new(threshold: u32, cooldown: Duration) -> Self {
        Self {
            threshold: threshold.max(1),
            cooldown,
            state: Mutex::default(),
        }
    }

    /// Whether `key`'s breaker is open now (tries are refused without a connection).
    pub fn is_open(&self, key: &str) -> bool {
        let state = self.state.lock().expect("breakers lock");
        state
            .get(key)
            .and_then(|s| s.open_until)
            .is_some_and(|until| Instant::now() < until)
    }

    /// Records a try's outcome.
    pub fn record(&self, key: &str, ok: bool) {
        let mut state = self.state.lock().expect("breakers lock");
        if ok {
            state.remove(key);
            return;
        }
        if state.len() >= MAX_BREAKERS && !state.contains_key(key) {
            state.retain(|_, s| s.open_until.is_some());
        }
        let s = state.entry(key.to_owned()).or_default();
        s.failures += 1;
        if s.failures >= self.threshold {
            s.open_until = Some(Instant::now() + self.cooldown);
        }
    }
}

fn entry<W: Serialize>(
    job: &Job<W>,
    n: usize,
    delay: Duration,
) -> Result<SendMessageBatchRequestEntry, String> {
    SendMessageBatchRequestEntry::builder()
        .id(n.to_string())
        .message_body(serde_json::to_string(job).map_err(|e| e.to_string())?)
        .delay_seconds(delay.as_secs() as i32)
        // SQS fair queues: a tenant's backlog does not hold up the other tenants' jobs.
        .message_group_id(&job.tenant)
        .build()
        .map_err(|e| e.to_string())
}

/// Puts `jobs` on the queue, packed into `SendMessageBatch` calls by count and bytes. `Err`
/// when any could not be sent (the caller retries them all; a receiver may see a repeat,
/// which carries the same message id).
pub async fn enqueue<W: Serialize>(
    sqs: &aws_sdk_sqs::Client,
    queue_url: &str,
    jobs: &[Job<W>],
    delay: Duration,
) -> Result<(), String> {
    if queue_url.is_empty() {
        return Err("the delivery queue is not configured".into());
    }
    let entries = jobs
        .iter()
        .enumerate()
        .map(|(n, job)| entry(job, n, delay))
        .collect::<Result<Vec<_>, _>>()?;
    let (calls, too_large) =
        crate::kernel::limits::batches(entries, MAX_ENTRIES, MAX_BATCH_BYTES, |e| {
            e.message_body().len()
        });
    if !too_large.is_empty() {
        return Err(format!(
            "{} jobs over SQS's {MAX_BATCH_BYTES} bytes per message",
            too_large.len()
        ));
    }
    for call in calls {
        let out = sqs
            .send_message_batch()
            .queue_url(queue_url)
            .set_entries(Some(call))
            .send()
            .await
            .map_err(|e| {
                format!(
                    "SendMessageBatch: {}",
                    aws_sdk_sqs::error::DisplayErrorContext(e)
                )
            })?;
        if let Some(f) = out.failed().first() {
            return Err(format!(
                "SendMessageBatch: {} of the jobs not sent ({}: {})",
                out.failed().len(),
                f.code(),
                f.message().unwrap_or_default()
            ));
        }
    }
    Ok(())
}

/// The stream side of a delivery family: which jobs a stream record asks for.
pub trait FanOut {
    type Work: Serialize + Sync;
    /// The record's jobs (none for a record that is not the family's); `Err` when they cannot
    /// be known now (the subscriptions could not be read, the record does not decode).
    fn jobs_of(
        &mut self,
        record: &StreamRecord,
    ) -> impl Future<Output = Result<Vec<Job<Self::Work>>, String>> + Send;
}

/// The subscriptions of each tenant a batch meets, read once per batch.
pub struct PerTenant<S> {
    read: HashMap<crate::identity::oauth::TenantId, Vec<S>>,
}

impl<S> Default for PerTenant<S> {
    fn default() -> Self {
        Self {
            read: HashMap::new(),
        }
    }
}

impl<S> PerTenant<S> {
    /// `tenant`'s subscriptions, read with `load` the first time.
    pub async fn get<E: std::fmt::Display>(
        &mut self,
        tenant: &crate::identity::oauth::TenantId,
        load: impl Future<Output = Result<Vec<S>, E>>,
    ) -> Result<&[S], String> {
        if !self.read.contains_key(tenant) {
            let subs = load.await.map_err(|e| e.to_string())?;
            self.read.insert(tenant.clone(), subs);
        }
        Ok(&self.read[tenant])
    }
}

/// Queues the jobs of every record of `batch`, in record order, without waiting on any
/// destination. The first record whose jobs could not be known or queued is reported, and the
/// records after it wait: Lambda retries from it, so each record is fanned out once (a repeat
/// only after a partial failure, with the same message ids).
pub async fn fan_out<F: FanOut>(
    sqs: &aws_sdk_sqs::Client,
    queue_url: &str,
    batch: &StreamEvent,
    family: &mut F,
) -> DynamoDbEventResponse {
    let mut response = DynamoDbEventResponse::default();
    for record in &batch.records {
        let queued = match family.jobs_of(record).await {
            Ok(jobs) if jobs.is_empty() => Ok(()),
            Ok(jobs) => enqueue(sqs, queue_url, &jobs, Duration::ZERO).await,
            Err(e) => Err(e),
        };
        if let Err(error) = queued {
            tracing::error!(sequence = ?record.change.sequence_number, error, "fan-out incomplete");
            let mut failure = DynamoDbBatchItemFailure::default();
            failure.item_identifier = record.change.sequence_number.clone();
            response.batch_item_failures.push(failure);
            break;
        }
    }
    response
}

/// What became of one job in this invocation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Delivered,
    /// Put back on the queue for try `next`.
    Retried {
        next: u32,
    },
    Parked,
    /// Neither delivered nor put back nor parked: reported to Lambda, so SQS redelivers it.
    Reported,
}

impl Outcome {
    /// The outcome as the delivery metrics name it (their `Outcome` dimension).
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Delivered => "delivered",
            Outcome::Retried { .. } => "retried",
            Outcome::Parked => "parked",
            Outcome::Reported => "reported",
        }
    }
}

/// Milliseconds since `SentTimestamp` (when SQS received the message), if it says.
fn queue_age_ms(message: &aws_lambda_events::event::sqs::SqsMessage, now_ms: i64) -> Option<f64> {
    let sent: i64 = message.attributes.get("SentTimestamp")?.parse().ok()?;
    Some(now_ms.saturating_sub(sent).max(0) as f64)
}

/// Runs one batch of jobs from the queue: every job gets one try (concurrently, at most
/// `tenant_concurrency` per tenant), and only a job that could be neither delivered, put back
/// nor parked is reported in `batchItemFailures`.
pub async fn run_jobs<D: Destination>(
    sqs: &aws_sdk_sqs::Client,
    settings: &Settings,
    breakers: &Breakers,
    destination: &D,
    event: SqsEvent,
) -> SqsBatchResponse {
    let mut per_tenant: HashMap<String, Arc<Semaphore>> = HashMap::new();
    let mut work = Vec::new();
    let mut response = SqsBatchResponse::default();
    let kind = destination.kind();
    let now_ms = crate::kernel::time::now().timestamp_millis();
    for message in event.records {
        let id = message.message_id.clone().unwrap_or_default();
        if let Some(age) = queue_age_ms(&message, now_ms) {
            metrics::record(&DELIVERY_QUEUE_AGE, age, &[kind]);
        }
        let job: Job<D::Work> =
            match serde_json::from_str(message.body.as_deref().unwrap_or_default()) {
                Ok(job) => job,
                Err(e) => {
                    // Reported: after the queue's maxReceiveCount it moves to its redrive queue.
                    tracing::error!(message_id = %id, error = %e, "undecodable delivery job");
                    metrics::record(&DELIVERY_ATTEMPTS, 1.0, &[kind, "undecodable"]);
                    response.batch_item_failures.push(failure(id));
                    continue;
                }
            };
        let gate = per_tenant
            .entry(job.tenant.clone())
            .or_insert_with(|| Arc::new(Semaphore::new(settings.tenant_concurrency.max(1))))
            .clone();
        work.push(async move {
            let _permit = gate
                .acquire_owned()
                .await
                .expect("the semaphore is never closed");
            let tenant = job.tenant.clone();
            let outcome = run_one(sqs, settings, breakers, destination, job).await;
            (id, tenant, outcome)
        });
    }
    for (id, tenant, outcome) in join_all(work).await {
        metrics::record_about(
            &DELIVERY_ATTEMPTS,
            1.0,
            &[kind, outcome.as_str()],
            &[("tenant", &tenant)],
        );
        if outcome == Outcome::Reported {
            response.batch_item_failures.push(failure(id));
        }
    }
    response
}

fn failure(id: String) -> BatchItemFailure {
    let mut f = BatchItemFailure::default();
    f.item_identifier = id;
    f
}

/// One try of one job, and what follows from it.
pub async fn run_one<D: Destination>(
    sqs: &aws_sdk_sqs::Client,
    settings: &Settings,
    breakers: &Breakers,
    destination: &D,
    job: Job<D::Work>,
) -> Outcome {
    // Subscription ids are unique only within a tenant (the Event Collector's are chosen by
    // the tenant): the breaker is the tenant's own.
    let key = format!("{}/{}", job.tenant, job.subscription_id);
    let result = if breakers.is_open(&key) {
        Err("circuit open: the destination failed its last tries; not tried".to_owned())
    } else {
        let r = destination.attempt(&job).await;
        breakers.record(&key, r.is_ok());
        r
    };
    let error = match result {
        Ok(()) => return Outcome::Delivered,
        Err(e) => e,
    };
    tracing::warn!(tenant = %job.tenant, subscription = %job.subscription_id, attempt = job.attempt, error, "delivery try failed");
    if job.attempt >= settings.attempts.max(1) {
        return match destination.park(&job, &error).await {
            Ok(()) => Outcome::Parked,
            Err(e) => {
                tracing::error!(subscription = %job.subscription_id, error = %e, "parking a failed delivery failed");
                Outcome::Reported
            }
        };
    }
    let next = job.attempt + 1;
    let again = Job {
        attempt: next,
        ..job
    };
    match enqueue(
        sqs,
        &settings.queue_url,
        std::slice::from_ref(&again),
        settings.delay_before(next),
    )
    .await
    {
        Ok(()) => Outcome::Retried { next },
        Err(e) => {
            tracing::error!(subscription = %again.subscription_id, error = %e, "putting a delivery back failed");
            Outcome::Reported
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_double_from_the_backoff_up_to_fifteen_minutes() {
        let s = Settings {
            queue_url: String::new(),
            attempts: 20,
            backoff: Duration::from_secs(30),
            tenant_concurrency: 2,
        };
        assert_eq!(s.delay_before(2), Duration::from_secs(30));
        assert_eq!(s.delay_before(3), Duration::from_secs(60));
        assert_eq!(s.delay_before(4), Duration::from_secs(120));
        assert_eq!(s.delay_before(12), MAX_DELAY);
    }

    #[test]
    fn a_breaker_opens_after_its_threshold_and_closes_on_success() {
        let b = Breakers::new(3, Duration::from_secs(60));
        for _ in 0..2 {
            b.record("hook", false);
        }
        assert!(!b.is_open("hook"));
        b.record("hook", false);
        assert!(b.is_open("hook"));
        assert!(!b.is_open("another"), "breakers are per subscription");
        b.record("hook", true);
        assert!(!b.is_open("hook"));
    }

    /// Delivers every tenant's jobs but `refused`'s, whose single try fails (and is parked).
    struct Picky {
        refused: &'static str,
    }

    impl Destination for Picky {
        type Work = String;

        async fn attempt(&self, job: &Job<String>) -> Result<(), String> {
            if job.tenant == self.refused {
                Err("refused".into())
            } else {
                Ok(())
            }
        }

        async fn park(&self, _job: &Job<String>, _error: &str) -> Result<(), String> {
            Ok(())
        }
    }

    #[tokio::test]
    async fn each_try_is_counted_by_destination_and_outcome_about_its_tenant() {
        use crate::infra::metrics::{Emitter, Memory, validate};
        let message = |id: &str, body: String, waited_ms: i64| {
            let mut m = aws_lambda_events::event::sqs::SqsMessage::default();
            m.message_id = Some(id.into());
            m.body = Some(body);
            let sent = crate::kernel::time::now().timestamp_millis() - waited_ms;
            m.attributes
                .insert("SentTimestamp".into(), sent.to_string());
            m
        };
        let job = |tenant: &str| {
            serde_json::to_string(&Job {
                tenant: tenant.into(),
                subscription_id: "s".into(),
                attempt: 1,
                work: "w".to_owned(),
            })
            .unwrap()
        };
        let mut event = SqsEvent::default();
        event.records = vec![
            message("1", job("acme"), 5_000),
            message("2", job("globex"), 5_000),
            message("3", "not a job".into(), 5_000),
        ];
        // Never called: nothing is put back with one try per job.
        let sqs = aws_sdk_sqs::Client::from_conf(
            aws_sdk_sqs::Config::builder()
                .behavior_version(aws_sdk_sqs::config::BehaviorVersion::latest())
                .region(aws_sdk_sqs::config::Region::new("us-east-1"))
                .build(),
        );
        let settings = Settings {
            queue_url: String::new(),
            attempts: 1,
            backoff: Duration::ZERO,
            tenant_concurrency: 1,
        };
        let breakers = Breakers::new(5, Duration::from_secs(60));
        let picky = Picky { refused: "globex" };
        let memory = Arc::new(Memory::new(100));
        let response = Emitter::new("Test", memory.clone())
            .scope(run_jobs(&sqs, &settings, &breakers, &picky, event))
            .await;
        assert_eq!(response.batch_item_failures.len(), 1, "the undecodable one");
        let docs = memory.documents();
        let mut attempts = Vec::new();
        let mut ages = Vec::new();
        for doc in &docs {
            validate(doc).unwrap();
            assert_eq!(doc["Destination"], "Picky");
            if let Some(n) = doc["DeliveryAttempts"].as_f64() {
                let tenant = doc["tenant"].as_str().unwrap_or("-").to_owned();
                attempts.push((doc["Outcome"].as_str().unwrap().to_owned(), tenant, n));
            }
            if let Some(values) = doc["DeliveryQueueAge"].as_array() {
                ages.extend(values.iter().filter_map(serde_json::Value::as_f64));
            }
        }
        attempts.sort_by(|a, b| a.0.cmp(&b.0));
        let expected = [
            ("delivered", "acme", 1.0),
            ("parked", "globex", 1.0),
            ("undecodable", "-", 1.0),
        ]
        .map(|(o, t, n)| (o.to_owned(), t.to_owned(), n));
        assert_eq!(attempts, expected, "{docs:#?}");
        assert_eq!(ages.len(), 3);
        assert!(
            ages.iter().all(|ms| (5_000.0..60_000.0).contains(ms)),
            "{ages:?}"
        );
    }

    #[test]
    fn an_open_breaker_lets_a_try_through_after_its_cooldown() {
        let b = Breakers::new(1, Duration::ZERO);
        b.record("hook", false);
        assert!(!b.is_open("hook"), "the cooldown is over at once");
    }
}
