//! Reads template.yaml: resources, the functions with their events and environment, and the
//! CloudFormation intrinsics (`Ref`, `Fn::GetAtt`, `Fn::Sub`, `Fn::Join`) the local stack needs
//! to resolve to the names it created.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{Map, Value, json};

use crate::Error;

/// The parsed template, intrinsics in their long form (`{"Ref": …}`), as JSON values.
#[derive(Clone, Debug)]
pub struct Template {
    pub doc: Value,
    /// The file it was read from; nested applications' `Location`s are relative to it.
    pub path: Option<std::path::PathBuf>,
}

/// A physical resource: what `Ref` returns and the attributes `Fn::GetAtt` can read.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct Physical {
    pub reference: String,
    pub attrs: BTreeMap<String, String>,
}

/// Everything `Ref`/`Fn::GetAtt`/`Fn::Sub` can name.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct Context {
    pub pseudo: BTreeMap<String, String>,
    pub parameters: BTreeMap<String, String>,
    pub resources: BTreeMap<String, Physical>,
}

impl Context {
    pub fn new(stack: &str, region: &str, account: &str) -> Self {
        let pseudo = [
            ("AWS::StackName", stack),
            ("AWS::Region", region),
            ("AWS::AccountId", account),
            ("AWS::Partition", "aws"),
            ("AWS::URLSuffix", "amazonaws.com"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        Self {
            pseudo,
            ..Default::default()
        }
    }

    fn reference(&self, name: &str) -> Result<String, Error> {
        if let Some(v) = self.pseudo.get(name).or_else(|| self.parameters.get(name)) {
            return Ok(v.clone());
        }
        self.resources
            .get(name)
            .map(|p| p.reference.clone())
            .ok_or_else(|| {
                Error::Template(format!(
                    "Ref to {name}, which the local stack has not created"
                ))
            })
    }

    fn attribute(&self, resource: &str, attr: &str) -> Result<String, Error> {
        self.resources
            .get(resource)
            .and_then(|p| p.attrs.get(attr))
            .cloned()
            .ok_or_else(|| {
                Error::Template(format!("Fn::GetAtt {resource}.{attr} is not known locally"))
            })
    }

    /// Resolves a value to a string (the only kind of value the local stack needs).
    pub fn resolve(&self, value: &Value) -> Result<String, Error> {
        match value {
            Value::String(s) => Ok(s.clone()),
            Value::Number(n) => Ok(n.to_string()),
            Value::Bool(b) => Ok(b.to_string()),
            Value::Object(o) if o.len() == 1 => {
                let (k, v) = o.iter().next().expect("one entry");
                match k.as_str() {
                    "Ref" => self.reference(v.as_str().unwrap_or_default()),
                    "Fn::GetAtt" => {
                        let parts: Vec<&str> = v
                            .as_array()
                            .into_iter()
                            .flatten()
                            .filter_map(Value::as_str)
                            .collect();
                        match parts.as_slice() {
                            [resource, attr] => self.attribute(resource, attr),
                            _ => Err(Error::Template(format!("malformed Fn::GetAtt {v}"))),
                        }
                    }
                    "Fn::Sub" => self.sub(v),
                    "Fn::Join" => {
                        let parts = v
                            .as_array()
                            .ok_or_else(|| Error::Template("malformed Fn::Join".into()))?;
                        let delimiter = parts.first().and_then(Value::as_str).unwrap_or_default();
                        let items = parts
                            .get(1)
                            .and_then(Value::as_array)
                            .cloned()
                            .unwrap_or_default();
                        Ok(items
                            .iter()
                            .map(|i| self.resolve(i))
                            .collect::<Result<Vec<_>, _>>()?
                            .join(delimiter))
                    }
                    other => Err(Error::Template(format!(
                        "intrinsic {other} is not supported locally"
                    ))),
                }
            }
            other => Err(Error::Template(format!(
                "cannot resolve {other} to a string"
            ))),
        }
    }

    fn sub(&self, v: &Value) -> Result<String, Error> {
        let (text, vars) = match v {
            Value::String(s) => (s.clone(), Map::new()),
            Value::Array(a) => (
                a.first()
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned(),
                a.get(1)
                    .and_then(Value::as_object)
                    .cloned()
                    .unwrap_or_default(),
            ),
            _ => return Err(Error::Template(format!("malformed Fn::Sub {v}"))),
        };
        let mut out = String::new();
        let mut rest = text.as_str();
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            let end = rest[start..]
                .find('}')
                .ok_or_else(|| Error::Template(format!("unclosed ${{ in {text}")))?;
            let name = &rest[start + 2..start + end];
            let value = if let Some(var) = vars.get(name) {
                self.resolve(var)?
            } else if let Some(literal) = name.strip_prefix('!') {
                format!("${{{literal}}}")
            } else if let Some((resource, attr)) = name.split_once('.') {
                self.attribute(resource, attr)?
            } else {
                self.reference(name)?
            };
            out.push_str(&value);
            rest = &rest[start + end + 1..];
        }
        out.push_str(rest);
        Ok(out)
    }
}

/// Turns YAML short-form tags (`!Ref X`, `!GetAtt A.B`, `!Sub …`) into their long JSON form.
fn normalize(value: serde_norway::Value) -> Value {
    use serde_norway::Value as Y;
    match value {
        Y::Null => Value::Null,
        Y::Bool(b) => Value::Bool(b),
        Y::Number(n) => serde_json::to_value(&n).unwrap_or(Value::Null),
        Y::String(s) => Value::String(s),
        Y::Sequence(seq) => Value::Array(seq.into_iter().map(normalize).collect()),
        Y::Mapping(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| {
                    (
                        k.as_str()
                            .map(str::to_owned)
                            .unwrap_or_else(|| format!("{k:?}")),
                        normalize(v),
                    )
                })
                .collect(),
        ),
        Y::Tagged(tagged) => {
            let tag = tagged.tag.to_string();
            let tag = tag.trim_start_matches('!');
            let inner = normalize(tagged.value);
            let key = if tag == "Ref" {
                "Ref".to_owned()
            } else {
                format!("Fn::{tag}")
            };
            let inner = match (tag, inner) {
                ("GetAtt", Value::String(s)) => {
                    let (resource, attr) = s.split_once('.').unwrap_or((&s, ""));
                    json!([resource, attr])
                }
                (_, v) => v,
            };
            json!({ key: inner })
        }
    }
}

/// A function's HTTP route.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Route {
    pub method: String,
    pub path: String,
}

/// A function's DynamoDB stream trigger.
#[derive(Clone, Debug)]
pub struct StreamTrigger {
    /// The stream ARN, unresolved (`!GetAtt Table.StreamArn`, or a parameter in a nested stack).
    pub stream: Value,
    pub batch_size: usize,
    pub maximum_retry_attempts: u32,
    pub bisect_on_error: bool,
    /// The on-failure queue's ARN, unresolved: what the function gave up on goes there.
    pub on_failure: Option<Value>,
    /// `FilterCriteria` patterns: a record reaches the function only if one matches (all do
    /// when there are none), as Lambda filters before batching.
    pub filters: Vec<Value>,
}

/// Whether a stream record matches a Lambda event filter pattern: every key of the pattern is
/// in the record, an object matching recursively and a list naming the value the record
/// has (the equality form, the only one the templates use).
pub fn filter_matches(pattern: &Value, record: &Value) -> bool {
    match pattern {
        Value::Object(keys) => keys
            .iter()
            .all(|(k, p)| record.get(k).is_some_and(|r| filter_matches(p, r))),
        Value::Array(allowed) => allowed.contains(record),
        other => other == record,
    }
}

/// A function's SQS trigger.
#[derive(Clone, Debug)]
pub struct QueueTrigger {
    /// The queue's ARN, unresolved (`!GetAtt Queue.Arn`).
    pub queue: Value,
    pub batch_size: usize,
}

#[derive(Clone, Debug)]
pub struct FunctionDef {
    pub logical_id: String,
    pub handler: String,
    /// Unresolved environment: Globals merged with the function's own variables.
    pub environment: BTreeMap<String, Value>,
    pub routes: Vec<Route>,
    pub streams: Vec<StreamTrigger>,
    pub queues: Vec<QueueTrigger>,
    /// EventBridge schedule expressions (`rate(1 minute)`, `cron(...)`).
    pub schedules: Vec<String>,
    /// The nested application (its logical id in the root template) that declares the
    /// function; `None` for the root template.
    pub stack: Option<String>,
    /// The binary `sam build` builds for it (`Metadata.BuildProperties.Binary`). The local
    /// stack runs handlers in-process and does not use it; tests/structure/drift.rs checks it.
    pub binary: Option<String>,
}

/// A state machine (`AWS::Serverless::StateMachine`) with its `Definition` inline.
#[derive(Clone, Debug)]
pub struct StateMachineDef {
    pub logical_id: String,
    /// The definition as written, `${name}` placeholders unreplaced.
    pub definition: Value,
    /// `DefinitionSubstitutions`, unresolved.
    pub substitutions: Map<String, Value>,
    /// The nested application that declares it; `None` for the root template.
    pub stack: Option<String>,
}

impl StateMachineDef {
    /// The definition with each `${name}` of `DefinitionSubstitutions` replaced by its value
    /// resolved in `ctx`, as Step Functions receives it.
    pub fn render(&self, ctx: &Context) -> Result<Value, Error> {
        let mut values = Vec::new();
        for (name, v) in &self.substitutions {
            values.push((format!("${{{name}}}"), ctx.resolve(v)?));
        }
        fn replace(v: &Value, values: &[(String, String)]) -> Value {
            match v {
                Value::String(s) => Value::String(
                    values
                        .iter()
                        .fold(s.clone(), |s, (from, to)| s.replace(from, to)),
                ),
                Value::Array(a) => Value::Array(a.iter().map(|x| replace(x, values)).collect()),
                Value::Object(m) => Value::Object(
                    m.iter()
                        .map(|(k, x)| (k.clone(), replace(x, values)))
                        .collect(),
                ),
                other => other.clone(),
            }
        }
        Ok(replace(&self.definition, &values))
    }
}

/// A nested application of the root template (`AWS::Serverless::Application` with a local
/// `Location`), with the parameters the root passes it, unresolved.
#[derive(Clone, Debug)]
pub struct NestedApp {
    pub logical_id: String,
    pub template: Template,
    pub parameters: Map<String, Value>,
}

impl Template {
    pub fn load(path: &Path) -> Result<Self, Error> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Error::Template(format!("{}: {e}", path.display())))?;
        let mut t =
            Self::parse(&text).map_err(|e| Error::Template(format!("{}: {e}", path.display())))?;
        t.path = Some(path.to_owned());
        Ok(t)
    }

    /// The nested applications, each with its template loaded.
    pub fn applications(&self) -> Result<Vec<NestedApp>, Error> {
        let dir = self
            .path
            .as_deref()
            .and_then(Path::parent)
            .unwrap_or(Path::new("."));
        self.resources_of("AWS::Serverless::Application")
            .into_iter()
            .map(|(id, p)| {
                let location = p["Location"].as_str().ok_or_else(|| {
                    Error::Template(format!("{id}: only a local Location is supported"))
                })?;
                Ok(NestedApp {
                    template: Template::load(&dir.join(location))?,
                    parameters: p["Parameters"].as_object().cloned().unwrap_or_default(),
                    logical_id: id,
                })
            })
            .collect()
    }

    /// The functions of this template and of its nested applications.
    pub fn all_functions(&self) -> Result<Vec<FunctionDef>, Error> {
        let mut all = self.functions()?;
        for app in self.applications()? {
            for mut f in app.template.functions()? {
                f.stack = Some(app.logical_id.clone());
                all.push(f);
            }
        }
        Ok(all)
    }

    /// The state machines of this template and of its nested applications.
    pub fn all_state_machines(&self) -> Result<Vec<StateMachineDef>, Error> {
        let mut all = self.state_machines()?;
        for app in self.applications()? {
            for mut m in app.template.state_machines()? {
                m.stack = Some(app.logical_id.clone());
                all.push(m);
            }
        }
        Ok(all)
    }

    pub fn state_machines(&self) -> Result<Vec<StateMachineDef>, Error> {
        self.resources_of("AWS::Serverless::StateMachine")
            .into_iter()
            .map(|(id, p)| {
                let definition = p.get("Definition").cloned().ok_or_else(|| {
                    Error::Template(format!(
                        "{id}: only an inline Definition is supported locally"
                    ))
                })?;
                Ok(StateMachineDef {
                    logical_id: id,
                    definition,
                    substitutions: p["DefinitionSubstitutions"]
                        .as_object()
                        .cloned()
                        .unwrap_or_default(),
                    stack: None,
                })
            })
            .collect()
    }

    pub fn parse(text: &str) -> Result<Self, Error> {
        let yaml: serde_norway::Value =
            serde_norway::from_str(text).map_err(|e| Error::Template(e.to_string()))?;
        Ok(Self {
            doc: normalize(yaml),
            path: None,
        })
    }

    /// `(logical id, properties)` of every resource of `kind`, in template order.
    pub fn resources_of(&self, kind: &str) -> Vec<(String, Value)> {
        self.doc["Resources"]
            .as_object()
            .into_iter()
            .flatten()
            .filter(|(_, r)| r["Type"] == kind)
            .map(|(id, r)| {
                (
                    id.clone(),
                    r.get("Properties")
                        .cloned()
                        .unwrap_or(Value::Object(Map::new())),
                )
            })
            .collect()
    }

    pub fn parameter_defaults(&self) -> BTreeMap<String, String> {
        self.doc["Parameters"]
            .as_object()
            .into_iter()
            .flatten()
            .filter_map(|(k, p)| {
                let d = &p["Default"];
                let v = d
                    .as_str()
                    .map(str::to_owned)
                    .or_else(|| (!d.is_null()).then(|| d.to_string()))?;
                Some((k.clone(), v))
            })
            .collect()
    }

    pub fn functions(&self) -> Result<Vec<FunctionDef>, Error> {
        let globals = &self.doc["Globals"]["Function"];
        let mut out = Vec::new();
        for (id, props) in self.resources_of("AWS::Serverless::Function") {
            let handler = props["Handler"]
                .as_str()
                .or_else(|| globals["Handler"].as_str())
                .ok_or_else(|| Error::Template(format!("{id} has no Handler")))?
                .to_owned();
            let mut environment = BTreeMap::new();
            for source in [
                &globals["Environment"]["Variables"],
                &props["Environment"]["Variables"],
            ] {
                if let Some(vars) = source.as_object() {
                    environment.extend(vars.iter().map(|(k, v)| (k.clone(), v.clone())));
                }
            }
            let mut routes = Vec::new();
            let mut streams = Vec::new();
            let mut queues = Vec::new();
            let mut schedules = Vec::new();
            for (_, event) in props["Events"].as_object().into_iter().flatten() {
                let p = &event["Properties"];
                match event["Type"].as_str() {
                    Some("HttpApi") => routes.push(Route {
                        method: p["Method"].as_str().unwrap_or("ANY").to_uppercase(),
                        path: p["Path"].as_str().unwrap_or("/").to_owned(),
                    }),
                    Some("DynamoDB") => streams.push(StreamTrigger {
                        stream: p["Stream"].clone(),
                        batch_size: p["BatchSize"].as_u64().unwrap_or(100) as usize,
                        maximum_retry_attempts: p["MaximumRetryAttempts"].as_u64().unwrap_or(3)
                            as u32,
                        bisect_on_error: p["BisectBatchOnFunctionError"].as_bool().unwrap_or(false),
                        on_failure: p["DestinationConfig"]["OnFailure"]
                            .get("Destination")
                            .cloned(),
                        filters: p["FilterCriteria"]["Filters"]
                            .as_array()
                            .into_iter()
                            .flatten()
                            .filter_map(|f| serde_json::from_str(f["Pattern"].as_str()?).ok())
                            .collect(),
                    }),
                    Some("SQS") => queues.push(QueueTrigger {
                        queue: p["Queue"].clone(),
                        batch_size: p["BatchSize"].as_u64().unwrap_or(10) as usize,
                    }),
                    Some("Schedule" | "ScheduleV2") => schedules.push(
                        p["Schedule"]
                            .as_str()
                            .or_else(|| p["ScheduleExpression"].as_str())
                            .unwrap_or_default()
                            .to_owned(),
                    ),
                    Some(other) => {
                        tracing::warn!(function = %id, event = other, "event type not driven by the local stack")
                    }
                    None => {}
                }
            }
            let binary = self.doc["Resources"][&id]["Metadata"]["BuildProperties"]["Binary"]
                .as_str()
                .map(str::to_owned);
            out.push(FunctionDef {
                binary,
                logical_id: id,
                handler,
                environment,
                routes,
                streams,
                queues,
                schedules,
                stack: None,
            });
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_filter_pattern_passes_only_the_records_it_names() {
        let pattern: Value = serde_json::from_str(
            r#"{"eventName":["INSERT"],"dynamodb":{"NewImage":{"kind":{"S":["event","x"]}}}}"#,
        )
        .unwrap();
        let record = |name: &str, kind: Option<&str>| {
            let mut image = serde_json::json!({"pk": {"S": "EVT#1"}});
            if let Some(k) = kind {
                image["kind"] = serde_json::json!({ "S": k });
            }
            serde_json::json!({"eventName": name, "dynamodb": {"NewImage": image}})
        };
        assert!(filter_matches(&pattern, &record("INSERT", Some("event"))));
        assert!(filter_matches(&pattern, &record("INSERT", Some("x"))));
        assert!(!filter_matches(&pattern, &record("MODIFY", Some("event"))));
        assert!(!filter_matches(&pattern, &record("INSERT", Some("offer"))));
        assert!(
            !filter_matches(&pattern, &record("INSERT", None)),
            "a counter has no kind"
        );
    }

    #[test]
    fn short_form_intrinsics_resolve() {
        let t = Template::parse(
            "Resources:\n  T:\n    Type: X\n    Properties:\n      A: !Ref T\n      B: !GetAtt T.Arn\n      C: !Sub \"${AWS::StackName}-x-${T.Arn}\"\n",
        )
        .unwrap();
        let mut ctx = Context::new("s", "us-east-1", "1");
        ctx.resources.insert(
            "T".into(),
            Physical {
                reference: "t-name".into(),
                attrs: [("Arn".to_owned(), "arn:t".to_owned())].into(),
            },
        );
        let props = &t.resources_of("X")[0].1;
        assert_eq!(ctx.resolve(&props["A"]).unwrap(), "t-name");
        assert_eq!(ctx.resolve(&props["B"]).unwrap(), "arn:t");
        assert_eq!(ctx.resolve(&props["C"]).unwrap(), "s-x-arn:t");
    }
}
