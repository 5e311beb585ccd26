//! The shared half of a test target: configuration, LUs, fault switches and the logs that
//! every connection writes to. Cheap to clone (an `Arc`).

use std::{
    collections::{HashMap, VecDeque},
    fmt,
    sync::{Arc, Mutex, MutexGuard, PoisonError},
};

use bytes::Bytes;
use iscsi_proto::wire::{AsyncEvent, Header, Isid, Itt, Lun};
use tokio::sync::Notify;

use crate::{config::TargetConfig, faults::Faults, lu::LogicalUnit};

/// Identifies one connection of a target, numbered from 1 in creation order.
#[derive(Clone, Copy, Debug, Eq, Hash, Ord, PartialEq, PartialOrd)]
pub struct ConnectionId(pub u64);

impl fmt::Display for ConnectionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "conn{}", self.0)
    }
}

/// Which way a captured PDU went.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum Direction {
    /// Initiator to target.
    Received,
    /// Target to initiator.
    Sent,
}

/// One PDU in the capture log.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct CapturedPdu {
    /// The connection it went over.
    pub connection: ConnectionId,
    /// Which way.
    pub direction: Direction,
    /// The typed header. For a sent PDU this is the header as intended, before any
    /// [`crate::Mangle`] patch or digest corruption.
    pub header: Header,
    /// The data segment (without padding or digest).
    pub data: Bytes,
}

/// A protocol rule the initiator broke, as seen by the target.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct Violation {
    /// The connection.
    pub connection: ConnectionId,
    /// The task concerned, if any.
    pub itt: Option<Itt>,
    /// The category.
    pub kind: ViolationKind,
    /// A human-readable description for test failure messages.
    pub detail: String,
}

/// Categories of [`Violation`].
#[non_exhaustive]
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum ViolationKind {
    /// The byte stream could not be framed (bad header, length over our
    /// MaxRecvDataSegmentLength, header digest mismatch); the connection was closed.
    Framing,
    /// A data digest did not match; a Reject (reason 0x02) was sent.
    DataDigest,
    /// A PDU not allowed in the current phase or session type.
    UnexpectedPdu,
    /// A login rule (stage, keys, version) was broken.
    Login,
    /// A non-immediate command's CmdSN was outside [ExpCmdSN, MaxCmdSN]; it was dropped.
    CmdSnOutOfWindow,
    /// Immediate data that was not allowed or too long.
    ImmediateData,
    /// Unsolicited Data-Out that was not allowed, too long, or the burst ended early.
    UnsolicitedData,
    /// A Data-Out with a wrong DataSN.
    DataSn,
    /// A Data-Out with a wrong Buffer Offset or a length outside its sequence.
    BufferOffset,
    /// A Data-Out whose F bit was wrong (missing at the end of a sequence or set early).
    FinalBit,
    /// A Data-Out for no known task or with a TTT no outstanding R2T carries.
    UnknownTask,
    /// A NOP-Out whose fields do not match what was asked (TTT, ITT, I bit).
    Nop,
    /// A text exchange rule was broken.
    Text,
    /// Anything else.
    Other,
}

/// Counters over all connections of a target.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, Default, Eq, PartialEq)]
pub struct TargetStats {
    /// Connections created.
    pub connections: u64,
    /// Logins that reached full feature phase.
    pub logins: u64,
    /// PDUs received.
    pub pdus_received: u64,
    /// PDUs sent.
    pub pdus_sent: u64,
    /// NOP-In probes (TTT set) sent.
    pub nop_in_probes: u64,
    /// NOP-Out replies to those probes received.
    pub nop_in_replies: u64,
    /// SCSI commands executed.
    pub commands: u64,
    /// Connections closed by a fault switch or [`Target::drop_connections`].
    pub dropped: u64,
}

/// An Asynchronous Message to send (RFC 7143 §11.9).
#[non_exhaustive]
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct AsyncSpec {
    /// AsyncEvent.
    pub event: AsyncEvent,
    /// AsyncVCode.
    pub vcode: u8,
    /// Parameter1..3 (meaning depends on the event: e.g. logout request: Parameter3 =
    /// seconds to log out within; connection drop: CID, Time2Wait, Time2Retain).
    pub parameters: [u16; 3],
    /// LUN (SCSI events).
    pub lun: Lun,
    /// Sense data for a SCSI event, sent with its 2-byte SenseLength prefix.
    pub sense: Option<Vec<u8>>,
}

impl AsyncSpec {
    /// An event with the given parameters, LUN 0 and no sense data.
    pub fn new(event: AsyncEvent, parameters: [u16; 3]) -> Self {
        Self {
            event,
            vcode: 0,
            parameters,
            lun: Lun::default(),
            sense: None,
        }
    }
}

/// A request from the test to a live connection, picked up at its next input or poll.
#[derive(Clone, Debug)]
pub(crate) enum Control {
    SendAsync(AsyncSpec),
    NopIn,
    Drop,
    ReleaseHeld,
    FlushReorder,
    WindowChanged,
}

/// A target node with its LUs allocated.
#[derive(Clone, Debug)]
pub(crate) struct Node {
    pub(crate) name: String,
    pub(crate) alias: Option<String>,
    pub(crate) lus: Vec<LogicalUnit>,
}

impl Node {
    pub(crate) fn lu(&self, lun: Lun) -> Option<&LogicalUnit> {
        let index = lun.index()?;
        self.lus.iter().find(|lu| lu.lun() == index)
    }

    /// Every LUN of the node, in configuration order (lazily: nothing is allocated).
    pub(crate) fn luns(&self) -> impl Iterator<Item = u16> + '_ {
        self.lus.iter().map(LogicalUnit::lun)
    }
}

/// A configuration [`Target::new`] refuses.
#[derive(Clone, Debug, Eq, PartialEq, thiserror::Error)]
#[error("invalid test target configuration: {0}")]
pub struct ConfigError(pub &'static str);

struct ConnEntry {
    controls: Vec<Control>,
    session: Option<SessionKey>,
    /// Wakes this connection's task (new controls, changed faults). One per connection, so
    /// a login does not wake every other connection of the target.
    wake: Arc<Notify>,
}

/// A session as the target tells them apart for reinstatement: initiator name and ISID.
type SessionKey = (String, Isid);

struct State {
    faults: Faults,
    portal: String,
    next_tsih: u16,
    next_connection: u64,
    log: VecDeque<CapturedPdu>,
    log_dropped: u64,
    violations: Vec<Violation>,
    stats: TargetStats,
    connections: HashMap<ConnectionId, ConnEntry>,
    /// The connection each logged-in session is on, so a login finds the session it
    /// reinstates without a scan over every connection (thousands in the scale benchmark).
    sessions: HashMap<SessionKey, ConnectionId>,
}

struct Shared {
    config: TargetConfig,
    nodes: Vec<Node>,
    state: Mutex<State>,
}

/// A test target: configuration, RAM LUs, fault switches and logs, shared by all of its
/// connections ([`crate::TargetConnection`]) and by the loopback wrapper
/// ([`crate::TestTarget`]). Cloning is cheap and shares everything; the LU data outlives
/// any connection, so a reconnecting initiator reads what it wrote.
#[derive(Clone)]
pub struct Target {
    shared: Arc<Shared>,
}

impl fmt::Debug for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Target")
            .field("targets", &self.shared.nodes.len())
            .finish_non_exhaustive()
    }
}

impl Target {
    /// Allocates the LUs and checks the configuration.
    ///
    /// # Errors
    ///
    /// [`ConfigError`] for no target node, duplicate names or LUNs, a LUN over 16383, a
    /// zero block size, an LU too large to allocate, a zero command window, or a CHAP
    /// account with no algorithm.
    pub fn new(config: TargetConfig) -> Result<Self, ConfigError> {
        if config.targets.is_empty() {
            return Err(ConfigError("no target node"));
        }
        if config.cmd_window == 0 || config.cmd_window > 1 << 31 {
            return Err(ConfigError("cmd_window not in 1..=2^31"));
        }
        for auth in [&config.auth, &config.discovery_auth].into_iter().flatten() {
            if auth.algorithms.is_empty() {
                return Err(ConfigError("CHAP with no algorithm"));
            }
        }
        let mut nodes = Vec::new();
        for node in &config.targets {
            if nodes.iter().any(|n: &Node| n.name == node.name) {
                return Err(ConfigError("duplicate target name"));
            }
            let mut lus: Vec<LogicalUnit> = Vec::new();
            for lu in &node.lus {
                if lu.lun > Lun::MAX_INDEX {
                    return Err(ConfigError("LUN over 16383"));
                }
                if lu.block_size == 0 {
                    return Err(ConfigError("zero block size"));
                }
                if lus.iter().any(|l| l.lun() == lu.lun) {
                    return Err(ConfigError("duplicate LUN"));
                }
                lus.push(LogicalUnit::new(lu).ok_or(ConfigError("LU too large"))?);
            }
            nodes.push(Node {
                name: node.name.clone(),
                alias: node.alias.clone(),
                lus,
            });
        }
        let state = State {
            faults: config.faults.clone(),
            portal: "127.0.0.1:3260".to_owned(),
            next_tsih: config.first_tsih.max(1),
            next_connection: 1,
            log: VecDeque::new(),
            log_dropped: 0,
            violations: Vec::new(),
            stats: TargetStats::default(),
            connections: HashMap::new(),
            sessions: HashMap::new(),
        };
        Ok(Self {
            shared: Arc::new(Shared {
                config,
                nodes,
                state: Mutex::new(state),
            }),
        })
    }

    /// The configuration the target was built from (fault switches as at start; see
    /// [`Target::faults`] for the current ones).
    pub fn config(&self) -> &TargetConfig {
        &self.shared.config
    }

    /// The LU `lun` of target node `target_name`.
    pub fn lu(&self, target_name: &str, lun: u16) -> Option<LogicalUnit> {
        self.node(target_name)?
            .lus
            .iter()
            .find(|lu| lu.lun() == lun)
            .cloned()
    }

    /// The LU `lun` of the first target node.
    pub fn first_lu(&self, lun: u16) -> Option<LogicalUnit> {
        self.shared
            .nodes
            .first()?
            .lus
            .iter()
            .find(|lu| lu.lun() == lun)
            .cloned()
    }

    /// The `host:port` that SendTargets reports. [`crate::TestTarget`] sets it to the bound
    /// address; default `127.0.0.1:3260`.
    pub fn portal(&self) -> String {
        self.lock().portal.clone()
    }

    /// Sets the `host:port` that SendTargets reports.
    pub fn set_portal(&self, portal: impl Into<String>) {
        self.lock().portal = portal.into();
    }

    /// Every PDU received so far, all connections, in order.
    pub fn captured(&self) -> Vec<CapturedPdu> {
        self.log_filtered(Some(Direction::Received))
    }

    /// Every PDU sent so far, all connections, in order.
    pub fn sent(&self) -> Vec<CapturedPdu> {
        self.log_filtered(Some(Direction::Sent))
    }

    /// Both directions interleaved in the order the target saw or sent them.
    pub fn transcript(&self) -> Vec<CapturedPdu> {
        self.log_filtered(None)
    }

    /// How many old log entries were dropped to stay within
    /// [`TargetConfig::capture_limit`].
    pub fn captured_dropped(&self) -> u64 {
        self.lock().log_dropped
    }

    /// Empties the capture log.
    pub fn clear_captured(&self) {
        let mut state = self.lock();
        state.log.clear();
        state.log_dropped = 0;
    }

    /// Every protocol violation seen so far.
    pub fn violations(&self) -> Vec<Violation> {
        self.lock().violations.clone()
    }

    /// Empties the violation log.
    pub fn clear_violations(&self) {
        self.lock().violations.clear();
    }

    /// Counters over all connections.
    pub fn stats(&self) -> TargetStats {
        self.lock().stats
    }

    /// The current target-wide fault switches.
    pub fn faults(&self) -> Faults {
        self.lock().faults.clone()
    }

    /// Replaces the target-wide fault switches (connections with their own copy keep it).
    pub fn set_faults(&self, faults: Faults) {
        self.update_faults(|f| *f = faults);
    }

    /// Changes the target-wide fault switches in place.
    pub fn update_faults(&self, change: impl FnOnce(&mut Faults)) {
        let window_before;
        let window_after;
        {
            let mut state = self.lock();
            window_before = state.faults.window_closed;
            change(&mut state.faults);
            window_after = state.faults.window_closed;
        }
        if window_before != window_after {
            self.broadcast(Control::WindowChanged, false);
        }
        self.wake_all();
    }

    /// Stops (or resumes) all sending on every connection.
    pub fn set_stall(&self, stall: bool) {
        self.update_faults(|f| f.stall = stall);
    }

    /// Closes (MaxCmdSN = ExpCmdSN − 1) or reopens the command window of every connection;
    /// each logged-in connection announces the change with a NOP-In.
    pub fn set_window_closed(&self, closed: bool) {
        self.update_faults(|f| f.window_closed = closed);
    }

    /// Sends an Asynchronous Message on every logged-in connection.
    pub fn send_async(&self, spec: AsyncSpec) {
        self.broadcast(Control::SendAsync(spec), true);
    }

    /// Sends a NOP-In probe (TTT set) on every logged-in connection.
    pub fn send_nop_in(&self) {
        self.broadcast(Control::NopIn, true);
    }

    /// Releases every held command completion ([`Faults::hold_command`]).
    pub fn release_held(&self) {
        self.broadcast(Control::ReleaseHeld, false);
    }

    /// Sends completions collected by [`Faults::reorder_completions`] now, reversed.
    pub fn flush_reorder(&self) {
        self.broadcast(Control::FlushReorder, false);
    }

    /// Closes every live connection at once, as a crashed target would. LU data is kept.
    pub fn drop_connections(&self) {
        self.broadcast(Control::Drop, false);
    }

    /// Live connections.
    pub fn connection_count(&self) -> usize {
        self.lock().connections.len()
    }

    // ---- crate-internal --------------------------------------------------------------

    pub(crate) fn nodes(&self) -> &[Node] {
        &self.shared.nodes
    }

    pub(crate) fn node(&self, name: &str) -> Option<&Node> {
        self.shared.nodes.iter().find(|n| n.name == name)
    }

    /// What wakes the task serving connection `id` (a fresh one if it is not registered,
    /// which nothing will wake).
    pub(crate) fn waker(&self, id: ConnectionId) -> Arc<Notify> {
        self.lock()
            .connections
            .get(&id)
            .map(|e| Arc::clone(&e.wake))
            .unwrap_or_default()
    }

    /// Wakes every connection's task: the target-wide faults changed.
    fn wake_all(&self) {
        for entry in self.lock().connections.values() {
            entry.wake.notify_one();
        }
    }

    pub(crate) fn register(&self) -> ConnectionId {
        let mut state = self.lock();
        let id = ConnectionId(state.next_connection);
        state.next_connection += 1;
        state.stats.connections += 1;
        state.connections.insert(
            id,
            ConnEntry {
                controls: Vec::new(),
                session: None,
                wake: Arc::new(Notify::new()),
            },
        );
        id
    }

    pub(crate) fn unregister(&self, id: ConnectionId) {
        let mut state = self.lock();
        let Some(entry) = state.connections.remove(&id) else {
            return;
        };
        if let Some(key) = entry.session {
            if state.sessions.get(&key) == Some(&id) {
                state.sessions.remove(&key);
            }
        }
    }

    /// Records the session of a connection that logged in; asks any other connection of
    /// the same (initiator, ISID) to drop (session reinstatement, RFC 7143 §6.3.5).
    pub(crate) fn logged_in(&self, id: ConnectionId, initiator: &str, isid: Isid) {
        let mut state = self.lock();
        state.stats.logins += 1;
        let key = (initiator.to_owned(), isid);
        // One connection per session: the one it was on before, if any, is the one to drop.
        let old = state
            .sessions
            .insert(key.clone(), id)
            .filter(|old| *old != id);
        if let Some(entry) = old.and_then(|old| state.connections.get_mut(&old)) {
            entry.controls.push(Control::Drop);
            entry.wake.notify_one();
        }
        if let Some(entry) = state.connections.get_mut(&id) {
            entry.session = Some(key);
        }
    }

    pub(crate) fn take_controls(&self, id: ConnectionId) -> Vec<Control> {
        self.lock()
            .connections
            .get_mut(&id)
            .map(|e| std::mem::take(&mut e.controls))
            .unwrap_or_default()
    }

    pub(crate) fn allocate_tsih(&self) -> u16 {
        let mut state = self.lock();
        let tsih = state.next_tsih;
        state.next_tsih = state.next_tsih.checked_add(1).unwrap_or(1);
        tsih
    }

    pub(crate) fn capture(&self, pdu: CapturedPdu) {
        let limit = self.shared.config.capture_limit;
        let mut state = self.lock();
        match pdu.direction {
            Direction::Received => state.stats.pdus_received += 1,
            Direction::Sent => state.stats.pdus_sent += 1,
        }
        if limit == 0 {
            state.log_dropped += 1;
            return;
        }
        while state.log.len() >= limit {
            state.log.pop_front();
            state.log_dropped += 1;
        }
        state.log.push_back(pdu);
    }

    pub(crate) fn violation(&self, violation: Violation) {
        tracing::debug!(
            connection = %violation.connection,
            kind = ?violation.kind,
            detail = %violation.detail,
            "initiator protocol violation"
        );
        self.lock().violations.push(violation);
    }

    pub(crate) fn count(&self, change: impl FnOnce(&mut TargetStats)) {
        change(&mut self.lock().stats);
    }

    /// Reads the target-wide faults through `read`, letting it clear fired switches.
    pub(crate) fn with_faults<R>(&self, read: impl FnOnce(&mut Faults) -> R) -> R {
        read(&mut self.lock().faults)
    }

    fn broadcast(&self, control: Control, logged_in_only: bool) {
        let mut state = self.lock();
        for entry in state.connections.values_mut() {
            if !logged_in_only || entry.session.is_some() {
                entry.controls.push(control.clone());
                entry.wake.notify_one();
            }
        }
    }

    fn log_filtered(&self, direction: Option<Direction>) -> Vec<CapturedPdu> {
        self.lock()
            .log
            .iter()
            .filter(|p| direction.is_none_or(|d| p.direction == d))
            .cloned()
            .collect()
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // State stays consistent between statements, so a poisoned lock is still usable.
        self.shared
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}
