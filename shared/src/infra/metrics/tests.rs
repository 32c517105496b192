use super::*;
use serde_json::json;

static REQUESTS: Metric = Metric {
    name: "Requests",
    unit: Unit::Count,
    kind: Kind::Counter,
    dimensions: &["Operation"],
    sets: &[&["Operation"]],
};
static LATENCY: Metric = Metric {
    name: "Latency",
    unit: Unit::Milliseconds,
    kind: Kind::Distribution,
    dimensions: &["Operation"],
    sets: &[&["Operation"]],
};
static PUBLISHED: Metric = Metric {
    name: "EventsPublished",
    unit: Unit::Count,
    kind: Kind::Counter,
    dimensions: &["Channel"],
    sets: &[&["Channel"]],
};
static ATTEMPTS: Metric = Metric {
    name: "DeliveryAttempts",
    unit: Unit::Count,
    kind: Kind::Counter,
    dimensions: &["Destination", "Outcome"],
    sets: &[&["Destination", "Outcome"], &[]],
};

/// Runs `work` in a scope writing to memory; the documents it wrote.
async fn emitted(work: impl Future<Output = ()>) -> Vec<Value> {
    let memory = Arc::new(Memory::new(1_000));
    Emitter::new("Test", memory.clone()).scope(work).await;
    memory.documents()
}

fn assert_valid(doc: &Value) {
    if let Err(e) = validate(doc) {
        panic!("{e}: {doc}");
    }
}

#[tokio::test]
async fn an_invocation_writes_one_document_of_its_values() {
    let docs = emitted(async {
        property("RequestId", "r-1");
        record(&REQUESTS, 1.0, &["offers.create"]);
        record(&LATENCY, 12.5, &["offers.create"]);
    })
    .await;
    assert_eq!(docs.len(), 1, "{docs:?}");
    let doc = &docs[0];
    assert_valid(doc);
    assert_eq!(doc["Operation"], "offers.create");
    assert_eq!(doc["Requests"], 1.0);
    assert_eq!(doc["Latency"], 12.5);
    assert_eq!(doc["RequestId"], "r-1");
    let directive = &doc["_aws"]["CloudWatchMetrics"][0];
    assert_eq!(directive["Namespace"], "Test");
    assert_eq!(directive["Dimensions"], json!([["Operation"]]));
    assert_eq!(
        directive["Metrics"],
        json!([{"Name": "Requests", "Unit": "Count"},
               {"Name": "Latency", "Unit": "Milliseconds"}])
    );
}

#[tokio::test]
async fn a_property_never_shadows_a_dimension_or_a_metric() {
    let memory = Arc::new(Memory::new(10));
    Emitter::new("Test", memory.clone())
        .scope(async {
            property("Operation", "spoofed");
            property("Requests", "spoofed");
            record(&REQUESTS, 1.0, &["op"]);
        })
        .await;
    let line = &memory.lines()[0];
    assert_eq!(line.matches("\"Operation\":").count(), 1, "{line}");
    assert_eq!(line.matches("\"Requests\":").count(), 1, "{line}");
    let doc: Value = serde_json::from_str(line).unwrap();
    assert_valid(&doc);
    assert_eq!(doc["Operation"], "op");
    assert_eq!(doc["Requests"], 1.0);
}

#[tokio::test]
async fn counters_are_summed_and_distributions_keep_their_values() {
    let docs = emitted(async {
        for ms in [1.0, 2.0, 3.0] {
            record(&REQUESTS, 1.0, &["op"]);
            record(&LATENCY, ms, &["op"]);
        }
    })
    .await;
    assert_eq!(docs.len(), 1);
    assert_eq!(docs[0]["Requests"], 3.0);
    assert_eq!(docs[0]["Latency"], json!([1.0, 2.0, 3.0]));
}

#[tokio::test]
async fn values_of_other_dimension_values_go_to_documents_of_their_own() {
    let docs = emitted(async {
        record(&REQUESTS, 1.0, &["op"]);
        record(&PUBLISHED, 2.0, &["outbox-offers"]);
        record(&PUBLISHED, 3.0, &["inbox-offers"]);
        record(&ATTEMPTS, 1.0, &["HubCallbacks", "delivered"]);
    })
    .await;
    for doc in &docs {
        assert_valid(doc);
    }
    // The first channel and the delivery share the operation's document: their
    // dimensions differ in name, not in value.
    assert_eq!(docs.len(), 2, "{docs:#?}");
    assert_eq!(docs[0]["Operation"], "op");
    assert_eq!(docs[0]["Channel"], "outbox-offers");
    assert_eq!(docs[0]["EventsPublished"], 2.0);
    assert_eq!(docs[0]["Outcome"], "delivered");
    assert_eq!(
        docs[0]["_aws"]["CloudWatchMetrics"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    assert_eq!(
        docs[0]["_aws"]["CloudWatchMetrics"][2]["Dimensions"],
        json!([["Destination", "Outcome"], []])
    );
    assert_eq!(docs[1]["Channel"], "inbox-offers");
    assert_eq!(docs[1]["EventsPublished"], 3.0);
    assert!(docs[1].get("Operation").is_none());
}

#[tokio::test]
async fn what_it_is_about_is_a_member_and_never_a_dimension() {
    let docs = emitted(async {
        record(&REQUESTS, 1.0, &["op"]);
        record_about(&ATTEMPTS, 1.0, &["Hub", "parked"], &[("tenant", "acme")]);
        record_about(&ATTEMPTS, 1.0, &["Hub", "parked"], &[("tenant", "acme")]);
        record_about(&ATTEMPTS, 1.0, &["Hub", "parked"], &[("tenant", "globex")]);
    })
    .await;
    assert_eq!(docs.len(), 3, "{docs:#?}");
    assert!(docs[0].get("tenant").is_none());
    assert_eq!(docs[1]["tenant"], "acme");
    assert_eq!(docs[1]["DeliveryAttempts"], 2.0);
    assert_eq!(docs[2]["tenant"], "globex");
    for doc in &docs {
        assert_valid(doc);
        let sets = doc["_aws"]["CloudWatchMetrics"][0]["Dimensions"].to_string();
        assert!(!sets.contains("tenant"), "{sets}");
    }
}

#[tokio::test]
async fn no_document_carries_more_than_a_hundred_metrics_or_values() {
    // 150 metrics of one invocation: leaked, since a metric is 'static.
    let many: Vec<&'static Metric> = (0..150)
        .map(|i| {
            &*Box::leak(Box::new(Metric {
                name: Box::leak(format!("M{i:03}").into_boxed_str()),
                unit: Unit::Count,
                kind: Kind::Counter,
                dimensions: &[],
                sets: &[&[]],
            }))
        })
        .collect();
    let docs = emitted(async {
        for m in &many {
            record(m, 1.0, &[]);
        }
        for ms in 0..250 {
            record(&LATENCY, ms as f64, &["op"]);
        }
    })
    .await;
    let mut metrics = 0;
    let mut latencies = 0;
    for doc in &docs {
        assert_valid(doc);
        metrics += doc["_aws"]["CloudWatchMetrics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["Metrics"].as_array().unwrap().len())
            .sum::<usize>();
        latencies += doc
            .get("Latency")
            .map_or(0, |l| l.as_array().map_or(1, Vec::len));
    }
    assert_eq!(
        metrics,
        150 + 3,
        "every metric once, latency in three documents"
    );
    assert_eq!(latencies, 250);
}
