//! Typed identifiers: a `ReferralId` can never be passed where an `OfferId` is expected.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use uuid::Uuid;

macro_rules! uuid_id {
    ($($(#[$doc:meta])* $name:ident),* $(,)?) => {$(
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            pub fn new() -> Self {
                Self(Uuid::new_v4())
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.hyphenated().fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }
    )*};
}

uuid_id!(
    /// An organization; it may hold a demand persona, a supply persona, or both.
    OrgId,
    OfferId,
    /// One supplier's copy of an offer (an "offer match").
    MatchId,
    ReferralId,
    /// The conversation thread between a demand and a supply organization about one client.
    SequenceId,
    ClientId,
    ServiceId,
    VisitId,
    TaskId,
    EventId,
    MessageId,
    FileId,
    /// A caregiver's clock-in/clock-out on a visit.
    WorkSessionId,
    /// A supply employee as recorded on a visit assignment.
    EmployeeId,
    /// One published version of a demand's form (a schema has one template per version).
    FormTemplateId,
    /// A form's identity across its versions, chosen by the demand.
    FormSchemaId,
    /// A field of one form template version.
    FormFieldId,
    FormSubmissionId,
    /// One answered field of a form submission.
    FormSubmissionFieldId,
);

/// `items` with repeats dropped, first occurrences kept in order: linear, where the
/// `Vec::contains` loop it replaces was quadratic in a request's list.
pub fn unique<T: Clone + Eq + std::hash::Hash>(items: impl IntoIterator<Item = T>) -> Vec<T> {
    let mut seen = std::collections::HashSet::new();
    items
        .into_iter()
        .filter(|item| seen.insert(item.clone()))
        .collect()
}

#[cfg(test)]
mod unique_tests {
    #[test]
    fn keeps_first_occurrences_in_order() {
        assert_eq!(super::unique([3, 1, 3, 2, 1]), vec![3, 1, 2]);
        assert!(super::unique(Vec::<u8>::new()).is_empty());
    }
}
