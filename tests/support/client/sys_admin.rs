//! The Offers API's sys_admin operations: take rates, reads across organizations and the
//! demand organizations' settings.

use serde_json::Value;

use super::{Client, with_query};
use crate::harness::Response;

#[derive(Clone, Copy)]
pub struct SysAdmin<'a>(pub(super) Client<'a>);

const RATES: &str = "/offers/v1/sys_admin/take_rates";

impl SysAdmin<'_> {
    /// `GET /offers/v1/sys_admin/take_rates/regional_take_rate`.
    pub async fn regional_take_rate(self) -> Response {
        self.0.get(&format!("{RATES}/regional_take_rate")).await
    }

    /// `POST /offers/v1/sys_admin/take_rates/regional_take_rate`.
    pub async fn set_regional_take_rate(self, body: Value) -> Response {
        let path = format!("{RATES}/regional_take_rate");
        self.0.post(&path, body).await
    }

    /// `GET /offers/v1/sys_admin/take_rates/demand_take_rates`.
    pub async fn demand_take_rates(self) -> Response {
        self.0.get(&format!("{RATES}/demand_take_rates")).await
    }

    /// `POST /offers/v1/sys_admin/take_rates/demand_take_rates/{demand_persona_id}`.
    pub async fn set_demand_take_rate(self, demand_persona_id: &str, body: Value) -> Response {
        let path = format!("{RATES}/demand_take_rates/{demand_persona_id}");
        self.0.post(&path, body).await
    }

    /// `GET /offers/v1/sys_admin/offers?{query}`.
    pub async fn offers(self, query: &str) -> Response {
        self.0
            .get(&with_query("/offers/v1/sys_admin/offers", query))
            .await
    }

    /// `GET /offers/v1/sys_admin/offers/{id}`.
    pub async fn offer(self, id: &str) -> Response {
        self.0
            .get(&format!("/offers/v1/sys_admin/offers/{id}"))
            .await
    }

    /// `GET /offers/v1/sys_admin/offers/{id}/matches`.
    pub async fn matches(self, id: &str) -> Response {
        self.0
            .get(&format!("/offers/v1/sys_admin/offers/{id}/matches"))
            .await
    }

    /// `GET /offers/v1/sys_admin/referrals?{query}`.
    pub async fn referrals(self, query: &str) -> Response {
        self.0
            .get(&with_query("/offers/v1/sys_admin/referrals", query))
            .await
    }

    /// `GET /offers/v1/sys_admin/referrals/{id}`.
    pub async fn referral(self, id: &str) -> Response {
        self.0
            .get(&format!("/offers/v1/sys_admin/referrals/{id}"))
            .await
    }

    /// `GET /offers/v1/sys_admin/demand_personas/{id}/settings/assignment`.
    pub async fn assignment(self, demand_persona_id: &str) -> Response {
        let path =
            format!("/offers/v1/sys_admin/demand_personas/{demand_persona_id}/settings/assignment");
        self.0.get(&path).await
    }

    /// `POST /offers/v1/sys_admin/demand_personas/{id}/settings/assignment`.
    pub async fn set_assignment(self, demand_persona_id: &str, body: Value) -> Response {
        let path =
            format!("/offers/v1/sys_admin/demand_personas/{demand_persona_id}/settings/assignment");
        self.0.post(&path, body).await
    }

    /// `GET /offers/v1/sys_admin/visits?{query}`.
    pub async fn visits(self, query: &str) -> Response {
        self.0
            .get(&with_query("/offers/v1/sys_admin/visits", query))
            .await
    }

    /// `GET /offers/v1/sys_admin/visits/{id}`.
    pub async fn visit(self, id: &str) -> Response {
        self.0
            .get(&format!("/offers/v1/sys_admin/visits/{id}"))
            .await
    }

    /// `GET /offers/v1/sys_admin/sequences?{query}`.
    pub async fn sequences(self, query: &str) -> Response {
        self.0
            .get(&with_query("/offers/v1/sys_admin/sequences", query))
            .await
    }

    /// `GET /offers/v1/sys_admin/messages?{query}`.
    pub async fn messages(self, query: &str) -> Response {
        self.0
            .get(&with_query("/offers/v1/sys_admin/messages", query))
            .await
    }

    /// `GET /offers/v1/sys_admin/messages/by_file_id/{file_id}`.
    pub async fn message_by_file(self, file_id: &str) -> Response {
        let path = format!("/offers/v1/sys_admin/messages/by_file_id/{file_id}");
        self.0.get(&path).await
    }
}
