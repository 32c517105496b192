//! The replay window holds: everything a parking queue keeps can still be replayed, because
//! the event items it refers to and the markers of its replays outlive it.

use serde_norway::Value;

fn load(path: &str) -> Value {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let text = std::fs::read_to_string(root.join(path)).unwrap();
    serde_norway::from_str(&text).unwrap()
}

/// Every `key: value` at any depth, whatever tags the values carry.
fn find<'v>(v: &'v Value, key: &str, out: &mut Vec<&'v Value>) {
    match v {
        Value::Mapping(m) => {
            for (k, child) in m {
                if k.as_str() == Some(key) {
                    out.push(child);
                }
                find(child, key, out);
            }
        }
        Value::Sequence(s) => s.iter().for_each(|c| find(c, key, out)),
        Value::Tagged(t) => find(&t.value, key, out),
        _ => {}
    }
}

fn number(v: &Value) -> i64 {
    v.as_i64()
        .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
        .unwrap_or_else(|| panic!("{v:?} is a number"))
}

#[test]
fn event_items_and_replay_markers_outlive_every_parked_entry() {
    let root = load("template.yaml");
    let queue = |id: &str| number(&root["Resources"][id]["Properties"]["MessageRetentionPeriod"]);
    let failure_queue = queue("StreamFailureQueue");
    let parking = [
        "StreamFailureQueue",
        "DeliveryDeadLetterQueue",
        "HubDeadLetterQueue",
    ]
    .map(queue)
    .into_iter()
    .max()
    .unwrap();

    let stacks = [
        "offers",
        "collector",
        "notification",
        "listener",
        "organizations",
        "auth",
    ]
    .map(|s| load(&format!("stacks/{s}.yaml")));
    let mut ages = Vec::new();
    let mut ttls = Vec::new();
    for stack in &stacks {
        find(stack, "MaximumRecordAgeInSeconds", &mut ages);
        find(stack, "EVENT_TTL_SECONDS", &mut ttls);
    }
    find(&root, "EVENT_TTL_SECONDS", &mut ttls);
    assert_eq!(ages.len(), 4, "the four stream consumers");
    let record_age = ages.into_iter().map(number).max().unwrap();
    // Set nowhere, so the functions' default applies; a stack that sets one is checked too.
    let mut event_ttls: Vec<i64> = ttls.into_iter().map(number).collect();
    event_ttls.push(shared::infra::config::DEFAULT_EVENT_TTL_SECONDS);
    for ttl in event_ttls {
        assert!(
            ttl > failure_queue + record_age,
            "event items ({ttl} s) must outlive a failure record ({failure_queue} s) and its \
             records' retries ({record_age} s)"
        );
    }
    assert!(
        ops::markers::TTL_SECONDS > parking,
        "markers outlive the entries they guard"
    );
}
