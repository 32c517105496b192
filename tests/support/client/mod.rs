//! A typed client of the HTTP API, one file per API family: `t.offers(&token).accept(id, body)`
//! sends exactly the request a participant's client sends and returns the [`Response`]. The
//! client asserts nothing; [`Response::ok`] checks the status a test expects.
//!
//! Ids are `&str`, bodies `serde_json::Value`; [`NO_BODY`] (`Value::Null`) sends none. Paths
//! are the template's routes with their parameters filled in; a `query` is appended after a
//! `?` unless it is empty.

mod auth;
mod collector;
mod forms;
mod listener;
mod messages;
mod notification;
mod oauth;
mod offers;
mod organizations;
mod referrals;
mod sys_admin;
mod visits;

pub use auth::Auth;
pub use collector::Collector;
pub use forms::Forms;
pub use listener::Listener;
pub use messages::{Messages, Side};
pub use notification::Notification;
pub use oauth::OauthClients;
pub use offers::Offers;
pub use organizations::{Organizations, OrganizationsSysAdmin};
pub use referrals::Referrals;
pub use sys_admin::SysAdmin;
pub use visits::Visits;

use serde_json::Value;

use crate::harness::{Response, TestStack};

/// The body of a request that has none.
pub const NO_BODY: Value = Value::Null;

/// One participant's client: the stack and the raw token it sends (none when anonymous).
#[derive(Clone, Copy)]
pub struct Client<'a> {
    t: &'a TestStack,
    token: Option<&'a str>,
}

impl<'a> Client<'a> {
    pub fn new(t: &'a TestStack, token: &'a str) -> Self {
        Self {
            t,
            token: Some(token),
        }
    }

    /// A client that sends no `Authorization` header.
    pub fn anonymous(t: &'a TestStack) -> Self {
        Self { t, token: None }
    }

    pub async fn get(self, path: &str) -> Response {
        self.t.call("GET", path, self.token, None).await
    }

    pub async fn post(self, path: &str, body: Value) -> Response {
        self.send("POST", path, body).await
    }

    /// Any method; `body` as for [`Client::post`].
    pub async fn send(self, method: &str, path: &str, body: Value) -> Response {
        let body = (!body.is_null()).then_some(body);
        self.t.call(method, path, self.token, body).await
    }
}

impl TestStack {
    /// The Offers API's offers as the holder of `token` calls them.
    pub fn offers<'a>(&'a self, token: &'a str) -> Offers<'a> {
        Offers(Client::new(self, token))
    }

    /// The Offers API's referrals as the holder of `token` calls them.
    pub fn referrals<'a>(&'a self, token: &'a str) -> Referrals<'a> {
        Referrals(Client::new(self, token))
    }

    /// The Offers API's visits and work sessions as the holder of `token` calls them.
    pub fn visits<'a>(&'a self, token: &'a str) -> Visits<'a> {
        Visits(Client::new(self, token))
    }

    /// The Offers API's messages and sequences as the holder of `token` calls them.
    pub fn messages<'a>(&'a self, token: &'a str) -> Messages<'a> {
        Messages(Client::new(self, token))
    }

    /// The Offers API's forms as the holder of `token` calls them.
    pub fn forms<'a>(&'a self, token: &'a str) -> Forms<'a> {
        Forms(Client::new(self, token))
    }

    /// The Auth API's anonymous routes: login and the password flows.
    pub fn auth(&self) -> Auth<'_> {
        Auth(Client::anonymous(self))
    }

    /// The Auth API as the holder of `token` calls it (its identity).
    pub fn auth_as<'a>(&'a self, token: &'a str) -> Auth<'a> {
        Auth(Client::new(self, token))
    }

    /// The Organizations API as the holder of `token` calls it (about its own organization;
    /// [`Organizations::of`] names another, for a sys_admin).
    pub fn organizations<'a>(&'a self, token: &'a str) -> Organizations<'a> {
        Organizations::new(Client::new(self, token))
    }

    /// The Organizations API's routes that take no token (sign-up with an approval).
    pub fn organizations_anonymously(&self) -> Organizations<'_> {
        Organizations::new(Client::anonymous(self))
    }

    /// The Event Collector API as a client of `tenant` with the machine token `bearer` calls it.
    pub fn collector<'a>(&'a self, bearer: &'a str, tenant: &'a str) -> Collector<'a> {
        Collector {
            t: self,
            bearer,
            tenant,
            idempotency_key: None,
        }
    }

    /// The Notification API as the holder of the machine token `bearer` calls it.
    pub fn notification<'a>(&'a self, bearer: &'a str) -> Notification<'a> {
        Notification(Client::new(self, bearer))
    }

    /// The Listener API and its hub as the holder of the machine token `bearer` calls them.
    pub fn listener<'a>(&'a self, bearer: &'a str) -> Listener<'a> {
        Listener(Client::new(self, bearer))
    }

    /// The registry of machine clients as the holder of `token` (a sys_admin) calls it.
    pub fn oauth_clients<'a>(&'a self, token: &'a str) -> OauthClients<'a> {
        OauthClients(Client::new(self, token))
    }

    /// The Offers API's sys_admin operations as the holder of `token` calls them.
    pub fn sys_admin<'a>(&'a self, token: &'a str) -> SysAdmin<'a> {
        SysAdmin(Client::new(self, token))
    }
}

/// `path` with `query` after a `?`, or `path` alone when the query is empty.
fn with_query(path: &str, query: &str) -> String {
    if query.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{query}")
    }
}
