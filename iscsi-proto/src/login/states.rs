//! The login states: one type per thing awaited, each consuming itself with one complete
//! Login Response (header + decoded pairs) and returning the next state with the request
//! to send, or the finished login (architecture §B5b).
//!
//! ```text
//!   auth or always_security_stage           no auth
//!              │                               │
//!   ExpectSecurityResponse ──None──┐           │
//!              │ CHAP              │           │
//!   ExpectChapChallenge            │           │
//!              │                   │           │
//!   ExpectChapResult ──────────────┤           │
//!              │ (T=0)             │           │
//!   ExpectSecurityTransit ◄────────┘           │
//!              │ T=1 NSG=1                     │
//!   ExpectOperationalResponse ◄────────────────┘
//!              │ T=1 NSG=3
//!          Complete(LoginOutcome)
//! ```
//!
//! The security outcome ([`Authentication`]) is built in one place,
//! [`Authentication::establish`], which refuses to produce anything without the
//! [`TargetAuthenticated`] proof when mutual CHAP is configured; the states after the
//! security stage store it, so full-feature phase cannot be reached unauthenticated.

use rand_core::CryptoRng;

use super::{Ctx, LoginError, LoginOutcome};
use crate::{
    auth::{
        AuthError, Authenticated, ChapAlgorithm, ChapAnswered, ChapInitiator, TargetAuthenticated,
    },
    text::TextPairs,
    wire::{LoginResponse, Stage},
};

/// The security keys, by name.
const AUTH_METHOD: &str = "AuthMethod";
const CHAP_A: &str = "CHAP_A";
const CHAP_I: &str = "CHAP_I";
const CHAP_C: &str = "CHAP_C";
const CHAP_N: &str = "CHAP_N";
const CHAP_R: &str = "CHAP_R";

/// How the target and we were authenticated.
#[derive(Debug)]
pub enum Authentication {
    /// No authentication (`AuthMethod=None`, or no security stage).
    None,
    /// One-way CHAP with this algorithm: the target authenticated us; the target itself is
    /// unauthenticated.
    Chap(ChapAlgorithm),
    /// Mutual CHAP with this algorithm: both directions, with the proof that the target
    /// answered our challenge correctly.
    MutualChap(ChapAlgorithm, TargetAuthenticated),
}

impl Authentication {
    /// Whether the target proved itself.
    pub fn is_target_authenticated(&self) -> bool {
        matches!(self, Self::MutualChap(..))
    }

    /// The CHAP algorithm used, `None` without authentication.
    pub fn chap_algorithm(&self) -> Option<ChapAlgorithm> {
        match self {
            Self::None => None,
            Self::Chap(algorithm) | Self::MutualChap(algorithm, _) => Some(*algorithm),
        }
    }

    /// The only constructor used by the states: `chap` is the finished CHAP exchange, or
    /// `None` when no authentication took place.
    ///
    /// # Errors
    ///
    /// [`LoginError::TargetNotAuthenticated`] when `mutual_required` and there is no proof.
    fn establish(chap: Option<Authenticated>, mutual_required: bool) -> Result<Self, LoginError> {
        let auth = match chap {
            None => Self::None,
            Some(done) => {
                let algorithm = done.algorithm();
                match done.into_target_proof() {
                    Some(proof) => Self::MutualChap(algorithm, proof),
                    None => Self::Chap(algorithm),
                }
            }
        };
        if mutual_required && !auth.is_target_authenticated() {
            return Err(LoginError::TargetNotAuthenticated);
        }
        Ok(auth)
    }
}

/// What a state asks the driver to send next.
#[derive(Debug)]
pub(super) struct Request {
    /// The text (split by the driver if over the segment limit).
    pub(super) pairs: TextPairs,
    /// CSG.
    pub(super) stage: Stage,
    /// T and NSG.
    pub(super) next_stage: Option<Stage>,
}

/// The result of one state step.
pub(super) enum Step {
    /// Send `Request` and wait in `State`.
    Send(State, Request),
    /// The final response arrived.
    Complete(LoginOutcome),
}

/// The states, for storage between responses.
#[derive(Debug)]
pub(super) enum State {
    SecurityResponse(ExpectSecurityResponse),
    ChapChallenge(ExpectChapChallenge),
    ChapResult(ExpectChapResult),
    SecurityTransit(ExpectSecurityTransit),
    OperationalResponse(ExpectOperationalResponse),
}

impl State {
    /// The state's name, for errors and logs.
    pub(super) fn name(&self) -> &'static str {
        match self {
            Self::SecurityResponse(_) => "awaiting the AuthMethod answer",
            Self::ChapChallenge(_) => "awaiting the CHAP challenge",
            Self::ChapResult(_) => "awaiting the CHAP result",
            Self::SecurityTransit(_) => "awaiting the end of the security stage",
            Self::OperationalResponse(_) => "awaiting an operational response",
        }
    }

    /// Whether a Status-Class 2 answer now means "the target refused our CHAP_A list".
    pub(super) fn chap_list_pending(&self) -> bool {
        matches!(self, Self::ChapChallenge(s) if s.offers_several())
    }

    pub(super) fn handle<R: CryptoRng + ?Sized>(
        self,
        ctx: &mut Ctx,
        response: &LoginResponse,
        pairs: TextPairs,
        rng: &mut R,
    ) -> Result<Step, LoginError> {
        let name = self.name();
        match self {
            Self::SecurityResponse(s) => s.handle(ctx, name, response, &pairs),
            Self::ChapChallenge(s) => s.handle(ctx, name, &pairs, rng),
            Self::ChapResult(s) => s.handle(ctx, name, response, &pairs),
            Self::SecurityTransit(s) => s.handle(ctx, name, response, &pairs),
            Self::OperationalResponse(s) => s.handle(ctx, name, response, &pairs),
        }
    }
}

/// Waiting for the answer to `AuthMethod` (the first security-stage request).
#[derive(Debug)]
pub(super) struct ExpectSecurityResponse {
    chap: Option<ChapInitiator>,
    none_offered: bool,
}

impl ExpectSecurityResponse {
    /// The first request of a login with a security stage: the declarations and the
    /// AuthMethod offer. With CHAP, T=0 (the CHAP exchange follows); without, T=1 NSG=1.
    pub(super) fn start(ctx: &mut Ctx, chap: Option<ChapInitiator>) -> (State, Request) {
        let mut pairs = ctx.negotiator.offer_declarations();
        let (offer, none_offered, next_stage) = match &chap {
            // Mutual CHAP: the target must authenticate itself, so None is not offered.
            Some(c) if c.is_mutual() => ("CHAP", false, None),
            Some(_) => ("CHAP,None", true, None),
            None => ("None", true, Some(Stage::LoginOperationalNegotiation)),
        };
        pairs.push(AUTH_METHOD, offer);
        let request = Request {
            pairs,
            stage: Stage::SecurityNegotiation,
            next_stage,
        };
        (
            State::SecurityResponse(Self { chap, none_offered }),
            request,
        )
    }

    fn handle(
        self,
        ctx: &mut Ctx,
        state: &'static str,
        response: &LoginResponse,
        pairs: &TextPairs,
    ) -> Result<Step, LoginError> {
        ctx.check_security_keys(state, pairs, &[AUTH_METHOD])?;
        let answer = pairs
            .get(AUTH_METHOD)
            .ok_or(AuthError::MissingKey(AUTH_METHOD))?;
        match (answer, self.chap) {
            // RFC 7143 §12.1: as soon as CHAP is selected the initiator makes its first
            // step, CHAP_A with the algorithm list.
            ("CHAP", Some(chap)) => {
                let mut request = ctx.negotiator.handle_response(pairs)?;
                request.push(CHAP_A, chap.offer());
                let request = Request {
                    pairs: request,
                    stage: Stage::SecurityNegotiation,
                    next_stage: None,
                };
                Ok(Step::Send(
                    State::ChapChallenge(ExpectChapChallenge { chap }),
                    request,
                ))
            }
            ("None", _) if self.none_offered => {
                let answers = ctx.negotiator.handle_response(pairs)?;
                let auth = Authentication::establish(None, ctx.mutual_required)?;
                end_security(ctx, response, answers, auth)
            }
            (other, _) => Err(LoginError::AuthMethod {
                answer: other.to_owned(),
            }),
        }
    }
}

/// Waiting for the target's `CHAP_A`, `CHAP_I` and `CHAP_C`.
#[derive(Debug)]
pub(super) struct ExpectChapChallenge {
    chap: ChapInitiator,
}

impl ExpectChapChallenge {
    fn offers_several(&self) -> bool {
        self.chap.algorithms().as_slice().len() > 1
    }

    fn handle<R: CryptoRng + ?Sized>(
        self,
        ctx: &mut Ctx,
        state: &'static str,
        pairs: &TextPairs,
        rng: &mut R,
    ) -> Result<Step, LoginError> {
        ctx.check_security_keys(state, pairs, &[CHAP_A, CHAP_I, CHAP_C])?;
        let several = self.offers_several();
        let (response, answered) = self
            .chap
            .handle_challenge(pairs.get(CHAP_A), pairs.get(CHAP_I), pairs.get(CHAP_C), rng)
            .map_err(|error| match error {
                AuthError::AlgorithmRejected if several => {
                    LoginError::ChapAlgorithmsRefused { status: None }
                }
                other => LoginError::Auth(other),
            })?;
        let mut request = ctx.negotiator.handle_response(pairs)?;
        for (key, value) in response.pairs() {
            request.push(key, value);
        }
        let request = Request {
            pairs: request,
            stage: Stage::SecurityNegotiation,
            next_stage: Some(Stage::LoginOperationalNegotiation),
        };
        Ok(Step::Send(
            State::ChapResult(ExpectChapResult { answered }),
            request,
        ))
    }
}

/// Waiting for the target's verdict on our `CHAP_R` (and, with mutual CHAP, its own
/// `CHAP_N`/`CHAP_R`).
#[derive(Debug)]
pub(super) struct ExpectChapResult {
    answered: ChapAnswered,
}

impl ExpectChapResult {
    fn handle(
        self,
        ctx: &mut Ctx,
        state: &'static str,
        response: &LoginResponse,
        pairs: &TextPairs,
    ) -> Result<Step, LoginError> {
        ctx.check_security_keys(state, pairs, &[CHAP_N, CHAP_R])?;
        // RFC 7143 §12.1.3: if target authentication fails, the initiator closes the
        // connection; verify before looking at anything else.
        let done = self
            .answered
            .verify_target(pairs.get(CHAP_N), pairs.get(CHAP_R))?;
        let auth = Authentication::establish(Some(done), ctx.mutual_required)?;
        let answers = ctx.negotiator.handle_response(pairs)?;
        end_security(ctx, response, answers, auth)
    }
}

/// Authentication is done; waiting for the target to leave the security stage.
#[derive(Debug)]
pub(super) struct ExpectSecurityTransit {
    auth: Authentication,
}

impl ExpectSecurityTransit {
    fn handle(
        self,
        ctx: &mut Ctx,
        state: &'static str,
        response: &LoginResponse,
        pairs: &TextPairs,
    ) -> Result<Step, LoginError> {
        ctx.check_security_keys(state, pairs, &[])?;
        let answers = ctx.negotiator.handle_response(pairs)?;
        end_security(ctx, response, answers, self.auth)
    }
}

/// After a security-stage response once authentication is settled: move to the
/// operational stage if the target transited, otherwise ask it to (T=1, NSG=1).
fn end_security(
    ctx: &mut Ctx,
    response: &LoginResponse,
    answers: TextPairs,
    auth: Authentication,
) -> Result<Step, LoginError> {
    if response.next_stage == Some(Stage::LoginOperationalNegotiation) {
        let (state, request) = ExpectOperationalResponse::start(ctx, answers, auth);
        return Ok(Step::Send(state, request));
    }
    // The driver only lets through NSG values in (CSG, our NSG], and ours was 1 or none.
    let request = Request {
        pairs: answers,
        stage: Stage::SecurityNegotiation,
        next_stage: Some(Stage::LoginOperationalNegotiation),
    };
    Ok(Step::Send(
        State::SecurityTransit(ExpectSecurityTransit { auth }),
        request,
    ))
}

/// Waiting for answers in the operational stage; every request asks for full-feature
/// phase (T=1, NSG=3).
#[derive(Debug)]
pub(super) struct ExpectOperationalResponse {
    auth: Authentication,
}

impl ExpectOperationalResponse {
    /// The first operational request: `answers` to the target's last offers, then every
    /// key not yet sent (declarations included when there was no security stage).
    pub(super) fn start(
        ctx: &mut Ctx,
        answers: TextPairs,
        auth: Authentication,
    ) -> (State, Request) {
        let mut pairs = answers;
        pairs.extend(ctx.negotiator.offer());
        let request = Request {
            pairs,
            stage: Stage::LoginOperationalNegotiation,
            next_stage: Some(Stage::FullFeaturePhase),
        };
        (State::OperationalResponse(Self { auth }), request)
    }

    /// A login without a security stage starts here.
    pub(super) fn start_unauthenticated(ctx: &mut Ctx) -> Result<(State, Request), LoginError> {
        let auth = Authentication::establish(None, ctx.mutual_required)?;
        Ok(Self::start(ctx, TextPairs::new(), auth))
    }

    fn handle(
        self,
        ctx: &mut Ctx,
        state: &'static str,
        response: &LoginResponse,
        pairs: &TextPairs,
    ) -> Result<Step, LoginError> {
        // Security keys belong to the security stage only (RFC 7143 §6.3).
        ctx.check_security_keys(state, pairs, &[])?;
        let answers = ctx.negotiator.handle_response(pairs)?;
        if response.next_stage == Some(Stage::FullFeaturePhase) {
            if !answers.is_empty() {
                return Err(ctx.violation(state, super::LoginViolation::OfferInFinalResponse));
            }
            let outcome = ctx.finish(state, response, self.auth)?;
            return Ok(Step::Complete(outcome));
        }
        let (state, request) = Self::start(ctx, answers, self.auth);
        Ok(Step::Send(state, request))
    }
}
