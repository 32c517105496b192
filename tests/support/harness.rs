//! One moto per test process (started on first use, on a free loopback port, with dummy
//! credentials), and one fully provisioned stack per test, under its own stack name, so tests
//! run in parallel without seeing each other's tables, topics or users.

use std::sync::{Arc, OnceLock};

use devstack::moto::Moto;
use devstack::seed::{Demo, User};
use devstack::server::Server;
use devstack::{Options, Stack};
use serde_json::Value;

static MOTO: OnceLock<Moto> = OnceLock::new();

pub fn moto_endpoint() -> String {
    MOTO.get_or_init(|| {
        Moto::start(&devstack::repo_root(), None)
            .expect("moto starts (run scripts/setup-python.sh)")
    })
    .endpoint
    .clone()
}

/// A table item, as DynamoDB returns it.
pub type Item = std::collections::HashMap<String, aws_sdk_dynamodb::types::AttributeValue>;

pub struct TestStack {
    pub stack: Arc<Stack>,
    pub base: String,
    pub http: reqwest::Client,
    pub demo: Demo,
    _server: Server,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Response {
    pub status: u16,
    pub body: Value,
}

impl Response {
    /// The body, once the status is `status` (the body is printed when it is not).
    #[track_caller]
    pub fn ok(self, status: u16) -> Value {
        assert_eq!(self.status, status, "{:?}", self.body);
        self.body
    }

    /// Like [`Response::ok`], naming the request (`what`) when the status is not `status`.
    #[track_caller]
    pub fn ok_as(self, status: u16, what: impl std::fmt::Display) -> Value {
        assert_eq!(self.status, status, "{what}: {:?}", self.body);
        self.body
    }

    /// The body of a list answered 200 whose `total_items` is `total`.
    #[track_caller]
    pub fn counted(self, total: impl Into<Value>) -> Value {
        let body = self.ok(200);
        assert_eq!(body["total_items"], total.into(), "{body}");
        body
    }

    /// The body of a refusal `status` whose `message` says `says` (the AlayaMarket and
    /// Event Collector error bodies).
    #[track_caller]
    pub fn refused(self, status: u16, says: &str) -> Value {
        let message = self.body["message"].as_str();
        assert!(
            self.status == status && message.is_some_and(|m| m.contains(says)),
            "not {status} saying {says:?}: {} {:?}",
            self.status,
            self.body
        );
        self.body
    }

    /// The body of an answer `status` with the catalogue's `code` (the Listener's numbers, the
    /// Notification API's strings).
    #[track_caller]
    pub fn coded(self, status: u16, code: impl Into<Value>) -> Value {
        let code = code.into();
        assert_eq!(
            (self.status, &self.body["code"]),
            (status, &code),
            "{:?}",
            self.body
        );
        self.body
    }
}

impl TestStack {
    /// Every HTTP route the template declares, with its function's handler and API family:
    /// `(handler, family, method, path)`, the path with its `{param}`s.
    pub fn routes(&self) -> Vec<(&str, shared::edge::http::Family, &str, &str)> {
        self.stack
            .functions
            .iter()
            .filter_map(|f| match f.entry.handler {
                functions::Handler::Http { family, .. } => Some((f, family)),
                _ => None,
            })
            .flat_map(|(f, family)| {
                f.def.routes.iter().map(move |r| {
                    (
                        f.def.handler.as_str(),
                        family,
                        r.method.as_str(),
                        r.path.as_str(),
                    )
                })
            })
            .collect()
    }

    /// A new stack with the demo organizations and users, served on a free port.
    pub async fn start() -> Self {
        Self::start_with(&[]).await
    }

    /// A new stack whose functions get `environment` on top of template.yaml's settings.
    pub async fn start_with(environment: &[(&str, &str)]) -> Self {
        let name = format!("t{}", &uuid::Uuid::new_v4().simple().to_string()[..10]);
        let options = Options {
            stack_name: name,
            endpoint: Some(moto_endpoint()),
            environment: environment
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            ..Options::default()
        };
        let stack = Stack::start(options).await.expect("stack provisions");
        let server = devstack::server::serve(stack.clone(), "127.0.0.1:0".parse().unwrap())
            .await
            .expect("serves");
        let demo = stack.seed_demo().await.expect("demo data loads");
        Self {
            base: format!("http://{}", server.addr),
            stack,
            http: reqwest::Client::new(),
            demo,
            _server: server,
        }
    }

    pub async fn login(&self, user: &User) -> String {
        let r = self
            .call(
                "POST",
                "/auth/v1/login",
                None,
                Some(serde_json::json!({"username": user.email, "password": user.password})),
            )
            .await;
        assert_eq!(r.status, 200, "login of {}: {:?}", user.email, r.body);
        r.body["IdToken"].as_str().expect("IdToken").to_owned()
    }

    /// Sends a request like a client of the published API (raw token in `Authorization`).
    pub async fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Response {
        let raw = body.map(|b| b.to_string());
        self.call_raw(method, path, token, raw.as_deref()).await
    }

    pub async fn call_raw(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<&str>,
    ) -> Response {
        let auth = token.map(|t| ("Authorization", t));
        self.request(method, path, auth.as_slice(), body).await
    }

    /// Sends a request with any headers; a body is sent as JSON unless a content-type is given.
    pub async fn request(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<&str>,
    ) -> Response {
        let mut req = self
            .http
            .request(method.parse().unwrap(), format!("{}{path}", self.base));
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        if let Some(b) = body {
            if !headers
                .iter()
                .any(|(k, _)| k.eq_ignore_ascii_case("content-type"))
            {
                req = req.header("content-type", "application/json");
            }
            req = req.body(b.to_owned());
        }
        let resp = req.send().await.expect("request is answered");
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap_or_default();
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        Response { status, body }
    }

    /// Registers a machine client (as the demo sys_admin) and returns `(client_id, secret)`.
    pub async fn machine_client(&self, tenant: &str, scopes: &[&str]) -> (String, String) {
        let admin = self.login(&self.demo.sys_admin).await;
        let r = self
            .call(
                "POST",
                "/oauth/v1/clients",
                Some(&admin),
                Some(serde_json::json!({"tenant": tenant, "scopes": scopes})),
            )
            .await;
        assert_eq!(r.status, 201, "{:?}", r.body);
        (
            r.body["client_id"].as_str().unwrap().to_owned(),
            r.body["client_secret"].as_str().unwrap().to_owned(),
        )
    }

    /// The token endpoint's answer for a client-credentials request.
    pub async fn token_request(&self, realm: &str, form: &[(&str, &str)]) -> Response {
        let body: String = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form)
            .finish();
        self.request(
            "POST",
            &format!("/auth/realms/{realm}/protocol/openid-connect/token"),
            &[("content-type", "application/x-www-form-urlencoded")],
            Some(&body),
        )
        .await
    }

    /// A client of `tenant` with `scopes` and a fresh access token: `Bearer <token>`.
    pub async fn machine_bearer(&self, tenant: &str, scopes: &[&str]) -> String {
        self.machine_login(tenant, scopes).await.1
    }

    /// Like [`TestStack::machine_bearer`], also returning the new client's id.
    pub async fn machine_login(&self, tenant: &str, scopes: &[&str]) -> (String, String) {
        let (id, secret) = self.machine_client(tenant, scopes).await;
        let r = self
            .token_request(
                tenant,
                &[
                    ("grant_type", "client_credentials"),
                    ("client_id", &id),
                    ("client_secret", &secret),
                ],
            )
            .await;
        assert_eq!(r.status, 200, "{:?}", r.body);
        (
            id,
            format!("Bearer {}", r.body["access_token"].as_str().unwrap()),
        )
    }

    /// Runs the stream and queue functions until every written event has been published and
    /// every delivery it caused has been made or parked.
    pub async fn settle(&self) {
        self.stack
            .pump_until_idle()
            .await
            .expect("streams and queues pump");
    }

    /// Every item in the table (to prove a refused request wrote nothing).
    pub async fn items(&self) -> Vec<Item> {
        let app = self.stack.app();
        let mut items = Vec::new();
        let mut start = None;
        loop {
            let out = app
                .aws
                .dynamodb()
                .await
                .scan()
                .table_name(app.db.table())
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .expect("scan");
            items.extend(out.items.unwrap_or_default());
            match out.last_evaluated_key {
                Some(k) if !k.is_empty() => start = Some(k),
                _ => return items,
            }
        }
    }

    /// Whether any item of the table holds `secret` anywhere (secrets are stored sealed or
    /// hashed, passwords never).
    pub async fn stored_anywhere(&self, secret: &str) -> bool {
        let items = self.items().await;
        items.iter().any(|i| format!("{i:?}").contains(secret))
    }

    /// How many items the table holds.
    pub async fn item_count(&self) -> usize {
        self.items().await.len()
    }

    /// How many items of `kind` the table holds.
    pub async fn count_of(&self, kind: &str) -> usize {
        let items = self.items().await;
        let of_kind = |i: &&_| shared::store::db::kind_of(i) == Some(kind);
        items.iter().filter(of_kind).count()
    }

    /// Asserts the table still holds the `before` items it held: the refused requests since
    /// wrote nothing.
    pub async fn assert_wrote_nothing(&self, before: usize) {
        assert_eq!(self.item_count().await, before, "a refused request wrote");
    }

    /// Event items in the table, as `(channel, event_name, recipients)`.
    pub async fn event_items(&self) -> Vec<shared::events::EventRecord> {
        self.items()
            .await
            .into_iter()
            .filter(|i| shared::store::db::kind_of(i) == Some("event"))
            .map(|i| shared::store::db::from_item(i).expect("event item decodes"))
            .collect()
    }

    /// A token signed with moto's Cognito key carrying any claims.
    pub fn forge_token(&self, claims: &Value) -> String {
        let root = devstack::repo_root();
        let out = std::process::Command::new(devstack::moto::python(&root))
            .arg(root.join("tests/support/sign_token.py"))
            .arg(claims.to_string())
            .output()
            .expect("python runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap().trim().to_owned()
    }
}
