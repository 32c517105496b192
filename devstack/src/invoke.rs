//! Runs one handler on one event, the way Lambda would run it in the deployed stack: the
//! function's own `_HANDLER`, the environment template.yaml gives it, and the event in the
//! shape its trigger delivers. `devstack invoke` (scripts/invoke.sh) and the samples test both
//! come through here, so what the test checks is what a user runs.
//!
//! The `events/` samples carry placeholders where a deployed stack's secrets would go;
//! [`Credentials::fill`] replaces them with real tokens of the demo users.

use std::time::Duration;

use functions::Handler;
use http_body_util::BodyExt;
use serde_json::{Value, json};

use crate::seed::{Demo, Samples, User};
use crate::{Error, Function, Stack};

/// A placeholder for a Cognito IdToken (the `Authorization` header of the AlayaMarket APIs).
pub const ID_TOKEN: &str = "REPLACE_WITH_ID_TOKEN";
/// A placeholder for an access token: a machine client's in `Authorization: Bearer …`, a
/// Cognito user's in a body (`auth.change_password`).
pub const ACCESS_TOKEN: &str = "REPLACE_WITH_ACCESS_TOKEN";
/// A placeholder for a password sealed for the auto-sign-up state machine.
pub const SEALED_PASSWORD: &str = "REPLACE_WITH_SEALED_PASSWORD";
/// A placeholder for the token of a download URL (`GET /offers/v1/downloads/{token}`): it
/// expires within minutes, so it is minted when the sample runs.
pub const DOWNLOAD_TOKEN: &str = "REPLACE_WITH_DOWNLOAD_TOKEN";

/// Who a sample runs as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Persona {
    SysAdmin,
    Demand,
    SupplyA,
    SupplyB,
    /// The org_admin of a spare organization ([`crate::samples`]): the samples that deactivate
    /// a persona or change a password run as it, so the other demo logins keep working.
    Spare,
}

impl Persona {
    pub const ALL: [Persona; 5] = [
        Persona::SysAdmin,
        Persona::Demand,
        Persona::SupplyA,
        Persona::SupplyB,
        Persona::Spare,
    ];

    /// The name `--as` takes.
    pub fn name(self) -> &'static str {
        match self {
            Persona::SysAdmin => "sysadmin",
            Persona::Demand => "demand",
            Persona::SupplyA => "supply-a",
            Persona::SupplyB => "supply-b",
            Persona::Spare => "spare",
        }
    }

    /// By `--as` name or by the demo user's e-mail address.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|p| p.name() == s || format!("{}-admin@example.com", p.name()) == s)
            .or((s == "sysadmin@example.com").then_some(Persona::SysAdmin))
    }

    /// The demo user an operation needs: the sys_admin for the sys_admin and client
    /// management routes, the spare organization's for a persona's own (de)activation and a
    /// password change, the first supplier for the inbox and the supply persona, the demand
    /// organization for everything else.
    pub fn for_handler(handler: &str) -> Self {
        if handler.starts_with("oauth.") || handler.contains(".sys_admin.") {
            Persona::SysAdmin
        } else if handler.ends_with("_persona.activate")
            || handler.ends_with("_persona.deactivate")
            || PASSWORD_SAMPLES.contains(&handler)
        {
            Persona::Spare
        } else if handler.starts_with("offers.inbox.")
            || handler.starts_with("organizations.supply_persona.")
        {
            Persona::SupplyA
        } else {
            Persona::Demand
        }
    }

    pub fn user<'d>(self, demo: &'d Demo, samples: Option<&'d Samples>) -> Result<&'d User, Error> {
        Ok(match self {
            Persona::SysAdmin => &demo.sys_admin,
            Persona::Demand => &demo.demand,
            Persona::SupplyA => &demo.supply_a,
            Persona::SupplyB => &demo.supply_b,
            Persona::Spare => &samples.ok_or_else(no_samples)?.spare,
        })
    }
}

/// The samples that set a password: they run as the spare user, whose password is put back at
/// each of its logins, and each of them logs in afresh, so they answer the same every time.
const PASSWORD_SAMPLES: [&str; 3] = [
    "auth.change_password",
    "auth.forgot_password",
    "auth.confirm_forgot_password",
];

fn no_samples() -> Error {
    Error::Setup(
        "the local stack has no sample records (started with --no-seed, or a test stack \
         without Stack::seed_samples)"
            .into(),
    )
}

/// The tokens of the demo users, fetched through the stack's own `auth.login` and
/// `oauth.token` handlers on first use.
pub struct Credentials<'a> {
    stack: &'a Stack,
    demo: Demo,
    samples: Option<Samples>,
    logins: std::collections::BTreeMap<&'static str, Value>,
    machine: Option<String>,
}

impl<'a> Credentials<'a> {
    pub fn new(stack: &'a Stack) -> Result<Self, Error> {
        let demo = stack.demo().cloned().ok_or_else(|| {
            Error::Setup(
                "the local stack has no demo data (started with --no-seed): the samples' \
                 tokens are the demo users'"
                    .into(),
            )
        })?;
        Ok(Self {
            stack,
            demo,
            samples: stack.samples().cloned(),
            logins: Default::default(),
            machine: None,
        })
    }

    pub fn demo(&self) -> &Demo {
        &self.demo
    }

    /// `auth.login`'s answer for `persona` (`IdToken`, `AccessToken`, ...).
    pub async fn login(&mut self, persona: Persona) -> Result<&Value, Error> {
        if !self.logins.contains_key(persona.name()) {
            let user = persona.user(&self.demo, self.samples.as_ref())?;
            if persona == Persona::Spare {
                // The password samples change it; each login as the spare user starts over.
                self.stack.set_password(&user.email, &user.password).await?;
            }
            let body = json!({"username": user.email, "password": user.password}).to_string();
            let answer = http(self.stack, "POST", "/auth/v1/login", &[], &body).await?;
            self.logins.insert(persona.name(), answer);
        }
        Ok(&self.logins[persona.name()])
    }

    /// `Bearer <token>` of the demo machine client (every machine scope).
    pub async fn machine(&mut self) -> Result<String, Error> {
        if let Some(token) = &self.machine {
            return Ok(token.clone());
        }
        let m = &self.demo.machine;
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs([
                ("grant_type", "client_credentials"),
                ("client_id", m.client_id.as_str()),
                ("client_secret", m.secret.as_str()),
            ])
            .finish();
        let path = format!("/auth/realms/{}/protocol/openid-connect/token", m.tenant);
        let answer = http(
            self.stack,
            "POST",
            &path,
            &[("content-type", "application/x-www-form-urlencoded")],
            &body,
        )
        .await?;
        let token = format!("Bearer {}", text(&answer, "access_token")?);
        self.machine = Some(token.clone());
        Ok(token)
    }

    /// Replaces the placeholders of a sample for `handler`: the tokens of `persona` (or of the
    /// user the operation needs), the demo machine client's, the demo tenant, a sealed
    /// password, a download token; and the ids of records the samples name with the ids of
    /// the sample records ([`crate::samples`]). Everything else is left as written.
    pub async fn fill(
        &mut self,
        handler: &str,
        event: Value,
        persona: Option<Persona>,
    ) -> Result<Value, Error> {
        let persona = persona.unwrap_or_else(|| Persona::for_handler(handler));
        if PASSWORD_SAMPLES.contains(&handler) && persona == Persona::Spare {
            // A login cached from before does not say what the password is now: log in
            // afresh, which puts the password back.
            self.logins.remove(Persona::Spare.name());
        }
        let mut event = match &self.samples {
            Some(samples) => samples.substitute(event),
            None => event,
        };
        if let Some(headers) = event.get_mut("headers").and_then(Value::as_object_mut) {
            if let Some(auth) = headers.get("authorization").and_then(Value::as_str) {
                let token = if auth.contains(ACCESS_TOKEN) {
                    Some(self.machine().await?)
                } else if auth.contains(ID_TOKEN) {
                    Some(text(self.login(persona).await?, "IdToken")?)
                } else {
                    None
                };
                if let Some(token) = token {
                    headers.insert("authorization".into(), token.into());
                }
            }
            if headers.contains_key("x-twc-tenant") {
                headers.insert(
                    "x-twc-tenant".into(),
                    self.demo.machine.tenant.clone().into(),
                );
            }
        }
        if let Some(body) = event.get("body").and_then(Value::as_str)
            && body.contains(ACCESS_TOKEN)
        {
            let access = text(self.login(persona).await?, "AccessToken")?;
            event["body"] = body.replace(ACCESS_TOKEN, &access).into();
        }
        if event["pathParameters"]["token"].as_str() == Some(DOWNLOAD_TOKEN) {
            let token = self.download_token().await?;
            event = serde_json::from_str(&event.to_string().replace(DOWNLOAD_TOKEN, &token))
                .expect("a token is URL-safe text");
        }
        if event.get("sealed_password").and_then(Value::as_str) == Some(SEALED_PASSWORD) {
            let org = event["organization_id"]
                .as_str()
                .and_then(|s| s.parse().ok())
                .ok_or_else(|| Error::Setup("the task input has no organization_id".into()))?;
            let password = "Sample-Passw0rd!"
                .to_owned()
                .try_into()
                .map_err(|e: &str| Error::Setup(e.into()))?;
            let app = &function(self.stack, handler)?.app;
            event["sealed_password"] =
                shared::identity::auto_sign_up::seal_password(app, org, &password)
                    .await
                    .map_err(|e| Error::Setup(format!("sealing the sample's password: {e}")))?
                    .into();
        }
        Ok(event)
    }
}

impl Credentials<'_> {
    /// A fresh download token for the sample file, as its demand reads it.
    async fn download_token(&mut self) -> Result<String, Error> {
        let file = &self.samples.as_ref().ok_or_else(no_samples)?.file_id;
        let path = format!("/offers/v1/outbox/messages/files/{file}/presigned");
        let token = text(self.login(Persona::Demand).await?, "IdToken")?;
        let answer = http(self.stack, "GET", &path, &[("authorization", &token)], "").await?;
        let url = text(&answer, "url")?;
        url.rsplit('/')
            .next()
            .map(|t| t.split('?').next().unwrap_or(t).to_owned())
            .ok_or_else(|| Error::Setup(format!("no token in the download URL {url}")))
    }
}

pub(crate) fn text(answer: &Value, field: &str) -> Result<String, Error> {
    answer["body"]
        .as_str()
        .and_then(|b| serde_json::from_str::<Value>(b).ok())
        .and_then(|b| b[field].as_str().map(str::to_owned))
        // Not the answer itself: it holds tokens.
        .ok_or_else(|| {
            Error::Setup(format!(
                "no {field} in the answer ({} {})",
                answer["statusCode"], answer["headers"]
            ))
        })
}

/// Calls an HTTP route of the stack in-process, as a client would; the Lambda payload back,
/// or an error naming the answer when it is not a success.
pub(crate) async fn http(
    stack: &Stack,
    method: &str,
    path_and_query: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Result<Value, Error> {
    let (path, query) = path_and_query
        .split_once('?')
        .unwrap_or((path_and_query, ""));
    let router = crate::server::Router::new(stack)?;
    let (f, route, params) = router
        .find(stack, method, path)
        .ok_or_else(|| Error::Setup(format!("no route {method} {path}")))?;
    let mut header_map = hyper::HeaderMap::new();
    header_map.insert("content-type", "application/json".parse().expect("static"));
    // API Gateway always sends one; download URLs are built on it.
    header_map.insert("host", "localhost".parse().expect("static"));
    for (k, v) in headers {
        header_map.insert(
            hyper::header::HeaderName::from_bytes(k.as_bytes())
                .map_err(|e| Error::Setup(e.to_string()))?,
            v.parse()
                .map_err(|e: hyper::header::InvalidHeaderValue| Error::Setup(e.to_string()))?,
        );
    }
    let event = crate::server::api_gateway_event(&crate::server::RoutedRequest {
        method,
        route_key: &format!("{} {}", route.method, route.path),
        path,
        query,
        headers: &header_map,
        params: &params,
        body: body.as_bytes(),
        source_ip: "127.0.0.1",
    });
    let answer = invoke(f, event).await?;
    let status = answer["statusCode"].as_u64().unwrap_or_default();
    if !(200..300).contains(&status) {
        return Err(Error::Setup(format!("{method} {path} answered {answer}")));
    }
    Ok(answer)
}

/// The handler names closest to `name` (for a typo).
pub fn close_matches<'a>(names: impl Iterator<Item = &'a str>, name: &str) -> Vec<&'a str> {
    let mut scored: Vec<(f64, &str)> = names
        .map(|n| (strsim::jaro_winkler(n, name), n))
        .filter(|(score, n)| *score > 0.8 || n.contains(name))
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0));
    scored.into_iter().take(5).map(|(_, n)| n).collect()
}

/// The function running `handler`, or an error naming the closest handlers.
pub fn function<'s>(stack: &'s Stack, handler: &str) -> Result<&'s Function, Error> {
    stack
        .function(handler)
        .ok_or_else(|| unknown(stack, handler))
}

fn unknown(stack: &Stack, handler: &str) -> Error {
    let close = close_matches(
        stack.functions.iter().map(|f| f.def.handler.as_str()),
        handler,
    );
    let hint = if close.is_empty() {
        "`devstack invoke --list` lists them".to_owned()
    } else {
        format!("did you mean {}?", close.join(", "))
    };
    Error::Setup(format!("no function runs the handler {handler:?}; {hint}"))
}

/// Runs `function` on `event` and returns the payload Lambda would return: for an HTTP route
/// `{statusCode, headers, body, isBase64Encoded}`, for a stream or queue consumer its
/// `batchItemFailures`, for a schedule or a Task state its result. A handler that fails
/// (a Task or schedule error) or an event its trigger could not have sent is an `Err`.
pub async fn invoke(function: &Function, event: Value) -> Result<Value, Error> {
    let bad_event = |e: serde_json::Error| {
        Error::Setup(format!(
            "{}: the event is not what its trigger sends: {e}",
            function.def.handler
        ))
    };
    let failed = |e: shared::ApiError| Error::Setup(format!("{}: {e}", function.def.handler));
    match function.entry.handler {
        Handler::Http { .. } => {
            lambda_http::request::from_str(&event.to_string()).map_err(bad_event)?;
            let response = crate::server::invoke_http(function, &event).await;
            let status = response.status().as_u16();
            let headers: serde_json::Map<String, Value> = response
                .headers()
                .iter()
                .map(|(k, v)| {
                    (
                        k.as_str().to_owned(),
                        String::from_utf8_lossy(v.as_bytes()).into_owned().into(),
                    )
                })
                .collect();
            let body = response
                .into_body()
                .collect()
                .await
                .map(|b| b.to_bytes())
                .unwrap_or_default();
            Ok(json!({
                "statusCode": status,
                "headers": headers,
                "body": String::from_utf8_lossy(&body),
                "isBase64Encoded": false,
            }))
        }
        Handler::DynamoDbStream(call) => {
            let batch = serde_json::from_value(event).map_err(bad_event)?;
            Ok(serde_json::to_value(call(&function.app, batch).await).expect("serializes"))
        }
        Handler::Queue(call) => {
            let batch = serde_json::from_value(event).map_err(bad_event)?;
            Ok(serde_json::to_value(call(&function.app, batch).await).expect("serializes"))
        }
        Handler::Schedule(call) => {
            let scheduled: aws_lambda_events::event::cloudwatch_events::CloudWatchEvent =
                serde_json::from_value(event).map_err(bad_event)?;
            call(&function.app, scheduled.time).await.map_err(failed)
        }
        Handler::Task(call) => call(&function.app, event).await.map_err(failed),
    }
}

/// [`invoke`] by handler name, bounded by `timeout` so a handler stuck on a dependency ends
/// with an error instead of a silent wait.
pub async fn invoke_named(
    stack: &Stack,
    handler: &str,
    event: Value,
    timeout: Duration,
) -> Result<Value, Error> {
    let function = stack
        .function(handler)
        .ok_or_else(|| unknown(stack, handler))?;
    tokio::time::timeout(timeout, invoke(function, event))
        .await
        .map_err(|_| {
            Error::Setup(format!(
                "{handler} did not answer within {} s (its log is above)",
                timeout.as_secs()
            ))
        })?
}

/// The sample event of `handler` (`events/<handler>.json`).
pub fn sample(stack: &Stack, handler: &str) -> Result<Value, Error> {
    let path = stack.options.root.join(format!("events/{handler}.json"));
    let text = std::fs::read_to_string(&path)
        .map_err(|e| Error::Setup(format!("{}: {e}", path.display())))?;
    serde_json::from_str(&text).map_err(|e| Error::Setup(format!("{}: {e}", path.display())))
}
