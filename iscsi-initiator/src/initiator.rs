//! [`Initiator`]: configuration and identity; opens discovery and normal sessions.

use std::sync::{
    Arc,
    atomic::{AtomicU16, Ordering},
};

use bytes::Bytes;
use iscsi_proto::{
    discovery::{
        DiscoveryLimits, SendTargetsQuery, TargetAddress, TargetRecord,
        parse_send_targets as parse_send_targets_pairs, parse_target_address,
    },
    text::{TextLimits, TextPairs},
    wire::Isid,
};
use rand::{RngCore, SeedableRng, rngs::StdRng};
use tokio::sync::mpsc;

use crate::{
    Error, InitiatorConfig, IscsiUrl, IsidPolicy, Session, SessionInfo,
    connector::Connector,
    driver::Driver,
    session::Shared,
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
        }
    }

    /// The configuration.
    pub fn config(&self) -> &InitiatorConfig {
        &self.config
    }

    /// Lists the targets a portal offers: logs in to a discovery session, sends
    /// `SendTargets=All` and logs out. The portal is `host[:port][,tpgt]` (RFC 7143 §13.8).
    ///
    /// # Errors
    ///
    /// Connection, login and protocol errors; [`Error::Timeout`] for an unanswered request;
    /// [`Error::BadResponse`] for a malformed answer; [`Error::Task`] for an answer beyond
    /// the discovery text limits.
    pub async fn discover(&self, portal: &str) -> Result<Vec<TargetRecord>, Error> {
        let session = self.open(parse_portal(portal)?, None).await?;
        let pairs = SendTargetsQuery::All.to_pairs();
        let text = pairs
            .to_bytes()
            .map_err(|e| Error::Invalid(e.to_string()))?;
        let answer = session.text(text).await;
        let _ = session.logout().await;
        parse_send_targets(&answer?)
    }

    /// Logs in to `target` at `portal` and returns a session handle.
    ///
    /// # Errors
    ///
    /// Connection and login errors.
    pub async fn login(&self, target: &str, portal: &str) -> Result<Session, Error> {
        self.open(parse_portal(portal)?, Some(target.to_owned()))
            .await
    }

    /// Logs in to the target a libiscsi-style URL names (credentials and digests from the
    /// URL override this initiator's).
    ///
    /// # Errors
    ///
    /// [`Error::Invalid`] for a URL without a target, and the errors of [`Initiator::login`].
    pub async fn login_url(&self, url: &IscsiUrl) -> Result<Session, Error> {
        let target = url
            .target
            .clone()
            .ok_or_else(|| Error::Invalid("the URL names no target".into()))?;
        let mut config = (*self.config).clone();
        config.apply_url(url);
        let with_url = Self {
            config: Arc::new(config),
            dialer: Arc::clone(&self.dialer),
            isid_random: self.isid_random,
            next_qualifier: AtomicU16::new(self.next_qualifier.fetch_add(1, Ordering::Relaxed)),
        };
        with_url
            .open(parse_portal(&url.portal())?, Some(target))
            .await
    }

    async fn open(&self, portal: TargetAddress, target: Option<String>) -> Result<Session, Error> {
        let isid = match self.config.isid {
            IsidPolicy::Fixed(isid) => isid,
            IsidPolicy::Stable => Isid::random(
                self.isid_random,
                self.next_qualifier.fetch_add(1, Ordering::Relaxed),
            ),
        };
        let label = portal.to_string();
        let connector = Arc::new(Connector::new(
            self.config.clone(),
            Arc::clone(&self.dialer),
            portal,
            target.clone(),
            isid,
        ));
        let (conn, params) = connector.establish().await?;
        let info = SessionInfo {
            target: target.unwrap_or_default(),
            portal: label,
            isid,
            params,
            command_timeout: self.config.command_timeout,
            logout_timeout: self.config.logout_timeout,
        };
        let (tx, rx) = mpsc::channel(COMMAND_QUEUE);
        let shared = Arc::new(Shared::default());
        tokio::spawn(Driver::new(connector, rx, Arc::clone(&shared)).run(conn));
        Ok(Session::new(tx, info, shared))
    }
}

/// Parses a portal, `host[:port][,tpgt]` (RFC 7143 §13.8).
fn parse_portal(text: &str) -> Result<TargetAddress, Error> {
    parse_target_address(text).map_err(|e| Error::Invalid(e.to_string()))
}

/// Parses a SendTargets answer.
fn parse_send_targets(text: &Bytes) -> Result<Vec<TargetRecord>, Error> {
    let pairs = TextPairs::decode(text, &TextLimits::for_discovery())
        .map_err(|e| Error::BadResponse(e.to_string()))?;
    parse_send_targets_pairs(&pairs, &DiscoveryLimits::default())
        .map_err(|e| Error::BadResponse(e.to_string()))
}
