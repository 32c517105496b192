//! The supplier's views of the offers it was matched to, anonymized until assignment.

use serde::Serialize;

use crate::kernel::ids::{OfferId, ServiceId, TaskId, VisitId};
use crate::kernel::time::{Timestamp, serde_ts};
use crate::marketplace::common::{
    AddressAnon, Allergy, CareType, CaseManager, CustomField, NonEmpty, OfferType,
    OrganizationLean, Price, ReasonCode, Risk,
};
use crate::marketplace::offer::{InboxOffer, MatchedOffer, Offer, OfferHead, Service, Visit};
use crate::marketplace::wire::offers::MatchView;

/// `InboxOfferCore`.
#[serde_with::skip_serializing_none]
#[derive(Debug, Serialize)]
pub struct InboxOfferView {
    pub id: OfferId,
    pub care_type: CareType,
    pub offer_type: OfferType,
    #[serde(with = "serde_ts")]
    pub expires_at: Timestamp,
    #[serde(with = "serde_ts")]
    pub start_at: Timestamp,
    #[serde(with = "serde_ts::option")]
    pub end_at: Option<Timestamp>,
    pub comment: Option<String>,
    pub reason_code: Option<ReasonCode>,
    pub reason_comment: Option<String>,
    pub shift_id: Option<uuid::Uuid>,
    #[serde(with = "serde_ts")]
    pub created_at: Timestamp,
    #[serde(with = "serde_ts::option")]
    pub updated_at: Option<Timestamp>,
}

impl From<&OfferHead> for InboxOfferView {
    fn from(o: &OfferHead) -> Self {
        Self {
            id: o.id,
            care_type: o.care_type,
            offer_type: o.offer_type,
            expires_at: o.expires_at,
            start_at: o.start_at,
            end_at: o.end_at,
            comment: o.comment.clone(),
            reason_code: o.reason_code,
            reason_comment: o.reason_comment.clone(),
            shift_id: o.shift_id,
            created_at: o.created_at,
            updated_at: o.updated_at,
        }
    }
}

impl From<&Offer> for InboxOfferView {
    fn from(o: &Offer) -> Self {
        Self {
            id: o.id,
            care_type: o.care_type,
            offer_type: o.offer_type,
            expires_at: o.expires_at,
            start_at: o.start_at,
            end_at: o.end_at,
            comment: o.comment.clone(),
            reason_code: o.reason_code,
            reason_comment: o.reason_comment.clone(),
            shift_id: o.shift_id,
            created_at: o.created_at,
            updated_at: o.updated_at,
        }
    }
}

/// `InboxOfferCollectionResponse`.
#[derive(Debug, Serialize)]
pub struct InboxOfferSummary {
    pub offer: InboxOfferView,
    #[serde(rename = "match")]
    pub match_: MatchView,
}

impl From<&MatchedOffer> for InboxOfferSummary {
    fn from(m: &MatchedOffer) -> Self {
        Self {
            offer: (&m.offer).into(),
            match_: MatchView::with_status(&m.match_, m.offer.match_status(&m.match_)),
        }
    }
}

/// The anonymized client of `InboxOfferDetailResponse`.
#[derive(Debug, Serialize)]
pub struct AnonClient {
    pub address: AddressAnon,
    pub allergies: Vec<Allergy>,
    pub risks: Vec<Risk>,
    pub custom_fields: Vec<CustomField>,
}

/// The service of `InboxOfferDetailResponse` (`ServiceCore` with an anonymized address) and,
/// with the whole address, of `InboxReferralDetailResponse`.
#[serde_with::skip_serializing_none]
#[derive(Debug, Serialize)]
pub struct InboxServiceView<A = AddressAnon> {
    pub id: ServiceId,
    pub name: NonEmpty,
    #[serde(with = "serde_ts::option")]
    pub start_at: Option<Timestamp>,
    #[serde(with = "serde_ts::option")]
    pub expected_start_at: Option<Timestamp>,
    #[serde(with = "serde_ts::option")]
    pub end_at: Option<Timestamp>,
    pub instructions: Option<String>,
    pub notes: Option<String>,
    pub skills: Vec<String>,
    pub custom_fields: Vec<CustomField>,
    pub use_client_address: Option<bool>,
    pub address: Option<A>,
}

impl<A> InboxServiceView<A> {
    pub fn new(s: &Service, custom_fields: Vec<CustomField>, address: Option<A>) -> Self {
        Self {
            id: s.id,
            name: s.name.clone(),
            start_at: s.start_at,
            expected_start_at: s.expected_start_at,
            end_at: s.end_at,
            instructions: s.instructions.clone(),
            notes: s.notes.clone(),
            skills: s.skills.clone(),
            custom_fields,
            use_client_address: s.use_client_address,
            address,
        }
    }
}

#[serde_with::skip_serializing_none]
#[derive(Debug, Serialize)]
pub struct InboxTaskView {
    pub id: TaskId,
    pub name: NonEmpty,
    pub description: Option<String>,
    pub is_required: bool,
}

/// `InboxOfferVisitResponse` (and `InboxReferralVisitResponse`): no demand-side ids.
#[serde_with::skip_serializing_none]
#[derive(Debug, Serialize)]
pub struct InboxVisitView {
    pub id: VisitId,
    #[serde(with = "serde_ts")]
    pub start_at: Timestamp,
    #[serde(with = "serde_ts")]
    pub end_at: Timestamp,
    pub instructions: Option<String>,
    pub tasks: Vec<InboxTaskView>,
}

impl From<&Visit> for InboxVisitView {
    fn from(v: &Visit) -> Self {
        Self {
            id: v.id,
            start_at: v.start_at,
            end_at: v.end_at,
            instructions: v.instructions.clone(),
            tasks: v
                .tasks
                .iter()
                .map(|t| InboxTaskView {
                    id: t.id,
                    name: t.name.clone(),
                    description: t.description.clone(),
                    is_required: t.is_required,
                })
                .collect(),
        }
    }
}

/// `InboxOfferDetailResponse`.
#[serde_with::skip_serializing_none]
#[derive(Debug, Serialize)]
pub struct InboxOfferDetail {
    pub offer: InboxOfferView,
    /// What a matched supplier may see of the demand's AlayaCare data: [`alayacare_for_supplier`].
    pub alayacare: Option<serde_json::Value>,
    pub case_manager: Option<CaseManager>,
    pub price: Option<Price>,
    pub client: AnonClient,
    pub service: InboxServiceView,
    pub visits: Vec<InboxVisitView>,
    #[serde(rename = "match")]
    pub match_: MatchView,
    pub demand: OrganizationLean,
}

impl From<&InboxOffer> for InboxOfferDetail {
    fn from(opened: &InboxOffer) -> Self {
        let (o, m) = (&opened.offer, &opened.match_);
        let s = &o.service;
        Self {
            offer: o.into(),
            alayacare: o.alayacare.as_ref().and_then(alayacare_for_supplier),
            case_manager: o.case_manager.clone(),
            // What this supplier would be paid: its price less the offer's take rate.
            price: o.price.as_ref().map(|p| {
                o.take_rate
                    .unwrap_or(crate::marketplace::take_rate::TakeRate::ZERO)
                    .supply_price(&p.for_supplier(m.supply_org_id))
            }),
            client: AnonClient {
                address: (&o.client.address).into(),
                allergies: o.client.allergies.clone(),
                risks: o.client.risks.clone(),
                custom_fields: o.client.custom_fields.clone(),
            },
            service: InboxServiceView::new(
                s,
                s.custom_fields.clone(),
                s.address.as_ref().map(AddressAnon::from),
            ),
            visits: o.visits.iter().map(InboxVisitView::from).collect(),
            match_: MatchView::new(o, m),
            demand: opened.demand.clone(),
        }
    }
}

/// The offer's `alayacare` block as a matched supplier sees it before assignment
/// (`InboxOfferAlayaCareResponse` of the published spec, whose properties are all optional):
/// - the care plan's name, dates, status, update time and interventions, without the
///   diagnoses, goals and ids of the demand's system, which the published inbox care plan
///   leaves out: they describe the client's condition, and a supplier only deciding whether to
///   staff the care needs what is to be done;
/// - the form templates, which describe forms, not the client;
/// - not the funding authorizations: member and authorization numbers identify the client and
///   its funder, and are needed only to deliver the care. The assigned supplier reads them on
///   the referral, with the whole block.
///
/// `None` when nothing is left to show.
pub fn alayacare_for_supplier(block: &serde_json::Value) -> Option<serde_json::Value> {
    use serde_json::{Map, Value};
    let keep = |from: &Value, names: &[&str]| -> Map<String, Value> {
        names
            .iter()
            .filter_map(|n| from.get(*n).map(|v| ((*n).to_owned(), v.clone())))
            .collect()
    };
    let mut shown = Map::new();
    if let Some(plan) = block.get("care_plan").filter(|p| p.is_object()) {
        let mut plan = keep(
            plan,
            &["name", "start_date", "end_date", "status", "updated_at"],
        );
        if let Some(Value::Array(items)) = block["care_plan"].get("interventions") {
            let interventions = items
                .iter()
                .map(|i| match i {
                    Value::Object(fields) => Value::Object(
                        fields
                            .iter()
                            .filter(|(k, _)| !matches!(k.as_str(), "goals" | "outbox_id"))
                            .map(|(k, v)| (k.clone(), v.clone()))
                            .collect(),
                    ),
                    other => other.clone(),
                })
                .collect();
            plan.insert("interventions".into(), Value::Array(interventions));
        }
        shown.insert("care_plan".into(), Value::Object(plan));
    }
    if let Some(templates) = block.get("form_templates") {
        shown.insert("form_templates".into(), templates.clone());
    }
    (!shown.is_empty()).then_some(Value::Object(shown))
}
