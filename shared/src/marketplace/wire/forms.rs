//! Form wire models: `InboxFormSubmission*`, `OutboxFormSubmissionDetailResponse`,
//! `InboxFormTemplateDetailResponse` of openapi.offers.yaml, and the platform's own template
//! publication (`POST /offers/v1/outbox/form_templates`, which takes a
//! [`TemplateDraft`](crate::marketplace::form::TemplateDraft)).

use serde::{Deserialize, Serialize};

use crate::kernel::ids::{
    ClientId, FormFieldId, FormSchemaId, FormSubmissionFieldId, FormSubmissionId, FormTemplateId,
    OrgId, ServiceId, VisitId,
};
use crate::marketplace::common::NonEmptyList;
use crate::marketplace::form::{
    FieldAnswer, FieldDraft, FormSubmission, FormTemplate, HiddenFieldRef, ValueType, not_null,
};

/// `InboxFormSubmissionCreationRequest`.
#[derive(Debug, Deserialize)]
pub struct FormSubmissionRequest {
    pub form_template_id: FormTemplateId,
    #[serde(default, deserialize_with = "not_null")]
    pub service_id: Option<ServiceId>,
    #[serde(default, deserialize_with = "not_null")]
    pub visit_id: Option<VisitId>,
    #[serde(default, deserialize_with = "not_null")]
    pub work_session_id: Option<uuid::Uuid>,
    pub fields: NonEmptyList<FieldAnswer>,
    #[serde(default)]
    pub hidden_fields: Vec<HiddenFieldRef>,
}

/// `InboxFormSubmissionCreationResponse`: the submission as the supplier sent it, with its id.
#[serde_with::skip_serializing_none]
#[derive(Debug, Serialize)]
pub struct FormSubmissionCreated {
    pub id: FormSubmissionId,
    pub form_template_id: FormTemplateId,
    pub service_id: Option<ServiceId>,
    pub visit_id: Option<VisitId>,
    pub work_session_id: Option<uuid::Uuid>,
    pub fields: Vec<FieldAnswer>,
    pub hidden_fields: Vec<HiddenFieldRef>,
}

impl From<&FormSubmission> for FormSubmissionCreated {
    fn from(s: &FormSubmission) -> Self {
        Self {
            id: s.id,
            form_template_id: s.form_template_id,
            service_id: s.service_id,
            visit_id: s.visit_id,
            work_session_id: s.work_session_id,
            fields: s
                .fields
                .iter()
                .map(|f| FieldAnswer {
                    field_id: f.field_id,
                    value_type: f.value_type,
                    value: f.value.clone(),
                })
                .collect(),
            hidden_fields: s
                .hidden_fields
                .iter()
                .map(|h| HiddenFieldRef {
                    field_id: h.field_id,
                })
                .collect(),
        }
    }
}

/// `OutboxFormSubmissionFieldCore`.
#[derive(Debug, Serialize)]
pub struct OutboxField {
    pub id: FormSubmissionFieldId,
    pub field_outbox_id: String,
    pub value_type: ValueType,
    pub value: String,
}

/// `OutboxFormSubmissionHiddenFieldCore`.
#[derive(Debug, Serialize)]
pub struct OutboxHiddenField {
    pub id: FormSubmissionFieldId,
    pub field_outbox_id: String,
}

/// `OutboxFormSubmissionDetailResponse`: the submission in the demand's own ids.
#[serde_with::skip_serializing_none]
#[derive(Debug, Serialize)]
pub struct OutboxFormSubmissionDetail {
    pub id: FormSubmissionId,
    pub form_template_id: FormTemplateId,
    pub form_template_outbox_id: String,
    pub client_id: ClientId,
    pub client_outbox_id: String,
    pub service_id: Option<ServiceId>,
    pub service_outbox_id: Option<String>,
    pub visit_id: Option<VisitId>,
    pub work_session_id: Option<uuid::Uuid>,
    pub fields: Vec<OutboxField>,
    pub hidden_fields: Vec<OutboxHiddenField>,
}

impl From<&FormSubmission> for OutboxFormSubmissionDetail {
    fn from(s: &FormSubmission) -> Self {
        Self {
            id: s.id,
            form_template_id: s.form_template_id,
            form_template_outbox_id: s.form_template_outbox_id.clone(),
            client_id: s.client_id,
            client_outbox_id: s.client_outbox_id.clone(),
            service_id: s.service_id,
            service_outbox_id: s.service_outbox_id.clone(),
            visit_id: s.visit_id,
            work_session_id: s.work_session_id,
            fields: s
                .fields
                .iter()
                .map(|f| OutboxField {
                    id: f.id,
                    field_outbox_id: f.field_outbox_id.clone(),
                    value_type: f.value_type,
                    value: f.value.clone(),
                })
                .collect(),
            hidden_fields: s
                .hidden_fields
                .iter()
                .map(|h| OutboxHiddenField {
                    id: h.id,
                    field_outbox_id: h.field_outbox_id.clone(),
                })
                .collect(),
        }
    }
}

/// `InboxFormTemplateFieldResponse` (plus the value type a submission must give it).
#[derive(Debug, Serialize)]
pub struct TemplateFieldBody {
    pub field_id: FormFieldId,
    #[serde(flatten)]
    pub field: FieldDraft,
}

/// `InboxFormTemplateDetailResponse`; the publication route answers the same.
#[serde_with::skip_serializing_none]
#[derive(Debug, Serialize)]
pub struct FormTemplateDetail {
    pub form_template_id: FormTemplateId,
    pub demand_persona_id: OrgId,
    /// The demand's id of the template.
    pub id: i64,
    pub schema_id: FormSchemaId,
    pub schema_version: u64,
    pub name: String,
    pub form_type: String,
    pub language_code: String,
    pub instructions: Option<String>,
    pub clinical_event_name: Option<String>,
    pub admin_eyes_only: bool,
    pub approve_automatically: bool,
    pub display_instructions_in_pdf: bool,
    pub display_report: bool,
    pub exclude_from_shift_report: bool,
    pub notify_alert_queue: bool,
    pub pre_populate: bool,
    pub requires_clock_in: bool,
    pub visit_link_required: bool,
    pub fields: Vec<TemplateFieldBody>,
}

impl From<&FormTemplate> for FormTemplateDetail {
    fn from(t: &FormTemplate) -> Self {
        let d = &t.template;
        Self {
            form_template_id: t.form_template_id,
            demand_persona_id: t.demand_org_id,
            id: d.id,
            schema_id: d.schema_id,
            schema_version: t.schema_version,
            name: d.name.clone(),
            form_type: d.form_type.clone(),
            language_code: d.language_code.clone(),
            instructions: d.instructions.clone(),
            clinical_event_name: d.clinical_event_name.clone(),
            admin_eyes_only: d.admin_eyes_only,
            approve_automatically: d.approve_automatically,
            display_instructions_in_pdf: d.display_instructions_in_pdf,
            display_report: d.display_report,
            exclude_from_shift_report: d.exclude_from_shift_report,
            notify_alert_queue: d.notify_alert_queue,
            pre_populate: d.pre_populate,
            requires_clock_in: d.requires_clock_in,
            visit_link_required: d.visit_link_required,
            fields: t
                .fields
                .iter()
                .map(|f| TemplateFieldBody {
                    field_id: f.field_id,
                    field: f.draft.clone(),
                })
                .collect(),
        }
    }
}
