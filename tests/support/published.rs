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
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .should_ignore_unknown_formats(true)
        .build(&root)
        .map_err(|e| format!("schema {name}: {e}"))?;
    Ok(validator
        .iter_errors(value)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect())
}
