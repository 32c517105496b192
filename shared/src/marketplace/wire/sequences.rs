//! Sequence list models (`OutboxSequence*`, `InboxSequence*`, `SysAdminSequence*` of
//! openapi.offers.yaml) and the pre-signed URL response.

use serde::{Deserialize, Serialize};

use crate::edge::error::ApiError;
use crate::kernel::ids::{ClientId, OfferId, OrgId, SequenceId};
use crate::kernel::paging::SortOrder;
use crate::kernel::time::{Timestamp, serde_ts};
use crate::marketplace::common::OrganizationLean;
use crate::marketplace::sequence::{NamedSequence, Sequence};

/// The spec's `maxItems` of the `sequence_id` filter.
pub const MAX_SEQUENCE_IDS: usize = 100;

#[derive(Clone, Copy, Debug, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SequenceSortBy {
    #[default]
    LatestMessageCreatedAt,
}

/// Query of the three sequence lists; each side's own organization filter is implied by the
/// caller (the outbox takes `supply_persona_id`, the inbox `demand_persona_id`, sys_admin both).
#[derive(Debug, Default, Deserialize)]
pub struct SequenceQuery {
    pub demand_persona_id: Option<OrgId>,
    pub supply_persona_id: Option<OrgId>,
    pub client_outbox_id: Option<String>,
    #[serde(default)]
    pub sequence_id: Vec<SequenceId>,
    pub sort_by: Option<SequenceSortBy>,
    pub sort_order: Option<SortOrder>,
    pub page: Option<i64>,
    pub items_per_page: Option<i64>,
    /// The `next_page_token` of the page before (this platform's extension: a side's own list
    /// without a filter).
    pub page_token: Option<String>,
}

impl SequenceQuery {
    /// Whether the query lists every sequence of the partition it reads: no filter narrows
    /// it (the caller's own organization filter is implied by its side).
    pub fn unfiltered(&self) -> bool {
        self.demand_persona_id.is_none()
            && self.supply_persona_id.is_none()
            && self.client_outbox_id.is_none()
            && self.sequence_id.is_empty()
    }

    /// Refuses more ids than the spec allows (400).
    pub fn checked(self) -> Result<Self, ApiError> {
        if self.sequence_id.len() > MAX_SEQUENCE_IDS {
            return Err(ApiError::bad_request(format!(
                "sequence_id takes at most {MAX_SEQUENCE_IDS} ids"
            )));
        }
        Ok(self)
    }

    pub fn matches(&self, s: &Sequence) -> bool {
        self.demand_persona_id.is_none_or(|d| d == s.demand_org_id)
            && self.supply_persona_id.is_none_or(|o| o == s.supply_org_id)
            && self
                .client_outbox_id
                .as_ref()
                .is_none_or(|c| *c == s.client.outbox_id)
            && (self.sequence_id.is_empty() || self.sequence_id.contains(&s.id))
    }
}

/// Which list renders a sequence: the inbox does not see the demand's own ids of the client
/// and service, and each side sees the other side's organization.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SequenceView {
    Outbox,
    Inbox,
    SysAdmin,
}

#[derive(Debug, Serialize)]
pub struct DemographicsBody {
    pub first_name: String,
    pub last_name: String,
}

#[serde_with::skip_serializing_none]
#[derive(Debug, Serialize)]
pub struct SequenceClientBody {
    pub id: ClientId,
    pub outbox_id: Option<String>,
    pub demographics: DemographicsBody,
}

#[serde_with::skip_serializing_none]
#[derive(Debug, Serialize)]
pub struct SequenceServiceBody {
    pub outbox_id: Option<String>,
    pub name: String,
}

#[derive(Debug, Serialize)]
pub struct IdRef {
    pub id: OfferId,
}

/// `OutboxSequenceCollectionResponse` / `InboxSequenceCollectionResponse` /
/// `SysAdminSequenceCollectionResponse`.
#[serde_with::skip_serializing_none]
#[derive(Debug, Serialize)]
pub struct SequenceSummary {
    pub id: SequenceId,
    pub demand: Option<OrganizationLean>,
    pub supply: Option<OrganizationLean>,
    pub client: SequenceClientBody,
    pub service: SequenceServiceBody,
    /// The offer whose match opened the sequence (a direct referral's has none).
    pub offer: Option<IdRef>,
    #[serde(with = "serde_ts")]
    pub latest_message_created_at: Timestamp,
}

impl SequenceSummary {
    /// The sequence as `view` shows it: each side sees the other side's name (a sys_admin
    /// both), and only the demand and a sys_admin see the demand's own ids.
    pub fn render(named: &NamedSequence, view: SequenceView) -> Self {
        let s = &named.sequence;
        let demand_ids = view != SequenceView::Inbox;
        Self {
            id: s.id,
            demand: (view != SequenceView::Outbox).then(|| named.demand.clone()),
            supply: (view != SequenceView::Inbox).then(|| named.supply.clone()),
            client: SequenceClientBody {
                id: s.client.id,
                outbox_id: demand_ids.then(|| s.client.outbox_id.clone()),
                demographics: DemographicsBody {
                    first_name: s.client.first_name.clone(),
                    last_name: s.client.last_name.clone(),
                },
            },
            service: SequenceServiceBody {
                outbox_id: demand_ids.then(|| s.service.outbox_id.clone()),
                name: s.service.name.clone(),
            },
            offer: s.offer_id.map(|id| IdRef { id }),
            latest_message_created_at: s.latest_message_created_at,
        }
    }
}

/// `OrgAdminFilePresignedDetailResponse`.
#[derive(Debug, Serialize)]
pub struct PresignedUrl {
    pub url: String,
}
