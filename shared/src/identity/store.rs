//! Machine clients of the OAuth2 token endpoint.

use crate::identity::oauth::{ClientId, ClientRecord};

use crate::store::db::{Cond, Db, DbError, Keys, to_item};

pub fn client_keys(id: &ClientId) -> Keys {
    Keys::new(format!("CLIENT#{id}"), "CLIENT")
}

impl Db {
    pub async fn get_client(&self, id: &ClientId) -> Result<Option<ClientRecord>, DbError> {
        let k = client_keys(id);
        self.get(&k.pk, &k.sk).await
    }

    /// Registers a client; `ConditionFailed` if the id is taken.
    pub async fn create_client(&self, client: &ClientRecord) -> Result<(), DbError> {
        let item = to_item("client", &client_keys(&client.client_id), client)?;
        self.put(item, Cond::New).await
    }

    /// Replaces a client that still exists.
    pub async fn update_client(&self, client: &ClientRecord) -> Result<(), DbError> {
        let item = to_item("client", &client_keys(&client.client_id), client)?;
        self.put(item, Cond::Exists).await
    }
}
