//! Messages in a sequence: either side sends, lists and reads; the other side hears of each
//! new message. A sequence the caller is not a party to (on the side it calls from) is "not
//! found".

use crate::edge::error::ApiError;
use crate::events::{EventRecord, NamedRef};
use crate::infra::app::App;
use crate::infra::presign::{DownloadKind, presign};
use crate::kernel::ids::{FileId, MessageId, OrgId, SequenceId};
use crate::marketplace::message::{
    Message, NamedMessage, SenderType, SequenceOrigin, SequenceParties,
};
use crate::marketplace::sequence::{Sequence, SequenceCare};
use crate::marketplace::wire::messages::{MessageQuery, MessageSendRequest};

use crate::marketplace::usecases::lean_of;

use crate::marketplace::usecases::leans;

use crate::store::races::retry_lost_races;

use crate::kernel::paging::{Page, PageRequest, SortOrder, paginate};
use crate::kernel::time::now;
use crate::store::idempotency::{Once, check_not_answered, key_item};
use crate::store::races::won;

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
///
/// The message, its event, the sequence's summary (latest message time, count) and the
/// request's idempotency key are one transaction; a message racing another in the same
/// sequence reads the summary again, unless it raced a request with its own key. The answer
/// is what `respond` makes of the message.
pub async fn send<R: serde::Serialize>(
    app: &App,
    side: SenderType,
    org: OrgId,
    req: MessageSendRequest,
    once: Option<Once>,
    respond: impl FnOnce(&NamedMessage) -> R,
) -> Result<R, ApiError> {
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
    // The answer is decided before the write: the key item stores it.
    let answer = respond(&named(app, message.clone()).await?);
    let key = key_item(once.clone(), &answer, at)?;
    let (p, message, event, key, once) = (&p, &message, &event, &key, &once);
    retry_lost_races(
        "The sequence is being written by other requests; retry.",
        || async move {
            let read = app.db.get_sequence(p.sequence_id).await?;
            let (summary, version) = match &read {
                Some(s) => (s.with_message(message)?, Some(s.version)),
                None => (
                    Sequence::first_message(p, care_of(app, p.origin).await?, message)?,
                    None,
                ),
            };
            let written = app
                .db
                .put_message(message, event, &summary, version, key.clone())
                .await;
            let won = won(written)?;
            if won.is_none() {
                // A retry of this request that won sent the message: stop, not send another.
                check_not_answered(&app.db, once.as_ref(), now()).await?;
            }
            Ok(won)
        },
    )
    .await?;
    Ok(answer)
}

/// The client and service a sequence is about: its offer's, or its direct referral's.
async fn care_of(app: &App, origin: SequenceOrigin) -> Result<SequenceCare, ApiError> {
    match origin {
        SequenceOrigin::Offer(id) => {
            let offer = app.db.get_offer(id).await?.ok_or_else(|| {
                ApiError::internal(format!("offer {id} of a sequence is missing"))
            })?;
            Ok(SequenceCare::new(
                offer.client_id,
                &offer.client,
                &offer.service,
            ))
        }
        SequenceOrigin::DirectReferral(id) => {
            let referral = app.db.get_referral(id).await?.ok_or_else(|| {
                ApiError::internal(format!("referral {id} of a sequence is missing"))
            })?;
            Ok(SequenceCare::new(
                referral.client_id,
                &referral.client,
                &referral.service,
            ))
        }
    }
}

/// `GET /offers/v1/{outbox,inbox}/messages?sequence_id=…`
pub async fn list(
    app: &App,
    side: SenderType,
    org: OrgId,
    q: MessageQuery,
) -> Result<Page<Message>, ApiError> {
    parties(app, side, org, q.sequence_id).await?;
    sequence_page(app, &q).await
}

/// The page of the sequence's messages the query asks for, oldest first unless asked otherwise.
async fn sequence_page(app: &App, q: &MessageQuery) -> Result<Page<Message>, ApiError> {
    let paging = PageRequest::parse(q.page, q.items_per_page, q.sort_order)?;
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
    Ok(paginate(messages, paging))
}

/// `GET /offers/v1/{outbox,inbox}/messages/{message_id}`
pub async fn get(
    app: &App,
    side: SenderType,
    org: OrgId,
    id: MessageId,
) -> Result<NamedMessage, ApiError> {
    let m = app
        .db
        .get_message(id)
        .await?
        .filter(|m| match side {
            SenderType::Demand => m.demand_org_id == org,
            SenderType::Supply => m.supply_org_id == org,
        })
        .ok_or_else(|| ApiError::not_found("Message"))?;
    named(app, m).await
}

/// The message carrying file `id`, if the caller's organization is its party on `side`.
async fn message_of_file(
    app: &App,
    side: SenderType,
    org: OrgId,
    id: FileId,
) -> Result<Message, ApiError> {
    app.db
        .message_of_file(id)
        .await?
        .filter(|m| match side {
            SenderType::Demand => m.demand_org_id == org,
            SenderType::Supply => m.supply_org_id == org,
        })
        .ok_or_else(|| ApiError::not_found("File"))
}

/// `GET /offers/v1/{outbox,inbox}/messages/files/{file_id}/presigned`: an expiring download
/// URL of this platform (see `crate::infra::presign`), which `GET …/files/{file_id}` redirects to.
pub async fn presign_file(
    app: &App,
    base_url: &str,
    side: SenderType,
    org: OrgId,
    id: FileId,
) -> Result<String, ApiError> {
    message_of_file(app, side, org, id).await?;
    let kind = DownloadKind::MessageFile;
    presign(&app.aws, &app.config, base_url, kind, id.0, org).await
}

/// One message with its sender's and recipient's names.
async fn named(app: &App, message: Message) -> Result<NamedMessage, ApiError> {
    names(app, vec![message])
        .await?
        .pop()
        .ok_or_else(|| ApiError::internal("no names for a message"))
}

/// Messages with their senders' and recipients' names (each organization read once).
async fn names(app: &App, messages: Vec<Message>) -> Result<Vec<NamedMessage>, ApiError> {
    let orgs = leans(
        app,
        messages
            .iter()
            .flat_map(|m| [m.demand_org_id, m.supply_org_id]),
    )
    .await?;
    messages
        .into_iter()
        .map(|message| {
            let (from, to) = match message.sender_type {
                SenderType::Demand => (message.demand_org_id, message.supply_org_id),
                SenderType::Supply => (message.supply_org_id, message.demand_org_id),
            };
            Ok(NamedMessage {
                sender: lean_of(&orgs, from)?,
                recipient: lean_of(&orgs, to)?,
                message,
            })
        })
        .collect()
}

/// `GET /offers/v1/sys_admin/messages?sequence_id=…`
pub async fn sys_admin_list(app: &App, q: MessageQuery) -> Result<Page<NamedMessage>, ApiError> {
    let mut page = sequence_page(app, &q).await?;
    let items = names(app, std::mem::take(&mut page.items)).await?;
    Ok(page.with_items(items))
}

/// `GET /offers/v1/sys_admin/messages/by_file_id/{file_id}`
pub async fn sys_admin_by_file(app: &App, id: FileId) -> Result<NamedMessage, ApiError> {
    let m = app
        .db
        .message_of_file(id)
        .await?
        .ok_or_else(|| ApiError::not_found("File"))?;
    named(app, m).await
}
