use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;

use crate::error::ApiError;

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// A write's condition did not hold: somebody else changed the item first.
    #[error("a condition of the write did not hold")]
    ConditionFailed,
    #[error("DynamoDB: {0}")]
    Aws(String),
    #[error("item does not match its model: {0}")]
    Codec(String),
}

impl DbError {
    pub fn aws<E, R>(err: SdkError<E, R>) -> Self
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
        R: std::fmt::Debug,
    {
        let detail = match err.as_service_error() {
            Some(service) => format!(
                "{}: {}",
                service.code().unwrap_or("?"),
                service.message().unwrap_or("")
            ),
            None => format!("{err:?}"),
        };
        DbError::Aws(detail)
    }

    pub fn from_transact<R: std::fmt::Debug>(err: SdkError<TransactWriteItemsError, R>) -> Self {
        if let Some(TransactWriteItemsError::TransactionCanceledException(e)) =
            err.as_service_error()
        {
            let conflict = e.cancellation_reasons().iter().any(|r| {
                matches!(
                    r.code(),
                    Some("ConditionalCheckFailed") | Some("TransactionConflict")
                )
            });
            if conflict {
                return DbError::ConditionFailed;
            }
        }
        DbError::aws(err)
    }
}

impl From<DbError> for ApiError {
    fn from(e: DbError) -> Self {
        match e {
            DbError::ConditionFailed => {
                ApiError::conflict("The resource was changed by another request; retry.")
            }
            other => ApiError::internal(other),
        }
    }
}
