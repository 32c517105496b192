//! Wire models of the Organizations API (`specs/alayamarket/openapi.organizations.yaml`).

use serde::{Deserialize, Serialize};

use crate::kernel::ids::OrgId;
use crate::kernel::paging::SortOrder;
use crate::marketplace::common::{CareType, MAX_ORG_IDS, NonEmpty, at_most, at_most_opt};
pub use crate::marketplace::organization::OrgAddress;
use crate::marketplace::organization::{Organization, PersonaStatus, Phone};

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

impl TrustedNetworkItem {
    pub fn of(org: &Organization) -> Self {
        Self {
            name: org.name.clone(),
            id: org.id,
        }
    }
}

/// `SupplyUpdateCareTypesRequest`: `care_types` is required and not nullable.
#[derive(Debug, Deserialize)]
pub struct SetCareTypesRequest {
    pub care_types: Vec<CareType>,
}

/// `DemandUpdateTrustedNetworkRequest`.
#[derive(Debug, Deserialize)]
pub struct SetTrustedNetworkRequest {
    #[serde(deserialize_with = "at_most::<MAX_ORG_IDS, _, _>")]
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
    /// The supply persona's status (the sys_admin variant of the list has this filter).
    pub status: Option<PersonaStatus>,
}

impl DemandTrustedNetworkQuery {
    pub fn matches(&self, o: &Organization) -> bool {
        self.status.is_none_or(|s| s == o.supply_status())
            && (self.supply_persona_id.is_empty() || self.supply_persona_id.contains(&o.id))
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

/// An email address: one `@` between a non-empty local part and a dotted domain, no spaces.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String")]
pub struct Email(String);

impl TryFrom<String> for Email {
    type Error = &'static str;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        let valid = s.len() <= 254
            && !s.chars().any(char::is_whitespace)
            && s.split_once('@').is_some_and(|(local, domain)| {
                !local.is_empty()
                    && !domain.contains('@')
                    && domain.split('.').count() >= 2
                    && domain.split('.').all(|label| !label.is_empty())
            });
        if valid {
            Ok(Self(s))
        } else {
            Err("must be an email address")
        }
    }
}

impl Email {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// `host`: `https://` and a domain of at least three labels of letters, digits and `-`, no
/// trailing slash (the spec's pattern `^https:\/\/([A-Za-z0-9-]+\.){2,}([A-Za-z0-9-]+){1}$`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String")]
pub struct Host(String);

impl TryFrom<String> for Host {
    type Error = &'static str;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        let valid = s.strip_prefix("https://").is_some_and(|domain| {
            domain.split('.').count() >= 3
                && domain.split('.').all(|label| {
                    !label.is_empty()
                        && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                })
        });
        if valid {
            Ok(Self(s))
        } else {
            Err("must be https:// and a fully qualified domain name without a trailing slash")
        }
    }
}

impl Host {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A password on its way to Cognito (or to the sealed API keys): never serialized, never
/// printed.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct Password(String);

impl TryFrom<String> for Password {
    type Error = &'static str;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        if s.is_empty() {
            Err("must not be empty")
        } else if s.chars().count() > 256 {
            // Cognito's limit; it also keeps a sealed password within one KMS Encrypt.
            Err("must be at most 256 characters")
        } else {
            Ok(Self(s))
        }
    }
}

impl Password {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(***)")
    }
}

/// The organization part of `OrgSignUpRequest` / `SysAdminOrgSignUpRequest`, without the
/// password: it is serialized into an auto sign-up's execution input, where the password
/// travels sealed ([`AutoSignUpExecution`]).
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct OrgSignUpDetails {
    pub email: Email,
    pub name: NonEmpty,
    pub source: NonEmpty,
    pub host: Option<Host>,
    pub branch_id: Option<i64>,
    pub phone_number: NonEmpty,
    pub phone_extension: Option<String>,
    pub address: OrgAddress,
}

impl OrgSignUpDetails {
    pub fn phone(&self) -> Phone {
        Phone {
            number: self.phone_number.as_str().to_owned(),
            extension: self.phone_extension.clone(),
        }
    }
}

/// `OrgSignUpRequest` (anonymous, with an approval): the username is the admin's email.
#[derive(Debug, Deserialize)]
pub struct OrgSignUpRequest {
    pub approval_id: NonEmpty,
    pub username: Email,
    pub password: Password,
    #[serde(flatten)]
    pub details: OrgSignUpDetails,
}

/// `SysAdminOrgSignUpRequest`.
#[derive(Debug, Deserialize)]
pub struct SysAdminOrgSignUpRequest {
    pub username: NonEmpty,
    pub password: Password,
    #[serde(flatten)]
    pub details: OrgSignUpDetails,
}

/// `SysAdminOrgAutoSignUpRequest`: a sign-up and the organization's first configuration.
#[derive(Debug, Deserialize)]
pub struct AutoSignUpRequest {
    pub organization: SysAdminOrgSignUpRequest,
    pub demand_configuration: Option<DemandConfiguration>,
    pub supply_configuration: Option<SupplyConfiguration>,
    #[serde(default)]
    pub subscriptions: Vec<SubscribeItem>,
    /// Required by the spec but deprecated: every auto sign-up is confirmed.
    pub auto_confirm: bool,
}

/// `demand_configuration`: given at all, the demand persona is activated.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct DemandConfiguration {
    #[serde(default, deserialize_with = "at_most_opt::<MAX_ORG_IDS, _, _>")]
    pub trusted_network: Option<Vec<OrgId>>,
    pub offer_assignment: Option<crate::marketplace::organization::AssignmentMode>,
}

/// `supply_configuration`: given at all, the supply persona is activated.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SupplyConfiguration {
    pub care_types: Vec<CareType>,
    /// Demand organizations whose trusted networks the new supplier joins.
    #[serde(default, deserialize_with = "at_most::<MAX_ORG_IDS, _, _>")]
    pub trusted_demand_personas: Vec<OrgId>,
}

/// `SysAdminOrgAutoSignUpResponse`.
#[derive(Debug, Serialize)]
pub struct AutoSignUpResponse {
    pub execution_arn: String,
}

/// The input of an auto sign-up execution, which every step receives whole. It shows in the
/// execution's history, so the password is in it only sealed with KMS, bound to the
/// organization id (`identity::auto_sign_up`). The organization id is chosen before the
/// execution starts, which makes the sign-up step safe to retry.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct AutoSignUpExecution {
    pub organization_id: OrgId,
    pub username: NonEmpty,
    pub sealed_password: String,
    pub organization: OrgSignUpDetails,
    pub demand_configuration: Option<DemandConfiguration>,
    pub supply_configuration: Option<SupplyConfiguration>,
    #[serde(default)]
    pub subscriptions: Vec<SubscribeItem>,
}

/// `OrgSignUpResponse`.
#[derive(Debug, Serialize)]
pub struct OrgSignUpResponse {
    pub id: OrgId,
}

/// `OrgConfirmSignUpRequest`.
#[derive(Debug, Deserialize)]
pub struct ConfirmSignUpRequest {
    pub username: NonEmpty,
    pub confirmation_code: NonEmpty,
}

/// `OrgConfirmSignUpAdminRequest`.
#[derive(Debug, Deserialize)]
pub struct AdminConfirmSignUpRequest {
    pub username: NonEmpty,
}

/// `AnonOrgGetOrgsRequest`.
#[derive(Debug, Deserialize)]
pub struct AnonListRequest {
    pub approval_id: NonEmpty,
}

/// `OrgSaveApiKeyRequest`: credentials of the organization's own system.
#[derive(Debug, Deserialize)]
pub struct SaveApiKeysRequest {
    pub username: NonEmpty,
    pub password: Password,
}

/// `SysAdminOrgEditRequest`.
#[derive(Debug, Deserialize)]
pub struct EditOrgRequest {
    pub name: NonEmpty,
    pub address: EditOrgAddress,
}

#[derive(Debug, Deserialize)]
pub struct EditOrgAddress {
    pub name: Option<String>,
}

/// `SupplyUpdateDemandTrustedNetworkRequest`.
#[derive(Debug, Deserialize)]
pub struct SupplySetTrustedNetworkRequest {
    #[serde(deserialize_with = "at_most::<MAX_ORG_IDS, _, _>")]
    pub demand_persona_ids: Vec<OrgId>,
}

/// Query of `GET /organizations/v1/sys_admin`.
#[derive(Debug, Default, Deserialize)]
pub struct SysAdminOrgListQuery {
    pub is_demand: Option<bool>,
    pub is_supply: Option<bool>,
    #[serde(default)]
    pub username: Vec<String>,
    #[serde(default)]
    pub email: Vec<String>,
    #[serde(default)]
    pub id: Vec<OrgId>,
    pub name: Option<String>,
    pub host: Option<String>,
    #[serde(default)]
    pub source_includes: Vec<String>,
    #[serde(default)]
    pub source_excludes: Vec<String>,
    pub page: Option<i64>,
    pub items_per_page: Option<i64>,
}

impl SysAdminOrgListQuery {
    pub fn matches(&self, o: &Organization) -> bool {
        let base = OrgListQuery {
            is_demand: self.is_demand,
            is_supply: self.is_supply,
            id: self.id.clone(),
            name: self.name.clone(),
            host: self.host.clone(),
            page: None,
            items_per_page: None,
        };
        let profile = o.profile.as_ref();
        base.matches(o)
            && (self.username.is_empty()
                || profile.is_some_and(|p| {
                    self.username
                        .iter()
                        .any(|u| u.eq_ignore_ascii_case(&p.username))
                }))
            && (self.email.is_empty()
                || profile
                    .is_some_and(|p| self.email.iter().any(|e| e.eq_ignore_ascii_case(&p.email))))
            && (self.source_includes.is_empty() || self.source_includes.contains(&o.source))
            && !self.source_excludes.contains(&o.source)
    }
}

/// The fields every organization response opens with. An organization loaded without a
/// sign-up (demo and test fixtures) has no profile: its username and email are empty.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct OrgHead {
    pub username: String,
    pub email: String,
    pub id: OrgId,
    pub name: String,
    pub source: String,
    pub host: Option<String>,
    pub branch_id: Option<i64>,
}

impl OrgHead {
    pub fn of(o: &Organization) -> Self {
        let p = o.profile.as_ref();
        Self {
            username: p.map(|p| p.username.clone()).unwrap_or_default(),
            email: p.map(|p| p.email.clone()).unwrap_or_default(),
            id: o.id,
            name: o.name.clone(),
            source: o.source.clone(),
            host: o.host.clone(),
            branch_id: p.and_then(|p| p.branch_id),
        }
    }
}

/// `SysAdminOrgCollectionResponse`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SysAdminOrgItem {
    #[serde(flatten)]
    pub head: OrgHead,
    pub demand_persona: PersonaStatusView,
    pub supply_persona: PersonaStatusView,
}

impl SysAdminOrgItem {
    pub fn of(o: &Organization) -> Self {
        Self {
            head: OrgHead::of(o),
            demand_persona: PersonaStatusView {
                status: o.demand_status(),
            },
            supply_persona: PersonaStatusView {
                status: o.supply_status(),
            },
        }
    }
}

/// `OrgDetailResponse` (also `SysAdminOrgSignUpResponse`).
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct OrgDetail {
    #[serde(flatten)]
    pub head: OrgHead,
    pub phone: Option<Phone>,
    pub address: Option<OrgAddress>,
    pub demand_persona: PersonaStatusView,
    pub supply_persona: SupplyDetail,
}

impl OrgDetail {
    pub fn of(o: &Organization) -> Self {
        let p = o.profile.as_ref();
        Self {
            head: OrgHead::of(o),
            phone: p.map(|p| p.phone.clone()),
            address: p.map(|p| p.address.clone()),
            demand_persona: PersonaStatusView {
                status: o.demand_status(),
            },
            supply_persona: SupplyDetail::of(o),
        }
    }
}

mod subscriptions;
pub use subscriptions::*;

#[cfg(test)]
mod tests;
