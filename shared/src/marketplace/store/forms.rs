//! Form templates (every version by id, and the latest per demand and schema), form
//! submissions, and a pointer per attachment field so its download URL is found by field id.

use serde::{Deserialize, Serialize};

use crate::events::EventRecord;
use crate::kernel::ids::{
    FormSchemaId, FormSubmissionFieldId, FormSubmissionId, FormTemplateId, OrgId,
};
use crate::marketplace::form::{FormSubmission, FormTemplate};

use crate::store::db::{Cond, Db, DbError, Item, Keys, Tx, to_item};

fn template_keys(id: FormTemplateId) -> Keys {
    Keys::new(format!("FORMTPL#{id}"), "FORMTPL")
}

fn latest_keys(demand: OrgId, schema: FormSchemaId) -> Keys {
    Keys::new(format!("FORMSCHEMA#{demand}#{schema}"), "LATEST")
}

fn submission_keys(id: FormSubmissionId) -> Keys {
    Keys::new(format!("FORMSUB#{id}"), "FORMSUB")
}

fn attachment_keys(id: FormSubmissionFieldId) -> Keys {
    Keys::new(format!("FORMFIELD#{id}"), "FORMFIELD")
}

/// A template version as stored: the template as one JSON document, because its fields'
/// `json_logic` and `settings` are free-form JSON whose numbers DynamoDB's number type cannot
/// always hold. The latest item's `version` (= its `schema_version`) guards publishing, so two
/// concurrent publications cannot both become version n + 1.
#[derive(Serialize, Deserialize)]
struct TemplateItem {
    version: u64,
    form_template_id: FormTemplateId,
    demand_org_id: OrgId,
    schema_id: FormSchemaId,
    template: String,
}

impl TemplateItem {
    fn encode(t: &FormTemplate) -> Result<Self, DbError> {
        Ok(Self {
            version: t.schema_version,
            form_template_id: t.form_template_id,
            demand_org_id: t.demand_org_id,
            schema_id: t.template.schema_id,
            template: serde_json::to_string(t).map_err(|e| DbError::Codec(e.to_string()))?,
        })
    }

    fn decode(self) -> Result<FormTemplate, DbError> {
        serde_json::from_str(&self.template).map_err(|e| DbError::Codec(e.to_string()))
    }
}

/// An answered attachment field: which submission (and so which demand) it belongs to.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AttachmentRef {
    pub field_id: FormSubmissionFieldId,
    pub form_submission_id: FormSubmissionId,
    pub demand_org_id: OrgId,
    pub url: String,
}

#[derive(Deserialize)]
struct TrustRef {
    #[allow(dead_code)]
    supply_org_id: OrgId,
}

impl Db {
    pub async fn latest_form_template(
        &self,
        demand: OrgId,
        schema: FormSchemaId,
    ) -> Result<Option<FormTemplate>, DbError> {
        let keys = latest_keys(demand, schema);
        self.get::<TemplateItem>(&keys.pk, &keys.sk)
            .await?
            .map(TemplateItem::decode)
            .transpose()
    }

    pub async fn get_form_template(
        &self,
        id: FormTemplateId,
    ) -> Result<Option<FormTemplate>, DbError> {
        let keys = template_keys(id);
        self.get::<TemplateItem>(&keys.pk, &keys.sk)
            .await?
            .map(TemplateItem::decode)
            .transpose()
    }

    /// Stores a new version, makes it the latest over the version read (`None`: the schema's
    /// first) and writes its event, if anyone is to hear it, and `also` (the request's
    /// idempotency key) — all or nothing.
    pub async fn publish_form_template(
        &self,
        t: &FormTemplate,
        read: Option<u64>,
        event: Option<&EventRecord>,
        also: Option<(Item, Cond)>,
    ) -> Result<(), DbError> {
        let stored = TemplateItem::encode(t)?;
        let mut tx = Tx::new();
        tx.put_each(also);
        tx.put(
            to_item("form_template", &template_keys(t.form_template_id), &stored)?,
            Cond::New,
        );
        tx.put(
            to_item(
                "form_template_latest",
                &latest_keys(t.demand_org_id, t.template.schema_id),
                &stored,
            )?,
            read.map_or(Cond::New, Cond::Version),
        );
        if let Some(e) = event {
            tx.put(self.event_item(e)?, Cond::New);
        }
        self.transact(tx).await
    }

    /// Whether `supply` is in `demand`'s trusted network.
    pub async fn is_trusted(&self, demand: OrgId, supply: OrgId) -> Result<bool, DbError> {
        Ok(self
            .get::<TrustRef>(&format!("ORG#{demand}"), &format!("TRUST#{supply}"))
            .await?
            .is_some())
    }

    /// Stores a submission, a pointer per attachment, the event and `also` (the request's
    /// idempotency key) in one transaction.
    pub async fn put_form_submission(
        &self,
        s: &FormSubmission,
        event: &EventRecord,
        also: Option<(Item, Cond)>,
    ) -> Result<(), DbError> {
        let mut tx = Tx::new();
        tx.put_each(also);
        tx.put(
            to_item("form_submission", &submission_keys(s.id), s)?,
            Cond::New,
        );
        for f in s.attachments() {
            let pointer = AttachmentRef {
                field_id: f.id,
                form_submission_id: s.id,
                demand_org_id: s.demand_org_id,
                url: f.value.clone(),
            };
            tx.put(
                to_item("form_attachment", &attachment_keys(f.id), &pointer)?,
                Cond::New,
            );
        }
        tx.put(self.event_item(event)?, Cond::New);
        self.transact(tx).await
    }

    pub async fn get_form_submission(
        &self,
        id: FormSubmissionId,
    ) -> Result<Option<FormSubmission>, DbError> {
        let keys = submission_keys(id);
        self.get(&keys.pk, &keys.sk).await
    }

    pub async fn get_form_attachment(
        &self,
        id: FormSubmissionFieldId,
    ) -> Result<Option<AttachmentRef>, DbError> {
        let keys = attachment_keys(id);
        self.get(&keys.pk, &keys.sk).await
    }
}
