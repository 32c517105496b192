//! Step Functions executions, run by the local stack.
//!
//! moto records a state machine's executions but does not run them (running them would need
//! its Lambda emulation, which needs Docker). So the local stack finds each new execution of
//! the template's state machines, as the stream pump finds new records, and runs its
//! definition itself, calling the Task states' functions in-process through the registry.
//!
//! It runs the part of the Amazon States Language the templates use: `Task` states whose
//! `Resource` is a function's ARN, with `Next`/`End`, `ResultPath` (absent, or `null` to pass
//! the input on) and `Retry`; `Succeed` and `Fail`. A definition with anything else is
//! refused when the stack starts, so no template relies on a feature that only AWS runs.

use std::collections::BTreeMap;
use std::time::Duration;

use aws_sdk_sfn::types::ExecutionStatus;
use serde_json::{Map, Value};

use crate::{Error, Stack};

/// A state machine of the template, ready to run.
#[derive(Clone, Debug)]
pub struct LocalStateMachine {
    pub logical_id: String,
    pub arn: String,
    pub definition: Definition,
}

#[derive(Clone, Debug)]
pub struct Definition {
    pub start_at: String,
    pub states: BTreeMap<String, State>,
}

#[derive(Clone, Debug)]
pub enum State {
    Task(Task),
    Succeed,
    Fail { error: String, cause: String },
}

#[derive(Clone, Debug)]
pub struct Task {
    /// The ARN of the function it invokes.
    pub resource: String,
    /// `ResultPath: null`: the state's output is its input; otherwise the function's result.
    pub pass_input: bool,
    pub retry: Vec<Retrier>,
    /// `None` for `End: true`.
    pub next: Option<String>,
}

#[derive(Clone, Debug)]
pub struct Retrier {
    pub errors: Vec<String>,
    pub interval_seconds: f64,
    pub max_attempts: u32,
    pub backoff_rate: f64,
}

impl Retrier {
    fn matches(&self, error: &str) -> bool {
        self.errors.iter().any(|e| e == error || e == "States.ALL")
    }
}

/// How an execution ended.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    Succeeded { output: Value },
    Failed { error: String, cause: String },
}

fn only_keys(what: &str, v: &Map<String, Value>, allowed: &[&str]) -> Result<(), String> {
    match v.keys().find(|k| !allowed.contains(&k.as_str())) {
        Some(k) => Err(format!(
            "{what}: {k} is not run by the local stack (it runs {allowed:?})"
        )),
        None => Ok(()),
    }
}

fn text(v: &Value, what: &str) -> Result<String, String> {
    v.as_str()
        .map(str::to_owned)
        .ok_or_else(|| format!("{what} must be a string"))
}

impl Definition {
    /// Reads a rendered definition, refusing what the local stack does not run.
    pub fn parse(v: &Value) -> Result<Self, String> {
        let top = v.as_object().ok_or("the definition is not an object")?;
        only_keys("definition", top, &["Comment", "StartAt", "States"])?;
        let start_at = text(&v["StartAt"], "StartAt")?;
        let mut states = BTreeMap::new();
        for (name, s) in v["States"].as_object().ok_or("States is not an object")? {
            let o = s
                .as_object()
                .ok_or_else(|| format!("state {name} is not an object"))?;
            let what = format!("state {name}");
            let state = match o.get("Type").and_then(Value::as_str) {
                Some("Task") => {
                    only_keys(
                        &what,
                        o,
                        &[
                            "Type",
                            "Comment",
                            "Resource",
                            "ResultPath",
                            "Retry",
                            "Next",
                            "End",
                        ],
                    )?;
                    let pass_input = match o.get("ResultPath") {
                        None => false,
                        Some(Value::Null) => true,
                        Some(other) => {
                            return Err(format!(
                                "{what}: ResultPath {other} (only null is run locally)"
                            ));
                        }
                    };
                    let next = match (o.get("Next"), o.get("End")) {
                        (Some(n), None) => Some(text(n, "Next")?),
                        (None, Some(Value::Bool(true))) => None,
                        _ => return Err(format!("{what}: needs exactly one of Next, End: true")),
                    };
                    let mut retry = Vec::new();
                    for r in o
                        .get("Retry")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                    {
                        let ro = r.as_object().ok_or_else(|| format!("{what}: a Retry"))?;
                        only_keys(
                            &what,
                            ro,
                            &[
                                "ErrorEquals",
                                "IntervalSeconds",
                                "MaxAttempts",
                                "BackoffRate",
                            ],
                        )?;
                        retry.push(Retrier {
                            errors: ro
                                .get("ErrorEquals")
                                .and_then(Value::as_array)
                                .ok_or_else(|| format!("{what}: Retry needs ErrorEquals"))?
                                .iter()
                                .map(|e| text(e, "ErrorEquals"))
                                .collect::<Result<_, _>>()?,
                            interval_seconds: ro
                                .get("IntervalSeconds")
                                .and_then(Value::as_f64)
                                .unwrap_or(1.0),
                            max_attempts: ro.get("MaxAttempts").and_then(Value::as_u64).unwrap_or(3)
                                as u32,
                            backoff_rate: ro
                                .get("BackoffRate")
                                .and_then(Value::as_f64)
                                .unwrap_or(2.0),
                        });
                    }
                    State::Task(Task {
                        resource: text(&s["Resource"], "Resource")?,
                        pass_input,
                        retry,
                        next,
                    })
                }
                Some("Succeed") => {
                    only_keys(&what, o, &["Type", "Comment"])?;
                    State::Succeed
                }
                Some("Fail") => {
                    only_keys(&what, o, &["Type", "Comment", "Error", "Cause"])?;
                    State::Fail {
                        error: s["Error"].as_str().unwrap_or("States.Fail").to_owned(),
                        cause: s["Cause"].as_str().unwrap_or_default().to_owned(),
                    }
                }
                other => return Err(format!("{what}: Type {other:?} is not run locally")),
            };
            states.insert(name.clone(), state);
        }
        let names: Vec<&String> = std::iter::once(&start_at)
            .chain(states.values().filter_map(|s| match s {
                State::Task(t) => t.next.as_ref(),
                _ => None,
            }))
            .collect();
        if let Some(missing) = names.into_iter().find(|n| !states.contains_key(*n)) {
            return Err(format!("no state is named {missing}"));
        }
        Ok(Self { start_at, states })
    }

    /// The Task states' resources, in the order of the states' names.
    pub fn task_resources(&self) -> impl Iterator<Item = &str> {
        self.states.values().filter_map(|s| match s {
            State::Task(t) => Some(t.resource.as_str()),
            _ => None,
        })
    }

    /// The Task resources in the order an execution with no failure visits them.
    pub fn path(&self) -> Vec<&str> {
        let mut out = Vec::new();
        let mut at = Some(&self.start_at);
        while let Some(name) = at {
            match self.states.get(name) {
                Some(State::Task(t)) if out.len() < self.states.len() => {
                    out.push(t.resource.as_str());
                    at = t.next.as_ref();
                }
                _ => at = None,
            }
        }
        out
    }
}

/// More transitions than any template's machine makes: a loop in a definition stops here.
const MAX_TRANSITIONS: usize = 1000;

impl Stack {
    /// Runs one execution of `definition` on `input`, as Step Functions would.
    pub async fn run_definition(&self, definition: &Definition, input: Value) -> Outcome {
        let mut at = definition.start_at.clone();
        let mut data = input;
        for _ in 0..MAX_TRANSITIONS {
            let task = match &definition.states[&at] {
                State::Succeed => return Outcome::Succeeded { output: data },
                State::Fail { error, cause } => {
                    return Outcome::Failed {
                        error: error.clone(),
                        cause: cause.clone(),
                    };
                }
                State::Task(t) => t,
            };
            let result = match self.run_task(task, data.clone()).await {
                Ok(result) => result,
                Err((error, cause)) => return Outcome::Failed { error, cause },
            };
            if !task.pass_input {
                data = result;
            }
            match &task.next {
                Some(next) => at = next.clone(),
                None => return Outcome::Succeeded { output: data },
            }
        }
        Outcome::Failed {
            error: "States.Runtime".into(),
            cause: format!("more than {MAX_TRANSITIONS} transitions"),
        }
    }

    /// One Task state: its function, retried as its `Retry` rules say.
    async fn run_task(&self, task: &Task, input: Value) -> Result<Value, (String, String)> {
        // The stack refuses at start a Task whose resource is not such a function.
        let Some((f, call)) = self.task(&task.resource) else {
            return Err((
                "Lambda.ResourceNotFoundException".into(),
                format!("no Task function has the ARN {}", task.resource),
            ));
        };
        let mut attempts: Vec<u32> = vec![0; task.retry.len()];
        loop {
            let error = match call(&f.app, input.clone()).await {
                Ok(output) => return Ok(output),
                Err(e) => e,
            };
            let name = functions::handler::task_error_name(&error).to_owned();
            tracing::warn!(handler = %f.def.handler, error = %name, message = %error.message, detail = ?error.internal, "task failed");
            let retrier = task.retry.iter().position(|r| r.matches(&name));
            match retrier {
                Some(i) if attempts[i] < task.retry[i].max_attempts => {
                    let r = &task.retry[i];
                    let wait = r.interval_seconds * r.backoff_rate.powi(attempts[i] as i32);
                    attempts[i] += 1;
                    tokio::time::sleep(Duration::from_secs_f64(wait)).await;
                }
                _ => return Err((name, error.message)),
            }
        }
    }

    /// Runs every execution of the template's state machines that started since the last
    /// call; returns how many ran. Calls are serialized, so each execution runs once.
    pub async fn run_executions(&self) -> Result<usize, Error> {
        let mut outcomes = self.executions.lock().await;
        let client = aws_sdk_sfn::Client::new(&self.sdk);
        let mut ran = 0;
        for machine in &self.state_machines {
            let listed = client
                .list_executions()
                .state_machine_arn(&machine.arn)
                .status_filter(ExecutionStatus::Running)
                .send()
                .await
                .map_err(|e| Error::Aws(format!("ListExecutions: {e:?}")))?;
            for execution in listed.executions() {
                let arn = execution.execution_arn();
                if outcomes.contains_key(arn) {
                    continue;
                }
                let described = client
                    .describe_execution()
                    .execution_arn(arn)
                    .send()
                    .await
                    .map_err(|e| Error::Aws(format!("DescribeExecution: {e:?}")))?;
                let input = described
                    .input()
                    .and_then(|i| serde_json::from_str(i).ok())
                    .unwrap_or(Value::Null);
                let outcome = self.run_definition(&machine.definition, input).await;
                tracing::info!(machine = %machine.logical_id, execution = %arn, ?outcome, "execution ran");
                outcomes.insert(arn.to_owned(), outcome);
                ran += 1;
            }
        }
        Ok(ran)
    }

    /// How an execution ended, once [`Stack::run_executions`] has run it. moto itself keeps
    /// reporting it as RUNNING.
    pub async fn execution_outcome(&self, arn: &str) -> Option<Outcome> {
        self.executions.lock().await.get(arn).cloned()
    }

    /// Keeps running new executions in the background, as Step Functions would.
    pub fn spawn_execution_runner(
        self: &std::sync::Arc<Self>,
        every: Duration,
    ) -> tokio::task::JoinHandle<()> {
        self.spawn_polling(every, "state machine executions", |stack| async move {
            stack.run_executions().await
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn task(next: Value) -> Value {
        let mut t = json!({"Type": "Task", "Resource": "arn:f", "ResultPath": null});
        t.as_object_mut()
            .unwrap()
            .extend(next.as_object().unwrap().clone());
        t
    }

    #[test]
    fn a_chain_of_tasks_parses_and_its_path_follows_next() {
        let d = Definition::parse(&json!({
            "StartAt": "A",
            "States": {
                "A": task(json!({"Next": "B", "Retry": [{"ErrorEquals": ["internal_error"], "MaxAttempts": 2}]})),
                "B": {"Type": "Task", "Resource": "arn:g", "End": true},
            }
        }))
        .unwrap();
        assert_eq!(d.path(), vec!["arn:f", "arn:g"]);
        let State::Task(a) = &d.states["A"] else {
            panic!("A is a task")
        };
        assert!(a.pass_input && a.retry[0].matches("internal_error"));
        assert!(!a.retry[0].matches("conflict"));
    }

    #[test]
    fn what_the_local_stack_does_not_run_is_refused() {
        for bad in [
            json!({"StartAt": "A", "States": {"A": {"Type": "Parallel", "End": true}}}),
            json!({"StartAt": "A", "States": {"A": task(json!({"End": true, "Catch": []}))}}),
            json!({"StartAt": "A", "States": {"A": task(json!({"End": true, "ResultPath": "$.x"}))}}),
            json!({"StartAt": "A", "States": {"A": task(json!({"Next": "Z"}))}}),
            json!({"StartAt": "A", "States": {"A": task(json!({}))}}),
            json!({"StartAt": "A", "TimeoutSeconds": 5, "States": {"A": task(json!({"End": true}))}}),
        ] {
            assert!(Definition::parse(&bad).is_err(), "{bad}");
        }
    }
}
