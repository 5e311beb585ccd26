//! Errors of the login phase.
//!
//! No variant carries a CHAP secret, challenge or response: CHAP failures are
//! [`AuthError`]s, which hold none, and key values quoted here are never CHAP values.

use crate::{
    auth::AuthError,
    discovery::{DiscoveryError, TargetAddress},
    negotiation::NegotiationError,
    text::TextError,
    wire::{LoginStatus, Opcode, Stage, Tsih},
};

/// The login failed. Every variant ends the login; the caller closes the TCP connection
/// (RFC 7143 §11.13.5: on a non-zero Status-Class the initiator closes the connection; any
/// negotiation or authentication failure fails the login, §7.12, §12.1.3).
///
/// What to do next:
///
/// - [`LoginError::Redirect`]: log in again at `address` on a new connection, at most
///   [`MAX_REDIRECTS`](super::MAX_REDIRECTS) hops in a row;
/// - [`LoginError::is_retryable`] (Status-Class 3, target error): try again later;
/// - [`LoginError::ChapAlgorithmsRefused`]: call
///   [`LoginConfig::fallback_md5_only`](super::LoginConfig::fallback_md5_only) and retry
///   once on a new connection;
/// - anything else is final until the configuration (or the target) changes.
#[non_exhaustive]
#[derive(Clone, Debug, Eq, PartialEq, thiserror::Error)]
pub enum LoginError {
    /// The target refused the login with Status-Class 2 (initiator error: authentication
    /// or authorization failure, target not found or removed, ...), 3 (target error,
    /// retryable) or a class RFC 7143 does not define. The code is kept as received.
    #[error(
        "login refused with status class {} detail {}: {:?}",
        .0.class(), .0.detail(), .0
    )]
    Status(LoginStatus),
    /// The target moved (Status-Class 1): log in again at `address` (RFC 7143 §11.13.5,
    /// §13.8).
    #[error("target moved to {address}")]
    Redirect {
        /// Where to log in, as the target's TargetAddress key gave it.
        address: TargetAddress,
        /// Status-Detail 2 (moved permanently) rather than 1 (temporarily): the caller may
        /// update its configuration.
        permanent: bool,
    },
    /// A redirect whose TargetAddress is malformed.
    #[error("redirect to an invalid address: {0}")]
    InvalidRedirect(DiscoveryError),
    /// A PDU other than a Login Response during login (RFC 7143 §6.3: only login PDUs
    /// until the final Login Response).
    #[error("unexpected {opcode:?} PDU while {state}")]
    UnexpectedPdu {
        /// The login state that received it.
        state: &'static str,
        /// Its opcode.
        opcode: Opcode,
    },
    /// A Login Response that breaks a login rule of RFC 7143.
    #[error("login protocol violation while {state}: {violation}")]
    Protocol {
        /// The login state that received it.
        state: &'static str,
        /// The rule broken.
        violation: LoginViolation,
    },
    /// The login needed more request/response rounds than
    /// [`LoginConfig::max_rounds`](super::LoginConfig::max_rounds).
    #[error("login did not finish within {limit} rounds")]
    TooManyRounds {
        /// The limit.
        limit: usize,
    },
    /// The target refused our CHAP algorithm list of several values, either with
    /// `CHAP_A=Reject` (`status` is `None`) or by ending the login with a Status-Class 2
    /// code in answer to it. Some targets read `CHAP_A` as a single value; retry once with
    /// [`LoginConfig::fallback_md5_only`](super::LoginConfig::fallback_md5_only).
    #[error("target refused the CHAP algorithm list")]
    ChapAlgorithmsRefused {
        /// The login status, when the target ended the login.
        status: Option<LoginStatus>,
    },
    /// The target chose an AuthMethod we did not offer, or answered `Reject`.
    #[error("target answered AuthMethod={answer}, which was not offered")]
    AuthMethod {
        /// The target's answer.
        answer: String,
    },
    /// Mutual CHAP is configured and the security stage ended without the target proving
    /// itself. Unreachable through a conforming exchange; kept as a fail-closed guard.
    #[error("mutual CHAP is configured but the target was not authenticated")]
    TargetNotAuthenticated,
    /// Operational negotiation failed (or the operational configuration is invalid).
    #[error(transparent)]
    Negotiation(#[from] NegotiationError),
    /// CHAP failed (or the CHAP configuration is invalid).
    #[error(transparent)]
    Auth(#[from] AuthError),
    /// The target's text is malformed or over a limit, or ours cannot be encoded.
    #[error(transparent)]
    Text(#[from] TextError),
    /// The login configuration is unusable (the text names the setting).
    #[error("invalid login configuration: {0}")]
    InvalidConfig(&'static str),
    /// [`Login::handle_response`](super::Login::handle_response) was called while no
    /// request was awaiting an answer: before the pending request was taken with
    /// [`Login::poll_transmit`](super::Login::poll_transmit), or after the login ended.
    #[error("no login request is awaiting a response")]
    NotAwaitingResponse,
}

impl LoginError {
    /// The target's login status, for [`LoginError::Status`] and
    /// [`LoginError::ChapAlgorithmsRefused`] with a status.
    pub fn status(&self) -> Option<LoginStatus> {
        match self {
            Self::Status(status) => Some(*status),
            Self::ChapAlgorithmsRefused { status } => *status,
            _ => None,
        }
    }

    /// Whether a later attempt may succeed unchanged: Status-Class 3 (target error:
    /// target error, service unavailable, out of resources; RFC 7143 §11.13.5).
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::Status(status) if status.class() == 3)
    }

    /// Whether this is a Status-Class 2 refusal (initiator error), final until the
    /// configuration changes.
    pub fn is_initiator_error(&self) -> bool {
        matches!(self, Self::Status(status) if status.class() == 2)
    }
}

/// A login rule broken by the target.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, Eq, PartialEq, thiserror::Error)]
pub enum LoginViolation {
    /// T=1 in answer to a request with T=0 (RFC 7143 §11.13.3: the target must not set T
    /// when the initiator did not).
    #[error("transit without a transit request")]
    TransitNotRequested,
    /// CSG differs from the request's (RFC 7143 §11.13.3).
    #[error("response CSG {received:?} differs from the request's {sent:?}")]
    StageMismatch {
        /// Our CSG.
        sent: Stage,
        /// The target's CSG.
        received: Stage,
    },
    /// NSG is the reserved value 2, not after CSG, or beyond the NSG we asked for
    /// (RFC 7143 §11.12.3, §6.3).
    #[error("invalid next stage {0:?}")]
    InvalidNextStage(Stage),
    /// The ISID is not ours (RFC 7143 §11.13: the response echoes the ISID).
    #[error("ISID not echoed")]
    IsidMismatch,
    /// The ITT is not the login's (RFC 7143 §11.13).
    #[error("ITT not echoed")]
    IttMismatch,
    /// Version-active is not 0 on a successful response (RFC 7143 §11.13.2: we offer
    /// Version-max = Version-min = 0).
    #[error("version-active {0} was not offered")]
    VersionActive(u8),
    /// The final response of a new session has TSIH 0 (RFC 7143 §11.13.4: the target
    /// must generate a non-zero TSIH).
    #[error("final response of a new session has TSIH 0")]
    ZeroTsih,
    /// The final response of a connection added to a session names another TSIH.
    #[error("final response TSIH {received:?} differs from the session's {expected:?}")]
    TsihMismatch {
        /// Ours.
        expected: Tsih,
        /// The target's.
        received: Tsih,
    },
    /// The final response (T=1, NSG=3) offers keys that need an answer (RFC 7143 §11.13.3:
    /// a response with T=1 must not contain pairs that require more answers).
    #[error("final response offers keys that need an answer")]
    OfferInFinalResponse,
    /// The target sent text or C=1 in answer to one of our continued (C=1) requests,
    /// which must be answered with an empty response (RFC 7143 §11.12.2).
    #[error("text in answer to a continued request")]
    TextDuringContinuation,
    /// A security key (AuthMethod, CHAP_*) where the current step does not expect it, or
    /// a second time in this login (RFC 7143 §6.2, §12.1).
    #[error("unexpected security key {key}")]
    UnexpectedSecurityKey {
        /// The key.
        key: &'static str,
    },
    /// A redirect (Status-Class 1) without a TargetAddress (RFC 7143 §11.13.5).
    #[error("redirect without TargetAddress")]
    RedirectWithoutAddress,
}
