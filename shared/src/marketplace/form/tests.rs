use super::*;

fn referral() -> Referral {
    let s = crate::marketplace::offer::tests::state(1);
    Referral::from_assignment(&s.offer, &s.matches[0], crate::kernel::time::now())
}

fn field(id: i64, value_type: ValueType, required: bool) -> FieldDraft {
    FieldDraft {
        id,
        parent_id: 0,
        rank: id,
        label: format!("field {id}"),
        field_type: "text".into(),
        value_type,
        required,
        field_tag: None,
        instructions: None,
        json_logic: None,
        settings: None,
    }
}

fn draft(fields: Vec<FieldDraft>) -> TemplateDraft {
    TemplateDraft {
        id: 4101,
        schema_id: FormSchemaId::new(),
        name: "Visit note".into(),
        form_type: "clinical".into(),
        language_code: "en".into(),
        instructions: None,
        clinical_event_name: None,
        admin_eyes_only: false,
        approve_automatically: true,
        display_instructions_in_pdf: false,
        display_report: true,
        exclude_from_shift_report: false,
        notify_alert_queue: false,
        pre_populate: false,
        requires_clock_in: false,
        visit_link_required: false,
        fields,
    }
}

/// A template of the referral's demand: a required boolean, an optional decimal and an
/// optional attachment.
fn template(r: &Referral) -> FormTemplate {
    FormTemplate::publish(
        r.demand_org_id,
        draft(vec![
            field(1, ValueType::Boolean, true),
            field(2, ValueType::Decimal, false),
            field(3, ValueType::Attachment, false),
        ]),
        None,
        crate::kernel::time::now(),
    )
    .unwrap()
}

fn answer(t: &FormTemplate, i: usize, vt: ValueType, value: &str) -> FieldAnswer {
    FieldAnswer {
        field_id: t.fields[i].field_id,
        value_type: vt,
        value: value.into(),
    }
}

fn submit(
    t: &FormTemplate,
    r: &Referral,
    fields: Vec<FieldAnswer>,
    hidden: Vec<HiddenFieldRef>,
) -> Result<FormSubmission, u16> {
    FormSubmission::submit(
        t,
        r,
        SubmissionDraft {
            subject: Subject::Service(r.service.id),
            work_session_id: None,
            fields,
            hidden_fields: hidden,
        },
        crate::kernel::time::now(),
    )
    .map_err(|e| crate::edge::error::ApiError::from(e).status().as_u16())
}

#[test]
fn versions_count_up_per_schema() {
    let demand = OrgId::new();
    let now = crate::kernel::time::now();
    let d = draft(vec![field(1, ValueType::String, true)]);
    let v1 = FormTemplate::publish(demand, d.clone(), None, now).unwrap();
    let v2 = FormTemplate::publish(demand, d.clone(), Some(&v1), now).unwrap();
    assert_eq!((v1.schema_version, v2.schema_version), (1, 2));
    assert_ne!(v1.form_template_id, v2.form_template_id);
    assert_ne!(v1.fields[0].field_id, v2.fields[0].field_id);
    assert!(
        v1.template.fields.is_empty(),
        "fields move to their own list"
    );
}

#[test]
fn a_template_needs_fields_with_unique_ids() {
    let now = crate::kernel::time::now();
    let status = |fields| {
        FormTemplate::publish(OrgId::new(), draft(fields), None, now)
            .map(|_| ())
            .map_err(|e| crate::edge::error::ApiError::from(e).status().as_u16())
    };
    assert_eq!(status(vec![]), Err(422));
    assert_eq!(
        status(vec![
            field(1, ValueType::String, false),
            field(1, ValueType::Json, false)
        ]),
        Err(422)
    );
    assert_eq!(
        status(
            (0..=MAX_FIELDS as i64)
                .map(|i| field(i, ValueType::String, false))
                .collect()
        ),
        Err(422)
    );
}

#[test]
fn values_must_be_of_their_type() {
    use ValueType::*;
    assert!(Boolean.accepts("true") && Boolean.accepts("false") && !Boolean.accepts("yes"));
    assert!(Decimal.accepts("12.50") && Decimal.accepts("-3") && !Decimal.accepts("1,5"));
    assert!(Json.accepts(r#"{"a":[1]}"#) && !Json.accepts("{a:1}"));
    assert!(Attachment.accepts("https://files.example.com/plan.pdf"));
    assert!(!Attachment.accepts("http://files.example.com/plan.pdf"));
    assert!(!Attachment.accepts("plan.pdf"));
    assert!(String.accepts(""));
}

#[test]
fn a_valid_submission_keeps_the_demands_ids() {
    let r = referral();
    let t = template(&r);
    let s = submit(
        &t,
        &r,
        vec![
            answer(&t, 0, ValueType::Boolean, "true"),
            answer(&t, 2, ValueType::Attachment, "https://f.example.com/a.pdf"),
        ],
        vec![HiddenFieldRef {
            field_id: t.fields[1].field_id,
        }],
    )
    .unwrap();
    assert_eq!(s.referral_id, r.id);
    assert_eq!(s.demand_org_id, r.demand_org_id);
    assert_eq!(s.form_template_outbox_id, "4101");
    assert_eq!(s.fields[1].field_outbox_id, "3");
    assert_eq!(s.hidden_fields[0].field_outbox_id, "2");
    assert_eq!(s.service_id, Some(r.service.id));
    assert_eq!(s.attachments().count(), 1);
}

#[test]
fn answers_are_checked_against_the_template() {
    let r = referral();
    let t = template(&r);
    let ok = || answer(&t, 0, ValueType::Boolean, "false");
    // Wrong declared type, wrong value, unknown field, twice, answered and hidden.
    assert_eq!(
        submit(&t, &r, vec![answer(&t, 0, ValueType::String, "x")], vec![]),
        Err(422)
    );
    assert_eq!(
        submit(&t, &r, vec![answer(&t, 0, ValueType::Boolean, "1")], vec![]),
        Err(422)
    );
    let stranger = FieldAnswer {
        field_id: FormFieldId::new(),
        value_type: ValueType::String,
        value: "x".into(),
    };
    assert_eq!(submit(&t, &r, vec![ok(), stranger], vec![]), Err(422));
    assert_eq!(submit(&t, &r, vec![ok(), ok()], vec![]), Err(422));
    let hidden = HiddenFieldRef {
        field_id: t.fields[0].field_id,
    };
    assert_eq!(submit(&t, &r, vec![ok()], vec![hidden]), Err(422));
    assert!(submit(&t, &r, vec![ok()], vec![]).is_ok());
}

#[test]
fn a_required_field_must_be_answered_or_hidden() {
    let r = referral();
    let t = template(&r);
    assert_eq!(
        submit(&t, &r, vec![answer(&t, 1, ValueType::Decimal, "2")], vec![]),
        Err(422)
    );
    let hidden = HiddenFieldRef {
        field_id: t.fields[0].field_id,
    };
    assert!(
        submit(
            &t,
            &r,
            vec![answer(&t, 1, ValueType::Decimal, "2")],
            vec![hidden]
        )
        .is_ok()
    );
}

#[test]
fn only_the_referrals_demand_templates_and_live_referrals_take_submissions() {
    let r = referral();
    let mut other = template(&r);
    other.demand_org_id = OrgId::new();
    let ok = answer(&other, 0, ValueType::Boolean, "true");
    assert_eq!(submit(&other, &r, vec![ok], vec![]), Err(422));
    let t = template(&r);
    let mut cancelled = r.clone();
    cancelled.status = ReferralStatus::Cancelled;
    let ok = answer(&t, 0, ValueType::Boolean, "true");
    assert_eq!(submit(&t, &cancelled, vec![ok], vec![]), Err(409));
}

#[test]
fn a_submission_is_about_a_service_or_a_visit() {
    let (s, v) = (Some(ServiceId::new()), Some(VisitId::new()));
    assert!(matches!(
        Subject::from_ids(s, None),
        Ok(Subject::Service(_))
    ));
    assert!(matches!(Subject::from_ids(None, v), Ok(Subject::Visit(_))));
    let status = |r: Result<Subject, FormRejection>| {
        r.map_err(|e| crate::edge::error::ApiError::from(e).status().as_u16())
            .err()
    };
    assert_eq!(status(Subject::from_ids(None, None)), Some(422));
    assert_eq!(status(Subject::from_ids(s, v)), Some(422));
}

#[test]
fn optional_fields_may_be_left_out_but_not_null() {
    let mut v = serde_json::to_value(draft(vec![field(1, ValueType::String, false)])).unwrap();
    assert!(serde_json::from_value::<TemplateDraft>(v.clone()).is_ok());
    v["instructions"] = serde_json::Value::Null;
    assert!(serde_json::from_value::<TemplateDraft>(v.clone()).is_err());
    v.as_object_mut().unwrap().remove("instructions");
    v["fields"][0]["settings"] = serde_json::Value::Null;
    assert!(serde_json::from_value::<TemplateDraft>(v).is_err());
}

#[test]
fn templates_and_submissions_fit_in_an_item() {
    let mut big = field(1, ValueType::String, false);
    big.instructions = Some("x".repeat(MAX_DOCUMENT_BYTES));
    let r = FormTemplate::publish(
        OrgId::new(),
        draft(vec![big]),
        None,
        crate::kernel::time::now(),
    );
    assert_eq!(
        r.map(|_| ())
            .map_err(|e| crate::edge::error::ApiError::from(e).status().as_u16()),
        Err(422)
    );
    let r = referral();
    let t = template(&r);
    let long = answer(&t, 0, ValueType::Boolean, "true");
    let url = format!("https://f.example.com/{}", "a".repeat(MAX_DOCUMENT_BYTES));
    assert!(
        ValueType::Attachment.accepts(&url),
        "well typed, only too large"
    );
    let file = answer(&t, 2, ValueType::Attachment, &url);
    assert_eq!(submit(&t, &r, vec![long, file], vec![]), Err(422));
}

#[test]
fn form_template_payload_names_the_demand_and_schema() {
    let demand = OrgId::new();
    let draft: TemplateDraft = serde_json::from_value(serde_json::json!({
        "id": 1, "schema_id": uuid::Uuid::new_v4(), "name": "n", "form_type": "t",
        "language_code": "en",
        "fields": [{"id": 1, "parent_id": 0, "rank": 1, "label": "l", "field_type": "text",
            "value_type": "string", "required": false}]
    }))
    .unwrap();
    let now = crate::kernel::time::now();
    let t = FormTemplate::publish(demand, draft, None, now).unwrap();
    let suppliers = vec![OrgId::new(), OrgId::new()];
    let rec = EventRecord::form_template(&t, suppliers.clone(), now);
    assert_eq!(rec.channel, Channel::InboxFormTemplates);
    assert_eq!(rec.recipients, suppliers);
    let v: serde_json::Value = serde_json::from_str(&rec.payload).unwrap();
    assert_eq!(v["event_source"], "alayamarket.form_templates");
    assert_eq!(v["event_name"], "FormTemplateDemandPublished");
    assert_eq!(v["demand_persona_id"], demand.to_string());
    assert_eq!(v["schema_id"], t.template.schema_id.to_string());
    assert_eq!(v["event_id"], rec.event_id.to_string());
}

#[test]
fn value_type_names_are_the_wire_names() {
    for t in [
        ValueType::Attachment,
        ValueType::Boolean,
        ValueType::Decimal,
        ValueType::Json,
        ValueType::String,
    ] {
        assert_eq!(serde_json::to_value(t).unwrap(), t.as_str());
    }
}
