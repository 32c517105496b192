//! The edge's reading of each domain rejection: its HTTP status and the message a client
//! sees. The domain modules name why a rule refused (`marketplace::offer::Rejection`, ...) and
//! know nothing of HTTP; this is the one place that maps them, next to the error type.

mod offer {
    use crate::edge::error::ApiError;
    use crate::marketplace::offer::*;

    impl From<Rejection> for ApiError {
        fn from(r: Rejection) -> Self {
            match r {
                Rejection::OfferNotOpen(OfferStatus::Assigned) => {
                    ApiError::conflict("Offer has already been assigned.")
                }
                Rejection::OfferNotOpen(_) | Rejection::OfferExpired => {
                    ApiError::conflict("Offer is no longer open.")
                }
                Rejection::AlreadyResponded(MatchResponse::Accepted) => {
                    ApiError::conflict("Offer has already been accepted.")
                }
                Rejection::AlreadyResponded(_) => {
                    ApiError::conflict("Offer has already been declined.")
                }
                Rejection::MatchNotAccepted => {
                    ApiError::conflict("Offer match has not accepted the offer.")
                }
                Rejection::AssignmentIsAutomatic => ApiError::forbidden(
                    "Offers of this organization are assigned automatically; set the assignment setting to manual to assign.",
                ),
                Rejection::UnknownMatch => {
                    ApiError::unprocessable("offer_match_id is not a match of this offer.")
                }
                // Only the expiry job asks; it skips such offers rather than answering anyone.
                Rejection::NotYetExpired => ApiError::conflict("Offer has not expired yet."),
            }
        }
    }
}

mod organization {
    use crate::edge::error::ApiError;
    use crate::marketplace::organization::*;

    impl From<Rejection> for ApiError {
        fn from(r: Rejection) -> Self {
            match r {
                Rejection::DemandNotActive => {
                    ApiError::forbidden("The organization has no active demand persona")
                }
                Rejection::UnknownSupplier(id) => ApiError::unprocessable(format!(
                    "supply_persona_ids: {id} is not an organization"
                )),
                Rejection::OwnTrustedNetwork => ApiError::unprocessable(
                    "supply_persona_ids: an organization cannot be in its own trusted network",
                ),
                Rejection::TooManyChanges(n) => ApiError::unprocessable(format!(
                    "supply_persona_ids: at most {MAX_TRUST_CHANGES} links can be added or removed at once, not {n}"
                )),
                Rejection::SupplyNotActive => {
                    ApiError::forbidden("The organization has no active supply persona")
                }
                Rejection::UnknownDemand(id) => ApiError::unprocessable(format!(
                    "demand_persona_ids: {id} is not an organization with an active demand persona"
                )),
                Rejection::TooManyNetworks(n) => ApiError::unprocessable(format!(
                    "demand_persona_ids: at most {MAX_NETWORK_CHANGES} networks can be joined or left at once, not {n}"
                )),
                Rejection::BranchIdRequired => {
                    ApiError::unprocessable("branch_id: required when source is alayacare")
                }
            }
        }
    }
}

mod quota {
    use crate::edge::error::ApiError;
    use crate::kernel::quota::*;

    impl From<QuotaReached> for ApiError {
        fn from(q: QuotaReached) -> Self {
            ApiError::conflict(q.to_string())
        }
    }
}

mod referral {
    use crate::edge::error::ApiError;
    use crate::marketplace::referral::*;

    impl From<ReferralRejection> for ApiError {
        fn from(r: ReferralRejection) -> Self {
            match r {
                ReferralRejection::NotAssigned(_) => {
                    ApiError::conflict("Referral is not in the assigned state.")
                }
                ReferralRejection::NotCancellable(_) => ApiError::conflict(
                    "Referral can only be cancelled while assigned or processed.",
                ),
                ReferralRejection::NotService => {
                    ApiError::conflict("Only a service referral can be updated.")
                }
                ReferralRejection::NotLatest => {
                    ApiError::conflict("Only the latest revision of a referral can be updated.")
                }
                ReferralRejection::NotActive(_) => {
                    ApiError::conflict("Referral can only be changed while assigned or processed.")
                }
                ReferralRejection::OtherSupplier => {
                    ApiError::unprocessable("supply_persona_id must be the referral's supplier.")
                }
                ReferralRejection::UnknownTask(id) => ApiError::unprocessable(format!(
                    "client_tasks: {id} is not a task of this referral"
                )),
            }
        }
    }
}

mod visit {
    use crate::edge::error::ApiError;
    use crate::marketplace::visit::*;

    impl From<VisitRejection> for ApiError {
        fn from(r: VisitRejection) -> Self {
            let message = match &r {
                VisitRejection::ReferralCancelled => {
                    "The visit's referral is cancelled.".to_owned()
                }
                VisitRejection::Deleted => "The visit is deleted.".to_owned(),
                VisitRejection::WrongStatus(s) => format!(
                    "The visit is {}, which does not allow this.",
                    serde_json::to_value(s)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_owned))
                        .unwrap_or_default()
                ),
                VisitRejection::NotSupplierScheduled => {
                    "Only visits scheduled by the supply organization allow this.".to_owned()
                }
                VisitRejection::VisitTypeReferral => {
                    "The visits of a visit-type referral come from the demand organization."
                        .to_owned()
                }
                VisitRejection::NotAssigned => "No employee is assigned to the visit.".to_owned(),
                VisitRejection::EndsBeforeStart(end, start) => {
                    format!("{end} must not be before {start}.")
                }
                VisitRejection::NothingToAdjust => {
                    "Give verified_start_at, verified_end_at or both.".to_owned()
                }
                VisitRejection::UnknownTask(id) => {
                    format!("Task {id} is not a task of this visit.")
                }
                VisitRejection::SessionOpen => {
                    "A work session is already open on this visit; end it first.".to_owned()
                }
                VisitRejection::DuplicateSession => {
                    "A work session with this inbox_id already exists on this visit.".to_owned()
                }
                VisitRejection::SessionEnded => "The work session has already ended.".to_owned(),
                VisitRejection::TooManyVisits(n) => {
                    format!(
                        "A referral describes at most {MAX_VISITS_PER_REFERRAL} visits, not {n}."
                    )
                }
            };
            if r.is_unprocessable() {
                ApiError::unprocessable(message)
            } else {
                ApiError::conflict(message)
            }
        }
    }
}

mod message {
    use crate::edge::error::ApiError;
    use crate::marketplace::message::MessageRejection;

    impl From<MessageRejection> for ApiError {
        fn from(r: MessageRejection) -> Self {
            match r {
                // Limits of single fields, as the schema would refuse them.
                MessageRejection::TextTooLong
                | MessageRejection::AuthorTooLong
                | MessageRejection::FileIncomplete
                | MessageRejection::FileTooLarge => ApiError::bad_request(r.to_string()),
                MessageRejection::Empty | MessageRejection::AttachmentWithoutFile => {
                    ApiError::unprocessable(r.to_string())
                }
            }
        }
    }
}

/// Rejections a client sees as one status with the rejection's own message.
macro_rules! answered_as {
    ($status:ident: $($rejection:ty),+ $(,)?) => {$(
        impl From<$rejection> for ApiError {
            fn from(r: $rejection) -> Self {
                ApiError::$status(r.to_string())
            }
        }
    )+};
}

use crate::edge::error::ApiError;

// A caller's mistake, never a client's.
answered_as!(internal: crate::marketplace::sequence::OtherSequence);
answered_as!(
    bad_request: crate::marketplace::subscription::EndpointRejection,
    crate::marketplace::common::RateRejection,
    crate::collector::rules::ScheduleRejection,
);

mod notification {
    use crate::edge::codes::notification as codes;
    use crate::edge::error::ApiError;
    use crate::notification::rules::EventTypesRejection;

    impl From<EventTypesRejection> for ApiError {
        fn from(r: EventTypesRejection) -> Self {
            let code = match r {
                EventTypesRejection::Empty | EventTypesRejection::Repeated(_) => {
                    codes::INVALID_EVENT_TYPE_IDS
                }
                EventTypesRejection::Unknown(_) => codes::UNKNOWN_EVENT_TYPE,
            };
            ApiError::bad_request(r.to_string()).with_code(code)
        }
    }
}

mod form {
    use crate::edge::error::ApiError;
    use crate::marketplace::form::FormRejection;

    impl From<FormRejection> for ApiError {
        fn from(r: FormRejection) -> Self {
            match r {
                FormRejection::Unnamed => ApiError::bad_request(r.to_string()),
                FormRejection::ReferralCancelled => ApiError::conflict(r.to_string()),
                FormRejection::OtherSchema | FormRejection::Unserializable(..) => {
                    ApiError::internal(r.to_string())
                }
                FormRejection::FieldCount
                | FormRejection::RepeatedFieldId
                | FormRejection::TooLarge { .. }
                | FormRejection::NotOneSubject
                | FormRejection::OtherDemand
                | FormRejection::UnknownField(_)
                | FormRejection::AnsweredTwice(_)
                | FormRejection::WrongType { .. }
                | FormRejection::BadValue(_)
                | FormRejection::UnknownHiddenField(_)
                | FormRejection::HiddenTwice(_)
                | FormRejection::RequiredMissing(_) => ApiError::unprocessable(r.to_string()),
            }
        }
    }
}

mod listener {
    use crate::edge::codes::listener as codes;
    use crate::edge::error::ApiError;
    use crate::listener::rules::ListenerRejection;

    impl From<ListenerRejection> for ApiError {
        fn from(r: ListenerRejection) -> Self {
            let code = match r {
                ListenerRejection::MissingBody => codes::MISSING_BODY,
                ListenerRejection::NotJson(_) | ListenerRejection::NotObject => codes::INVALID_BODY,
                ListenerRejection::MissingField(_) => codes::MISSING_BODY_FIELD,
                ListenerRejection::InvalidField { .. } => codes::INVALID_BODY_FIELD,
            };
            ApiError::bad_request(r.to_string()).with_code(code)
        }
    }
}
