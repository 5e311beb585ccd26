//! The full-feature phase of one session on one connection (RFC 7143 §4, §7, §11), sans-IO.
//!
//! [`Session`] owns the connection's framer, the task table, the command window and the
//! keep-alive timer. It never touches a socket or a clock. Its methods fall in four groups:
//!
//! - queries on `&self`: [`Session::state`], [`Session::outstanding_tasks`], ...
//! - inputs, `handle_*(now, ...)`: bytes from the socket ([`Session::handle_read`]), the
//!   deadline returned by [`Session::poll_timeout`] ([`Session::handle_timeout`]), and the
//!   socket closing ([`Session::handle_connection_lost`]);
//! - commands from the application: [`Session::submit`], [`Session::abort_task`],
//!   [`Session::task_management`], [`Session::ping`], [`Session::text`],
//!   [`Session::logout`];
//! - outputs, drained after every input or command, in this order:
//!   [`Session::poll_transmit`] until it returns `None`, then [`Session::poll_timeout`],
//!   then [`Session::poll_event`] until it returns `None`.
//!
//! Every `now` passed in must not go backwards.
//!
//! # Data
//!
//! Write data is given as [`Bytes`] and sliced into immediate data and Data-Out PDUs
//! without copying. Read data comes out as [`Event::DataIn`] slices of the receive buffer,
//! in order, before the task's [`Event::ScsiComplete`].
//!
//! # Error recovery level 0
//!
//! Any protocol error, header digest error, keep-alive timeout or lost connection fails the
//! connection (RFC 7143 §7.1.5: ERL 0 recovers only by session recovery). Every SCSI task
//! the target had not completed — sent or still waiting for the command window — is kept
//! with its request; [`Session::take_unfinished`] hands them to the caller, which logs in
//! again with the same ISID and TSIH 0 (session reinstatement, §6.3.5) and replays them. A
//! write is reported complete only on the target's status, never on a lost connection.

mod error;
mod receive;
mod renegotiate;
mod task;
mod transmit;

pub use transmit::Transmit;
mod window;

use std::{
    collections::VecDeque,
    time::{Duration, Instant},
};

use bytes::{Bytes, BytesMut};

pub use error::{ApiMisuse, ProtocolError, TaskError};
use task::{DataOutJob, Task, TaskKind, TaskTable, TextExchange};
use window::CmdWindow;

use crate::{
    framing::{Digests, Framer, Limits},
    negotiation::{Digest, NegotiatedParams, SessionType},
    wire::{
        Cid, CmdSn, Isid, Itt, LogoutResponseCode, Lun, Pdu, Residual, ScsiResponseCode,
        ScsiStatus, StatSn, TaskAttribute, TmfFunction, TmfResponse, Tsih,
    },
};

/// The longest CDB accepted: 16 bytes in the header plus an extended CDB AHS.
pub const MAX_CDB_LEN: usize = 260;

/// The negotiated and local settings a session runs with.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct SessionConfig {
    /// MaxBurstLength (negotiated): the most an R2T may solicit.
    pub max_burst_length: u32,
    /// FirstBurstLength (negotiated): the most unsolicited data per command.
    pub first_burst_length: u32,
    /// InitialR2T (negotiated): `false` allows an unsolicited Data-Out burst.
    pub initial_r2t: bool,
    /// ImmediateData (negotiated): `true` allows data in the command PDU.
    pub immediate_data: bool,
    /// MaxOutstandingR2T (negotiated), per task.
    pub max_outstanding_r2t: u16,
    /// Digests in force on the connection.
    pub digests: Digests,
    /// Data segment limits: ours for receiving, the target's for sending.
    pub limits: Limits,
    /// DefaultTime2Wait (negotiated), seconds.
    pub default_time2wait: u16,
    /// DefaultTime2Retain (negotiated), seconds.
    pub default_time2retain: u16,
    /// Idle time after which we send a NOP-Out ping; `None` disables pings. Default 5 s.
    pub nop_interval: Option<Duration>,
    /// How long a ping may go unanswered while nothing at all arrives before the connection
    /// is declared dead. Any received PDU counts as an answer. Default 5 s.
    pub nop_timeout: Duration,
    /// Task table size (SCSI commands, TMFs, pings, text, logout). Default 128.
    pub max_tasks: usize,
    /// The most text gathered for one Text exchange; a longer answer fails the exchange
    /// with [`TaskError::TextTooLong`]. Default 64 KiB, 4 MiB on a discovery session
    /// ([`TextLimits::for_discovery`](crate::text::TextLimits::for_discovery)).
    pub max_text_bytes: usize,
    /// The most Text Response PDUs for one exchange. Default 32, 1024 on a discovery
    /// session.
    pub max_text_pdus: usize,
    /// NOP-Ins without a task accepted per second before the target is considered to be
    /// flooding us. Default 100.
    pub max_unsolicited_nop_in_per_second: u32,
}

impl SessionConfig {
    /// The RFC 7143 defaults for every negotiated value (from
    /// [`NegotiatedParams::rfc_defaults`], so they are written once), and our local defaults.
    pub fn rfc_defaults() -> Self {
        Self::from_negotiated(&NegotiatedParams::rfc_defaults(SessionType::Normal))
    }

    /// The settings a login negotiated, with our local defaults for the rest (keep-alive,
    /// table sizes), which the caller may then change.
    pub fn from_negotiated(params: &NegotiatedParams) -> Self {
        // A discovery session exists for SendTargets, whose answer may list thousands of
        // targets; a normal session's text is a few keys.
        let text = match params.session_type {
            SessionType::Discovery => crate::text::TextLimits::for_discovery(),
            SessionType::Normal => crate::text::TextLimits::DEFAULT,
        };
        Self {
            max_burst_length: params.max_burst_length,
            first_burst_length: params.first_burst_length,
            initial_r2t: params.initial_r2t,
            immediate_data: params.immediate_data,
            max_outstanding_r2t: params.max_outstanding_r2t.max(1),
            digests: Digests {
                header: params.header_digest == Digest::Crc32c,
                data: params.data_digest == Digest::Crc32c,
            },
            limits: Limits {
                max_recv_data_segment_length: params.initiator_max_recv_data_segment_length,
                max_send_data_segment_length: params.target_max_recv_data_segment_length,
            },
            default_time2wait: params.default_time2wait,
            default_time2retain: params.default_time2retain,
            nop_interval: Some(Duration::from_secs(5)),
            nop_timeout: Duration::from_secs(5),
            max_tasks: 128,
            max_text_bytes: text.max_bytes,
            max_text_pdus: text.max_pdus,
            max_unsolicited_nop_in_per_second: 100,
        }
    }
}

/// Where login left the session: identity and sequence numbers.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub struct SessionStart {
    /// ISID.
    pub isid: Isid,
    /// TSIH the target assigned.
    pub tsih: Tsih,
    /// CID of this connection.
    pub cid: Cid,
    /// The CmdSN of the first full-feature command (login PDUs are immediate, so it is the
    /// leading login's CmdSN).
    pub cmd_sn: CmdSn,
    /// ExpCmdSN from the final Login Response.
    pub exp_cmd_sn: CmdSn,
    /// MaxCmdSN from the final Login Response.
    pub max_cmd_sn: CmdSn,
    /// StatSN of the final Login Response plus one.
    pub exp_stat_sn: StatSn,
}

/// A SCSI command as the application gives it.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct ScsiRequest {
    /// The logical unit.
    pub lun: Lun,
    /// The CDB, 1 to [`MAX_CDB_LEN`] bytes.
    pub cdb: Bytes,
    /// Task attribute (SIMPLE by default).
    pub attribute: TaskAttribute,
    /// Data to write; empty for commands that write nothing.
    pub write_data: Bytes,
    /// Bytes expected to be read; 0 for commands that read nothing.
    pub read_length: u32,
}

impl ScsiRequest {
    /// A command that transfers no data.
    pub fn no_data(lun: Lun, cdb: impl Into<Bytes>) -> Self {
        Self {
            lun,
            cdb: cdb.into(),
            attribute: TaskAttribute::Simple,
            write_data: Bytes::new(),
            read_length: 0,
        }
    }

    /// A command that reads up to `read_length` bytes.
    pub fn read(lun: Lun, cdb: impl Into<Bytes>, read_length: u32) -> Self {
        Self {
            read_length,
            ..Self::no_data(lun, cdb)
        }
    }

    /// A command that writes `data`.
    pub fn write(lun: Lun, cdb: impl Into<Bytes>, data: Bytes) -> Self {
        Self {
            write_data: data,
            ..Self::no_data(lun, cdb)
        }
    }
}

/// How a SCSI command ended at the target.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct ScsiOutcome {
    /// The iSCSI response code; anything but `CommandCompleted` means `status` is invalid.
    pub response: ScsiResponseCode,
    /// SCSI status.
    pub status: ScsiStatus,
    /// Sense data (without iSCSI's 2-byte length prefix), for CHECK CONDITION.
    pub sense: Option<Bytes>,
    /// Residual of the (read or write) transfer.
    pub residual: Residual,
    /// Residual of the read part of a bidirectional command.
    pub bidi_read_residual: Residual,
    /// Read bytes delivered in [`Event::DataIn`] events.
    pub read_bytes: u32,
}

/// A task handle, valid within one session.
#[derive(Clone, Copy, Debug, Eq, Hash, Ord, PartialEq, PartialOrd)]
pub struct TaskId(pub(crate) Itt);

impl TaskId {
    /// The ITT the task uses on the wire.
    pub fn itt(self) -> Itt {
        self.0
    }
}

/// Something the application must learn about.
#[non_exhaustive]
#[derive(Clone, Debug, Eq, PartialEq)]
pub enum Event {
    /// Read data for a task, in offset order.
    DataIn {
        /// The task.
        task: TaskId,
        /// Offset in the task's read buffer.
        offset: u32,
        /// The bytes (a slice of the receive buffer).
        data: Bytes,
    },
    /// A SCSI command completed with a status.
    ScsiComplete {
        /// The task.
        task: TaskId,
        /// Status, sense and residuals.
        outcome: ScsiOutcome,
    },
    /// A task ended without a status.
    TaskFailed {
        /// The task.
        task: TaskId,
        /// Why.
        error: TaskError,
    },
    /// A task management function completed.
    TmfComplete {
        /// The TMF's own task.
        task: TaskId,
        /// The target's answer.
        response: TmfResponse,
    },
    /// A ping was answered.
    PingComplete {
        /// The ping task.
        task: TaskId,
        /// The echoed data.
        data: Bytes,
    },
    /// A Text exchange finished; the target's text, all PDUs joined.
    TextComplete {
        /// The text task.
        task: TaskId,
        /// The text (key=value pairs, NUL-separated).
        text: Bytes,
    },
    /// A SCSI asynchronous event (AsyncEvent 0).
    ScsiAsyncEvent {
        /// The LU it concerns.
        lun: Lun,
        /// Sense data describing the event.
        sense: Bytes,
    },
    /// The target asked for a logout (AsyncEvent 1); the session logs out by itself within
    /// the given time, letting running commands finish first.
    LogoutRequested {
        /// Parameter3.
        within: Duration,
    },
    /// The target announced it will drop the connection or the session (AsyncEvent 2, 3).
    DropAnnounced {
        /// Wait at least this long before reconnecting.
        time2wait: Duration,
        /// The target keeps task state this long.
        time2retain: Duration,
    },
    /// The logout completed; the connection can be closed.
    LoggedOut {
        /// The target's answer.
        response: LogoutResponseCode,
        /// Wait at least this long before reconnecting.
        time2wait: Duration,
    },
    /// The target renegotiated (AsyncEvent 4, RFC 7143 §11.9.1) and declared a new
    /// MaxRecvDataSegmentLength; every later segment we send is sized by it.
    Renegotiated {
        /// The largest data segment the target now takes.
        max_send_data_segment_length: u32,
    },
    /// The connection failed. Unfinished SCSI tasks are kept for
    /// [`Session::take_unfinished`]; other tasks got [`Event::TaskFailed`].
    ConnectionFailed {
        /// Why.
        reason: FailureReason,
        /// SCSI tasks without a status.
        unfinished: Vec<TaskId>,
        /// The SCSI task the violation concerns, when the PDU that broke the protocol was
        /// addressed to a live one: a Data-In out of sequence or outside the read, an R2T
        /// that breaks a rule, a SCSI Response with malformed sense data. It is one of
        /// `unfinished`. `None` for failures not tied to a task: undecodable PDUs, unknown
        /// ITTs, StatSN errors, floods, keep-alive timeouts, lost connections. A driver
        /// that meets the same culprit again after reinstating the session can fail just
        /// that command instead of replaying it forever.
        culprit: Option<TaskId>,
    },
}

/// Why a connection failed.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum FailureReason {
    /// The target broke the protocol.
    Protocol(ProtocolError),
    /// A ping went unanswered while nothing else arrived.
    NopTimeout,
    /// The transport closed or failed.
    ConnectionLost,
    /// An ABORT TASK did not end its task and the LOGICAL UNIT RESET sent after it did not
    /// either: session recovery is what is left (RFC 7143 §6.1, §7.1.5).
    TaskManagementFailed,
}

/// PDUs one connection carried, for statistics.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, Default, Eq, PartialEq)]
pub struct ConnectionCounters {
    /// PDUs decoded from the target (data digest failures included).
    pub pdus_received: u64,
    /// PDUs encoded for the target.
    pub pdus_sent: u64,
    /// Data-In segments whose data digest failed (RFC 7143 §7.8).
    pub data_digest_errors: u64,
}

/// The session's life cycle.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum SessionState {
    /// Full-feature phase.
    Active,
    /// A logout was sent or is due; no new commands are sent.
    LoggingOut,
    /// Logged out cleanly.
    LoggedOut,
    /// The connection failed.
    Failed,
}

/// Keep-alive bookkeeping (RFC 7143 §7.14: NOP-Out pings detect dead connections).
#[derive(Clone, Copy, Debug)]
struct Keepalive {
    last_rx: Instant,
    ping: Option<(Itt, Instant)>,
}

/// Counter for unsolicited NOP-Ins, per one-second window.
#[derive(Clone, Copy, Debug)]
struct NopInFlood {
    window_start: Instant,
    count: u32,
}

/// The full-feature phase state machine of one session with one connection.
#[derive(Debug)]
pub struct Session {
    config: SessionConfig,
    start: SessionStart,
    state: SessionState,
    framer: Framer,
    window: CmdWindow,
    exp_stat_sn: StatSn,
    tasks: TaskTable,
    /// Non-immediate tasks waiting for the command window, in submission order.
    pending: VecDeque<Itt>,
    /// PDUs built and waiting to be encoded.
    out: VecDeque<Pdu>,
    /// Data-Out bursts, served in R2T arrival order (RFC 7143 §11.8).
    jobs: VecDeque<DataOutJob>,
    events: VecDeque<Event>,
    keepalive: Keepalive,
    nop_in_flood: NopInFlood,
    /// When a target-requested logout must be sent (AsyncEvent 1).
    logout_due: Option<Instant>,
    /// SCSI requests without a status after a failure or logout, for replay.
    unfinished: Vec<(TaskId, ScsiRequest)>,
    counters: ConnectionCounters,
}

impl Session {
    /// Starts full-feature phase where login left off.
    pub fn new(config: SessionConfig, start: SessionStart, now: Instant) -> Self {
        let mut framer = Framer::new(config.limits);
        framer.set_digests(config.digests);
        let tasks = TaskTable::new(config.max_tasks.max(1), 1);
        Self {
            window: CmdWindow::new(start.cmd_sn, start.exp_cmd_sn, start.max_cmd_sn),
            exp_stat_sn: start.exp_stat_sn,
            framer,
            tasks,
            state: SessionState::Active,
            pending: VecDeque::new(),
            out: VecDeque::new(),
            jobs: VecDeque::new(),
            events: VecDeque::new(),
            keepalive: Keepalive {
                last_rx: now,
                ping: None,
            },
            nop_in_flood: NopInFlood {
                window_start: now,
                count: 0,
            },
            logout_due: None,
            unfinished: Vec::new(),
            counters: ConnectionCounters::default(),
            config,
            start,
        }
    }

    // ----- queries -----

    /// The life-cycle state.
    pub fn state(&self) -> SessionState {
        self.state
    }

    /// The settings in force.
    pub fn config(&self) -> &SessionConfig {
        &self.config
    }

    /// Identity and starting sequence numbers.
    pub fn start(&self) -> &SessionStart {
        &self.start
    }

    /// Tasks in the table (sent or waiting for the window).
    pub fn outstanding_tasks(&self) -> usize {
        self.tasks.len()
    }

    /// Whether another task can be submitted now.
    pub fn can_submit(&self) -> bool {
        self.state == SessionState::Active && !self.tasks.is_full()
    }

    /// What this connection carried so far.
    pub fn counters(&self) -> ConnectionCounters {
        self.counters
    }

    /// ExpStatSN we acknowledge.
    pub fn exp_stat_sn(&self) -> StatSn {
        self.exp_stat_sn
    }

    /// The next CmdSN, ExpCmdSN and MaxCmdSN.
    pub fn command_window(&self) -> (CmdSn, CmdSn, CmdSn) {
        (
            self.window.next(),
            self.window.exp_cmd_sn(),
            self.window.max_cmd_sn(),
        )
    }

    // ----- commands -----

    /// Queues a SCSI command. It is sent when the command window allows.
    ///
    /// # Errors
    ///
    /// [`ApiMisuse`] when the session is not active, the table is full, or the request is
    /// malformed (empty or over-long CDB).
    pub fn submit(&mut self, now: Instant, request: ScsiRequest) -> Result<TaskId, ApiMisuse> {
        self.check_active()?;
        if request.cdb.is_empty() || request.cdb.len() > MAX_CDB_LEN {
            return Err(ApiMisuse::Invalid("CDB length must be 1 to 260 bytes"));
        }
        if u32::try_from(request.write_data.len()).is_err() {
            return Err(ApiMisuse::Invalid("write data longer than 4 GiB"));
        }
        let task = Task {
            // Stored inline, not boxed: a submit allocates nothing once the task table has
            // grown (the allocation test in `benches` counts).
            kind: TaskKind::Scsi(task::ScsiTask {
                request,
                read: task::ReadProgress::default(),
                write: task::WriteProgress::default(),
                data_lost: false,
            }),
            cmd_sn: None,
            immediate: false,
        };
        let id = self.tasks.insert(task).ok_or(ApiMisuse::TaskTableFull)?;
        self.pending.push_back(id.0);
        self.admit(now);
        Ok(id)
    }

    /// Aborts one SCSI task (ABORT TASK, RFC 7143 §11.5.1). A task still waiting for the
    /// command window never reached the target and is failed locally (`Ok(None)`).
    ///
    /// # Errors
    ///
    /// [`ApiMisuse::UnknownTask`] for a task that is not a live SCSI task.
    pub fn abort_task(&mut self, now: Instant, task: TaskId) -> Result<Option<TaskId>, ApiMisuse> {
        self.check_active()?;
        let (lun, ref_cmd_sn) = match self.tasks.get(task.0) {
            Some(Task {
                kind: TaskKind::Scsi(scsi),
                cmd_sn,
                ..
            }) => (scsi.request.lun, *cmd_sn),
            _ => return Err(ApiMisuse::UnknownTask),
        };
        let Some(ref_cmd_sn) = ref_cmd_sn else {
            self.drop_task(task.0);
            self.events.push_back(Event::TaskFailed {
                task,
                error: TaskError::Aborted,
            });
            return Ok(None);
        };
        self.send_tmf(
            now,
            TmfFunction::AbortTask,
            lun,
            Some((task.0, ref_cmd_sn)),
            false,
        )
        .map(Some)
    }

    /// Sends a task management function that is not about one task: ABORT TASK SET, CLEAR
    /// TASK SET, CLEAR ACA, LOGICAL UNIT RESET, TARGET WARM RESET or TARGET COLD RESET.
    ///
    /// # Errors
    ///
    /// [`ApiMisuse::Invalid`] for ABORT TASK (use [`Session::abort_task`]) and TASK
    /// REASSIGN (ERL 2 only).
    pub fn task_management(
        &mut self,
        now: Instant,
        function: TmfFunction,
        lun: Lun,
    ) -> Result<TaskId, ApiMisuse> {
        self.check_active()?;
        match function {
            TmfFunction::AbortTaskSet
            | TmfFunction::ClearAca
            | TmfFunction::ClearTaskSet
            | TmfFunction::LogicalUnitReset
            | TmfFunction::TargetWarmReset
            | TmfFunction::TargetColdReset => self.send_tmf(now, function, lun, None, false),
            _ => Err(ApiMisuse::Invalid("function needs abort_task or ERL 2")),
        }
    }

    /// Sends a NOP-Out ping with `data` echoed back in [`Event::PingComplete`].
    ///
    /// # Errors
    ///
    /// [`ApiMisuse::Invalid`] when `data` exceeds the target's MaxRecvDataSegmentLength.
    pub fn ping(&mut self, now: Instant, data: Bytes) -> Result<TaskId, ApiMisuse> {
        self.check_active()?;
        self.send_ping(now, data, false)
    }

    /// Starts a Text exchange (for example `SendTargets=All`), sent as one immediate Text
    /// Request; the answer, however many PDUs it spans, comes as [`Event::TextComplete`].
    ///
    /// # Errors
    ///
    /// [`ApiMisuse::TextInProgress`] while another exchange runs (RFC 7143 §11.10: one at a
    /// time), [`ApiMisuse::Invalid`] when the text exceeds the target's
    /// MaxRecvDataSegmentLength.
    pub fn text(&mut self, now: Instant, text: Bytes) -> Result<TaskId, ApiMisuse> {
        self.check_active()?;
        self.send_text(now, text, false)
    }

    /// Logs out, closing the session. Outstanding SCSI tasks end unfinished (kept for
    /// [`Session::take_unfinished`]); [`Event::LoggedOut`] follows the target's answer.
    ///
    /// # Errors
    ///
    /// [`ApiMisuse::NotActive`] after a failure or a completed logout.
    pub fn logout(&mut self, now: Instant) -> Result<TaskId, ApiMisuse> {
        match self.state {
            SessionState::Active | SessionState::LoggingOut => self.send_logout(now),
            _ => Err(ApiMisuse::NotActive),
        }
    }

    /// SCSI requests that have no status after a failure or logout, for replay on a new
    /// session; the list is emptied.
    pub fn take_unfinished(&mut self) -> Vec<(TaskId, ScsiRequest)> {
        std::mem::take(&mut self.unfinished)
    }

    // ----- inputs -----

    /// Feeds bytes read from the connection. Consumes every whole PDU in `src`.
    pub fn handle_read(&mut self, now: Instant, src: &mut BytesMut) {
        while matches!(self.state, SessionState::Active | SessionState::LoggingOut) {
            match self.framer.decode(src) {
                Ok(Some(frame)) => {
                    self.keepalive.last_rx = now;
                    self.counters.pdus_received += 1;
                    if matches!(frame, crate::framing::Frame::DataDigestError { .. }) {
                        self.counters.data_digest_errors += 1;
                    }
                    if let Err(v) = self.handle_frame(now, frame) {
                        tracing::debug!(error = %v.error, culprit = ?v.culprit, "protocol error; failing the connection");
                        self.fail(FailureReason::Protocol(v.error), v.culprit);
                    }
                }
                Ok(None) => break,
                Err(crate::framing::FrameError::Decode(e)) => {
                    tracing::debug!(error = %e, "undecodable PDU; failing the connection");
                    self.fail(FailureReason::Protocol(ProtocolError::Decode(e)), None);
                }
            }
        }
    }

    /// The whole length of the PDU partly received by [`Session::handle_read`] (its header
    /// is in, its data is not all there yet); `None` between PDUs. The bytes left in the
    /// buffer after `handle_read` are that PDU's first bytes.
    pub fn partial_pdu_len(&self) -> Option<usize> {
        self.framer.pending_pdu_len()
    }

    /// Handles one decoded PDU (for callers that frame themselves, and tests).
    pub fn handle_pdu(&mut self, now: Instant, pdu: Pdu) {
        if !matches!(self.state, SessionState::Active | SessionState::LoggingOut) {
            return;
        }
        self.keepalive.last_rx = now;
        self.counters.pdus_received += 1;
        if let Err(v) = self.handle_frame(now, crate::framing::Frame::Pdu(pdu)) {
            tracing::debug!(error = %v.error, culprit = ?v.culprit, "protocol error; failing the connection");
            self.fail(FailureReason::Protocol(v.error), v.culprit);
        }
    }

    /// Runs timers whose deadline (from [`Session::poll_timeout`]) has passed.
    pub fn handle_timeout(&mut self, now: Instant) {
        if let Some(due) = self.logout_due {
            if now >= due && self.state == SessionState::LoggingOut {
                self.logout_due = None;
                let _ = self.send_logout(now);
            }
        }
        if self.state != SessionState::Active && self.state != SessionState::LoggingOut {
            return;
        }
        match self.keepalive.ping {
            Some((_, sent)) => {
                if now >= sent.max(self.keepalive.last_rx) + self.config.nop_timeout {
                    self.fail(FailureReason::NopTimeout, None);
                }
            }
            None => {
                if let Some(interval) = self.config.nop_interval {
                    if now >= self.keepalive.last_rx + interval
                        && self.state == SessionState::Active
                    {
                        let _ = self.send_ping(now, Bytes::new(), true);
                    }
                }
            }
        }
    }

    /// The transport closed or failed.
    pub fn handle_connection_lost(&mut self, _now: Instant) {
        if matches!(self.state, SessionState::Active | SessionState::LoggingOut) {
            self.fail(FailureReason::ConnectionLost, None);
        }
    }

    // ----- outputs -----

    /// The next instant [`Session::handle_timeout`] must run, if any. Once
    /// `handle_timeout(now)` ran, the instant returned is after `now`.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        if !matches!(self.state, SessionState::Active | SessionState::LoggingOut) {
            return None;
        }
        // Every deadline returned is one `handle_timeout` acts on, so once it ran at `now`
        // none is at or before `now` (a driver would otherwise spin on it).
        let keepalive = match self.keepalive.ping {
            // An outstanding ping times out in every state.
            Some((_, sent)) => Some(sent.max(self.keepalive.last_rx) + self.config.nop_timeout),
            // A new ping is sent only while active, not while logging out.
            None if self.state == SessionState::Active => {
                self.config.nop_interval.map(|i| self.keepalive.last_rx + i)
            }
            None => None,
        };
        [keepalive, self.logout_due].into_iter().flatten().min()
    }

    /// The next event for the application.
    #[must_use]
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    // ----- internals shared by receive.rs and transmit.rs -----

    fn check_active(&self) -> Result<(), ApiMisuse> {
        match self.state {
            SessionState::Active => Ok(()),
            SessionState::LoggingOut => Err(ApiMisuse::LoggingOut),
            SessionState::LoggedOut | SessionState::Failed => Err(ApiMisuse::NotActive),
        }
    }

    /// Removes a task and whatever is queued for it (its place in the command-window queue,
    /// its Data-Out bursts, the keep-alive ping it was). Every removal of a single task goes
    /// through here or [`Session::forget_task`], so no Data-Out is ever sent for a task
    /// that has ended.
    fn drop_task(&mut self, itt: Itt) -> Option<Task> {
        let task = self.tasks.remove(itt)?;
        self.forget_task(itt);
        Some(task)
    }

    /// Drops what is queued for a task already taken out of the table.
    fn forget_task(&mut self, itt: Itt) {
        self.pending.retain(|&p| p != itt);
        self.jobs.retain(|j| j.itt != itt);
        if self.keepalive.ping.is_some_and(|(p, _)| p == itt) {
            self.keepalive.ping = None;
        }
    }

    /// Fails the connection: SCSI tasks become unfinished, every other task fails.
    /// `culprit`, the task the offending PDU was addressed to, is reported only if it is one
    /// of the unfinished SCSI tasks.
    fn fail(&mut self, reason: FailureReason, culprit: Option<Itt>) {
        self.state = SessionState::Failed;
        let unfinished = self.end_all_tasks(TaskError::ConnectionLost);
        let culprit = culprit.map(TaskId).filter(|id| unfinished.contains(id));
        self.events.push_back(Event::ConnectionFailed {
            reason,
            unfinished,
            culprit,
        });
    }

    /// Ends every task: SCSI requests move to `unfinished` (returned), others fail with
    /// `error`. Queues are cleared.
    fn end_all_tasks(&mut self, error: TaskError) -> Vec<TaskId> {
        self.pending.clear();
        self.out.clear();
        self.jobs.clear();
        self.keepalive.ping = None;
        let mut unfinished = Vec::new();
        for (itt, task) in self.tasks.drain() {
            let id = TaskId(itt);
            match task.kind {
                TaskKind::Scsi(scsi) => {
                    unfinished.push(id);
                    self.unfinished.push((id, scsi.request));
                }
                TaskKind::Ping { keepalive: true } | TaskKind::Plug => {}
                _ => self.events.push_back(Event::TaskFailed { task: id, error }),
            }
        }
        unfinished
    }

    /// Text exchange helper used by [`Session::text`] and renegotiation.
    fn send_text(
        &mut self,
        now: Instant,
        text: Bytes,
        renegotiation: bool,
    ) -> Result<TaskId, ApiMisuse> {
        let busy = self
            .tasks
            .iter()
            .any(|(_, task)| matches!(task.kind, TaskKind::Text(_)));
        if busy {
            return Err(ApiMisuse::TextInProgress);
        }
        if text.len() > self.config.limits.max_send_data_segment_length as usize {
            return Err(ApiMisuse::Invalid(
                "text longer than the target's MaxRecvDataSegmentLength",
            ));
        }
        let task = Task {
            kind: TaskKind::Text(TextExchange {
                renegotiation,
                ..TextExchange::default()
            }),
            cmd_sn: Some(self.window.next()),
            immediate: true,
        };
        let id = self.tasks.insert(task).ok_or(ApiMisuse::TaskTableFull)?;
        self.queue_text_request(id.0, crate::wire::Ttt::RESERVED, Lun::default(), text);
        let _ = now;
        Ok(id)
    }
}

#[cfg(test)]
mod tests;
