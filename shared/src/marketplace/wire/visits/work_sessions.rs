//! Work-session requests and views.

use serde::{Deserialize, Serialize};

use crate::edge::error::ApiError;
use crate::kernel::ids::{VisitId, WorkSessionId};
use crate::kernel::time::{Timestamp, serde_ts};
use crate::marketplace::common::{Latitude, Longitude, NonEmpty};
use crate::marketplace::visit::{Point, WorkSession};

/// Which visit a work-session request names: by id or by the supplier's `inbox_id`.
#[derive(Clone, Debug, PartialEq)]
pub enum VisitRef {
    Id(VisitId),
    InboxId(String),
}

/// The spec's "one of" rule, a 400 when neither or both are given.
fn one_of<A, B>(a: Option<A>, b: Option<B>, names: &str) -> Result<Result<A, B>, ApiError> {
    match (a, b) {
        (Some(a), None) => Ok(Ok(a)),
        (None, Some(b)) => Ok(Err(b)),
        _ => Err(ApiError::bad_request(format!(
            "exactly one of {names} must be given"
        ))),
    }
}

fn visit_ref(id: Option<VisitId>, inbox_id: Option<String>) -> Result<VisitRef, ApiError> {
    let inbox_id = inbox_id.filter(|s| !s.is_empty());
    Ok(match one_of(id, inbox_id, "visit_id or visit_inbox_id")? {
        Ok(id) => VisitRef::Id(id),
        Err(inbox) => VisitRef::InboxId(inbox),
    })
}

/// `InboxWorkSessionStartRequest`.
#[serde_with::skip_serializing_none]
#[derive(Debug, Deserialize, Serialize)]
pub struct StartWorkSessionRequest {
    #[serde(with = "serde_ts")]
    pub start_at: Timestamp,
    #[serde(default)]
    pub start_latitude: Option<Latitude>,
    #[serde(default)]
    pub start_longitude: Option<Longitude>,
    #[serde(default)]
    pub visit_id: Option<VisitId>,
    #[serde(default)]
    pub visit_inbox_id: Option<String>,
    pub inbox_id: NonEmpty,
}

impl StartWorkSessionRequest {
    pub fn visit(&self) -> Result<VisitRef, ApiError> {
        visit_ref(self.visit_id, self.visit_inbox_id.clone())
    }

    pub fn point(&self) -> Point {
        Point {
            latitude: self.start_latitude.map(Latitude::value),
            longitude: self.start_longitude.map(Longitude::value),
        }
    }
}

/// `InboxWorkSessionStartResponse`: the request and the session's id.
#[derive(Debug, Serialize)]
pub struct StartWorkSessionResponse {
    pub id: WorkSessionId,
    #[serde(flatten)]
    pub request: StartWorkSessionRequest,
}

/// Which session an end request names.
#[derive(Clone, Debug, PartialEq)]
pub enum SessionRef {
    Id(WorkSessionId),
    InboxId(String),
}

/// `InboxWorkSessionEndRequest`.
#[derive(Debug, Deserialize)]
pub struct EndWorkSessionRequest {
    #[serde(with = "serde_ts")]
    pub end_at: Timestamp,
    #[serde(default)]
    pub work_session_id: Option<WorkSessionId>,
    #[serde(default)]
    pub end_latitude: Option<Latitude>,
    #[serde(default)]
    pub end_longitude: Option<Longitude>,
    #[serde(default)]
    pub visit_id: Option<VisitId>,
    #[serde(default)]
    pub visit_inbox_id: Option<String>,
    #[serde(default)]
    pub inbox_id: Option<String>,
}

impl EndWorkSessionRequest {
    /// Both of the spec's "one of" rules (a 400 otherwise).
    pub fn refs(&self) -> Result<(SessionRef, VisitRef), ApiError> {
        let session = match one_of(
            self.work_session_id,
            self.inbox_id.clone().filter(|s| !s.is_empty()),
            "work_session_id or inbox_id",
        )? {
            Ok(id) => SessionRef::Id(id),
            Err(inbox) => SessionRef::InboxId(inbox),
        };
        Ok((
            session,
            visit_ref(self.visit_id, self.visit_inbox_id.clone())?,
        ))
    }

    pub fn point(&self) -> Point {
        Point {
            latitude: self.end_latitude.map(Latitude::value),
            longitude: self.end_longitude.map(Longitude::value),
        }
    }
}

/// `OutboxWorkSessionCollectionResponse`.
#[serde_with::skip_serializing_none]
#[derive(Debug, Serialize)]
pub struct WorkSessionView {
    pub id: WorkSessionId,
    pub visit_id: VisitId,
    pub visit_outbox_id: Option<String>,
    #[serde(with = "serde_ts")]
    pub start_at: Timestamp,
    #[serde(with = "serde_ts::option")]
    pub end_at: Option<Timestamp>,
    pub start_latitude: Option<f64>,
    pub start_longitude: Option<f64>,
    pub end_latitude: Option<f64>,
    pub end_longitude: Option<f64>,
}

impl From<&WorkSession> for WorkSessionView {
    fn from(s: &WorkSession) -> Self {
        Self {
            id: s.id,
            visit_id: s.visit_id,
            visit_outbox_id: s.visit_outbox_id.clone(),
            start_at: s.start_at,
            end_at: s.end_at,
            start_latitude: s.start_latitude,
            start_longitude: s.start_longitude,
            end_latitude: s.end_latitude,
            end_longitude: s.end_longitude,
        }
    }
}

/// `OutboxWorkSessionPageResponse` (not paged).
#[derive(Debug, Serialize)]
pub struct WorkSessionList {
    pub items: Vec<WorkSessionView>,
}

impl From<&[WorkSession]> for WorkSessionList {
    fn from(sessions: &[WorkSession]) -> Self {
        Self {
            items: sessions.iter().map(WorkSessionView::from).collect(),
        }
    }
}
