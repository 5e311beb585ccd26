//! Statistics of targets, LUs and network ports, from the initiator's session counters and
//! the engine's own.
//!
//! - A target's counters are those of every session the engine had to it: the sessions
//!   that ended (added up when they end) plus the live one (read now).
//! - An LU's counters are the commands clients sent to it through the engine
//!   ([`Engine::execute`] and the pass-through calls); the commands of an LU scan are
//!   counted on the target only.
//! - A network port's counters are those of the sessions whose local address is on it.
//!
//! Collection is on by default. Turning it off for an object makes its getter answer
//! [`HbaError::StatisticsDisabled`]; turning it on again starts the counts from zero (the
//! counters underneath never stop: they are a few relaxed atomics per command).

use std::{
    collections::{HashMap, HashSet},
    net::IpAddr,
    time::SystemTime,
};

use iscsi_initiator::{ConnectionLoss, Error as InitiatorError, LoginFailure, SessionStats};
use iscsi_proto::{
    session::ProtocolError,
    wire::{DecodeError, LoginStatus},
};

use crate::{Engine, HbaError, ObjectId, ObjectKind, engine::lock};

/// Counters of a target or an LU.
#[derive(Clone, Copy, Debug, Default, Eq, PartialEq)]
pub struct DeviceStats {
    /// SCSI commands sent.
    pub commands: u64,
    /// SCSI data read (commands that completed).
    pub bytes_read: u64,
    /// SCSI data written (commands that completed).
    pub bytes_written: u64,
    /// iSCSI PDU counts, where this object has them (targets; not LUs).
    pub pdus: Option<PduStats>,
}

/// iSCSI PDUs and the bytes they took on the wire.
#[derive(Clone, Copy, Debug, Default, Eq, PartialEq)]
pub struct PduStats {
    /// PDUs sent.
    pub pdus_out: u64,
    /// PDUs received.
    pub pdus_in: u64,
    /// Bytes sent.
    pub bytes_out: u64,
    /// Bytes received.
    pub bytes_in: u64,
}

impl PduStats {
    fn add(&mut self, o: &Self) {
        self.pdus_out += o.pdus_out;
        self.pdus_in += o.pdus_in;
        self.bytes_out += o.bytes_out;
        self.bytes_in += o.bytes_in;
    }

    fn minus(self, o: &Self) -> Self {
        Self {
            pdus_out: self.pdus_out.saturating_sub(o.pdus_out),
            pdus_in: self.pdus_in.saturating_sub(o.pdus_in),
            bytes_out: self.bytes_out.saturating_sub(o.bytes_out),
            bytes_in: self.bytes_in.saturating_sub(o.bytes_in),
        }
    }

    fn of(s: &SessionStats) -> Self {
        Self {
            pdus_out: s.pdus_out,
            pdus_in: s.pdus_in,
            bytes_out: s.bytes_out,
            bytes_in: s.bytes_in,
        }
    }
}

impl DeviceStats {
    fn add(&mut self, o: &Self) {
        self.commands += o.commands;
        self.bytes_read += o.bytes_read;
        self.bytes_written += o.bytes_written;
        if let Some(p) = &o.pdus {
            self.pdus.get_or_insert_with(PduStats::default).add(p);
        }
    }

    fn minus(self, o: &Self) -> Self {
        Self {
            commands: self.commands.saturating_sub(o.commands),
            bytes_read: self.bytes_read.saturating_sub(o.bytes_read),
            bytes_written: self.bytes_written.saturating_sub(o.bytes_written),
            pdus: self.pdus.map(|p| o.pdus.map_or(p, |base| p.minus(&base))),
        }
    }

    fn of(s: &SessionStats) -> Self {
        Self {
            commands: s.commands.issued,
            bytes_read: s.bytes_read,
            bytes_written: s.bytes_written,
            pdus: Some(PduStats::of(s)),
        }
    }
}

/// Failed logins to a target, by why.
#[derive(Clone, Copy, Debug, Default, Eq, PartialEq)]
pub struct LoginFailures {
    /// CHAP failed on our side, or the target refused our credentials (status 0201h,
    /// 0202h).
    pub authentication: u64,
    /// The target refused the login for another reason.
    pub refused: u64,
    /// The portal could not be reached or the connection dropped during login.
    pub connect: u64,
    /// The login or connect deadline passed.
    pub timeout: u64,
    /// The target broke the login protocol.
    pub protocol: u64,
}

impl LoginFailures {
    /// All of them.
    pub fn total(&self) -> u64 {
        self.authentication + self.refused + self.connect + self.timeout + self.protocol
    }
}

/// Error counters of a target, since the engine started.
#[derive(Clone, Copy, Debug, Default, Eq, PartialEq)]
pub struct TargetErrorStats {
    /// Failed logins.
    pub login_failures: LoginFailures,
    /// When the last login failed.
    pub last_login_failure: Option<SystemTime>,
    /// Sessions that ended with an error (not by a logout).
    pub sessions_failed: u64,
    /// Sessions that ended because a request went unanswered.
    pub sessions_timed_out: u64,
    /// Connections that failed on a malformed PDU or another protocol violation.
    pub format_errors: u64,
    /// Header and data digest errors.
    pub digest_errors: u64,
    /// Connections dropped because a request or a keep-alive went unanswered.
    pub connections_timed_out: u64,
    /// Connections lost for any reason.
    pub connections_lost: u64,
    /// Sessions reinstated after a lost connection.
    pub reconnects: u64,
}

/// The engine's counters, under the session table's lock.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    /// Per target seq: the sessions that ended, added up.
    finished: HashMap<u64, DeviceStats>,
    /// Per target seq.
    errors: HashMap<u64, TargetErrorStats>,
    /// Per LU seq: pass-through commands.
    lus: HashMap<u64, DeviceStats>,
    /// Per local IP address: the PDUs of the sessions that ended.
    ports: HashMap<IpAddr, PduStats>,
    /// Objects whose collection is off.
    disabled: HashSet<ObjectId>,
    /// Counts at the moment collection was turned back on.
    baselines: HashMap<ObjectId, DeviceStats>,
}

impl Counters {
    fn errors(&mut self, target: u64) -> &mut TargetErrorStats {
        self.errors.entry(target).or_default()
    }

    /// A login to `target` failed with `e`.
    pub(crate) fn login_failed(&mut self, target: u64, e: &InitiatorError) {
        let f = &mut self.errors(target);
        let kind = &mut f.login_failures;
        match e {
            InitiatorError::Login { reason, .. } => match reason {
                LoginFailure::Authentication(_) => kind.authentication += 1,
                LoginFailure::Refused(
                    LoginStatus::AuthenticationFailure | LoginStatus::AuthorizationFailure,
                ) => kind.authentication += 1,
                LoginFailure::Refused(_) | LoginFailure::TooManyRedirects => kind.refused += 1,
                LoginFailure::ConnectionLost(_) => kind.connect += 1,
                _ => kind.protocol += 1,
            },
            InitiatorError::Connect { .. } => kind.connect += 1,
            InitiatorError::Timeout(_) => kind.timeout += 1,
            _ => kind.protocol += 1,
        }
        f.last_login_failure = Some(SystemTime::now());
    }

    /// A connection of a session to `target` was lost.
    pub(crate) fn connection_lost(&mut self, target: u64, cause: &ConnectionLoss) {
        let f = self.errors(target);
        f.connections_lost += 1;
        match cause {
            ConnectionLoss::Unanswered(_) | ConnectionLoss::KeepAlive => {
                f.connections_timed_out += 1;
            }
            ConnectionLoss::Protocol(ProtocolError::Decode(DecodeError::HeaderDigest {
                ..
            })) => {}
            ConnectionLoss::Protocol(_) => f.format_errors += 1,
            _ => {}
        }
    }

    /// A session to `target` ended; `stats` are its final counters, `local` its last local
    /// address, `cause` why it ended (`None`: a logout).
    pub(crate) fn session_ended(
        &mut self,
        target: u64,
        stats: &SessionStats,
        local: Option<IpAddr>,
        cause: Option<&InitiatorError>,
    ) {
        self.finished
            .entry(target)
            .or_default()
            .add(&DeviceStats::of(stats));
        if let Some(ip) = local {
            self.ports.entry(ip).or_default().add(&PduStats::of(stats));
        }
        let f = self.errors(target);
        f.digest_errors += stats.digest_errors;
        f.reconnects += stats.reconnects;
        if let Some(cause) = cause {
            f.sessions_failed += 1;
            if timed_out(cause) {
                f.sessions_timed_out += 1;
            }
        }
    }

    /// A pass-through command to LU `lu` completed, reading `read` bytes.
    pub(crate) fn lu_command(&mut self, lu: u64, read: u64) {
        let s = self.lus.entry(lu).or_default();
        s.commands += 1;
        s.bytes_read += read;
    }

    /// Forgets the counters of targets and LUs that left the tables.
    pub(crate) fn forget(&mut self, targets: &HashSet<u64>, lus: &HashSet<u64>) {
        self.finished.retain(|t, _| !targets.contains(t));
        self.errors.retain(|t, _| !targets.contains(t));
        self.lus.retain(|l, _| !lus.contains(l));
        let gone = |id: &ObjectId| {
            (id.kind == ObjectKind::Target && targets.contains(&id.seq))
                || (id.kind == ObjectKind::Lu && lus.contains(&id.seq))
        };
        self.disabled.retain(|id| !gone(id));
        self.baselines.retain(|id, _| !gone(id));
    }
}

/// Whether a session ended because a request went unanswered.
fn timed_out(e: &InitiatorError) -> bool {
    match e {
        InitiatorError::Timeout(_)
        | InitiatorError::ConnectionLost(
            ConnectionLoss::Unanswered(_) | ConnectionLoss::KeepAlive,
        ) => true,
        InitiatorError::Reconnect { lost, .. } => {
            matches!(
                lost,
                ConnectionLoss::Unanswered(_) | ConnectionLoss::KeepAlive
            )
        }
        _ => false,
    }
}

impl Engine {
    /// Whether statistics are collected for `id` (the PHBA and the LHBA stand for every
    /// target and LU).
    ///
    /// # Errors
    ///
    /// [`HbaError::NotFound`] for an unknown target or LU; [`HbaError::NotSupported`] for
    /// another kind.
    pub fn statistics_enabled(&self, id: ObjectId) -> Result<bool, HbaError> {
        self.check_stats_object(id)?;
        let t = lock(&self.inner.sessions);
        Ok(match id.kind {
            ObjectKind::Phba | ObjectKind::Lhba => !t.counters.disabled.contains(&ObjectId::LHBA),
            _ => {
                !t.counters.disabled.contains(&ObjectId::LHBA) && !t.counters.disabled.contains(&id)
            }
        })
    }

    /// Turns statistics collection on or off for a target, an LU, or (the PHBA or the
    /// LHBA) all of them. Turning it on starts the object's counts from zero; it is on by
    /// default. Not persisted: counters live as long as the engine.
    ///
    /// # Errors
    ///
    /// As [`Engine::statistics_enabled`].
    pub fn set_statistics(&self, id: ObjectId, enabled: bool) -> Result<(), HbaError> {
        self.check_stats_object(id)?;
        let key = match id.kind {
            ObjectKind::Phba | ObjectKind::Lhba => ObjectId::LHBA,
            _ => id,
        };
        let objects: Vec<ObjectId> = if key == ObjectId::LHBA {
            let mut all: Vec<ObjectId> = self.targets().into_iter().map(|(t, _)| t).collect();
            all.extend(self.all_lus().into_iter().map(|(l, ..)| l));
            all
        } else {
            vec![id]
        };
        if enabled {
            let now: Vec<(ObjectId, DeviceStats)> = objects
                .iter()
                .map(|o| (*o, self.raw_device_stats(*o)))
                .collect();
            let mut t = lock(&self.inner.sessions);
            if t.counters.disabled.remove(&key) {
                for (o, s) in now {
                    t.counters.baselines.insert(o, s);
                }
            }
        } else {
            lock(&self.inner.sessions).counters.disabled.insert(key);
        }
        Ok(())
    }

    fn check_stats_object(&self, id: ObjectId) -> Result<(), HbaError> {
        match id.kind {
            ObjectKind::Phba | ObjectKind::Lhba if id.seq == ObjectId::SINGLETON_SEQ => Ok(()),
            ObjectKind::Target if self.target(id).is_some() => Ok(()),
            ObjectKind::Lu if self.lu(id).is_some() => Ok(()),
            ObjectKind::Target | ObjectKind::Lu | ObjectKind::Phba | ObjectKind::Lhba => {
                Err(HbaError::NotFound(id))
            }
            _ => Err(HbaError::NotSupported(format!(
                "statistics of a {:?}",
                id.kind
            ))),
        }
    }

    /// The counters of a target or an LU since collection was (last) turned on.
    ///
    /// # Errors
    ///
    /// [`HbaError::StatisticsDisabled`] when collection is off for it;
    /// [`HbaError::NotFound`], [`HbaError::NotSupported`] as
    /// [`Engine::statistics_enabled`].
    pub fn device_stats(&self, id: ObjectId) -> Result<DeviceStats, HbaError> {
        if !matches!(id.kind, ObjectKind::Target | ObjectKind::Lu) {
            return Err(HbaError::NotSupported(format!(
                "device statistics of a {:?}",
                id.kind
            )));
        }
        if !self.statistics_enabled(id)? {
            return Err(HbaError::StatisticsDisabled(id));
        }
        let raw = self.raw_device_stats(id);
        let base = lock(&self.inner.sessions)
            .counters
            .baselines
            .get(&id)
            .copied();
        Ok(base.map_or(raw, |b| raw.minus(&b)))
    }

    /// Counters since the engine started.
    fn raw_device_stats(&self, id: ObjectId) -> DeviceStats {
        let t = lock(&self.inner.sessions);
        match id.kind {
            ObjectKind::Target => {
                let mut s = t
                    .counters
                    .finished
                    .get(&id.seq)
                    .copied()
                    .unwrap_or_default();
                s.pdus.get_or_insert_with(PduStats::default);
                if let Some(live) = t.live.get(&id.seq) {
                    s.add(&DeviceStats::of(&live.session.stats()));
                }
                s
            }
            _ => t.counters.lus.get(&id.seq).copied().unwrap_or_default(),
        }
    }

    /// The error counters of a target.
    ///
    /// # Errors
    ///
    /// [`HbaError::NotFound`] for an unknown target.
    pub fn target_errors(&self, target: ObjectId) -> Result<TargetErrorStats, HbaError> {
        if target.kind != ObjectKind::Target || self.target(target).is_none() {
            return Err(HbaError::NotFound(target));
        }
        let t = lock(&self.inner.sessions);
        let mut e = t
            .counters
            .errors
            .get(&target.seq)
            .copied()
            .unwrap_or_default();
        if let Some(live) = t.live.get(&target.seq) {
            let s = live.session.stats();
            e.digest_errors += s.digest_errors;
            e.reconnects += s.reconnects;
        }
        Ok(e)
    }

    /// The PDU counters of a physical network port: every session (live or ended) whose
    /// local address is one of the port's addresses.
    ///
    /// # Errors
    ///
    /// [`HbaError::NotFound`] for an unknown port.
    pub fn port_stats(&self, pnp: ObjectId) -> Result<PduStats, HbaError> {
        let (_, info) = self
            .pnps()
            .into_iter()
            .find(|(id, _)| *id == pnp)
            .ok_or(HbaError::NotFound(pnp))?;
        let addresses: HashSet<IpAddr> = self
            .network_portals()
            .into_iter()
            .filter(|(_, p)| p.interface == info.interface)
            .map(|(_, p)| p.address)
            .collect();
        let t = lock(&self.inner.sessions);
        let mut out = PduStats::default();
        for (ip, s) in &t.counters.ports {
            if addresses.contains(ip) {
                out.add(s);
            }
        }
        for live in t.live.values() {
            let local = live.session.snapshot().local_addr.map(|a| a.ip());
            if local.is_some_and(|ip| addresses.contains(&ip)) {
                out.add(&PduStats::of(&live.session.stats()));
            }
        }
        Ok(out)
    }
}
