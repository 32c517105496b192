//! The handler registry: one line per handler, naming its code; the handler's name (what a
//! function's `Handler` setting gives in the stack templates) is that code's path, derived by
//! the line's macro ([`crate::handler::Entry`]). There is one table per nested stack
//! (stacks/<stack>.yaml), and each is the whole content of that stack's binary
//! (`src/bin/<stack>.rs`), so a function links only its own family's handlers and the clients
//! they call. [`REGISTRY`] names them all, for the local stack and the tests; no binary refers
//! to it. A route's method and path are declared in the template and docs/openapi.yaml only;
//! tests/structure/drift.rs checks the tables against the templates (including each function's
//! `BuildProperties.Binary`), `events/` and docs/openapi.yaml.
//!
//! The tables are kept one line per handler, wider than rustfmt's width, so they read as tables.

use lambda_http::Request;
use shared::ApiError;
use shared::App;
use shared::edge::http::Family;
use shared::edge::http::HttpResponse;

use crate::handler::{BoxFuture, Entry, Handler, queue, route, schedule, stream, task};
use crate::{auth, collector, events, externalapi, notification, oauth, offers, organizations};

const AM: Family = Family::AlayaMarket;
const OAUTH: Family = Family::OAuth;
const TWC: Family = Family::EventCollector;
const NOTIFICATION: Family = Family::Notification;
const LISTENER: Family = Family::Listener;

/// stacks/auth.yaml: the Auth API (`auth.*`) and the machine clients (`oauth.*`).
#[rustfmt::skip]
pub static AUTH_HANDLERS: &[Entry] = &[
    route!(AM, auth::healthz),
    route!(AM, auth::login),
    route!(AM, auth::current_identity),
    route!(AM, auth::change_password),
    route!(AM, auth::forgot_password),
    route!(AM, auth::confirm_forgot_password),
    route!(OAUTH, oauth::token),
    route!(OAUTH, oauth::create_client),
    route!(OAUTH, oauth::get_client),
    route!(OAUTH, oauth::delete_client),
];

/// stacks/offers.yaml: the Offers API, offer expiry and the outbox/inbox publisher
/// (`events.publish`).
#[rustfmt::skip]
pub static OFFERS_HANDLERS: &[Entry] = &[
    route!(AM, offers::healthz),
    route!(AM, offers::outbox::offers::create),
    route!(AM, offers::outbox::offers::list),
    route!(AM, offers::outbox::offers::get),
    route!(AM, offers::outbox::offers::matches),
    route!(AM, offers::outbox::offers::close),
    route!(AM, offers::outbox::offers::assign),
    route!(AM, offers::inbox::offers::list),
    route!(AM, offers::inbox::offers::get),
    route!(AM, offers::inbox::offers::accept),
    route!(AM, offers::inbox::offers::decline),
    route!(AM, offers::demand_personas::get_assignment),
    route!(AM, offers::demand_personas::set_assignment),
    route!(AM, offers::outbox::referrals::list),
    route!(AM, offers::outbox::referrals::get),
    route!(AM, offers::inbox::referrals::list),
    route!(AM, offers::outbox::referrals::cancel),
    route!(AM, offers::inbox::referrals::mark_processed),
    route!(AM, offers::inbox::referrals::cancel),
    route!(AM, offers::inbox::referrals::get),
    route!(AM, offers::outbox::visits::list),
    route!(AM, offers::outbox::visits::get),
    route!(AM, offers::outbox::work_sessions::list),
    route!(AM, offers::inbox::visits::list),
    route!(AM, offers::inbox::visits::get),
    route!(AM, offers::inbox::visits::get_by_inbox_id),
    route!(AM, offers::inbox::visits::schedule),
    route!(AM, offers::inbox::visits::assign),
    route!(AM, offers::inbox::visits::unassign),
    route!(AM, offers::inbox::visits::delete),
    route!(AM, offers::inbox::visits::hold),
    route!(AM, offers::inbox::visits::cancel),
    route!(AM, offers::inbox::visits::reactivate),
    route!(AM, offers::inbox::visits::adjust_timekeeping),
    route!(AM, offers::inbox::visits::reschedule),
    route!(AM, offers::inbox::visits::create_tasks),
    route!(AM, offers::inbox::visits::complete_tasks),
    route!(AM, offers::inbox::work_sessions::start),
    route!(AM, offers::inbox::work_sessions::end),
    route!(AM, offers::sys_admin::visits::list),
    route!(AM, offers::sys_admin::visits::get),
    route!(AM, offers::outbox::messages::send),
    route!(AM, offers::outbox::messages::list),
    route!(AM, offers::outbox::messages::get),
    route!(AM, offers::inbox::messages::send),
    route!(AM, offers::inbox::messages::list),
    route!(AM, offers::inbox::messages::get),
    route!(AM, offers::outbox::offers::create_shift),
    route!(AM, offers::outbox::offers::create_bundle),
    route!(AM, offers::outbox::referrals::create),
    route!(AM, offers::outbox::referrals::update),
    route!(AM, offers::inbox::referrals::update_tasks),
    route!(AM, offers::sys_admin::offers::list),
    route!(AM, offers::sys_admin::offers::get),
    route!(AM, offers::sys_admin::offers::matches),
    route!(AM, offers::sys_admin::referrals::list),
    route!(AM, offers::sys_admin::referrals::get),
    route!(AM, offers::sys_admin::demand_personas::get_assignment),
    route!(AM, offers::sys_admin::demand_personas::set_assignment),
    route!(AM, offers::sys_admin::take_rates::list_demand),
    route!(AM, offers::sys_admin::take_rates::set_demand),
    route!(AM, offers::sys_admin::take_rates::get_regional),
    route!(AM, offers::sys_admin::take_rates::set_regional),
    schedule!(offers::expire_offers),
    stream!(offers::retire_offers),
    stream!(offers::project_inbox),
    stream!(events::publish),
    route!(AM, offers::outbox::messages::get_file),
    route!(AM, offers::outbox::messages::presign_file),
    route!(AM, offers::inbox::messages::get_file),
    route!(AM, offers::inbox::messages::presign_file),
    route!(AM, offers::sys_admin::messages::by_file_id),
    route!(AM, offers::sys_admin::messages::list),
    route!(AM, offers::outbox::sequences::list),
    route!(AM, offers::inbox::sequences::list),
    route!(AM, offers::sys_admin::sequences::list),
    route!(AM, offers::inbox::form_submissions::create),
    route!(AM, offers::inbox::form_templates::latest),
    route!(AM, offers::outbox::form_submissions::get),
    route!(AM, offers::outbox::form_submissions::presign_attachment),
    route!(AM, offers::outbox::form_templates::publish),
    route!(AM, offers::downloads::get),
];

/// stacks/organizations.yaml: the Organizations API.
#[rustfmt::skip]
pub static ORGANIZATIONS_HANDLERS: &[Entry] = &[
    route!(AM, organizations::subscribe),
    route!(AM, organizations::sys_admin::subscribe),
    route!(AM, organizations::sys_admin::unsubscribe),
    route!(AM, organizations::sys_admin::list_subscriptions),
    route!(AM, organizations::healthz),
    route!(AM, organizations::list),
    route!(AM, organizations::demand_persona::get),
    route!(AM, organizations::demand_persona::activate),
    route!(AM, organizations::demand_persona::deactivate),
    route!(AM, organizations::demand_persona::trusted_network::list),
    route!(AM, organizations::demand_persona::trusted_network::set),
    route!(AM, organizations::supply_persona::get),
    route!(AM, organizations::supply_persona::activate),
    route!(AM, organizations::supply_persona::deactivate),
    route!(AM, organizations::supply_persona::care_types::set),
    route!(AM, organizations::supply_persona::trusted_network::list),
    route!(AM, organizations::anon_list),
    route!(AM, organizations::sign_up),
    route!(AM, organizations::api_keys::save),
    route!(AM, organizations::supply_persona::trusted_network::set),
    route!(AM, organizations::sys_admin::sign_up),
    route!(AM, organizations::sys_admin::confirm_sign_up),
    route!(AM, organizations::sys_admin::admin_confirm_sign_up),
    route!(AM, organizations::sys_admin::auto_sign_up::start),
    task!(organizations::sys_admin::auto_sign_up::sign_up),
    task!(organizations::sys_admin::auto_sign_up::configure_demand),
    task!(organizations::sys_admin::auto_sign_up::configure_supply),
    task!(organizations::sys_admin::auto_sign_up::subscribe),
    route!(AM, organizations::sys_admin::list),
    route!(AM, organizations::sys_admin::get),
    route!(AM, organizations::sys_admin::save_api_keys),
    route!(AM, organizations::sys_admin::edit),
    route!(AM, organizations::sys_admin::demand_persona::get),
    route!(AM, organizations::sys_admin::demand_persona::activate),
    route!(AM, organizations::sys_admin::demand_persona::deactivate),
    route!(AM, organizations::sys_admin::demand_persona::list_trusted_network),
    route!(AM, organizations::sys_admin::supply_persona::get),
    route!(AM, organizations::sys_admin::supply_persona::activate),
    route!(AM, organizations::sys_admin::supply_persona::deactivate),
    route!(AM, organizations::sys_admin::supply_persona::list_trusted_network),
    route!(AM, organizations::sys_admin::supply_persona::set_care_types),
    route!(AM, organizations::sys_admin::demand_persona::set_trusted_network),
    route!(AM, organizations::sys_admin::demand_persona::add_to_trusted_network),
    route!(AM, organizations::sys_admin::demand_persona::remove_from_trusted_network),
];

/// stacks/collector.yaml: the Event Collector API with its dispatcher and job scheduler.
#[rustfmt::skip]
pub static COLLECTOR_HANDLERS: &[Entry] = &[
    route!(TWC, collector::events::create),
    route!(TWC, collector::events::get),
    route!(TWC, collector::event_subscription::create),
    route!(TWC, collector::event_subscription::update),
    route!(TWC, collector::event_subscription::list),
    route!(TWC, collector::event_subscription::get),
    route!(TWC, collector::event_subscription::deactivate),
    route!(TWC, collector::jobs::create),
    route!(TWC, collector::jobs::list),
    route!(TWC, collector::jobs::get),
    route!(TWC, collector::jobs::update),
    route!(TWC, collector::jobs::delete_post),
    route!(TWC, collector::jobs::delete),
    stream!(collector::dispatch),
    queue!(collector::deliver),
    schedule!(collector::run_jobs),
];

/// stacks/notification.yaml: the Notification API and its feed consumer
/// (`events.notification_feed`).
#[rustfmt::skip]
pub static NOTIFICATION_HANDLERS: &[Entry] = &[
    route!(NOTIFICATION, notification::subscriptions::create),
    route!(NOTIFICATION, notification::subscriptions::get),
    route!(NOTIFICATION, notification::subscriptions::delete),
    route!(NOTIFICATION, notification::subscriptions::notifications),
    stream!(events::notification_feed),
];

/// stacks/listener.yaml: the Listener API, the hub (`hub.*`) and hub delivery
/// (`events.hub_delivery`).
#[rustfmt::skip]
pub static LISTENER_HANDLERS: &[Entry] = &[
    route!(LISTENER, externalapi::listener::create),
    route!(LISTENER, externalapi::hub::create),
    route!(LISTENER, externalapi::hub::list),
    route!(LISTENER, externalapi::hub::get),
    route!(LISTENER, externalapi::hub::delete),
    stream!(events::hub_delivery),
    queue!(events::hub_send),
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
#[rustfmt::skip]
pub static REGISTRY: &[Stack] = &[
    Stack { binary: "auth", entries: AUTH_HANDLERS },
    Stack { binary: "offers", entries: OFFERS_HANDLERS },
    Stack { binary: "organizations", entries: ORGANIZATIONS_HANDLERS },
    Stack { binary: "collector", entries: COLLECTOR_HANDLERS },
    Stack { binary: "notification", entries: NOTIFICATION_HANDLERS },
    Stack { binary: "listener", entries: LISTENER_HANDLERS },
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
