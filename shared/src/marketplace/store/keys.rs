//! The keys of records that more than one store writes or checks: a referral's transaction
//! writes its visits (`visits`), and a visit's checks its referral's version, so the referral's
//! keys live here rather than in either store.

use crate::kernel::ids::OrgId;
use crate::marketplace::referral::{Referral, ReferralSide};

use crate::store::db::{GSI1, GSI2, Keys, created_sk, sysadmin_partition};

/// A referral revision's keys. gsi1 (the demand's) and gsi2 (the supplier's) hold each side's
/// revisions in the lists' order, last modified, the latest revisions in a partition of their
/// own and the archived ones in another: the default list (latest revisions) reads one page of
/// its partition. Every write rewrites the item, so an archived revision moves out and a change
/// moves it up.
pub fn referral_keys(r: &Referral) -> Keys {
    let modified = created_sk(&r.updated_at.unwrap_or(r.created_at), r.id);
    let latest = r.revision.is_latest_revision;
    Keys::new(format!("REFERRAL#{}", r.id), "REFERRAL")
        .gsi1(
            referrals_partition(ReferralSide::Demand, r.demand_org_id, latest),
            modified.clone(),
        )
        .gsi2(
            referrals_partition(ReferralSide::Supply, r.supply_org_id, latest),
            modified,
        )
        .gsi3(
            sysadmin_partition("REFERRAL", &r.id.0),
            created_sk(&r.created_at, r.id),
        )
}

/// The index and partition of `org`'s latest (or archived) referral revisions on `side`.
pub fn referrals_partition(side: ReferralSide, org: OrgId, latest: bool) -> String {
    let revisions = if latest { "" } else { "#ARCHIVED" };
    match side {
        ReferralSide::Demand => format!("DEMAND#{org}#REFERRAL{revisions}"),
        ReferralSide::Supply => format!("SUPPLY#{org}#REFERRAL{revisions}"),
    }
}

/// The index of `side`'s referral partitions.
pub fn referrals_index(side: ReferralSide) -> &'static str {
    match side {
        ReferralSide::Demand => GSI1,
        ReferralSide::Supply => GSI2,
    }
}
