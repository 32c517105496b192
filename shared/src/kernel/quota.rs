//! Per-tenant quotas: every resource a tenant creates has a maximum count, so no tenant can
//! grow its share of the table, the schedulers or the delivery fleet without bound
//! (docs/security.md, "Quotas"). The maxima are settings (template parameters).

/// One capped resource: what it is, whose it is, and how many may exist.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Quota {
    pub what: &'static str,
    pub per: &'static str,
    pub max: usize,
}

/// A create that would go past its quota.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("{what}: at most {max} per {per}; remove one first")]
pub struct QuotaReached {
    pub what: &'static str,
    pub per: &'static str,
    pub max: usize,
}

impl Quota {
    /// Whether one more can be created when `existing` already are. Checked against a count
    /// read before the write, so concurrent creates can pass it together: the cap is soft by
    /// at most the number of creates in flight.
    pub fn admits_one_more(&self, existing: usize) -> Result<(), QuotaReached> {
        self.admits(existing, 1)
    }

    /// Whether `more` can be created when `existing` already are.
    pub fn admits(&self, existing: usize, more: usize) -> Result<(), QuotaReached> {
        if existing.saturating_add(more) > self.max {
            return Err(QuotaReached {
                what: self.what,
                per: self.per,
                max: self.max,
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admits_up_to_its_maximum() {
        let q = Quota {
            what: "hub subscriptions",
            per: "tenant",
            max: 2,
        };
        assert!(q.admits_one_more(0).is_ok());
        assert!(q.admits(0, 2).is_ok());
        assert!(q.admits(1, 2).is_err());
        assert!(q.admits_one_more(1).is_ok());
        let refused = q.admits_one_more(2).unwrap_err();
        assert_eq!(
            refused.to_string(),
            "hub subscriptions: at most 2 per tenant; remove one first"
        );
    }
}
