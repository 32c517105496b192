//! The functions' metrics in the local stack. A deployed function writes each invocation's
//! Embedded Metric Format documents to stdout, where CloudWatch Logs turns them into metrics
//! (`shared::infra::metrics`); here the same documents are kept in memory, served on
//! [`crate::server::METRICS_PATH`], appended to a log file (`.devstack/metrics.jsonl` for the
//! stack of `scripts/local.sh`), and summarized by `devstack metrics` ([`summary`]).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;
use std::sync::Mutex;

use serde_json::Value;
use shared::infra::metrics::{Memory, Sink};

/// Documents kept in memory: the last this many (a few MB).
pub const KEPT: usize = 10_000;

/// Where the local stack's functions write their metrics documents.
pub struct LocalMetrics {
    memory: Memory,
    log: Option<Mutex<std::fs::File>>,
}

impl LocalMetrics {
    /// Keeps the last [`KEPT`] documents, and writes every one to `log` when given (emptied
    /// first: a new stack's metrics are of its own invocations only).
    pub fn new(log: Option<&Path>) -> Result<Self, crate::Error> {
        let log = log
            .map(|path| {
                std::fs::File::create(path)
                    .map(Mutex::new)
                    .map_err(|e| crate::Error::Setup(format!("{}: {e}", path.display())))
            })
            .transpose()?;
        Ok(Self {
            memory: Memory::new(KEPT),
            log,
        })
    }

    /// The documents kept, oldest first.
    pub fn documents(&self) -> Vec<Value> {
        self.memory.documents()
    }

    /// The documents kept, as written (one JSON line each), and forgets them.
    pub fn take(&self) -> Vec<String> {
        self.memory.take()
    }
}

impl Sink for LocalMetrics {
    fn write(&self, document: &str) {
        self.memory.write(document);
        if let Some(log) = &self.log {
            let mut file = log.lock().expect("metrics log lock");
            if let Err(e) = writeln!(file, "{document}") {
                tracing::warn!(error = %e, "writing the metrics log");
            }
        }
    }
}

/// What one metric with one set of dimension values added up to.
#[derive(Default)]
struct Tally {
    unit: String,
    values: Vec<f64>,
}

/// A table of `documents`: per metric and its most specific dimension values, the sum of a
/// count, or the number, median, 99th percentile and maximum of a distribution (latency,
/// queue age). The documents that break the EMF specification are counted apart.
pub fn summary(documents: &[Value]) -> String {
    let mut tallies: BTreeMap<(String, String), Tally> = BTreeMap::new();
    let mut invalid = 0;
    for doc in documents {
        if shared::infra::metrics::validate(doc).is_err() {
            invalid += 1;
            continue;
        }
        for directive in doc["_aws"]["CloudWatchMetrics"]
            .as_array()
            .into_iter()
            .flatten()
        {
            // The first set is the most specific (`Operation, StatusClass` before `ErrorKind`).
            let dimensions = directive["Dimensions"][0]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .map(|k| format!("{k}={}", doc[k].as_str().unwrap_or_default()))
                .collect::<Vec<_>>()
                .join(" ");
            for metric in directive["Metrics"].as_array().into_iter().flatten() {
                let name = metric["Name"].as_str().unwrap_or_default().to_owned();
                let tally = tallies
                    .entry((name.clone(), dimensions.clone()))
                    .or_default();
                tally.unit = metric["Unit"].as_str().unwrap_or_default().to_owned();
                match &doc[name.as_str()] {
                    Value::Array(values) => {
                        tally.values.extend(values.iter().filter_map(Value::as_f64))
                    }
                    value => tally.values.extend(value.as_f64()),
                }
            }
        }
    }
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<26} {:<64} {:>9} {:>9} {:>9} {:>9}",
        "metric", "dimensions", "sum/n", "p50", "p99", "max"
    );
    for ((name, dimensions), tally) in &tallies {
        if tally.unit == "Count" {
            let sum: f64 = tally.values.iter().sum();
            let _ = writeln!(out, "{name:<26} {dimensions:<64} {sum:>9}");
        } else {
            let mut v = tally.values.clone();
            v.sort_by(f64::total_cmp);
            let at = |q: f64| v[((v.len() - 1) as f64 * q).round() as usize];
            let unit = match tally.unit.as_str() {
                "Milliseconds" => "ms",
                other => other,
            };
            let label = format!("{name} ({unit})");
            let _ = writeln!(
                out,
                "{label:<26} {dimensions:<64} {:>9} {:>9.1} {:>9.1} {:>9.1}",
                v.len(),
                at(0.5),
                at(0.99),
                at(1.0)
            );
        }
    }
    let _ = writeln!(
        out,
        "\n{} documents{}",
        documents.len(),
        if invalid > 0 {
            format!(", {invalid} not valid EMF (left out)")
        } else {
            String::new()
        }
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn counts_are_summed_and_distributions_summarized() {
        let doc = |ms: Value| {
            json!({
                "_aws": {"Timestamp": 1, "CloudWatchMetrics": [{
                    "Namespace": "Marketplace",
                    "Dimensions": [["Operation"]],
                    "Metrics": [{"Name": "Requests", "Unit": "Count"},
                                {"Name": "Latency", "Unit": "Milliseconds"}]
                }]},
                "Operation": "offers.healthz",
                "Requests": 1,
                "Latency": ms,
            })
        };
        let text = summary(&[
            doc(json!(2.0)),
            doc(json!([4.0, 6.0])),
            json!({"not": "emf"}),
        ]);
        let requests = text.lines().find(|l| l.starts_with("Requests")).unwrap();
        assert!(requests.ends_with(" 2"), "{text}");
        let latency = text.lines().find(|l| l.starts_with("Latency")).unwrap();
        assert!(latency.contains("Operation=offers.healthz"), "{text}");
        assert!(
            latency.contains(" 3 ") && latency.ends_with("6.0"),
            "{text}"
        );
        assert!(text.contains("3 documents, 1 not valid EMF"), "{text}");
    }
}
