//! Forms: a demand publishes template versions (its trusted suppliers hear of each), a
//! trusted supplier reads the latest version of a schema, the supplier holding a referral
//! submits a form about one of its services or visits (the demand hears of it), and the demand
//! reads submissions and downloads their attachments.

use crate::edge::error::ApiError;
use crate::events::EventRecord;
use crate::infra::app::App;
use crate::infra::presign::{DownloadKind, presign};
use crate::kernel::ids::{
    FormSchemaId, FormSubmissionFieldId, FormSubmissionId, OrgId, ServiceId, VisitId,
};
use crate::kernel::time::now;
use crate::marketplace::form::{
    FormSubmission, FormTemplate, Subject, SubmissionDraft, TemplateDraft,
};
use crate::marketplace::referral::Referral;
use crate::marketplace::visit::VisitStatus;
use crate::marketplace::wire::forms::FormSubmissionRequest;

use crate::store::races::retry_lost_races;

use crate::store::idempotency::{Once, check_not_answered, key_item};
use crate::store::races::won;

/// `POST /offers/v1/outbox/form_templates` (this platform's extension: the published API has
/// no operation for it): the next version of the schema becomes the latest. The request's
/// idempotency key is written with it, so two retries with one key publish one version. The
/// answer is what `respond` makes of the version published.
pub async fn publish<R: serde::Serialize>(
    app: &App,
    demand: OrgId,
    draft: TemplateDraft,
    once: Option<Once>,
    respond: impl Fn(&FormTemplate) -> R,
) -> Result<R, ApiError> {
    let recipients = app.db.trusted_suppliers(demand).await?;
    let (draft, recipients, once, respond) = (&draft, &recipients, &once, &respond);
    retry_lost_races(
        "The form template is being published by other requests; retry.",
        || async move {
            let latest = app.db.latest_form_template(demand, draft.schema_id).await?;
            let at = now();
            let t = FormTemplate::publish(demand, draft.clone(), latest.as_ref(), at)?;
            // Nobody to tell when the demand trusts no supplier yet.
            let event = (!recipients.is_empty())
                .then(|| EventRecord::form_template(&t, recipients.clone(), at));
            let detail = respond(&t);
            let key = key_item(once.clone(), &detail, at)?;
            let read = latest.map(|l| l.schema_version);
            let written = app
                .db
                .publish_form_template(&t, read, event.as_ref(), key)
                .await;
            let won = won(written)?;
            if won.is_none() {
                // A retry of this request that won published the version: stop, not publish
                // the next one.
                check_not_answered(&app.db, once.as_ref(), now()).await?;
            }
            Ok(won.map(|()| detail))
        },
    )
    .await
}

/// `GET /offers/v1/inbox/form_templates/by_demand_persona_id/{d}/by_schema_id/{s}/latest`:
/// only a supplier in the demand's trusted network sees the demand's forms.
pub async fn latest(
    app: &App,
    supplier: OrgId,
    demand: OrgId,
    schema: FormSchemaId,
) -> Result<FormTemplate, ApiError> {
    if !app.db.is_trusted(demand, supplier).await? {
        return Err(ApiError::not_found("Form template"));
    }
    app.db
        .latest_form_template(demand, schema)
        .await?
        .ok_or_else(|| ApiError::not_found("Form template"))
}

/// The supplier's current referral for `service`: its latest revision.
async fn referral_holding_service(
    app: &App,
    supplier: OrgId,
    service: ServiceId,
) -> Result<Option<Referral>, ApiError> {
    Ok(app
        .db
        .supplier_referral_of_service(supplier, service)
        .await?)
}

/// The referral `supplier` holds that visit `visit` belongs to.
///
/// The referral behind a visit the supplier works: a visit of a visit-type referral or one the
/// supplier scheduled. Someone else's visit, or a deleted one, is not found.
pub async fn referral_holding_visit(
    app: &App,
    supplier: OrgId,
    visit: VisitId,
) -> Result<Option<Referral>, ApiError> {
    let Some(visit) = app
        .db
        .get_visit(visit)
        .await?
        .filter(|v| v.supply_org_id == supplier && v.status != VisitStatus::Deleted)
    else {
        return Ok(None);
    };
    Ok(app
        .db
        .get_referral(visit.referral_id)
        .await?
        .filter(|r| r.supply_org_id == supplier))
}

/// `POST /offers/v1/inbox/form_submissions`: answers what `respond` makes of the submission.
pub async fn submit<R: serde::Serialize>(
    app: &App,
    supplier: OrgId,
    req: FormSubmissionRequest,
    once: Option<Once>,
    respond: impl FnOnce(&FormSubmission) -> R,
) -> Result<R, ApiError> {
    let subject = Subject::from_ids(req.service_id, req.visit_id)?;
    let referral = match subject {
        Subject::Service(id) => referral_holding_service(app, supplier, id)
            .await?
            .ok_or_else(|| ApiError::not_found("Service"))?,
        Subject::Visit(id) => referral_holding_visit(app, supplier, id)
            .await?
            .ok_or_else(|| ApiError::not_found("Visit"))?,
    };
    let template = app
        .db
        .get_form_template(req.form_template_id)
        .await?
        .ok_or_else(|| ApiError::not_found("Form template"))?;
    let at = now();
    let submission = FormSubmission::submit(
        &template,
        &referral,
        SubmissionDraft {
            subject,
            work_session_id: req.work_session_id,
            fields: req.fields.into_vec(),
            hidden_fields: req.hidden_fields,
        },
        at,
    )?;
    let event = EventRecord::form_submission(&submission, at);
    let created = respond(&submission);
    let key = key_item(once, &created, at)?;
    app.db.put_form_submission(&submission, &event, key).await?;
    Ok(created)
}

/// `GET /offers/v1/outbox/form_submissions/{form_submission_id}`
pub async fn get(
    app: &App,
    demand: OrgId,
    id: FormSubmissionId,
) -> Result<FormSubmission, ApiError> {
    app.db
        .get_form_submission(id)
        .await?
        .filter(|s| s.demand_org_id == demand)
        .ok_or_else(|| ApiError::not_found("Form submission"))
}

/// `GET /offers/v1/outbox/form_submissions/fields/{id}/attachment/presigned`
pub async fn presign_attachment(
    app: &App,
    base_url: &str,
    demand: OrgId,
    id: FormSubmissionFieldId,
) -> Result<String, ApiError> {
    app.db
        .get_form_attachment(id)
        .await?
        .filter(|a| a.demand_org_id == demand)
        .ok_or_else(|| ApiError::not_found("Form submission field"))?;
    let kind = DownloadKind::FormAttachment;
    presign(&app.aws, &app.config, base_url, kind, id.0, demand).await
}
