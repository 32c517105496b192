//! Message wire models (`OrgAdminMessage*` of openapi.offers.yaml), shared by both sides.

use serde::{Deserialize, Serialize};

use crate::kernel::ids::{FileId, MessageId, SequenceId};
use crate::kernel::paging::SortOrder;
use crate::kernel::time::{Timestamp, serde_ts};
use crate::marketplace::common::OrganizationLean;
use crate::marketplace::message::{
    Message, MessageCategory, MessageFile, NamedMessage, NewFile, SenderType,
};

/// `OrgAdminMessageSendRequest`.
#[derive(Debug, Deserialize)]
pub struct MessageSendRequest {
    pub sequence_id: SequenceId,
    pub category: MessageCategory,
    pub text: Option<String>,
    pub author: Option<String>,
    pub file: Option<NewFile>,
}

#[derive(Clone, Copy, Debug, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageSortBy {
    #[default]
    CreatedAt,
}

/// Query of `GET /offers/v1/{outbox,inbox}/messages`; `sequence_id` is required.
#[derive(Debug, Deserialize)]
pub struct MessageQuery {
    pub sequence_id: SequenceId,
    pub sender_type: Option<SenderType>,
    pub category: Option<MessageCategory>,
    pub page: Option<i64>,
    pub items_per_page: Option<i64>,
    pub sort_by: Option<MessageSortBy>,
    pub sort_order: Option<SortOrder>,
}

impl MessageQuery {
    pub fn matches(&self, m: &Message) -> bool {
        self.sender_type.is_none_or(|s| s == m.sender_type)
            && self.category.is_none_or(|c| c == m.category)
    }
}

#[derive(Debug, Serialize)]
pub struct FileLean {
    pub id: FileId,
    pub name: String,
}

/// `OrgAdminMessageCollectionResponse`.
#[serde_with::skip_serializing_none]
#[derive(Debug, Serialize)]
pub struct MessageSummary {
    pub id: MessageId,
    pub category: MessageCategory,
    pub sender_type: SenderType,
    pub text: Option<String>,
    pub author: Option<String>,
    #[serde(with = "serde_ts")]
    pub created_at: Timestamp,
    pub file: Option<FileLean>,
}

impl From<&Message> for MessageSummary {
    fn from(m: &Message) -> Self {
        Self {
            id: m.id,
            category: m.category,
            sender_type: m.sender_type,
            text: m.text.clone(),
            author: m.author.clone(),
            created_at: m.created_at,
            file: m.file.as_ref().map(|f| FileLean {
                id: f.id,
                name: f.name.clone(),
            }),
        }
    }
}

#[serde_with::skip_serializing_none]
#[derive(Debug, Serialize)]
pub struct FileDetail {
    pub id: FileId,
    pub url: String,
    pub name: String,
    pub size_in_bytes: Option<u64>,
}

#[serde_with::skip_serializing_none]
#[derive(Debug, Serialize)]
pub struct MessageDetailBody {
    pub id: MessageId,
    pub sequence_id: SequenceId,
    pub category: MessageCategory,
    pub sender_type: SenderType,
    pub text: Option<String>,
    pub author: Option<String>,
    #[serde(with = "serde_ts")]
    pub created_at: Timestamp,
    pub file: Option<FileDetail>,
}

/// `OrgAdminMessageDetailResponse` and `SysAdminMessageDetailResponse` (the same shape): a
/// message with the organizations that sent and received it.
#[derive(Debug, Serialize)]
pub struct MessageDetail {
    pub message: MessageDetailBody,
    pub sender: OrganizationLean,
    pub recipient: OrganizationLean,
}

impl From<&NamedMessage> for MessageDetail {
    fn from(m: &NamedMessage) -> Self {
        Self {
            message: (&m.message).into(),
            sender: m.sender.clone(),
            recipient: m.recipient.clone(),
        }
    }
}

impl From<&Message> for MessageDetailBody {
    fn from(m: &Message) -> Self {
        Self {
            id: m.id,
            sequence_id: m.sequence_id,
            category: m.category,
            sender_type: m.sender_type,
            text: m.text.clone(),
            author: m.author.clone(),
            created_at: m.created_at,
            file: m.file.as_ref().map(FileDetail::from),
        }
    }
}

impl From<&MessageFile> for FileDetail {
    fn from(f: &MessageFile) -> Self {
        Self {
            id: f.id,
            url: f.url.clone(),
            name: f.name.clone(),
            size_in_bytes: f.size_in_bytes,
        }
    }
}
