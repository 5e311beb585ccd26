//! Errors of operational negotiation. Each names the key, and the value where one was
//! received. Authentication keys never reach this layer, so no CHAP material can appear.

/// Negotiation failed; during login this fails the login and closes the connection
/// (RFC 7143 §7.12).
#[non_exhaustive]
#[derive(Clone, Debug, Eq, PartialEq, thiserror::Error)]
pub enum NegotiationError {
    /// The target's value breaks the key's legal range, form or result function
    /// (RFC 7143 §6.2.2: "the originator MUST treat it as a negotiation failure").
    #[error("{key}={value} is out of range or breaks the negotiation rule")]
    ValueOutOfRange {
        /// The key.
        key: String,
        /// The value the target sent.
        value: String,
    },
    /// The target answered `Reject` to a key we cannot do without.
    #[error("target rejected {key}")]
    Rejected {
        /// The key.
        key: String,
    },
    /// The target answered `NotUnderstood` to a key RFC 7143 requires it to support.
    #[error("target did not understand {key}")]
    NotUnderstood {
        /// The key.
        key: String,
    },
    /// The target sent a key twice in one login (RFC 7143 §6.2, TargetAddress excepted).
    #[error("target sent {key} more than once")]
    RepeatedKey {
        /// The key.
        key: String,
    },
    /// The target never answered a key we offered that needs an answer (RFC 7143 §6.2.2).
    #[error("target did not answer {key}")]
    MissingAnswer {
        /// The key.
        key: String,
    },
    /// The target sent a key only an initiator may send, or a reserved answer
    /// (`Reject`, `Irrelevant`, `NotUnderstood`) to a key we never offered.
    #[error("unexpected {key}={value} from the target")]
    UnexpectedKey {
        /// The key.
        key: String,
        /// The value the target sent.
        value: String,
    },
    /// The target offered a list key (e.g. `DataDigest=None`) none of whose values we
    /// accept, and we do not accept the key's default either (a digest the configuration
    /// requires): continuing would drop what the user required.
    #[error("none of the target's values {offered:?} for {key} is acceptable")]
    NoAcceptableValue {
        /// The key.
        key: String,
        /// The values the target offered.
        offered: String,
    },
    /// Our own configuration is unusable (caught before anything is sent).
    #[error("invalid configuration of {key}: {reason}")]
    InvalidConfig {
        /// The key (or setting) concerned.
        key: &'static str,
        /// What is wrong.
        reason: &'static str,
    },
}

impl NegotiationError {
    pub(super) fn out_of_range(key: &str, value: &str) -> Self {
        Self::ValueOutOfRange {
            key: key.to_owned(),
            value: value.to_owned(),
        }
    }
}
