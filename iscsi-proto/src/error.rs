//! The crate-wide error: one variant per category, each wrapping that layer's own error.

use crate::{
    auth::AuthError, discovery::DiscoveryError, login::LoginError, negotiation::NegotiationError,
    scsi::ScsiError, text::TextError, wire::DecodeError,
};

/// Any error produced by this crate, by category.
#[non_exhaustive]
#[derive(Clone, Debug, Eq, PartialEq, thiserror::Error)]
pub enum Error {
    /// The bytes of a PDU are malformed.
    #[error(transparent)]
    Decode(#[from] DecodeError),
    /// A text (`key=value`) segment is malformed or over a limit.
    #[error(transparent)]
    Text(#[from] TextError),
    /// CHAP authentication failed or is misconfigured.
    #[error(transparent)]
    Auth(#[from] AuthError),
    /// SCSI data (sense, INQUIRY, READ CAPACITY, ...) is malformed, or a CDB cannot be built.
    #[error(transparent)]
    Scsi(#[from] ScsiError),
    /// Operational negotiation failed.
    #[error(transparent)]
    Negotiation(#[from] NegotiationError),
    /// A SendTargets answer is malformed or over a limit.
    #[error(transparent)]
    Discovery(#[from] DiscoveryError),
    /// The login failed (refused, redirected, or a rule broken).
    #[error(transparent)]
    Login(#[from] LoginError),
}
