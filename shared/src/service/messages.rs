//! Messages in a sequence: either side sends, lists and reads; the other side hears of each
//! new message. A sequence the caller is not a party to (on the side it calls from) is "not
//! found".

use crate::api::messages::{MessageDetail, MessageQuery, MessageSendRequest, MessageSummary};
use crate::app::App;
use crate::domain::message::{Message, SenderType, SequenceParties};
use crate::error::ApiError;
use crate::events::{EventRecord, NamedRef};
use crate::ids::{MessageId, OrgId, SequenceId};
use crate::paging::{Page, PageRequest, SortOrder, paginate};
use crate::time::now;

async fn parties(
    app: &App,
    side: SenderType,
    org: OrgId,
    id: SequenceId,
) -> Result<SequenceParties, ApiError> {
    app.db
        .sequence_parties(id)
        .await?
        .filter(|p| p.org(side) == org)
        .ok_or_else(|| ApiError::not_found("Sequence"))
}

/// `POST /offers/v1/{outbox,inbox}/messages`
pub async fn send(
    app: &App,
    side: SenderType,
    org: OrgId,
    req: MessageSendRequest,
) -> Result<MessageDetail, ApiError> {
    let p = parties(app, side, org, req.sequence_id).await?;
    let at = now();
    let message = Message::compose(&p, side, req.category, req.text, req.author, req.file, at)?;
    let sender = app
        .db
        .get_org(org)
        .await?
        .ok_or_else(|| ApiError::internal(format!("organization {org} missing")))?;
    let (channel, name, recipient) = message.notice();
    let event = EventRecord::message(
        channel,
        name,
        recipient,
        &message,
        NamedRef {
            id: org.to_string(),
            name: sender.name,
        },
        at,
    );
    app.db.put_message(&message, &event).await?;
    Ok(MessageDetail::from(&message))
}

/// `GET /offers/v1/{outbox,inbox}/messages?sequence_id=…`
pub async fn list(
    app: &App,
    side: SenderType,
    org: OrgId,
    q: MessageQuery,
) -> Result<Page<MessageSummary>, ApiError> {
    let paging = PageRequest::parse(q.page, q.items_per_page, q.sort_order)?;
    parties(app, side, org, q.sequence_id).await?;
    let mut messages: Vec<Message> = app
        .db
        .messages_of_sequence(q.sequence_id)
        .await?
        .into_iter()
        .filter(|m| q.matches(m))
        .collect();
    messages.sort_by_key(|m| (m.created_at, m.id));
    if paging.sort_order == SortOrder::Desc {
        messages.reverse();
    }
    Ok(paginate(messages, paging).map(|m| MessageSummary::from(&m)))
}

/// `GET /offers/v1/{outbox,inbox}/messages/{message_id}`
pub async fn get(
    app: &App,
    side: SenderType,
    org: OrgId,
    id: MessageId,
) -> Result<MessageDetail, ApiError> {
    let m = app
        .db
        .get_message(id)
        .await?
        .filter(|m| match side {
            SenderType::Demand => m.demand_org_id == org,
            SenderType::Supply => m.supply_org_id == org,
        })
        .ok_or_else(|| ApiError::not_found("Message"))?;
    Ok(MessageDetail::from(&m))
}
