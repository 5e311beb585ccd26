//! The CHAP initiator (RFC 7143 §12.1.3 over RFC 1994): configuration, the challenge step
//! and the target-verification step.
//!
//! The types follow the login exchange one step each:
//!
//! ```text
//! ChapInitiator::new(config)            checks the configuration once
//!   .offer()                     ──►    CHAP_A=<offer>
//!   .handle_challenge(A, I, C, rng) ◄── CHAP_A, CHAP_I, CHAP_C
//!     -> (ChapResponse,          ──►    CHAP_N, CHAP_R [, CHAP_I, CHAP_C when mutual]
//!         ChapAnswered)
//!   ChapAnswered::verify_target(N, R) ◄── the target's next response [CHAP_N, CHAP_R]
//!     -> Authenticated                  [holds TargetAuthenticated when mutual]
//! ```
//!
//! Keys are passed as the `Option<&str>` values found in the target's text, so a missing key
//! and a malformed one are both reported here, as typed [`AuthError`]s.
#![warn(
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::cast_possible_truncation
)]

use std::fmt;

use rand_core::CryptoRng;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use super::{AlgorithmList, AuthError, ChapAlgorithm, Secret};
use crate::text::value::{self, ValueError};

/// The longest challenge or response, in decoded bytes (RFC 7143 §12.1.3).
pub const MAX_BINARY_LEN: usize = 1024;

/// The shortest challenge we send (policy: RFC 1994 asks for unpredictable challenges, and
/// 16 bytes is the common floor among implementations).
pub const MIN_CHALLENGE_LEN: usize = 16;

/// The longest CHAP user name (RFC 7143 §6.1: text values are at most 255 bytes).
const MAX_NAME_LEN: usize = 255;

/// CHAP settings of one initiator: who we are, what we offer and, for mutual CHAP, whom we
/// expect.
///
/// Construct with [`ChapConfig::new`] and the `with_*` methods; the values are checked by
/// [`ChapInitiator::new`].
#[non_exhaustive]
#[derive(Clone, Debug)]
pub struct ChapConfig {
    /// Our CHAP name, sent as `CHAP_N`. 1 to 255 bytes, no NUL.
    pub user: String,
    /// The secret that proves us to the target. Must not be empty.
    pub secret: Secret,
    /// The `CHAP_A` offer in preference order. Default: MD5 only.
    pub algorithms: AlgorithmList,
    /// Target authentication (mutual CHAP); `None` for one-way CHAP.
    pub mutual: Option<MutualChap>,
    /// Length of the challenge we send in mutual CHAP, 16 to 1024 bytes. Default (`None`):
    /// twice the digest length of the chosen algorithm (32 bytes for MD5, 64 for SHA-256),
    /// never below 16.
    pub challenge_len: Option<usize>,
}

impl ChapConfig {
    /// One-way CHAP as `user` with `secret`, offering MD5 only.
    pub fn new(user: impl Into<String>, secret: Secret) -> Self {
        Self {
            user: user.into(),
            secret,
            algorithms: AlgorithmList::default(),
            mutual: None,
            challenge_len: None,
        }
    }

    /// Sets the algorithm offer.
    pub fn with_algorithms(mut self, algorithms: AlgorithmList) -> Self {
        self.algorithms = algorithms;
        self
    }

    /// Turns on mutual CHAP: the target must answer our challenge as `target_user` with
    /// `target_secret`.
    pub fn with_mutual(mut self, target_user: impl Into<String>, target_secret: Secret) -> Self {
        self.mutual = Some(MutualChap::new(target_user, target_secret));
        self
    }

    /// Sets the length of our challenge (16 to 1024 bytes).
    pub fn with_challenge_len(mut self, len: usize) -> Self {
        self.challenge_len = Some(len);
        self
    }
}

/// The target's credentials for mutual CHAP.
#[non_exhaustive]
#[derive(Clone, Debug)]
pub struct MutualChap {
    /// The name the target must send as `CHAP_N`. 1 to 255 bytes, no NUL.
    pub target_user: String,
    /// The secret the target must prove. Must differ from the initiator's secret.
    pub target_secret: Secret,
}

impl MutualChap {
    /// Target credentials.
    pub fn new(target_user: impl Into<String>, target_secret: Secret) -> Self {
        Self {
            target_user: target_user.into(),
            target_secret,
        }
    }
}

/// The CHAP initiator before the target's challenge: a checked configuration and the
/// current offer.
///
/// [`ChapInitiator::handle_challenge`] borrows it, so one initiator serves every login
/// attempt of a session (each attempt draws fresh randomness).
///
/// # Retrying with MD5 alone
///
/// Some targets read `CHAP_A` as a single value and refuse a list. When an offer of several
/// algorithms fails — the target answers `CHAP_A=Reject`
/// ([`AuthError::AlgorithmRejected`]) or ends the login with an authentication-failure
/// status — the login layer calls [`ChapInitiator::fallback_md5_only`] and, if it returns
/// `true`, retries the login once on a new connection. It does not retry after a failed
/// verification of the target (a wrong response is not an interoperability problem).
///
/// # Fuzzing
///
/// Nothing here depends on `cfg(fuzzing)`: fuzzers pass a seeded RNG (for example
/// `StdRng::seed_from_u64`) to make runs reproducible.
#[derive(Clone, Debug)]
pub struct ChapInitiator {
    config: ChapConfig,
}

impl ChapInitiator {
    /// Checks `config` and returns an initiator ready to offer.
    ///
    /// # Errors
    ///
    /// - [`AuthError::InvalidConfig`]: a user name that is empty, over 255 bytes or holds a
    ///   NUL; an empty secret; a challenge length outside 16..=1024.
    /// - [`AuthError::SameSecret`]: the target secret equals the initiator secret. RFC 7143
    ///   §9.2.1 forbids one secret for both directions, so this is refused up front rather
    ///   than failing every login.
    pub fn new(config: ChapConfig) -> Result<Self, AuthError> {
        check_name(
            &config.user,
            "CHAP user name is empty, too long or holds a NUL",
        )?;
        if config.secret.is_empty() {
            return Err(AuthError::InvalidConfig("CHAP secret is empty"));
        }
        if let Some(len) = config.challenge_len {
            if !(MIN_CHALLENGE_LEN..=MAX_BINARY_LEN).contains(&len) {
                return Err(AuthError::InvalidConfig(
                    "CHAP challenge length not in 16..=1024",
                ));
            }
        }
        if let Some(mutual) = &config.mutual {
            check_name(
                &mutual.target_user,
                "CHAP target user name is empty, too long or holds a NUL",
            )?;
            if mutual.target_secret.is_empty() {
                return Err(AuthError::InvalidConfig("CHAP target secret is empty"));
            }
            // RFC 7143 §9.2.1: a secret must not authenticate both initiator and target.
            if mutual.target_secret.ct_eq(&config.secret) {
                return Err(AuthError::SameSecret);
            }
        }
        Ok(Self { config })
    }

    /// The algorithms currently offered.
    pub fn algorithms(&self) -> &AlgorithmList {
        &self.config.algorithms
    }

    /// Whether the target will be authenticated too (mutual CHAP).
    pub fn is_mutual(&self) -> bool {
        self.config.mutual.is_some()
    }

    /// The value to send as `CHAP_A`: the offered numbers in preference order, e.g. `7,5`.
    pub fn offer(&self) -> String {
        self.config.algorithms.offer()
    }

    /// Narrows the offer to MD5 alone, for the retry described on [`ChapInitiator`].
    ///
    /// Returns whether the offer changed; `false` means MD5 alone was already offered and a
    /// retry would repeat the failed attempt.
    pub fn fallback_md5_only(&mut self) -> bool {
        let changed = self.config.algorithms != AlgorithmList::md5_only();
        self.config.algorithms = AlgorithmList::md5_only();
        changed
    }

    /// Answers the target's challenge: `chap_a`, `chap_i` and `chap_c` are the values of the
    /// target's `CHAP_A`, `CHAP_I` and `CHAP_C` keys.
    ///
    /// With mutual CHAP it also draws our identifier (one byte) and then our challenge from
    /// `rng`, which must be a cryptographically secure generator.
    ///
    /// # Errors
    ///
    /// - [`AuthError::MissingKey`] for an absent key;
    /// - [`AuthError::AlgorithmRejected`] for `CHAP_A=Reject`, [`AuthError::BadAlgorithm`] for
    ///   anything but one number in 0..=255, [`AuthError::AlgorithmNotOffered`] for a
    ///   number we did not offer;
    /// - [`AuthError::BadIdentifier`] unless `CHAP_I` is decimal or hex in 0..=255;
    /// - [`AuthError::BadEncoding`] unless `CHAP_C` is `0x` hex or `0b` base64, and
    ///   [`AuthError::ChallengeLength`] unless it decodes to 1..=1024 bytes;
    /// - [`AuthError::ReflectedChallenge`] if our challenge equals the target's.
    pub fn handle_challenge<R: CryptoRng + ?Sized>(
        &self,
        chap_a: Option<&str>,
        chap_i: Option<&str>,
        chap_c: Option<&str>,
        rng: &mut R,
    ) -> Result<(ChapResponse, ChapAnswered), AuthError> {
        let result = self.answer(chap_a, chap_i, chap_c, rng);
        if let Err(error) = &result {
            tracing::debug!(%error, "refusing the target's CHAP challenge");
        }
        result
    }

    fn answer<R: CryptoRng + ?Sized>(
        &self,
        chap_a: Option<&str>,
        chap_i: Option<&str>,
        chap_c: Option<&str>,
        rng: &mut R,
    ) -> Result<(ChapResponse, ChapAnswered), AuthError> {
        let algorithm = self.decode_algorithm(required(chap_a, "CHAP_A")?)?;
        let identifier = decode_identifier(required(chap_i, "CHAP_I")?)?;
        let challenge = decode_challenge(required(chap_c, "CHAP_C")?)?;
        let response = algorithm.compute(identifier, &self.config.secret, &challenge);

        let mut message = ChapResponse {
            name: self.config.user.clone(),
            response: value::encode_hex(&response),
            mutual_identifier: None,
            mutual_challenge: None,
        };
        let Some(mutual) = &self.config.mutual else {
            return Ok((
                message,
                ChapAnswered {
                    algorithm,
                    mutual: None,
                },
            ));
        };

        let mut our_identifier = [0u8; 1];
        rng.fill_bytes(&mut our_identifier);
        let [our_identifier] = our_identifier;
        let len = self
            .config
            .challenge_len
            .unwrap_or_else(|| default_challenge_len(algorithm));
        let mut our_challenge = vec![0u8; len];
        rng.fill_bytes(&mut our_challenge);
        // RFC 7143 §9.2.1: the originator must not reuse the responder's challenge. With a
        // 16-byte CSPRNG challenge equality means a broken or predicted RNG: fail closed.
        if our_challenge == challenge {
            return Err(AuthError::ReflectedChallenge);
        }

        message.mutual_identifier = Some(our_identifier);
        message.mutual_challenge = Some(value::encode_hex(&our_challenge));
        let pending = PendingMutual {
            identifier: our_identifier,
            challenge: our_challenge,
            target_user: mutual.target_user.clone(),
            target_secret: mutual.target_secret.clone(),
            own_secret: self.config.secret.clone(),
        };
        Ok((
            message,
            ChapAnswered {
                algorithm,
                mutual: Some(pending),
            },
        ))
    }

    fn decode_algorithm(&self, text: &str) -> Result<ChapAlgorithm, AuthError> {
        if text == "Reject" {
            return Err(AuthError::AlgorithmRejected);
        }
        // RFC 7143 §12.1.3: the target answers with one algorithm from our list.
        let code = value::decode_number_in(text, 0, u64::from(u8::MAX))
            .ok()
            .and_then(|code| u8::try_from(code).ok())
            .ok_or(AuthError::BadAlgorithm)?;
        ChapAlgorithm::from_code(code)
            .filter(|&algorithm| self.config.algorithms.contains(algorithm))
            .ok_or(AuthError::AlgorithmNotOffered(code))
    }
}

/// The keys we send in answer to the target's challenge.
///
/// `Debug` hides the response and our challenge.
#[derive(Clone, Eq, PartialEq)]
pub struct ChapResponse {
    /// `CHAP_N`: our user name.
    pub name: String,
    /// `CHAP_R`: our response, as a `0x` hex constant.
    pub response: String,
    /// `CHAP_I` for mutual CHAP: the identifier of our challenge.
    pub mutual_identifier: Option<u8>,
    /// `CHAP_C` for mutual CHAP: our challenge, as a `0x` hex constant.
    pub mutual_challenge: Option<String>,
}

impl ChapResponse {
    /// The keys and values to send, in order: `CHAP_N`, `CHAP_R`, then for mutual CHAP
    /// `CHAP_I` (decimal) and `CHAP_C`.
    pub fn pairs(&self) -> Vec<(&'static str, String)> {
        let mut pairs = vec![
            ("CHAP_N", self.name.clone()),
            ("CHAP_R", self.response.clone()),
        ];
        if let Some(identifier) = self.mutual_identifier {
            pairs.push(("CHAP_I", identifier.to_string()));
        }
        if let Some(challenge) = &self.mutual_challenge {
            pairs.push(("CHAP_C", challenge.clone()));
        }
        pairs
    }
}

impl fmt::Debug for ChapResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChapResponse")
            .field("name", &self.name)
            .field("mutual", &self.mutual_challenge.is_some())
            .finish_non_exhaustive()
    }
}

/// The CHAP exchange after we answered the target's challenge: waits for the target's
/// verdict and, with mutual CHAP, checks the target's response.
pub struct ChapAnswered {
    algorithm: ChapAlgorithm,
    mutual: Option<PendingMutual>,
}

/// What we need to check the target's answer to our challenge.
struct PendingMutual {
    identifier: u8,
    challenge: Vec<u8>,
    target_user: String,
    target_secret: Secret,
    own_secret: Secret,
}

impl ChapAnswered {
    /// The algorithm the target chose.
    pub fn algorithm(&self) -> ChapAlgorithm {
        self.algorithm
    }

    /// Whether the target's `CHAP_N` and `CHAP_R` are expected and checked.
    pub fn is_mutual(&self) -> bool {
        self.mutual.is_some()
    }

    /// Takes the target's answer: `chap_n` and `chap_r` are the values of `CHAP_N` and
    /// `CHAP_R` in the target's response to our `CHAP_N`/`CHAP_R` (the response that ends
    /// the security stage or continues it).
    ///
    /// One-way CHAP: both must be absent; the result carries no target proof. Mutual CHAP:
    /// both must be present and correct; the result carries [`TargetAuthenticated`].
    /// RFC 7143 §12.1.3: if target authentication fails, the initiator closes the
    /// connection — every error here means exactly that.
    ///
    /// # Errors
    ///
    /// - one-way: [`AuthError::UnexpectedKey`] if the target sent `CHAP_N` or `CHAP_R`;
    /// - mutual: [`AuthError::MissingKey`]; [`AuthError::TargetNameMismatch`] if `CHAP_N`
    ///   is not the configured target user; [`AuthError::BadEncoding`] or
    ///   [`AuthError::ResponseLength`] for a malformed `CHAP_R`; [`AuthError::SameSecret`]
    ///   if `CHAP_R` is what our own secret gives; [`AuthError::TargetResponseMismatch`] if
    ///   it is not what the target secret gives.
    pub fn verify_target(
        self,
        chap_n: Option<&str>,
        chap_r: Option<&str>,
    ) -> Result<Authenticated, AuthError> {
        let result = self.verify(chap_n, chap_r);
        if let Err(error) = &result {
            tracing::debug!(%error, "CHAP target authentication failed");
        }
        result
    }

    fn verify(
        self,
        chap_n: Option<&str>,
        chap_r: Option<&str>,
    ) -> Result<Authenticated, AuthError> {
        let Some(mutual) = self.mutual else {
            if chap_n.is_some() {
                return Err(AuthError::UnexpectedKey("CHAP_N"));
            }
            if chap_r.is_some() {
                return Err(AuthError::UnexpectedKey("CHAP_R"));
            }
            return Ok(Authenticated {
                algorithm: self.algorithm,
                target: None,
            });
        };
        let name = required(chap_n, "CHAP_N")?;
        let response = required(chap_r, "CHAP_R")?;
        if name != mutual.target_user {
            return Err(AuthError::TargetNameMismatch);
        }
        let expected_len = self.algorithm.digest_len();
        let length_error = AuthError::ResponseLength {
            expected: expected_len,
        };
        let received =
            value::decode_binary(response, MAX_BINARY_LEN).map_err(|error| match error {
                ValueError::TooLong { .. } => length_error,
                _ => AuthError::BadEncoding("CHAP_R"),
            })?;
        if received.len() != expected_len {
            return Err(length_error);
        }
        let own = Zeroizing::new(self.algorithm.compute(
            mutual.identifier,
            &mutual.own_secret,
            &mutual.challenge,
        ));
        let expected = Zeroizing::new(self.algorithm.compute(
            mutual.identifier,
            &mutual.target_secret,
            &mutual.challenge,
        ));
        // RFC 7143 §9.2.1: a response equal to what the receiver's own secret gives is an
        // authentication failure (the same secret is used both ways).
        if bool::from(received.ct_eq(&own)) {
            return Err(AuthError::SameSecret);
        }
        if !bool::from(received.ct_eq(&expected)) {
            return Err(AuthError::TargetResponseMismatch);
        }
        Ok(Authenticated {
            algorithm: self.algorithm,
            target: Some(TargetAuthenticated { _private: () }),
        })
    }
}

impl fmt::Debug for ChapAnswered {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChapAnswered")
            .field("algorithm", &self.algorithm)
            .field("mutual", &self.mutual.is_some())
            .finish()
    }
}

/// A finished CHAP exchange. Only [`ChapAnswered::verify_target`] creates one.
///
/// With mutual CHAP configured it always holds a [`TargetAuthenticated`]; with one-way CHAP
/// it holds none. The login layer keeps it (or the proof taken from it) in the states that
/// lead to full-feature phase.
#[derive(Debug)]
pub struct Authenticated {
    algorithm: ChapAlgorithm,
    target: Option<TargetAuthenticated>,
}

impl Authenticated {
    /// The CHAP algorithm the exchange used (the target's CHAP_A choice).
    pub fn algorithm(&self) -> ChapAlgorithm {
        self.algorithm
    }

    /// Whether the target was authenticated (mutual CHAP).
    pub fn is_mutual(&self) -> bool {
        self.target.is_some()
    }

    /// The proof that the target was authenticated; `None` for one-way CHAP.
    pub fn into_target_proof(self) -> Option<TargetAuthenticated> {
        self.target
    }
}

/// Proof that the target answered our CHAP challenge correctly (mutual CHAP).
///
/// Zero-sized, not `Clone`, and constructible only by [`ChapAnswered::verify_target`] after
/// every check passed, so holding one means the target was authenticated.
#[derive(Debug)]
pub struct TargetAuthenticated {
    _private: (),
}

/// Our default challenge length: twice the digest, at least [`MIN_CHALLENGE_LEN`].
fn default_challenge_len(algorithm: ChapAlgorithm) -> usize {
    algorithm
        .digest_len()
        .saturating_mul(2)
        .max(MIN_CHALLENGE_LEN)
}

fn check_name(name: &str, problem: &'static str) -> Result<(), AuthError> {
    if name.is_empty() || name.len() > MAX_NAME_LEN || name.contains('\0') {
        return Err(AuthError::InvalidConfig(problem));
    }
    Ok(())
}

fn required<'a>(value: Option<&'a str>, key: &'static str) -> Result<&'a str, AuthError> {
    value.ok_or(AuthError::MissingKey(key))
}

/// `CHAP_I`: a number in 0..=255, decimal or hex (RFC 7143 §12.1.3, §6.1 number forms).
fn decode_identifier(text: &str) -> Result<u8, AuthError> {
    value::decode_number_in(text, 0, u64::from(u8::MAX))
        .ok()
        .and_then(|identifier| u8::try_from(identifier).ok())
        .ok_or(AuthError::BadIdentifier)
}

/// `CHAP_C`: a binary value of 1..=1024 bytes (RFC 7143 §12.1.3).
fn decode_challenge(text: &str) -> Result<Vec<u8>, AuthError> {
    let challenge = value::decode_binary(text, MAX_BINARY_LEN).map_err(|error| match error {
        ValueError::TooLong { .. } => AuthError::ChallengeLength,
        _ => AuthError::BadEncoding("CHAP_C"),
    })?;
    // Defence in depth: the value codec already refuses `0x` and `0b` with no digits.
    if challenge.is_empty() {
        return Err(AuthError::ChallengeLength);
    }
    Ok(challenge)
}
