use super::*;

fn supplier(care_types: &[CareType], status: PersonaStatus) -> Organization {
    Organization {
        id: OrgId::new(),
        name: "s".into(),
        host: None,
        source: "alayacare".into(),
        demand: None,
        supply: Some(SupplyPersona {
            status,
            care_types: care_types.to_vec(),
        }),
        profile: None,
        created_at: crate::kernel::time::now(),
        version: 3,
    }
}

fn demand(status: PersonaStatus) -> Organization {
    let mut org = supplier(&[], PersonaStatus::Active);
    org.supply = None;
    org.demand = Some(DemandPersona {
        status,
        offer_assignment: AssignmentMode::Auto,
    });
    org
}

#[test]
fn a_persona_never_activated_reads_as_disabled() {
    let org = demand(PersonaStatus::Active);
    assert_eq!(org.supply_status(), PersonaStatus::Disabled);
    assert!(org.care_types().is_empty());
}

#[test]
fn activating_creates_or_enables_the_persona_and_bumps_the_version() {
    let org = demand(PersonaStatus::Active);
    let next = org.set_supply_status(PersonaStatus::Active).unwrap();
    assert_eq!(next.supply_status(), PersonaStatus::Active);
    assert_eq!(next.version, org.version + 1);
    let disabled = demand(PersonaStatus::Disabled);
    let next = disabled.set_demand_status(PersonaStatus::Active).unwrap();
    assert!(next.is_active_demand());
    // The assignment setting survives deactivation and reactivation.
    assert_eq!(next.assignment_mode(), AssignmentMode::Auto);
}

#[test]
fn activating_an_active_persona_changes_nothing() {
    let org = demand(PersonaStatus::Active);
    assert_eq!(org.set_demand_status(PersonaStatus::Active), None);
    let s = supplier(&[CareType::Psw], PersonaStatus::Active);
    assert_eq!(s.set_supply_status(PersonaStatus::Active), None);
}

#[test]
fn deactivating_keeps_the_settings() {
    let s = supplier(&[CareType::Psw], PersonaStatus::Active);
    let next = s.set_supply_status(PersonaStatus::Disabled).unwrap();
    assert_eq!(next.supply_status(), PersonaStatus::Disabled);
    assert_eq!(next.care_types(), &[CareType::Psw]);
    assert!(!next.supplies(CareType::Psw));
    // Deactivating a persona never activated is a no-op.
    assert_eq!(s.set_demand_status(PersonaStatus::Disabled), None);
}

#[test]
fn care_types_are_replaced_deduplicated_and_idempotent() {
    let s = supplier(&[CareType::Psw], PersonaStatus::Active);
    let next = s
        .set_care_types(&[CareType::Nursing, CareType::Nursing])
        .unwrap();
    assert_eq!(next.care_types(), &[CareType::Nursing]);
    assert_eq!(next.supply_status(), PersonaStatus::Active);
    assert_eq!(next.set_care_types(&[CareType::Nursing]), None);
    let emptied = next.set_care_types(&[]).unwrap();
    assert!(emptied.care_types().is_empty());
    // A persona never activated gets the care types and stays disabled.
    let d = demand(PersonaStatus::Active);
    let with = d.set_care_types(&[CareType::Psw]).unwrap();
    assert_eq!(with.supply_status(), PersonaStatus::Disabled);
    assert_eq!(with.care_types(), &[CareType::Psw]);
    // Even `[]` creates the (disabled) persona the first time, then is a no-op.
    let created = d.set_care_types(&[]).unwrap();
    assert_eq!(created.set_care_types(&[]), None);
}

#[test]
fn trusted_network_becomes_the_requested_set() {
    let d = demand(PersonaStatus::Active);
    let (a, b, c) = (OrgId::new(), OrgId::new(), OrgId::new());
    let existing = [a, b, c];
    let change = set_trusted_network(&d, &[a, b], &[b, c, c], &existing)
        .unwrap()
        .unwrap();
    assert_eq!(change.added, vec![c]);
    assert_eq!(change.removed, vec![a]);
    let cleared = set_trusted_network(&d, &[a], &[], &existing)
        .unwrap()
        .unwrap();
    assert_eq!((cleared.added, cleared.removed), (vec![], vec![a]));
}

#[test]
fn an_unchanged_trusted_network_is_a_no_op() {
    let d = demand(PersonaStatus::Active);
    let (a, b) = (OrgId::new(), OrgId::new());
    assert_eq!(set_trusted_network(&d, &[a, b], &[b, a], &[a, b]), Ok(None));
}

#[test]
fn trusted_network_rejections() {
    let d = demand(PersonaStatus::Active);
    let known = OrgId::new();
    let unknown = OrgId::new();
    assert_eq!(
        set_trusted_network(&d, &[], &[known, unknown], &[known]),
        Err(Rejection::UnknownSupplier(unknown))
    );
    assert_eq!(
        set_trusted_network(&d, &[], &[d.id], &[d.id]),
        Err(Rejection::OwnTrustedNetwork)
    );
    let disabled = demand(PersonaStatus::Disabled);
    assert_eq!(
        set_trusted_network(&disabled, &[], &[known], &[known]),
        Err(Rejection::DemandNotActive)
    );
    let many: Vec<OrgId> = (0..=MAX_TRUST_CHANGES).map(|_| OrgId::new()).collect();
    assert_eq!(
        set_trusted_network(&d, &[], &many, &many),
        Err(Rejection::TooManyChanges(MAX_TRUST_CHANGES + 1))
    );
}

#[test]
fn matches_active_suppliers_of_the_care_type_once() {
    let demand = OrgId::new();
    let psw = supplier(&[CareType::Psw], PersonaStatus::Active);
    let both = supplier(&[CareType::Psw, CareType::Nursing], PersonaStatus::Active);
    let nursing = supplier(&[CareType::Nursing], PersonaStatus::Active);
    let disabled = supplier(&[CareType::Psw], PersonaStatus::Disabled);
    let got = match_suppliers(
        demand,
        CareType::Psw,
        [&psw, &both, &nursing, &disabled, &psw],
    );
    assert_eq!(got, vec![psw.id, both.id]);
}

#[test]
fn never_matches_the_demand_itself() {
    let mut org = supplier(&[CareType::Psw], PersonaStatus::Active);
    org.demand = Some(DemandPersona {
        status: PersonaStatus::Active,
        offer_assignment: AssignmentMode::Auto,
    });
    assert!(match_suppliers(org.id, CareType::Psw, [&org]).is_empty());
}

#[test]
fn assignment_defaults_to_manual() {
    let org = supplier(&[], PersonaStatus::Active);
    assert_eq!(org.assignment_mode(), AssignmentMode::Manual);
}

fn profile(branch_id: Option<i64>) -> OrgProfile {
    OrgProfile {
        username: "admin@example.org".into(),
        email: "contact@example.org".into(),
        phone: Phone {
            number: "+14165550100".into(),
            extension: None,
        },
        address: serde_json::from_value(serde_json::json!({
            "address": "1 King St W", "city": "Toronto", "state": "ON", "zip": "M5H",
            "country": "CA", "latitude": 43.6, "longitude": -79.3
        }))
        .unwrap(),
        branch_id,
    }
}

#[test]
fn a_signed_up_organization_starts_with_disabled_personas() {
    let id = OrgId::new();
    let org = Organization::signed_up(
        id,
        "New".into(),
        None,
        "internal".into(),
        profile(None),
        crate::kernel::time::now(),
    )
    .unwrap();
    assert_eq!(org.id, id);
    assert_eq!(org.demand_status(), PersonaStatus::Disabled);
    assert_eq!(org.supply_status(), PersonaStatus::Disabled);
    assert_eq!(org.version, 0);
}

#[test]
fn an_alayacare_sign_up_needs_a_branch() {
    let sign_up = |branch| {
        Organization::signed_up(
            OrgId::new(),
            "AC".into(),
            None,
            "alayacare".into(),
            profile(branch),
            crate::kernel::time::now(),
        )
    };
    assert_eq!(sign_up(None), Err(Rejection::BranchIdRequired));
    assert!(sign_up(Some(1000)).is_ok());
}

#[test]
fn edit_renames_and_names_the_address_once() {
    let mut org = demand(PersonaStatus::Active);
    org.profile = Some(profile(None));
    let next = org.edit("Renamed", Some("Head office")).unwrap();
    assert_eq!(next.name, "Renamed");
    assert_eq!(
        next.profile.as_ref().unwrap().address.name.as_deref(),
        Some("Head office")
    );
    assert_eq!(next.version, org.version + 1);
    assert_eq!(next.edit("Renamed", Some("Head office")), None);
    // Without a profile only the name is kept.
    let bare = demand(PersonaStatus::Active);
    let renamed = bare.edit("Other", Some("Ignored")).unwrap();
    assert!(renamed.profile.is_none());
}

#[test]
fn add_and_remove_compute_the_next_network() {
    let (a, b, c) = (OrgId::new(), OrgId::new(), OrgId::new());
    assert_eq!(with_added(&[a, b], &[b, c, c]), vec![a, b, c]);
    assert_eq!(without(&[a, b], &[b, c]), vec![a]);
}

#[test]
fn a_supplier_joins_and_leaves_exactly_the_requested_networks() {
    let s = supplier(&[CareType::Psw], PersonaStatus::Active);
    let (d1, d2, d3) = (
        demand(PersonaStatus::Active),
        demand(PersonaStatus::Active),
        demand(PersonaStatus::Disabled),
    );
    let all = [d1.clone(), d2.clone(), d3.clone()];
    let change = set_supplier_networks(&s, &[d1.id, d3.id], &[d2.id, d2.id], &all)
        .unwrap()
        .unwrap();
    assert_eq!(change.joined, vec![d2.id]);
    // Leaving a network works whatever its demand persona's state.
    assert_eq!(change.left, vec![d1.id, d3.id]);
    assert_eq!(
        set_supplier_networks(&s, &[d1.id], &[d1.id], &all),
        Ok(None)
    );
}

#[test]
fn supplier_network_rejections() {
    let s = supplier(&[CareType::Psw], PersonaStatus::Active);
    let inactive = demand(PersonaStatus::Disabled);
    let unknown = OrgId::new();
    assert_eq!(
        set_supplier_networks(&s, &[], &[inactive.id], std::slice::from_ref(&inactive)),
        Err(Rejection::UnknownDemand(inactive.id))
    );
    assert_eq!(
        set_supplier_networks(&s, &[], &[unknown], &[]),
        Err(Rejection::UnknownDemand(unknown))
    );
    assert_eq!(
        set_supplier_networks(&s, &[], &[s.id], &[]),
        Err(Rejection::OwnTrustedNetwork)
    );
    let disabled = supplier(&[CareType::Psw], PersonaStatus::Disabled);
    assert_eq!(
        set_supplier_networks(&disabled, &[], &[], &[]),
        Err(Rejection::SupplyNotActive)
    );
    let many: Vec<Organization> = (0..=MAX_NETWORK_CHANGES)
        .map(|_| demand(PersonaStatus::Active))
        .collect();
    let ids: Vec<OrgId> = many.iter().map(|d| d.id).collect();
    assert_eq!(
        set_supplier_networks(&s, &[], &ids, &many),
        Err(Rejection::TooManyNetworks(MAX_NETWORK_CHANGES + 1))
    );
}

#[test]
fn a_first_configuration_names_existing_suppliers_and_active_demands() {
    let s = supplier(&[CareType::Psw], PersonaStatus::Disabled);
    let active = demand(PersonaStatus::Active);
    let inactive = demand(PersonaStatus::Disabled);
    let found = [s.clone(), active.clone(), inactive.clone()];
    // A supplier is trusted whatever its persona's state; repeats count once.
    assert_eq!(
        check_first_configuration(&[s.id, s.id], &[active.id, active.id], &found),
        Ok(())
    );
    assert_eq!(check_first_configuration(&[], &[], &[]), Ok(()));
    let unknown = OrgId::new();
    assert_eq!(
        check_first_configuration(&[unknown], &[], &found),
        Err(Rejection::UnknownSupplier(unknown))
    );
    assert_eq!(
        check_first_configuration(&[], &[inactive.id], &found),
        Err(Rejection::UnknownDemand(inactive.id))
    );
    assert_eq!(
        check_first_configuration(&[], &[s.id], &found),
        Err(Rejection::UnknownDemand(s.id))
    );
}

#[test]
fn a_first_configuration_fits_one_transaction_per_list() {
    let suppliers: Vec<Organization> = (0..=MAX_TRUST_CHANGES)
        .map(|_| supplier(&[], PersonaStatus::Active))
        .collect();
    let ids: Vec<OrgId> = suppliers.iter().map(|o| o.id).collect();
    assert_eq!(
        check_first_configuration(&ids, &[], &suppliers),
        Err(Rejection::TooManyChanges(MAX_TRUST_CHANGES + 1))
    );
    assert_eq!(
        check_first_configuration(&ids[..MAX_TRUST_CHANGES], &[], &suppliers),
        Ok(())
    );
    let demands: Vec<Organization> = (0..=MAX_NETWORK_CHANGES)
        .map(|_| demand(PersonaStatus::Active))
        .collect();
    let ids: Vec<OrgId> = demands.iter().map(|o| o.id).collect();
    assert_eq!(
        check_first_configuration(&[], &ids, &demands),
        Err(Rejection::TooManyNetworks(MAX_NETWORK_CHANGES + 1))
    );
}
