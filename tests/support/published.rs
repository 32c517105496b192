//! Validates responses against the schemas of the published AlayaMarket specs
//! (`../shared/specs/alayamarket/openapi.*.yaml`), as a client generated from them reads them.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use serde_json::{Value, json};

fn spec(file: &str) -> Value {
    static SPECS: OnceLock<Mutex<HashMap<String, Value>>> = OnceLock::new();
    let specs = SPECS.get_or_init(Default::default);
    let mut specs = specs.lock().unwrap();
    specs
        .entry(file.to_owned())
        .or_insert_with(|| {
            let path = devstack::repo_root()
                .join("../shared/specs/alayamarket")
                .join(file);
            let text = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            serde_norway::from_str(&text).expect("the published spec parses")
        })
        .clone()
}

/// Panics with every violation when `value` does not match the schema `name` of `file`.
pub fn assert_valid(file: &str, name: &str, value: &Value) {
    let doc = spec(file);
    assert!(
        doc["components"]["schemas"].get(name).is_some(),
        "{file} has no schema {name}"
    );
    let errors = violations(&doc["components"], name, value).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        errors.is_empty(),
        "the response violates {file} {name}: {}\n{value:#}",
        errors.join("; ")
    );
}

/// What `value` violates of the schema `name` among `components` (formats checked, `$ref`s
/// resolved within them).
pub fn violations(components: &Value, name: &str, value: &Value) -> Result<Vec<String>, String> {
    let root = json!({ "$ref": format!("#/components/schemas/{name}"), "components": components });
    schema_violations(&root, value).map_err(|e| format!("schema {name}: {e}"))
}

/// What `value` violates of the JSON Schema `root` (formats checked).
fn schema_violations(root: &Value, value: &Value) -> Result<Vec<String>, String> {
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .should_ignore_unknown_formats(true)
        .build(root)
        .map_err(|e| e.to_string())?;
    Ok(validator
        .iter_errors(value)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect())
}

/// This platform's own contract, `docs/openapi.yaml`, with OpenAPI 3.0's `nullable` rewritten
/// as the JSON Schema it means.
fn documented() -> &'static Value {
    static DOC: OnceLock<Value> = OnceLock::new();
    DOC.get_or_init(|| {
        let path = devstack::repo_root().join("docs/openapi.yaml");
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let mut doc: Value = serde_norway::from_str(&text).expect("docs/openapi.yaml parses");
        nullable_as_json_schema(&mut doc);
        doc
    })
}

fn nullable_as_json_schema(v: &mut Value) {
    match v {
        Value::Object(map) => {
            if map.remove("nullable") == Some(Value::Bool(true)) {
                if let Some(Value::String(t)) = map.get("type").cloned() {
                    map.insert("type".into(), json!([t, "null"]));
                    if let Some(Value::Array(e)) = map.get_mut("enum") {
                        e.push(Value::Null);
                    }
                } else {
                    let inner = Value::Object(std::mem::take(map));
                    map.insert("anyOf".into(), json!([inner, {"type": "null"}]));
                }
            }
            map.values_mut().for_each(nullable_as_json_schema);
        }
        Value::Array(items) => items.iter_mut().for_each(nullable_as_json_schema),
        _ => {}
    }
}

/// The success statuses (2xx and 3xx) docs/openapi.yaml documents for `method path`.
pub fn documented_successes(method: &str, path: &str) -> Vec<u16> {
    let operation = &documented()["paths"][path][method.to_lowercase()];
    let Some(responses) = operation["responses"].as_object() else {
        return Vec::new();
    };
    responses
        .keys()
        .filter_map(|status| status.parse().ok())
        .filter(|status| (200..400).contains(status))
        .collect()
}

/// What a JSON response `body` with `status` to `method path` (the route as declared, with
/// `{param}`s) violates of docs/openapi.yaml: the status must be documented, and a body
/// must match the documented schema.
pub fn documented_violations(method: &str, path: &str, status: u16, body: &Value) -> Vec<String> {
    let doc = documented();
    let Some(operation) = doc["paths"]
        .get(path)
        .and_then(|p| p.get(method.to_lowercase()))
    else {
        return vec![format!(
            "docs/openapi.yaml has no operation {method} {path}"
        )];
    };
    let Some(response) = operation["responses"].get(status.to_string()) else {
        return vec![format!(
            "{method} {path}: status {status} is not documented"
        )];
    };
    let Some(schema) = response["content"]["application/json"].get("schema") else {
        return match body {
            Value::Null => vec![],
            _ => vec![format!(
                "{method} {path} {status}: a body where none is documented"
            )],
        };
    };
    let root = json!({"allOf": [schema], "components": doc["components"]});
    schema_violations(&root, body)
        .unwrap_or_else(|e| panic!("{method} {path} {status}: the schema does not build: {e}"))
}

/// What a JSON response `body` with `status` to `method path` (this platform's route, with
/// `{param}`s) violates of the published AlayaMarket spec of its family, where the spec
/// documents a body for that operation and status; nothing for this platform's extensions and
/// the other families.
pub fn published_violations(method: &str, path: &str, status: u16, body: &Value) -> Vec<String> {
    let Some((family, rest)) = ["auth", "offers", "organizations"]
        .into_iter()
        .find_map(|f| path.strip_prefix(&format!("/{f}")).map(|rest| (f, rest)))
    else {
        return vec![];
    };
    let file = format!("openapi.{family}.yaml");
    let mut doc = spec(&file);
    nullable_as_json_schema(&mut doc);
    let schema = &doc["paths"][rest][method.to_lowercase()]["responses"][status.to_string()]["content"]
        ["application/json"]["schema"];
    if schema.is_null() {
        return vec![];
    }
    let root = json!({"allOf": [schema], "components": doc["components"]});
    schema_violations(&root, body)
        .unwrap_or_else(|e| {
            panic!("{file} {method} {rest} {status}: the schema does not build: {e}")
        })
        .into_iter()
        .map(|v| format!("{file}: {v}"))
        .collect()
}
