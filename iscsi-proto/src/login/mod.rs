//! The login phase state machine (RFC 7143 §6, §11.12–11.13), sans-IO.
//!
//! [`Login`] drives one login attempt on one connection. It never touches a socket or a
//! clock; CHAP randomness comes from the caller's CSPRNG. The caller:
//!
//! ```text
//! let mut login = Login::new(config)?;
//! loop {
//!     while let Some(pdu) = login.poll_transmit() { send(pdu) }   // one request at a time
//!     let response = receive();                                  // a decoded PDU
//!     match login.handle_response(response, &mut rng)? {
//!         LoginProgress::Continue => {}
//!         LoginProgress::Complete(outcome) => break outcome,     // params + SessionStart
//!     }
//! }
//! ```
//!
//! Internally the login is a chain of `Expect*` states (see `states.rs`), each waiting for
//! one complete Login Response; this module checks every response header first and handles
//! text continuation in both directions, so the states only see whole texts.
//!
//! # Rules enforced
//!
//! Requests (RFC 7143 §11.12): Version-max = Version-min = 0; the same ISID, TSIH, ITT,
//! CID and CmdSN (the initial CmdSN: login PDUs are immediate) on every request; ExpStatSN
//! is the last StatSN + 1 (the configured value, 0 by default, on the first); InitiatorName,
//! TargetName, SessionType and InitiatorAlias only in the first request; no key sent twice;
//! a text over [`LoginConfig::max_send_segment_length`] goes out in several PDUs with C=1
//! and T=0, the last one carrying the real T/NSG.
//!
//! Responses (RFC 7143 §11.13), checked before anything else happens:
//! - Status-Class 0 goes on; 1 is [`LoginError::Redirect`] with the parsed TargetAddress;
//!   2 and 3 (and unknown classes) are [`LoginError::Status`] with the raw code;
//! - on success: ITT and ISID echoed, Version-active 0, CSG equal to ours, T=1 only if we
//!   set T=1, NSG after CSG, at most ours and never the reserved 2;
//! - a response with C=1 is answered by an empty request (same CSG, and the T/NSG of our
//!   last request, which still stands) and joined with the rest
//!   ([`crate::text::TextAssembler`], bounded by [`LoginConfig::text_limits`]); a response
//!   to our own C=1 request must be empty;
//! - the final response (T=1, NSG=3) offers nothing that needs an answer, carries a
//!   non-zero TSIH for a new session (or ours when adding a connection), and every offered
//!   key has been answered ([`crate::negotiation::Negotiator::finish`]);
//! - at most [`LoginConfig::max_rounds`] requests ([`LoginError::TooManyRounds`]).
//!
//! Leniency, on purpose: StatSN is tracked but its increments are not checked, and the TSIH
//! of non-final responses is ignored (targets differ; neither affects the session).
//!
//! # Authentication
//!
//! See [`LoginConfig::auth`] for the AuthMethod offer. Mutual CHAP cannot complete
//! without the target's proof ([`crate::auth::TargetAuthenticated`]), held in
//! [`Authentication::MutualChap`] by every state after the security stage.
#![warn(
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::cast_possible_truncation
)]

mod config;
mod error;
mod states;
#[cfg(test)]
mod tests;

use std::collections::VecDeque;

use bytes::Bytes;
use rand_core::CryptoRng;

pub use config::{
    DEFAULT_MAX_LOGIN_ROUNDS, LOGIN_MAX_DATA_SEGMENT_LENGTH, LoginConfig, MAX_REDIRECTS,
    generate_isid,
};
pub use error::{LoginError, LoginViolation};
pub use states::Authentication;
use states::{ExpectOperationalResponse, ExpectSecurityResponse, Request, State, Step};

use crate::{
    auth::ChapInitiator,
    discovery::parse_target_address,
    negotiation::{NegotiatedParams, Negotiator},
    session::{SessionConfig, SessionStart},
    text::{TextAssembler, TextChunk, TextPairs, split_for_sending},
    wire::{
        Cid, CmdSn, Header, Isid, Itt, LoginRequest, LoginResponse, LoginStatus, Pdu, Stage,
        StatSn, Tsih,
    },
};

/// The smallest [`LoginConfig::max_send_segment_length`] (RFC 7143 §13.12 minimum).
const MIN_SEND_SEGMENT_LENGTH: usize = 512;

/// One login attempt on one connection.
#[derive(Debug)]
pub struct Login {
    ctx: Ctx,
    /// `None` once the login completed or failed.
    state: Option<State>,
    /// The request to send next (at most one request is ever outstanding).
    transmit: Option<Pdu>,
}

/// What [`Login::handle_response`] achieved.
#[derive(Debug)]
#[must_use]
pub enum LoginProgress {
    /// The login goes on: take the next request from [`Login::poll_transmit`].
    Continue,
    /// The final response arrived: full-feature phase may start.
    Complete(LoginOutcome),
}

/// A finished login: everything the full-feature session needs.
#[non_exhaustive]
#[derive(Debug)]
pub struct LoginOutcome {
    /// The negotiated operational parameters.
    pub params: NegotiatedParams,
    /// Identity and sequence numbers for [`crate::session::Session`].
    pub start: SessionStart,
    /// How the peers were authenticated; holds the target's proof with mutual CHAP.
    pub authentication: Authentication,
    /// Requests sent during the login.
    pub rounds: usize,
}

impl LoginOutcome {
    /// The session settings from the negotiated parameters, local defaults for the rest.
    pub fn session_config(&self) -> SessionConfig {
        SessionConfig::from_negotiated(&self.params)
    }

    /// The TargetPortalGroupTag the target declared, if any (RFC 7143 §13.9; the caller
    /// may check it against discovery).
    pub fn target_portal_group_tag(&self) -> Option<u16> {
        self.params.target_portal_group_tag
    }

    /// Whether the target proved itself with mutual CHAP.
    pub fn is_target_authenticated(&self) -> bool {
        self.authentication.is_target_authenticated()
    }
}

impl Login {
    /// Checks `config` and prepares the first Login Request (take it with
    /// [`Login::poll_transmit`]).
    ///
    /// The login starts in the security stage when CHAP is configured or
    /// [`LoginConfig::always_security_stage`] is set, otherwise in the operational stage.
    ///
    /// # Errors
    ///
    /// [`LoginError::Negotiation`] for an invalid operational configuration,
    /// [`LoginError::Auth`] for an invalid CHAP configuration (including one secret for
    /// both directions), [`LoginError::InvalidConfig`] for a zero `max_rounds`, the
    /// reserved ITT or a segment length outside 512..=8192, and [`LoginError::Text`] if
    /// the names cannot be encoded.
    pub fn new(config: LoginConfig) -> Result<Self, LoginError> {
        if config.max_rounds == 0 {
            return Err(LoginError::InvalidConfig("max_rounds is zero"));
        }
        if config.itt.is_reserved() {
            return Err(LoginError::InvalidConfig("the ITT 0xffffffff is reserved"));
        }
        // The session engine recovers only by session recovery (ERL 0): no SNACK, no
        // DataACK, no connection recovery (RFC 7143 §7.1.5). Offering more would promise what
        // it cannot do; the negotiator itself stays general.
        if config.operational.error_recovery_level > 0 {
            return Err(LoginError::InvalidConfig(
                "ErrorRecoveryLevel above 0 is not implemented",
            ));
        }
        if !(MIN_SEND_SEGMENT_LENGTH..=LOGIN_MAX_DATA_SEGMENT_LENGTH)
            .contains(&config.max_send_segment_length)
        {
            return Err(LoginError::InvalidConfig(
                "max_send_segment_length outside 512..=8192",
            ));
        }
        let mutual_required = config.is_mutual();
        let chap = config.auth.map(ChapInitiator::new).transpose()?;
        let mut ctx = Ctx {
            isid: config.isid,
            tsih: config.tsih,
            cid: config.cid,
            itt: config.itt,
            cmd_sn: config.initial_cmd_sn,
            exp_stat_sn: config.exp_stat_sn,
            max_rounds: config.max_rounds,
            max_segment: config.max_send_segment_length,
            requests: 0,
            negotiator: Negotiator::new(config.operational)?,
            assembler: TextAssembler::new(config.text_limits),
            outgoing: VecDeque::new(),
            last_sent: Sent {
                stage: Stage::SecurityNegotiation,
                next_stage: None,
            },
            final_next_stage: None,
            security_seen: Vec::new(),
            mutual_required,
        };
        let (state, request) = if chap.is_some() || config.always_security_stage {
            ExpectSecurityResponse::start(&mut ctx, chap)
        } else {
            ExpectOperationalResponse::start_unauthenticated(&mut ctx)?
        };
        let pdu = ctx.queue(request)?;
        Ok(Self {
            ctx,
            state: Some(state),
            transmit: Some(pdu),
        })
    }

    /// The next Login Request to send, if one is due. There is at most one: the login
    /// waits for each response before sending the next request.
    #[must_use]
    pub fn poll_transmit(&mut self) -> Option<Pdu> {
        self.transmit.take()
    }

    /// Takes the target's answer to the request last returned by [`Login::poll_transmit`].
    ///
    /// `rng` must be a cryptographically secure generator; it is used for our CHAP
    /// identifier and challenge (mutual CHAP) only.
    ///
    /// # Errors
    ///
    /// Every [`LoginError`]; after an error the login is over (further calls return
    /// [`LoginError::NotAwaitingResponse`]) and the connection must be closed.
    pub fn handle_response<R: CryptoRng + ?Sized>(
        &mut self,
        pdu: Pdu,
        rng: &mut R,
    ) -> Result<LoginProgress, LoginError> {
        if self.transmit.is_some() {
            return Err(LoginError::NotAwaitingResponse);
        }
        let state = self.state.take().ok_or(LoginError::NotAwaitingResponse)?;
        match self.ctx.step(state, pdu, rng) {
            Ok(Progress::Send(state, pdu)) => {
                self.state = Some(state);
                self.transmit = Some(pdu);
                Ok(LoginProgress::Continue)
            }
            Ok(Progress::Complete(outcome)) => Ok(LoginProgress::Complete(outcome)),
            Err(error) => {
                tracing::debug!(%error, "login failed");
                Err(error)
            }
        }
    }

    /// The stage of the request in flight (or queued); `None` once the login ended.
    pub fn stage(&self) -> Option<Stage> {
        self.state.as_ref().map(|_| self.ctx.last_sent.stage)
    }

    /// What the login waits for, for logs; `None` once it ended.
    pub fn state_name(&self) -> Option<&'static str> {
        self.state.as_ref().map(State::name)
    }

    /// Requests produced so far (continuation PDUs included).
    pub fn rounds(&self) -> usize {
        self.ctx.requests
    }

    /// Whether the login ended (completed or failed).
    pub fn is_finished(&self) -> bool {
        self.state.is_none()
    }

    /// The ISID in use.
    pub fn isid(&self) -> Isid {
        self.ctx.isid
    }
}

/// The driver's result for one response.
enum Progress {
    Send(State, Pdu),
    Complete(LoginOutcome),
}

/// The header fields of the last request sent, which the response must match.
#[derive(Clone, Copy, Debug)]
struct Sent {
    stage: Stage,
    next_stage: Option<Stage>,
}

/// Login state shared by every `Expect*` state: identity, sequence numbers, negotiation,
/// text continuation and limits.
#[derive(Debug)]
struct Ctx {
    isid: Isid,
    tsih: Tsih,
    cid: Cid,
    itt: Itt,
    cmd_sn: CmdSn,
    exp_stat_sn: StatSn,
    max_rounds: usize,
    max_segment: usize,
    requests: usize,
    negotiator: Negotiator,
    /// The target's text continued with C=1.
    assembler: TextAssembler,
    /// Our text still to send, after a request with C=1.
    outgoing: VecDeque<TextChunk>,
    last_sent: Sent,
    /// T/NSG of the request whose text is in `outgoing` (for its last chunk).
    final_next_stage: Option<Stage>,
    /// Security keys the target has sent in this login (each may come once).
    security_seen: Vec<&'static str>,
    mutual_required: bool,
}

impl Ctx {
    fn step<R: CryptoRng + ?Sized>(
        &mut self,
        state: State,
        pdu: Pdu,
        rng: &mut R,
    ) -> Result<Progress, LoginError> {
        let name = state.name();
        let Header::LoginResponse(response) = pdu.header else {
            return Err(LoginError::UnexpectedPdu {
                state: name,
                opcode: pdu.header.opcode(),
            });
        };
        self.check_status(&state, &response, &pdu.data)?;
        self.check_header(name, &response)?;
        self.exp_stat_sn = response.stat_sn.next();

        if !self.outgoing.is_empty() {
            // RFC 7143 §11.12.2: each of our C=1 requests is answered by an empty response.
            if response.continues || !pdu.data.is_empty() {
                return Err(self.violation(name, LoginViolation::TextDuringContinuation));
            }
            let pdu = self.next_chunk()?;
            return Ok(Progress::Send(state, pdu));
        }
        let Some(pairs) = self.assembler.push(&pdu.data, response.continues)? else {
            // The target's text continues: an empty request asks for the rest. It repeats
            // our standing T/NSG, so a target may still transit on its last PDU.
            let stage = self.last_sent.stage;
            let next_stage = self.final_next_stage;
            let pdu = self.request_pdu(
                TextChunk {
                    data: Bytes::new(),
                    continues: false,
                },
                stage,
                next_stage,
            )?;
            return Ok(Progress::Send(state, pdu));
        };
        tracing::trace!(state = name, pairs = pairs.len(), "login response");
        match state.handle(self, &response, pairs, rng)? {
            Step::Send(state, request) => {
                let pdu = self.queue(request)?;
                Ok(Progress::Send(state, pdu))
            }
            Step::Complete(outcome) => Ok(Progress::Complete(outcome)),
        }
    }

    /// Status-Class first (RFC 7143 §11.13.5): anything but 0 ends the login.
    fn check_status(
        &mut self,
        state: &State,
        response: &LoginResponse,
        data: &Bytes,
    ) -> Result<(), LoginError> {
        let status = response.status;
        match status.class() {
            0 => Ok(()),
            1 => Err(self.redirect(state.name(), status, data)),
            2 if state.chap_list_pending() => Err(LoginError::ChapAlgorithmsRefused {
                status: Some(status),
            }),
            _ => Err(LoginError::Status(status)),
        }
    }

    /// A redirect: the TargetAddress of the (whole) text.
    fn redirect(&mut self, state: &'static str, status: LoginStatus, data: &Bytes) -> LoginError {
        let pairs = match self.assembler.push(data, false) {
            Ok(Some(pairs)) => pairs,
            Ok(None) => TextPairs::new(),
            Err(error) => return error.into(),
        };
        let Some(address) = pairs.get("TargetAddress") else {
            return self.violation(state, LoginViolation::RedirectWithoutAddress);
        };
        match parse_target_address(address) {
            Ok(address) => LoginError::Redirect {
                address,
                permanent: status == LoginStatus::TargetMovedPermanently,
            },
            Err(error) => LoginError::InvalidRedirect(error),
        }
    }

    /// The header rules of a successful response (RFC 7143 §11.13).
    fn check_header(
        &self,
        state: &'static str,
        response: &LoginResponse,
    ) -> Result<(), LoginError> {
        let sent = self.last_sent;
        let violation = if response.itt != self.itt {
            Some(LoginViolation::IttMismatch)
        } else if response.isid != self.isid {
            Some(LoginViolation::IsidMismatch)
        } else if response.version_active != 0 {
            Some(LoginViolation::VersionActive(response.version_active))
        } else if response.current_stage != sent.stage {
            Some(LoginViolation::StageMismatch {
                sent: sent.stage,
                received: response.current_stage,
            })
        } else {
            match (response.next_stage, sent.next_stage) {
                (None, _) => None,
                // RFC 7143 §11.13.3: T MUST NOT be 1 if the request's T was 0.
                (Some(_), None) => Some(LoginViolation::TransitNotRequested),
                (Some(theirs), Some(ours)) => {
                    let csg = u8::from(sent.stage);
                    let nsg = u8::from(theirs);
                    let valid = theirs.is_known() && nsg > csg && nsg <= u8::from(ours);
                    (!valid).then_some(LoginViolation::InvalidNextStage(theirs))
                }
            }
        };
        match violation {
            Some(v) => Err(self.violation(state, v)),
            None => Ok(()),
        }
    }

    fn violation(&self, state: &'static str, violation: LoginViolation) -> LoginError {
        tracing::debug!(state, %violation, "login protocol violation");
        LoginError::Protocol { state, violation }
    }

    /// Checks the security keys of a response: only `allowed` ones, each once per login.
    fn check_security_keys(
        &mut self,
        state: &'static str,
        pairs: &TextPairs,
        allowed: &[&'static str],
    ) -> Result<(), LoginError> {
        for (name, _) in pairs {
            let key = crate::text::Key::from_name(name);
            if !key.is_security() {
                continue;
            }
            let Some(spec) = key.spec() else { continue };
            let key = spec.name;
            if !allowed.contains(&key) || self.security_seen.contains(&key) {
                return Err(self.violation(state, LoginViolation::UnexpectedSecurityKey { key }));
            }
            self.security_seen.push(key);
        }
        Ok(())
    }

    /// Encodes a state's request, splitting it into chunks, and returns the first PDU.
    fn queue(&mut self, request: Request) -> Result<Pdu, LoginError> {
        let text = request.pairs.to_bytes()?;
        self.outgoing = split_for_sending(text, self.max_segment).into();
        self.final_next_stage = request.next_stage;
        self.last_sent.stage = request.stage;
        self.next_chunk()
    }

    /// The PDU for the next chunk of our text.
    fn next_chunk(&mut self) -> Result<Pdu, LoginError> {
        let chunk = self.outgoing.pop_front().unwrap_or(TextChunk {
            data: Bytes::new(),
            continues: false,
        });
        // RFC 7143 §11.12.2: a request with C=1 has T=0.
        let next_stage = if chunk.continues {
            None
        } else {
            self.final_next_stage
        };
        let stage = self.last_sent.stage;
        self.request_pdu(chunk, stage, next_stage)
    }

    fn request_pdu(
        &mut self,
        chunk: TextChunk,
        stage: Stage,
        next_stage: Option<Stage>,
    ) -> Result<Pdu, LoginError> {
        if self.requests >= self.max_rounds {
            return Err(LoginError::TooManyRounds {
                limit: self.max_rounds,
            });
        }
        self.requests = self.requests.saturating_add(1);
        self.last_sent = Sent { stage, next_stage };
        let header = LoginRequest {
            continues: chunk.continues,
            current_stage: stage,
            next_stage,
            version_max: 0,
            version_min: 0,
            isid: self.isid,
            tsih: self.tsih,
            itt: self.itt,
            cid: self.cid,
            cmd_sn: self.cmd_sn,
            exp_stat_sn: self.exp_stat_sn,
        };
        Ok(Pdu::new(header, chunk.data))
    }

    /// The final response: parameters, TSIH and the session's starting numbers.
    fn finish(
        &self,
        state: &'static str,
        response: &LoginResponse,
        authentication: Authentication,
    ) -> Result<LoginOutcome, LoginError> {
        // RFC 7143 §11.13.4: a new session gets a non-zero TSIH in the final response; an
        // added connection keeps the session's.
        if self.tsih == Tsih::NEW {
            if response.tsih == Tsih::NEW {
                return Err(self.violation(state, LoginViolation::ZeroTsih));
            }
        } else if response.tsih != self.tsih {
            return Err(self.violation(
                state,
                LoginViolation::TsihMismatch {
                    expected: self.tsih,
                    received: response.tsih,
                },
            ));
        }
        let params = self.negotiator.clone().finish()?;
        Ok(LoginOutcome {
            params,
            start: SessionStart {
                isid: self.isid,
                tsih: response.tsih,
                cid: self.cid,
                cmd_sn: self.cmd_sn,
                exp_cmd_sn: response.exp_cmd_sn,
                max_cmd_sn: response.max_cmd_sn,
                exp_stat_sn: response.stat_sn.next(),
            },
            authentication,
            rounds: self.requests,
        })
    }
}
