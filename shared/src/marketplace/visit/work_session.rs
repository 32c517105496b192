//! Work sessions: a caregiver's start and end on a visit.

use serde::{Deserialize, Serialize};

use crate::events::EventName;
use crate::kernel::ids::{OrgId, VisitId, WorkSessionId};
use crate::kernel::time::{Timestamp, serde_ts};

use crate::marketplace::referral::ReferralStatus;
use crate::marketplace::visit::Visit;
use crate::marketplace::visit::VisitRejection;
use crate::marketplace::visit::VisitStatus;

/// A work session as stored, in its visit's partition.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WorkSession {
    pub id: WorkSessionId,
    pub visit_id: VisitId,
    pub visit_outbox_id: Option<String>,
    pub visit_inbox_id: Option<String>,
    pub demand_org_id: OrgId,
    pub supply_org_id: OrgId,
    /// The supplier's id of the session (unique per visit).
    pub inbox_id: String,
    #[serde(with = "serde_ts")]
    pub start_at: Timestamp,
    pub start_latitude: Option<f64>,
    pub start_longitude: Option<f64>,
    #[serde(default, with = "serde_ts::option")]
    pub end_at: Option<Timestamp>,
    pub end_latitude: Option<f64>,
    pub end_longitude: Option<f64>,
    pub version: u64,
    #[serde(with = "serde_ts")]
    pub created_at: Timestamp,
}

/// Where a work session starts or ends.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Point {
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
}

/// A started or ended session, the visit that tracks the open one, and the event.
#[derive(Clone, Debug, PartialEq)]
pub struct SessionChange {
    pub visit: Visit,
    pub session: WorkSession,
    pub name: EventName,
}

impl Visit {
    /// Starts a work session: only on a scheduled visit of a live referral, only when no
    /// other session is open on it, with an `inbox_id` new on this visit.
    pub fn start_session(
        &self,
        referral_status: ReferralStatus,
        existing: &[WorkSession],
        inbox_id: &str,
        start_at: Timestamp,
        at: Point,
        now: Timestamp,
    ) -> Result<SessionChange, VisitRejection> {
        self.live(referral_status)?;
        if self.status != VisitStatus::Scheduled {
            return Err(VisitRejection::WrongStatus(self.status));
        }
        if existing.iter().any(|s| s.inbox_id == inbox_id) {
            return Err(VisitRejection::DuplicateSession);
        }
        if self.open_work_session_id.is_some() || existing.iter().any(|s| s.end_at.is_none()) {
            return Err(VisitRejection::SessionOpen);
        }
        let session = WorkSession {
            id: WorkSessionId::new(),
            visit_id: self.id,
            visit_outbox_id: self.outbox_id.clone(),
            visit_inbox_id: self.inbox_id.clone(),
            demand_org_id: self.demand_org_id,
            supply_org_id: self.supply_org_id,
            inbox_id: inbox_id.to_owned(),
            start_at,
            start_latitude: at.latitude,
            start_longitude: at.longitude,
            end_at: None,
            end_latitude: None,
            end_longitude: None,
            version: 1,
            created_at: now,
        };
        // The visit's version guards "one open session"; its last-modified time is about the
        // visit itself, so it is left alone.
        let mut visit = self.clone();
        visit.version += 1;
        visit.open_work_session_id = Some(session.id);
        Ok(SessionChange {
            visit,
            session,
            name: EventName::WorkSessionStarted,
        })
    }

    /// Ends an open work session of this visit: once, not before it started. A session can
    /// be ended whatever has happened to the visit since (a caregiver clocks out regardless).
    pub fn end_session(
        &self,
        session: &WorkSession,
        end_at: Timestamp,
        at: Point,
    ) -> Result<SessionChange, VisitRejection> {
        if session.end_at.is_some() {
            return Err(VisitRejection::SessionEnded);
        }
        if end_at < session.start_at {
            return Err(VisitRejection::EndsBeforeStart("end_at", "start_at"));
        }
        let mut ended = session.clone();
        ended.version += 1;
        ended.end_at = Some(end_at);
        ended.end_latitude = at.latitude;
        ended.end_longitude = at.longitude;
        let mut visit = self.clone();
        visit.version += 1;
        if visit.open_work_session_id == Some(session.id) {
            visit.open_work_session_id = None;
        }
        Ok(SessionChange {
            visit,
            session: ended,
            name: EventName::WorkSessionEnded,
        })
    }
}

// The events this aggregate emits: the builders live beside the aggregate, so `events`
// (the channels, names and record) does not depend on the domain.
