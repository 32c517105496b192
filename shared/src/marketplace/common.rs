//! Values in the published shapes that several aggregates hold: addresses, demographics, prices, free-form
//! clinical lists, and the validated scalar newtypes they are made of.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::kernel::ids::OrgId;

/// A string the spec marks `minLength: 1`; whitespace-only is refused too.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String")]
pub struct NonEmpty(String);

impl TryFrom<String> for NonEmpty {
    type Error = &'static str;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        if s.trim().is_empty() {
            Err("must not be empty")
        } else {
            Ok(Self(s))
        }
    }
}

impl NonEmpty {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A list the spec marks `minItems: 1`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Vec<T>")]
pub struct NonEmptyList<T>(Vec<T>);

impl<T> TryFrom<Vec<T>> for NonEmptyList<T> {
    type Error = &'static str;
    fn try_from(v: Vec<T>) -> Result<Self, Self::Error> {
        if v.is_empty() {
            Err("must have at least one item")
        } else {
            Ok(Self(v))
        }
    }
}

impl<T> NonEmptyList<T> {
    pub fn into_vec(self) -> Vec<T> {
        self.0
    }
}

/// The most ids one request may name in a list of organizations (a trusted network, the
/// networks a supplier joins, a directory filter): a quota that keeps the work a request
/// causes linear and small (docs/security.md, "Sizes").
pub const MAX_ORG_IDS: usize = 1_000;

/// A list field of at most `N` items (`#[serde(deserialize_with = "at_most::<N, _, _>")]`):
/// the parser stops at item `N + 1` and refuses the body with a 400, before anything is
/// allocated for, de-duplicated or read for the rest.
pub fn at_most<'de, const N: usize, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    struct AtMost<const N: usize, T>(std::marker::PhantomData<T>);
    impl<'de, const N: usize, T: Deserialize<'de>> serde::de::Visitor<'de> for AtMost<N, T> {
        type Value = Vec<T>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            write!(f, "a list of at most {N} items")
        }
        fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<T>, A::Error> {
            let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(N));
            while let Some(item) = seq.next_element()? {
                if out.len() == N {
                    return Err(serde::de::Error::invalid_length(N + 1, &self));
                }
                out.push(item);
            }
            Ok(out)
        }
    }
    deserializer.deserialize_seq(AtMost::<N, T>(std::marker::PhantomData))
}

/// [`at_most`] for an optional list.
pub fn at_most_opt<'de, const N: usize, D, T>(deserializer: D) -> Result<Option<Vec<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    struct List<const N: usize, T>(Vec<T>);
    impl<'de, const N: usize, T: Deserialize<'de>> Deserialize<'de> for List<N, T> {
        fn deserialize<D2: serde::Deserializer<'de>>(d: D2) -> Result<Self, D2::Error> {
            at_most::<N, _, _>(d).map(List)
        }
    }
    Ok(Option::<List<N, T>>::deserialize(deserializer)?.map(|l| l.0))
}

macro_rules! bounded_f64 {
    ($name:ident, $min:expr, $max:expr) => {
        #[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
        #[serde(try_from = "f64")]
        pub struct $name(f64);

        impl TryFrom<f64> for $name {
            type Error = String;
            fn try_from(v: f64) -> Result<Self, Self::Error> {
                if v.is_finite() && ($min..=$max).contains(&v) {
                    Ok(Self(v))
                } else {
                    Err(format!("must be between {} and {}", $min, $max))
                }
            }
        }

        impl $name {
            pub fn value(self) -> f64 {
                self.0
            }
        }
    };
}
bounded_f64!(Latitude, -90.0, 90.0);
bounded_f64!(Longitude, -180.0, 180.0);
bounded_f64!(Radius, 0.0, f64::MAX);

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CareType {
    Psw,
    Nursing,
}

impl CareType {
    pub fn as_str(self) -> &'static str {
        match self {
            CareType::Psw => "psw",
            CareType::Nursing => "nursing",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OfferType {
    Visit,
    Service,
}

/// `OfferReasonCodeCore` / `ReferralReasonCodeCore`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReasonCode {
    DatetimeChange,
    ClientRequest,
    ClientHospitalization,
    ClientPassedAway,
    ClientRefusedService,
    ProcessingError,
    Other,
}

#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Address {
    pub name: Option<String>,
    pub address: NonEmpty,
    pub address_suite: Option<String>,
    pub city: NonEmpty,
    pub state: NonEmpty,
    pub zip: NonEmpty,
    pub country: NonEmpty,
    pub latitude: Option<Latitude>,
    pub longitude: Option<Longitude>,
}

/// `AddressAnonCore`: what a supplier may see of an address before it is assigned.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AddressAnon {
    pub city: NonEmpty,
    pub state: NonEmpty,
    pub zip: NonEmpty,
    pub country: NonEmpty,
    pub approx_latitude: Option<Latitude>,
    pub approx_longitude: Option<Longitude>,
    pub approx_radius_meters: Option<Radius>,
}

/// Roughly 1 km: two decimal places of a degree of latitude.
const APPROX_RADIUS_METERS: f64 = 1_500.0;

impl From<&Address> for AddressAnon {
    fn from(a: &Address) -> Self {
        let round = |v: f64| (v * 100.0).round() / 100.0;
        AddressAnon {
            city: a.city.clone(),
            state: a.state.clone(),
            zip: a.zip.clone(),
            country: a.country.clone(),
            approx_latitude: a
                .latitude
                .and_then(|l| Latitude::try_from(round(l.value())).ok()),
            approx_longitude: a
                .longitude
                .and_then(|l| Longitude::try_from(round(l.value())).ok()),
            approx_radius_meters: (a.latitude.is_some() && a.longitude.is_some())
                .then(|| Radius::try_from(APPROX_RADIUS_METERS).ok())
                .flatten(),
        }
    }
}

#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Demographics {
    pub first_name: NonEmpty,
    pub last_name: NonEmpty,
    pub email: Option<String>,
    pub phone_number: Option<String>,
    pub phone_other: Option<String>,
    pub phone_personal: Option<String>,
    pub date_of_birth: Option<NaiveDate>,
    pub gender: Option<String>,
    pub language: Option<String>,
}

/// `DemographicLeanCore`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DemographicsLean {
    pub first_name: NonEmpty,
    pub last_name: NonEmpty,
}

impl From<&Demographics> for DemographicsLean {
    fn from(d: &Demographics) -> Self {
        Self {
            first_name: d.first_name.clone(),
            last_name: d.last_name.clone(),
        }
    }
}

#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Allergy {
    pub name: Option<String>,
    pub category: Option<String>,
    pub severity: Option<String>,
    pub start_date: Option<NaiveDate>,
    pub treatment: Option<String>,
}

#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Risk {
    pub name: Option<String>,
    pub category: Option<String>,
    pub severity: Option<i64>,
    pub start_date: Option<NaiveDate>,
}

#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CustomField {
    pub name: String,
    #[serde(rename = "type")]
    pub field_type: Option<String>,
    pub value: String,
}

#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ContactAddress {
    pub city: Option<String>,
    pub state: Option<String>,
    pub zip: Option<String>,
    pub country: Option<String>,
    pub name: Option<String>,
    pub address: Option<String>,
    pub address_suite: Option<String>,
    pub latitude: Option<Latitude>,
    pub longitude: Option<Longitude>,
}

#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Contact {
    pub id: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub address: Option<ContactAddress>,
    pub contact_type: Option<String>,
    pub email: Option<String>,
    pub is_active: Option<bool>,
    pub is_emergency: Option<bool>,
    pub phone_number: Option<String>,
    pub phone_other: Option<String>,
    pub phone_personal: Option<String>,
    pub language: Option<String>,
    pub relationship: Option<String>,
}

#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Diagnosis {
    pub name: Option<String>,
    pub description: Option<String>,
    pub is_primary: Option<bool>,
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
    pub treatment: Option<String>,
}

#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Surgery {
    pub name: Option<String>,
    pub description: Option<String>,
    pub details: Option<String>,
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
}

/// `ClientCore` plus the demand's `outbox_id` for the client.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Client {
    pub address: Address,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub contacts: Vec<Contact>,
    pub demographics: Demographics,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allergies: Vec<Allergy>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub risks: Vec<Risk>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub diagnoses: Vec<Diagnosis>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub surgeries: Vec<Surgery>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub custom_fields: Vec<CustomField>,
    pub outbox_id: NonEmpty,
    /// Shown to the supplier only once a referral exists.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub referral_only_custom_fields: Vec<CustomField>,
}

#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CaseManager {
    pub name: Option<String>,
    pub phone_number: Option<String>,
    pub fax_number: Option<String>,
    pub email: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PriceUnit {
    PerVisit,
    PerHour,
    Amount,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Price {
    pub rate: Decimal,
    pub unit: PriceUnit,
}

/// A rate is money per visit, per hour or in all: never negative, and at most this many units
/// of the currency (a larger figure is a typo or an attack, and would overflow the sums
/// derived from it).
pub const MAX_RATE: i64 = 1_000_000;

/// A rate out of range, naming the request's field (a 400, as the schema would refuse it).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{field}: a rate from 0 to {MAX_RATE}")]
pub struct RateRejection {
    pub field: String,
}

/// Refuses a negative or absurd rate. Checked on requests only: stored prices decode unchecked,
/// so a rule change never makes old records unreadable.
pub fn check_rate(rate: Decimal, field: &str) -> Result<(), RateRejection> {
    if rate.is_sign_negative() && !rate.is_zero() || rate > Decimal::from(MAX_RATE) {
        return Err(RateRejection {
            field: field.to_owned(),
        });
    }
    Ok(())
}

impl Price {
    pub fn check(&self, field: &str) -> Result<(), RateRejection> {
        check_rate(self.rate, &format!("{field}.rate"))
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CustomPrice {
    pub rate: Decimal,
    pub unit: PriceUnit,
    pub supply_persona_id: OrgId,
}

/// `OutboxOfferPriceCore`: a default price and per-supplier overrides.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OfferPrice {
    pub default: Price,
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "at_most::<MAX_ORG_IDS, _, _>"
    )]
    pub custom: Vec<CustomPrice>,
}

impl OfferPrice {
    /// Every rate of the price ([`check_rate`]).
    pub fn check(&self) -> Result<(), RateRejection> {
        self.default.check("price.default")?;
        for (i, c) in self.custom.iter().enumerate() {
            check_rate(c.rate, &format!("price.custom[{i}].rate"))?;
        }
        Ok(())
    }

    /// The price one supplier sees: its custom price if it has one, else the default.
    pub fn for_supplier(&self, supplier: OrgId) -> Price {
        self.custom
            .iter()
            .find(|c| c.supply_persona_id == supplier)
            .map(|c| Price {
                rate: c.rate,
                unit: c.unit,
            })
            .unwrap_or_else(|| self.default.clone())
    }
}

/// `OrganizationLeanCore`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OrganizationLean {
    pub id: OrgId,
    pub name: String,
}
