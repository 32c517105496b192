//! CloudWatch metrics as Embedded Metric Format (EMF) documents: JSON lines on stdout that
//! CloudWatch Logs turns into metrics, with no API call and no client to set up.
//!
//! Each invocation runs in a [`Emitter::scope`]; what it records ([`record`], [`record_about`],
//! [`property`]) is kept in the scope, summed per metric, and written once when the invocation
//! ends: one document per combination of dimension values, usually one per invocation. Outside
//! a scope (use-case tests, benchmarks of the logic) recording does nothing. Init does nothing
//! beyond reading `METRICS_NAMESPACE` ([`crate::infra::config::Config::metrics_namespace`]).
//!
//! Dimensions stay few and low in cardinality (an operation, a channel, a kind of destination,
//! an outcome): each combination of dimension values is a metric CloudWatch bills by the
//! month. Organization and tenant ids go in documents as plain members ([`record_about`]),
//! which Logs Insights can filter and group by and which make no metric.
//!
//! A writer of our own rather than a crate: `metrics_cloudwatch_embedded` (over the `metrics`
//! facade) keeps one process-wide collector, and the local stack and the tests run every
//! function in one process at once, so a flush after one invocation would carry the others'
//! values and properties; `metrique` fits the one-document-per-unit-of-work model but needs
//! Rust 1.91 (the workspace keeps 1.88), about ten crates with proc macros, and a background
//! writer thread. The format is small and published (CloudWatch's "Specification: Embedded
//! metric format"); the tests below hold the documents to it.

use std::cell::RefCell;
use std::collections::{BTreeMap, VecDeque};
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::Value;

/// The most metrics one document declares (EMF: at most 100 per directive).
pub const MAX_METRICS: usize = 100;
/// The most values one metric carries in one document (EMF: at most 100 per array).
pub const MAX_VALUES: usize = 100;
/// The most values one distribution keeps per invocation, so a huge batch cannot grow the
/// scope without bound; beyond it, values are dropped (the counters stay exact).
const MAX_KEPT_VALUES: usize = 1_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    Count,
    Milliseconds,
}

impl Unit {
    /// The unit's name in CloudWatch.
    pub fn as_str(self) -> &'static str {
        match self {
            Unit::Count => "Count",
            Unit::Milliseconds => "Milliseconds",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Summed within an invocation: one value per document.
    Counter,
    /// Every value kept (up to [`MAX_VALUES`] per document), so CloudWatch can compute
    /// percentiles from them.
    Distribution,
}

/// A metric: its name, unit, the dimensions it is recorded with and the sets of them
/// CloudWatch aggregates it by.
#[derive(Debug)]
pub struct Metric {
    pub name: &'static str,
    pub unit: Unit,
    pub kind: Kind,
    /// The dimensions a value is recorded with, in the order [`record`] takes their values.
    pub dimensions: &'static [&'static str],
    /// Each set (a subset of `dimensions`) is a metric in CloudWatch per combination of its
    /// values; `&[]` aggregates over all of them.
    pub sets: &'static [&'static [&'static str]],
}

/// Where finished documents go: one JSON document per call, without its line end.
pub trait Sink: Send + Sync {
    fn write(&self, document: &str);
}

/// Standard output, where Lambda sends a function's log lines to CloudWatch Logs.
pub struct Stdout;

impl Sink for Stdout {
    fn write(&self, document: &str) {
        use std::io::Write;
        let mut line = String::with_capacity(document.len() + 1);
        line.push_str(document);
        line.push('\n');
        // One write under the lock: a log line written at the same time cannot split it.
        let _ = std::io::stdout().lock().write_all(line.as_bytes());
    }
}

/// Keeps the last `capacity` documents in memory: for tests and the local stack.
pub struct Memory {
    capacity: usize,
    documents: Mutex<VecDeque<String>>,
}

impl Memory {
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity: capacity.max(1),
            documents: Mutex::default(),
        }
    }

    /// The documents kept, oldest first.
    pub fn documents(&self) -> Vec<Value> {
        self.lines()
            .iter()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect()
    }

    /// The documents kept, as written, and forgets them.
    pub fn take(&self) -> Vec<String> {
        self.documents
            .lock()
            .expect("metrics lock")
            .drain(..)
            .collect()
    }

    /// The documents kept, as written.
    pub fn lines(&self) -> Vec<String> {
        self.documents
            .lock()
            .expect("metrics lock")
            .iter()
            .cloned()
            .collect()
    }
}

impl Sink for Memory {
    fn write(&self, document: &str) {
        let mut documents = self.documents.lock().expect("metrics lock");
        if documents.len() == self.capacity {
            documents.pop_front();
        }
        documents.push_back(document.to_owned());
    }
}

/// Where an application's metrics go: the namespace and the sink.
#[derive(Clone)]
pub struct Emitter {
    namespace: Arc<str>,
    sink: Arc<dyn Sink>,
}

impl std::fmt::Debug for Emitter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Emitter")
            .field("namespace", &self.namespace)
            .finish_non_exhaustive()
    }
}

impl Emitter {
    pub fn new(namespace: &str, sink: Arc<dyn Sink>) -> Self {
        Self {
            namespace: namespace.into(),
            sink,
        }
    }

    /// To standard output, as a deployed function writes them.
    pub fn stdout(namespace: &str) -> Self {
        Self::new(namespace, Arc::new(Stdout))
    }

    /// The same namespace, to another sink.
    pub fn with_sink(&self, sink: Arc<dyn Sink>) -> Self {
        Self {
            namespace: self.namespace.clone(),
            sink,
        }
    }

    pub fn namespace(&self) -> &str {
        &self.namespace
    }

    /// Runs one invocation, `work`, with its own metrics, then writes them. Inside another
    /// scope (the runtime's, around a handler's own) it runs in that one, which writes them
    /// all when it ends.
    pub fn scope<'a, F: Future + 'a>(&'a self, work: F) -> impl Future<Output = F::Output> + 'a {
        // Boxed once, here: `work` is a whole invocation (several KB of future), which each
        // move below and each caller's `Box::pin` of this future would otherwise copy, about
        // 0.1 M instructions a request (docs/performance.md, "Instructions per request").
        let work = Box::pin(work);
        async move {
            if CURRENT.try_with(|_| ()).is_ok() {
                return work.await;
            }
            let started = SystemTime::now();
            let (output, recorded) = CURRENT
                .scope(RefCell::default(), async move {
                    let output = work.await;
                    (output, CURRENT.with(RefCell::take))
                })
                .await;
            self.write(&recorded, started);
            output
        }
    }

    /// Not generic, so each scope's code stays small.
    fn write(&self, recorded: &Recorded, started: SystemTime) {
        let timestamp = started
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64);
        for document in recorded.documents(&self.namespace, timestamp) {
            self.sink.write(&document);
        }
    }
}

tokio::task_local! {
    /// The running invocation's metrics. Task-local rather than global: the local stack runs
    /// many invocations in one process at once, each of which must write only its own.
    static CURRENT: RefCell<Recorded>;
}

/// Records `value` of `metric` with its dimensions' values (in `metric.dimensions`' order).
pub fn record(metric: &'static Metric, value: f64, dimensions: &[&str]) {
    record_about(metric, value, dimensions, &[]);
}

/// [`record`], about something named by `about` (`organization_id`, `tenant`): those members
/// are written beside the metric in a document of their own, never as dimensions.
pub fn record_about(
    metric: &'static Metric,
    value: f64,
    dimensions: &[&str],
    about: &[(&'static str, &str)],
) {
    debug_assert_eq!(
        dimensions.len(),
        metric.dimensions.len(),
        "{}: one value per dimension",
        metric.name
    );
    debug_assert!(
        metric
            .sets
            .iter()
            .flat_map(|s| s.iter())
            .all(|k| metric.dimensions.contains(k)),
        "{}: its dimension sets name only its dimensions",
        metric.name
    );
    let _ = CURRENT.try_with(|r| r.borrow_mut().record(metric, value, dimensions, about));
}

/// Sets a member that every document of the running invocation carries (a request id).
pub fn property(key: &'static str, value: impl Into<Value>) {
    let value = value.into();
    let _ = CURRENT.try_with(|r| r.borrow_mut().properties.insert(key, value));
}

/// What one invocation recorded.
#[derive(Default)]
struct Recorded {
    properties: BTreeMap<&'static str, Value>,
    groups: Vec<Group>,
}

/// The values recorded with the same dimension values about the same things.
struct Group {
    dimensions: Vec<(&'static str, String)>,
    about: Vec<(&'static str, String)>,
    values: Vec<(&'static Metric, Vec<f64>)>,
}

impl Recorded {
    fn record(
        &mut self,
        metric: &'static Metric,
        value: f64,
        dimensions: &[&str],
        about: &[(&'static str, &str)],
    ) {
        if !value.is_finite() {
            return;
        }
        let same = |g: &&mut Group| {
            g.dimensions.len() == dimensions.len()
                && g.dimensions
                    .iter()
                    .zip(metric.dimensions.iter().zip(dimensions))
                    .all(|((k, v), (mk, mv))| k == mk && v == mv)
                && g.about.len() == about.len()
                && g.about
                    .iter()
                    .zip(about)
                    .all(|((k, v), (ak, av))| k == ak && v == av)
        };
        let group = match self.groups.iter_mut().find(same) {
            Some(g) => g,
            None => {
                self.groups.push(Group {
                    dimensions: metric
                        .dimensions
                        .iter()
                        .zip(dimensions)
                        .map(|(k, v)| (*k, (*v).to_owned()))
                        .collect(),
                    about: about.iter().map(|(k, v)| (*k, (*v).to_owned())).collect(),
                    values: Vec::new(),
                });
                self.groups.last_mut().expect("just pushed")
            }
        };
        match group
            .values
            .iter_mut()
            .find(|(m, _)| std::ptr::eq(*m, metric))
        {
            Some((_, values)) => match metric.kind {
                Kind::Counter => values[0] += value,
                Kind::Distribution if values.len() < MAX_KEPT_VALUES => values.push(value),
                Kind::Distribution => {}
            },
            None => group.values.push((metric, vec![value])),
        }
    }

    /// The EMF documents of everything recorded, as few as the format allows: one holds
    /// the values of any groups whose dimension values agree and that are about the same
    /// things, at most [`MAX_METRICS`] metrics and [`MAX_VALUES`] values of each.
    fn documents(&self, namespace: &str, timestamp: u64) -> Vec<String> {
        let mut documents: Vec<Document<'_>> = Vec::new();
        for group in &self.groups {
            for (metric, values) in &group.values {
                // A counter's one value is its sum.
                let chunks = match metric.kind {
                    Kind::Counter => values[..1].chunks(1),
                    Kind::Distribution => values.chunks(MAX_VALUES),
                };
                for chunk in chunks {
                    let index = match documents.iter().position(|d| d.takes(group, metric)) {
                        Some(i) => i,
                        None => {
                            documents.push(Document {
                                about: &group.about,
                                members: BTreeMap::new(),
                                metrics: Vec::new(),
                            });
                            documents.len() - 1
                        }
                    };
                    let document = &mut documents[index];
                    for (k, v) in &group.dimensions {
                        document.members.insert(k, v);
                    }
                    document.metrics.push((metric, chunk));
                }
            }
        }
        documents
            .iter()
            .map(|d| d.render(namespace, timestamp, &self.properties))
            .collect()
    }
}

/// One EMF document being filled.
struct Document<'a> {
    about: &'a [(&'static str, String)],
    /// Dimension name → value: each a member of the document, so one value per name.
    members: BTreeMap<&'static str, &'a str>,
    /// Each metric's values: one number, or an array of them.
    metrics: Vec<(&'static Metric, &'a [f64])>,
}

impl Document<'_> {
    fn takes(&self, group: &Group, metric: &Metric) -> bool {
        self.about == group.about.as_slice()
            && self.metrics.len() < MAX_METRICS
            && !self.metrics.iter().any(|(m, _)| m.name == metric.name)
            && group
                .dimensions
                .iter()
                .all(|(k, v)| self.members.get(k).is_none_or(|m| *m == v))
    }

    /// The document as one line of JSON, written directly: an invocation's documents cost a
    /// buffer each, not a tree of maps.
    fn render(
        &self,
        namespace: &str,
        timestamp: u64,
        properties: &BTreeMap<&'static str, Value>,
    ) -> String {
        // One directive per distinct list of dimension sets.
        let mut directives: Vec<(&[&[&str]], Vec<&Metric>)> = Vec::new();
        for (metric, _) in &self.metrics {
            match directives.iter_mut().find(|(sets, _)| *sets == metric.sets) {
                Some((_, metrics)) => metrics.push(metric),
                None => directives.push((metric.sets, vec![metric])),
            }
        }
        let mut out = Vec::with_capacity(512);
        out.extend_from_slice(b"{\"_aws\":{\"Timestamp\":");
        json_into(&mut out, &timestamp);
        out.extend_from_slice(b",\"CloudWatchMetrics\":[");
        for (i, (sets, metrics)) in directives.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            out.extend_from_slice(b"{\"Namespace\":");
            json_into(&mut out, namespace);
            out.extend_from_slice(b",\"Dimensions\":");
            json_into(&mut out, sets);
            out.extend_from_slice(b",\"Metrics\":[");
            for (j, metric) in metrics.iter().enumerate() {
                if j > 0 {
                    out.push(b',');
                }
                out.extend_from_slice(b"{\"Name\":");
                json_into(&mut out, metric.name);
                out.extend_from_slice(b",\"Unit\":");
                json_into(&mut out, metric.unit.as_str());
                out.push(b'}');
            }
            out.extend_from_slice(b"]}");
        }
        out.extend_from_slice(b"]}");
        // A dimension or a metric of the same name wins over what the document is about, and
        // that over a property, so the metrics stay what they claim and no member repeats.
        let metric_named = |k: &str| self.metrics.iter().any(|(m, _)| m.name == k);
        let taken = |k: &str| self.members.contains_key(k) || metric_named(k);
        let about_named = |k: &str| self.about.iter().any(|(a, _)| *a == k);
        for (k, v) in properties {
            if !taken(k) && !about_named(k) {
                member(&mut out, k, v);
            }
        }
        for (k, v) in self.about {
            if !taken(k) {
                member(&mut out, k, v);
            }
        }
        for (k, v) in &self.members {
            member(&mut out, k, v);
        }
        for (metric, values) in &self.metrics {
            match values {
                [one] => member(&mut out, metric.name, one),
                many => member(&mut out, metric.name, many),
            }
        }
        out.push(b'}');
        String::from_utf8(out).expect("serde_json writes UTF-8")
    }
}

/// Appends `,"key":value`.
fn member<T: serde::Serialize + ?Sized>(out: &mut Vec<u8>, key: &str, value: &T) {
    out.push(b',');
    json_into(out, key);
    out.push(b':');
    json_into(out, value);
}

/// Appends `value` as JSON; writing to memory cannot fail, nor can these types' serialization.
fn json_into<T: serde::Serialize + ?Sized>(out: &mut Vec<u8>, value: &T) {
    serde_json::to_writer(out, value).expect("JSON into memory");
}

/// Checks `doc` against the EMF specification: the metadata (a timestamp, at least one
/// directive), each directive's namespace, dimension sets (at most 30 names each) and metric
/// definitions (at most [`MAX_METRICS`] in all), and every name they reference present at the
/// top level: dimension values as strings, metric values as numbers or arrays of at most
/// [`MAX_VALUES`] numbers. For the tests and the local stack, which check what was written.
pub fn validate(doc: &Value) -> Result<(), String> {
    let aws = &doc["_aws"];
    if aws["Timestamp"].as_u64().unwrap_or(0) == 0 {
        return Err("no _aws.Timestamp in milliseconds".into());
    }
    let directives = aws["CloudWatchMetrics"]
        .as_array()
        .filter(|d| !d.is_empty())
        .ok_or("no _aws.CloudWatchMetrics directive")?;
    let mut declared = 0;
    for directive in directives {
        let namespace = directive["Namespace"].as_str().unwrap_or_default();
        if namespace.is_empty() || namespace.len() > 255 {
            return Err(format!("namespace {namespace:?}"));
        }
        let sets = directive["Dimensions"]
            .as_array()
            .ok_or("a directive without Dimensions")?;
        for set in sets {
            let set = set
                .as_array()
                .ok_or("a dimension set that is not an array")?;
            if set.len() > 30 {
                return Err("a dimension set of more than 30 names".into());
            }
            for key in set {
                let key = key
                    .as_str()
                    .ok_or("a dimension name that is not a string")?;
                if !doc[key].is_string() {
                    return Err(format!("dimension {key} is not a string member"));
                }
            }
        }
        let metrics = directive["Metrics"]
            .as_array()
            .filter(|m| !m.is_empty())
            .ok_or("a directive without Metrics")?;
        for m in metrics {
            let name = m["Name"].as_str().ok_or("a metric without a Name")?;
            if !m["Unit"].is_string() {
                return Err(format!("metric {name} without a Unit"));
            }
            match &doc[name] {
                Value::Number(_) => {}
                Value::Array(values)
                    if values.len() <= MAX_VALUES && values.iter().all(Value::is_number) => {}
                other => return Err(format!("metric {name} is {other}")),
            }
            declared += 1;
        }
    }
    if declared > MAX_METRICS {
        return Err(format!("{declared} metrics in one document"));
    }
    Ok(())
}

#[cfg(test)]
mod tests;
