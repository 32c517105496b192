//! The Organizations API: personas, care types, trusted networks, the directory, sign-up,
//! subscriptions and API keys; with [`Organizations::of`], the same operations a sys_admin
//! performs on another organization (`/organizations/v1/sys_admin/{organization_id}/...`), and
//! with [`Organizations::sys_admin`] the sys_admin's other routes.

use serde_json::Value;

use super::{Client, NO_BODY, with_query};
use crate::harness::Response;

const BASE: &str = "/organizations/v1";

#[derive(Clone, Copy)]
pub struct Organizations<'a> {
    c: Client<'a>,
    /// The organization a sys_admin acts on; `None`: the caller's own.
    org: Option<&'a str>,
}

impl<'a> Organizations<'a> {
    pub(super) fn new(c: Client<'a>) -> Self {
        Self { c, org: None }
    }

    /// The same operations on organization `org`, as a sys_admin performs them.
    pub fn of(self, org: &'a str) -> Self {
        Self {
            org: Some(org),
            ..self
        }
    }

    /// The sys_admin's routes that are not about one organization's settings.
    pub fn sys_admin(self) -> OrganizationsSysAdmin<'a> {
        OrganizationsSysAdmin(self.c)
    }

    /// `/organizations/v1{rest}`, or `/organizations/v1/sys_admin/{org}{rest}`.
    fn path(self, rest: &str) -> String {
        match self.org {
            None => format!("{BASE}{rest}"),
            Some(org) => format!("{BASE}/sys_admin/{org}{rest}"),
        }
    }

    /// `GET /organizations/v1?{query}`: the directory.
    pub async fn directory(self, query: &str) -> Response {
        self.c.get(&with_query(BASE, query)).await
    }

    /// `POST /organizations/v1?{query}`: the directory, anonymously with an approval.
    pub async fn directory_with_approval(self, query: &str, body: Value) -> Response {
        self.c.post(&with_query(BASE, query), body).await
    }

    /// `POST /organizations/v1/sign_up`: anonymous sign-up with an approval.
    pub async fn sign_up(self, body: Value) -> Response {
        self.c.post(&format!("{BASE}/sign_up"), body).await
    }

    /// `GET .../demand_persona`.
    pub async fn demand_persona(self) -> Response {
        self.c.get(&self.path("/demand_persona")).await
    }

    /// `POST .../demand_persona/activate`.
    pub async fn activate_demand(self) -> Response {
        self.c
            .post(&self.path("/demand_persona/activate"), NO_BODY)
            .await
    }

    /// `POST .../demand_persona/deactivate`.
    pub async fn deactivate_demand(self) -> Response {
        self.c
            .post(&self.path("/demand_persona/deactivate"), NO_BODY)
            .await
    }

    /// `GET .../supply_persona`.
    pub async fn supply_persona(self) -> Response {
        self.c.get(&self.path("/supply_persona")).await
    }

    /// `POST .../supply_persona/activate`.
    pub async fn activate_supply(self) -> Response {
        self.c
            .post(&self.path("/supply_persona/activate"), NO_BODY)
            .await
    }

    /// `POST .../supply_persona/deactivate`.
    pub async fn deactivate_supply(self) -> Response {
        self.c
            .post(&self.path("/supply_persona/deactivate"), NO_BODY)
            .await
    }

    /// `POST .../supply_persona/care_types`.
    pub async fn set_care_types(self, body: Value) -> Response {
        self.c
            .post(&self.path("/supply_persona/care_types"), body)
            .await
    }

    /// `GET .../demand_persona/trusted_network?{query}`.
    pub async fn demand_network(self, query: &str) -> Response {
        let path = self.path("/demand_persona/trusted_network");
        self.c.get(&with_query(&path, query)).await
    }

    /// `POST .../demand_persona/trusted_network`: replaces the network.
    pub async fn set_demand_network(self, body: Value) -> Response {
        let path = self.path("/demand_persona/trusted_network");
        self.c.post(&path, body).await
    }

    /// `POST /organizations/v1/sys_admin/{org}/demand_persona/trusted_network/add`.
    pub async fn add_to_demand_network(self, body: Value) -> Response {
        let path = self.path("/demand_persona/trusted_network/add");
        self.c.post(&path, body).await
    }

    /// `POST /organizations/v1/sys_admin/{org}/demand_persona/trusted_network/remove`.
    pub async fn remove_from_demand_network(self, body: Value) -> Response {
        let path = self.path("/demand_persona/trusted_network/remove");
        self.c.post(&path, body).await
    }

    /// `GET .../supply_persona/trusted_network?{query}`: the demand networks it is in.
    pub async fn supply_network(self, query: &str) -> Response {
        let path = self.path("/supply_persona/trusted_network");
        self.c.get(&with_query(&path, query)).await
    }

    /// `POST .../supply_persona/trusted_network`: the demand networks it joins.
    pub async fn set_supply_network(self, body: Value) -> Response {
        let path = self.path("/supply_persona/trusted_network");
        self.c.post(&path, body).await
    }

    /// `POST .../subscribe`.
    pub async fn subscribe(self, body: Value) -> Response {
        self.c.post(&self.path("/subscribe"), body).await
    }

    /// `POST .../api_keys`.
    pub async fn set_api_keys(self, body: Value) -> Response {
        self.c.post(&self.path("/api_keys"), body).await
    }
}

/// `/organizations/v1/sys_admin/...` routes not about one organization's settings.
#[derive(Clone, Copy)]
pub struct OrganizationsSysAdmin<'a>(Client<'a>);

impl OrganizationsSysAdmin<'_> {
    /// `POST /organizations/v1/sys_admin/sign_up`.
    pub async fn sign_up(self, body: Value) -> Response {
        self.0
            .post(&format!("{BASE}/sys_admin/sign_up"), body)
            .await
    }

    /// `POST /organizations/v1/sys_admin/auto_sign_up`.
    pub async fn auto_sign_up(self, body: Value) -> Response {
        let path = format!("{BASE}/sys_admin/auto_sign_up");
        self.0.post(&path, body).await
    }

    /// `POST /organizations/v1/sys_admin/admin_confirm_sign_up`.
    pub async fn admin_confirm_sign_up(self, body: Value) -> Response {
        let path = format!("{BASE}/sys_admin/admin_confirm_sign_up");
        self.0.post(&path, body).await
    }

    /// `POST /organizations/v1/sys_admin/confirm_sign_up`.
    pub async fn confirm_sign_up(self, body: Value) -> Response {
        let path = format!("{BASE}/sys_admin/confirm_sign_up");
        self.0.post(&path, body).await
    }

    /// `GET /organizations/v1/sys_admin?{query}`: the directory with private fields.
    pub async fn list(self, query: &str) -> Response {
        let path = format!("{BASE}/sys_admin");
        self.0.get(&with_query(&path, query)).await
    }

    /// `GET /organizations/v1/sys_admin/{org}`.
    pub async fn get(self, org: &str) -> Response {
        self.0.get(&format!("{BASE}/sys_admin/{org}")).await
    }

    /// `POST /organizations/v1/sys_admin/{org}/edit`.
    pub async fn edit(self, org: &str, body: Value) -> Response {
        self.0
            .post(&format!("{BASE}/sys_admin/{org}/edit"), body)
            .await
    }

    /// `GET /organizations/v1/sys_admin/subscriptions?{query}`.
    pub async fn subscriptions(self, query: &str) -> Response {
        let path = format!("{BASE}/sys_admin/subscriptions");
        self.0.get(&with_query(&path, query)).await
    }

    /// `POST /organizations/v1/sys_admin/unsubscribe`.
    pub async fn unsubscribe(self, body: Value) -> Response {
        let path = format!("{BASE}/sys_admin/unsubscribe");
        self.0.post(&path, body).await
    }
}
