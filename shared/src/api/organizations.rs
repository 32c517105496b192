//! Wire models of the Organizations API (`specs/alayamarket/openapi.organizations.yaml`).

use serde::{Deserialize, Serialize};

use crate::api::common::CareType;
use crate::domain::organization::{Organization, PersonaStatus};
use crate::ids::OrgId;
use crate::paging::SortOrder;

/// `DemandDetailResponse`, and the persona objects of `OrgCollectionResponse`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PersonaStatusView {
    pub status: PersonaStatus,
}

/// `SupplyDetailResponse`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SupplyDetail {
    pub status: PersonaStatus,
    pub care_types: Vec<CareType>,
}

impl SupplyDetail {
    pub fn of(org: &Organization) -> Self {
        Self {
            status: org.supply_status(),
            care_types: org.care_types().to_vec(),
        }
    }
}

/// `OrgCollectionResponse` (`branch_id` is optional and the platform keeps none).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct OrgListItem {
    pub id: OrgId,
    pub name: String,
    pub demand_persona: PersonaStatusView,
    pub supply_persona: PersonaStatusView,
}

impl OrgListItem {
    pub fn of(org: &Organization) -> Self {
        Self {
            id: org.id,
            name: org.name.clone(),
            demand_persona: PersonaStatusView {
                status: org.demand_status(),
            },
            supply_persona: PersonaStatusView {
                status: org.supply_status(),
            },
        }
    }
}

/// An item of `DemandTrustedNetworkPageResponse` / `SupplyTrustedNetworkPageResponse`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TrustedNetworkItem {
    pub name: String,
    pub id: OrgId,
}

/// `SupplyUpdateCareTypesRequest`: `care_types` is required and not nullable.
#[derive(Debug, Deserialize)]
pub struct SetCareTypesRequest {
    pub care_types: Vec<CareType>,
}

/// `DemandUpdateTrustedNetworkRequest`.
#[derive(Debug, Deserialize)]
pub struct SetTrustedNetworkRequest {
    pub supply_persona_ids: Vec<OrgId>,
}

/// `sort_by` of the trusted-network lists: only `name`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NameSort {
    #[default]
    Name,
}

/// Query of `GET /organizations/v1`.
#[derive(Debug, Default, Deserialize)]
pub struct OrgListQuery {
    pub is_demand: Option<bool>,
    pub is_supply: Option<bool>,
    #[serde(default)]
    pub id: Vec<OrgId>,
    /// Case-insensitive, partial match.
    pub name: Option<String>,
    pub host: Option<String>,
    pub page: Option<i64>,
    pub items_per_page: Option<i64>,
}

impl OrgListQuery {
    pub fn matches(&self, o: &Organization) -> bool {
        let active = |s: PersonaStatus| s == PersonaStatus::Active;
        self.is_demand
            .is_none_or(|d| d == active(o.demand_status()))
            && self
                .is_supply
                .is_none_or(|s| s == active(o.supply_status()))
            && (self.id.is_empty() || self.id.contains(&o.id))
            && name_matches(self.name.as_deref(), &o.name)
            && self
                .host
                .as_deref()
                .is_none_or(|h| o.host.as_deref() == Some(h))
    }
}

fn name_matches(filter: Option<&str>, name: &str) -> bool {
    filter.is_none_or(|f| name.to_lowercase().contains(&f.to_lowercase()))
}

/// Query of `GET /organizations/v1/demand_persona/trusted_network`.
#[derive(Debug, Default, Deserialize)]
pub struct DemandTrustedNetworkQuery {
    #[serde(default)]
    pub supply_persona_id: Vec<OrgId>,
    pub name: Option<String>,
    #[serde(default)]
    pub source_includes: Vec<String>,
    #[serde(default)]
    pub source_excludes: Vec<String>,
    pub page: Option<i64>,
    pub items_per_page: Option<i64>,
    pub sort_by: Option<NameSort>,
    pub sort_order: Option<SortOrder>,
}

impl DemandTrustedNetworkQuery {
    pub fn matches(&self, o: &Organization) -> bool {
        (self.supply_persona_id.is_empty() || self.supply_persona_id.contains(&o.id))
            && name_matches(self.name.as_deref(), &o.name)
            && (self.source_includes.is_empty() || self.source_includes.contains(&o.source))
            && !self.source_excludes.contains(&o.source)
    }
}

/// Query of `GET /organizations/v1/supply_persona/trusted_network`.
#[derive(Debug, Default, Deserialize)]
pub struct SupplyTrustedNetworkQuery {
    pub page: Option<i64>,
    pub items_per_page: Option<i64>,
    pub sort_by: Option<NameSort>,
    pub sort_order: Option<SortOrder>,
}

/// `SysAdminOrgSubscribeRequest`: one topic subscription.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct SubscribeItem {
    pub topic: crate::events::Channel,
    pub protocol: crate::domain::subscription::Protocol,
    pub endpoint: String,
}

/// `OrgAdminOrgSubscribeRequest`.
#[derive(Debug, Deserialize)]
pub struct SubscribeRequest {
    pub subscriptions: Vec<SubscribeItem>,
}

/// `OrgAdminOrgSubscribeItemResponse`: the request item and its subscription.
#[derive(Debug, Serialize)]
pub struct SubscribedItem {
    #[serde(flatten)]
    pub item: SubscribeItem,
    pub subscription_arn: String,
}

/// `OrgAdminOrgSubscribeCollectionResponse`.
#[derive(Debug, Serialize)]
pub struct SubscribeResponse {
    pub subscriptions: Vec<SubscribedItem>,
}

/// `SysAdminOrgSubscribeResponse`.
#[derive(Debug, Serialize)]
pub struct SubscriptionArn {
    pub subscription_arn: String,
}

/// `OrgUnsubscribeRequest`.
#[derive(Debug, Deserialize)]
pub struct UnsubscribeRequest {
    pub subscription_arn: String,
}

/// Query of `GET /organizations/v1/sys_admin/subscriptions`.
#[derive(Debug, Default, Deserialize)]
pub struct SubscriptionQuery {
    pub endpoint: Option<String>,
}

/// `SubscriptionCollectionResponse`.
#[derive(Debug, Serialize)]
pub struct SubscriptionView {
    pub subscription_arn: String,
    pub topic_arn: String,
    pub protocol: String,
    pub endpoint: String,
}

/// `SubscriptionPageResponse`.
#[derive(Debug, Serialize)]
pub struct SubscriptionList {
    pub items: Vec<SubscriptionView>,
}
