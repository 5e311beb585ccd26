//! A sans-IO **pair**: `iscsi-proto`'s [`Login`] and [`Session`] against a
//! [`TargetConnection`], moving bytes between the two in memory, in virtual time. No sockets,
//! no threads, no real clock.
//!
//! It is the driver behind the protocol scenario tests (`tests/pair.rs` of this crate) and
//! the in-memory benchmarks (`iscsi-benches`). It lives here, not in `iscsi-proto`, so that
//! `iscsi-proto` never depends on this crate, not even as a dev-dependency: such a cycle
//! builds two copies of `iscsi-proto` whose types do not match.
//!
//! # Virtual time
//!
//! [`Pair::now`] starts at the real `Instant::now()` and then only moves when nothing else
//! can: [`Pair::step`] jumps it to the earliest deadline of either side. A keep-alive
//! timeout of 10 s therefore takes microseconds.
//!
//! # Bounds
//!
//! [`Pair::drive_until`] gives up after [`Pair::max_steps`] steps (a livelock) or as soon as
//! nothing moves and no deadline is pending (a stall), with an error instead of hanging.
//!
//! # Memory
//!
//! Every [`Event`] the session produces is pushed onto [`Pair::events`]; read data events
//! hold slices of the receive buffer, so a long run should drain that vector as it goes
//! (the condition passed to [`Pair::drive_until`] may do so). A target that moves a lot of
//! data should also be built with [`crate::TargetConfig::capture_limit`] 0.

use std::time::{Duration, Instant};

use bytes::BytesMut;
use iscsi_proto::{
    framing::{Frame, FrameError, Framer, Limits},
    login::{Login, LoginConfig, LoginError, LoginOutcome, LoginProgress},
    negotiation::OperationalConfig,
    session::{Event, Session, SessionState},
    wire::{EncodeError, Isid},
};
use rand::{SeedableRng, rngs::StdRng};

use crate::{
    ConfigError, ConnectionError, DEFAULT_TARGET_NAME, Target, TargetConfig, TargetConnection,
};

/// The initiator name [`Pair::connect`] logs in with.
pub const PAIR_INITIATOR_NAME: &str = "iqn.2026-11.test:pair";

/// Default for [`Pair::max_steps`]: far more than any scenario test needs.
pub const DEFAULT_MAX_STEPS: usize = 100_000;

/// The most login round trips [`login`] runs before giving up.
const MAX_LOGIN_ROUNDS: usize = 64;

/// Why a pair could not be set up or driven.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum PairError {
    /// The target configuration was refused.
    #[error("target config: {0}")]
    Config(#[from] ConfigError),
    /// The login machine refused its configuration or the target's answer.
    #[error("login: {0}")]
    Login(#[from] LoginError),
    /// A login request could not be encoded.
    #[error("encode: {0}")]
    Encode(#[from] EncodeError),
    /// The target's login responses could not be framed.
    #[error("initiator framing: {0}")]
    Frame(#[from] FrameError),
    /// The target closed the connection on a framing error.
    #[error("target: {0}")]
    Target(#[from] ConnectionError),
    /// The login went on for more round trips than any login needs.
    #[error("login did not finish in {MAX_LOGIN_ROUNDS} round trips")]
    LoginUnfinished,
    /// Nothing moves, no deadline is pending, and the condition does not hold.
    #[error("stalled after {steps} steps: nothing moves and the condition does not hold")]
    Stalled {
        /// Steps taken by this drive.
        steps: usize,
    },
    /// The drive loop bound was reached (a livelock?).
    #[error("drive loop bound of {steps} steps reached (livelock?)")]
    StepLimit {
        /// The bound.
        steps: usize,
    },
}

/// Who runs while the pair calls into one side; passed to a [`Pair::set_observer`] hook.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum Side {
    /// The pair's own code (buffers, the event vector, the drive loop).
    Pair,
    /// The initiator's [`Session`].
    Initiator,
    /// The [`TargetConnection`].
    Target,
}

/// A finished login over an in-memory connection, as returned by [`login`].
#[derive(Debug)]
pub struct LoggedIn {
    /// The target side of the connection, now in full-feature phase.
    pub conn: TargetConnection,
    /// What the login negotiated.
    pub outcome: LoginOutcome,
    /// Bytes the target sent after the final Login Response, for the session to read.
    pub leftover: BytesMut,
}

/// Runs a whole login of `config` against a new connection of `target`, in memory, at
/// `now`. CHAP, if configured, draws its challenges from a generator with a fixed seed.
///
/// # Errors
///
/// [`PairError`] when either side refuses the login or it does not finish in 64 round trips.
pub fn login(target: &Target, config: LoginConfig, now: Instant) -> Result<LoggedIn, PairError> {
    let mut conn = TargetConnection::new(target);
    let mut login = Login::new(config)?;
    let mut framer = Framer::new(Limits {
        max_recv_data_segment_length: 1 << 24,
        max_send_data_segment_length: 8192,
    });
    let (mut wire, mut back) = (BytesMut::new(), BytesMut::new());
    let mut rng = StdRng::seed_from_u64(7);
    for _ in 0..MAX_LOGIN_ROUNDS {
        while let Some(pdu) = login.poll_transmit() {
            framer.encode(&pdu, &mut wire)?;
        }
        conn.handle_read(now, &mut wire)?;
        conn.poll_transmit(now, &mut back);
        while let Some(Frame::Pdu(pdu)) = framer.decode(&mut back)? {
            if let LoginProgress::Complete(outcome) = login.handle_response(pdu, &mut rng)? {
                return Ok(LoggedIn {
                    conn,
                    outcome,
                    leftover: back,
                });
            }
        }
    }
    Err(PairError::LoginUnfinished)
}

/// An initiator [`Session`] and a [`TargetConnection`] joined by two in-memory byte queues.
#[derive(Debug)]
pub struct Pair {
    /// Virtual time: moved by [`Pair::step`] only, to the next deadline when nothing else
    /// can happen. Pass it to every `Session` call made from outside.
    pub now: Instant,
    /// The initiator side, in full-feature phase.
    pub session: Session,
    /// The target's shared state (LUs, capture and violation logs, faults).
    pub target: Target,
    /// The target side of the connection.
    pub conn: TargetConnection,
    /// Every event the session produced, in order. Drain it in long runs.
    pub events: Vec<Event>,
    /// The most steps one [`Pair::drive_until`] takes. Default [`DEFAULT_MAX_STEPS`].
    pub max_steps: usize,
    to_target: BytesMut,
    to_initiator: BytesMut,
    observer: Option<fn(Side)>,
}

impl Pair {
    /// Builds a target from `config`, logs in to its first node with
    /// [`OperationalConfig::normal`] changed by `tune`, and starts full-feature phase with
    /// keep-alive pings off.
    ///
    /// # Errors
    ///
    /// As [`Pair::connect_to`], and [`PairError::Config`] for a bad target configuration.
    pub fn connect(
        config: TargetConfig,
        tune: impl FnOnce(&mut OperationalConfig),
    ) -> Result<Self, PairError> {
        let target = Target::new(config)?;
        let mut op = OperationalConfig::normal(PAIR_INITIATOR_NAME, DEFAULT_TARGET_NAME);
        tune(&mut op);
        Self::connect_to(target, LoginConfig::new(op, Isid::random(0x42, 1)))
    }

    /// Logs in to `target` with `config` (which may carry CHAP) and starts full-feature
    /// phase with keep-alive pings off, one virtual millisecond after the login.
    ///
    /// # Errors
    ///
    /// As [`login`].
    pub fn connect_to(target: Target, config: LoginConfig) -> Result<Self, PairError> {
        let mut now = Instant::now();
        let LoggedIn {
            conn,
            outcome,
            leftover,
        } = login(&target, config, now)?;
        let mut cfg = outcome.session_config();
        cfg.nop_interval = None;
        now += Duration::from_millis(1);
        let session = Session::new(cfg, outcome.start, now);
        Ok(Self {
            now,
            session,
            target,
            conn,
            events: Vec::new(),
            max_steps: DEFAULT_MAX_STEPS,
            to_target: BytesMut::new(),
            to_initiator: leftover,
            observer: None,
        })
    }

    /// Calls `observer` each time control passes to the session, to the target, or back to
    /// the pair, so that (for example) a counting allocator can tell the sides apart.
    pub fn set_observer(&mut self, observer: fn(Side)) {
        self.observer = Some(observer);
    }

    fn enter(&self, side: Side) {
        if let Some(observe) = self.observer {
            observe(side);
        }
    }

    /// Moves bytes both ways until nothing moves; when nothing did, lets virtual time jump
    /// to the next deadline of either side. Returns whether anything happened.
    pub fn step(&mut self) -> bool {
        let mut moved = false;
        loop {
            self.enter(Side::Initiator);
            let Some(t) = self.session.poll_transmit(self.now, &mut self.to_target) else {
                break;
            };
            self.enter(Side::Pair);
            if let Some(split) = t.split {
                self.to_target.extend_from_slice(&split.data);
                self.to_target.extend_from_slice(split.tail.as_slice());
            }
            moved = true;
        }
        self.enter(Side::Pair);
        if !self.to_target.is_empty() && !self.conn.is_closed() {
            let before = self.to_target.len();
            self.enter(Side::Target);
            if self
                .conn
                .handle_read(self.now, &mut self.to_target)
                .is_err()
            {
                self.to_target.clear();
            }
            moved |= self.to_target.len() != before;
        }
        let before = self.to_initiator.len();
        self.enter(Side::Target);
        self.conn.poll_transmit(self.now, &mut self.to_initiator);
        moved |= self.to_initiator.len() != before;
        if !self.to_initiator.is_empty() {
            self.enter(Side::Initiator);
            self.session.handle_read(self.now, &mut self.to_initiator);
        }
        if self.conn.is_closed()
            && self.to_initiator.is_empty()
            && self.session.state() == SessionState::Active
        {
            self.enter(Side::Initiator);
            self.session.handle_connection_lost(self.now);
            moved = true;
        }
        loop {
            self.enter(Side::Initiator);
            let Some(e) = self.session.poll_event() else {
                break;
            };
            self.enter(Side::Pair);
            self.events.push(e);
            moved = true;
        }
        self.enter(Side::Pair);
        if !moved {
            let next = [self.session.poll_timeout(), self.conn.poll_timeout()]
                .into_iter()
                .flatten()
                .min();
            if let Some(t) = next {
                self.now = self.now.max(t);
                self.enter(Side::Initiator);
                self.session.handle_timeout(self.now);
                self.enter(Side::Target);
                self.conn.handle_timeout(self.now);
                self.enter(Side::Pair);
                return true;
            }
        }
        moved
    }

    /// Steps until `done` holds. `done` is checked before every step and may change the
    /// pair (drain [`Pair::events`], submit more commands).
    ///
    /// # Errors
    ///
    /// [`PairError::Stalled`] when nothing can move any more and `done` still does not hold;
    /// [`PairError::StepLimit`] after [`Pair::max_steps`] steps.
    pub fn drive_until(
        &mut self,
        mut done: impl FnMut(&mut Self) -> bool,
    ) -> Result<(), PairError> {
        for steps in 0..self.max_steps {
            if done(self) {
                return Ok(());
            }
            if !self.step() {
                return if done(self) {
                    Ok(())
                } else {
                    Err(PairError::Stalled { steps })
                };
            }
        }
        Err(PairError::StepLimit {
            steps: self.max_steps,
        })
    }

    /// Whether at least `n` SCSI tasks ended ([`Event::ScsiComplete`] or
    /// [`Event::TaskFailed`]) among [`Pair::events`].
    pub fn completed(&self, n: usize) -> bool {
        self.events
            .iter()
            .filter(|e| matches!(e, Event::ScsiComplete { .. } | Event::TaskFailed { .. }))
            .count()
            >= n
    }
}
