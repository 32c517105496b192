//! Validates event payloads against the schemas of docs/asyncapi.yaml, resolving `$ref`s
//! inside that document, and refuses properties the schema does not declare.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use serde_json::Value;
use shared::events::Channel;

fn document() -> &'static Value {
    static DOC: OnceLock<Value> = OnceLock::new();
    DOC.get_or_init(|| {
        let path = devstack::repo_root().join("docs/asyncapi.yaml");
        let text = std::fs::read_to_string(&path).expect("docs/asyncapi.yaml");
        serde_norway::from_str(&text).expect("asyncapi.yaml parses")
    })
}

fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(r) => doc
            .pointer(r.trim_start_matches('#'))
            .expect("ref resolves"),
        None => schema,
    }
}

/// Every property name a schema declares, through `allOf`.
fn declared(doc: &Value, schema: &Value, out: &mut BTreeSet<String>) {
    let schema = resolve(doc, schema);
    if let Some(props) = schema.get("properties").and_then(Value::as_object) {
        out.extend(props.keys().cloned());
    }
    for part in schema
        .get("allOf")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        declared(doc, part, out);
    }
}

pub fn validate(channel: Channel, payload: &Value) -> Result<(), String> {
    let doc = document();
    let name = channel.payload_schema();
    let errors = crate::published::violations(&doc["components"], name, payload)?;
    if !errors.is_empty() {
        return Err(format!("{name}: {}", errors.join("; ")));
    }
    let mut allowed = BTreeSet::new();
    declared(doc, &doc["components"]["schemas"][name], &mut allowed);
    let extra: Vec<&String> = payload
        .as_object()
        .into_iter()
        .flatten()
        .map(|(k, _)| k)
        .filter(|k| !allowed.contains(*k))
        .collect();
    if !extra.is_empty() {
        return Err(format!("{name}: undeclared properties {extra:?}"));
    }
    Ok(())
}

pub fn assert_valid(channel: Channel, payload: &Value) {
    if let Err(e) = validate(channel, payload) {
        panic!(
            "message on {} violates docs/asyncapi.yaml: {e}\n{payload:#}",
            channel.as_str()
        );
    }
}
