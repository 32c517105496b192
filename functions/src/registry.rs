//! The handler registry: one line per handler, tying the name a function's `Handler` setting
//! gives in the stack templates to its code. There is one table per nested stack
//! (stacks/<stack>.yaml), and each is the whole content of that stack's binary
//! (`src/bin/<stack>.rs`), so a function links only its own family's handlers and the clients
//! they call. [`REGISTRY`] names them all, for the local stack and the tests; no binary refers
//! to it. A route's method and path are declared in the template and docs/openapi.yaml only;
//! tests/platform/drift.rs checks the tables against the templates (including each function's
//! `BuildProperties.Binary`), `events/` and docs/openapi.yaml.
//!
//! The tables are kept one line per handler, wider than rustfmt's width, so they read as tables.

use lambda_http::Request;
use shared::http::Family;
use shared::http::HttpResponse;
use shared::{ApiError, App};

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
    route!("auth.healthz", AM, auth::healthz),
    route!("auth.login", AM, auth::login),
    route!("auth.current_identity", AM, auth::current_identity),
    route!("auth.change_password", AM, auth::change_password),
    route!("auth.forgot_password", AM, auth::forgot_password),
    route!("auth.confirm_forgot_password", AM, auth::confirm_forgot_password),
    route!("oauth.token", OAUTH, oauth::token),
    route!("oauth.create_client", OAUTH, oauth::create_client),
    route!("oauth.get_client", OAUTH, oauth::get_client),
    route!("oauth.delete_client", OAUTH, oauth::delete_client),
];

/// stacks/offers.yaml: the Offers API, offer expiry and the outbox/inbox publisher
/// (`events.publish`).
#[rustfmt::skip]
pub static OFFERS_HANDLERS: &[Entry] = &[
    route!("offers.healthz", AM, offers::healthz),
    route!("offers.outbox.create_offer", AM, offers::outbox::offers::create),
    route!("offers.outbox.list_offers", AM, offers::outbox::offers::list),
    route!("offers.outbox.get_offer", AM, offers::outbox::offers::get),
    route!("offers.outbox.list_offer_matches", AM, offers::outbox::offers::matches),
    route!("offers.outbox.close_offer", AM, offers::outbox::offers::close),
    route!("offers.outbox.assign_offer", AM, offers::outbox::offers::assign),
    route!("offers.inbox.list_offers", AM, offers::inbox::offers::list),
    route!("offers.inbox.get_offer", AM, offers::inbox::offers::get),
    route!("offers.inbox.accept_offer", AM, offers::inbox::offers::accept),
    route!("offers.inbox.decline_offer", AM, offers::inbox::offers::decline),
    route!("offers.demand_personas.get_assignment_setting", AM, offers::demand_personas::get_assignment),
    route!("offers.demand_personas.set_assignment_setting", AM, offers::demand_personas::set_assignment),
    route!("offers.outbox.list_referrals", AM, offers::outbox::referrals::list),
    route!("offers.outbox.get_referral", AM, offers::outbox::referrals::get),
    route!("offers.inbox.list_referrals", AM, offers::inbox::referrals::list),
    route!("offers.outbox.cancel_referral", AM, offers::outbox::referrals::cancel),
    route!("offers.inbox.mark_referral_processed", AM, offers::inbox::referrals::mark_processed),
    route!("offers.inbox.cancel_referral", AM, offers::inbox::referrals::cancel),
    route!("offers.inbox.get_referral", AM, offers::inbox::referrals::get),
    route!("offers.outbox.visits.list", AM, offers::outbox::visits::list),
    route!("offers.outbox.visits.get", AM, offers::outbox::visits::get),
    route!("offers.outbox.work_sessions.list", AM, offers::outbox::work_sessions::list),
    route!("offers.inbox.visits.list", AM, offers::inbox::visits::list),
    route!("offers.inbox.visits.get", AM, offers::inbox::visits::get),
    route!("offers.inbox.visits.get_by_inbox_id", AM, offers::inbox::visits::get_by_inbox_id),
    route!("offers.inbox.visits.schedule", AM, offers::inbox::visits::schedule),
    route!("offers.inbox.visits.assign", AM, offers::inbox::visits::assign),
    route!("offers.inbox.visits.unassign", AM, offers::inbox::visits::unassign),
    route!("offers.inbox.visits.delete", AM, offers::inbox::visits::delete),
    route!("offers.inbox.visits.hold", AM, offers::inbox::visits::hold),
    route!("offers.inbox.visits.cancel", AM, offers::inbox::visits::cancel),
    route!("offers.inbox.visits.reactivate", AM, offers::inbox::visits::reactivate),
    route!("offers.inbox.visits.adjust_timekeeping", AM, offers::inbox::visits::adjust_timekeeping),
    route!("offers.inbox.visits.reschedule", AM, offers::inbox::visits::reschedule),
    route!("offers.inbox.visits.create_tasks", AM, offers::inbox::visits::create_tasks),
    route!("offers.inbox.visits.complete_tasks", AM, offers::inbox::visits::complete_tasks),
    route!("offers.inbox.work_sessions.start", AM, offers::inbox::work_sessions::start),
    route!("offers.inbox.work_sessions.end", AM, offers::inbox::work_sessions::end),
    route!("offers.sys_admin.visits.list", AM, offers::sys_admin::visits::list),
    route!("offers.sys_admin.visits.get", AM, offers::sys_admin::visits::get),
    route!("offers.outbox.send_message", AM, offers::outbox::messages::send),
    route!("offers.outbox.list_messages", AM, offers::outbox::messages::list),
    route!("offers.outbox.get_message", AM, offers::outbox::messages::get),
    route!("offers.inbox.send_message", AM, offers::inbox::messages::send),
    route!("offers.inbox.list_messages", AM, offers::inbox::messages::list),
    route!("offers.inbox.get_message", AM, offers::inbox::messages::get),
    route!("offers.outbox.create_shift_offers", AM, offers::outbox::offers::create_shift),
    route!("offers.outbox.create_bundle_offers", AM, offers::outbox::offers::create_bundle),
    route!("offers.outbox.create_referral", AM, offers::outbox::referrals::create),
    route!("offers.outbox.update_referral", AM, offers::outbox::referrals::update),
    route!("offers.inbox.update_referral_tasks", AM, offers::inbox::referrals::update_tasks),
    route!("offers.sys_admin.list_offers", AM, offers::sys_admin::offers::list_offers),
    route!("offers.sys_admin.get_offer", AM, offers::sys_admin::offers::get_offer),
    route!("offers.sys_admin.list_offer_matches", AM, offers::sys_admin::offers::list_offer_matches),
    route!("offers.sys_admin.list_referrals", AM, offers::sys_admin::referrals::list_referrals),
    route!("offers.sys_admin.get_referral", AM, offers::sys_admin::referrals::get_referral),
    route!("offers.sys_admin.get_assignment_setting", AM, offers::sys_admin::demand_personas::get_assignment),
    route!("offers.sys_admin.set_assignment_setting", AM, offers::sys_admin::demand_personas::set_assignment),
    route!("offers.sys_admin.list_demand_take_rates", AM, offers::sys_admin::take_rates::list_demand_take_rates),
    route!("offers.sys_admin.set_demand_take_rate", AM, offers::sys_admin::take_rates::set_demand_take_rate),
    route!("offers.sys_admin.get_regional_take_rate", AM, offers::sys_admin::take_rates::get_regional_take_rate),
    route!("offers.sys_admin.set_regional_take_rate", AM, offers::sys_admin::take_rates::set_regional_take_rate),
    schedule!("offers.expire_offers", offers::expire::call),
    stream!("events.publish", events::publish::call),
    route!("offers.outbox.messages.get_file", AM, offers::outbox::messages::get_file),
    route!("offers.outbox.messages.presign_file", AM, offers::outbox::messages::presign_file),
    route!("offers.inbox.messages.get_file", AM, offers::inbox::messages::get_file),
    route!("offers.inbox.messages.presign_file", AM, offers::inbox::messages::presign_file),
    route!("offers.sys_admin.messages.by_file_id", AM, offers::sys_admin::messages::by_file_id),
    route!("offers.sys_admin.messages.list", AM, offers::sys_admin::messages::list),
    route!("offers.outbox.sequences.list", AM, offers::outbox::sequences::list),
    route!("offers.inbox.sequences.list", AM, offers::inbox::sequences::list),
    route!("offers.sys_admin.sequences.list", AM, offers::sys_admin::sequences::list),
    route!("offers.inbox.form_submissions.create", AM, offers::inbox::form_submissions::create),
    route!("offers.inbox.form_templates.latest", AM, offers::inbox::form_templates::latest),
    route!("offers.outbox.form_submissions.get", AM, offers::outbox::form_submissions::get),
    route!("offers.outbox.form_submissions.presign_attachment", AM, offers::outbox::form_submissions::presign_attachment),
    route!("offers.outbox.form_templates.publish", AM, offers::outbox::form_templates::publish),
    route!("offers.downloads.get", AM, offers::downloads::get),
];

/// stacks/organizations.yaml: the Organizations API.
#[rustfmt::skip]
pub static ORGANIZATIONS_HANDLERS: &[Entry] = &[
    route!("organizations.subscribe", AM, organizations::subscribe::subscribe),
    route!("organizations.sys_admin.subscribe", AM, organizations::sys_admin::subscribe),
    route!("organizations.sys_admin.unsubscribe", AM, organizations::sys_admin::unsubscribe),
    route!("organizations.sys_admin.list_subscriptions", AM, organizations::sys_admin::list_subscriptions),
    route!("organizations.healthz", AM, organizations::healthz),
    route!("organizations.list_organizations", AM, organizations::list),
    route!("organizations.demand_persona.get_demand_persona", AM, organizations::demand_persona::get),
    route!("organizations.demand_persona.activate_demand_persona", AM, organizations::demand_persona::activate),
    route!("organizations.demand_persona.deactivate_demand_persona", AM, organizations::demand_persona::deactivate),
    route!("organizations.demand_persona.list_trusted_network", AM, organizations::demand_persona::trusted_network::list),
    route!("organizations.demand_persona.set_trusted_network", AM, organizations::demand_persona::trusted_network::set),
    route!("organizations.supply_persona.get_supply_persona", AM, organizations::supply_persona::get),
    route!("organizations.supply_persona.activate_supply_persona", AM, organizations::supply_persona::activate),
    route!("organizations.supply_persona.deactivate_supply_persona", AM, organizations::supply_persona::deactivate),
    route!("organizations.supply_persona.set_care_types", AM, organizations::supply_persona::care_types::set),
    route!("organizations.supply_persona.list_trusted_network", AM, organizations::supply_persona::trusted_network::list),
    route!("organizations.anon_list_organizations", AM, organizations::anon_list),
    route!("organizations.sign_up", AM, organizations::sign_up::sign_up),
    route!("organizations.save_api_keys", AM, organizations::api_keys::save),
    route!("organizations.supply_persona.set_trusted_network", AM, organizations::supply_persona::trusted_network::set),
    route!("organizations.sys_admin.sign_up", AM, organizations::sys_admin::sign_up::sign_up),
    route!("organizations.sys_admin.confirm_sign_up", AM, organizations::sys_admin::sign_up::confirm),
    route!("organizations.sys_admin.admin_confirm_sign_up", AM, organizations::sys_admin::sign_up::admin_confirm),
    route!("organizations.sys_admin.auto_sign_up", AM, organizations::sys_admin::auto_sign_up::start),
    task!("organizations.sys_admin.auto_sign_up.sign_up", organizations::sys_admin::auto_sign_up::sign_up),
    task!("organizations.sys_admin.auto_sign_up.configure_demand", organizations::sys_admin::auto_sign_up::configure_demand),
    task!("organizations.sys_admin.auto_sign_up.configure_supply", organizations::sys_admin::auto_sign_up::configure_supply),
    task!("organizations.sys_admin.auto_sign_up.subscribe", organizations::sys_admin::auto_sign_up::subscribe),
    route!("organizations.sys_admin.list_organizations", AM, organizations::sys_admin::list),
    route!("organizations.sys_admin.get_organization", AM, organizations::sys_admin::get),
    route!("organizations.sys_admin.save_api_keys", AM, organizations::sys_admin::save_api_keys),
    route!("organizations.sys_admin.edit_organization", AM, organizations::sys_admin::edit),
    route!("organizations.sys_admin.demand_persona.get_demand_persona", AM, organizations::sys_admin::demand_persona::get),
    route!("organizations.sys_admin.demand_persona.activate_demand_persona", AM, organizations::sys_admin::demand_persona::activate),
    route!("organizations.sys_admin.demand_persona.deactivate_demand_persona", AM, organizations::sys_admin::demand_persona::deactivate),
    route!("organizations.sys_admin.demand_persona.list_trusted_network", AM, organizations::sys_admin::demand_persona::list_trusted_network),
    route!("organizations.sys_admin.supply_persona.get_supply_persona", AM, organizations::sys_admin::supply_persona::get),
    route!("organizations.sys_admin.supply_persona.activate_supply_persona", AM, organizations::sys_admin::supply_persona::activate),
    route!("organizations.sys_admin.supply_persona.deactivate_supply_persona", AM, organizations::sys_admin::supply_persona::deactivate),
    route!("organizations.sys_admin.supply_persona.list_trusted_network", AM, organizations::sys_admin::supply_persona::list_trusted_network),
    route!("organizations.sys_admin.supply_persona.set_care_types", AM, organizations::sys_admin::supply_persona::set_care_types),
    route!("organizations.sys_admin.demand_persona.set_trusted_network", AM, organizations::sys_admin::demand_persona::set_trusted_network),
    route!("organizations.sys_admin.demand_persona.add_to_trusted_network", AM, organizations::sys_admin::demand_persona::add_to_trusted_network),
    route!("organizations.sys_admin.demand_persona.remove_from_trusted_network", AM, organizations::sys_admin::demand_persona::remove_from_trusted_network),
];

/// stacks/collector.yaml: the Event Collector API with its dispatcher and job scheduler.
#[rustfmt::skip]
pub static COLLECTOR_HANDLERS: &[Entry] = &[
    route!("collector.events.create", TWC, collector::events::create),
    route!("collector.events.get", TWC, collector::events::get),
    route!("collector.event_subscription.create", TWC, collector::event_subscription::create),
    route!("collector.event_subscription.update", TWC, collector::event_subscription::update),
    route!("collector.event_subscription.list", TWC, collector::event_subscription::list),
    route!("collector.event_subscription.get", TWC, collector::event_subscription::get),
    route!("collector.event_subscription.deactivate", TWC, collector::event_subscription::deactivate),
    route!("collector.jobs.create", TWC, collector::jobs::create),
    route!("collector.jobs.list", TWC, collector::jobs::list),
    route!("collector.jobs.get", TWC, collector::jobs::get),
    route!("collector.jobs.update", TWC, collector::jobs::update),
    route!("collector.jobs.delete_post", TWC, collector::jobs::delete),
    route!("collector.jobs.delete", TWC, collector::jobs::delete),
    stream!("collector.dispatch", collector::dispatch::call),
    queue!("collector.deliver", collector::deliver::call),
    schedule!("collector.run_jobs", collector::run_jobs::call),
];

/// stacks/notification.yaml: the Notification API and its feed consumer
/// (`events.notification_feed`).
#[rustfmt::skip]
pub static NOTIFICATION_HANDLERS: &[Entry] = &[
    route!("notification.create_subscription", NOTIFICATION, notification::subscriptions::create),
    route!("notification.get_subscription", NOTIFICATION, notification::subscriptions::get),
    route!("notification.delete_subscription", NOTIFICATION, notification::subscriptions::delete),
    route!("notification.get_notifications", NOTIFICATION, notification::subscriptions::notifications),
    stream!("events.notification_feed", events::notification_feed::call),
];

/// stacks/listener.yaml: the Listener API, the hub (`hub.*`) and hub delivery
/// (`events.hub_delivery`).
#[rustfmt::skip]
pub static LISTENER_HANDLERS: &[Entry] = &[
    route!("listener.create_event", LISTENER, externalapi::listener::create),
    route!("hub.create_subscription", LISTENER, externalapi::hub::create),
    route!("hub.list_subscriptions", LISTENER, externalapi::hub::list),
    route!("hub.get_subscription", LISTENER, externalapi::hub::get),
    route!("hub.delete_subscription", LISTENER, externalapi::hub::delete),
    stream!("events.hub_delivery", events::hub_delivery::call),
    queue!("events.hub_send", events::hub_send::call),
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
