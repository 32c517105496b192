//! The one error type of the HTTP layer. Handlers and the layers below return `ApiError`;
//! the edge (`http::respond`) renders it in the shape of the API family that was called and
//! logs internal details, which never reach the client.

use http::StatusCode;
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    BadRequest,
    Unauthorized,
    Forbidden,
    NotFound,
    Conflict,
    Unprocessable,
    /// A body declared in a media type the operation does not read (415).
    UnsupportedMediaType,
    Internal,
    /// A dependency is down or over capacity; the request may succeed later (503).
    Unavailable,
}

impl ErrorKind {
    pub fn status(self) -> StatusCode {
        match self {
            ErrorKind::BadRequest => StatusCode::BAD_REQUEST,
            ErrorKind::Unauthorized => StatusCode::UNAUTHORIZED,
            ErrorKind::Forbidden => StatusCode::FORBIDDEN,
            ErrorKind::NotFound => StatusCode::NOT_FOUND,
            ErrorKind::Conflict => StatusCode::CONFLICT,
            ErrorKind::Unprocessable => StatusCode::UNPROCESSABLE_ENTITY,
            ErrorKind::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorKind::Internal => StatusCode::INTERNAL_SERVER_ERROR,
            ErrorKind::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    /// Machine-readable code in the AlayaMarket error body (`{"error": …, "message": …}`).
    pub fn code(self) -> &'static str {
        match self {
            ErrorKind::BadRequest => "bad_request",
            ErrorKind::Unauthorized => "unauthorized",
            ErrorKind::Forbidden => "forbidden",
            ErrorKind::NotFound => "not_found",
            ErrorKind::Conflict => "conflict",
            ErrorKind::Unprocessable => "unprocessable_entity",
            ErrorKind::UnsupportedMediaType => "unsupported_media_type",
            ErrorKind::Internal => "internal_error",
            ErrorKind::Unavailable => "service_unavailable",
        }
    }
}

#[derive(Debug)]
pub struct ApiError {
    pub kind: ErrorKind,
    /// Safe to show to the caller.
    pub message: String,
    /// Logged, never returned.
    pub internal: Option<String>,
    /// A family-specific code (an OAuth `error`, a catalogue number) when the kind alone does
    /// not say enough; families without such codes ignore it.
    pub code: Option<&'static str>,
}

impl ApiError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
            internal: None,
            code: None,
        }
    }
    /// Attaches a family-specific code (see [`ApiError::code`]).
    pub fn with_code(mut self, code: &'static str) -> Self {
        self.code = Some(code);
        self
    }
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::BadRequest, message)
    }
    pub fn unauthorized() -> Self {
        Self::new(ErrorKind::Unauthorized, "Unauthorized")
    }
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Forbidden, message)
    }
    pub fn not_found(what: &str) -> Self {
        Self::new(ErrorKind::NotFound, format!("{what} not found"))
    }
    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Conflict, message)
    }
    pub fn unprocessable(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Unprocessable, message)
    }
    /// An unexpected failure: the detail goes to the log, the caller sees a generic message.
    pub fn internal(detail: impl fmt::Display) -> Self {
        Self {
            kind: ErrorKind::Internal,
            message: "Internal server error".into(),
            internal: Some(detail.to_string()),
            code: None,
        }
    }
    /// A dependency failed in a way that may pass (503): detail logged, generic message.
    pub fn unavailable(detail: impl fmt::Display) -> Self {
        Self {
            kind: ErrorKind::Unavailable,
            message: "The service is temporarily unavailable".into(),
            internal: Some(detail.to_string()),
            code: None,
        }
    }
    pub fn status(&self) -> StatusCode {
        self.kind.status()
    }
}

/// Family-neutral codes that say more than the kind, for families that distinguish them
/// (the Listener API's 40/42). Families without such codes ignore them.
pub mod reason {
    /// No credentials were sent at all.
    pub const MISSING_CREDENTIALS: &str = "missing_credentials";
    /// The token was genuine but has expired.
    pub const EXPIRED_CREDENTIALS: &str = "expired_credentials";
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}: {}", self.kind, self.message)?;
        if let Some(detail) = &self.internal {
            write!(f, " ({detail})")?;
        }
        Ok(())
    }
}

impl std::error::Error for ApiError {}
