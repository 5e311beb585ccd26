//! The sans-IO core of one target connection: bytes in, bytes out, explicit time.
//!
//! ```text
//!   socket bytes ──► handle_read(now, &mut BytesMut)      (login, commands, Data-Out, ...)
//!   socket bytes ◄── poll_transmit(now, &mut BytesMut)    (responses, R2Ts, NOP-In, ...)
//!   sleep until  ◄── poll_timeout()  ──► handle_timeout(now)   (NOP-In probes, delays)
//!   close when   ◄── is_closed()
//! ```
//!
//! Sequence numbers (StatSN, ExpCmdSN, MaxCmdSN) are written into each PDU when it is
//! *sent*, not when it is queued, so delayed, held and reordered responses still carry
//! increasing StatSNs and the current window.

use std::{
    collections::{HashMap, HashSet, VecDeque},
    time::Instant,
};

use bytes::{BufMut, Bytes, BytesMut};
use iscsi_proto::{
    framing::{Digests, Frame, FrameError, Framer, Limits},
    wire::{
        AsyncMessage, CmdSn, DataIn, DataInStatus, DataOut, DataSn, Header, Itt, LogoutReason,
        LogoutRequest, LogoutResponse, LogoutResponseCode, Lun, NopIn, NopOut, Opcode, Pdu, R2t,
        R2tSn, Reject, RejectReason, Residual, ScsiCommand, ScsiResponse, ScsiResponseCode,
        ScsiStatus, StatSn, TaskMgmtRequest, TaskMgmtResponse, TextRequest, TextResponse,
        TmfFunction, TmfResponse, Ttt, data_digest, header_digest, pad_len,
    },
};

use crate::{
    faults::Faults,
    login::{Login, LoginOutcome},
    params::{SessionParams, SessionType},
    scsi::{self, Plan, Sense},
    target::{
        AsyncSpec, CapturedPdu, ConnectionId, Control, Direction, Target, Violation, ViolationKind,
    },
    text::{decode_pairs, encode_pairs},
};

/// How many out-of-order commands may wait for a CmdSN gap to fill.
const MAX_PENDING_COMMANDS: usize = 1024;
/// How many completed ITTs are remembered to ignore their late unsolicited Data-Out.
const MAX_FINISHED: usize = 1024;
/// How many unanswered NOP-In probes are remembered.
const MAX_PROBES: usize = 64;
/// The longest text request accepted across continuation PDUs.
const MAX_TEXT: usize = 64 * 1024;

/// The connection's phase.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum Phase {
    /// Login phase.
    Login,
    /// Full feature phase.
    FullFeature,
    /// Closed: nothing more is read or sent.
    Closed,
}

/// The connection can no longer be used; the caller closes the socket.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum ConnectionError {
    /// The initiator's byte stream could not be framed.
    #[error("framing: {0}")]
    Frame(#[from] FrameError),
}

/// A group of PDUs queued together (one task's completion, one R2T, one response).
#[derive(Debug)]
struct Batch {
    pdus: Vec<Pdu>,
    ready_at: Option<Instant>,
    /// The task (and its LUN) this batch completes, if it is a SCSI completion.
    task: Option<(Itt, Lun)>,
    held: bool,
    close_after: bool,
    digests_after: Option<Digests>,
}

impl Batch {
    fn new(pdus: Vec<Pdu>) -> Self {
        Self {
            pdus,
            ready_at: None,
            task: None,
            held: false,
            close_after: false,
            digests_after: None,
        }
    }
}

/// An R2T the target sent and has not seen the end of.
#[derive(Clone, Copy, Debug)]
struct OutstandingR2t {
    ttt: Ttt,
    offset: u32,
    len: u32,
    next_offset: u32,
    next_data_sn: u32,
}

/// A WRITE waiting for its data.
#[derive(Debug)]
struct WriteTask {
    cmd: ScsiCommand,
    lu_offset: u64,
    lu_len: u64,
    buf: Vec<u8>,
    edtl: u32,
    unsolicited: bool,
    unsolicited_limit: u32,
    unsolicited_next: u32,
    unsolicited_data_sn: u32,
    next_r2t_offset: u32,
    r2t_sn: u32,
    r2ts: VecDeque<OutstandingR2t>,
    hold: bool,
}

/// A text response being sent in pieces (F=0 + TTT continuation).
#[derive(Debug)]
struct TextExchange {
    itt: Itt,
    ttt: Ttt,
    chunks: VecDeque<Bytes>,
}

/// A text request arriving in pieces (C=1).
#[derive(Debug)]
struct TextRequestParts {
    itt: Itt,
    ttt: Ttt,
    text: Vec<u8>,
}

/// The sans-IO core of one target connection. See the module documentation.
///
/// Create it with [`TargetConnection::new`] for each accepted TCP connection, feed it
/// every received byte with [`TargetConnection::handle_read`] and send whatever
/// [`TargetConnection::poll_transmit`] produces; call
/// [`TargetConnection::handle_timeout`] at [`TargetConnection::poll_timeout`]. When
/// [`TargetConnection::is_closed`] is true (after `poll_transmit` returned the last bytes),
/// close the socket.
pub struct TargetConnection {
    target: Target,
    id: ConnectionId,
    framer: Framer,
    tx_digests: Digests,
    phase: Phase,
    login: Option<Login>,
    params: SessionParams,
    node: Option<usize>,
    cid: u16,
    stat_sn: StatSn,
    exp_cmd_sn: CmdSn,
    pending: HashMap<u32, Pdu>,
    writes: HashMap<Itt, WriteTask>,
    finished: VecDeque<Itt>,
    next_ttt: u32,
    queue: VecDeque<Batch>,
    reorder: Vec<Batch>,
    text: Option<TextExchange>,
    text_parts: Option<TextRequestParts>,
    local_faults: Option<Faults>,
    next_probe: Option<Instant>,
    probes: VecDeque<Ttt>,
    data_sn_shift: HashMap<Itt, u32>,
    sent_by_opcode: HashMap<Opcode, u64>,
    counters: Counters,
}

/// Per-connection counters.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, Default, Eq, PartialEq)]
pub struct Counters {
    /// PDUs received.
    pub received: u64,
    /// PDUs sent.
    pub sent: u64,
    /// PDUs sent with a non-empty data segment.
    pub sent_with_data: u64,
    /// SCSI Command PDUs received.
    pub scsi_commands: u64,
    /// Data-In PDUs sent.
    pub data_in_sent: u64,
    /// NOP-In probes sent.
    pub probes_sent: u64,
    /// NOP-Out replies to probes received.
    pub probe_replies: u64,
    /// R2Ts sent.
    pub r2ts_sent: u64,
}

impl TargetConnection {
    /// A new connection of `target`, in the login phase. It registers with the target
    /// (for [`Target::drop_connections`], [`Target::send_async`], ...) until dropped.
    pub fn new(target: &Target) -> Self {
        let id = target.register();
        let config = target.config();
        let login_limit = config.params.max_recv_data_segment_length.max(8192);
        let seed = config.seed ^ id.0.wrapping_mul(0x9e37_79b9_7f4a_7c15);
        Self {
            target: target.clone(),
            id,
            framer: Framer::new(Limits {
                max_recv_data_segment_length: login_limit,
                max_send_data_segment_length: 0x00ff_ffff,
            }),
            tx_digests: Digests::default(),
            phase: Phase::Login,
            login: Some(Login::new(target.clone(), seed)),
            params: SessionParams::rfc_defaults(config.params.max_recv_data_segment_length),
            node: None,
            cid: 0,
            stat_sn: StatSn::new(config.initial_stat_sn),
            exp_cmd_sn: CmdSn::new(0),
            pending: HashMap::new(),
            writes: HashMap::new(),
            finished: VecDeque::new(),
            next_ttt: 0x100,
            queue: VecDeque::new(),
            reorder: Vec::new(),
            text: None,
            text_parts: None,
            local_faults: None,
            next_probe: None,
            probes: VecDeque::new(),
            data_sn_shift: HashMap::new(),
            sent_by_opcode: HashMap::new(),
            counters: Counters::default(),
        }
    }

    // ---- queries ---------------------------------------------------------------------

    /// This connection's number in the target's logs.
    pub fn id(&self) -> ConnectionId {
        self.id
    }

    /// The current phase.
    pub fn phase(&self) -> Phase {
        self.phase
    }

    /// Whether the connection is closed: send what `poll_transmit` returned, then close.
    pub fn is_closed(&self) -> bool {
        self.phase == Phase::Closed
    }

    /// The negotiated values (login values so far while in the login phase).
    pub fn params(&self) -> &SessionParams {
        match &self.login {
            Some(login) => login.params(),
            None => &self.params,
        }
    }

    /// Per-connection counters.
    pub fn counters(&self) -> Counters {
        self.counters
    }

    /// The next StatSN this connection will send.
    pub fn stat_sn(&self) -> StatSn {
        self.stat_sn
    }

    /// The current ExpCmdSN.
    pub fn exp_cmd_sn(&self) -> CmdSn {
        self.exp_cmd_sn
    }

    /// The MaxCmdSN currently advertised.
    pub fn max_cmd_sn(&self) -> CmdSn {
        if self.window_closed() {
            self.exp_cmd_sn.prev()
        } else {
            self.exp_cmd_sn.add(self.target.config().cmd_window - 1)
        }
    }

    /// The target this connection belongs to.
    pub fn target(&self) -> &Target {
        &self.target
    }

    /// The effective fault switches (this connection's own, or the target's).
    pub fn faults(&self) -> Faults {
        self.local_faults
            .clone()
            .unwrap_or_else(|| self.target.faults())
    }

    // ---- commands --------------------------------------------------------------------

    /// Gives this connection its own fault switches, detached from the target's.
    pub fn set_faults(&mut self, faults: Faults) {
        let window = self.window_closed();
        self.local_faults = Some(faults);
        if window != self.window_closed() {
            self.announce_window(None);
        }
    }

    /// Stops or resumes all sending on this connection (detaches its faults).
    pub fn set_stall(&mut self, stall: bool) {
        let mut faults = self.faults();
        faults.stall = stall;
        self.set_faults(faults);
    }

    /// Closes or reopens this connection's command window (detaches its faults); the
    /// change is announced with a NOP-In.
    pub fn set_window_closed(&mut self, closed: bool) {
        let mut faults = self.faults();
        faults.window_closed = closed;
        self.set_faults(faults);
    }

    /// Queues an Asynchronous Message. Connection-drop and session-drop events (2, 3)
    /// close the connection once the message is sent. Returns `false` outside full
    /// feature phase.
    pub fn send_async(&mut self, now: Instant, spec: AsyncSpec) -> bool {
        if self.phase != Phase::FullFeature {
            return false;
        }
        let close = matches!(
            spec.event,
            iscsi_proto::wire::AsyncEvent::ConnectionDrop
                | iscsi_proto::wire::AsyncEvent::SessionDrop
        );
        let header = AsyncMessage {
            lun: spec.lun,
            itt: Itt::RESERVED,
            stat_sn: StatSn::default(),
            exp_cmd_sn: CmdSn::default(),
            max_cmd_sn: CmdSn::default(),
            event: spec.event,
            vcode: spec.vcode,
            parameter1: spec.parameters[0],
            parameter2: spec.parameters[1],
            parameter3: spec.parameters[2],
        };
        let data = spec.sense.map_or_else(Bytes::new, |sense| {
            let mut d = Vec::with_capacity(sense.len() + 2);
            d.extend_from_slice(&u16::try_from(sense.len()).unwrap_or(0).to_be_bytes());
            d.extend_from_slice(&sense);
            Bytes::from(d)
        });
        let mut batch = Batch::new(vec![Pdu::new(header, data)]);
        batch.close_after = close;
        self.enqueue(now, batch);
        true
    }

    /// Queues a NOP-In probe (TTT set, a NOP-Out reply expected). Returns `false` outside
    /// full feature phase.
    pub fn send_nop_in(&mut self, now: Instant) -> bool {
        if self.phase != Phase::FullFeature {
            return false;
        }
        let ttt = self.allocate_ttt();
        if self.probes.len() >= MAX_PROBES {
            self.probes.pop_front();
        }
        self.probes.push_back(ttt);
        self.counters.probes_sent += 1;
        self.target.count(|s| s.nop_in_probes += 1);
        let nop = NopIn {
            lun: Lun::default(),
            itt: Itt::RESERVED,
            ttt,
            stat_sn: StatSn::default(),
            exp_cmd_sn: CmdSn::default(),
            max_cmd_sn: CmdSn::default(),
        };
        self.enqueue(now, Batch::new(vec![Pdu::new(nop, Bytes::new())]));
        true
    }

    /// Releases every held completion ([`Faults::hold_command`]).
    pub fn release_held(&mut self) {
        for batch in &mut self.queue {
            batch.held = false;
        }
        for task in self.writes.values_mut() {
            task.hold = false;
        }
    }

    /// Queues the completions collected by [`Faults::reorder_completions`] now, reversed.
    pub fn flush_reorder(&mut self) {
        let mut group = std::mem::take(&mut self.reorder);
        group.reverse();
        self.queue.extend(group);
    }

    /// Closes the connection at once; nothing more is sent.
    pub fn drop_connection(&mut self) {
        if self.phase != Phase::Closed {
            self.target.count(|s| s.dropped += 1);
        }
        self.close_now();
    }

    // ---- inputs ----------------------------------------------------------------------

    /// Takes every whole PDU from `buf` and processes it; a partial PDU stays in `buf`.
    ///
    /// # Errors
    ///
    /// [`ConnectionError`] when the byte stream cannot be framed; the connection is then
    /// closed (a [`ViolationKind::Framing`] violation is logged).
    pub fn handle_read(&mut self, now: Instant, buf: &mut BytesMut) -> Result<(), ConnectionError> {
        self.drain_controls(now);
        loop {
            if self.phase == Phase::Closed {
                buf.clear();
                return Ok(());
            }
            let frame = match self.framer.decode(buf) {
                Ok(Some(frame)) => frame,
                Ok(None) => return Ok(()),
                Err(error) => {
                    self.violation(None, ViolationKind::Framing, error.to_string());
                    self.close_now();
                    buf.clear();
                    return Err(error.into());
                }
            };
            match frame {
                Frame::Pdu(pdu) => self.received(now, pdu),
                Frame::DataDigestError { header, .. } => {
                    self.counters.received += 1;
                    self.target.capture(CapturedPdu {
                        connection: self.id,
                        direction: Direction::Received,
                        header,
                        data: Bytes::new(),
                    });
                    self.violation(
                        Some(header.itt()),
                        ViolationKind::DataDigest,
                        format!("data digest error on {:?}", header.opcode()),
                    );
                    if !self.check_drop_after_received() {
                        self.reject(
                            now,
                            RejectReason::DataDigestError,
                            &Pdu::new(header, Bytes::new()),
                        );
                    }
                }
            }
        }
    }

    /// Sends NOP-In probes that are due. Call at [`TargetConnection::poll_timeout`].
    pub fn handle_timeout(&mut self, now: Instant) {
        self.drain_controls(now);
        if let Some(at) = self.next_probe {
            if now >= at {
                self.send_nop_in(now);
                self.next_probe = self.target.config().nop_in_interval.map(|i| now + i);
            }
        }
    }

    // ---- outputs ---------------------------------------------------------------------

    /// Appends every PDU that may be sent now to `out`; returns how many.
    pub fn poll_transmit(&mut self, now: Instant, out: &mut BytesMut) -> usize {
        self.drain_controls(now);
        if self.phase == Phase::Closed || self.fault(|f| f.stall) {
            return 0;
        }
        let mut sent = 0;
        let mut i = 0;
        while i < self.queue.len() {
            let Some(batch) = self.queue.get(i) else {
                break;
            };
            if batch.held {
                i += 1;
                continue;
            }
            if batch.ready_at.is_some_and(|at| at > now) {
                break;
            }
            let Some(batch) = self.queue.remove(i) else {
                break;
            };
            for pdu in batch.pdus {
                self.emit(pdu, out);
                sent += 1;
                if self.phase == Phase::Closed {
                    return sent;
                }
            }
            if let Some(digests) = batch.digests_after {
                self.tx_digests = digests;
            }
            if batch.close_after {
                self.close_now();
                return sent;
            }
        }
        sent
    }

    /// When [`TargetConnection::handle_timeout`] (or `poll_transmit`, for delayed PDUs)
    /// next has something to do.
    pub fn poll_timeout(&self) -> Option<Instant> {
        if self.phase == Phase::Closed {
            return None;
        }
        let delayed = self
            .queue
            .iter()
            .filter(|b| !b.held)
            .find_map(|b| b.ready_at);
        match (delayed, self.next_probe) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    // ---- receive path ----------------------------------------------------------------

    fn received(&mut self, now: Instant, pdu: Pdu) {
        self.counters.received += 1;
        self.target.capture(CapturedPdu {
            connection: self.id,
            direction: Direction::Received,
            header: pdu.header,
            data: pdu.data.clone(),
        });
        if self.check_drop_after_received() {
            return;
        }
        match self.phase {
            Phase::Login => self.login_pdu(now, pdu),
            Phase::FullFeature => self.ffp_pdu(now, pdu),
            Phase::Closed => {}
        }
    }

    fn check_drop_after_received(&mut self) -> bool {
        let n = self.counters.received;
        let fire = self.fault(|f| {
            let fire = f.drop_after_received == Some(n);
            if fire {
                f.drop_after_received = None;
            }
            fire
        });
        if fire {
            tracing::debug!(connection = %self.id, n, "fault: dropping after PDU received");
            self.drop_connection();
        }
        fire
    }

    fn login_pdu(&mut self, now: Instant, pdu: Pdu) {
        let Header::LoginRequest(req) = pdu.header else {
            self.violation(
                Some(pdu.header.itt()),
                ViolationKind::Login,
                format!("{:?} during login", pdu.header.opcode()),
            );
            self.close_now();
            return;
        };
        let Some(login) = self.login.as_mut() else {
            return;
        };
        if self.counters.received == 1 || self.cid == 0 {
            self.cid = req.cid.0;
        }
        // Login requests are immediate: ExpCmdSN is the request's CmdSN (RFC 7143 §11.12).
        self.exp_cmd_sn = req.cmd_sn;
        let reply = login.handle(&req, &pdu.data);
        let mut batch = Batch::new(vec![Pdu::new(reply.header, Bytes::from(reply.data))]);
        match reply.outcome {
            LoginOutcome::Continue => {}
            LoginOutcome::Failed => {
                if let Some(reason) = reply.reason {
                    self.violation(Some(req.itt), ViolationKind::Login, reason);
                }
                batch.close_after = true;
            }
            LoginOutcome::FullFeature => {
                let params = login.params().clone();
                self.enter_full_feature(now, params);
                batch.digests_after = Some(self.framer.digests());
            }
        }
        self.enqueue(now, batch);
    }

    fn enter_full_feature(&mut self, now: Instant, params: SessionParams) {
        self.login = None;
        self.phase = Phase::FullFeature;
        self.node = params
            .target_name
            .as_deref()
            .and_then(|name| self.target.nodes().iter().position(|n| n.name == name));
        self.framer.set_digests(Digests {
            header: params.header_digest,
            data: params.data_digest,
        });
        self.framer.set_limits(Limits {
            max_recv_data_segment_length: params.target_max_recv_data_segment_length,
            max_send_data_segment_length: params.initiator_max_recv_data_segment_length,
        });
        self.target
            .logged_in(self.id, &params.initiator_name, params.isid);
        self.params = params;
        self.next_probe = self.target.config().nop_in_interval.map(|i| now + i);
    }

    fn ffp_pdu(&mut self, now: Instant, pdu: Pdu) {
        let discovery = self.params.session_type == SessionType::Discovery;
        match pdu.header {
            Header::ScsiCommand(cmd) => {
                self.counters.scsi_commands += 1;
                if discovery {
                    self.violation(
                        Some(cmd.itt),
                        ViolationKind::UnexpectedPdu,
                        "SCSI command in a discovery session".to_owned(),
                    );
                    self.reject(now, RejectReason::ProtocolError, &pdu);
                    return;
                }
                let n = self.counters.scsi_commands;
                let reject = self.fault(|f| match f.reject_command {
                    Some((nth, reason)) if nth == n => {
                        f.reject_command = None;
                        Some(reason)
                    }
                    _ => None,
                });
                if let Some(reason) = reject {
                    tracing::debug!(connection = %self.id, n, ?reason, "fault: rejecting command");
                    self.reject(now, reason, &pdu);
                    return;
                }
                if cmd.immediate {
                    self.execute(now, pdu);
                } else {
                    self.ordered(now, cmd.cmd_sn, pdu);
                }
            }
            Header::DataOut(d) => self.data_out(now, d, pdu.data),
            Header::NopOut(n) => {
                if n.immediate {
                    self.execute(now, pdu);
                } else {
                    self.ordered(now, n.cmd_sn, pdu);
                }
            }
            Header::TextRequest(t) => {
                if t.immediate {
                    self.execute(now, pdu);
                } else {
                    self.ordered(now, t.cmd_sn, pdu);
                }
            }
            Header::TaskMgmtRequest(t) => {
                if t.immediate {
                    self.execute(now, pdu);
                } else {
                    self.ordered(now, t.cmd_sn, pdu);
                }
            }
            Header::LogoutRequest(l) => {
                if l.immediate {
                    self.execute(now, pdu);
                } else {
                    self.ordered(now, l.cmd_sn, pdu);
                }
            }
            Header::SnackRequest(s) => {
                self.violation(
                    Some(s.itt),
                    ViolationKind::UnexpectedPdu,
                    "SNACK at ErrorRecoveryLevel 0".to_owned(),
                );
                self.reject(now, RejectReason::SnackReject, &pdu);
            }
            other => {
                self.violation(
                    Some(other.itt()),
                    ViolationKind::UnexpectedPdu,
                    format!("{:?} in full feature phase", other.opcode()),
                );
                self.reject(now, RejectReason::ProtocolError, &pdu);
            }
        }
    }

    /// Delivers non-immediate commands in CmdSN order (RFC 7143 §4.2.2.1): one outside
    /// [ExpCmdSN, MaxCmdSN] is dropped; one ahead waits for the gap to fill.
    fn ordered(&mut self, now: Instant, cmd_sn: CmdSn, pdu: Pdu) {
        let max = self.max_cmd_sn();
        if !(cmd_sn.ge(self.exp_cmd_sn) && cmd_sn.le(max)) || self.window_closed() {
            self.violation(
                Some(pdu.header.itt()),
                ViolationKind::CmdSnOutOfWindow,
                format!(
                    "{:?} CmdSN {cmd_sn} outside [{}, {max}]; dropped",
                    pdu.header.opcode(),
                    self.exp_cmd_sn
                ),
            );
            return;
        }
        if cmd_sn != self.exp_cmd_sn {
            if self.pending.len() < MAX_PENDING_COMMANDS {
                self.pending.insert(cmd_sn.get(), pdu);
            }
            return;
        }
        self.exp_cmd_sn = self.exp_cmd_sn.next();
        self.execute(now, pdu);
        while let Some(next) = self.pending.remove(&self.exp_cmd_sn.get()) {
            self.exp_cmd_sn = self.exp_cmd_sn.next();
            self.execute(now, next);
        }
    }

    fn execute(&mut self, now: Instant, pdu: Pdu) {
        match pdu.header {
            Header::ScsiCommand(cmd) => self.scsi_command(now, cmd, pdu.data),
            Header::NopOut(nop) => self.nop_out(now, nop, pdu.data),
            Header::TextRequest(t) => self.text_request(now, t, pdu.data),
            Header::TaskMgmtRequest(t) => self.task_mgmt(now, t),
            Header::LogoutRequest(l) => self.logout(now, l),
            _ => {}
        }
    }

    // ---- SCSI ------------------------------------------------------------------------

    fn scsi_command(&mut self, now: Instant, cmd: ScsiCommand, data: Bytes) {
        self.target.count(|s| s.commands += 1);
        let hold = {
            let n = self.counters.scsi_commands;
            self.fault(|f| {
                let fire = f.hold_command == Some(n);
                if fire {
                    f.hold_command = None;
                }
                fire
            })
        };
        let Some(node) = self.node.and_then(|i| self.target.nodes().get(i)).cloned() else {
            return;
        };
        let lu = node.lu(cmd.lun).cloned();
        let plan = scsi::plan(&cmd.cdb, lu.as_ref(), &node.luns());
        if !data.is_empty() {
            self.check_immediate_data(&cmd, data.len());
        }
        match plan {
            Plan::Write { offset, len } => self.start_write(now, cmd, offset, len, data, hold),
            Plan::DataIn(bytes) => self.complete_read(now, cmd, bytes, hold),
            Plan::Good => {
                let residual = if cmd.expected_data_transfer_length > 0 {
                    Residual::Underflow(cmd.expected_data_transfer_length)
                } else {
                    Residual::Exact
                };
                self.complete_status(now, cmd, ScsiStatus::Good, None, residual, 0, hold);
            }
            Plan::Check(sense) => {
                self.finished(cmd.itt);
                self.complete_status(
                    now,
                    cmd,
                    ScsiStatus::CheckCondition,
                    Some(sense),
                    Residual::Exact,
                    0,
                    hold,
                );
            }
        }
    }

    fn check_immediate_data(&self, cmd: &ScsiCommand, len: usize) {
        let problem = if !self.params.immediate_data {
            Some("immediate data with ImmediateData=No".to_owned())
        } else if !cmd.write {
            Some("immediate data on a command without W".to_owned())
        } else if len > self.params.first_burst_length as usize {
            Some(format!(
                "{len} bytes of immediate data exceed FirstBurstLength {}",
                self.params.first_burst_length
            ))
        } else if len > cmd.expected_data_transfer_length as usize {
            Some(format!(
                "{len} bytes of immediate data exceed EDTL {}",
                cmd.expected_data_transfer_length
            ))
        } else {
            None
        };
        if let Some(problem) = problem {
            self.violation(Some(cmd.itt), ViolationKind::ImmediateData, problem);
        }
    }

    fn complete_read(&mut self, now: Instant, cmd: ScsiCommand, data: Vec<u8>, hold: bool) {
        let total = data.len();
        let edtl = cmd.expected_data_transfer_length as usize;
        let residual = match total.cmp(&edtl) {
            std::cmp::Ordering::Greater => Residual::Overflow(to_u32(total - edtl)),
            std::cmp::Ordering::Less => Residual::Underflow(to_u32(edtl - total)),
            std::cmp::Ordering::Equal => Residual::Exact,
        };
        let send = Bytes::from(data).slice(..total.min(edtl));
        if send.is_empty() {
            self.complete_status(now, cmd, ScsiStatus::Good, None, residual, 0, hold);
            return;
        }
        let segment = self.params.initiator_max_recv_data_segment_length.max(512) as usize;
        let burst = (self.params.max_burst_length.max(512) as usize).max(segment);
        let collapse = self.target.config().status_in_data_in;
        let mut pdus = Vec::new();
        let mut offset = 0usize;
        let mut data_sn = 0u32;
        while offset < send.len() {
            // A sequence (burst) ends at each MaxBurstLength boundary (RFC 7143 §11.7.1).
            let burst_end = (offset / burst + 1) * burst;
            let end = (offset + segment).min(send.len()).min(burst_end);
            let last = end == send.len();
            let status = (last && collapse).then_some(DataInStatus {
                status: ScsiStatus::Good,
                stat_sn: StatSn::default(),
                residual,
            });
            pdus.push(Pdu::new(
                DataIn {
                    final_pdu: last || end == burst_end,
                    acknowledge: false,
                    status,
                    lun: Lun::default(),
                    itt: cmd.itt,
                    ttt: Ttt::RESERVED,
                    exp_cmd_sn: CmdSn::default(),
                    max_cmd_sn: CmdSn::default(),
                    data_sn: DataSn::new(data_sn),
                    buffer_offset: to_u32(offset),
                },
                send.slice(offset..end),
            ));
            data_sn += 1;
            offset = end;
        }
        if !collapse {
            pdus.push(Pdu::new(
                self.scsi_response(cmd.itt, ScsiStatus::Good, residual, data_sn),
                Bytes::new(),
            ));
        }
        self.complete(now, (cmd.itt, cmd.lun), pdus, hold);
    }

    #[allow(clippy::too_many_arguments)]
    fn complete_status(
        &mut self,
        now: Instant,
        cmd: ScsiCommand,
        status: ScsiStatus,
        sense: Option<Sense>,
        residual: Residual,
        exp_data_sn: u32,
        hold: bool,
    ) {
        let data = sense.map_or_else(Bytes::new, |s| Bytes::from(s.data_segment()));
        let header = self.scsi_response(cmd.itt, status, residual, exp_data_sn);
        self.complete(now, (cmd.itt, cmd.lun), vec![Pdu::new(header, data)], hold);
    }

    fn scsi_response(
        &self,
        itt: Itt,
        status: ScsiStatus,
        residual: Residual,
        exp_data_sn: u32,
    ) -> ScsiResponse {
        ScsiResponse {
            response: ScsiResponseCode::CommandCompleted,
            status,
            itt,
            snack_tag: 0,
            stat_sn: StatSn::default(),
            exp_cmd_sn: CmdSn::default(),
            max_cmd_sn: CmdSn::default(),
            exp_data_sn: DataSn::new(exp_data_sn),
            bidi_read_residual: Residual::Exact,
            residual,
        }
    }

    /// Queues a task's completion, through the hold and reorder faults.
    fn complete(&mut self, now: Instant, task: (Itt, Lun), pdus: Vec<Pdu>, hold: bool) {
        let mut batch = Batch::new(pdus);
        batch.task = Some(task);
        batch.held = hold;
        if let Some(delay) = self.fault(|f| f.delay) {
            batch.ready_at = Some(now + delay);
        }
        let group = self.fault(|f| f.reorder_completions);
        if let Some(group) = group.filter(|&g| g > 1) {
            self.reorder.push(batch);
            if self.reorder.len() >= group {
                self.fault(|f| f.reorder_completions = None);
                self.flush_reorder();
            }
            return;
        }
        self.queue.push_back(batch);
    }

    fn start_write(
        &mut self,
        now: Instant,
        cmd: ScsiCommand,
        lu_offset: u64,
        lu_len: u64,
        immediate: Bytes,
        hold: bool,
    ) {
        let edtl = cmd.expected_data_transfer_length;
        if edtl > self.target.config().max_write_buffer {
            self.finished(cmd.itt);
            self.complete_status(
                now,
                cmd,
                ScsiStatus::CheckCondition,
                Some(Sense::illegal_request(scsi::ASC_INVALID_FIELD_IN_CDB)),
                Residual::Exact,
                0,
                hold,
            );
            return;
        }
        let mut buf = vec![0u8; edtl as usize];
        let imm = immediate.len().min(buf.len());
        if let (Some(dst), Some(src)) = (buf.get_mut(..imm), immediate.get(..imm)) {
            dst.copy_from_slice(src);
        }
        let imm = to_u32(imm);
        let unsolicited = !cmd.final_pdu && imm < edtl;
        if !cmd.final_pdu && self.params.initial_r2t {
            self.violation(
                Some(cmd.itt),
                ViolationKind::UnsolicitedData,
                "command F=0 (unsolicited Data-Out follows) with InitialR2T=Yes".to_owned(),
            );
        }
        let unsolicited_limit = self.params.first_burst_length.min(edtl);
        let task = WriteTask {
            cmd,
            lu_offset,
            lu_len,
            buf,
            edtl,
            unsolicited,
            unsolicited_limit,
            unsolicited_next: imm,
            unsolicited_data_sn: 0,
            next_r2t_offset: imm,
            r2t_sn: 0,
            r2ts: VecDeque::new(),
            hold,
        };
        self.writes.insert(cmd.itt, task);
        self.advance_write(now, cmd.itt);
    }

    /// Sends R2Ts up to MaxOutstandingR2T, or completes the write when all data is in.
    fn advance_write(&mut self, now: Instant, itt: Itt) {
        let max_outstanding = usize::from(self.params.max_outstanding_r2t.max(1));
        let burst = self.params.max_burst_length.max(512);
        let mut r2ts = Vec::new();
        let Some(task) = self.writes.get_mut(&itt) else {
            return;
        };
        if task.unsolicited {
            return;
        }
        while task.r2ts.len() < max_outstanding && task.next_r2t_offset < task.edtl {
            let offset = task.next_r2t_offset;
            let len = burst.min(task.edtl - offset);
            let ttt = Ttt(self.next_ttt);
            self.next_ttt = next_tag(self.next_ttt);
            task.r2ts.push_back(OutstandingR2t {
                ttt,
                offset,
                len,
                next_offset: offset,
                next_data_sn: 0,
            });
            r2ts.push(R2t {
                lun: task.cmd.lun,
                itt,
                ttt,
                stat_sn: StatSn::default(),
                exp_cmd_sn: CmdSn::default(),
                max_cmd_sn: CmdSn::default(),
                r2t_sn: R2tSn::new(task.r2t_sn),
                buffer_offset: offset,
                desired_data_transfer_length: len,
            });
            task.r2t_sn += 1;
            task.next_r2t_offset = offset + len;
        }
        let done = task.r2ts.is_empty() && task.next_r2t_offset >= task.edtl;
        for r2t in r2ts {
            self.counters.r2ts_sent += 1;
            let mut batch = Batch::new(vec![Pdu::new(r2t, Bytes::new())]);
            if let Some(delay) = self.fault(|f| f.delay) {
                batch.ready_at = Some(now + delay);
            }
            self.queue.push_back(batch);
        }
        if done {
            if let Some(task) = self.writes.remove(&itt) {
                self.complete_write(now, task);
            }
        }
    }

    fn complete_write(&mut self, now: Instant, task: WriteTask) {
        let node = self.node.and_then(|i| self.target.nodes().get(i));
        let lu = node.and_then(|n| n.lu(task.cmd.lun));
        let edtl = u64::from(task.edtl);
        let write_len = usize::try_from(task.lu_len.min(edtl)).unwrap_or(0);
        let ok = match (lu, task.buf.get(..write_len)) {
            (Some(lu), Some(bytes)) => lu.write(task.lu_offset, bytes),
            _ => false,
        };
        self.finished(task.cmd.itt);
        if !ok {
            self.complete_status(
                now,
                task.cmd,
                ScsiStatus::CheckCondition,
                Some(Sense::illegal_request(scsi::ASC_LBA_OUT_OF_RANGE)),
                Residual::Exact,
                task.r2t_sn,
                task.hold,
            );
            return;
        }
        let residual = match task.lu_len.cmp(&edtl) {
            std::cmp::Ordering::Greater => Residual::Overflow(to_u32_64(task.lu_len - edtl)),
            std::cmp::Ordering::Less => Residual::Underflow(to_u32_64(edtl - task.lu_len)),
            std::cmp::Ordering::Equal => Residual::Exact,
        };
        self.complete_status(
            now,
            task.cmd,
            ScsiStatus::Good,
            None,
            residual,
            task.r2t_sn,
            task.hold,
        );
    }

    /// Checks one Data-Out against the task's unsolicited burst or outstanding R2Ts.
    fn data_out(&mut self, now: Instant, d: DataOut, data: Bytes) {
        let itt = d.itt;
        let len = to_u32(data.len());
        let mut problems: Vec<(ViolationKind, String)> = Vec::new();
        let Some(task) = self.writes.get_mut(&itt) else {
            if !(d.ttt.is_reserved() && self.finished.contains(&itt)) {
                self.violation(
                    Some(itt),
                    ViolationKind::UnknownTask,
                    format!("Data-Out for unknown ITT {:#x}", itt.0),
                );
            }
            return;
        };
        let end = d.buffer_offset.saturating_add(len);
        let mut sequence_done = false;
        if d.ttt.is_reserved() {
            if !task.unsolicited {
                problems.push((
                    ViolationKind::UnsolicitedData,
                    "unsolicited Data-Out not expected".to_owned(),
                ));
            } else {
                if d.data_sn.get() != task.unsolicited_data_sn {
                    problems.push((
                        ViolationKind::DataSn,
                        format!(
                            "unsolicited DataSN {} (expected {})",
                            d.data_sn, task.unsolicited_data_sn
                        ),
                    ));
                }
                task.unsolicited_data_sn = d.data_sn.get().wrapping_add(1);
                if d.buffer_offset != task.unsolicited_next {
                    problems.push((
                        ViolationKind::BufferOffset,
                        format!(
                            "unsolicited offset {} (expected {})",
                            d.buffer_offset, task.unsolicited_next
                        ),
                    ));
                }
                if end > task.unsolicited_limit {
                    problems.push((
                        ViolationKind::UnsolicitedData,
                        format!(
                            "unsolicited data up to {end} beyond FirstBurstLength/EDTL {}",
                            task.unsolicited_limit
                        ),
                    ));
                }
                copy_into(&mut task.buf, d.buffer_offset, &data);
                task.unsolicited_next = task.unsolicited_next.max(end);
                if d.final_pdu {
                    if end < task.unsolicited_limit {
                        problems.push((
                            ViolationKind::UnsolicitedData,
                            format!(
                                "unsolicited burst ended at {end}, expected {} (RFC 7143 §4.2.4.2)",
                                task.unsolicited_limit
                            ),
                        ));
                    }
                    sequence_done = true;
                } else if end >= task.unsolicited_limit {
                    problems.push((
                        ViolationKind::FinalBit,
                        "last unsolicited Data-Out without F".to_owned(),
                    ));
                    sequence_done = true;
                }
                if sequence_done {
                    task.unsolicited = false;
                    task.next_r2t_offset = task.unsolicited_next.min(task.edtl);
                }
            }
        } else {
            let Some(index) = task.r2ts.iter().position(|r| r.ttt == d.ttt) else {
                self.violation(
                    Some(itt),
                    ViolationKind::UnknownTask,
                    format!("Data-Out TTT {:#x} matches no outstanding R2T", d.ttt.0),
                );
                return;
            };
            let in_order = self.params.data_sequence_in_order;
            let Some(r2t) = task.r2ts.get_mut(index) else {
                return;
            };
            if index != 0 && in_order && r2t.next_offset == r2t.offset {
                problems.push((
                    ViolationKind::BufferOffset,
                    "R2T answered before an earlier one (DataSequenceInOrder=Yes)".to_owned(),
                ));
            }
            if d.data_sn.get() != r2t.next_data_sn {
                problems.push((
                    ViolationKind::DataSn,
                    format!("DataSN {} (expected {})", d.data_sn, r2t.next_data_sn),
                ));
            }
            r2t.next_data_sn = d.data_sn.get().wrapping_add(1);
            if d.buffer_offset != r2t.next_offset {
                problems.push((
                    ViolationKind::BufferOffset,
                    format!("offset {} (expected {})", d.buffer_offset, r2t.next_offset),
                ));
            }
            let r2t_end = r2t.offset + r2t.len;
            if d.buffer_offset < r2t.offset || end > r2t_end {
                problems.push((
                    ViolationKind::BufferOffset,
                    format!(
                        "data {}..{end} outside the R2T's {}..{r2t_end}",
                        d.buffer_offset, r2t.offset
                    ),
                ));
            }
            copy_into(&mut task.buf, d.buffer_offset, &data);
            r2t.next_offset = r2t.next_offset.max(end);
            if d.final_pdu {
                if end != r2t_end {
                    problems.push((
                        ViolationKind::FinalBit,
                        format!("F set at {end}, the R2T ends at {r2t_end}"),
                    ));
                }
                task.r2ts.remove(index);
            } else if end >= r2t_end {
                problems.push((
                    ViolationKind::FinalBit,
                    "last Data-Out of an R2T sequence without F".to_owned(),
                ));
                task.r2ts.remove(index);
            } else {
                return self.report(itt, problems);
            }
            sequence_done = true;
        }
        self.report(itt, problems);
        if sequence_done {
            self.advance_write(now, itt);
        }
    }

    fn report(&self, itt: Itt, problems: Vec<(ViolationKind, String)>) {
        for (kind, detail) in problems {
            self.violation(Some(itt), kind, detail);
        }
    }

    fn finished(&mut self, itt: Itt) {
        if self.finished.len() >= MAX_FINISHED {
            self.finished.pop_front();
        }
        self.finished.push_back(itt);
    }

    // ---- NOP, text, TMF, logout --------------------------------------------------------

    fn nop_out(&mut self, now: Instant, nop: NopOut, data: Bytes) {
        if !nop.itt.is_reserved() {
            // A ping: echo the data (RFC 7143 §11.18, §11.19).
            let limit = self.params.initiator_max_recv_data_segment_length as usize;
            let data = data.slice(..data.len().min(limit));
            let reply = NopIn {
                lun: nop.lun,
                itt: nop.itt,
                ttt: Ttt::RESERVED,
                stat_sn: StatSn::default(),
                exp_cmd_sn: CmdSn::default(),
                max_cmd_sn: CmdSn::default(),
            };
            self.enqueue(now, Batch::new(vec![Pdu::new(reply, data)]));
            return;
        }
        if !nop.immediate {
            self.violation(
                None,
                ViolationKind::Nop,
                "NOP-Out with ITT 0xffffffff and I=0".to_owned(),
            );
        }
        if nop.ttt.is_reserved() {
            return;
        }
        if let Some(i) = self.probes.iter().position(|&t| t == nop.ttt) {
            self.probes.remove(i);
            self.counters.probe_replies += 1;
            self.target.count(|s| s.nop_in_replies += 1);
        } else {
            self.violation(
                None,
                ViolationKind::Nop,
                format!("NOP-Out TTT {:#x} answers no NOP-In", nop.ttt.0),
            );
        }
    }

    fn text_request(&mut self, now: Instant, t: TextRequest, data: Bytes) {
        // Continuation of a response we split (RFC 7143 §11.10.4).
        if !t.ttt.is_reserved() {
            if let Some(parts) = self
                .text_parts
                .as_mut()
                .filter(|p| p.itt == t.itt && p.ttt == t.ttt)
            {
                if parts.text.len() + data.len() > MAX_TEXT {
                    self.text_parts = None;
                    self.reject(now, RejectReason::ProtocolError, &Pdu::new(t, data));
                    return;
                }
                parts.text.extend_from_slice(&data);
                if t.continues {
                    let ttt = parts.ttt;
                    self.text_reply(now, t.itt, ttt, false, false, Bytes::new());
                    return;
                }
                let text = self.text_parts.take().map(|p| p.text).unwrap_or_default();
                self.answer_text(now, t, &text);
                return;
            }
            let next = match self.text.as_mut() {
                Some(x) if x.itt == t.itt && x.ttt == t.ttt => x.chunks.pop_front(),
                _ => None,
            };
            let Some(chunk) = next else {
                self.violation(
                    Some(t.itt),
                    ViolationKind::Text,
                    format!("Text Request TTT {:#x} continues nothing", t.ttt.0),
                );
                self.reject(now, RejectReason::InvalidPduField, &Pdu::new(t, data));
                return;
            };
            self.send_text_chunk(now, t.itt, chunk);
            return;
        }
        // TTT 0xffffffff starts a new exchange, dropping any unfinished one.
        self.text = None;
        self.text_parts = None;
        if t.continues {
            let ttt = self.allocate_ttt();
            self.text_parts = Some(TextRequestParts {
                itt: t.itt,
                ttt,
                text: data.to_vec(),
            });
            self.text_reply(now, t.itt, ttt, false, false, Bytes::new());
            return;
        }
        self.answer_text(now, t, &data);
    }

    fn answer_text(&mut self, now: Instant, t: TextRequest, text: &[u8]) {
        let pairs = match decode_pairs(text) {
            Ok(pairs) => pairs,
            Err(error) => {
                let detail = format!("malformed text: {error}");
                self.violation(Some(t.itt), ViolationKind::Text, detail);
                self.reject(now, RejectReason::ProtocolError, &Pdu::new(t, Bytes::new()));
                return;
            }
        };
        let mut answers: Vec<(String, String)> = Vec::new();
        for (key, value) in pairs {
            match key.as_str() {
                "SendTargets" => answers.extend(self.send_targets(&value)),
                "MaxRecvDataSegmentLength" => {
                    if let Ok(n) =
                        iscsi_proto::text::value::decode_number_in(&value, 512, 0x00ff_ffff)
                    {
                        self.params.initiator_max_recv_data_segment_length = to_u32_64(n);
                    } else {
                        answers.push((key, "Reject".to_owned()));
                    }
                }
                "HeaderDigest"
                | "DataDigest"
                | "InitialR2T"
                | "ImmediateData"
                | "MaxBurstLength"
                | "FirstBurstLength"
                | "MaxOutstandingR2T"
                | "MaxConnections"
                | "ErrorRecoveryLevel"
                | "DefaultTime2Wait"
                | "DefaultTime2Retain"
                | "DataPDUInOrder"
                | "DataSequenceInOrder"
                | "InitiatorName"
                | "TargetName"
                | "SessionType" => {
                    // Not negotiable in full feature phase (RFC 7143 §13 "Use").
                    answers.push((key, "Reject".to_owned()));
                }
                "InitiatorAlias" => {}
                _ => answers.push((key, "NotUnderstood".to_owned())),
            }
        }
        let text = Bytes::from(encode_pairs(&answers));
        let limit = self.params.initiator_max_recv_data_segment_length.max(512) as usize;
        let chunk = self
            .target
            .config()
            .text_chunk
            .map_or(limit, |c| c.clamp(1, limit));
        if text.len() <= chunk {
            self.text_reply(now, t.itt, Ttt::RESERVED, true, false, text);
            return;
        }
        let mut chunks: VecDeque<Bytes> = (0..text.len())
            .step_by(chunk)
            .map(|start| text.slice(start..(start + chunk).min(text.len())))
            .collect();
        let Some(first) = chunks.pop_front() else {
            return;
        };
        let ttt = self.allocate_ttt();
        self.text = Some(TextExchange {
            itt: t.itt,
            ttt,
            chunks,
        });
        self.send_text_chunk(now, t.itt, first);
    }

    /// Sends one chunk of a split text response: F=1 on the last, C=1 when the chunk ends
    /// inside a `key=value` item.
    fn send_text_chunk(&mut self, now: Instant, itt: Itt, chunk: Bytes) {
        let (last, ttt) = match &self.text {
            Some(x) => (x.chunks.is_empty(), x.ttt),
            None => (true, Ttt::RESERVED),
        };
        if last {
            self.text = None;
            self.text_reply(now, itt, Ttt::RESERVED, true, false, chunk);
        } else {
            let continues = chunk.last() != Some(&0);
            self.text_reply(now, itt, ttt, false, continues, chunk);
        }
    }

    fn text_reply(
        &mut self,
        now: Instant,
        itt: Itt,
        ttt: Ttt,
        final_pdu: bool,
        continues: bool,
        data: Bytes,
    ) {
        let header = TextResponse {
            final_pdu,
            continues,
            lun: Lun::default(),
            itt,
            ttt,
            stat_sn: StatSn::default(),
            exp_cmd_sn: CmdSn::default(),
            max_cmd_sn: CmdSn::default(),
        };
        self.enqueue(now, Batch::new(vec![Pdu::new(header, data)]));
    }

    /// The SendTargets answer (RFC 7143 App. C): `All` lists every target, an empty value
    /// the session's own, a name that target.
    fn send_targets(&self, value: &str) -> Vec<(String, String)> {
        let portal = format!(
            "{},{}",
            self.target.portal(),
            self.target.config().target_portal_group_tag
        );
        let own = self.params.target_name.clone();
        self.target
            .nodes()
            .iter()
            .filter(|node| match value {
                "All" => true,
                "" => own.as_deref() == Some(node.name.as_str()),
                name => node.name == name,
            })
            .flat_map(|node| {
                [
                    ("TargetName".to_owned(), node.name.clone()),
                    ("TargetAddress".to_owned(), portal.clone()),
                ]
            })
            .collect()
    }

    fn task_mgmt(&mut self, now: Instant, t: TaskMgmtRequest) {
        let node = self.node.and_then(|i| self.target.nodes().get(i)).cloned();
        let lun_exists = node.as_ref().is_some_and(|n| n.lu(t.lun).is_some());
        let mut response = match t.function {
            TmfFunction::AbortTask => {
                if self.abort(|itt, _| itt == t.referenced_task_tag) > 0 {
                    TmfResponse::FunctionComplete
                } else {
                    TmfResponse::TaskDoesNotExist
                }
            }
            TmfFunction::AbortTaskSet
            | TmfFunction::ClearTaskSet
            | TmfFunction::LogicalUnitReset => {
                if lun_exists {
                    self.abort(|_, lun| lun == t.lun);
                    TmfResponse::FunctionComplete
                } else {
                    TmfResponse::LunDoesNotExist
                }
            }
            TmfFunction::ClearAca => TmfResponse::FunctionComplete,
            TmfFunction::TargetWarmReset | TmfFunction::TargetColdReset => {
                self.abort(|_, _| true);
                TmfResponse::FunctionComplete
            }
            TmfFunction::TaskReassign => TmfResponse::ReassignmentNotSupported,
            TmfFunction::Unknown(_) => TmfResponse::FunctionRejected,
        };
        if let Some(forced) = self.fault(|f| f.tmf_response) {
            response = forced;
        }
        let header = TaskMgmtResponse {
            response,
            itt: t.itt,
            stat_sn: StatSn::default(),
            exp_cmd_sn: CmdSn::default(),
            max_cmd_sn: CmdSn::default(),
        };
        let mut batch = Batch::new(vec![Pdu::new(header, Bytes::new())]);
        // A cold reset drops the connection after the response (RFC 7143 §11.5.1).
        batch.close_after = t.function == TmfFunction::TargetColdReset;
        self.enqueue(now, batch);
    }

    /// Aborts the tasks `select(itt, lun)` picks: pending writes and unsent completions.
    /// Returns how many tasks were found.
    fn abort(&mut self, select: impl Fn(Itt, Lun) -> bool) -> usize {
        let mut found: HashSet<Itt> = HashSet::new();
        let writes: Vec<Itt> = self
            .writes
            .iter()
            .filter(|(itt, w)| select(**itt, w.cmd.lun))
            .map(|(itt, _)| *itt)
            .collect();
        for itt in writes {
            self.writes.remove(&itt);
            self.finished(itt);
            found.insert(itt);
        }
        let mut keep = VecDeque::new();
        for batch in self.queue.drain(..) {
            match batch.task {
                Some((itt, lun)) if select(itt, lun) => {
                    found.insert(itt);
                }
                _ => keep.push_back(batch),
            }
        }
        self.queue = keep;
        self.reorder.retain(|batch| match batch.task {
            Some((itt, lun)) if select(itt, lun) => {
                found.insert(itt);
                false
            }
            _ => true,
        });
        found.len()
    }

    fn logout(&mut self, now: Instant, l: LogoutRequest) {
        let (response, close) = match l.reason {
            LogoutReason::CloseSession => (LogoutResponseCode::ClosedSuccessfully, true),
            LogoutReason::CloseConnection if l.cid.0 == self.cid => {
                (LogoutResponseCode::ClosedSuccessfully, true)
            }
            LogoutReason::CloseConnection => (LogoutResponseCode::CidNotFound, false),
            _ => (LogoutResponseCode::RecoveryNotSupported, false),
        };
        if close {
            self.abort(|_, _| true);
        }
        let header = LogoutResponse {
            response,
            itt: l.itt,
            stat_sn: StatSn::default(),
            exp_cmd_sn: CmdSn::default(),
            max_cmd_sn: CmdSn::default(),
            time2wait: self.params.default_time2wait,
            time2retain: self.params.default_time2retain,
        };
        let mut batch = Batch::new(vec![Pdu::new(header, Bytes::new())]);
        batch.close_after = close;
        self.enqueue(now, batch);
    }

    /// Queues a Reject carrying the rejected PDU's header (RFC 7143 §11.17).
    fn reject(&mut self, now: Instant, reason: RejectReason, rejected: &Pdu) {
        let Ok(bhs) = rejected.encode_bhs() else {
            return;
        };
        let header = Reject {
            reason,
            itt: Itt::RESERVED,
            stat_sn: StatSn::default(),
            exp_cmd_sn: CmdSn::default(),
            max_cmd_sn: CmdSn::default(),
            data_sn_or_r2t_sn: 0,
        };
        let data = Bytes::copy_from_slice(bhs.as_bytes());
        self.enqueue(now, Batch::new(vec![Pdu::new(header, data)]));
    }

    // ---- send path -------------------------------------------------------------------

    fn enqueue(&mut self, now: Instant, mut batch: Batch) {
        if let Some(delay) = self.fault(|f| f.delay) {
            batch.ready_at = Some(now + delay);
        }
        self.queue.push_back(batch);
    }

    /// Stamps the sequence numbers, applies the send faults and writes the PDU's bytes.
    fn emit(&mut self, mut pdu: Pdu, out: &mut BytesMut) {
        self.stamp(&mut pdu.header);
        self.counters.sent += 1;
        let has_data = !pdu.data.is_empty();
        if has_data {
            self.counters.sent_with_data += 1;
        }
        let (sent, sent_with_data) = (self.counters.sent, self.counters.sent_with_data);
        self.target.capture(CapturedPdu {
            connection: self.id,
            direction: Direction::Sent,
            header: pdu.header,
            data: pdu.data.clone(),
        });
        let Ok(bhs) = pdu.encode_bhs() else {
            tracing::warn!(connection = %self.id, "cannot encode a PDU; skipped");
            return;
        };
        let mut raw = *bhs.as_bytes();
        let opcode = pdu.header.opcode();
        let nth_of_opcode = {
            let count = self.sent_by_opcode.entry(opcode).or_insert(0);
            *count += 1;
            *count
        };
        self.fault(|f| {
            if let Some(m) = f
                .mangle
                .filter(|m| m.opcode == opcode && m.nth == nth_of_opcode)
            {
                if let Some(byte) = raw.get_mut(m.byte) {
                    *byte = (*byte & !m.clear) | m.set;
                }
                f.mangle = None;
            }
        });
        let corrupt_header = self.fault(|f| {
            let fire = f.corrupt_header_digest == Some(sent);
            if fire {
                f.corrupt_header_digest = None;
            }
            fire
        });
        let corrupt_data = has_data
            && self.fault(|f| {
                let fire = f.corrupt_data_digest == Some(sent_with_data);
                if fire {
                    f.corrupt_data_digest = None;
                }
                fire
            });
        let start = out.len();
        out.put_slice(&raw);
        pdu.ahs.encode(out);
        if self.tx_digests.header {
            let mut digest = header_digest(out.get(start..).unwrap_or_default());
            if corrupt_header {
                digest ^= 0xdead_beef;
            }
            out.put_u32_le(digest);
        }
        out.put_slice(&pdu.data);
        out.put_bytes(0, pad_len(pdu.data.len()));
        if self.tx_digests.data && has_data {
            let mut digest = data_digest(&pdu.data);
            if corrupt_data {
                digest ^= 0xdead_beef;
            }
            out.put_u32_le(digest);
        }
        let drop = self.fault(|f| {
            let fire = f.drop_after_sent == Some(sent);
            if fire {
                f.drop_after_sent = None;
            }
            fire
        });
        if drop {
            tracing::debug!(connection = %self.id, sent, "fault: dropping after PDU sent");
            self.drop_connection();
        }
    }

    /// Writes StatSN, ExpCmdSN and MaxCmdSN as of now, and the Data-In DataSN fault.
    fn stamp(&mut self, header: &mut Header) {
        let exp = self.exp_cmd_sn;
        let max = self.max_cmd_sn();
        let stat_sn = self.stat_sn;
        let mut advance = true;
        match header {
            Header::LoginResponse(h) => {
                (h.stat_sn, h.exp_cmd_sn, h.max_cmd_sn) = (stat_sn, exp, max);
            }
            Header::ScsiResponse(h) => {
                (h.stat_sn, h.exp_cmd_sn, h.max_cmd_sn) = (stat_sn, exp, max);
            }
            Header::TaskMgmtResponse(h) => {
                (h.stat_sn, h.exp_cmd_sn, h.max_cmd_sn) = (stat_sn, exp, max);
            }
            Header::TextResponse(h) => {
                (h.stat_sn, h.exp_cmd_sn, h.max_cmd_sn) = (stat_sn, exp, max);
            }
            Header::LogoutResponse(h) => {
                (h.stat_sn, h.exp_cmd_sn, h.max_cmd_sn) = (stat_sn, exp, max);
            }
            Header::AsyncMessage(h) => {
                (h.stat_sn, h.exp_cmd_sn, h.max_cmd_sn) = (stat_sn, exp, max);
            }
            Header::Reject(h) => {
                (h.stat_sn, h.exp_cmd_sn, h.max_cmd_sn) = (stat_sn, exp, max);
            }
            Header::R2t(h) => {
                (h.stat_sn, h.exp_cmd_sn, h.max_cmd_sn) = (stat_sn, exp, max);
                advance = false;
            }
            Header::NopIn(h) => {
                (h.stat_sn, h.exp_cmd_sn, h.max_cmd_sn) = (stat_sn, exp, max);
                // RFC 7143 §11.19: StatSN does not advance for ITT 0xffffffff.
                advance = !h.itt.is_reserved();
            }
            Header::DataIn(h) => {
                (h.exp_cmd_sn, h.max_cmd_sn) = (exp, max);
                self.counters.data_in_sent += 1;
                let n = self.counters.data_in_sent;
                let skip = self.fault(|f| {
                    let fire = f.data_in_skip_data_sn == Some(n);
                    if fire {
                        f.data_in_skip_data_sn = None;
                    }
                    fire
                });
                let shift = self.data_sn_shift.entry(h.itt).or_insert(0);
                if skip {
                    *shift += 1;
                }
                h.data_sn = h.data_sn.add(*shift);
                match &mut h.status {
                    Some(status) => {
                        status.stat_sn = stat_sn;
                        self.data_sn_shift.remove(&h.itt);
                    }
                    None => advance = false,
                }
            }
            _ => advance = false,
        }
        if advance {
            self.stat_sn = self.stat_sn.next();
        }
    }

    // ---- helpers ---------------------------------------------------------------------

    fn drain_controls(&mut self, now: Instant) {
        for control in self.target.take_controls(self.id) {
            match control {
                Control::SendAsync(spec) => {
                    self.send_async(now, spec);
                }
                Control::NopIn => {
                    self.send_nop_in(now);
                }
                Control::Drop => self.drop_connection(),
                Control::ReleaseHeld => self.release_held(),
                Control::FlushReorder => self.flush_reorder(),
                Control::WindowChanged => {
                    if self.local_faults.is_none() {
                        self.announce_window(Some(now));
                    }
                }
            }
        }
    }

    /// Tells the initiator about a changed window with an unsolicited NOP-In.
    fn announce_window(&mut self, now: Option<Instant>) {
        if self.phase != Phase::FullFeature {
            return;
        }
        let nop = NopIn {
            lun: Lun::default(),
            itt: Itt::RESERVED,
            ttt: Ttt::RESERVED,
            stat_sn: StatSn::default(),
            exp_cmd_sn: CmdSn::default(),
            max_cmd_sn: CmdSn::default(),
        };
        let batch = Batch::new(vec![Pdu::new(nop, Bytes::new())]);
        match now {
            Some(now) => self.enqueue(now, batch),
            None => self.queue.push_back(batch),
        }
    }

    fn window_closed(&self) -> bool {
        match &self.local_faults {
            Some(f) => f.window_closed,
            None => self.target.with_faults(|f| f.window_closed),
        }
    }

    fn fault<R>(&mut self, read: impl FnOnce(&mut Faults) -> R) -> R {
        match &mut self.local_faults {
            Some(faults) => read(faults),
            None => self.target.with_faults(read),
        }
    }

    fn allocate_ttt(&mut self) -> Ttt {
        let ttt = Ttt(self.next_ttt);
        self.next_ttt = next_tag(self.next_ttt);
        ttt
    }

    fn violation(&self, itt: Option<Itt>, kind: ViolationKind, detail: String) {
        self.target.violation(Violation {
            connection: self.id,
            itt,
            kind,
            detail,
        });
    }

    fn close_now(&mut self) {
        self.phase = Phase::Closed;
        self.queue.clear();
        self.reorder.clear();
        self.writes.clear();
        self.pending.clear();
        self.next_probe = None;
    }
}

impl Drop for TargetConnection {
    fn drop(&mut self) {
        self.target.unregister(self.id);
    }
}

impl std::fmt::Debug for TargetConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TargetConnection")
            .field("id", &self.id)
            .field("phase", &self.phase)
            .finish_non_exhaustive()
    }
}

/// The next target transfer tag, skipping the reserved 0xffffffff.
fn next_tag(tag: u32) -> u32 {
    match tag.wrapping_add(1) {
        u32::MAX => 0,
        next => next,
    }
}

fn copy_into(buf: &mut [u8], offset: u32, data: &[u8]) {
    let start = offset as usize;
    let end = start.saturating_add(data.len()).min(buf.len());
    if let (Some(dst), Some(src)) = (
        buf.get_mut(start..end),
        data.get(..end.saturating_sub(start)),
    ) {
        dst.copy_from_slice(src);
    }
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

fn to_u32_64(n: u64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}
