//! Error catalogues of the families whose bodies carry a catalogue code, as pure data.
//! Documented in docs/notification-api.md and docs/listener-api.md; the unit tests below keep
//! every code's HTTP status consistent with the error kind that produces it.

/// Notification API: `{"code": "NOT0000NN", "description": …}`. The public spec shows only
/// `NOT000001` (on unsubscribe, whose one plausible failure is an unknown subscription); the
/// rest of the catalogue is ours, in the same `NOT` + six digits format.
pub mod notification {
    use crate::edge::error::{ApiError, ErrorKind};

    pub const SUBSCRIPTION_NOT_FOUND: &str = "NOT000001";
    pub const INVALID_BODY: &str = "NOT000002";
    pub const INVALID_EVENT_TYPE_IDS: &str = "NOT000003";
    pub const UNKNOWN_EVENT_TYPE: &str = "NOT000004";
    pub const INVALID_CLIENT_ID: &str = "NOT000005";
    pub const INVALID_SUBSCRIPTION_ID: &str = "NOT000006";
    pub const UNAUTHORIZED: &str = "NOT000007";
    pub const FORBIDDEN: &str = "NOT000008";
    pub const CONFLICT: &str = "NOT000009";
    pub const INTERNAL: &str = "NOT000010";
    pub const UNAVAILABLE: &str = "NOT000011";
    pub const UNSUPPORTED_MEDIA_TYPE: &str = "NOT000012";

    /// `(code, HTTP status, meaning)`.
    pub const CATALOGUE: &[(&str, u16, &str)] = &[
        (SUBSCRIPTION_NOT_FOUND, 404, "Subscription not found"),
        (
            INVALID_BODY,
            400,
            "Missing or malformed body, or a missing or ill-typed field",
        ),
        (
            INVALID_EVENT_TYPE_IDS,
            400,
            "event_type_ids must be a non-empty list without repeats",
        ),
        (
            UNKNOWN_EVENT_TYPE,
            400,
            "event_type_ids names a type outside the catalogue",
        ),
        (
            INVALID_CLIENT_ID,
            400,
            "client_id does not match the pattern or is not a client of the caller's tenant",
        ),
        (INVALID_SUBSCRIPTION_ID, 400, "Malformed subscription id"),
        (
            UNAUTHORIZED,
            401,
            "Missing, invalid or expired access token",
        ),
        (FORBIDDEN, 403, "The access token lacks the required scope"),
        (
            CONFLICT,
            409,
            "A concurrent request changed the subscription; retry",
        ),
        (INTERNAL, 500, "Internal error"),
        (UNAVAILABLE, 503, "The service is temporarily unavailable"),
        (
            UNSUPPORTED_MEDIA_TYPE,
            415,
            "A body was sent with a Content-Type other than application/json",
        ),
    ];

    fn status_of(code: &str) -> Option<u16> {
        CATALOGUE
            .iter()
            .find(|(c, _, _)| *c == code)
            .map(|(_, s, _)| *s)
    }

    /// The code an error is rendered with: its own when it is a catalogue code of the same
    /// status, else the code of its kind.
    pub fn code_of(err: &ApiError) -> &'static str {
        if let Some(code) = err.code
            && status_of(code) == Some(err.status().as_u16())
        {
            return code;
        }
        match err.kind {
            ErrorKind::BadRequest | ErrorKind::Unprocessable => INVALID_BODY,
            ErrorKind::Unauthorized => UNAUTHORIZED,
            ErrorKind::Forbidden => FORBIDDEN,
            ErrorKind::NotFound => SUBSCRIPTION_NOT_FOUND,
            ErrorKind::Conflict => CONFLICT,
            ErrorKind::Internal => INTERNAL,
            ErrorKind::Unavailable => UNAVAILABLE,
            ErrorKind::UnsupportedMediaType => UNSUPPORTED_MEDIA_TYPE,
        }
    }
}

/// Listener and hub API: the numeric catalogue of the ONAP listener swagger (Orange API
/// guidelines) plus 60 from the NBI's service-order spec.
pub mod listener {
    use crate::edge::error::{ApiError, ErrorKind, reason};

    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub struct Entry {
        pub code: i32,
        pub status: u16,
        pub reason: &'static str,
    }

    const fn e(code: i32, status: u16, reason: &'static str) -> Entry {
        Entry {
            code,
            status,
            reason,
        }
    }

    pub const CATALOGUE: &[Entry] = &[
        e(20, 400, "Invalid URL parameter value"),
        e(21, 400, "Missing body"),
        e(22, 400, "Invalid body"),
        e(23, 400, "Missing body field"),
        e(24, 400, "Invalid body field"),
        e(25, 400, "Missing header"),
        e(26, 400, "Invalid header value"),
        e(27, 400, "Missing query-string parameter"),
        e(28, 400, "Invalid query-string parameter value"),
        e(40, 401, "Missing credentials"),
        e(41, 401, "Invalid credentials"),
        e(42, 401, "Expired credentials"),
        e(50, 403, "Access denied"),
        e(51, 403, "Forbidden requester"),
        e(52, 403, "Forbidden user"),
        e(53, 403, "Too many requests"),
        e(60, 404, "Resource not found"),
        e(1, 500, "Internal error"),
        e(5, 503, "The service is temporarily unavailable"),
        e(6, 503, "Orange API is over capacity, retry later !"),
    ];

    /// The `ApiError::code` of each catalogue entry (`with_code(INVALID_BODY_FIELD)`).
    pub const INVALID_URL_PARAMETER: &str = "20";
    pub const MISSING_BODY: &str = "21";
    pub const INVALID_BODY: &str = "22";
    pub const MISSING_BODY_FIELD: &str = "23";
    pub const INVALID_BODY_FIELD: &str = "24";
    pub const MISSING_HEADER: &str = "25";
    pub const INVALID_HEADER: &str = "26";
    pub const MISSING_QUERY_PARAMETER: &str = "27";
    pub const INVALID_QUERY_PARAMETER: &str = "28";
    pub const FORBIDDEN_REQUESTER: &str = "51";
    pub const FORBIDDEN_USER: &str = "52";
    pub const TOO_MANY_REQUESTS: &str = "53";
    pub const OVER_CAPACITY: &str = "6";

    pub fn find(code: i32) -> Option<Entry> {
        CATALOGUE.iter().copied().find(|e| e.code == code)
    }

    fn by_code(code: i32) -> Entry {
        find(code).expect("the fallback codes are in the catalogue")
    }

    /// The catalogue entry an error is rendered with: its own code when that is a catalogue
    /// code of the same HTTP status, else the entry its kind (and generic reason) maps to.
    pub fn entry_of(err: &ApiError) -> Entry {
        let status = err.status().as_u16();
        if let Some(entry) = err
            .code
            .and_then(|c| c.parse::<i32>().ok())
            .and_then(find)
            .filter(|e| e.status == status)
        {
            return entry;
        }
        by_code(match err.kind {
            ErrorKind::BadRequest | ErrorKind::Unprocessable | ErrorKind::Conflict => 22,
            // The Listener's own check answers 26 with 400, as its catalogue says
            // (`externalapi::json_bytes`); this is only the fallback.
            ErrorKind::UnsupportedMediaType => 26,
            ErrorKind::Unauthorized => match err.code {
                Some(reason::MISSING_CREDENTIALS) => 40,
                Some(reason::EXPIRED_CREDENTIALS) => 42,
                _ => 41,
            },
            ErrorKind::Forbidden => 50,
            ErrorKind::NotFound => 60,
            ErrorKind::Internal => 1,
            ErrorKind::Unavailable => 5,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::edge::error::{ApiError, ErrorKind, reason};

    const KINDS: [ErrorKind; 9] = [
        ErrorKind::BadRequest,
        ErrorKind::Unauthorized,
        ErrorKind::Forbidden,
        ErrorKind::NotFound,
        ErrorKind::Conflict,
        ErrorKind::Unprocessable,
        ErrorKind::UnsupportedMediaType,
        ErrorKind::Internal,
        ErrorKind::Unavailable,
    ];

    #[test]
    fn notification_codes_are_unique_well_formed_and_keep_their_status() {
        for (i, (code, status, _)) in notification::CATALOGUE.iter().enumerate() {
            assert!(code.len() == 9 && code.starts_with("NOT"), "{code}");
            assert!(code[3..].bytes().all(|b| b.is_ascii_digit()), "{code}");
            assert!(
                notification::CATALOGUE[i + 1..]
                    .iter()
                    .all(|(c, _, _)| c != code)
            );
            let kind = KINDS
                .into_iter()
                .find(|k| k.status().as_u16() == *status)
                .unwrap();
            let err = ApiError::new(kind, "x").with_code(code);
            assert_eq!(notification::code_of(&err), *code);
        }
        // A code of another status is not trusted: the kind decides.
        let err = ApiError::not_found("Subscription").with_code(notification::INVALID_BODY);
        assert_eq!(
            notification::code_of(&err),
            notification::SUBSCRIPTION_NOT_FOUND
        );
        // Every kind renders with a catalogue code of its own status (422 has none and reads
        // as an invalid body; the handlers never produce it).
        for kind in KINDS.into_iter().filter(|k| *k != ErrorKind::Unprocessable) {
            let code = notification::code_of(&ApiError::new(kind, "x"));
            let (_, status, _) = notification::CATALOGUE
                .iter()
                .find(|(c, _, _)| *c == code)
                .unwrap();
            assert_eq!(*status, kind.status().as_u16(), "{kind:?}");
        }
    }

    #[test]
    fn listener_catalogue_is_the_published_one() {
        let codes: Vec<i32> = listener::CATALOGUE.iter().map(|e| e.code).collect();
        assert_eq!(
            codes,
            [
                20, 21, 22, 23, 24, 25, 26, 27, 28, 40, 41, 42, 50, 51, 52, 53, 60, 1, 5, 6
            ]
        );
        for e in listener::CATALOGUE {
            let expected = match e.code {
                20..=28 => 400,
                40..=42 => 401,
                50..=53 => 403,
                60 => 404,
                1 => 500,
                _ => 503,
            };
            assert_eq!(e.status, expected, "{}", e.code);
        }
        assert_eq!(
            listener::find(6).unwrap().reason,
            "Orange API is over capacity, retry later !"
        );
    }

    #[test]
    fn listener_errors_map_to_codes_of_their_status() {
        let unauthorized = |code: Option<&'static str>| {
            let mut e = ApiError::unauthorized();
            e.code = code;
            listener::entry_of(&e).code
        };
        assert_eq!(unauthorized(Some(reason::MISSING_CREDENTIALS)), 40);
        assert_eq!(unauthorized(None), 41);
        assert_eq!(unauthorized(Some(reason::EXPIRED_CREDENTIALS)), 42);
        let coded = ApiError::bad_request("x").with_code(listener::INVALID_BODY_FIELD);
        assert_eq!(listener::entry_of(&coded).code, 24);
        let mismatched = ApiError::bad_request("x").with_code(listener::TOO_MANY_REQUESTS);
        assert_eq!(listener::entry_of(&mismatched).code, 22);
        let over = ApiError::unavailable("x").with_code(listener::OVER_CAPACITY);
        assert_eq!(listener::entry_of(&over).code, 6);
        // 409, 415 and 422 have no catalogue code (the swagger lists 422 without codes); they
        // render as 22 or 26 with their own `status`.
        for kind in KINDS.into_iter().filter(|k| {
            ![
                ErrorKind::Conflict,
                ErrorKind::Unprocessable,
                ErrorKind::UnsupportedMediaType,
            ]
            .contains(k)
        }) {
            let e = listener::entry_of(&ApiError::new(kind, "x"));
            assert_eq!(e.status, kind.status().as_u16(), "{kind:?}");
        }
    }
}
