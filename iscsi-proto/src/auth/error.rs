//! Errors of CHAP authentication.

/// CHAP authentication failed, or a CHAP configuration is unusable.
///
/// Every anomaly in a target's CHAP keys maps to one of these variants and fails the login
/// closed: RFC 7143 §12.1.3 asks the initiator to close the connection when target
/// authentication fails, and the login layer treats every variant the same way.
///
/// No variant carries a secret, a challenge or a response, so an `AuthError` can be logged
/// and shown to users as it is.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, Eq, PartialEq, thiserror::Error)]
pub enum AuthError {
    /// The configuration cannot be used (empty user name or secret, bad algorithm list,
    /// challenge length out of range, ...). The text names the offending setting.
    #[error("invalid CHAP configuration: {0}")]
    InvalidConfig(&'static str),
    /// A CHAP key the current step needs is absent (the text is the key).
    #[error("missing {0}")]
    MissingKey(&'static str),
    /// The target sent a CHAP key the current step does not allow (the text is the key).
    #[error("unexpected {0}")]
    UnexpectedKey(&'static str),
    /// The target answered `CHAP_A=Reject`: it supports none of the offered algorithms.
    #[error("target rejected the offered CHAP algorithms")]
    AlgorithmRejected,
    /// The target's `CHAP_A` is not a single number in 0..=255.
    #[error("CHAP_A is not a single algorithm number")]
    BadAlgorithm,
    /// The target chose an algorithm that was not in our `CHAP_A` offer.
    #[error("target chose CHAP algorithm {0}, which was not offered")]
    AlgorithmNotOffered(u8),
    /// The target's `CHAP_I` is not a decimal or hex number in 0..=255.
    #[error("CHAP_I is not a number in 0..=255")]
    BadIdentifier,
    /// A binary CHAP value is not a valid `0x` hex or `0b` base64 constant (the text is the
    /// key).
    #[error("{0} is not a hex or base64 constant")]
    BadEncoding(&'static str),
    /// The target's challenge is empty or longer than 1024 bytes.
    #[error("CHAP_C length out of range (1..=1024 bytes)")]
    ChallengeLength,
    /// The target's `CHAP_R` does not have the digest length of the chosen algorithm.
    /// (A target that maps `CHAP_A=7` to SHA-1, as tgt does, fails here with 32 expected.)
    #[error("CHAP_R length differs from the {expected}-byte digest")]
    ResponseLength {
        /// The digest length of the chosen algorithm.
        expected: usize,
    },
    /// The target's challenge equals the one we send it (RFC 7143 §9.2.1 reflection).
    #[error("target challenge reflects our own challenge")]
    ReflectedChallenge,
    /// The same secret authenticates both directions: either the configuration says so, or
    /// the target's response equals what our own secret gives (RFC 7143 §9.2.1).
    #[error("the same CHAP secret is used in both directions")]
    SameSecret,
    /// The target's `CHAP_N` is not the configured target user name.
    #[error("target CHAP_N does not match the configured target user")]
    TargetNameMismatch,
    /// The target's `CHAP_R` is wrong: the target does not know the target secret.
    #[error("target CHAP response is wrong")]
    TargetResponseMismatch,
}
