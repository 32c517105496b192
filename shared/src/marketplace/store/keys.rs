//! The keys of records that more than one store writes or checks: a referral's transaction
//! writes its visits (`visits`), and a visit's checks its referral's version, so the referral's
//! keys live here rather than in either store.

use crate::marketplace::referral::Referral;

use crate::store::db::{Keys, created_sk, sysadmin_partition};

pub fn referral_keys(r: &Referral) -> Keys {
    let sk = created_sk(&r.created_at, r.id);
    Keys::new(format!("REFERRAL#{}", r.id), "REFERRAL")
        .gsi1(format!("DEMAND#{}#REFERRAL", r.demand_org_id), sk.clone())
        .gsi2(format!("SUPPLY#{}#REFERRAL", r.supply_org_id), sk.clone())
        .gsi3(sysadmin_partition("REFERRAL", &r.id.0), sk)
}
