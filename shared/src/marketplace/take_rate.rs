//! Take rates: the platform's share of the price a demand organization sets. The spec's
//! `TakeRateCore` is "a percentage of the offer price set by demand, represented by a
//! fraction between 0 and 1". A demand-specific rate wins over the regional one; with
//! neither, the platform takes nothing.
//!
//! A rate is fixed on an offer (and a direct referral) when it is created, so a later change
//! of rates does not reprice what suppliers were already shown. The demand sees and pays its
//! own price (`rate_demand`); suppliers see what they are paid, `rate × (1 − take rate)`
//! (`rate_supply`), rounded to cents.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::marketplace::common::Price;

/// A fraction in [0, 1]; anything else is refused when parsed (400).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Decimal")]
pub struct TakeRate(Decimal);

impl TryFrom<Decimal> for TakeRate {
    type Error = String;
    fn try_from(v: Decimal) -> Result<Self, Self::Error> {
        if v >= Decimal::ZERO && v <= Decimal::ONE {
            Ok(Self(v))
        } else {
            Err("a take rate must be between 0 and 1".into())
        }
    }
}

impl TakeRate {
    pub const ZERO: TakeRate = TakeRate(Decimal::ZERO);

    pub fn value(self) -> Decimal {
        self.0
    }

    /// The rate a supplier is paid for a demand rate of `demand_rate`.
    pub fn supply_rate(self, demand_rate: Decimal) -> Decimal {
        (demand_rate * (Decimal::ONE - self.0)).round_dp(2)
    }

    /// The price a supplier is shown for the demand's `price`.
    pub fn supply_price(self, price: &Price) -> Price {
        Price {
            rate: self.supply_rate(price.rate),
            unit: price.unit,
        }
    }

    /// The rate that applies to a demand organization.
    pub fn effective(demand_specific: Option<TakeRate>, regional: Option<TakeRate>) -> TakeRate {
        demand_specific.or(regional).unwrap_or(TakeRate::ZERO)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rate(s: &str) -> Result<TakeRate, String> {
        TakeRate::try_from(s.parse::<Decimal>().unwrap())
    }

    #[test]
    fn a_take_rate_is_a_fraction_between_zero_and_one() {
        assert!(rate("0").is_ok());
        assert!(rate("1").is_ok());
        assert!(rate("0.125").is_ok());
        assert!(rate("-0.01").is_err());
        assert!(rate("1.01").is_err());
        assert!(serde_json::from_str::<TakeRate>("1.5").is_err());
        assert_eq!(
            serde_json::from_str::<TakeRate>("0.1").unwrap(),
            rate("0.1").unwrap()
        );
    }

    #[test]
    fn the_supplier_is_paid_the_demand_rate_less_the_take_rate_in_cents() {
        let r = rate("0.1").unwrap();
        assert_eq!(
            r.supply_rate("42.5".parse().unwrap()),
            "38.25".parse().unwrap()
        );
        assert_eq!(
            rate("0.333").unwrap().supply_rate("10".parse().unwrap()),
            "6.67".parse().unwrap()
        );
        assert_eq!(
            TakeRate::ZERO.supply_rate("42.5".parse().unwrap()),
            "42.5".parse().unwrap()
        );
    }

    #[test]
    fn the_demand_specific_rate_wins_over_the_regional_one() {
        let demand = rate("0.05").unwrap();
        let regional = rate("0.1").unwrap();
        assert_eq!(TakeRate::effective(Some(demand), Some(regional)), demand);
        assert_eq!(TakeRate::effective(None, Some(regional)), regional);
        assert_eq!(TakeRate::effective(None, None), TakeRate::ZERO);
        // 0 is a rate of 0 %, not "no rate".
        assert_eq!(
            TakeRate::effective(Some(TakeRate::ZERO), Some(regional)),
            TakeRate::ZERO
        );
    }
}
