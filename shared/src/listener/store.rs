//! Listener events and hub subscriptions.

use aws_sdk_dynamodb::types::AttributeValue;

use crate::identity::oauth::TenantId;
use crate::listener::rules::{HubSubscription, ListenerRecord};

use crate::store::Tx;
use crate::store::db::{Cond, Db, DbError, GSI1, Item, Keys, created_sk, from_item, to_item};

pub fn listener_event_keys(tenant: &TenantId, event_id: &str) -> Keys {
    Keys::new(format!("LEVT#{tenant}#{event_id}"), "LEVT")
}

pub fn hub_keys(h: &HubSubscription) -> Keys {
    Keys::new(format!("HUB#{}", h.id), "HUB").gsi1(
        format!("TENANT#{}#HUB", h.tenant),
        created_sk(&h.created_at, &h.id),
    )
}

impl Db {
    /// Stores an accepted event (it joins the stream as it is written); `ConditionFailed` when
    /// the tenant already posted this event id.
    pub async fn put_listener_event(&self, record: &ListenerRecord) -> Result<(), DbError> {
        let mut item = to_item(
            "listener_event",
            &listener_event_keys(&record.tenant, &record.event_id),
            record,
        )?;
        let ttl = record.received_at.timestamp() + self.event_ttl_seconds;
        item.insert("ttl".into(), AttributeValue::N(ttl.to_string()));
        self.put(item, Cond::New).await
    }

    pub async fn get_listener_event(
        &self,
        tenant: &TenantId,
        event_id: &str,
    ) -> Result<Option<ListenerRecord>, DbError> {
        let k = listener_event_keys(tenant, event_id);
        self.get(&k.pk, &k.sk).await
    }

    /// Writes a new hub subscription, with `also` (the request's idempotency key) in the same
    /// transaction.
    pub async fn create_hub(
        &self,
        hub: &HubSubscription,
        also: Option<(Item, Cond)>,
    ) -> Result<(), DbError> {
        let item = to_item("hub_subscription", &hub_keys(hub), hub)?;
        let mut tx = Tx::new();
        tx.put(item, Cond::New).put_each(also);
        self.transact(tx).await
    }

    pub async fn get_hub(&self, id: &str) -> Result<Option<HubSubscription>, DbError> {
        self.get(&format!("HUB#{id}"), "HUB").await
    }

    /// The tenant's hub subscriptions, oldest first.
    pub async fn hubs_of(&self, tenant: &TenantId) -> Result<Vec<HubSubscription>, DbError> {
        self.query_all(Some(GSI1), &format!("TENANT#{tenant}#HUB"), None, true)
            .await?
            .into_iter()
            .map(from_item)
            .collect()
    }

    /// Deletes a hub subscription; `false` if it was already gone.
    pub async fn delete_hub(&self, id: &str) -> Result<bool, DbError> {
        Ok(self
            .delete_existing(&format!("HUB#{id}"), "HUB")
            .await?
            .is_some())
    }
}
