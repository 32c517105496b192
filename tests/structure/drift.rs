//! template.yaml, the handler registry, `events/` and docs/openapi.yaml describe the same
//! functions, and each function is built from the binary whose list holds its handler: these
//! tests fail on any difference, so none of them can drift.

use std::collections::{BTreeMap, BTreeSet};

use devstack::template::Template;
use functions::registry::entries;
use functions::{Handler, REGISTRY};
use serde_json::Value;

fn path_matches(pattern: &str, path: &str) -> bool {
    let p: Vec<&str> = pattern.split('/').collect();
    let q: Vec<&str> = path.split('/').collect();
    p.len() == q.len()
        && p.iter()
            .zip(&q)
            .all(|(a, b)| a == b || (a.starts_with('{') && a.ends_with('}') && !b.is_empty()))
}

#[test]
fn template_registry_events_and_openapi_agree() {
    let root = devstack::repo_root();
    let template = Template::load(&root.join("template.yaml")).expect("template.yaml parses");
    let openapi: Value =
        serde_norway::from_str(&std::fs::read_to_string(root.join("docs/openapi.yaml")).unwrap())
            .expect("openapi parses");
    let functions = template.all_functions().expect("functions are readable");
    let mut problems: Vec<String> = Vec::new();
    let mut handlers = BTreeSet::new();
    let mut routes = BTreeSet::new();

    for f in &functions {
        if !handlers.insert(f.handler.clone()) {
            problems.push(format!(
                "{}: handler {} is used by two functions",
                f.logical_id, f.handler
            ));
        }
        let Some(entry) = functions::find(&f.handler) else {
            problems.push(format!(
                "{}: handler {} is not in the registry",
                f.logical_id, f.handler
            ));
            continue;
        };
        let event_path = root.join(format!("events/{}.json", f.handler));
        let event: Option<Value> = std::fs::read_to_string(&event_path)
            .ok()
            .and_then(|s| serde_json::from_str(&s).ok());
        if event.is_none() {
            problems.push(format!(
                "{}: events/{}.json is missing or not JSON",
                f.logical_id, f.handler
            ));
        }
        match entry.handler {
            Handler::Http { .. } => {
                let [route] = f.routes.as_slice() else {
                    problems.push(format!(
                        "{}: an HTTP handler serves exactly one route; the template gives {}",
                        f.logical_id,
                        f.routes.len()
                    ));
                    continue;
                };
                let (method, path) = (route.method.as_str(), route.path.as_str());
                if !f.streams.is_empty() || !f.schedules.is_empty() {
                    problems.push(format!(
                        "{}: an HTTP handler has only its HttpApi event",
                        f.logical_id
                    ));
                }
                routes.insert((method.to_lowercase(), path.to_owned()));
                let op = &openapi["paths"][path][method.to_lowercase()];
                if op["operationId"] != f.handler.as_str() {
                    problems.push(format!(
                        "docs/openapi.yaml: {method} {path} has operationId {}, not {}",
                        op["operationId"], f.handler
                    ));
                }
                if let Some(event) = &event {
                    if event["routeKey"] != format!("{method} {path}").as_str() {
                        problems.push(format!(
                            "events/{}.json: routeKey {}",
                            f.handler, event["routeKey"]
                        ));
                    }
                    if event["requestContext"]["http"]["method"] != method
                        || !path_matches(path, event["rawPath"].as_str().unwrap_or_default())
                    {
                        problems.push(format!(
                            "events/{}.json: method/rawPath do not fit {method} {path}",
                            f.handler
                        ));
                    }
                    if let Err(e) = lambda_http::request::from_str(&event.to_string()) {
                        problems.push(format!(
                            "events/{}.json is not an API Gateway v2 event: {e}",
                            f.handler
                        ));
                    }
                }
            }
            Handler::Schedule(_) => {
                if f.schedules.is_empty() || !f.routes.is_empty() || !f.streams.is_empty() {
                    problems.push(format!(
                        "{}: a scheduled handler needs exactly a Schedule event",
                        f.logical_id
                    ));
                }
                if let Some(event) = &event
                    && serde_json::from_value::<
                        aws_lambda_events::event::cloudwatch_events::CloudWatchEvent,
                    >(event.clone())
                    .is_err()
                {
                    problems.push(format!(
                        "events/{}.json is not a scheduled (EventBridge) event",
                        f.handler
                    ));
                }
            }
            Handler::Task(_) => {
                if !f.routes.is_empty() || !f.streams.is_empty() || !f.schedules.is_empty() {
                    problems.push(format!(
                        "{}: a Task handler is invoked by its state machine only, never by an event",
                        f.logical_id
                    ));
                }
                if event.as_ref().is_some_and(|e| !e.is_object()) {
                    problems.push(format!(
                        "events/{}.json is not a state's input (an object)",
                        f.handler
                    ));
                }
            }
            Handler::DynamoDbStream(_) => {
                if f.streams.is_empty() || !f.routes.is_empty() {
                    problems.push(format!(
                        "{}: a stream handler needs exactly a DynamoDB event",
                        f.logical_id
                    ));
                }
                if let Some(event) = &event {
                    match serde_json::from_value::<aws_lambda_events::event::dynamodb::Event>(
                        event.clone(),
                    ) {
                        Ok(e) if !e.records.is_empty() => {}
                        _ => problems.push(format!(
                            "events/{}.json is not a DynamoDB stream event",
                            f.handler
                        )),
                    }
                }
            }
            Handler::Queue(_) => {
                if f.queues.is_empty() || !f.routes.is_empty() || !f.streams.is_empty() {
                    problems.push(format!(
                        "{}: a queue handler needs exactly an SQS event",
                        f.logical_id
                    ));
                }
                if let Some(event) = &event {
                    match serde_json::from_value::<aws_lambda_events::event::sqs::SqsEvent>(
                        event.clone(),
                    ) {
                        Ok(e) if !e.records.is_empty() => {}
                        _ => {
                            problems.push(format!("events/{}.json is not an SQS event", f.handler))
                        }
                    }
                }
            }
        }
    }
    // Each Task state names, through DefinitionSubstitutions, a function with a Task handler,
    // and each Task handler's function is the Task of exactly one state.
    let mut tasks: Vec<String> = Vec::new();
    for machine in template
        .all_state_machines()
        .expect("state machines are readable")
    {
        let definition = match devstack::executions::Definition::parse(&machine.definition) {
            Ok(d) => d,
            Err(e) => {
                problems.push(format!("{}: {e}", machine.logical_id));
                continue;
            }
        };
        for resource in definition.task_resources() {
            let target = resource
                .strip_prefix("${")
                .and_then(|r| r.strip_suffix('}'))
                .and_then(|name| machine.substitutions.get(name))
                .and_then(|v| v["Fn::GetAtt"][0].as_str());
            let function = functions
                .iter()
                .find(|f| Some(f.logical_id.as_str()) == target && f.stack == machine.stack);
            match function {
                Some(f) => tasks.push(f.handler.clone()),
                None => problems.push(format!(
                    "{}: Task resource {resource} is not `${{Name}}` with Name: !GetAtt <function>.Arn of the same template",
                    machine.logical_id
                )),
            }
        }
    }
    for f in &functions {
        let is_task = matches!(
            functions::find(&f.handler).map(|e| e.handler),
            Some(Handler::Task(_))
        );
        let uses = tasks.iter().filter(|h| **h == f.handler).count();
        if is_task != (uses == 1) {
            problems.push(format!(
                "{}: {} Task state(s) run it; a Task handler needs exactly one, any other none",
                f.logical_id, uses
            ));
        }
    }
    for entry in entries() {
        if !handlers.contains(entry.name) {
            problems.push(format!(
                "registry entry {} has no function in template.yaml",
                entry.name
            ));
        }
    }
    for file in std::fs::read_dir(root.join("events")).unwrap() {
        let name = file.unwrap().file_name().to_string_lossy().into_owned();
        match name.strip_suffix(".json") {
            Some(h) if handlers.contains(h) => {}
            _ => problems.push(format!("events/{name} belongs to no function")),
        }
    }
    for (path, item) in openapi["paths"].as_object().expect("paths") {
        for method in item
            .as_object()
            .unwrap()
            .keys()
            .filter(|m| ["get", "post", "put", "patch", "delete"].contains(&m.as_str()))
        {
            if !routes.contains(&(method.clone(), path.clone())) {
                problems.push(format!(
                    "docs/openapi.yaml documents {method} {path}, which no function serves"
                ));
            }
        }
    }
    assert!(problems.is_empty(), "drift:\n  {}", problems.join("\n  "));
}

/// A handler's name is where its code is: `a.b.f` is `fn f` in `functions/src/a/b.rs` (or
/// `a/b/mod.rs`), and a stream, queue or schedule consumer `a.b` is the module
/// `functions/src/a/b.rs` with its one `call`. The registry's macros derive the name from the
/// path, so this holds as long as no line names a re-export: a newcomer reading the template's
/// `Handler` opens one file.
#[test]
fn each_handler_name_is_the_path_of_its_code() {
    let src = devstack::repo_root().join("functions/src");
    let read = |module: &[&str]| {
        let dir = module.join("/");
        std::fs::read_to_string(src.join(format!("{dir}.rs")))
            .or_else(|_| std::fs::read_to_string(src.join(format!("{dir}/mod.rs"))))
            .ok()
    };
    let mut problems = Vec::new();
    for entry in entries() {
        let segments: Vec<&str> = entry.name.split('.').collect();
        let (module, function) = match entry.handler {
            Handler::Http { .. } | Handler::Task(_) => {
                let (f, m) = segments.split_last().expect("a name has segments");
                (m.to_vec(), *f)
            }
            _ => (segments.clone(), "call"),
        };
        let defined = read(&module).is_some_and(|code| {
            code.contains(&format!("pub async fn {function}("))
                || code.contains(&format!("pub fn {function}("))
        });
        if !defined {
            problems.push(format!(
                "{}: no `pub fn {function}` in functions/src/{}.rs or {}/mod.rs",
                entry.name,
                module.join("/"),
                module.join("/")
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// One binary per nested stack: a function's `BuildProperties.Binary` names the binary whose
/// registry list holds its handler, that list holds exactly the handlers its stack declares,
/// no handler is in two lists, and each binary is a `[[bin]]` that serves its own list. A
/// mismatch would otherwise show only in AWS, as a function that fails at init.
#[test]
fn each_function_is_built_from_its_stacks_binary() {
    let root = devstack::repo_root();
    let template = Template::load(&root.join("template.yaml")).expect("template.yaml parses");
    let mut problems: Vec<String> = Vec::new();

    // The nested application's logical id -> its file name, stacks/<name>.yaml, which is also
    // the name of its binary.
    let stack_names: BTreeMap<String, String> = template
        .applications()
        .expect("nested applications load")
        .into_iter()
        .map(|app| {
            let path = app.template.path.expect("loaded from a file");
            let name = path.file_stem().unwrap().to_string_lossy().into_owned();
            (app.logical_id, name)
        })
        .collect();

    let mut owner: BTreeMap<&str, &str> = BTreeMap::new();
    for stack in REGISTRY {
        for entry in stack.entries {
            if let Some(other) = owner.insert(entry.name, stack.binary) {
                problems.push(format!(
                    "{} is in two registry lists: {other} and {}",
                    entry.name, stack.binary
                ));
            }
        }
    }

    let mut declared: BTreeSet<(String, String)> = BTreeSet::new();
    for f in template.all_functions().expect("functions are readable") {
        let Some(stack) = f.stack.as_ref().map(|id| &stack_names[id]) else {
            problems.push(format!(
                "{}: declared in template.yaml, whose functions have no binary; declare it in a \
                 nested stack",
                f.logical_id
            ));
            continue;
        };
        declared.insert((stack.clone(), f.handler.clone()));
        // A handler in no list is reported by the test above.
        let Some(binary) = owner.get(f.handler.as_str()) else {
            continue;
        };
        if f.binary.as_deref() != Some(binary) {
            problems.push(format!(
                "stacks/{stack}.yaml: {} has BuildProperties.Binary {:?}, but {} is in the list \
                 of the {binary:?} binary",
                f.logical_id, f.binary, f.handler
            ));
        }
        if stack != binary {
            problems.push(format!(
                "stacks/{stack}.yaml declares {} ({}), which is in the registry list of \
                 stacks/{binary}.yaml",
                f.logical_id, f.handler
            ));
        }
    }
    for stack in REGISTRY {
        for entry in stack.entries {
            if !declared.contains(&(stack.binary.to_owned(), entry.name.to_owned())) {
                problems.push(format!(
                    "registry list {} holds {}, which stacks/{}.yaml does not declare",
                    stack.binary, entry.name, stack.binary
                ));
            }
        }
    }

    // Each list is served by a [[bin]] of the same name whose main passes that list.
    let manifest = std::fs::read_to_string(root.join("functions/Cargo.toml")).unwrap();
    let bins: BTreeSet<String> = manifest
        .split("[[bin]]")
        .skip(1)
        .filter_map(|section| {
            section.lines().find_map(|l| {
                let v = l.trim().strip_prefix("name")?.trim().strip_prefix('=')?;
                Some(v.trim().trim_matches('"').to_owned())
            })
        })
        .collect();
    let lists: BTreeSet<String> = REGISTRY.iter().map(|s| s.binary.to_owned()).collect();
    if bins != lists {
        problems.push(format!(
            "functions/Cargo.toml has the binaries {bins:?}, the registry the lists {lists:?}"
        ));
    }
    for stack in REGISTRY {
        let main = format!("functions/src/bin/{}.rs", stack.binary);
        let list = format!("registry::{}_HANDLERS", stack.binary.to_uppercase());
        match std::fs::read_to_string(root.join(&main)) {
            Ok(text) if text.contains(&list) => {}
            _ => problems.push(format!("{main} does not serve {list}")),
        }
    }
    assert!(
        problems.is_empty(),
        "binaries:\n  {}",
        problems.join("\n  ")
    );
}

/// docs/openapi.yaml is as strict as the published AlayaMarket specs where they describe the
/// same operation: a response has every property the published one has and requires what it
/// requires (a client generated from either reads ours), and a request body requires nothing
/// the published one leaves optional (a client following it is never refused for it).
#[test]
fn docs_openapi_is_as_strict_as_the_published_specs() {
    let root = devstack::repo_root();
    let load = |path: std::path::PathBuf| -> Value {
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        serde_norway::from_str(&text).expect("the document parses")
    };
    let ours = load(root.join("docs/openapi.yaml"));
    let mut problems = Vec::new();
    let mut compared = 0;
    for family in ["auth", "offers", "organizations"] {
        let published =
            load(root.join(format!("../shared/specs/alayamarket/openapi.{family}.yaml")));
        let schemas = Schemas {
            published: &published,
            ours: &ours,
        };
        for (path, item) in published["paths"].as_object().expect("paths") {
            for (method, op) in item.as_object().expect("operations") {
                let our_op = &ours["paths"][format!("/{family}{path}")][method];
                let at = format!("{} /{family}{path}", method.to_uppercase());
                if our_op.is_null() {
                    problems.push(format!("{at}: not in docs/openapi.yaml"));
                    continue;
                }
                let json = |v: &Value| v["content"]["application/json"]["schema"].clone();
                for (status, response) in op["responses"].as_object().into_iter().flatten() {
                    let theirs = json(response);
                    if !status.starts_with('2') || theirs.is_null() {
                        continue;
                    }
                    let mine = json(&our_op["responses"][status]);
                    if mine.is_null() {
                        problems.push(format!("{at} {status}: no documented body"));
                        continue;
                    }
                    compared += 1;
                    schemas.response(&format!("{at} {status}"), &theirs, &mine, &mut problems);
                }
                let (theirs, mine) = (json(&op["requestBody"]), json(&our_op["requestBody"]));
                if !theirs.is_null() && !mine.is_null() {
                    compared += 1;
                    schemas.request(&format!("{at} request"), &theirs, &mine, &mut problems);
                }
            }
        }
    }
    assert!(compared > 100, "compared {compared} bodies");
    assert!(
        problems.is_empty(),
        "docs/openapi.yaml differs from the published specs:\n{}",
        problems.join("\n")
    );
}

/// The two documents whose schemas are compared, each resolving its own `$ref`s.
struct Schemas<'a> {
    published: &'a Value,
    ours: &'a Value,
}

impl Schemas<'_> {
    fn response(&self, at: &str, theirs: &Value, mine: &Value, problems: &mut Vec<String>) {
        self.walk(at, theirs, mine, 0, &mut |at, (tp, tr), (mp, mr)| {
            for name in tr.difference(mr) {
                problems.push(format!(
                    "{at}.{name}: required by the published spec, optional in ours"
                ));
            }
            if !mp.is_empty() {
                for name in tp.keys().filter(|n| !mp.contains_key(*n)) {
                    problems.push(format!("{at}.{name}: in the published spec, not in ours"));
                }
            }
        });
    }

    fn request(&self, at: &str, theirs: &Value, mine: &Value, problems: &mut Vec<String>) {
        self.walk(at, theirs, mine, 0, &mut |at, (tp, tr), (_, mr)| {
            for name in mr.difference(tr).filter(|n| tp.contains_key(*n)) {
                problems.push(format!(
                    "{at}.{name}: optional in the published spec, required in ours"
                ));
            }
        });
    }

    /// Calls `check` with the properties and required names of each pair of object schemas
    /// found at the same place in both, through properties and array items.
    fn walk(
        &self,
        at: &str,
        theirs: &Value,
        mine: &Value,
        depth: usize,
        check: &mut dyn FnMut(&str, &Flat, &Flat),
    ) {
        let (theirs, mine) = (resolve(self.published, theirs), resolve(self.ours, mine));
        if depth > 10 {
            return;
        }
        if theirs.get("items").is_some() {
            if mine.get("items").is_some() {
                self.walk(
                    &format!("{at}[]"),
                    &theirs["items"],
                    &mine["items"],
                    depth + 1,
                    check,
                );
            }
            return;
        }
        let (t, m) = (flat(self.published, theirs), flat(self.ours, mine));
        for (name, schema) in &t.0 {
            if let Some(ours) = m.0.get(name) {
                self.walk(&format!("{at}.{name}"), schema, ours, depth + 1, check);
            }
        }
        check(at, &t, &m);
    }
}

type Flat = (BTreeMap<String, Value>, BTreeSet<String>);

fn resolve<'d>(doc: &'d Value, mut schema: &'d Value) -> &'d Value {
    while let Some(name) = schema["$ref"].as_str().and_then(|r| r.rsplit('/').next()) {
        schema = &doc["components"]["schemas"][name];
    }
    schema
}

/// An object schema's properties and required names, with its `allOf` parts merged.
fn flat(doc: &Value, schema: &Value) -> Flat {
    let schema = resolve(doc, schema);
    let mut properties: BTreeMap<String, Value> = schema["properties"]
        .as_object()
        .map(|p| p.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default();
    let mut required: BTreeSet<String> = schema["required"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|n| n.as_str().map(str::to_owned))
        .collect();
    for part in schema["allOf"].as_array().into_iter().flatten() {
        let (p, r) = flat(doc, part);
        properties.extend(p);
        required.extend(r);
    }
    (properties, required)
}

/// The logical id a `Fn::GetAtt` names (short or long form), if `v` is one.
fn get_att_resource(v: &Value) -> Option<String> {
    match &v["Fn::GetAtt"] {
        Value::Array(parts) => parts.first()?.as_str().map(str::to_owned),
        Value::String(s) => s.split('.').next().map(str::to_owned),
        _ => None,
    }
}

/// The resources `template`'s alarms on `metric` watch: each alarm's dimension values, as
/// `resource` reads them.
fn alarmed(
    template: &Template,
    metric: &str,
    resource: impl Fn(&Value) -> Option<String>,
) -> BTreeSet<String> {
    template
        .resources_of("AWS::CloudWatch::Alarm")
        .into_iter()
        .filter(|(_, p)| p["MetricName"] == metric)
        .flat_map(|(_, p)| {
            p["Dimensions"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|d| resource(&d["Value"]))
                .collect::<Vec<_>>()
        })
        .collect()
}

/// Nothing is parked silently: every queue a function's failures or a queue's dead letters go
/// to (an SQS `RedrivePolicy.deadLetterTargetArn` or an event source's `OnFailure`
/// destination, in any stack) is a queue of the root template with an alarm on its visible
/// messages; every stream consumer has an alarm on its iterator age; and every function of
/// every stack is traced (X-Ray `Tracing: Active`).
#[test]
fn every_parking_queue_alarms_and_every_function_is_traced() {
    let root = devstack::repo_root();
    let template = Template::load(&root.join("template.yaml")).expect("template.yaml parses");
    let queues_alarmed = alarmed(
        &template,
        "ApproximateNumberOfMessagesVisible",
        get_att_resource,
    );
    let mut problems = Vec::new();
    let mut parking = BTreeSet::new();
    for app in template.applications().expect("nested applications load") {
        // Every value anywhere in the stack's resources that names a parking place.
        let mut found = Vec::new();
        let mut walk = vec![app.template.doc["Resources"].clone()];
        while let Some(v) = walk.pop() {
            match v {
                Value::Object(map) => {
                    for (k, v) in map {
                        if k == "deadLetterTargetArn" {
                            found.push(v.clone());
                        }
                        if k == "OnFailure" {
                            found.push(v["Destination"].clone());
                        }
                        walk.push(v);
                    }
                }
                Value::Array(items) => walk.extend(items),
                _ => {}
            }
        }
        for target in found {
            // A parameter the root passes: which root resource it names.
            let queue = target["Ref"]
                .as_str()
                .and_then(|param| app.parameters.get(param))
                .and_then(get_att_resource);
            match queue {
                Some(q) => {
                    parking.insert(q);
                }
                None => problems.push(format!(
                    "{}: a parking place that is not a root queue: {target}",
                    app.logical_id
                )),
            }
        }
        // Each stream consumer alarms when it falls behind the table's stream.
        let watched = alarmed(&app.template, "IteratorAge", |v: &Value| {
            v["Ref"].as_str().map(str::to_owned)
        });
        for (id, props) in app.template.resources_of("AWS::Serverless::Function") {
            let streams = props["Events"]
                .as_object()
                .into_iter()
                .flatten()
                .any(|(_, e)| e["Type"] == "DynamoDB");
            if streams && !watched.contains(&id) {
                problems.push(format!(
                    "{}: {id} reads a stream without an iterator-age alarm",
                    app.logical_id
                ));
            }
        }
        let globals = &app.template.doc["Globals"]["Function"]["Tracing"];
        for (id, props) in app.template.resources_of("AWS::Serverless::Function") {
            let tracing = props.get("Tracing").unwrap_or(globals);
            if tracing != "Active" {
                problems.push(format!("{}: {id} is not traced", app.logical_id));
            }
        }
    }
    assert!(parking.len() >= 3, "parking queues found: {parking:?}");
    for q in &parking {
        if !queues_alarmed.contains(q) {
            problems.push(format!("{q} parks messages without an alarm"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The metrics an alarm reads: its own for a single-metric alarm, else each `MetricStat` of
/// its metric math (`{Namespace, MetricName, Dimensions}`).
fn alarm_metrics(alarm: &Value) -> Vec<&Value> {
    if alarm.get("MetricName").is_some() {
        return vec![alarm];
    }
    alarm["Metrics"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|m| m.get("MetricStat").map(|s| &s["Metric"]))
        .collect()
}

/// The value of `metric`'s dimension `name`, if it has one.
fn dimension<'m>(metric: &'m Value, name: &str) -> Option<&'m Value> {
    metric["Dimensions"]
        .as_array()?
        .iter()
        .find(|d| d["Name"] == name)
        .map(|d| &d["Value"])
}

/// The `(resource, attribute)` a `Fn::GetAtt` names, if `v` is one.
fn get_att(v: &Value) -> Option<(String, String)> {
    match &v["Fn::GetAtt"] {
        Value::Array(parts) => Some((
            parts.first()?.as_str()?.to_owned(),
            parts.get(1)?.as_str()?.to_owned(),
        )),
        Value::String(s) => s.split_once('.').map(|(r, a)| (r.to_owned(), a.to_owned())),
        _ => None,
    }
}

/// Every API's errors, every function's errors and throttles page someone, and the dashboard
/// shows what an operator looks at first: in every stack, each HTTP API has an alarm on its 5xx
/// rate (its `5xx` and `Count` in one metric math alarm; `5XXError` for a REST API), each
/// function is read by a Lambda `Errors` and a `Throttles` alarm (of at most ten metrics,
/// CloudWatch's limit for metric math), and every alarm of every stack notifies the
/// `AlarmTopicArn` topic when it has one; the root's dashboard body is JSON once substituted and
/// shows each API, each stream consumer, each parking queue and the table.
#[test]
fn every_api_and_function_alarms_and_the_dashboard_shows_them() {
    let root = devstack::repo_root();
    let template = Template::load(&root.join("template.yaml")).expect("template.yaml parses");
    let apps = template.applications().expect("nested applications load");
    let notify = serde_json::json!({"Fn::If": [
        "HasAlarmTopic",
        [{"Ref": "AlarmTopicArn"}],
        {"Ref": "AWS::NoValue"}
    ]});
    let mut problems = Vec::new();
    let stacks = std::iter::once(("root".to_owned(), &template, None)).chain(
        apps.iter()
            .map(|a| (a.logical_id.clone(), &a.template, Some(a))),
    );
    for (stack, t, app) in stacks {
        let alarms = t.resources_of("AWS::CloudWatch::Alarm");
        for (id, p) in &alarms {
            if p["AlarmActions"] != notify || p["OKActions"] != notify {
                problems.push(format!(
                    "{stack}: {id} does not notify AlarmTopicArn (AlarmActions and OKActions)"
                ));
            }
            let read = alarm_metrics(p).len();
            if read > 10 {
                problems.push(format!(
                    "{stack}: {id} reads {read} metrics; an alarm may read at most 10"
                ));
            }
        }
        if let Some(app) = app
            && !alarms.is_empty()
            && app.parameters.get("AlarmTopicArn")
                != Some(&serde_json::json!({"Ref": "AlarmTopicArn"}))
        {
            problems.push(format!("{stack}: the root does not pass it AlarmTopicArn"));
        }
        let metrics: Vec<&Value> = alarms.iter().flat_map(|(_, p)| alarm_metrics(p)).collect();
        // An API's alarm is a rate: its 5xx and its requests, in the same alarm.
        let rates = |errors: &str, dim: &str, api: &Value| {
            alarms.iter().any(|(_, p)| {
                let read = alarm_metrics(p);
                let reads = |name: &str| {
                    read.iter().any(|m| {
                        m["Namespace"] == "AWS/ApiGateway"
                            && m["MetricName"] == name
                            && dimension(m, dim) == Some(api)
                    })
                };
                reads(errors) && reads("Count")
            })
        };
        for (id, _) in t.resources_of("AWS::Serverless::HttpApi") {
            if !rates("5xx", "ApiId", &serde_json::json!({"Ref": id})) {
                problems.push(format!("{stack}: HTTP API {id} has no 5xx-rate alarm"));
            }
        }
        for (id, p) in t.resources_of("AWS::Serverless::Api") {
            // A REST API's metrics carry its name; SAM names it after the stack by default.
            let name = p
                .get("Name")
                .cloned()
                .unwrap_or_else(|| serde_json::json!({"Ref": "AWS::StackName"}));
            if !rates("5XXError", "ApiName", &name) {
                problems.push(format!("{stack}: REST API {id} has no 5XXError-rate alarm"));
            }
        }
        for metric in ["Errors", "Throttles"] {
            let watched: BTreeSet<&str> = metrics
                .iter()
                .filter(|m| m["Namespace"] == "AWS/Lambda" && m["MetricName"] == metric)
                .filter_map(|m| dimension(m, "FunctionName")?["Ref"].as_str())
                .collect();
            for (id, _) in t.resources_of("AWS::Serverless::Function") {
                if !watched.contains(id.as_str()) {
                    problems.push(format!("{stack}: {id} is in no Lambda {metric} alarm"));
                }
            }
        }
    }

    // The dashboard: its body, with every `${...}` replaced, is JSON with widgets, and names
    // what an operator looks at first.
    let dashboards = template.resources_of("AWS::CloudWatch::Dashboard");
    assert_eq!(dashboards.len(), 1, "template.yaml has one dashboard");
    let body = &dashboards[0].1["DashboardBody"]["Fn::Sub"];
    let (text, vars) = match body {
        Value::Array(parts) => (parts[0].as_str(), parts[1].as_object()),
        other => (other.as_str(), None),
    };
    let text = text.expect("DashboardBody is a !Sub of the body");
    let mut placeholders = BTreeSet::new();
    let mut plain = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        let end = start + rest[start..].find('}').expect("a closed ${...}");
        placeholders.insert(rest[start + 2..end].to_owned());
        plain.push_str(&rest[..start]);
        plain.push('x');
        rest = &rest[end + 1..];
    }
    plain.push_str(rest);
    let json: Value = serde_json::from_str(&plain).expect("the dashboard body is JSON");
    assert!(
        json["widgets"].as_array().is_some_and(|w| w.len() >= 10),
        "the dashboard has its widgets"
    );
    // What the body shows: root resources by name, nested ones through the outputs it reads.
    let mut shown: BTreeSet<(String, String)> = BTreeSet::new();
    for name in &placeholders {
        let resource = name.split('.').next().unwrap_or(name);
        shown.insert(("root".to_owned(), resource.to_owned()));
        let Some((app_id, attribute)) = vars.and_then(|v| v.get(name)).and_then(get_att) else {
            continue;
        };
        let output = attribute.trim_start_matches("Outputs.");
        let Some(app) = apps.iter().find(|a| a.logical_id == app_id) else {
            continue;
        };
        if let Some(target) = app.template.doc["Outputs"][output]["Value"]["Ref"].as_str() {
            shown.insert((app_id, target.to_owned()));
        }
    }
    for kind in ["AWS::SQS::Queue", "AWS::DynamoDB::Table"] {
        for (id, _) in template.resources_of(kind) {
            if !shown.contains(&("root".to_owned(), id.clone())) {
                problems.push(format!("the dashboard does not show {id}"));
            }
        }
    }
    for app in &apps {
        for (id, _) in app.template.resources_of("AWS::Serverless::HttpApi") {
            if !shown.contains(&(app.logical_id.clone(), id.clone())) {
                problems.push(format!(
                    "the dashboard does not show {}'s {id}",
                    app.logical_id
                ));
            }
        }
        for (id, p) in app.template.resources_of("AWS::Serverless::Function") {
            let streams = p["Events"]
                .as_object()
                .into_iter()
                .flatten()
                .any(|(_, e)| e["Type"] == "DynamoDB");
            if streams && !shown.contains(&(app.logical_id.clone(), id.clone())) {
                problems.push(format!(
                    "the dashboard does not show the iterator age of {}'s {id}",
                    app.logical_id
                ));
            }
        }
    }
    // The functions' own metrics: every stack's functions write to the namespace the root
    // passes it, the one the dashboard reads, so two deployments keep theirs apart.
    let namespace = vars.and_then(|v| v.get("MetricsNamespace"));
    if namespace.is_none_or(|n| !n.to_string().contains("AWS::StackName")) {
        problems.push("the dashboard's MetricsNamespace does not name the stack".to_owned());
    }
    for app in &apps {
        if app.parameters.get("MetricsNamespace") != namespace {
            problems.push(format!(
                "the root passes {} another MetricsNamespace than the dashboard reads",
                app.logical_id
            ));
        }
        let env = &app.template.doc["Globals"]["Function"]["Environment"]["Variables"];
        if env["METRICS_NAMESPACE"] != serde_json::json!({"Ref": "MetricsNamespace"}) {
            problems.push(format!(
                "{}'s functions do not write to its MetricsNamespace",
                app.logical_id
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Delivery scales with organizations without the stack growing: no topic is a resource of
/// any stack (each organization's topics are created when it subscribes), and every SNS
/// permission on topics names the stack's topic prefix, so one statement covers every
/// organization's topics (docs/scaling.md §6).
#[test]
fn organizations_topics_are_not_resources_of_the_stack() {
    let root = devstack::repo_root();
    let template = Template::load(&root.join("template.yaml")).expect("template.yaml parses");
    let mut problems = Vec::new();
    let mut sns_statements = 0;
    let apps = template.applications().expect("nested applications load");
    let stacks = std::iter::once(("root".to_owned(), &template))
        .chain(apps.iter().map(|a| (a.logical_id.clone(), &a.template)));
    for (stack, t) in stacks {
        for (id, _) in t.resources_of("AWS::SNS::Topic") {
            problems.push(format!("{stack}: {id} is a topic resource"));
        }
        for (id, props) in t.resources_of("AWS::Serverless::Function") {
            let statements = props["Policies"]
                .as_array()
                .into_iter()
                .flatten()
                .flat_map(|p| p["Statement"].as_array().into_iter().flatten());
            for statement in statements {
                let actions: Vec<&str> = match &statement["Action"] {
                    Value::String(a) => vec![a.as_str()],
                    Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
                    _ => vec![],
                };
                if !actions.iter().any(|a| a.starts_with("sns:")) {
                    continue;
                }
                sns_statements += 1;
                let resource = &statement["Resource"];
                let on_prefix = [resource, &resource[0]]
                    .iter()
                    .any(|r| r["Fn::Sub"] == "${TopicArnPrefix}*");
                let listing = actions == ["sns:ListSubscriptions"] && resource == "*";
                if !on_prefix && !listing {
                    problems.push(format!(
                        "{stack}: {id} has SNS actions {actions:?} on {resource}, not the \
                         stack's topic prefix"
                    ));
                }
            }
        }
    }
    assert!(sns_statements >= 5, "SNS statements read: {sns_statements}");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
