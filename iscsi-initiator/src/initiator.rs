//! [`Initiator`]: configuration and identity; opens discovery and normal sessions and keeps
//! a list of the live ones.

use std::{
    sync::{
        Arc, Mutex, PoisonError, Weak,
        atomic::{AtomicU16, Ordering},
    },
    time::SystemTime,
};

use bytes::Bytes;
use iscsi_proto::{
    discovery::{
        DiscoveryLimits, SendTargetsQuery, TargetRecord,
        parse_send_targets as parse_send_targets_pairs,
    },
    text::{TextLimits, TextPairs},
    wire::Isid,
};
use rand::{RngCore, SeedableRng, rngs::StdRng};
use tokio::sync::mpsc;

use crate::{
    Error, InitiatorConfig, IscsiUrl, IsidPolicy, LoginOptions, Portal, Session, SessionId,
    SessionPhase, SessionSnapshot,
    connector::Connector,
    driver::Driver,
    session::{Inner, Shared},
    transport::{Dialer, TcpDialer},
};

/// Commands queued per session before callers wait (back-pressure).
const COMMAND_QUEUE: usize = 256;

/// An iSCSI initiator: one identity (name, ISID base, credentials) that can open sessions.
#[derive(Debug)]
pub struct Initiator {
    config: Arc<InitiatorConfig>,
    dialer: Arc<dyn Dialer>,
    /// B and C fields of our random-format ISIDs, fixed for this initiator.
    isid_random: u32,
    next_qualifier: AtomicU16,
    /// The sessions opened, while any handle on them lives.
    sessions: Mutex<Vec<Weak<Inner>>>,
}

impl Initiator {
    /// An initiator with this configuration, connecting over TCP.
    pub fn new(config: InitiatorConfig) -> Self {
        Self::with_dialer(config, Arc::new(TcpDialer))
    }

    /// An initiator whose connections `dialer` opens (tests use in-memory pipes).
    pub fn with_dialer(config: InitiatorConfig, dialer: Arc<dyn Dialer>) -> Self {
        let mut rng = StdRng::from_os_rng();
        Self {
            config: Arc::new(config),
            dialer,
            isid_random: rng.next_u32(),
            next_qualifier: AtomicU16::new(1),
            sessions: Mutex::new(Vec::new()),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &InitiatorConfig {
        &self.config
    }

    /// The login options this initiator uses by default (its credentials and keys).
    pub fn default_options(&self) -> LoginOptions {
        LoginOptions::from_config(&self.config)
    }

    /// Lists the targets a portal offers: logs in to a discovery session, sends
    /// `SendTargets=All` and logs out.
    ///
    /// # Errors
    ///
    /// Connection, login and protocol errors; [`Error::Timeout`] for an unanswered request;
    /// [`Error::BadResponse`] for a malformed answer; [`Error::Task`] for an answer beyond
    /// the discovery text limits.
    pub async fn discover(&self, portal: &Portal) -> Result<Vec<TargetRecord>, Error> {
        let session = self
            .open(portal.clone(), None, self.default_options())
            .await?;
        let pairs = SendTargetsQuery::All.to_pairs();
        let text = pairs
            .to_bytes()
            .map_err(|e| Error::Invalid(e.to_string()))?;
        let answer = session.text(text).await;
        let _ = session.shutdown().await;
        parse_send_targets(&answer?)
    }

    /// Logs in to `target` at `portal` with this initiator's options.
    ///
    /// # Errors
    ///
    /// As [`Initiator::login_with`].
    pub async fn login(&self, target: &str, portal: &Portal) -> Result<Session, Error> {
        self.login_with(target, portal, self.default_options())
            .await
    }

    /// Logs in to `target` at `portal` with these credentials and keys. Every key is
    /// checked against its RFC 7143 §13 range, and against what this initiator can honour,
    /// before anything is sent.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidOption`] naming the first bad key; connection, login and timeout
    /// errors.
    pub async fn login_with(
        &self,
        target: &str,
        portal: &Portal,
        options: LoginOptions,
    ) -> Result<Session, Error> {
        self.open(portal.clone(), Some(target.to_owned()), options)
            .await
    }

    /// Logs in to the target a libiscsi-style URL names (credentials and digests from the
    /// URL override this initiator's).
    ///
    /// # Errors
    ///
    /// [`Error::Invalid`] for a URL without a target, and the errors of
    /// [`Initiator::login_with`].
    pub async fn login_url(&self, url: &IscsiUrl) -> Result<Session, Error> {
        let target = url
            .target
            .clone()
            .ok_or_else(|| Error::Invalid("the URL names no target".into()))?;
        let mut config = (*self.config).clone();
        config.apply_url(url);
        self.login_with(&target, &url.portal(), LoginOptions::from_config(&config))
            .await
    }

    /// The sessions this initiator opened that are still open.
    pub fn sessions(&self) -> Vec<Session> {
        let mut list = self.sessions.lock().unwrap_or_else(PoisonError::into_inner);
        list.retain(|weak| weak.strong_count() > 0);
        list.iter()
            .filter_map(Weak::upgrade)
            .map(Session::new)
            .filter(|s| !s.is_closed())
            .collect()
    }

    async fn open(
        &self,
        portal: Portal,
        target: Option<String>,
        options: LoginOptions,
    ) -> Result<Session, Error> {
        let offer = options
            .offer(&self.config, target.as_deref())
            .map_err(Error::InvalidOption)?;
        if let Some(credentials) = &options.credentials {
            credentials.check()?;
        }
        let isid = match self.config.isid {
            IsidPolicy::Fixed(isid) => isid,
            IsidPolicy::Stable => Isid::random(
                self.isid_random,
                self.next_qualifier.fetch_add(1, Ordering::Relaxed),
            ),
        };
        let connector = Arc::new(Connector::new(
            self.config.clone(),
            Arc::clone(&self.dialer),
            portal,
            target,
            isid,
            offer,
            options.credentials,
        ));
        let conn = connector.establish().await?;
        let start = *conn.session.start();
        let now = SystemTime::now();
        let shared = Arc::new(Shared::new(SessionSnapshot {
            id: SessionId::next(),
            phase: SessionPhase::LoggedIn,
            target: connector.target().unwrap_or_default().to_owned(),
            portal: conn.info.portal.clone(),
            isid: connector.isid(),
            tsih: start.tsih,
            cid: start.cid,
            local_addr: conn.info.local_addr,
            remote_addr: conn.info.remote_addr,
            auth: conn.info.auth,
            params: conn.info.params.clone(),
            established_at: now,
            logged_in_at: now,
            reconnects: 0,
        }));
        let (tx, rx) = mpsc::channel(COMMAND_QUEUE);
        let inner = Arc::new(Inner::new(
            tx,
            Arc::clone(&shared),
            self.config.command_timeout,
            self.config.logout_timeout,
        ));
        track(
            &mut self.sessions.lock().unwrap_or_else(PoisonError::into_inner),
            &inner,
        );
        tokio::spawn(Driver::new(connector, rx, shared).run(conn));
        Ok(Session::new(inner))
    }
}

/// Adds a session to the list [`Initiator::sessions`] reads. A `Weak` keeps its
/// allocation until it is dropped, so the ended sessions are pruned whenever the list is
/// full, before it would grow: a process that opens and closes sessions for ever without
/// listing them keeps at most about twice the sessions it has open.
fn track(list: &mut Vec<Weak<Inner>>, inner: &Arc<Inner>) {
    if list.len() == list.capacity() {
        list.retain(|weak| weak.strong_count() > 0);
    }
    list.push(Arc::downgrade(inner));
}

/// Parses a SendTargets answer.
fn parse_send_targets(text: &Bytes) -> Result<Vec<TargetRecord>, Error> {
    let pairs = TextPairs::decode(text, &TextLimits::for_discovery())
        .map_err(|e| Error::BadResponse(e.to_string()))?;
    parse_send_targets_pairs(&pairs, &DiscoveryLimits::default())
        .map_err(|e| Error::BadResponse(e.to_string()))
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use iscsi_test_target::{DEFAULT_TARGET_NAME, TargetConfig, TestTarget};

    use super::*;

    /// Sessions opened and closed without ever being listed do not pile up in the list.
    #[tokio::test]
    async fn ended_sessions_are_pruned_without_listing() {
        let target = TestTarget::start(TargetConfig::default())
            .await
            .expect("test target starts");
        let portal: Portal = target.addr().to_string().parse().expect("portal");
        let mut config = InitiatorConfig::new("iqn.2026-12.test:prune");
        config.command_timeout = Duration::from_secs(5);
        let initiator = Initiator::new(config);
        let kept = initiator
            .login(DEFAULT_TARGET_NAME, &portal)
            .await
            .expect("login");
        for _ in 0..40 {
            let session = initiator
                .login(DEFAULT_TARGET_NAME, &portal)
                .await
                .expect("login");
            session.logout().await.expect("logout");
        }
        let tracked = initiator.sessions.lock().expect("lock").len();
        // 41 sessions opened, 1 alive: without pruning the list would hold 41.
        assert!(tracked <= 4, "{tracked} sessions tracked");
        assert_eq!(initiator.sessions().len(), 1);
        kept.logout().await.expect("logout");
    }
}
