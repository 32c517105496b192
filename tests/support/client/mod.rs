//! A typed client of the HTTP API, one file per API family: `t.offers(&token).accept(id, body)`
//! sends exactly the request a participant's client sends and returns the [`Response`]. The
//! client asserts nothing; [`Response::ok`] checks the status a test expects.
//!
//! Ids are `&str`, bodies `serde_json::Value`; [`NO_BODY`] (`Value::Null`) sends none. Paths
//! are the template's routes with their parameters filled in; a `query` is appended after a
//! `?` unless it is empty.

mod forms;
mod messages;
mod offers;
mod referrals;
mod sys_admin;
mod visits;

pub use forms::Forms;
pub use messages::{Messages, Side};
pub use offers::Offers;
pub use referrals::Referrals;
pub use sys_admin::SysAdmin;
pub use visits::Visits;

use serde_json::Value;

use crate::harness::{Response, TestStack};

/// The body of a request that has none.
pub const NO_BODY: Value = Value::Null;

/// One participant's client: the stack and the raw token it sends.
#[derive(Clone, Copy)]
pub struct Client<'a> {
    t: &'a TestStack,
    token: &'a str,
}

impl<'a> Client<'a> {
    pub fn new(t: &'a TestStack, token: &'a str) -> Self {
        Self { t, token }
    }

    pub async fn get(self, path: &str) -> Response {
        self.t.call("GET", path, Some(self.token), None).await
    }

    pub async fn post(self, path: &str, body: Value) -> Response {
        let body = (!body.is_null()).then_some(body);
        self.t.call("POST", path, Some(self.token), body).await
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
