//! Authentication in the login security stage: CHAP (RFC 7143 §12.1.3, RFC 1994), one-way
//! and mutual, with algorithms 5 (MD5), 6 (SHA-1), 7 (SHA-256) and 8 (SHA3-256).
//!
//! This module is sans-IO and independent of the text codec: it takes the values of the
//! target's `CHAP_*` keys as strings and returns the keys to send. The login state machine
//! glues it to login PDUs:
//!
//! 1. [`ChapInitiator::new`] checks a [`ChapConfig`] (once per session).
//! 2. After `AuthMethod=CHAP` is agreed, send `CHAP_A=`[`ChapInitiator::offer`].
//! 3. Pass the target's `CHAP_A`, `CHAP_I` and `CHAP_C` to
//!    [`ChapInitiator::handle_challenge`] with a CSPRNG; send [`ChapResponse::pairs`].
//! 4. Pass the target's next `CHAP_N`/`CHAP_R` (absent for one-way CHAP) to
//!    [`ChapAnswered::verify_target`]; keep the [`Authenticated`] it returns.
//!
//! Any [`AuthError`] fails the login and closes the connection. For targets that refuse a
//! multi-value `CHAP_A`, see the retry on [`ChapInitiator`].
//!
//! # Guards
//!
//! - The offer always includes MD5 ([`AlgorithmList`]); a target choosing anything we did
//!   not offer fails.
//! - Our challenge and identifier come from the caller's CSPRNG; our challenge equal to the
//!   target's fails as reflected (RFC 7143 §9.2.1).
//! - The target's `CHAP_N` must be the configured target user and its `CHAP_R` is compared
//!   in constant time; a `CHAP_R` equal to what our own secret gives fails (same secret both
//!   ways, RFC 7143 §9.2.1), as does a configuration with one secret for both directions.
//!
//! # Secrets
//!
//! [`Secret`] zeroizes on drop and prints as `Secret(..)`. Errors, `Debug` output and logs
//! of this module never contain secrets, challenges or responses.

mod algorithm;
mod chap;
mod error;
mod secret;
#[cfg(test)]
mod tests;

pub use algorithm::{AlgorithmList, ChapAlgorithm};
pub use chap::{
    Authenticated, ChapAnswered, ChapConfig, ChapInitiator, ChapResponse, MAX_BINARY_LEN,
    MIN_CHALLENGE_LEN, MutualChap, TargetAuthenticated,
};
pub use error::AuthError;
pub use secret::{MIN_UNPROTECTED_SECRET_LEN, Secret};
