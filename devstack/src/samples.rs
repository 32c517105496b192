//! The records the `events/` samples name: offers, referrals, visits in every state a visit
//! operation starts from, a message with a file, a form and its submission, the subscriptions,
//! jobs and clients of the machine APIs, a finished sign-up and an approval. They are made
//! through the stack's own routes, as the demo users, after the demo data
//! ([`Stack::seed_samples`]), and [`Samples::substitute`] points a sample at them.
//!
//! A sample that changes what it names (closes, cancels, deletes, deactivates) names a record
//! of its own, so the samples answer the same in any order: `tests/platform/samples.rs` runs
//! each once against these records and checks what it answers.

use std::collections::BTreeMap;

use serde_json::{Value, json};
use shared::kernel::ids::OrgId;
use shared::marketplace::organization::{AssignmentMode, Organization};

use crate::invoke::{Credentials, Persona, http, text};
use crate::seed::{DEMAND_ORG, SUPPLY_A_ORG, SUPPLY_B_ORG, Samples, User};
use crate::{Error, Stack};

/// The organization of [`Persona::Spare`]: both personas, trusting both suppliers, and in
/// Maple's network.
pub const SPARE_ORG: &str = "8d0b7a5e-1c7e-4f65-9a53-3b2f1d1e0a04";

/// The callback the hub samples name. Its host does not resolve here, so locally it points at
/// the stack's own sink ([`crate::server::HOOKS_PATH`]).
const SAMPLE_CALLBACK: &str = "https://hooks.example.com/onap/listener";

/// The ids the samples write, by the record they stand for.
mod sample {
    pub const OFFER: &str = "3d6f8a1e-2b4c-4d7e-9f10-6a2b3c4d5e6f";
    pub const OFFER_TO_ACCEPT: &str = "ec4ceaa9-777a-4fb2-8293-0be9fd9ea02b";
    pub const OFFER_TO_DECLINE: &str = "aea2c15a-a4a1-417f-a12f-4768d77ed471";
    pub const OFFER_TO_CLOSE: &str = "9b7a9005-58a6-4b30-9d4d-a8035a694202";
    pub const OFFER_TO_ASSIGN: &str = "8895b4ef-f77c-4f18-8666-b2e02a3f4f45";
    pub const MATCH_TO_ASSIGN: &str = "c2a7e9d4-5b3f-4e1a-9c8d-7f6e5d4c3b2a";
    /// Processed by supplier A, its first task mapped to `task-inbox-1`; the visits' referral.
    pub const REFERRAL: &str = "8b1e4f2a-7c3d-4e5f-a6b7-c8d9e0f1a2b3";
    pub const REFERRAL_TASK: &str = "3fa85f64-5717-4562-b3fc-2c963f66afa6";
    pub const SERVICE: &str = "9a7c3f1e-2b4d-4e6f-8a1b-3c5d7e9f0a12";
    pub const SEQUENCE: &str = "2b8e6f1a-9c3d-4e5f-8a7b-6c5d4e3f2a1b";
    pub const REFERRAL_TO_PROCESS: &str = "7c2e9a41-5b3d-4f6e-8a1c-2d3e4f5a6b7c";
    pub const REFERRAL_TO_UPDATE: &str = "d1ebf723-3c40-5e6f-aa66-7a973c44c3fc";
    pub const REFERRAL_TO_CANCEL_IN: &str = "b10890a4-0ad3-4115-bcea-99b171a5f6c3";
    pub const REFERRAL_TO_CANCEL_OUT: &str = "e2c15011-58d6-46c9-b4dd-4a181e9d34cf";
    pub const MESSAGE: &str = "9f8e7d6c-5b4a-4c3d-8e2f-1a0b9c8d7e6f";
    pub const FILE: &str = "cb84bce8-ea78-580a-b536-f5035704f1cc";
    /// The visit the read samples show; scheduled as `visit-0001`.
    pub const VISIT: &str = "6ef3e186-8742-5501-b36b-9243c54be83b";
    /// A visit whose work session `ws-inbox-1` is open (`work_sessions.end`).
    pub const VISIT_WORKED: &str = "ec2c51d9-9f11-420f-85ed-b4e58a00ad1c";
    /// A visit with the task `task-inbox-1` on it.
    pub const VISIT_WITH_TASK: &str = "da13148e-2a99-5204-98f9-c0a1f910f66e";
    pub const VISIT_TASK: &str = "9e8d7c6b-5a49-4382-b1c0-dfe1f2a3b4c5";
    /// Visits scheduled (and assigned or held where the operation starts there), each
    /// for the operation its sample runs.
    pub const VISITS: [(&str, &str); 10] = [
        ("eacee58b-f584-58ce-8cbd-7ff9ac52dc2c", "assign"),
        ("0338da8f-e120-5d0b-a02e-6e5f8c20c1e2", "unassign"),
        ("7d3f4966-cde2-5bd9-92f0-0c5e2ed9c525", "hold"),
        ("766235b7-23fe-5fae-89b6-84919faf9e16", "reactivate"),
        ("f3309e8b-807b-53ab-9510-770e2fe1fddb", "cancel"),
        ("7ff4ba87-be08-5364-ae13-9139c29f7303", "delete"),
        ("c0f482b7-ce80-51b2-9048-46df94b04653", "reschedule"),
        ("418977f7-3a03-5d90-854a-2cd0cbdd8b16", "adjust-timekeeping"),
        ("6dda0efc-8370-59f7-b8cf-87f35cd412aa", "create-tasks"),
        ("5d0c7e2a-3f41-4b8e-9c6d-1a2b3c4d5e6f", "start-work"),
    ];
    pub const FORM_SCHEMA: &str = "f27bcd04-56b1-57f8-92eb-5d04eb9377b2";
    pub const FORM_TEMPLATE: &str = "5b0e8a52-3f0c-4d47-9a43-0c2f8e1b7d10";
    pub const FORM_FIELD: &str = "0d9e7b31-6c2a-4f85-b1e4-7a3c9d2f5e01";
    pub const FORM_SUBMISSION: &str = "4c9c0983-f4aa-5eda-aec9-74fbe84e7a1c";
    pub const FORM_ATTACHMENT_FIELD: &str = "b18430ac-31ca-5bfb-923f-a37cc3087511";
    pub const HUB: &str = "7e1d2c3b-4a59-4687-9a0b-1c2d3e4f5a6b";
    pub const HUB_TO_DELETE: &str = "cfb05b1f-894a-4650-9955-5373e9360768";
    pub const NOTIFICATION: &str = "0b7c4f6e-2a8d-4a57-9f59-1e2d3c4b5a69";
    pub const NOTIFICATION_TO_DELETE: &str = "6a1f0e2d-3c4b-4a59-8e7f-0d1c2b3a4f5e";
    pub const SNS_SUBSCRIPTION: &str = "arn:aws:sns:us-east-1:123456789012:local-outbox-messages:0f4e2b6a-8c1d-4e3f-9a5b-7c6d5e4f3a2b";
    pub const APPROVAL: &str = "sample-approval";
    pub const PENDING_SIGN_UP: &str = "pending-admin@example.org";
    pub const RETIRED_CLIENT: &str = "retired-etl";
    pub const COLLECTOR_SUBSCRIPTION: &str = "sub-customers";
    pub const JOBS: [&str; 3] = [
        "weekly-reminder",
        "retired-reminder-1",
        "retired-reminder-2",
    ];
}

/// Calls the stack's routes as the demo users, expecting success.
struct Client<'a, 's> {
    stack: &'s Stack,
    credentials: &'a mut Credentials<'s>,
}

impl Client<'_, '_> {
    async fn call(
        &mut self,
        who: Persona,
        method: &str,
        path: &str,
        body: Value,
    ) -> Result<Value, Error> {
        let token = text(self.credentials.login(who).await?, "IdToken")?;
        let body = if body.is_null() {
            String::new()
        } else {
            body.to_string()
        };
        let answer = http(
            self.stack,
            method,
            path,
            &[("authorization", &token)],
            &body,
        )
        .await?;
        Ok(parsed(&answer))
    }

    async fn machine(&mut self, method: &str, path: &str, body: Value) -> Result<Value, Error> {
        let token = self.credentials.machine().await?;
        let tenant = self.credentials.demo().machine.tenant.clone();
        let headers = [
            ("authorization", token.as_str()),
            ("x-twc-tenant", tenant.as_str()),
        ];
        let answer = http(self.stack, method, path, &headers, &body.to_string()).await?;
        Ok(parsed(&answer))
    }
}

fn parsed(answer: &Value) -> Value {
    answer["body"]
        .as_str()
        .and_then(|b| serde_json::from_str(b).ok())
        .unwrap_or(Value::Null)
}

fn id(v: &Value) -> Result<String, Error> {
    v.as_str()
        .map(str::to_owned)
        .ok_or_else(|| Error::Setup(format!("no id in {v}")))
}

/// The body of `handler`'s sample.
fn sample_body(stack: &Stack, handler: &str) -> Result<Value, Error> {
    let event = crate::invoke::sample(stack, handler)?;
    event["body"]
        .as_str()
        .and_then(|b| serde_json::from_str(b).ok())
        .ok_or_else(|| Error::Setup(format!("events/{handler}.json has no JSON body")))
}

impl Stack {
    /// Makes the records the samples name, after [`Stack::seed_demo`]. `port` is where the
    /// stack serves its API on loopback: the hub samples' callback points at its sink.
    pub async fn seed_samples(&self, port: u16) -> Result<Samples, Error> {
        if let Some(samples) = self.samples() {
            return Ok(samples.clone());
        }
        let spare = self.seed_spare().await?;
        let mut credentials = Credentials::new(self)?;
        let mut c = Client {
            stack: self,
            credentials: &mut credentials,
        };
        let mut ids = BTreeMap::new();
        let file_id = self.seed_offers(&mut c, &mut ids).await?;
        self.seed_machine_records(&mut c, &mut ids, port).await?;
        self.seed_organizations(&mut c, &mut ids).await?;
        let samples = Samples {
            spare,
            file_id,
            ids,
        };
        let _ = self.samples.set(samples.clone());
        Ok(samples)
    }

    async fn seed_spare(&self) -> Result<User, Error> {
        let org_id: OrgId = SPARE_ORG.parse().expect("a valid id");
        let demand = crate::seed::demand_org(org_id, "Birch Care Co-op", AssignmentMode::Manual);
        let org = Organization {
            supply: crate::seed::supply_org(
                org_id,
                "",
                &[shared::marketplace::common::CareType::Psw],
            )
            .supply,
            ..crate::seed::with_profile(demand, "spare-admin@example.com")
        };
        self.put_org(&org).await?;
        for supplier in [SUPPLY_A_ORG, SUPPLY_B_ORG] {
            self.trust(org_id, supplier.parse().expect("a valid id"))
                .await?;
        }
        // For the sys_admin sample that takes a supplier out of Maple's network.
        self.trust(DEMAND_ORG.parse().expect("a valid id"), org_id)
            .await?;
        self.create_user(
            "spare-admin@example.com",
            "Spare-Passw0rd!",
            "Sasha Spare",
            shared::identity::auth::ORG_ADMIN,
            Some(&org),
        )
        .await
    }

    /// Offers, referrals, visits, messages and forms between Maple (demand) and Northern
    /// Care Partners (supplier A); the id of the message file.
    async fn seed_offers(
        &self,
        c: &mut Client<'_, '_>,
        ids: &mut BTreeMap<String, String>,
    ) -> Result<String, Error> {
        use Persona::{Demand, SupplyA};
        let offer_body = sample_body(self, "offers.outbox.offers.create")?;
        let offer = async |c: &mut Client<'_, '_>| -> Result<String, Error> {
            let created = c
                .call(
                    Demand,
                    "POST",
                    "/offers/v1/outbox/offers",
                    offer_body.clone(),
                )
                .await?;
            id(&created["offer"]["id"])
        };
        for key in [
            sample::OFFER,
            sample::OFFER_TO_ACCEPT,
            sample::OFFER_TO_DECLINE,
            sample::OFFER_TO_CLOSE,
            sample::OFFER_TO_ASSIGN,
        ] {
            ids.insert(key.into(), offer(c).await?);
        }
        let to_assign = ids[sample::OFFER_TO_ASSIGN].clone();
        c.call(
            SupplyA,
            "POST",
            &format!("/offers/v1/inbox/offers/{to_assign}/accept"),
            json!({}),
        )
        .await?;
        let matches = c
            .call(
                Demand,
                "GET",
                &format!("/offers/v1/outbox/offers/{to_assign}/matches?response=accepted"),
                Value::Null,
            )
            .await?;
        ids.insert(
            sample::MATCH_TO_ASSIGN.into(),
            id(&matches["items"][0]["match"]["id"])?,
        );

        // Referrals sent straight to supplier A.
        let referral_body = sample_body(self, "offers.outbox.referrals.create")?;
        let referral = async |c: &mut Client<'_, '_>| -> Result<Value, Error> {
            c.call(
                Demand,
                "POST",
                "/offers/v1/outbox/referrals",
                referral_body.clone(),
            )
            .await
        };
        let main = referral(c).await?;
        let referral_id = id(&main["referral"]["id"])?;
        ids.insert(sample::REFERRAL.into(), referral_id.clone());
        ids.insert(sample::SERVICE.into(), id(&main["service"]["id"])?);
        ids.insert(
            sample::SEQUENCE.into(),
            id(&main["referral"]["sequence_id"])?,
        );
        ids.insert(
            sample::REFERRAL_TASK.into(),
            id(&main["visits"][0]["tasks"][0]["id"])?,
        );
        for key in [
            sample::REFERRAL_TO_PROCESS,
            sample::REFERRAL_TO_UPDATE,
            sample::REFERRAL_TO_CANCEL_IN,
            sample::REFERRAL_TO_CANCEL_OUT,
        ] {
            ids.insert(key.into(), id(&referral(c).await?["referral"]["id"])?);
        }
        let inbox = format!("/offers/v1/inbox/referrals/{referral_id}");
        c.call(
            SupplyA,
            "POST",
            &format!("{inbox}/mark_processed"),
            Value::Null,
        )
        .await?;
        let tasks = json!({"client_tasks": [{"id": ids[sample::REFERRAL_TASK], "inbox_id": "task-inbox-1"}]});
        c.call(SupplyA, "POST", &format!("{inbox}/tasks/update"), tasks)
            .await?;

        // Visits on it, one per operation that changes a visit.
        let schedule = async |c: &mut Client<'_, '_>, inbox_id: &str| -> Result<String, Error> {
            let body = json!({"referral_id": referral_id, "inbox_id": inbox_id,
                "start_at": "2030-01-15T09:00:00Z", "end_at": "2030-01-15T10:00:00Z"});
            id(&c
                .call(SupplyA, "POST", "/offers/v1/inbox/visits/schedule", body)
                .await?["id"])
        };
        ids.insert(sample::VISIT.into(), schedule(c, "visit-0001").await?);
        for (key, purpose) in sample::VISITS {
            ids.insert(
                key.into(),
                schedule(c, &format!("visit-to-{purpose}")).await?,
            );
        }
        let visit = |key: &str| format!("/offers/v1/inbox/visits/{}", ids[key]);
        let caregiver = json!({"employee_id": 1042, "first_name": "Grace", "last_name": "Hopper"});
        c.call(
            SupplyA,
            "POST",
            &format!("{}/assign", visit(sample::VISITS[1].0)),
            caregiver,
        )
        .await?;
        c.call(
            SupplyA,
            "POST",
            &format!("{}/hold", visit(sample::VISITS[3].0)),
            Value::Null,
        )
        .await?;
        let with_task = schedule(c, "visit-with-task").await?;
        let tasks = c
            .call(
                SupplyA,
                "POST",
                &format!("/offers/v1/inbox/visits/{with_task}/tasks"),
                json!({"inbox_ids": ["task-inbox-1"]}),
            )
            .await?;
        ids.insert(sample::VISIT_WITH_TASK.into(), with_task);
        ids.insert(sample::VISIT_TASK.into(), id(&tasks["tasks"][0]["id"])?);
        let worked = schedule(c, "visit-worked").await?;
        let start = json!({"visit_id": worked, "inbox_id": "ws-inbox-1",
            "start_at": "2030-01-15T09:02:00Z"});
        c.call(
            SupplyA,
            "POST",
            "/offers/v1/inbox/work_sessions/start",
            start,
        )
        .await?;
        ids.insert(sample::VISIT_WORKED.into(), worked);

        // A message from the demand, and the supplier's reply with a file.
        let sequence = ids[sample::SEQUENCE].clone();
        let message = c
            .call(
                Demand,
                "POST",
                "/offers/v1/outbox/messages",
                json!({"sequence_id": sequence, "category": "comment", "text": "Can you start Monday?"}),
            )
            .await?;
        ids.insert(sample::MESSAGE.into(), id(&message["message"]["id"])?);
        let reply = c
            .call(
                SupplyA,
                "POST",
                "/offers/v1/inbox/messages",
                json!({"sequence_id": sequence, "category": "client_attachment",
                    "text": "Consent attached.",
                    "file": {"url": "https://files.example.com/consent.pdf", "name": "consent.pdf",
                        "size_in_bytes": 4821}}),
            )
            .await?;
        let file_id = id(&reply["message"]["file"]["id"])?;
        ids.insert(sample::FILE.into(), file_id.clone());

        // A form (the publish sample's, as schema FORM_SCHEMA) and a submission about the
        // referral's service with its attachment answered.
        let mut template = sample_body(self, "offers.outbox.form_templates.publish")?;
        template["schema_id"] = sample::FORM_SCHEMA.into();
        let template = c
            .call(Demand, "POST", "/offers/v1/outbox/form_templates", template)
            .await?;
        let field = |i: usize| id(&template["fields"][i]["field_id"]);
        ids.insert(
            sample::FORM_TEMPLATE.into(),
            id(&template["form_template_id"])?,
        );
        ids.insert(sample::FORM_FIELD.into(), field(0)?);
        let submission = json!({
            "form_template_id": template["form_template_id"],
            "service_id": ids[sample::SERVICE],
            "fields": [
                {"field_id": field(0)?, "value_type": "boolean", "value": "true"},
                {"field_id": field(2)?, "value_type": "attachment",
                    "value": "https://files.example.com/signed-care-plan.pdf"},
            ],
        });
        let submission = c
            .call(
                SupplyA,
                "POST",
                "/offers/v1/inbox/form_submissions",
                submission,
            )
            .await?;
        let submission_id = id(&submission["id"])?;
        let detail = c
            .call(
                Demand,
                "GET",
                &format!("/offers/v1/outbox/form_submissions/{submission_id}"),
                Value::Null,
            )
            .await?;
        let attachment = detail["fields"]
            .as_array()
            .and_then(|f| f.iter().find(|f| f["value_type"] == "attachment"))
            .ok_or_else(|| Error::Setup(format!("no attachment field in {detail}")))?;
        ids.insert(sample::FORM_ATTACHMENT_FIELD.into(), id(&attachment["id"])?);
        ids.insert(sample::FORM_SUBMISSION.into(), submission_id);
        Ok(file_id)
    }

    /// The hub and notification subscriptions, collector subscription and jobs, and the
    /// client the machine API samples name, all of the demo tenant.
    async fn seed_machine_records(
        &self,
        c: &mut Client<'_, '_>,
        ids: &mut BTreeMap<String, String>,
        port: u16,
    ) -> Result<(), Error> {
        let callback = format!(
            "http://localhost:{port}{}/onap/listener",
            crate::server::HOOKS_PATH
        );
        ids.insert(SAMPLE_CALLBACK.into(), callback);
        let hub = Samples::replace_ids(ids, sample_body(self, "externalapi.hub.create")?);
        for key in [sample::HUB, sample::HUB_TO_DELETE] {
            let created = c
                .machine("POST", "/externalapi/hub/v1/hub", hub.clone())
                .await?;
            ids.insert(key.into(), id(&created["id"])?);
        }
        let notification = sample_body(self, "notification.subscriptions.create")?;
        for key in [sample::NOTIFICATION, sample::NOTIFICATION_TO_DELETE] {
            let created = c
                .machine(
                    "POST",
                    "/notification/v1/subscriptions",
                    notification.clone(),
                )
                .await?;
            ids.insert(key.into(), id(&created["id"])?);
        }
        let mut subscription = sample_body(self, "collector.event_subscription.create")?;
        subscription["id"] = sample::COLLECTOR_SUBSCRIPTION.into();
        c.machine("POST", "/api/v1/event-subscription", subscription)
            .await?;
        let mut job = sample_body(self, "collector.jobs.create")?;
        for key in sample::JOBS {
            job["id"] = key.into();
            c.machine("POST", "/api/v1/jobs", job.clone()).await?;
        }
        let event = sample_body(self, "collector.events.create")?;
        c.machine("POST", "/api/v1/events", event).await?;
        let demo = c.credentials.demo().machine.clone();
        self.create_machine_client(
            sample::RETIRED_CLIENT,
            "Retired-Etl-Secret-0001",
            &demo.tenant,
            &demo.scopes,
        )
        .await?;
        Ok(())
    }

    /// A finished sign-up awaiting its confirmation, the auto-sign-up sample's organization
    /// (its later steps configure it), and an SNS subscription to cancel.
    async fn seed_organizations(
        &self,
        c: &mut Client<'_, '_>,
        ids: &mut BTreeMap<String, String>,
    ) -> Result<(), Error> {
        // The anonymous sign-up sample's own (an approval is used up by one sign-up).
        self.app()
            .db
            .put_approval(sample::APPROVAL)
            .await
            .map_err(|e| Error::Aws(e.to_string()))?;
        let mut sign_up = sample_body(self, "organizations.sys_admin.sign_up")?;
        sign_up["username"] = sample::PENDING_SIGN_UP.into();
        c.call(
            Persona::SysAdmin,
            "POST",
            "/organizations/v1/sys_admin/sign_up",
            sign_up,
        )
        .await?;
        let handler = "organizations.sys_admin.auto_sign_up.sign_up";
        let input = crate::invoke::sample(self, handler)?;
        let input = c.credentials.fill(handler, input, None).await?;
        crate::invoke::invoke_named(self, handler, input, std::time::Duration::from_secs(60))
            .await?;
        let subscribe = sample_body(self, "organizations.sys_admin.subscribe")?;
        let subscribed = c
            .call(
                Persona::SysAdmin,
                "POST",
                &format!("/organizations/v1/sys_admin/{DEMAND_ORG}/subscribe"),
                subscribe,
            )
            .await?;
        ids.insert(
            sample::SNS_SUBSCRIPTION.into(),
            id(&subscribed["subscription_arn"])?,
        );
        Ok(())
    }
}
