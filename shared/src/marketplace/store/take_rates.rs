//! Take rates, in one small partition: `TAKE_RATES` / `REGIONAL` and `TAKE_RATES` /
//! `DEMAND#<org>`. Offer creation reads the two that apply in one `BatchGetItem`; the
//! sys_admin list of demand rates is one `Query`. A rate is a setting: setting it again to the
//! same value is the same state, so the writes replace the item whole (last writer wins).

use serde::{Deserialize, Serialize};

use crate::kernel::ids::OrgId;
use crate::marketplace::take_rate::TakeRate;

use crate::store::db::{Db, DbError, Keys, from_item, to_item};

const PK: &str = "TAKE_RATES";
const REGIONAL: &str = "REGIONAL";

fn demand_sk(demand: OrgId) -> String {
    format!("DEMAND#{demand}")
}

/// A stored take rate: the regional one has no demand organization.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TakeRateItem {
    pub demand_persona_id: Option<OrgId>,
    pub rate: TakeRate,
}

impl Db {
    /// The demand organization's own rate and the regional rate, either possibly unset.
    pub async fn take_rates_for(
        &self,
        demand: OrgId,
    ) -> Result<(Option<TakeRate>, Option<TakeRate>), DbError> {
        let keys = [
            (PK.to_owned(), demand_sk(demand)),
            (PK.to_owned(), REGIONAL.to_owned()),
        ];
        let (mut own, mut regional) = (None, None);
        for item in self.batch_get(&keys).await? {
            let t: TakeRateItem = from_item(item)?;
            match t.demand_persona_id {
                Some(_) => own = Some(t.rate),
                None => regional = Some(t.rate),
            }
        }
        Ok((own, regional))
    }

    pub async fn regional_take_rate(&self) -> Result<Option<TakeRate>, DbError> {
        Ok(self
            .get::<TakeRateItem>(PK, REGIONAL)
            .await?
            .map(|t| t.rate))
    }

    pub async fn set_regional_take_rate(&self, rate: TakeRate) -> Result<(), DbError> {
        let item = TakeRateItem {
            demand_persona_id: None,
            rate,
        };
        self.put_unconditionally(to_item("take_rate", &Keys::new(PK, REGIONAL), &item)?)
            .await
    }

    /// Sets (or, with `None`, clears) a demand organization's own rate.
    pub async fn set_demand_take_rate(
        &self,
        demand: OrgId,
        rate: Option<TakeRate>,
    ) -> Result<(), DbError> {
        match rate {
            Some(rate) => {
                let item = TakeRateItem {
                    demand_persona_id: Some(demand),
                    rate,
                };
                self.put_unconditionally(to_item(
                    "take_rate",
                    &Keys::new(PK, demand_sk(demand)),
                    &item,
                )?)
                .await
            }
            None => self.delete_existing(PK, &demand_sk(demand)).await.map(drop),
        }
    }

    /// Every demand-specific rate.
    pub async fn demand_take_rates(&self) -> Result<Vec<TakeRateItem>, DbError> {
        let items = self.query_all(None, PK, Some("DEMAND#"), true).await?;
        items.into_iter().map(from_item).collect()
    }
}
