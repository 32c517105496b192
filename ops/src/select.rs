//! Which parked units an operator means: by source, time window, tenant or organization,
//! event type, destination, entry or event id. Pure, so the rules are tested on their own.

use chrono::{DateTime, Duration, Utc};

use crate::parked::{Entry, Source, Unit};

/// Every condition given must hold; an empty filter selects everything.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    /// The queues to read; empty: all three.
    pub sources: Vec<Source>,
    /// The window `[since, until)` the event happened in (when the unit does not say, when
    /// it was parked).
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    /// An organization id or Event Collector / Listener tenant, exactly.
    pub tenant: Option<String>,
    /// An event type, ignoring case (`OfferMatched`, `customer.create`).
    pub event_type: Option<String>,
    /// Part of the destination or of what it reaches: a topic ARN or channel name, a
    /// subscription id, a callback URL, a consumer's handler.
    pub destination: Option<String>,
    /// Parked messages whose SQS message id starts with this.
    pub entry: Option<String>,
    pub event_id: Option<String>,
}

impl Filter {
    pub fn reads(&self, source: Source) -> bool {
        self.sources.is_empty() || self.sources.contains(&source)
    }

    /// Whether `unit` of `entry` is selected.
    pub fn selects(&self, entry: &Entry, unit: &Unit) -> bool {
        if !self.reads(entry.source) {
            return false;
        }
        if let Some(prefix) = &self.entry
            && !entry.message_id.starts_with(prefix.as_str())
        {
            return false;
        }
        let at = unit.occurred_at.or(entry.parked_at);
        let in_window = match at {
            Some(at) => {
                self.since.is_none_or(|since| at >= since)
                    && self.until.is_none_or(|until| at < until)
            }
            // A time-bound selection never takes what it cannot place.
            None => self.since.is_none() && self.until.is_none(),
        };
        in_window
            && self.tenant.as_ref().is_none_or(|t| &unit.tenant == t)
            && self.event_id.as_ref().is_none_or(|e| &unit.event_id == e)
            && self
                .event_type
                .as_ref()
                .is_none_or(|t| unit.event_type.eq_ignore_ascii_case(t))
            && self.destination.as_ref().is_none_or(|d| {
                unit.destination.contains(d.as_str())
                    || unit.target.as_ref().is_some_and(|t| t.contains(d.as_str()))
            })
    }

    /// Whether the filter names anything beyond the queues: a selection an operator made.
    pub fn narrows(&self) -> bool {
        self.since.is_some()
            || self.until.is_some()
            || self.tenant.is_some()
            || self.event_type.is_some()
            || self.destination.is_some()
            || self.entry.is_some()
            || self.event_id.is_some()
    }
}

/// A time argument: RFC 3339 (`2026-12-07T02:00:00Z`), or an age before `now` (`90m`,
/// `6h`, `2d`).
pub fn parse_time(text: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, String> {
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Ok(t.with_timezone(&Utc));
    }
    let unit = text.chars().last().unwrap_or(' ');
    let amount: i64 = text[..text.len() - unit.len_utf8().min(text.len())]
        .parse()
        .map_err(|_| format!("{text:?}: an RFC 3339 time or an age such as 90m, 6h, 2d"))?;
    let age = match unit {
        's' => Duration::seconds(amount),
        'm' => Duration::minutes(amount),
        'h' => Duration::hours(amount),
        'd' => Duration::days(amount),
        _ => return Err(format!("{text:?}: an age ends in s, m, h or d")),
    };
    Ok(now - age)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parked::{Body, Redrive};

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn entry(source: Source, id: &str, parked: &str) -> Entry {
        Entry {
            source,
            message_id: id.into(),
            receipt_handle: String::new(),
            parked_at: Some(at(parked)),
            body: Body::Unreadable(String::new()),
            units: Vec::new(),
            notes: Vec::new(),
        }
    }

    fn unit(tenant: &str, event_type: &str, destination: &str, occurred: Option<&str>) -> Unit {
        Unit {
            event_id: format!("{tenant}-{event_type}"),
            event_type: event_type.into(),
            tenant: tenant.into(),
            destination: destination.into(),
            target: Some("https://hooks.example.com/acme".into()),
            occurred_at: occurred.map(at),
            redrive: Redrive::Impossible(String::new()),
            marker: None,
        }
    }

    #[test]
    fn an_empty_filter_selects_everything() {
        let f = Filter::default();
        let e = entry(Source::Hub, "m1", "2026-12-07T10:00:00Z");
        assert!(f.selects(&e, &unit("acme", "T", "hub:s1", None)));
        assert!(!f.narrows());
    }

    #[test]
    fn the_window_is_the_events_time_or_else_when_it_was_parked() {
        let f = Filter {
            since: Some(at("2026-12-07T02:00:00Z")),
            until: Some(at("2026-12-07T03:00:00Z")),
            ..Filter::default()
        };
        let parked_late = entry(Source::Stream, "m1", "2026-12-07T03:30:00Z");
        let in_window = unit(
            "o1",
            "OfferMatched",
            "topic:x",
            Some("2026-12-07T02:59:59Z"),
        );
        let at_until = unit(
            "o1",
            "OfferMatched",
            "topic:x",
            Some("2026-12-07T03:00:00Z"),
        );
        assert!(
            f.selects(&parked_late, &in_window),
            "the event's time decides"
        );
        assert!(!f.selects(&parked_late, &at_until), "until is exclusive");
        let undated = unit("o1", "OfferMatched", "topic:x", None);
        assert!(
            !f.selects(&parked_late, &undated),
            "parked after the window"
        );
        let parked_in = entry(Source::Stream, "m2", "2026-12-07T02:30:00Z");
        assert!(f.selects(&parked_in, &undated));
        let unknown = Entry {
            parked_at: None,
            ..parked_in
        };
        assert!(
            !f.selects(&unknown, &undated),
            "no time at all: not in a window"
        );
    }

    #[test]
    fn tenant_type_destination_entry_and_source_each_narrow() {
        let e = entry(Source::Collector, "abc-123", "2026-12-07T10:00:00Z");
        let u = unit("acme", "CUSTOMER.CREATE", "collector:sub-1", None);
        let with = |f: Filter| f.selects(&e, &u);
        assert!(with(Filter {
            tenant: Some("acme".into()),
            ..Filter::default()
        }));
        assert!(!with(Filter {
            tenant: Some("acm".into()),
            ..Filter::default()
        }));
        assert!(with(Filter {
            event_type: Some("customer.create".into()),
            ..Filter::default()
        }));
        assert!(!with(Filter {
            event_type: Some("CUSTOMER.UPDATE".into()),
            ..Filter::default()
        }));
        for d in ["sub-1", "collector:", "hooks.example.com"] {
            assert!(with(Filter {
                destination: Some(d.into()),
                ..Filter::default()
            }));
        }
        assert!(!with(Filter {
            destination: Some("sub-2".into()),
            ..Filter::default()
        }));
        assert!(with(Filter {
            entry: Some("abc".into()),
            ..Filter::default()
        }));
        assert!(!with(Filter {
            entry: Some("123".into()),
            ..Filter::default()
        }));
        assert!(!with(Filter {
            sources: vec![Source::Hub, Source::Stream],
            ..Filter::default()
        }));
        assert!(with(Filter {
            sources: vec![Source::Collector],
            event_id: Some("acme-CUSTOMER.CREATE".into()),
            ..Filter::default()
        }));
    }

    #[test]
    fn times_are_rfc3339_or_ages() {
        let now = at("2026-12-07T12:00:00Z");
        assert_eq!(parse_time("6h", now).unwrap(), at("2026-12-07T06:00:00Z"));
        assert_eq!(parse_time("90m", now).unwrap(), at("2026-12-07T10:30:00Z"));
        assert_eq!(parse_time("2d", now).unwrap(), at("2026-12-05T12:00:00Z"));
        assert_eq!(
            parse_time("2026-12-07T02:00:00+01:00", now).unwrap(),
            at("2026-12-07T01:00:00Z")
        );
        for bad in ["", "h", "6y", "yesterday"] {
            assert!(parse_time(bad, now).is_err(), "{bad}");
        }
    }
}
