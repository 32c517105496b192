//! Organizations, their personas and the trusted network (demand → supply links).

use crate::events::{Channel, EventRecord};
use crate::kernel::ids::OrgId;
use crate::marketplace::organization::{AssignmentMode, Organization, TrustedNetworkChange};

use crate::store::db::{Cond, Db, DbError, GSI1, Item, Keys, Tx, from_item, kind_of, to_item};

pub fn org_keys(id: OrgId) -> Keys {
    Keys::new(format!("ORG#{id}"), "ORG")
}

/// The directory partition every organization is listed in (gsi1), by name.
const DIRECTORY: &str = "ORGS";

fn org_item(org: &Organization) -> Result<crate::store::db::Item, DbError> {
    let keys = org_keys(org.id).gsi1(DIRECTORY, format!("{}#{}", org.name.to_lowercase(), org.id));
    to_item("organization", &keys, org)
}

fn trust_keys(demand: OrgId, supply: OrgId) -> Keys {
    Keys::new(format!("ORG#{demand}"), format!("TRUST#{supply}"))
        .gsi1(format!("TRUSTED_BY#{supply}"), demand.to_string())
}

#[derive(serde::Serialize, serde::Deserialize)]
struct TrustLink {
    demand_org_id: OrgId,
    supply_org_id: OrgId,
}

impl Db {
    pub async fn get_org(&self, id: OrgId) -> Result<Option<Organization>, DbError> {
        let k = org_keys(id);
        self.get(&k.pk, &k.sk).await
    }

    pub async fn get_orgs(&self, ids: &[OrgId]) -> Result<Vec<Organization>, DbError> {
        let keys: Vec<(String, String)> = ids
            .iter()
            .map(|id| (org_keys(*id).pk, org_keys(*id).sk))
            .collect();
        self.batch_get(&keys)
            .await?
            .into_iter()
            .map(from_item)
            .collect()
    }

    /// Creates or replaces an organization (used by sign-up and the local stack's seed data).
    pub async fn put_org(&self, org: &Organization) -> Result<(), DbError> {
        self.put_unconditionally(org_item(org)?).await
    }

    /// Replaces an organization read at version `next.version - 1` with `next`, with the
    /// events announcing the change, in one transaction; `ConditionFailed` when another
    /// request changed it first.
    pub async fn save_org(
        &self,
        next: &Organization,
        events: &[EventRecord],
    ) -> Result<(), DbError> {
        let mut tx = Tx::new();
        self.stage_org(&mut tx, next, events)?;
        self.transact(tx).await
    }

    fn stage_org(
        &self,
        tx: &mut Tx,
        next: &Organization,
        events: &[EventRecord],
    ) -> Result<(), DbError> {
        tx.put(
            org_item(next)?,
            Cond::Version(next.version.saturating_sub(1)),
        );
        for e in events {
            tx.put(self.event_item(e)?, Cond::New);
        }
        Ok(())
    }

    /// Every organization of the directory, by name.
    pub async fn list_orgs(&self) -> Result<Vec<Organization>, DbError> {
        self.query_all(Some(GSI1), DIRECTORY, None, true)
            .await?
            .into_iter()
            .filter(|i| kind_of(i) == Some("organization"))
            .map(from_item)
            .collect()
    }

    /// A trusted-network update: the demand organization (version guard), the links added
    /// (must be new) and removed (must exist), and the event, all or nothing.
    pub async fn apply_trusted_network(
        &self,
        next: &Organization,
        change: &TrustedNetworkChange,
        events: &[EventRecord],
    ) -> Result<(), DbError> {
        let mut tx = Tx::new();
        self.stage_org(&mut tx, next, events)?;
        for supply in &change.added {
            let item = to_item(
                "trust",
                &trust_keys(next.id, *supply),
                &TrustLink {
                    demand_org_id: next.id,
                    supply_org_id: *supply,
                },
            )?;
            tx.put(item, Cond::New);
        }
        for supply in &change.removed {
            let k = trust_keys(next.id, *supply);
            tx.delete(&k.pk, &k.sk, Cond::Exists);
        }
        self.transact(tx).await
    }

    /// The demand organizations whose trusted network holds `supply`.
    pub async fn trusted_by(&self, supply: OrgId) -> Result<Vec<OrgId>, DbError> {
        self.query_all(Some(GSI1), &format!("TRUSTED_BY#{supply}"), None, true)
            .await?
            .into_iter()
            .filter(|i| kind_of(i) == Some("trust"))
            .map(|i| from_item::<TrustLink>(i).map(|l| l.demand_org_id))
            .collect()
    }

    pub async fn set_assignment_mode(
        &self,
        org: &Organization,
        mode: AssignmentMode,
    ) -> Result<(), DbError> {
        let mut updated = org.clone();
        if let Some(demand) = updated.demand.as_mut() {
            demand.offer_assignment = mode;
        }
        updated.version = org.version + 1;
        self.save_org(&updated, &[]).await
    }

    pub async fn add_trusted_supplier(&self, demand: OrgId, supply: OrgId) -> Result<(), DbError> {
        let item = to_item(
            "trust",
            &trust_keys(demand, supply),
            &TrustLink {
                demand_org_id: demand,
                supply_org_id: supply,
            },
        )?;
        self.put_unconditionally(item).await
    }

    /// The supply organizations in `demand`'s trusted network.
    pub async fn trusted_suppliers(&self, demand: OrgId) -> Result<Vec<OrgId>, DbError> {
        let items = self
            .query_all(None, &format!("ORG#{demand}"), Some("TRUST#"), true)
            .await?;
        items
            .into_iter()
            .filter(|i| kind_of(i) == Some("trust"))
            .map(|i| from_item::<TrustLink>(i).map(|l| l.supply_org_id))
            .collect()
    }
}

/// A sign-up in progress or done, keyed by the admin's username: it fixes the organization id
/// before the Cognito user is created, so a retried sign-up reuses it (idempotent), and it
/// keeps a username to one organization.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SignUpClaim {
    pub username: String,
    pub org_id: OrgId,
    pub state: SignUpState,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignUpState {
    /// The organization is not written yet; its user may or may not exist.
    Pending,
    /// The organization and its user both exist.
    Done,
}

fn sign_up_keys(username: &str) -> Keys {
    Keys::new(format!("SIGNUP#{}", username.to_lowercase()), "SIGNUP")
}

/// One organization per `host` + `branch_id` (the spec's uniqueness rule).
fn host_keys(host: &str, branch_id: Option<i64>) -> Keys {
    let branch = branch_id.map_or_else(|| "-".to_owned(), |b| b.to_string());
    Keys::new(format!("ORGHOST#{host}#{branch}"), "ORGHOST")
}

/// Approvals are stored by digest: the id is a bearer secret of the anonymous sign-up.
fn approval_keys(approval_id: &str) -> Keys {
    Keys::new(
        format!(
            "APPROVAL#{}",
            crate::identity::oauth::hash_secret(approval_id)
        ),
        "APPROVAL",
    )
}

fn api_keys_keys(org: OrgId) -> Keys {
    Keys::new(format!("ORG#{org}"), "APIKEYS")
}

#[derive(serde::Serialize, serde::Deserialize)]
struct HostClaim {
    org_id: OrgId,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct Approval {
    created_at: String,
}

/// The organization's own API credentials, sealed with KMS (never stored in clear).
#[derive(serde::Serialize, serde::Deserialize)]
struct ApiKeys {
    org_id: OrgId,
    sealed: String,
    updated_at: String,
}

/// What completes a sign-up besides the organization itself.
pub struct SignUpWrite<'a> {
    pub org: &'a Organization,
    pub username: &'a str,
    /// Consumed (deleted, must exist) by an anonymous sign-up.
    pub approval_id: Option<&'a str>,
}

impl Db {
    pub async fn get_sign_up(&self, username: &str) -> Result<Option<SignUpClaim>, DbError> {
        let k = sign_up_keys(username);
        self.get(&k.pk, &k.sk).await
    }

    /// Claims `username` for `org_id`, or returns the claim already there (a retry, or a
    /// username taken by another sign-up).
    pub async fn claim_sign_up(
        &self,
        username: &str,
        org_id: OrgId,
    ) -> Result<SignUpClaim, DbError> {
        let claim = SignUpClaim {
            username: username.to_owned(),
            org_id,
            state: SignUpState::Pending,
        };
        match self
            .put(
                to_item("sign_up", &sign_up_keys(username), &claim)?,
                Cond::New,
            )
            .await
        {
            Ok(()) => Ok(claim),
            Err(DbError::ConditionFailed) => self
                .get_sign_up(username)
                .await?
                .ok_or(DbError::ConditionFailed),
            Err(e) => Err(e),
        }
    }

    /// Gives up a pending claim (the sign-up failed and its user was removed).
    pub async fn release_sign_up(&self, username: &str) -> Result<(), DbError> {
        let k = sign_up_keys(username);
        let mut tx = Tx::new();
        tx.delete(&k.pk, &k.sk, Cond::Equals("state", pending()));
        self.transact(tx).await
    }

    /// The last write of a sign-up, all or nothing: the organization (new), its claim
    /// (pending → done), its host + branch (new), the approval it consumes and `also` (the
    /// request's idempotency key).
    pub async fn complete_sign_up(
        &self,
        w: &SignUpWrite<'_>,
        also: Option<(Item, Cond)>,
    ) -> Result<(), DbError> {
        let mut tx = Tx::new();
        tx.put_each(also);
        tx.put(org_item(w.org)?, Cond::New);
        let claim = SignUpClaim {
            username: w.username.to_owned(),
            org_id: w.org.id,
            state: SignUpState::Done,
        };
        tx.put(
            to_item("sign_up", &sign_up_keys(w.username), &claim)?,
            Cond::Equals("state", pending()),
        );
        if let Some(host) = &w.org.host {
            let branch = w.org.profile.as_ref().and_then(|p| p.branch_id);
            tx.put(
                to_item(
                    "org_host",
                    &host_keys(host, branch),
                    &HostClaim { org_id: w.org.id },
                )?,
                Cond::New,
            );
        }
        if let Some(approval) = w.approval_id {
            let k = approval_keys(approval);
            tx.delete(&k.pk, &k.sk, Cond::Exists);
        }
        self.transact(tx).await
    }

    /// The organization already using `host` + `branch_id`, if any.
    pub async fn host_owner(
        &self,
        host: &str,
        branch_id: Option<i64>,
    ) -> Result<Option<OrgId>, DbError> {
        let k = host_keys(host, branch_id);
        Ok(self.get::<HostClaim>(&k.pk, &k.sk).await?.map(|h| h.org_id))
    }

    pub async fn approval_exists(&self, approval_id: &str) -> Result<bool, DbError> {
        let k = approval_keys(approval_id);
        Ok(self.get::<Approval>(&k.pk, &k.sk).await?.is_some())
    }

    /// Records an approval handed to a prospective organization out of band.
    pub async fn put_approval(&self, approval_id: &str) -> Result<(), DbError> {
        let record = Approval {
            created_at: crate::kernel::time::rfc3339(&crate::kernel::time::now()),
        };
        self.put_unconditionally(to_item("approval", &approval_keys(approval_id), &record)?)
            .await
    }

    /// Replaces the organization's sealed API credentials.
    pub async fn put_api_keys(&self, org: OrgId, sealed: String) -> Result<(), DbError> {
        let record = ApiKeys {
            org_id: org,
            sealed,
            updated_at: crate::kernel::time::rfc3339(&crate::kernel::time::now()),
        };
        self.put_unconditionally(to_item("api_keys", &api_keys_keys(org), &record)?)
            .await
    }

    /// The sealed API credentials of `org`, if saved.
    pub async fn get_api_keys(&self, org: OrgId) -> Result<Option<String>, DbError> {
        let k = api_keys_keys(org);
        Ok(self.get::<ApiKeys>(&k.pk, &k.sk).await?.map(|a| a.sealed))
    }

    /// A supplier joins and leaves demand networks: each changed demand organization (read
    /// at `version - 1`), its link (new / must exist) and its event, all or nothing.
    pub async fn apply_supplier_networks(
        &self,
        supply: OrgId,
        joined: &[Organization],
        left: &[Organization],
        events: &[EventRecord],
    ) -> Result<(), DbError> {
        let mut tx = Tx::new();
        for demand in joined.iter().chain(left) {
            tx.put(
                org_item(demand)?,
                Cond::Version(demand.version.saturating_sub(1)),
            );
        }
        for demand in joined {
            let item = to_item(
                "trust",
                &trust_keys(demand.id, supply),
                &TrustLink {
                    demand_org_id: demand.id,
                    supply_org_id: supply,
                },
            )?;
            tx.put(item, Cond::New);
        }
        for demand in left {
            let k = trust_keys(demand.id, supply);
            tx.delete(&k.pk, &k.sk, Cond::Exists);
        }
        for e in events {
            tx.put(self.event_item(e)?, Cond::New);
        }
        self.transact(tx).await
    }
}

fn pending() -> aws_sdk_dynamodb::types::AttributeValue {
    aws_sdk_dynamodb::types::AttributeValue::S("pending".into())
}

/// An organization's topic of one channel, recorded once it exists: the publisher publishes
/// an event to a recipient's topic only when it is recorded, so an organization that never
/// subscribed to a channel costs no call, and a recorded topic that has gone is an error to
/// retry rather than an event nobody wanted.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
struct OrganizationTopic {
    organization_id: OrgId,
    channel: Channel,
    topic_arn: String,
}

fn organization_topic_keys(channel: Channel, org: OrgId) -> Keys {
    Keys::new(format!("TOPIC#{org}#{}", channel.as_str()), "TOPIC")
}

impl Db {
    /// Records that `org`'s topic of `channel` exists (again: the record is the same).
    pub async fn record_organization_topic(
        &self,
        channel: Channel,
        org: OrgId,
        topic_arn: &str,
    ) -> Result<(), DbError> {
        let record = OrganizationTopic {
            organization_id: org,
            channel,
            topic_arn: topic_arn.to_owned(),
        };
        let item = to_item("topic", &organization_topic_keys(channel, org), &record)?;
        self.put_unconditionally(item).await
    }

    /// The recorded topic ARN of each of `wanted` that has one (one `BatchGetItem` per 100).
    pub async fn recorded_organization_topics(
        &self,
        wanted: &[(Channel, OrgId)],
    ) -> Result<std::collections::HashMap<(Channel, OrgId), String>, DbError> {
        let keys: Vec<(String, String)> = wanted
            .iter()
            .map(|(c, o)| {
                let k = organization_topic_keys(*c, *o);
                (k.pk, k.sk)
            })
            .collect();
        self.batch_get(&keys)
            .await?
            .into_iter()
            .map(|item| {
                from_item::<OrganizationTopic>(item)
                    .map(|t| ((t.channel, t.organization_id), t.topic_arn))
            })
            .collect()
    }
}

/// An organization's subscription to one of the platform's topics, kept so that the
/// subscriptions of one organization can be counted (its quota) without listing every
/// subscriber of every topic.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
struct TopicSubscription {
    organization_id: OrgId,
    subscription_arn: String,
}

fn topic_subscription_keys(org: OrgId, arn: &str) -> Keys {
    Keys::new(format!("TOPICSUBS#{org}"), arn)
}

impl Db {
    /// How many topic subscriptions `org` has (as recorded by the platform's subscribe).
    pub async fn topic_subscription_count(&self, org: OrgId) -> Result<usize, DbError> {
        Ok(self
            .query_all(None, &format!("TOPICSUBS#{org}"), None, true)
            .await?
            .len())
    }

    /// Records subscriptions, with `also` (the request's idempotency key), in one transaction;
    /// recording the same ARN again changes nothing (SNS answers a repeated subscribe with the
    /// same ARN).
    pub async fn record_topic_subscriptions(
        &self,
        org: OrgId,
        arns: &[String],
        also: Option<(Item, Cond)>,
    ) -> Result<(), DbError> {
        let mut tx = Tx::new();
        for arn in arns {
            let record = TopicSubscription {
                organization_id: org,
                subscription_arn: arn.clone(),
            };
            let keys = topic_subscription_keys(org, arn);
            tx.put(to_item("topic_subscription", &keys, &record)?, Cond::Any);
        }
        tx.put_each(also);
        if tx.is_empty() {
            return Ok(());
        }
        self.transact(tx).await
    }

    /// Which of `arns` the platform has recorded for `org`.
    pub async fn recorded_topic_subscriptions(
        &self,
        org: OrgId,
        arns: &[String],
    ) -> Result<std::collections::HashSet<String>, DbError> {
        let keys: Vec<(String, String)> = arns
            .iter()
            .map(|arn| {
                let k = topic_subscription_keys(org, arn);
                (k.pk, k.sk)
            })
            .collect();
        Ok(self
            .batch_get(&keys)
            .await?
            .iter()
            .filter_map(|i| i.get("sk")?.as_s().ok().cloned())
            .collect())
    }

    pub async fn forget_topic_subscription(&self, org: OrgId, arn: &str) -> Result<(), DbError> {
        let k = topic_subscription_keys(org, arn);
        self.delete_existing(&k.pk, &k.sk).await.map(|_| ())
    }
}
