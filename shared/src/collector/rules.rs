//! Event Collector rules: which entity and interaction an event describes, which subscriptions
//! receive it, how destination credentials are shown, and when a cron job is due.

use croner::Cron;
use croner::parser::{CronParser, Seconds, Year};
use serde::{Deserialize, Serialize};

use crate::kernel::time::Timestamp;

/// `event_type` of an event: the seed's enum, its `ENTITY_EVENT` example value, and the event
/// kinds of the older Events API (`FAULT`, `SYSTEM`, `WARNING`, `ENTITY`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum EventType {
    Order,
    OrderEntry,
    Customer,
    Address,
    Product,
    VariantProduct,
    InventoryLevel,
    InventoryLocation,
    InventoryItem,
    Store,
    Merchant,
    Wishlist,
    WishlistItem,
    Other,
    Event,
    EntityEvent,
    Entity,
    Fault,
    System,
    Warning,
}

/// The entity types a subscription can name (`entityType`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum EntityType {
    Customer,
    InventoryLevel,
    InventoryLocation,
    Order,
    Price,
    Product,
    VariantProduct,
    Wishlist,
}

impl EntityType {
    pub const ALL: [EntityType; 8] = [
        EntityType::Customer,
        EntityType::InventoryLevel,
        EntityType::InventoryLocation,
        EntityType::Order,
        EntityType::Price,
        EntityType::Product,
        EntityType::VariantProduct,
        EntityType::Wishlist,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EntityType::Customer => "CUSTOMER",
            EntityType::InventoryLevel => "INVENTORY_LEVEL",
            EntityType::InventoryLocation => "INVENTORY_LOCATION",
            EntityType::Order => "ORDER",
            EntityType::Price => "PRICE",
            EntityType::Product => "PRODUCT",
            EntityType::VariantProduct => "VARIANT_PRODUCT",
            EntityType::Wishlist => "WISHLIST",
        }
    }

    fn from_name(name: &str) -> Option<EntityType> {
        let name = name.trim().to_ascii_uppercase().replace([' ', '-'], "_");
        EntityType::ALL.into_iter().find(|e| e.as_str() == name)
    }

    /// The entity an `event_type` names directly, if any.
    fn of_event_type(t: EventType) -> Option<EntityType> {
        Some(match t {
            EventType::Customer => EntityType::Customer,
            EventType::InventoryLevel => EntityType::InventoryLevel,
            EventType::InventoryLocation => EntityType::InventoryLocation,
            EventType::Order => EntityType::Order,
            EventType::Product => EntityType::Product,
            EventType::VariantProduct => EntityType::VariantProduct,
            EventType::Wishlist => EntityType::Wishlist,
            _ => return None,
        })
    }
}

/// `event_payload.operation`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Operation {
    Create,
    BulkCreate,
    Update,
    BulkUpdate,
    Delete,
    Read,
}

/// What a change did to an entity, as the subscription flags and the delivery name it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Interaction {
    Created,
    Changed,
    Deleted,
}

impl Operation {
    /// `READ` changes nothing, so no subscription flag covers it.
    pub fn interaction(self) -> Option<Interaction> {
        match self {
            Operation::Create | Operation::BulkCreate => Some(Interaction::Created),
            Operation::Update | Operation::BulkUpdate => Some(Interaction::Changed),
            Operation::Delete => Some(Interaction::Deleted),
            Operation::Read => None,
        }
    }
}

/// The entity an event is about: its `event_type` when that names an entity, else its
/// `entity_name` (the seed's own example posts `"event_type": "ENTITY_EVENT"` and can only
/// name the entity there).
pub fn entity_of(event_type: EventType, entity_name: Option<&str>) -> Option<EntityType> {
    EntityType::of_event_type(event_type).or_else(|| entity_name.and_then(EntityType::from_name))
}

/// The enum value's name on the wire (`ENTITY_EVENT`, `BULK_CREATE`, …).
pub fn wire_name<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}

/// The event's name in the platform's event-type catalogue, which Notification API
/// subscriptions use: `<ENTITY>.<OPERATION>` (`CUSTOMER.CREATE`), with the `event_type` in
/// place of the entity when none is known (`FAULT.UPDATE`), and without the operation when
/// there is none (`FAULT`).
pub fn catalogue_name(
    event_type: EventType,
    entity: Option<EntityType>,
    operation: Option<Operation>,
) -> String {
    let base = match entity {
        Some(e) => e.as_str().to_owned(),
        None => wire_name(&event_type),
    };
    match operation {
        Some(op) => format!("{base}.{}", wire_name(&op)),
        None => base,
    }
}

/// The flags of an event subscription that decide what it receives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Interest {
    pub active: bool,
    pub entity_type: EntityType,
    pub subscribe_create: bool,
    pub subscribe_change: bool,
    pub subscribe_delete: bool,
}

impl Interest {
    /// Whether a change of `interaction` to an `entity` reaches this subscription.
    pub fn wants(&self, entity: EntityType, interaction: Interaction) -> bool {
        self.active
            && self.entity_type == entity
            && match interaction {
                Interaction::Created => self.subscribe_create,
                Interaction::Changed => self.subscribe_change,
                Interaction::Deleted => self.subscribe_delete,
            }
    }
}

/// The mask shown instead of a stored secret.
pub const SECRET_MASK: &str = "********";

/// An access key as shown: its last four characters, the rest masked.
pub fn mask_access_key(key: &str) -> String {
    let chars: Vec<char> = key.chars().collect();
    if chars.len() <= 4 {
        return SECRET_MASK.into();
    }
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{SECRET_MASK}{tail}")
}

/// Whether an update carries a secret as the API showed it (masked), meaning "keep the
/// stored one".
pub fn is_masked(value: &str) -> bool {
    value.starts_with(SECRET_MASK)
}

/// A validated cron schedule. Accepts 5 fields (minute resolution), 6 fields with seconds
/// (Spring's `@Scheduled` form, which the upstream service used) and 7 with a year; `?`, `L`,
/// `W` and `#` work as in Quartz. Jobs run from a once-a-minute scheduler, so a schedule that
/// fires more often than once a minute is refused (a tenant cannot ask for more runs than
/// the scheduler makes, nor make it look behind).
#[derive(Clone, Debug)]
pub struct Schedule {
    cron: Cron,
    pub expression: String,
}

/// Why a job schedule is refused; each carries the message naming the field and expression.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleRejection {
    #[error("{0}")]
    NotCron(String),
    #[error("{0}")]
    NeverFires(String),
    #[error("{0}")]
    TooFrequent(String),
}

impl Schedule {
    pub fn parse(field: &str, expression: &str) -> Result<Self, ScheduleRejection> {
        let parser = CronParser::builder()
            .seconds(Seconds::Optional)
            .year(Year::Optional)
            .build();
        let cron = parser.parse(expression.trim()).map_err(|e| {
            ScheduleRejection::NotCron(format!(
                "{field} is not a valid cron expression ({expression:?}): {e}; expected \
                 [seconds] minutes hours day-of-month month day-of-week [year], e.g. \
                 \"0 0 9 * * MON\""
            ))
        })?;
        let schedule = Self {
            cron,
            expression: expression.trim().to_owned(),
        };
        // A pattern such as `0 0 30 2 *` parses but never fires.
        let probe = chrono::DateTime::from_timestamp(0, 0).expect("epoch");
        let Some(first) = schedule.next_after(probe) else {
            return Err(ScheduleRejection::NeverFires(format!(
                "{field} never fires ({expression:?})"
            )));
        };
        // Cron fields combine independently: if the seconds field fires twice in a minute, it
        // does so in every minute that fires, the first one included.
        if schedule
            .next_after(first)
            .is_some_and(|second| second - first < chrono::Duration::minutes(1))
        {
            return Err(ScheduleRejection::TooFrequent(format!(
                "{field} fires more often than once a minute ({expression:?}); jobs run at most once a minute"
            )));
        }
        Ok(schedule)
    }

    /// The first due time strictly after `t`.
    pub fn next_after(&self, t: Timestamp) -> Option<Timestamp> {
        self.cron.find_next_occurrence(&t, false).ok()
    }

    /// The latest due time at or before `t`.
    fn latest_at_or_before(&self, t: Timestamp) -> Option<Timestamp> {
        self.cron.find_previous_occurrence(&t, true).ok()
    }
}

/// A run the scheduler should make now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DueRun {
    /// The due time this run is for; one run per due time, ever.
    pub due: Timestamp,
    /// When the job is due next.
    pub next: Option<Timestamp>,
}

/// Decides whether a job whose next due time is `next_run_at` runs at `now`. After an outage
/// the missed due times collapse into one run for the latest of them: a reminder sent five
/// times at once helps nobody.
pub fn due_run(schedule: &Schedule, next_run_at: Timestamp, now: Timestamp) -> Option<DueRun> {
    if next_run_at > now {
        return None;
    }
    let due = schedule
        .latest_at_or_before(now)
        .filter(|d| *d >= next_run_at)
        .unwrap_or(next_run_at);
    Some(DueRun {
        due,
        next: schedule.next_after(now.max(due)),
    })
}

/// What a notification job sends (the published `notificationType`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum NotificationKind {
    Reminder,
    PriceDrop,
    LowStock,
    BackInStock,
}

impl NotificationKind {
    pub const ALL: [NotificationKind; 4] = [
        NotificationKind::Reminder,
        NotificationKind::PriceDrop,
        NotificationKind::LowStock,
        NotificationKind::BackInStock,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            NotificationKind::Reminder => "REMINDER",
            NotificationKind::PriceDrop => "PRICE_DROP",
            NotificationKind::LowStock => "LOW_STOCK",
            NotificationKind::BackInStock => "BACK_IN_STOCK",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(h: u32, m: u32, s: u32) -> Timestamp {
        chrono::Utc.with_ymd_and_hms(2026, 11, 22, h, m, s).unwrap()
    }

    #[test]
    fn the_entity_comes_from_the_event_type_or_else_the_entity_name() {
        assert_eq!(
            entity_of(EventType::Customer, None),
            Some(EntityType::Customer)
        );
        assert_eq!(
            entity_of(EventType::Order, Some("customer")),
            Some(EntityType::Order)
        );
        assert_eq!(
            entity_of(EventType::EntityEvent, Some("variant product")),
            Some(EntityType::VariantProduct)
        );
        assert_eq!(
            entity_of(EventType::EntityEvent, Some("string")),
            None,
            "the seed's placeholder names no entity"
        );
        assert_eq!(entity_of(EventType::Fault, None), None);
    }

    #[test]
    fn catalogue_names_join_entity_and_operation() {
        assert_eq!(
            catalogue_name(
                EventType::EntityEvent,
                Some(EntityType::Customer),
                Some(Operation::Create)
            ),
            "CUSTOMER.CREATE"
        );
        assert_eq!(
            catalogue_name(EventType::Fault, None, Some(Operation::BulkUpdate)),
            "FAULT.BULK_UPDATE"
        );
        assert_eq!(
            catalogue_name(EventType::EntityEvent, None, None),
            "ENTITY_EVENT"
        );
    }

    #[test]
    fn operations_map_to_the_subscription_flags() {
        assert_eq!(Operation::Create.interaction(), Some(Interaction::Created));
        assert_eq!(
            Operation::BulkCreate.interaction(),
            Some(Interaction::Created)
        );
        assert_eq!(Operation::Update.interaction(), Some(Interaction::Changed));
        assert_eq!(
            Operation::BulkUpdate.interaction(),
            Some(Interaction::Changed)
        );
        assert_eq!(Operation::Delete.interaction(), Some(Interaction::Deleted));
        assert_eq!(Operation::Read.interaction(), None);
    }

    #[test]
    fn a_subscription_wants_its_entity_and_flagged_interactions_while_active() {
        let s = Interest {
            active: true,
            entity_type: EntityType::Customer,
            subscribe_create: true,
            subscribe_change: false,
            subscribe_delete: true,
        };
        assert!(s.wants(EntityType::Customer, Interaction::Created));
        assert!(!s.wants(EntityType::Customer, Interaction::Changed));
        assert!(s.wants(EntityType::Customer, Interaction::Deleted));
        assert!(!s.wants(EntityType::Order, Interaction::Created));
        let inactive = Interest { active: false, ..s };
        assert!(!inactive.wants(EntityType::Customer, Interaction::Created));
    }

    #[test]
    fn secrets_are_masked() {
        assert_eq!(mask_access_key("AKIAIOSFODNN7EXAMPLE"), "********MPLE");
        assert_eq!(mask_access_key("abc"), "********");
        assert!(is_masked(&mask_access_key("AKIAIOSFODNN7EXAMPLE")));
        assert!(!is_masked("AKIAIOSFODNN7EXAMPLE"));
    }

    #[test]
    fn cron_expressions_are_checked() {
        for ok in [
            "* * * * *",
            "0 */5 * * * *",
            "0 0 9 ? * MON-FRI",
            "0 0 12 L * ?",
            "@daily",
        ] {
            assert!(Schedule::parse("schedule", ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "string",
            "* * *",
            "61 * * * *",
            "0 0 30 2 *",
            "* * * * * *",
            "*/30 * * * * *",
            "0,59 0 12 1 1 *",
        ] {
            let e = Schedule::parse("schedule", bad).unwrap_err().to_string();
            assert!(e.starts_with("schedule "), "{bad}: {e}");
        }
        // The seed's placeholder is told what a schedule looks like.
        let e = Schedule::parse("schedule", "string")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("day-of-week [year], e.g. \"0 0 9 * * MON\""),
            "{e}"
        );
    }

    #[test]
    fn a_job_runs_once_per_due_time() {
        let every_minute = Schedule::parse("schedule", "* * * * *").unwrap();
        let next = every_minute.next_after(at(10, 0, 30)).unwrap();
        assert_eq!(next, at(10, 1, 0));
        assert_eq!(due_run(&every_minute, next, at(10, 0, 59)), None);
        let run = due_run(&every_minute, next, at(10, 1, 0)).unwrap();
        assert_eq!(run.due, at(10, 1, 0));
        assert_eq!(run.next, Some(at(10, 2, 0)));
        // A scheduler tick a few seconds late still runs the 10:01 slot.
        let late = due_run(&every_minute, next, at(10, 1, 7)).unwrap();
        assert_eq!(late.due, at(10, 1, 0));
        assert_eq!(late.next, Some(at(10, 2, 0)));
    }

    #[test]
    fn missed_due_times_collapse_into_one_run() {
        let hourly = Schedule::parse("schedule", "0 * * * *").unwrap();
        let run = due_run(&hourly, at(6, 0, 0), at(9, 30, 0)).unwrap();
        assert_eq!(run.due, at(9, 0, 0));
        assert_eq!(run.next, Some(at(10, 0, 0)));
    }
}
