use crate::edge::error::ApiError;

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
