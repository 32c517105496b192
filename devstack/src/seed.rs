//! Demo data: a sys_admin, one demand organization and two supply organizations in its
//! trusted network, each with an org_admin user. The ids and passwords are fixed so the README
//! can list them. The records the samples name are made after these ([`crate::samples`]).

use std::collections::BTreeMap;

use aws_sdk_cognitoidentityprovider::types::{AttributeType, MessageActionType};
use shared::identity::auth::{ORG_ADMIN, SYS_ADMIN};
use shared::identity::oauth::{ClientRecord, Scope, hash_secret};
use shared::kernel::ids::OrgId;
use shared::marketplace::common::CareType;
use shared::marketplace::organization::{
    AssignmentMode, DemandPersona, OrgProfile, Organization, PersonaStatus, Phone, SupplyPersona,
};

use crate::provision::sdk_err;
use crate::{Error, Stack};

#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct User {
    pub email: String,
    pub password: String,
    pub group: String,
    pub organization: Option<Organization>,
}

/// A machine client of the OAuth2 token endpoint.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct MachineClient {
    pub client_id: String,
    pub secret: String,
    pub tenant: String,
    pub scopes: Vec<Scope>,
}

#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Demo {
    pub sys_admin: User,
    pub demand: User,
    pub supply_a: User,
    pub supply_b: User,
    /// Tenant `demo-shop`'s client with every machine scope.
    pub machine: MachineClient,
}

/// The records the `events/` samples name ([`crate::samples`], [`Stack::seed_samples`]).
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Samples {
    /// The org_admin of [`crate::samples::SPARE_ORG`].
    pub spare: User,
    /// The message file the download samples read.
    pub file_id: String,
    /// An id as the samples write it → the id of the record made for it.
    pub ids: BTreeMap<String, String>,
}

impl Samples {
    /// `event` with every sample id replaced by its record's id.
    pub fn substitute(&self, event: serde_json::Value) -> serde_json::Value {
        Self::replace_ids(&self.ids, event)
    }

    /// `value` with each key of `ids` replaced by its value.
    pub fn replace_ids(
        ids: &BTreeMap<String, String>,
        value: serde_json::Value,
    ) -> serde_json::Value {
        let mut text = value.to_string();
        for (from, to) in ids {
            text = text.replace(from.as_str(), to);
        }
        serde_json::from_str(&text).expect("ids are plain JSON-safe text")
    }
}

pub const DEMO_TENANT: &str = "demo-shop";

pub const DEMAND_ORG: &str = "8d0b7a5e-1c7e-4f65-9a53-3b2f1d1e0a01";
pub const SUPPLY_A_ORG: &str = "8d0b7a5e-1c7e-4f65-9a53-3b2f1d1e0a02";
pub const SUPPLY_B_ORG: &str = "8d0b7a5e-1c7e-4f65-9a53-3b2f1d1e0a03";

/// The approval the demo hands out for the anonymous sign-up (`POST /organizations/v1/sign_up`)
/// and directory (`POST /organizations/v1`); it is used up by one sign-up.
pub const DEMO_APPROVAL: &str = "demo-approval";

/// The sign-up details an organization created by `sign_up` has: the demo organizations get
/// them too, so they look the same to the sys_admin endpoints.
pub fn with_profile(mut org: Organization, username: &str) -> Organization {
    let address = serde_json::from_value(serde_json::json!({
        "name": org.name,
        "address": "100 King St W",
        "city": "Toronto",
        "state": "ON",
        "zip": "M5X 1A9",
        "country": "CA",
        "latitude": 43.6487,
        "longitude": -79.3817
    }))
    .expect("a valid address");
    org.profile = Some(OrgProfile {
        username: username.into(),
        email: username.into(),
        phone: Phone {
            number: "+14165550100".into(),
            extension: None,
        },
        address,
        branch_id: None,
    });
    org
}

pub fn demand_org(id: OrgId, name: &str, mode: AssignmentMode) -> Organization {
    Organization {
        id,
        name: name.into(),
        host: Some("https://maple.example.com".into()),
        source: "alayacare".into(),
        demand: Some(DemandPersona {
            status: PersonaStatus::Active,
            offer_assignment: mode,
        }),
        supply: None,
        profile: None,
        created_at: shared::kernel::time::now(),
        version: 0,
    }
}

pub fn supply_org(id: OrgId, name: &str, care_types: &[CareType]) -> Organization {
    Organization {
        id,
        name: name.into(),
        host: None,
        source: "procura".into(),
        demand: None,
        supply: Some(SupplyPersona {
            status: PersonaStatus::Active,
            care_types: care_types.to_vec(),
        }),
        profile: None,
        created_at: shared::kernel::time::now(),
        version: 0,
    }
}

impl Stack {
    /// Creates a confirmed Cognito user with a permanent password, in `group`, bound to `org`.
    pub async fn create_user(
        &self,
        email: &str,
        password: &str,
        name: &str,
        group: &'static str,
        org: Option<&Organization>,
    ) -> Result<User, Error> {
        let cognito = self.app().aws.cognito().await;
        let pool = &self.app().config.user_pool_id;
        let attr = |k: &str, v: &str| {
            AttributeType::builder()
                .name(k)
                .value(v)
                .build()
                .expect("name is set")
        };
        let mut attributes = vec![
            attr("email", email),
            attr("email_verified", "true"),
            attr("name", name),
        ];
        if let Some(org) = org {
            attributes.push(attr("custom:organization_id", &org.id.to_string()));
        }
        cognito
            .admin_create_user()
            .user_pool_id(pool)
            .username(email)
            .set_user_attributes(Some(attributes))
            .message_action(MessageActionType::Suppress)
            .send()
            .await
            .map_err(sdk_err("AdminCreateUser"))?;
        self.set_password(email, password).await?;
        cognito
            .admin_add_user_to_group()
            .user_pool_id(pool)
            .username(email)
            .group_name(group)
            .send()
            .await
            .map_err(sdk_err("AdminAddUserToGroup"))?;
        Ok(User {
            email: email.into(),
            password: password.into(),
            group: group.into(),
            organization: org.cloned(),
        })
    }

    /// Sets a user's permanent password, as an administrator would.
    pub async fn set_password(&self, email: &str, password: &str) -> Result<(), Error> {
        self.app()
            .aws
            .cognito()
            .await
            .admin_set_user_password()
            .user_pool_id(&self.app().config.user_pool_id)
            .username(email)
            .password(password)
            .permanent(true)
            .send()
            .await
            .map_err(sdk_err("AdminSetUserPassword"))?;
        Ok(())
    }

    pub async fn put_org(&self, org: &Organization) -> Result<(), Error> {
        self.app()
            .db
            .put_org(org)
            .await
            .map_err(|e| Error::Aws(e.to_string()))
    }

    pub async fn trust(&self, demand: OrgId, supply: OrgId) -> Result<(), Error> {
        self.app()
            .db
            .add_trusted_supplier(demand, supply)
            .await
            .map_err(|e| Error::Aws(e.to_string()))
    }

    /// Registers a machine client with a known secret (the API only ever generates them).
    pub async fn create_machine_client(
        &self,
        client_id: &str,
        secret: &str,
        tenant: &str,
        scopes: &[Scope],
    ) -> Result<MachineClient, Error> {
        let bad = |e: shared::ApiError| Error::Setup(e.message);
        let record = ClientRecord {
            client_id: client_id.parse().map_err(bad)?,
            tenant: tenant.parse().map_err(bad)?,
            scopes: scopes.to_vec(),
            name: Some("Demo client".into()),
            secret_hash: hash_secret(secret),
            active: true,
            created_at: shared::kernel::time::now(),
        };
        let item = shared::store::db::to_item(
            "client",
            &shared::identity::store::client_keys(&record.client_id),
            &record,
        )
        .map_err(|e| Error::Aws(e.to_string()))?;
        self.app()
            .db
            .put_unconditionally(item)
            .await
            .map_err(|e| Error::Aws(e.to_string()))?;
        Ok(MachineClient {
            client_id: client_id.into(),
            secret: secret.into(),
            tenant: tenant.into(),
            scopes: scopes.to_vec(),
        })
    }

    /// Loads the demo organizations and users.
    pub async fn seed_demo(&self) -> Result<Demo, Error> {
        let id = |s: &str| s.parse::<OrgId>().expect("valid demo id");
        let demand = with_profile(
            demand_org(id(DEMAND_ORG), "Maple Home Health", AssignmentMode::Manual),
            "demand-admin@example.com",
        );
        let supply_a = with_profile(
            supply_org(
                id(SUPPLY_A_ORG),
                "Northern Care Partners",
                &[CareType::Psw, CareType::Nursing],
            ),
            "supply-a-admin@example.com",
        );
        let supply_b = with_profile(
            supply_org(
                id(SUPPLY_B_ORG),
                "Lakeside Nursing",
                &[CareType::Psw, CareType::Nursing],
            ),
            "supply-b-admin@example.com",
        );
        for org in [&demand, &supply_a, &supply_b] {
            self.put_org(org).await?;
        }
        self.trust(demand.id, supply_a.id).await?;
        self.trust(demand.id, supply_b.id).await?;
        self.app()
            .db
            .put_approval(DEMO_APPROVAL)
            .await
            .map_err(|e| Error::Aws(e.to_string()))?;
        let demo = Demo {
            sys_admin: self
                .create_user(
                    "sysadmin@example.com",
                    "SysAdmin-Passw0rd!",
                    "Sys Admin",
                    SYS_ADMIN,
                    None,
                )
                .await?,
            demand: self
                .create_user(
                    "demand-admin@example.com",
                    "Demand-Passw0rd!",
                    "Dana Demand",
                    ORG_ADMIN,
                    Some(&demand),
                )
                .await?,
            supply_a: self
                .create_user(
                    "supply-a-admin@example.com",
                    "SupplyA-Passw0rd!",
                    "Sam Supply",
                    ORG_ADMIN,
                    Some(&supply_a),
                )
                .await?,
            supply_b: self
                .create_user(
                    "supply-b-admin@example.com",
                    "SupplyB-Passw0rd!",
                    "Sky Supply",
                    ORG_ADMIN,
                    Some(&supply_b),
                )
                .await?,
            machine: self
                .create_machine_client(
                    "demo-shop-client",
                    "DemoShop-Client-Secret-0001",
                    DEMO_TENANT,
                    &Scope::ALL,
                )
                .await?,
        };
        let _ = self.demo.set(demo.clone());
        Ok(demo)
    }
}
