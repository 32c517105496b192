use super::*;

fn referral() -> Referral {
    let s = crate::marketplace::offer::tests::state(1);
    Referral::from_assignment(&s.offer, &s.matches[0], crate::kernel::time::now())
}

#[test]
fn the_supplier_processes_an_assigned_referral_once() {
    let r = referral();
    let c = r.mark_processed(crate::kernel::time::now()).unwrap();
    assert_eq!(c.referral.status, ReferralStatus::Processed);
    assert_eq!(c.referral.version, r.version + 1);
    assert_eq!(
        (c.channel, c.name, c.recipient),
        (
            Channel::OutboxReferrals,
            EventName::ReferralProcessed,
            r.demand_org_id
        )
    );
    assert_eq!(
        c.referral.mark_processed(crate::kernel::time::now()),
        Err(ReferralRejection::NotAssigned(ReferralStatus::Processed))
    );
}

#[test]
fn either_side_cancels_and_the_other_side_hears_it() {
    let r = referral();
    let now = crate::kernel::time::now();
    let by_demand = r
        .cancel(
            ReferralSide::Demand,
            Some(ReasonCode::ClientRequest),
            Some("moved away".into()),
            now,
        )
        .unwrap();
    assert_eq!(by_demand.referral.status, ReferralStatus::Cancelled);
    assert_eq!(
        by_demand.referral.reason_code,
        Some(ReasonCode::ClientRequest)
    );
    assert_eq!(
        by_demand.referral.cancellation_comment.as_deref(),
        Some("moved away")
    );
    assert_eq!(
        (by_demand.channel, by_demand.name, by_demand.recipient),
        (
            Channel::InboxReferrals,
            EventName::ReferralDemandCancelled,
            r.supply_org_id
        )
    );
    // A processed referral can still be cancelled, by the supplier too.
    let processed = r.mark_processed(now).unwrap().referral;
    let by_supply = processed
        .cancel(ReferralSide::Supply, Some(ReasonCode::Other), None, now)
        .unwrap();
    assert_eq!(
        (by_supply.channel, by_supply.name, by_supply.recipient),
        (
            Channel::OutboxReferrals,
            EventName::ReferralSupplyCancelled,
            r.demand_org_id
        )
    );
    // Cancelled is final.
    assert_eq!(
        by_supply
            .referral
            .cancel(ReferralSide::Demand, None, None, now),
        Err(ReferralRejection::NotCancellable(ReferralStatus::Cancelled))
    );
    assert_eq!(
        by_supply.referral.mark_processed(now),
        Err(ReferralRejection::NotAssigned(ReferralStatus::Cancelled))
    );
}

fn update(r: &Referral) -> RevisionUpdate {
    RevisionUpdate {
        reasons: vec!["schedule change".into()],
        revision_comment: Some("now three mornings".into()),
        start_at: r.start_at,
        end_at: r.end_at,
        content: ReferralContent {
            comment: Some("revised".into()),
            demand_labels: vec![],
            client: r.client.clone(),
            service: r.service.clone(),
            visits: vec![],
            price: None,
            case_manager: None,
            alayacare: None,
        },
    }
}

#[test]
fn a_revision_archives_the_latest_and_continues_its_group() {
    let r = referral();
    let now = crate::kernel::time::now();
    let revised = r.revise(r.supply_org_id, update(&r), now).unwrap();
    assert!(!revised.archived.revision.is_latest_revision);
    assert_eq!(revised.archived.version, r.version + 1);
    assert_eq!(revised.archived.status, r.status);
    let l = &revised.latest;
    assert_ne!(l.id, r.id);
    assert!(l.revision.is_latest_revision);
    assert_eq!(l.revision.revision_number, 2);
    assert_eq!(l.revision.revision_group_id, r.revision.revision_group_id);
    assert_eq!(l.revision.revision_reasons, vec!["schedule change"]);
    assert_eq!(
        (l.sequence_id, l.supply_org_id, l.service.id, l.client_id),
        (r.sequence_id, r.supply_org_id, r.service.id, r.client_id)
    );
    assert_eq!(l.comment.as_deref(), Some("revised"));
    assert_eq!((l.status, l.version), (ReferralStatus::Assigned, 1));
    // The archived revision can no longer be revised; the new one can.
    assert_eq!(
        revised
            .archived
            .revise(r.supply_org_id, update(&r), now)
            .unwrap_err(),
        ReferralRejection::NotLatest
    );
    let third = l.revise(r.supply_org_id, update(&r), now).unwrap();
    assert_eq!(third.latest.revision.revision_number, 3);
}

#[test]
fn only_an_active_service_referral_of_the_same_supplier_is_revised() {
    let r = referral();
    let now = crate::kernel::time::now();
    let mut visit = r.clone();
    visit.referral_type = OfferType::Visit;
    assert_eq!(
        visit.revise(r.supply_org_id, update(&r), now).unwrap_err(),
        ReferralRejection::NotService
    );
    let cancelled = r
        .cancel(ReferralSide::Demand, None, None, now)
        .unwrap()
        .referral;
    assert_eq!(
        cancelled
            .revise(r.supply_org_id, update(&r), now)
            .unwrap_err(),
        ReferralRejection::NotActive(ReferralStatus::Cancelled)
    );
    let processed = r.mark_processed(now).unwrap().referral;
    assert!(processed.revise(r.supply_org_id, update(&r), now).is_ok());
    assert_eq!(
        r.revise(OrgId::new(), update(&r), now).unwrap_err(),
        ReferralRejection::OtherSupplier
    );
}

#[test]
fn the_supplier_maps_its_own_ids_to_the_referral_tasks() {
    let mut r = referral();
    let now = crate::kernel::time::now();
    let task = crate::marketplace::offer::Task {
        id: crate::kernel::ids::TaskId::new(),
        outbox_id: "task-1".to_owned().try_into().unwrap(),
        name: "Bathing".to_owned().try_into().unwrap(),
        description: None,
        is_required: true,
        inbox_id: None,
    };
    r.visits = vec![Visit {
        id: crate::kernel::ids::VisitId::new(),
        outbox_id: "visit-1".to_owned().try_into().unwrap(),
        start_at: now,
        end_at: now,
        instructions: None,
        tasks: vec![task.clone()],
    }];
    let mapped = r.map_tasks(&[(task.id, "ours-1".into())], now).unwrap();
    assert_eq!(
        mapped.visits[0].tasks[0].inbox_id.as_deref(),
        Some("ours-1")
    );
    assert_eq!(mapped.version, r.version + 1);
    let stranger = crate::kernel::ids::TaskId::new();
    assert_eq!(
        r.map_tasks(&[(stranger, "x".into())], now).unwrap_err(),
        ReferralRejection::UnknownTask(stranger)
    );
    let cancelled = r
        .cancel(ReferralSide::Supply, None, None, now)
        .unwrap()
        .referral;
    assert_eq!(
        cancelled
            .map_tasks(&[(task.id, "ours-1".into())], now)
            .unwrap_err(),
        ReferralRejection::NotActive(ReferralStatus::Cancelled)
    );
}
