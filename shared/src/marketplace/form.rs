//! Forms: a demand organization publishes versioned form templates (one schema, many
//! versions; "latest" is the highest `schema_version`), and the supplier that holds a referral
//! submits a form about one of its services or visits. A submission must answer the template's
//! fields with values of their declared type; it is approved on submission and the demand
//! hears `FormSubmissionSupplyApproved`.

use serde::{Deserialize, Serialize};

use crate::events::{Channel, EventName, EventRecord};
use crate::kernel::ids::{
    ClientId, EventId, FormFieldId, FormSchemaId, FormSubmissionFieldId, FormSubmissionId,
    FormTemplateId, OrgId, ReferralId, ServiceId, VisitId,
};
use crate::kernel::time::{Timestamp, rfc3339, serde_ts};
use crate::marketplace::referral::{Referral, ReferralStatus};

/// An optional request field that may be left out but not sent as `null` (the schema has no
/// `nullable`): `#[serde(default, deserialize_with = "not_null")]`.
pub fn not_null<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    T::deserialize(d).map(Some)
}

/// The type of a field's value (`InboxFormSubmissionFieldCore.value_type`); every value
/// travels as a string.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ValueType {
    Attachment,
    Boolean,
    Decimal,
    Json,
    String,
}

impl ValueType {
    /// The name on the wire (`attachment`, `boolean`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            ValueType::Attachment => "attachment",
            ValueType::Boolean => "boolean",
            ValueType::Decimal => "decimal",
            ValueType::Json => "json",
            ValueType::String => "string",
        }
    }

    /// Whether `value` is a value of this type: `true`/`false`, a decimal number, a JSON
    /// document, an `https` URL of the attached file, or any string.
    pub fn accepts(self, value: &str) -> bool {
        match self {
            ValueType::Boolean => matches!(value, "true" | "false"),
            ValueType::Decimal => value.parse::<rust_decimal::Decimal>().is_ok(),
            ValueType::Json => serde_json::from_str::<serde_json::Value>(value).is_ok(),
            ValueType::Attachment => url::Url::parse(value)
                .is_ok_and(|u| u.scheme() == "https" && u.host_str().is_some()),
            ValueType::String => true,
        }
    }
}

/// A template field as the demand publishes it (`FormTemplateFieldCore` plus the type of the
/// value a submission gives it).
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FieldDraft {
    /// The demand's id of the field (`field_outbox_id` in submissions).
    pub id: i64,
    pub parent_id: i64,
    pub rank: i64,
    pub label: String,
    pub field_type: String,
    pub value_type: ValueType,
    pub required: bool,
    #[serde(default, deserialize_with = "not_null")]
    pub field_tag: Option<String>,
    #[serde(default, deserialize_with = "not_null")]
    pub instructions: Option<String>,
    #[serde(default, deserialize_with = "not_null")]
    pub json_logic: Option<serde_json::Map<String, serde_json::Value>>,
    #[serde(default, deserialize_with = "not_null")]
    pub settings: Option<serde_json::Map<String, serde_json::Value>>,
}

/// A template version as the demand publishes it (`FormTemplateCore` without the version,
/// which the platform assigns).
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TemplateDraft {
    /// The demand's id of the template (`form_template_outbox_id` in submissions).
    pub id: i64,
    pub schema_id: FormSchemaId,
    pub name: String,
    pub form_type: String,
    pub language_code: String,
    #[serde(default, deserialize_with = "not_null")]
    pub instructions: Option<String>,
    #[serde(default, deserialize_with = "not_null")]
    pub clinical_event_name: Option<String>,
    #[serde(default)]
    pub admin_eyes_only: bool,
    #[serde(default)]
    pub approve_automatically: bool,
    #[serde(default)]
    pub display_instructions_in_pdf: bool,
    #[serde(default)]
    pub display_report: bool,
    #[serde(default)]
    pub exclude_from_shift_report: bool,
    #[serde(default)]
    pub notify_alert_queue: bool,
    #[serde(default)]
    pub pre_populate: bool,
    #[serde(default)]
    pub requires_clock_in: bool,
    #[serde(default)]
    pub visit_link_required: bool,
    #[serde(default)]
    pub fields: Vec<FieldDraft>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TemplateField {
    pub field_id: FormFieldId,
    #[serde(flatten)]
    pub draft: FieldDraft,
}

/// One published version of a form.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FormTemplate {
    pub form_template_id: FormTemplateId,
    pub demand_org_id: OrgId,
    pub schema_version: u64,
    #[serde(with = "serde_ts")]
    pub published_at: Timestamp,
    /// The published draft; its fields are moved to `fields`, with their platform ids.
    pub template: TemplateDraft,
    pub fields: Vec<TemplateField>,
}

/// Why a form template cannot be published or a submission made.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FormRejection {
    #[error("name, form_type and language_code must not be empty")]
    Unnamed,
    #[error("A form template has 1 to {MAX_FIELDS} fields")]
    FieldCount,
    #[error("Field ids must be unique")]
    RepeatedFieldId,
    /// The caller passed the latest version of another schema: a bug, not a client's error.
    #[error("the latest version is of another schema")]
    OtherSchema,
    #[error("The {what} is too large ({size} bytes; at most {MAX_DOCUMENT_BYTES})")]
    TooLarge { what: &'static str, size: usize },
    #[error("the {0} does not serialize: {1}")]
    Unserializable(&'static str, String),
    #[error("Exactly one of service_id and visit_id must be given")]
    NotOneSubject,
    #[error("The referral is cancelled")]
    ReferralCancelled,
    #[error("The form template is not one of the referral's demand organization")]
    OtherDemand,
    #[error("Field {0} is not a field of the form template")]
    UnknownField(FormFieldId),
    #[error("Field {0} is answered more than once")]
    AnsweredTwice(FormFieldId),
    #[error("Field {field} takes a value of type {}", expected.as_str())]
    WrongType {
        field: FormFieldId,
        expected: ValueType,
    },
    #[error("The value of field {0} is not of its type")]
    BadValue(FormFieldId),
    #[error("Hidden field {0} is not a field of the form template")]
    UnknownHiddenField(FormFieldId),
    #[error("Field {0} is both answered and hidden, or hidden twice")]
    HiddenTwice(FormFieldId),
    #[error("Required field {0} is not answered")]
    RequiredMissing(FormFieldId),
}

/// The largest template or submission, as JSON: DynamoDB items hold at most 400 KB.
pub const MAX_DOCUMENT_BYTES: usize = 200_000;

fn within_item_size<T: Serialize>(what: &'static str, value: &T) -> Result<(), FormRejection> {
    let size = serde_json::to_vec(value)
        .map_err(|e| FormRejection::Unserializable(what, e.to_string()))?
        .len();
    if size > MAX_DOCUMENT_BYTES {
        return Err(FormRejection::TooLarge { what, size });
    }
    Ok(())
}

/// The most fields a template may have; a submission answers each at most once, and the
/// attachments among them are written in one transaction with the submission.
pub const MAX_FIELDS: usize = 90;

impl FormTemplate {
    /// The next version of the schema: version 1 when nothing was published under the schema,
    /// otherwise one more than the latest. Fields get platform ids of their own, per version.
    pub fn publish(
        demand: OrgId,
        mut draft: TemplateDraft,
        latest: Option<&FormTemplate>,
        now: Timestamp,
    ) -> Result<FormTemplate, FormRejection> {
        if draft.name.trim().is_empty()
            || draft.form_type.trim().is_empty()
            || draft.language_code.trim().is_empty()
        {
            return Err(FormRejection::Unnamed);
        }
        if draft.fields.is_empty() || draft.fields.len() > MAX_FIELDS {
            return Err(FormRejection::FieldCount);
        }
        let mut ids: Vec<i64> = draft.fields.iter().map(|f| f.id).collect();
        ids.sort_unstable();
        if ids.windows(2).any(|w| w[0] == w[1]) {
            return Err(FormRejection::RepeatedFieldId);
        }
        if let Some(latest) = latest
            && (latest.demand_org_id != demand || latest.template.schema_id != draft.schema_id)
        {
            return Err(FormRejection::OtherSchema);
        }
        let fields = std::mem::take(&mut draft.fields)
            .into_iter()
            .map(|draft| TemplateField {
                field_id: FormFieldId::new(),
                draft,
            })
            .collect();
        let template = FormTemplate {
            form_template_id: FormTemplateId::new(),
            demand_org_id: demand,
            schema_version: latest.map_or(1, |l| l.schema_version + 1),
            published_at: now,
            template: draft,
            fields,
        };
        within_item_size("form template", &template)?;
        Ok(template)
    }

    fn field(&self, id: FormFieldId) -> Option<&TemplateField> {
        self.fields.iter().find(|f| f.field_id == id)
    }
}

/// An answer as the supplier submits it (`InboxFormSubmissionFieldCore`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FieldAnswer {
    pub field_id: FormFieldId,
    pub value_type: ValueType,
    pub value: String,
}

/// `FormSubmissionHiddenFieldCore`: a field the form's logic hid, so it has no answer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HiddenFieldRef {
    pub field_id: FormFieldId,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SubmissionField {
    pub id: FormSubmissionFieldId,
    pub field_id: FormFieldId,
    pub field_outbox_id: String,
    pub value_type: ValueType,
    pub value: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HiddenField {
    pub id: FormSubmissionFieldId,
    pub field_id: FormFieldId,
    pub field_outbox_id: String,
}

/// What a submission is about: a service or a visit of the referral.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Subject {
    Service(ServiceId),
    Visit(VisitId),
}

impl Subject {
    /// Exactly one of `service_id` / `visit_id` (the spec: "One of … must be provided").
    pub fn from_ids(
        service: Option<ServiceId>,
        visit: Option<VisitId>,
    ) -> Result<Self, FormRejection> {
        match (service, visit) {
            (Some(s), None) => Ok(Subject::Service(s)),
            (None, Some(v)) => Ok(Subject::Visit(v)),
            _ => Err(FormRejection::NotOneSubject),
        }
    }
}

#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FormSubmission {
    pub id: FormSubmissionId,
    pub form_template_id: FormTemplateId,
    pub form_template_outbox_id: String,
    pub demand_org_id: OrgId,
    pub supply_org_id: OrgId,
    pub referral_id: ReferralId,
    pub client_id: ClientId,
    pub client_outbox_id: String,
    pub service_id: Option<ServiceId>,
    pub service_outbox_id: Option<String>,
    pub visit_id: Option<VisitId>,
    pub work_session_id: Option<uuid::Uuid>,
    pub fields: Vec<SubmissionField>,
    #[serde(default)]
    pub hidden_fields: Vec<HiddenField>,
    #[serde(with = "serde_ts")]
    pub created_at: Timestamp,
}

/// A submission as the supplier sends it, after parsing.
#[derive(Clone, Debug)]
pub struct SubmissionDraft {
    pub subject: Subject,
    pub work_session_id: Option<uuid::Uuid>,
    pub fields: Vec<FieldAnswer>,
    pub hidden_fields: Vec<HiddenFieldRef>,
}

impl FormSubmission {
    /// The submission of `draft` on `template` for `referral` (which the caller has checked is
    /// the supplier's and covers the subject). Refused: a cancelled referral (409); a template
    /// of another demand organization, an answer to a field the template lacks, a field
    /// answered twice or both answered and hidden, a value of the wrong type, a required field
    /// left out (422).
    pub fn submit(
        template: &FormTemplate,
        referral: &Referral,
        draft: SubmissionDraft,
        now: Timestamp,
    ) -> Result<FormSubmission, FormRejection> {
        if referral.status == ReferralStatus::Cancelled {
            return Err(FormRejection::ReferralCancelled);
        }
        if template.demand_org_id != referral.demand_org_id {
            return Err(FormRejection::OtherDemand);
        }
        let mut seen: Vec<FormFieldId> = Vec::new();
        let mut fields = Vec::with_capacity(draft.fields.len());
        for answer in draft.fields {
            let field = template
                .field(answer.field_id)
                .ok_or(FormRejection::UnknownField(answer.field_id))?;
            if seen.contains(&answer.field_id) {
                return Err(FormRejection::AnsweredTwice(answer.field_id));
            }
            seen.push(answer.field_id);
            if answer.value_type != field.draft.value_type {
                return Err(FormRejection::WrongType {
                    field: answer.field_id,
                    expected: field.draft.value_type,
                });
            }
            if !answer.value_type.accepts(&answer.value) {
                return Err(FormRejection::BadValue(answer.field_id));
            }
            fields.push(SubmissionField {
                id: FormSubmissionFieldId::new(),
                field_id: answer.field_id,
                field_outbox_id: field.draft.id.to_string(),
                value_type: answer.value_type,
                value: answer.value,
            });
        }
        let mut hidden_fields = Vec::with_capacity(draft.hidden_fields.len());
        for hidden in draft.hidden_fields {
            let field = template
                .field(hidden.field_id)
                .ok_or(FormRejection::UnknownHiddenField(hidden.field_id))?;
            if seen.contains(&hidden.field_id) {
                return Err(FormRejection::HiddenTwice(hidden.field_id));
            }
            seen.push(hidden.field_id);
            hidden_fields.push(HiddenField {
                id: FormSubmissionFieldId::new(),
                field_id: hidden.field_id,
                field_outbox_id: field.draft.id.to_string(),
            });
        }
        if let Some(missing) = template
            .fields
            .iter()
            .find(|f| f.draft.required && !seen.contains(&f.field_id))
        {
            return Err(FormRejection::RequiredMissing(missing.field_id));
        }
        let (service_id, service_outbox_id, visit_id) = match draft.subject {
            Subject::Service(id) => (
                Some(id),
                Some(referral.service.outbox_id.as_str().to_owned()),
                None,
            ),
            Subject::Visit(id) => (None, None, Some(id)),
        };
        let submission = FormSubmission {
            id: FormSubmissionId::new(),
            form_template_id: template.form_template_id,
            form_template_outbox_id: template.template.id.to_string(),
            demand_org_id: referral.demand_org_id,
            supply_org_id: referral.supply_org_id,
            referral_id: referral.id,
            client_id: referral.client_id,
            client_outbox_id: referral.client.outbox_id.as_str().to_owned(),
            service_id,
            service_outbox_id,
            visit_id,
            work_session_id: draft.work_session_id,
            fields,
            hidden_fields,
            created_at: now,
        };
        within_item_size("form submission", &submission)?;
        Ok(submission)
    }

    /// The answered attachment fields, each of which gets a download URL.
    pub fn attachments(&self) -> impl Iterator<Item = &SubmissionField> {
        self.fields
            .iter()
            .filter(|f| f.value_type == ValueType::Attachment)
    }
}

// The events this aggregate emits: the builders live beside the aggregate, so `events`
// (the channels, names and record) does not depend on the domain.

/// `OutboxFormSubmissionEventPayload` (channel `outbox-form-submissions`).
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FormSubmissionEventPayload {
    pub event_id: EventId,
    pub event_name: EventName,
    pub event_source: String,
    pub form_submission_id: crate::kernel::ids::FormSubmissionId,
    /// Deprecated by the spec ("ID of the event"): the event id.
    pub id: EventId,
    pub referral_id: ReferralId,
    pub service_id: Option<crate::kernel::ids::ServiceId>,
    pub visit_id: Option<crate::kernel::ids::VisitId>,
    pub timestamp: String,
}

/// `InboxFormTemplateEventPayload` (channel `inbox-form-templates`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FormTemplateEventPayload {
    pub event_id: EventId,
    pub event_name: EventName,
    pub event_source: String,
    pub demand_persona_id: OrgId,
    /// Deprecated by the spec ("ID of the event"): the event id.
    pub id: EventId,
    pub schema_id: crate::kernel::ids::FormSchemaId,
    pub timestamp: String,
}

impl EventRecord {
    /// `FormSubmissionSupplyApproved` on `outbox-form-submissions`, to the submission's demand.
    pub fn form_submission(s: &FormSubmission, now: Timestamp) -> Self {
        let event_id = EventId::new();
        let name = EventName::FormSubmissionSupplyApproved;
        let payload = FormSubmissionEventPayload {
            event_id,
            event_name: name,
            event_source: "alayamarket.forms".into(),
            form_submission_id: s.id,
            id: event_id,
            referral_id: s.referral_id,
            service_id: s.service_id,
            visit_id: s.visit_id,
            timestamp: rfc3339(&now),
        };
        Self::new(
            event_id,
            Channel::OutboxFormSubmissions,
            name,
            vec![s.demand_org_id],
            &payload,
            now,
        )
    }

    /// `FormTemplateDemandPublished` on `inbox-form-templates`, to `recipients` (the supply
    /// organizations of the demand's trusted network).
    pub fn form_template(t: &FormTemplate, recipients: Vec<OrgId>, now: Timestamp) -> Self {
        let event_id = EventId::new();
        let name = EventName::FormTemplateDemandPublished;
        let payload = FormTemplateEventPayload {
            event_id,
            event_name: name,
            event_source: "alayamarket.form_templates".into(),
            demand_persona_id: t.demand_org_id,
            id: event_id,
            schema_id: t.template.schema_id,
            timestamp: rfc3339(&now),
        };
        Self::new(
            event_id,
            Channel::InboxFormTemplates,
            name,
            recipients,
            &payload,
            now,
        )
    }
}

#[cfg(test)]
mod tests;
