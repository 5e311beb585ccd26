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

mod requests;
mod tasks;
mod transmit;

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
    /// Raw bytes (no PDU) written after the batch's PDUs: the `garbage_after_login` fault.
    raw_after: Option<Bytes>,
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
            raw_after: None,
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
    /// R2Ts solicit data up to here: `edtl`, or less under `write_half_solicited`.
    solicit_end: u32,
    /// `write_residual_underflow`: report the whole transfer as residual.
    lie_underflow: bool,
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
        let data = spec
            .sense
            .map_or_else(Bytes::new, |sense| Bytes::from(scsi::sense_segment(&sense)));
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
            if let Some(raw) = batch.raw_after {
                tracing::debug!(connection = %self.id, len = raw.len(), "fault: raw bytes after the batch");
                out.extend_from_slice(&raw);
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
                let (garbage, flood) =
                    self.fault(|f| (f.garbage_after_login.clone(), f.nop_in_flood_after_login));
                batch.raw_after = garbage.map(Bytes::from);
                for _ in 0..flood.unwrap_or(0) {
                    let nop = NopIn {
                        lun: Lun::default(),
                        itt: Itt::RESERVED,
                        ttt: Ttt::RESERVED,
                        stat_sn: StatSn::default(),
                        exp_cmd_sn: CmdSn::default(),
                        max_cmd_sn: CmdSn::default(),
                    };
                    batch.pdus.push(Pdu::new(nop, Bytes::new()));
                }
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
