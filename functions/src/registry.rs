//! The handler registry: the lists that tie a `Handler` name in the stack templates to code.
//! There is one list per nested stack (stacks/<stack>.yaml), and each is the whole content of
//! that stack's binary (`src/bin/<stack>.rs`), so a function links only its own family's
//! handlers and the clients they call. [`REGISTRY`] names them all, for the local stack and the
//! tests; no binary refers to it. A test (tests/platform/drift.rs) checks the lists against
//! the templates (including each function's `BuildProperties.Binary`), `events/` and
//! `docs/openapi.yaml`.

use std::future::Future;
use std::pin::Pin;

use aws_lambda_events::event::dynamodb::Event as DynamoDbEvent;
use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use aws_lambda_events::event::streams::DynamoDbEventResponse;
use lambda_http::Request;
use shared::error::Family;
use shared::http::HttpResponse;
use shared::time::Timestamp;
use shared::{ApiError, App};

use crate::{auth, collector, events, externalapi, notification, oauth, offers, organizations};

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;
pub type HttpFn = for<'a> fn(&'a App, Request) -> BoxFuture<'a, HttpResponse>;
pub type StreamFn = for<'a> fn(&'a App, DynamoDbEvent) -> BoxFuture<'a, DynamoDbEventResponse>;
/// An SQS consumer: a batch of messages in, the ones to receive again out.
pub type QueueFn = for<'a> fn(&'a App, SqsEvent) -> BoxFuture<'a, SqsBatchResponse>;
/// A scheduled function, given the scheduled event's time as its clock.
pub type ScheduleFn =
    for<'a> fn(&'a App, Timestamp) -> BoxFuture<'a, Result<serde_json::Value, ApiError>>;
/// A Step Functions Task state's function: the state's input in, its result out.
pub type TaskFn =
    for<'a> fn(&'a App, serde_json::Value) -> BoxFuture<'a, Result<serde_json::Value, ApiError>>;

#[derive(Clone, Copy)]
pub enum Handler {
    /// An API Gateway HTTP API route (payload v2).
    Http {
        method: &'static str,
        path: &'static str,
        /// The API family, which decides the error body's shape.
        family: Family,
        call: HttpFn,
    },
    /// A DynamoDB stream consumer that reports `batchItemFailures`.
    DynamoDbStream(StreamFn),
    /// An SQS queue consumer that reports `batchItemFailures` (the delivery senders).
    Queue(QueueFn),
    /// An EventBridge schedule target.
    Schedule(ScheduleFn),
    /// A Task state of a Step Functions state machine. A failure is reported with the
    /// error kind's code as its error name ([`task_error_name`]), which the state machine's
    /// `Retry` and `Catch` match.
    Task(TaskFn),
}

/// The error name a failed task reports to Step Functions: the error kind's code
/// (`internal_error`, `conflict`, ...), stable for the state machine's `Retry` rules.
pub fn task_error_name(e: &ApiError) -> &'static str {
    e.kind.code()
}

pub struct Entry {
    pub name: &'static str,
    pub handler: Handler,
}

/// Wraps `async fn(&App, Request) -> Result<HttpResponse, ApiError>` into an [`HttpFn`] that
/// renders errors in the family's shape.
macro_rules! http {
    ($family:expr, $method:literal, $path:literal, $f:path) => {{
        fn call(app: &App, req: Request) -> BoxFuture<'_, HttpResponse> {
            Box::pin(async move {
                let path = req.uri().path().to_owned();
                shared::http::respond($family, &path, $f(app, req).await)
            })
        }
        Handler::Http {
            method: $method,
            path: $path,
            family: $family,
            call,
        }
    }};
}

/// Wraps `async fn(&App, Input) -> Result<Output, ApiError>` into a [`TaskFn`]: the state's
/// input is decoded into `Input` (a 400-kind error if it does not fit) and the output encoded.
macro_rules! task {
    ($f:path) => {{
        fn call(
            app: &App,
            input: serde_json::Value,
        ) -> BoxFuture<'_, Result<serde_json::Value, ApiError>> {
            Box::pin(async move {
                let input = serde_json::from_value(input)
                    .map_err(|e| ApiError::bad_request(format!("task input: {e}")))?;
                let output = $f(app, input).await?;
                serde_json::to_value(output).map_err(ApiError::internal)
            })
        }
        Handler::Task(call)
    }};
}

const AM: Family = Family::AlayaMarket;
const OAUTH: Family = Family::OAuth;
const TWC: Family = Family::EventCollector;
const NOTIFICATION: Family = Family::Notification;
const LISTENER: Family = Family::Listener;

/// stacks/auth.yaml: the Auth API (`auth.*`) and the machine clients (`oauth.*`).
pub static AUTH_HANDLERS: &[Entry] = &[
    Entry {
        name: "auth.healthz",
        handler: http!(AM, "GET", "/auth/v1/status/healthz", auth::healthz),
    },
    Entry {
        name: "auth.login",
        handler: http!(AM, "POST", "/auth/v1/login", auth::login),
    },
    Entry {
        name: "auth.current_identity",
        handler: http!(
            AM,
            "GET",
            "/auth/v1/current_identity",
            auth::current_identity
        ),
    },
    Entry {
        name: "auth.change_password",
        handler: http!(
            AM,
            "POST",
            "/auth/v1/change_password",
            auth::change_password
        ),
    },
    Entry {
        name: "auth.forgot_password",
        handler: http!(
            AM,
            "POST",
            "/auth/v1/forgot_password",
            auth::forgot_password
        ),
    },
    Entry {
        name: "auth.confirm_forgot_password",
        handler: http!(
            AM,
            "POST",
            "/auth/v1/confirm_forgot_password",
            auth::confirm_forgot_password
        ),
    },
    Entry {
        name: "oauth.token",
        handler: http!(
            OAUTH,
            "POST",
            "/auth/realms/{realm}/protocol/openid-connect/token",
            oauth::token
        ),
    },
    Entry {
        name: "oauth.create_client",
        handler: http!(OAUTH, "POST", "/oauth/v1/clients", oauth::create_client),
    },
    Entry {
        name: "oauth.get_client",
        handler: http!(
            OAUTH,
            "GET",
            "/oauth/v1/clients/{client_id}",
            oauth::get_client
        ),
    },
    Entry {
        name: "oauth.delete_client",
        handler: http!(
            OAUTH,
            "DELETE",
            "/oauth/v1/clients/{client_id}",
            oauth::delete_client
        ),
    },
];

/// stacks/offers.yaml: the Offers API, offer expiry and the outbox/inbox publisher
/// (`events.publish`).
pub static OFFERS_HANDLERS: &[Entry] = &[
    Entry {
        name: "offers.healthz",
        handler: http!(AM, "GET", "/offers/v1/status/healthz", offers::healthz),
    },
    Entry {
        name: "offers.outbox.create_offer",
        handler: http!(
            AM,
            "POST",
            "/offers/v1/outbox/offers",
            offers::outbox::offers::create
        ),
    },
    Entry {
        name: "offers.outbox.list_offers",
        handler: http!(
            AM,
            "GET",
            "/offers/v1/outbox/offers",
            offers::outbox::offers::list
        ),
    },
    Entry {
        name: "offers.outbox.get_offer",
        handler: http!(
            AM,
            "GET",
            "/offers/v1/outbox/offers/{offer_id}",
            offers::outbox::offers::get
        ),
    },
    Entry {
        name: "offers.outbox.list_offer_matches",
        handler: http!(
            AM,
            "GET",
            "/offers/v1/outbox/offers/{offer_id}/matches",
            offers::outbox::offers::matches
        ),
    },
    Entry {
        name: "offers.outbox.close_offer",
        handler: http!(
            AM,
            "POST",
            "/offers/v1/outbox/offers/{offer_id}/close",
            offers::outbox::offers::close
        ),
    },
    Entry {
        name: "offers.outbox.assign_offer",
        handler: http!(
            AM,
            "POST",
            "/offers/v1/outbox/offers/{offer_id}/assign",
            offers::outbox::offers::assign
        ),
    },
    Entry {
        name: "offers.inbox.list_offers",
        handler: http!(
            AM,
            "GET",
            "/offers/v1/inbox/offers",
            offers::inbox::offers::list
        ),
    },
    Entry {
        name: "offers.inbox.get_offer",
        handler: http!(
            AM,
            "GET",
            "/offers/v1/inbox/offers/{offer_id}",
            offers::inbox::offers::get
        ),
    },
    Entry {
        name: "offers.inbox.accept_offer",
        handler: http!(
            AM,
            "POST",
            "/offers/v1/inbox/offers/{offer_id}/accept",
            offers::inbox::offers::accept
        ),
    },
    Entry {
        name: "offers.inbox.decline_offer",
        handler: http!(
            AM,
            "POST",
            "/offers/v1/inbox/offers/{offer_id}/decline",
            offers::inbox::offers::decline
        ),
    },
    Entry {
        name: "offers.demand_personas.get_assignment_setting",
        handler: http!(
            AM,
            "GET",
            "/offers/v1/demand_personas/settings/assignment",
            offers::demand_personas::get_assignment
        ),
    },
    Entry {
        name: "offers.demand_personas.set_assignment_setting",
        handler: http!(
            AM,
            "POST",
            "/offers/v1/demand_personas/settings/assignment",
            offers::demand_personas::set_assignment
        ),
    },
    Entry {
        name: "offers.outbox.list_referrals",
        handler: http!(
            AM,
            "GET",
            "/offers/v1/outbox/referrals",
            offers::outbox::referrals::list
        ),
    },
    Entry {
        name: "offers.outbox.get_referral",
        handler: http!(
            AM,
            "GET",
            "/offers/v1/outbox/referrals/{referral_id}",
            offers::outbox::referrals::get
        ),
    },
    Entry {
        name: "offers.inbox.list_referrals",
        handler: http!(
            AM,
            "GET",
            "/offers/v1/inbox/referrals",
            offers::inbox::referrals::list
        ),
    },
    Entry {
        name: "offers.outbox.cancel_referral",
        handler: http!(
            AM,
            "POST",
            "/offers/v1/outbox/referrals/{referral_id}/cancel",
            offers::outbox::referrals::cancel
        ),
    },
    Entry {
        name: "offers.inbox.mark_referral_processed",
        handler: http!(
            AM,
            "POST",
            "/offers/v1/inbox/referrals/{referral_id}/mark_processed",
            offers::inbox::referrals::mark_processed
        ),
    },
    Entry {
        name: "offers.inbox.cancel_referral",
        handler: http!(
            AM,
            "POST",
            "/offers/v1/inbox/referrals/{referral_id}/cancel",
            offers::inbox::referrals::cancel
        ),
    },
    Entry {
        name: "offers.inbox.get_referral",
        handler: http!(
            AM,
            "GET",
            "/offers/v1/inbox/referrals/{referral_id}",
            offers::inbox::referrals::get
        ),
    },
    Entry {
        name: "offers.outbox.visits.list",
        handler: http!(
            AM,
            "GET",
            "/offers/v1/outbox/visits",
            offers::outbox::visits::list
        ),
    },
    Entry {
        name: "offers.outbox.visits.get",
        handler: http!(
            AM,
            "GET",
            "/offers/v1/outbox/visits/{visit_id}",
            offers::outbox::visits::get
        ),
    },
    Entry {
        name: "offers.outbox.work_sessions.list",
        handler: http!(
            AM,
            "GET",
            "/offers/v1/outbox/work_sessions",
            offers::outbox::work_sessions::list
        ),
    },
    Entry {
        name: "offers.inbox.visits.list",
        handler: http!(
            AM,
            "GET",
            "/offers/v1/inbox/visits",
            offers::inbox::visits::list
        ),
    },
    Entry {
        name: "offers.inbox.visits.get",
        handler: http!(
            AM,
            "GET",
            "/offers/v1/inbox/visits/{visit_id}",
            offers::inbox::visits::get
        ),
    },
    Entry {
        name: "offers.inbox.visits.get_by_inbox_id",
        handler: http!(
            AM,
            "GET",
            "/offers/v1/inbox/visits/by_inbox_id/{visit_inbox_id}",
            offers::inbox::visits::get_by_inbox_id
        ),
    },
    Entry {
        name: "offers.inbox.visits.schedule",
        handler: http!(
            AM,
            "POST",
            "/offers/v1/inbox/visits/schedule",
            offers::inbox::visits::schedule
        ),
    },
    Entry {
        name: "offers.inbox.visits.assign",
        handler: http!(
            AM,
            "POST",
            "/offers/v1/inbox/visits/{visit_id}/assign",
            offers::inbox::visits::assign
        ),
    },
    Entry {
        name: "offers.inbox.visits.unassign",
        handler: http!(
            AM,
            "POST",
            "/offers/v1/inbox/visits/{visit_id}/unassign",
            offers::inbox::visits::unassign
        ),
    },
    Entry {
        name: "offers.inbox.visits.delete",
        handler: http!(
            AM,
            "POST",
            "/offers/v1/inbox/visits/{visit_id}/delete",
            offers::inbox::visits::delete
        ),
    },
    Entry {
        name: "offers.inbox.visits.hold",
        handler: http!(
            AM,
            "POST",
            "/offers/v1/inbox/visits/{visit_id}/hold",
            offers::inbox::visits::hold
        ),
    },
    Entry {
        name: "offers.inbox.visits.cancel",
        handler: http!(
            AM,
            "POST",
            "/offers/v1/inbox/visits/{visit_id}/cancel",
            offers::inbox::visits::cancel
        ),
    },
    Entry {
        name: "offers.inbox.visits.reactivate",
        handler: http!(
            AM,
            "POST",
            "/offers/v1/inbox/visits/{visit_id}/reactivate",
            offers::inbox::visits::reactivate
        ),
    },
    Entry {
        name: "offers.inbox.visits.adjust_timekeeping",
        handler: http!(
            AM,
            "POST",
            "/offers/v1/inbox/visits/{visit_id}/adjust_timekeeping",
            offers::inbox::visits::adjust_timekeeping
        ),
    },
    Entry {
        name: "offers.inbox.visits.reschedule",
        handler: http!(
            AM,
            "POST",
            "/offers/v1/inbox/visits/{visit_id}/reschedule",
            offers::inbox::visits::reschedule
        ),
    },
    Entry {
        name: "offers.inbox.visits.create_tasks",
        handler: http!(
            AM,
            "POST",
            "/offers/v1/inbox/visits/{visit_id}/tasks",
            offers::inbox::visits::create_tasks
        ),
    },
    Entry {
        name: "offers.inbox.visits.complete_tasks",
        handler: http!(
            AM,
            "POST",
            "/offers/v1/inbox/visits/{visit_id}/tasks/complete",
            offers::inbox::visits::complete_tasks
        ),
    },
    Entry {
        name: "offers.inbox.work_sessions.start",
        handler: http!(
            AM,
            "POST",
            "/offers/v1/inbox/work_sessions/start",
            offers::inbox::work_sessions::start
        ),
    },
    Entry {
        name: "offers.inbox.work_sessions.end",
        handler: http!(
            AM,
            "POST",
            "/offers/v1/inbox/work_sessions/end",
            offers::inbox::work_sessions::end
        ),
    },
    Entry {
        name: "offers.sys_admin.visits.list",
        handler: http!(
            AM,
            "GET",
            "/offers/v1/sys_admin/visits",
            offers::sys_admin::visits::list
        ),
    },
    Entry {
        name: "offers.sys_admin.visits.get",
        handler: http!(
            AM,
            "GET",
            "/offers/v1/sys_admin/visits/{visit_id}",
            offers::sys_admin::visits::get
        ),
    },
    Entry {
        name: "offers.outbox.send_message",
        handler: http!(
            AM,
            "POST",
            "/offers/v1/outbox/messages",
            offers::outbox::messages::send
        ),
    },
    Entry {
        name: "offers.outbox.list_messages",
        handler: http!(
            AM,
            "GET",
            "/offers/v1/outbox/messages",
            offers::outbox::messages::list
        ),
    },
    Entry {
        name: "offers.outbox.get_message",
        handler: http!(
            AM,
            "GET",
            "/offers/v1/outbox/messages/{message_id}",
            offers::outbox::messages::get
        ),
    },
    Entry {
        name: "offers.inbox.send_message",
        handler: http!(
            AM,
            "POST",
            "/offers/v1/inbox/messages",
            offers::inbox::messages::send
        ),
    },
    Entry {
        name: "offers.inbox.list_messages",
        handler: http!(
            AM,
            "GET",
            "/offers/v1/inbox/messages",
            offers::inbox::messages::list
        ),
    },
    Entry {
        name: "offers.inbox.get_message",
        handler: http!(
            AM,
            "GET",
            "/offers/v1/inbox/messages/{message_id}",
            offers::inbox::messages::get
        ),
    },
    Entry {
        name: "offers.outbox.create_shift_offers",
        handler: http!(
            AM,
            "POST",
            "/offers/v1/outbox/shift/offers",
            offers::outbox::offers::create_shift
        ),
    },
    Entry {
        name: "offers.outbox.create_bundle_offers",
        handler: http!(
            AM,
            "POST",
            "/offers/v1/outbox/bundle/offers",
            offers::outbox::offers::create_bundle
        ),
    },
    Entry {
        name: "offers.outbox.create_referral",
        handler: http!(
            AM,
            "POST",
            "/offers/v1/outbox/referrals",
            offers::outbox::referrals::create
        ),
    },
    Entry {
        name: "offers.outbox.update_referral",
        handler: http!(
            AM,
            "POST",
            "/offers/v1/outbox/referrals/{referral_id}/update",
            offers::outbox::referrals::update
        ),
    },
    Entry {
        name: "offers.inbox.update_referral_tasks",
        handler: http!(
            AM,
            "POST",
            "/offers/v1/inbox/referrals/{referral_id}/tasks/update",
            offers::inbox::referrals::update_tasks
        ),
    },
    Entry {
        name: "offers.sys_admin.list_offers",
        handler: http!(
            AM,
            "GET",
            "/offers/v1/sys_admin/offers",
            offers::sys_admin::offers::list_offers
        ),
    },
    Entry {
        name: "offers.sys_admin.get_offer",
        handler: http!(
            AM,
            "GET",
            "/offers/v1/sys_admin/offers/{offer_id}",
            offers::sys_admin::offers::get_offer
        ),
    },
    Entry {
        name: "offers.sys_admin.list_offer_matches",
        handler: http!(
            AM,
            "GET",
            "/offers/v1/sys_admin/offers/{offer_id}/matches",
            offers::sys_admin::offers::list_offer_matches
        ),
    },
    Entry {
        name: "offers.sys_admin.list_referrals",
        handler: http!(
            AM,
            "GET",
            "/offers/v1/sys_admin/referrals",
            offers::sys_admin::referrals::list_referrals
        ),
    },
    Entry {
        name: "offers.sys_admin.get_referral",
        handler: http!(
            AM,
            "GET",
            "/offers/v1/sys_admin/referrals/{referral_id}",
            offers::sys_admin::referrals::get_referral
        ),
    },
    Entry {
        name: "offers.sys_admin.get_assignment_setting",
        handler: http!(
            AM,
            "GET",
            "/offers/v1/sys_admin/demand_personas/{demand_persona_id}/settings/assignment",
            offers::sys_admin::demand_personas::get_assignment
        ),
    },
    Entry {
        name: "offers.sys_admin.set_assignment_setting",
        handler: http!(
            AM,
            "POST",
            "/offers/v1/sys_admin/demand_personas/{demand_persona_id}/settings/assignment",
            offers::sys_admin::demand_personas::set_assignment
        ),
    },
    Entry {
        name: "offers.sys_admin.list_demand_take_rates",
        handler: http!(
            AM,
            "GET",
            "/offers/v1/sys_admin/take_rates/demand_take_rates",
            offers::sys_admin::take_rates::list_demand_take_rates
        ),
    },
    Entry {
        name: "offers.sys_admin.set_demand_take_rate",
        handler: http!(
            AM,
            "POST",
            "/offers/v1/sys_admin/take_rates/demand_take_rates/{demand_persona_id}",
            offers::sys_admin::take_rates::set_demand_take_rate
        ),
    },
    Entry {
        name: "offers.sys_admin.get_regional_take_rate",
        handler: http!(
            AM,
            "GET",
            "/offers/v1/sys_admin/take_rates/regional_take_rate",
            offers::sys_admin::take_rates::get_regional_take_rate
        ),
    },
    Entry {
        name: "offers.sys_admin.set_regional_take_rate",
        handler: http!(
            AM,
            "POST",
            "/offers/v1/sys_admin/take_rates/regional_take_rate",
            offers::sys_admin::take_rates::set_regional_take_rate
        ),
    },
    Entry {
        name: "offers.expire_offers",
        handler: Handler::Schedule(offers::expire::call),
    },
    Entry {
        name: "events.publish",
        handler: Handler::DynamoDbStream(events::publish::call),
    },
    Entry {
        name: "offers.outbox.messages.get_file",
        handler: http!(
            AM,
            "GET",
            "/offers/v1/outbox/messages/files/{file_id}",
            offers::outbox::messages::get_file
        ),
    },
    Entry {
        name: "offers.outbox.messages.presign_file",
        handler: http!(
            AM,
            "GET",
            "/offers/v1/outbox/messages/files/{file_id}/presigned",
            offers::outbox::messages::presign_file
        ),
    },
    Entry {
        name: "offers.inbox.messages.get_file",
        handler: http!(
            AM,
            "GET",
            "/offers/v1/inbox/messages/files/{file_id}",
            offers::inbox::messages::get_file
        ),
    },
    Entry {
        name: "offers.inbox.messages.presign_file",
        handler: http!(
            AM,
            "GET",
            "/offers/v1/inbox/messages/files/{file_id}/presigned",
            offers::inbox::messages::presign_file
        ),
    },
    Entry {
        name: "offers.sys_admin.messages.by_file_id",
        handler: http!(
            AM,
            "GET",
            "/offers/v1/sys_admin/messages/by_file_id/{file_id}",
            offers::sys_admin::messages::by_file_id
        ),
    },
    Entry {
        name: "offers.sys_admin.messages.list",
        handler: http!(
            AM,
            "GET",
            "/offers/v1/sys_admin/messages",
            offers::sys_admin::messages::list
        ),
    },
    Entry {
        name: "offers.outbox.sequences.list",
        handler: http!(
            AM,
            "GET",
            "/offers/v1/outbox/sequences",
            offers::outbox::sequences::list
        ),
    },
    Entry {
        name: "offers.inbox.sequences.list",
        handler: http!(
            AM,
            "GET",
            "/offers/v1/inbox/sequences",
            offers::inbox::sequences::list
        ),
    },
    Entry {
        name: "offers.sys_admin.sequences.list",
        handler: http!(
            AM,
            "GET",
            "/offers/v1/sys_admin/sequences",
            offers::sys_admin::sequences::list
        ),
    },
    Entry {
        name: "offers.inbox.form_submissions.create",
        handler: http!(
            AM,
            "POST",
            "/offers/v1/inbox/form_submissions",
            offers::inbox::form_submissions::create
        ),
    },
    Entry {
        name: "offers.inbox.form_templates.latest",
        handler: http!(
            AM,
            "GET",
            "/offers/v1/inbox/form_templates/by_demand_persona_id/{demand_persona_id}/by_schema_id/{schema_id}/latest",
            offers::inbox::form_templates::latest
        ),
    },
    Entry {
        name: "offers.outbox.form_submissions.get",
        handler: http!(
            AM,
            "GET",
            "/offers/v1/outbox/form_submissions/{form_submission_id}",
            offers::outbox::form_submissions::get
        ),
    },
    Entry {
        name: "offers.outbox.form_submissions.presign_attachment",
        handler: http!(
            AM,
            "GET",
            "/offers/v1/outbox/form_submissions/fields/{form_submission_field_id}/attachment/presigned",
            offers::outbox::form_submissions::presign_attachment
        ),
    },
    Entry {
        name: "offers.outbox.form_templates.publish",
        handler: http!(
            AM,
            "POST",
            "/offers/v1/outbox/form_templates",
            offers::outbox::form_templates::publish
        ),
    },
    Entry {
        name: "offers.downloads.get",
        handler: http!(
            AM,
            "GET",
            "/offers/v1/downloads/{token}",
            offers::downloads::get
        ),
    },
];

/// stacks/organizations.yaml: the Organizations API.
pub static ORGANIZATIONS_HANDLERS: &[Entry] = &[
    Entry {
        name: "organizations.subscribe",
        handler: http!(
            AM,
            "POST",
            "/organizations/v1/subscribe",
            organizations::subscribe::subscribe
        ),
    },
    Entry {
        name: "organizations.sys_admin.subscribe",
        handler: http!(
            AM,
            "POST",
            "/organizations/v1/sys_admin/{organization_id}/subscribe",
            organizations::sys_admin::subscribe
        ),
    },
    Entry {
        name: "organizations.sys_admin.unsubscribe",
        handler: http!(
            AM,
            "POST",
            "/organizations/v1/sys_admin/unsubscribe",
            organizations::sys_admin::unsubscribe
        ),
    },
    Entry {
        name: "organizations.sys_admin.list_subscriptions",
        handler: http!(
            AM,
            "GET",
            "/organizations/v1/sys_admin/subscriptions",
            organizations::sys_admin::list_subscriptions
        ),
    },
    Entry {
        name: "organizations.healthz",
        handler: http!(
            AM,
            "GET",
            "/organizations/v1/status/healthz",
            organizations::healthz
        ),
    },
    Entry {
        name: "organizations.list_organizations",
        handler: http!(AM, "GET", "/organizations/v1", organizations::list),
    },
    Entry {
        name: "organizations.demand_persona.get_demand_persona",
        handler: http!(
            AM,
            "GET",
            "/organizations/v1/demand_persona",
            organizations::demand_persona::get
        ),
    },
    Entry {
        name: "organizations.demand_persona.activate_demand_persona",
        handler: http!(
            AM,
            "POST",
            "/organizations/v1/demand_persona/activate",
            organizations::demand_persona::activate
        ),
    },
    Entry {
        name: "organizations.demand_persona.deactivate_demand_persona",
        handler: http!(
            AM,
            "POST",
            "/organizations/v1/demand_persona/deactivate",
            organizations::demand_persona::deactivate
        ),
    },
    Entry {
        name: "organizations.demand_persona.list_trusted_network",
        handler: http!(
            AM,
            "GET",
            "/organizations/v1/demand_persona/trusted_network",
            organizations::demand_persona::trusted_network::list
        ),
    },
    Entry {
        name: "organizations.demand_persona.set_trusted_network",
        handler: http!(
            AM,
            "POST",
            "/organizations/v1/demand_persona/trusted_network",
            organizations::demand_persona::trusted_network::set
        ),
    },
    Entry {
        name: "organizations.supply_persona.get_supply_persona",
        handler: http!(
            AM,
            "GET",
            "/organizations/v1/supply_persona",
            organizations::supply_persona::get
        ),
    },
    Entry {
        name: "organizations.supply_persona.activate_supply_persona",
        handler: http!(
            AM,
            "POST",
            "/organizations/v1/supply_persona/activate",
            organizations::supply_persona::activate
        ),
    },
    Entry {
        name: "organizations.supply_persona.deactivate_supply_persona",
        handler: http!(
            AM,
            "POST",
            "/organizations/v1/supply_persona/deactivate",
            organizations::supply_persona::deactivate
        ),
    },
    Entry {
        name: "organizations.supply_persona.set_care_types",
        handler: http!(
            AM,
            "POST",
            "/organizations/v1/supply_persona/care_types",
            organizations::supply_persona::care_types::set
        ),
    },
    Entry {
        name: "organizations.supply_persona.list_trusted_network",
        handler: http!(
            AM,
            "GET",
            "/organizations/v1/supply_persona/trusted_network",
            organizations::supply_persona::trusted_network::list
        ),
    },
    Entry {
        name: "organizations.anon_list_organizations",
        handler: http!(AM, "POST", "/organizations/v1", organizations::anon_list),
    },
    Entry {
        name: "organizations.sign_up",
        handler: http!(
            AM,
            "POST",
            "/organizations/v1/sign_up",
            organizations::sign_up::sign_up
        ),
    },
    Entry {
        name: "organizations.save_api_keys",
        handler: http!(
            AM,
            "POST",
            "/organizations/v1/api_keys",
            organizations::api_keys::save
        ),
    },
    Entry {
        name: "organizations.supply_persona.set_trusted_network",
        handler: http!(
            AM,
            "POST",
            "/organizations/v1/supply_persona/trusted_network",
            organizations::supply_persona::trusted_network::set
        ),
    },
    Entry {
        name: "organizations.sys_admin.sign_up",
        handler: http!(
            AM,
            "POST",
            "/organizations/v1/sys_admin/sign_up",
            organizations::sys_admin::sign_up::sign_up
        ),
    },
    Entry {
        name: "organizations.sys_admin.confirm_sign_up",
        handler: http!(
            AM,
            "POST",
            "/organizations/v1/sys_admin/confirm_sign_up",
            organizations::sys_admin::sign_up::confirm
        ),
    },
    Entry {
        name: "organizations.sys_admin.admin_confirm_sign_up",
        handler: http!(
            AM,
            "POST",
            "/organizations/v1/sys_admin/admin_confirm_sign_up",
            organizations::sys_admin::sign_up::admin_confirm
        ),
    },
    Entry {
        name: "organizations.sys_admin.auto_sign_up",
        handler: http!(
            AM,
            "POST",
            "/organizations/v1/sys_admin/auto_sign_up",
            organizations::sys_admin::auto_sign_up::start
        ),
    },
    Entry {
        name: "organizations.sys_admin.auto_sign_up.sign_up",
        handler: task!(organizations::sys_admin::auto_sign_up::sign_up),
    },
    Entry {
        name: "organizations.sys_admin.auto_sign_up.configure_demand",
        handler: task!(organizations::sys_admin::auto_sign_up::configure_demand),
    },
    Entry {
        name: "organizations.sys_admin.auto_sign_up.configure_supply",
        handler: task!(organizations::sys_admin::auto_sign_up::configure_supply),
    },
    Entry {
        name: "organizations.sys_admin.auto_sign_up.subscribe",
        handler: task!(organizations::sys_admin::auto_sign_up::subscribe),
    },
    Entry {
        name: "organizations.sys_admin.list_organizations",
        handler: http!(
            AM,
            "GET",
            "/organizations/v1/sys_admin",
            organizations::sys_admin::list
        ),
    },
    Entry {
        name: "organizations.sys_admin.get_organization",
        handler: http!(
            AM,
            "GET",
            "/organizations/v1/sys_admin/{organization_id}",
            organizations::sys_admin::get
        ),
    },
    Entry {
        name: "organizations.sys_admin.save_api_keys",
        handler: http!(
            AM,
            "POST",
            "/organizations/v1/sys_admin/{organization_id}/api_keys",
            organizations::sys_admin::save_api_keys
        ),
    },
    Entry {
        name: "organizations.sys_admin.edit_organization",
        handler: http!(
            AM,
            "POST",
            "/organizations/v1/sys_admin/{organization_id}/edit",
            organizations::sys_admin::edit
        ),
    },
    Entry {
        name: "organizations.sys_admin.demand_persona.get_demand_persona",
        handler: http!(
            AM,
            "GET",
            "/organizations/v1/sys_admin/{organization_id}/demand_persona",
            organizations::sys_admin::demand_persona::get
        ),
    },
    Entry {
        name: "organizations.sys_admin.demand_persona.activate_demand_persona",
        handler: http!(
            AM,
            "POST",
            "/organizations/v1/sys_admin/{organization_id}/demand_persona/activate",
            organizations::sys_admin::demand_persona::activate
        ),
    },
    Entry {
        name: "organizations.sys_admin.demand_persona.deactivate_demand_persona",
        handler: http!(
            AM,
            "POST",
            "/organizations/v1/sys_admin/{organization_id}/demand_persona/deactivate",
            organizations::sys_admin::demand_persona::deactivate
        ),
    },
    Entry {
        name: "organizations.sys_admin.demand_persona.list_trusted_network",
        handler: http!(
            AM,
            "GET",
            "/organizations/v1/sys_admin/{organization_id}/demand_persona/trusted_network",
            organizations::sys_admin::demand_persona::list_trusted_network
        ),
    },
    Entry {
        name: "organizations.sys_admin.supply_persona.get_supply_persona",
        handler: http!(
            AM,
            "GET",
            "/organizations/v1/sys_admin/{organization_id}/supply_persona",
            organizations::sys_admin::supply_persona::get
        ),
    },
    Entry {
        name: "organizations.sys_admin.supply_persona.activate_supply_persona",
        handler: http!(
            AM,
            "POST",
            "/organizations/v1/sys_admin/{organization_id}/supply_persona/activate",
            organizations::sys_admin::supply_persona::activate
        ),
    },
    Entry {
        name: "organizations.sys_admin.supply_persona.deactivate_supply_persona",
        handler: http!(
            AM,
            "POST",
            "/organizations/v1/sys_admin/{organization_id}/supply_persona/deactivate",
            organizations::sys_admin::supply_persona::deactivate
        ),
    },
    Entry {
        name: "organizations.sys_admin.supply_persona.list_trusted_network",
        handler: http!(
            AM,
            "GET",
            "/organizations/v1/sys_admin/{organization_id}/supply_persona/trusted_network",
            organizations::sys_admin::supply_persona::list_trusted_network
        ),
    },
    Entry {
        name: "organizations.sys_admin.supply_persona.set_care_types",
        handler: http!(
            AM,
            "POST",
            "/organizations/v1/sys_admin/{organization_id}/supply_persona/care_types",
            organizations::sys_admin::supply_persona::set_care_types
        ),
    },
    Entry {
        name: "organizations.sys_admin.demand_persona.set_trusted_network",
        handler: http!(
            AM,
            "POST",
            "/organizations/v1/sys_admin/{organization_id}/demand_persona/trusted_network",
            organizations::sys_admin::demand_persona::set_trusted_network
        ),
    },
    Entry {
        name: "organizations.sys_admin.demand_persona.add_to_trusted_network",
        handler: http!(
            AM,
            "POST",
            "/organizations/v1/sys_admin/{organization_id}/demand_persona/trusted_network/add",
            organizations::sys_admin::demand_persona::add_to_trusted_network
        ),
    },
    Entry {
        name: "organizations.sys_admin.demand_persona.remove_from_trusted_network",
        handler: http!(
            AM,
            "POST",
            "/organizations/v1/sys_admin/{organization_id}/demand_persona/trusted_network/remove",
            organizations::sys_admin::demand_persona::remove_from_trusted_network
        ),
    },
];

/// stacks/collector.yaml: the Event Collector API with its dispatcher and job scheduler.
pub static COLLECTOR_HANDLERS: &[Entry] = &[
    Entry {
        name: "collector.events.create",
        handler: http!(TWC, "POST", "/api/v1/events", collector::events::create),
    },
    Entry {
        name: "collector.events.get",
        handler: http!(
            TWC,
            "GET",
            "/api/v1/events/{eventId}",
            collector::events::get
        ),
    },
    Entry {
        name: "collector.event_subscription.create",
        handler: http!(
            TWC,
            "POST",
            "/api/v1/event-subscription",
            collector::event_subscription::create
        ),
    },
    Entry {
        name: "collector.event_subscription.update",
        handler: http!(
            TWC,
            "PUT",
            "/api/v1/event-subscription",
            collector::event_subscription::update
        ),
    },
    Entry {
        name: "collector.event_subscription.list",
        handler: http!(
            TWC,
            "GET",
            "/api/v1/event-subscription",
            collector::event_subscription::list
        ),
    },
    Entry {
        name: "collector.event_subscription.get",
        handler: http!(
            TWC,
            "GET",
            "/api/v1/event-subscription/{id}",
            collector::event_subscription::get
        ),
    },
    Entry {
        name: "collector.event_subscription.deactivate",
        handler: http!(
            TWC,
            "PUT",
            "/api/v1/event-subscription/{id}/deactivate",
            collector::event_subscription::deactivate
        ),
    },
    Entry {
        name: "collector.jobs.create",
        handler: http!(TWC, "POST", "/api/v1/jobs", collector::jobs::create),
    },
    Entry {
        name: "collector.jobs.list",
        handler: http!(TWC, "GET", "/api/v1/jobs", collector::jobs::list),
    },
    Entry {
        name: "collector.jobs.get",
        handler: http!(TWC, "GET", "/api/v1/jobs/{jobId}", collector::jobs::get),
    },
    Entry {
        name: "collector.jobs.update",
        handler: http!(TWC, "PUT", "/api/v1/jobs/{jobId}", collector::jobs::update),
    },
    Entry {
        name: "collector.jobs.delete_post",
        handler: http!(TWC, "POST", "/api/v1/jobs/{jobId}", collector::jobs::delete),
    },
    Entry {
        name: "collector.jobs.delete",
        handler: http!(
            TWC,
            "DELETE",
            "/api/v1/jobs/{jobId}",
            collector::jobs::delete
        ),
    },
    Entry {
        name: "collector.dispatch",
        handler: Handler::DynamoDbStream(collector::dispatch::call),
    },
    Entry {
        name: "collector.deliver",
        handler: Handler::Queue(collector::deliver::call),
    },
    Entry {
        name: "collector.run_jobs",
        handler: Handler::Schedule(collector::run_jobs::call),
    },
];

/// stacks/notification.yaml: the Notification API and its feed consumer
/// (`events.notification_feed`).
pub static NOTIFICATION_HANDLERS: &[Entry] = &[
    Entry {
        name: "notification.create_subscription",
        handler: http!(
            NOTIFICATION,
            "POST",
            "/notification/v1/subscriptions",
            notification::subscriptions::create
        ),
    },
    Entry {
        name: "notification.get_subscription",
        handler: http!(
            NOTIFICATION,
            "GET",
            "/notification/v1/subscriptions/{id}",
            notification::subscriptions::get
        ),
    },
    Entry {
        name: "notification.delete_subscription",
        handler: http!(
            NOTIFICATION,
            "DELETE",
            "/notification/v1/subscriptions/{id}",
            notification::subscriptions::delete
        ),
    },
    Entry {
        name: "notification.get_notifications",
        handler: http!(
            NOTIFICATION,
            "GET",
            "/notification/v1/subscriptions/{id}/notifications",
            notification::subscriptions::notifications
        ),
    },
    Entry {
        name: "events.notification_feed",
        handler: Handler::DynamoDbStream(events::notification_feed::call),
    },
];

/// stacks/listener.yaml: the Listener API, the hub (`hub.*`) and hub delivery
/// (`events.hub_delivery`).
pub static LISTENER_HANDLERS: &[Entry] = &[
    Entry {
        name: "listener.create_event",
        handler: http!(
            LISTENER,
            "POST",
            "/externalapi/listener/v1/listener",
            externalapi::listener::create
        ),
    },
    Entry {
        name: "hub.create_subscription",
        handler: http!(
            LISTENER,
            "POST",
            "/externalapi/hub/v1/hub",
            externalapi::hub::create
        ),
    },
    Entry {
        name: "hub.list_subscriptions",
        handler: http!(
            LISTENER,
            "GET",
            "/externalapi/hub/v1/hub",
            externalapi::hub::list
        ),
    },
    Entry {
        name: "hub.get_subscription",
        handler: http!(
            LISTENER,
            "GET",
            "/externalapi/hub/v1/hub/{id}",
            externalapi::hub::get
        ),
    },
    Entry {
        name: "hub.delete_subscription",
        handler: http!(
            LISTENER,
            "DELETE",
            "/externalapi/hub/v1/hub/{id}",
            externalapi::hub::delete
        ),
    },
    Entry {
        name: "events.hub_delivery",
        handler: Handler::DynamoDbStream(events::hub_delivery::call),
    },
    Entry {
        name: "events.hub_send",
        handler: Handler::Queue(events::hub_send::call),
    },
];

/// One Lambda artifact: the binary `sam build` builds for every function of one nested stack
/// (`BuildProperties.Binary`), and the handlers it serves.
pub struct Stack {
    /// The `[[bin]]` name, which is also the stack's file name: stacks/<binary>.yaml.
    pub binary: &'static str,
    pub entries: &'static [Entry],
}

/// Every stack's handlers, in the root template's order. Referring to this links every
/// handler, so only the local stack, the tests and the benchmarks use it.
pub static REGISTRY: &[Stack] = &[
    Stack {
        binary: "auth",
        entries: AUTH_HANDLERS,
    },
    Stack {
        binary: "offers",
        entries: OFFERS_HANDLERS,
    },
    Stack {
        binary: "organizations",
        entries: ORGANIZATIONS_HANDLERS,
    },
    Stack {
        binary: "collector",
        entries: COLLECTOR_HANDLERS,
    },
    Stack {
        binary: "notification",
        entries: NOTIFICATION_HANDLERS,
    },
    Stack {
        binary: "listener",
        entries: LISTENER_HANDLERS,
    },
];

/// Every registered handler, stack by stack.
pub fn entries() -> impl Iterator<Item = &'static Entry> {
    REGISTRY.iter().flat_map(|s| s.entries)
}

pub fn find(name: &str) -> Option<&'static Entry> {
    entries().find(|e| e.name == name)
}

/// The stack (and so the binary) whose list holds `name`.
pub fn stack_of(name: &str) -> Option<&'static Stack> {
    REGISTRY
        .iter()
        .find(|s| s.entries.iter().any(|e| e.name == name))
}
