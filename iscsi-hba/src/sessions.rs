//! Sessions: one per target, opened by the supervisor (automatic login), on request
//! ([`Engine::login`]) or on demand (an LU scan or a pass-through command), kept while
//! the initiator can keep it, and closed when the target leaves the table, on request
//! ([`Engine::logout`]) or at shutdown.
//!
//! # Automatic login
//!
//! As a hardware HBA does, the engine logs in to every target an enabled discovery
//! method finds, when the automatic login of that method is on ([`AutoLogin`], persisted,
//! default on for static targets and SendTargets), and to every target logged in on
//! request. [`Engine::supervise`] runs discovery and these logins at start, after each
//! configuration change, when a session ends, and every
//! [`crate::EngineConfig::rescan_interval`]. A target whose login failed is tried again
//! after 1, 2, 4… up to 60 seconds. A target logged out on request gets no session (not
//! even on demand) until it is logged in on request again; that hold lives as long as the
//! engine.
//!
//! # Objects
//!
//! A session keeps its [`ObjectId`] while the initiator reinstates it on new connections
//! (same ISID); each connection gets a new CONNECTION id. Sessions, connections, targets
//! and LUs coming and going are [`crate::HbaEvent`]s, as are reinstatements and
//! renegotiations (property changes of the session).

use std::{
    collections::{HashMap, HashSet},
    future::Future,
    time::Duration,
};

use iscsi_initiator::{Error as InitiatorError, Session, SessionEvent, SessionSnapshot};
use tokio::{sync::broadcast::error::RecvError, task::JoinSet, time::Instant};

use crate::{Engine, HbaError, ObjectId, ObjectKind, TimeoutKind, engine::lock, stats::Counters};

/// The longest wait between two automatic login attempts to a target.
const MAX_RETRY: Duration = Duration::from_secs(60);

/// Which discovery methods' targets the engine logs in to by itself (persisted).
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub struct AutoLogin {
    /// Targets found by static configuration. Default on.
    pub static_targets: bool,
    /// Targets found by SendTargets or iSNS (both are discovered rather than configured).
    /// Default on.
    pub send_targets: bool,
}

/// A session as the initiator reports it now.
#[derive(Clone, Debug)]
pub struct SessionInfo {
    /// Its target.
    pub target: ObjectId,
    /// Its connection now.
    pub connection: ObjectId,
    /// ISID, TSIH, negotiated values, addresses, authentication: the initiator's view.
    pub snapshot: SessionSnapshot,
}

/// A connection as the initiator reports it now.
#[derive(Clone, Debug)]
pub struct ConnectionInfo {
    /// Its session.
    pub session: ObjectId,
    /// The session's state, of which this connection is the current one.
    pub snapshot: SessionSnapshot,
}

/// What one supervisor pass did ([`Engine::rescan`]).
#[derive(Debug)]
pub struct RescanReport {
    /// Discovery addresses that failed, with why.
    pub discovery_failures: Vec<(ObjectId, HbaError)>,
    /// Targets in the table.
    pub targets: usize,
    /// Live sessions after the pass.
    pub sessions: usize,
    /// Targets logged in to by this pass.
    pub logged_in: Vec<ObjectId>,
    /// Targets whose automatic login failed, with why.
    pub login_failures: Vec<(ObjectId, HbaError)>,
}

/// Why a session is being opened.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
enum Open {
    /// By the supervisor: honours back-off and holds.
    Auto,
    /// For an LU scan or a pass-through command: honours holds.
    OnDemand,
    /// [`Engine::login`]: lifts a hold and pins the target.
    Explicit,
}

/// A live session.
pub(crate) struct Live {
    pub(crate) seq: u64,
    pub(crate) connection: u64,
    pub(crate) session: Session,
}

/// Back-off after failed automatic logins.
struct Retry {
    failures: u32,
    next: Instant,
}

/// Sessions, holds, back-off and counters, under one lock.
pub(crate) struct SessionTable {
    /// By target seq.
    pub(crate) live: HashMap<u64, Live>,
    next_session: u64,
    next_connection: u64,
    /// Target names logged out on request.
    held_out: HashSet<String>,
    /// Target names logged in on request.
    pinned: HashSet<String>,
    /// By target name.
    retry: HashMap<String, Retry>,
    pub(crate) counters: Counters,
}

impl SessionTable {
    pub(crate) fn new() -> Self {
        Self {
            live: HashMap::new(),
            next_session: 1,
            next_connection: 1,
            held_out: HashSet::new(),
            pinned: HashSet::new(),
            retry: HashMap::new(),
            counters: Counters::default(),
        }
    }

    fn connection_seq(&mut self) -> u64 {
        let seq = self.next_connection;
        self.next_connection += 1;
        seq
    }
}

impl Engine {
    // ---- queries ----

    /// Every live session, by id.
    pub fn sessions(&self) -> Vec<(ObjectId, SessionInfo)> {
        let t = lock(&self.inner.sessions);
        let mut out: Vec<_> = t
            .live
            .iter()
            .map(|(tseq, l)| (ObjectId::new(ObjectKind::Session, l.seq), info(*tseq, l)))
            .collect();
        out.sort_by_key(|(id, _)| *id);
        out
    }

    /// The live sessions to a target (none or one).
    ///
    /// # Errors
    ///
    /// [`HbaError::NotFound`] for an unknown target.
    pub fn target_sessions(&self, target: ObjectId) -> Result<Vec<ObjectId>, HbaError> {
        if target.kind != ObjectKind::Target || self.target(target).is_none() {
            return Err(HbaError::NotFound(target));
        }
        Ok(lock(&self.inner.sessions)
            .live
            .get(&target.seq)
            .map(|l| ObjectId::new(ObjectKind::Session, l.seq))
            .into_iter()
            .collect())
    }

    /// One session.
    pub fn session_info(&self, id: ObjectId) -> Option<SessionInfo> {
        if id.kind != ObjectKind::Session {
            return None;
        }
        let t = lock(&self.inner.sessions);
        t.live
            .iter()
            .find(|(_, l)| l.seq == id.seq)
            .map(|(tseq, l)| info(*tseq, l))
    }

    /// The connections of a session (one: this initiator negotiates MaxConnections=1).
    ///
    /// # Errors
    ///
    /// [`HbaError::NotFound`] for a session that is not live.
    pub fn connections(&self, session: ObjectId) -> Result<Vec<ObjectId>, HbaError> {
        self.session_info(session)
            .map(|s| vec![s.connection])
            .ok_or(HbaError::NotFound(session))
    }

    /// One connection.
    pub fn connection_info(&self, id: ObjectId) -> Option<ConnectionInfo> {
        if id.kind != ObjectKind::Connection {
            return None;
        }
        let t = lock(&self.inner.sessions);
        t.live
            .values()
            .find(|l| l.connection == id.seq)
            .map(|l| ConnectionInfo {
                session: ObjectId::new(ObjectKind::Session, l.seq),
                snapshot: l.session.snapshot(),
            })
    }

    // ---- automatic login switches ----

    /// Which methods' targets are logged in to automatically.
    pub fn auto_login(&self) -> AutoLogin {
        let s = lock(&self.inner.persisted);
        AutoLogin {
            static_targets: s.auto_login_static,
            send_targets: s.auto_login_send_targets,
        }
    }

    /// Sets the automatic login switches (persisted). Turning one off keeps the sessions
    /// already open; turning one on logs in at the supervisor's next pass.
    ///
    /// # Errors
    ///
    /// The errors of a persisted change.
    pub fn set_auto_login(&self, auto: AutoLogin) -> Result<(), HbaError> {
        self.update(|s| {
            s.auto_login_static = auto.static_targets;
            s.auto_login_send_targets = auto.send_targets;
            Ok(())
        })?;
        self.nudge();
        Ok(())
    }

    // ---- explicit login and logout ----

    /// Logs in to `target` unless a session is open, lifting a logout hold; the target
    /// stays logged in (re-logged in by the supervisor if its session fails) whatever the
    /// automatic login switches say. Returns the session.
    ///
    /// # Errors
    ///
    /// [`HbaError::NotFound`]; [`HbaError::Initiator`] when every address failed;
    /// [`HbaError::Timeout`]; [`HbaError::ShutDown`].
    pub async fn login(&self, target: ObjectId) -> Result<ObjectId, HbaError> {
        self.with_deadline(self.open(target, Open::Explicit))
            .await?;
        lock(&self.inner.sessions)
            .live
            .get(&target.seq)
            .map(|l| ObjectId::new(ObjectKind::Session, l.seq))
            .ok_or(HbaError::NotFound(target))
    }

    /// Logs out of `target`'s session (if any) and holds it out: no automatic or on-demand
    /// login until [`Engine::login`]. Returns how many sessions were closed (0 or 1).
    ///
    /// # Errors
    ///
    /// [`HbaError::NotFound`] for an unknown target.
    pub async fn logout(&self, target: ObjectId) -> Result<usize, HbaError> {
        let name = self.target(target).ok_or(HbaError::NotFound(target))?.name;
        {
            let mut t = lock(&self.inner.sessions);
            t.pinned.remove(&name);
            t.held_out.insert(name);
        }
        let closed = self.end_session(target.seq).await;
        self.forget_lus(target.seq);
        Ok(usize::from(closed))
    }

    // ---- the supervisor ----

    /// Runs until [`Engine::shutdown`]: a pass ([`Engine::rescan`]) at start, then one after
    /// each configuration change, each session that ended, each login retry due, and every
    /// [`crate::EngineConfig::rescan_interval`]. Spawn it on the runtime that runs the
    /// engine.
    pub async fn supervise(self) {
        // SCNs from the iSNS server (while iSNS is on) wake the supervisor.
        let watcher = tokio::spawn(self.clone().watch_isns());
        let mut stop = self.inner.stop.subscribe();
        loop {
            if *stop.borrow_and_update() {
                break;
            }
            tokio::select! {
                report = self.pass() => log_pass(&report),
                _ = stop.changed() => break,
            }
            let wait = self.next_wake();
            tokio::select! {
                () = sleep_for(wait) => {}
                () = self.inner.nudge.notified() => {}
                _ = stop.changed() => break,
            }
        }
        watcher.abort();
        tracing::debug!("supervisor stopped");
    }

    /// One pass now: discovery, then the automatic logins (each followed by an LU scan).
    /// Passes never overlap: when this returns, every pass started before it has finished.
    ///
    /// # Errors
    ///
    /// [`HbaError::ShutDown`]; the state file's errors.
    pub async fn rescan(&self) -> Result<RescanReport, HbaError> {
        self.check_running()?;
        self.pass().await
    }

    async fn pass(&self) -> Result<RescanReport, HbaError> {
        let _one_at_a_time = self.inner.pass_lock.lock().await;
        let discovery = self.refresh_discovery().await?;
        let (logged_in, login_failures) = self.reconcile().await;
        Ok(RescanReport {
            discovery_failures: discovery
                .addresses
                .into_iter()
                .filter_map(|a| a.outcome.err().map(|e| (a.id, e)))
                .collect(),
            targets: discovery.targets,
            sessions: lock(&self.inner.sessions).live.len(),
            logged_in,
            login_failures,
        })
    }

    /// Logs in to every target that should have a session and has none.
    async fn reconcile(&self) -> (Vec<ObjectId>, Vec<(ObjectId, HbaError)>) {
        let auto = self.auto_login();
        let now = Instant::now();
        let targets = self.targets();
        let wanted: Vec<ObjectId> = {
            let t = lock(&self.inner.sessions);
            targets
                .into_iter()
                .filter(|(id, info)| {
                    !t.live.contains_key(&id.seq)
                        && !t.held_out.contains(&info.name)
                        && (t.pinned.contains(&info.name)
                            || (info.methods.static_ && auto.static_targets)
                            || ((info.methods.send_targets || info.methods.isns)
                                && auto.send_targets))
                        && t.retry.get(&info.name).is_none_or(|r| r.next <= now)
                })
                .map(|(id, _)| id)
                .collect()
        };
        let mut logins = JoinSet::new();
        for target in wanted {
            let engine = self.clone();
            logins.spawn(async move {
                let result = engine.with_deadline(engine.open(target, Open::Auto)).await;
                if result.is_ok() {
                    if let Err(e) = engine.lus(target).await {
                        tracing::warn!(%target, error = %e, "LU scan after login failed");
                    }
                }
                (target, result)
            });
        }
        let mut ok = Vec::new();
        let mut failed = Vec::new();
        while let Some(joined) = logins.join_next().await {
            match joined {
                Ok((target, Ok(_))) => ok.push(target),
                Ok((target, Err(e))) => failed.push((target, e)),
                Err(e) => tracing::warn!(error = %e, "a login task failed"),
            }
        }
        ok.sort();
        (ok, failed)
    }

    /// How long the supervisor may sleep: until the next rescan or login retry.
    fn next_wake(&self) -> Option<Duration> {
        let now = Instant::now();
        let retry = lock(&self.inner.sessions)
            .retry
            .values()
            .map(|r| r.next.saturating_duration_since(now))
            .min();
        match (self.inner.config.rescan_interval, retry) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Wakes the supervisor for a pass.
    pub(crate) fn nudge(&self) {
        self.inner.nudge.notify_one();
    }

    // ---- opening and closing ----

    /// The open session to `target`, or a new one (on demand: LU scans, pass-through).
    pub(crate) async fn session(&self, target: ObjectId) -> Result<Session, HbaError> {
        self.open(target, Open::OnDemand).await
    }

    async fn open(&self, target: ObjectId, how: Open) -> Result<Session, HbaError> {
        let info = self.target(target).ok_or(HbaError::NotFound(target))?;
        {
            let mut t = lock(&self.inner.sessions);
            if how == Open::Explicit {
                t.held_out.remove(&info.name);
                t.pinned.insert(info.name.clone());
            }
            if let Some(l) = t.live.get(&target.seq) {
                if !l.session.is_closed() {
                    return Ok(l.session.clone());
                }
            }
            if t.held_out.contains(&info.name) {
                return Err(HbaError::LoggedOut(target));
            }
        }
        let initiator = self.initiator();
        let options = self.login_options(&initiator, &info.name)?;
        let mut last = None;
        for portal in &info.addresses {
            match initiator
                .login_with(&info.name, portal, options.clone())
                .await
            {
                Ok(session) => {
                    tracing::info!(target = %info.name, portal = %portal, "logged in");
                    lock(&self.inner.sessions).retry.remove(&info.name);
                    return self.install_session(target, session).await;
                }
                Err(e) => {
                    tracing::debug!(target = %info.name, portal = %portal, error = %e, "login failed");
                    lock(&self.inner.sessions)
                        .counters
                        .login_failed(target.seq, &e);
                    last = Some(e);
                }
            }
        }
        if how == Open::Auto {
            let mut t = lock(&self.inner.sessions);
            let r = t.retry.entry(info.name.clone()).or_insert_with(|| Retry {
                failures: 0,
                next: Instant::now(),
            });
            r.failures = r.failures.saturating_add(1);
            let wait = Duration::from_secs(1u64 << r.failures.saturating_sub(1).min(6));
            r.next = Instant::now() + wait.min(MAX_RETRY);
        }
        Err(last.map_or_else(
            || HbaError::InvalidArgument(format!("target {} has no address", info.name)),
            HbaError::Initiator,
        ))
    }

    /// Puts a new session in the table (or uses one another call opened meanwhile) and
    /// starts watching it.
    async fn install_session(
        &self,
        target: ObjectId,
        session: Session,
    ) -> Result<Session, HbaError> {
        let events = session.events();
        let target_known = self.target(target).is_some();
        let installed = {
            let mut t = lock(&self.inner.sessions);
            match t.live.get(&target.seq) {
                Some(l) if !l.session.is_closed() => Err(Some(l.session.clone())),
                // The target left the table while we logged in.
                _ if !target_known => Err(None),
                _ => {
                    let seq = t.next_session;
                    t.next_session += 1;
                    let connection = t.connection_seq();
                    t.live.insert(
                        target.seq,
                        Live {
                            seq,
                            connection,
                            session: session.clone(),
                        },
                    );
                    Ok((seq, connection))
                }
            }
        };
        let (seq, connection) = match installed {
            Ok(ids) => ids,
            Err(existing) => {
                let _ = session.shutdown().await;
                return existing.ok_or(HbaError::NotFound(target));
            }
        };
        self.visible(ObjectId::new(ObjectKind::Session, seq), true);
        self.visible(ObjectId::new(ObjectKind::Connection, connection), true);
        tokio::spawn(self.clone().watch(target.seq, seq, session.clone(), events));
        if self
            .inner
            .shut_down
            .load(std::sync::atomic::Ordering::Acquire)
        {
            self.end_session(target.seq).await;
            return Err(HbaError::ShutDown);
        }
        Ok(session)
    }

    /// Follows a session's events until it ends.
    async fn watch(
        self,
        tseq: u64,
        seq: u64,
        session: Session,
        mut events: tokio::sync::broadcast::Receiver<SessionEvent>,
    ) {
        let sid = ObjectId::new(ObjectKind::Session, seq);
        loop {
            let event = tokio::select! {
                biased;
                e = events.recv() => e,
                cause = session.closed() => {
                    let cause = (cause != InitiatorError::SessionClosed).then_some(cause);
                    self.finish(tseq, seq, cause.as_ref());
                    return;
                }
            };
            match event {
                Ok(SessionEvent::ConnectionLost { cause }) => {
                    tracing::info!(session = %sid, %cause, "connection lost");
                    lock(&self.inner.sessions)
                        .counters
                        .connection_lost(tseq, &cause);
                    self.changed(sid);
                }
                Ok(SessionEvent::Reinstated { tsih, reconnects }) => {
                    tracing::info!(session = %sid, ?tsih, reconnects, "session reinstated");
                    let swapped = {
                        let mut t = lock(&self.inner.sessions);
                        let new = t.connection_seq();
                        t.live.get_mut(&tseq).filter(|l| l.seq == seq).map(|l| {
                            let old = l.connection;
                            l.connection = new;
                            (old, new)
                        })
                    };
                    if let Some((old, new)) = swapped {
                        self.visible(ObjectId::new(ObjectKind::Connection, old), false);
                        self.visible(ObjectId::new(ObjectKind::Connection, new), true);
                    }
                    self.changed(sid);
                }
                Ok(SessionEvent::ParametersChanged { .. }) => self.changed(sid),
                Ok(SessionEvent::Closed { cause }) => {
                    self.finish(tseq, seq, cause.as_ref());
                    return;
                }
                Ok(_) => {}
                Err(RecvError::Lagged(n)) => {
                    tracing::warn!(session = %sid, missed = n, "session events missed");
                }
                Err(RecvError::Closed) => {
                    let cause = session.closed().await;
                    let cause = (cause != InitiatorError::SessionClosed).then_some(cause);
                    self.finish(tseq, seq, cause.as_ref());
                    return;
                }
            }
        }
    }

    /// Takes session `seq` of target `tseq` out of the table (once: later calls do
    /// nothing), counts it, and tells subscribers. `cause`: why it ended (`None`: logout).
    fn finish(&self, tseq: u64, seq: u64, cause: Option<&InitiatorError>) -> bool {
        let connection = {
            let mut t = lock(&self.inner.sessions);
            let Some(live) = t.live.remove(&tseq) else {
                return false;
            };
            if live.seq != seq {
                t.live.insert(tseq, live);
                return false;
            }
            let stats = live.session.stats();
            let local = live.session.snapshot().local_addr.map(|a| a.ip());
            t.counters.session_ended(tseq, &stats, local, cause);
            live.connection
        };
        match cause {
            Some(e) => tracing::warn!(session = seq, error = %e, "session ended"),
            None => tracing::info!(session = seq, "session closed"),
        }
        self.visible(ObjectId::new(ObjectKind::Connection, connection), false);
        self.visible(ObjectId::new(ObjectKind::Session, seq), false);
        if cause.is_some() {
            // Log in again (with back-off) if the target should have a session.
            self.nudge();
        }
        true
    }

    /// Logs out of target `tseq`'s session, if any, and takes it out of the table; `false`
    /// when there was none.
    pub(crate) async fn end_session(&self, tseq: u64) -> bool {
        let live = lock(&self.inner.sessions)
            .live
            .get(&tseq)
            .map(|l| (l.seq, l.session.clone()));
        let Some((seq, session)) = live else {
            return false;
        };
        if let Err(e) = session.shutdown().await {
            tracing::debug!(error = %e, "logout failed; the connection was closed");
        }
        // The watcher may have seen the end first; either way it is out of the table now.
        self.finish(tseq, seq, None);
        true
    }

    /// Logs out of every session (at shutdown).
    pub(crate) async fn end_all_sessions(&self) {
        let targets: Vec<u64> = lock(&self.inner.sessions).live.keys().copied().collect();
        let mut logouts = JoinSet::new();
        for tseq in targets {
            let engine = self.clone();
            logouts.spawn(async move { engine.end_session(tseq).await });
        }
        while logouts.join_next().await.is_some() {}
    }

    /// Drops target `tseq`'s session from the table when `e` says it is unusable (the
    /// watcher counts it when the session reports its end).
    pub(crate) fn forget_session_on(&self, tseq: u64, e: &InitiatorError) {
        if matches!(
            e,
            InitiatorError::SessionClosed
                | InitiatorError::ConnectionLost(_)
                | InitiatorError::Reconnect { .. }
        ) {
            let live = lock(&self.inner.sessions)
                .live
                .get(&tseq)
                .filter(|l| l.session.is_closed())
                .map(|l| l.seq);
            if let Some(seq) = live {
                self.finish(tseq, seq, Some(e));
            }
        }
    }

    /// Runs `f` within the operation deadline, when the engine is running.
    pub(crate) async fn with_deadline<T>(
        &self,
        f: impl Future<Output = Result<T, HbaError>>,
    ) -> Result<T, HbaError> {
        self.check_running()?;
        tokio::time::timeout(self.inner.config.operation_timeout, f)
            .await
            .map_err(|_| HbaError::Timeout(TimeoutKind::Operation))?
    }
}

fn info(tseq: u64, l: &Live) -> SessionInfo {
    SessionInfo {
        target: ObjectId::new(ObjectKind::Target, tseq),
        connection: ObjectId::new(ObjectKind::Connection, l.connection),
        snapshot: l.session.snapshot(),
    }
}

async fn sleep_for(wait: Option<Duration>) {
    match wait {
        Some(d) => tokio::time::sleep(d).await,
        None => std::future::pending().await,
    }
}

fn log_pass(report: &Result<RescanReport, HbaError>) {
    match report {
        Ok(r) => {
            for (id, e) in &r.discovery_failures {
                tracing::warn!(address = %id, error = %e, "discovery address failed");
            }
            for (id, e) in &r.login_failures {
                tracing::warn!(target = %id, error = %e, "automatic login failed");
            }
            tracing::debug!(
                targets = r.targets,
                sessions = r.sessions,
                logged_in = r.logged_in.len(),
                "supervisor pass"
            );
        }
        Err(e) => tracing::warn!(error = %e, "supervisor pass failed"),
    }
}
