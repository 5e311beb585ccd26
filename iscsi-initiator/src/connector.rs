//! The connection lifecycle, in one place: connecting and logging in (following redirects
//! and the CHAP MD5-only retry) and, after a failure, logging in again with back-off
//! within the reconnect budget. The driver decides *whether* to reconnect; this module
//! owns *how*.

use std::{
    net::SocketAddr,
    sync::Arc,
    time::{Duration, Instant},
};

use bytes::BytesMut;
use iscsi_proto::{
    auth::{AlgorithmList, ChapAlgorithm},
    framing::{Frame, Framer, Limits},
    login::{Login, LoginConfig, LoginError, LoginProgress, MAX_REDIRECTS},
    negotiation::{NegotiatedParams, OperationalConfig},
    session::Session as ProtoSession,
    wire::{Isid, LoginStatus, Pdu},
};
use rand::{SeedableRng, rngs::StdRng};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tracing::{debug, info, warn};

use crate::{
    ConnectionLoss, Credentials, Error, InitiatorConfig, LoginFailure, Portal, TimeoutKind,
    driver::{Connection, clock},
    transport::{self, Dialer, TransportRead},
};

/// How a login authenticated, for the session snapshot.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum AuthUsed {
    /// No authentication.
    None,
    /// CHAP with this algorithm; `mutual` when the target proved itself too.
    Chap {
        /// The algorithm the target chose.
        algorithm: ChapAlgorithm,
        /// Whether the target was authenticated (mutual CHAP).
        mutual: bool,
    },
}

/// What one login established, beyond the session state.
#[derive(Clone, Debug)]
pub(crate) struct LoginInfo {
    /// The portal logged in to (after redirects), with the target's TargetPortalGroupTag.
    pub(crate) portal: Portal,
    pub(crate) local_addr: Option<SocketAddr>,
    pub(crate) remote_addr: Option<SocketAddr>,
    pub(crate) auth: AuthUsed,
    pub(crate) params: NegotiatedParams,
}

/// Knows how to (re)establish one session's connection.
#[derive(Debug)]
pub(crate) struct Connector {
    config: Arc<InitiatorConfig>,
    dialer: Arc<dyn Dialer>,
    portal: Portal,
    /// `None` for a discovery session.
    target: Option<String>,
    isid: Isid,
    /// The checked operational offer (names and session type filled in).
    offer: OperationalConfig,
    credentials: Option<Credentials>,
}

impl Connector {
    pub(crate) fn new(
        config: Arc<InitiatorConfig>,
        dialer: Arc<dyn Dialer>,
        portal: Portal,
        target: Option<String>,
        isid: Isid,
        offer: OperationalConfig,
        credentials: Option<Credentials>,
    ) -> Self {
        Self {
            config,
            dialer,
            portal,
            target,
            isid,
            offer,
            credentials,
        }
    }

    /// Whether this is a discovery session (no target name).
    pub(crate) fn is_discovery(&self) -> bool {
        self.target.is_none()
    }

    pub(crate) fn config(&self) -> &InitiatorConfig {
        &self.config
    }

    pub(crate) fn target(&self) -> Option<&str> {
        self.target.as_deref()
    }

    pub(crate) fn isid(&self) -> Isid {
        self.isid
    }

    pub(crate) fn target_label(&self) -> String {
        self.target
            .clone()
            .unwrap_or_else(|| format!("discovery@{}", self.portal))
    }

    /// Connects and logs in with TSIH 0: a new session or, with the same ISID, a session
    /// reinstatement (RFC 7143 §6.3.5), which also clears the old session at the target.
    pub(crate) async fn establish(&self) -> Result<Connection, Error> {
        let login = async {
            let mut portal = self.portal.clone();
            let mut md5_only = false;
            for _ in 0..=MAX_REDIRECTS {
                match self.attempt(&portal, md5_only).await {
                    Ok(done) => return Ok(done),
                    Err(Attempt::Redirect(to)) => {
                        info!(%to, "login redirected");
                        // A redirect names an address (RFC 7143 §13.8); any portal group
                        // tag in it is not part of where to connect.
                        portal = Portal { tpgt: None, ..to };
                    }
                    Err(Attempt::RetryMd5Only(_)) if !md5_only => {
                        info!("target refused the CHAP algorithm list; retrying with MD5 only");
                        md5_only = true;
                    }
                    Err(Attempt::RetryMd5Only(e)) => {
                        return Err(self.login_error(LoginFailure::Authentication(e)));
                    }
                    Err(Attempt::Failed(e)) => return Err(e),
                }
            }
            Err(self.login_error(LoginFailure::TooManyRedirects))
        };
        tokio::time::timeout(self.config.login_timeout, login)
            .await
            .map_err(|_| Error::Timeout(TimeoutKind::Login))?
    }

    /// Logs in again after a connection failure, with back-off, until `give_up`. Waits
    /// `wait` first (at least DefaultTime2Wait, or what the target asked for). Gives up
    /// early after an authentication failure, and whenever `stop` says nothing waits for
    /// the session any more. `attempted` is called before each attempt.
    pub(crate) async fn reinstate(
        &self,
        wait: Duration,
        give_up: Instant,
        lost: ConnectionLoss,
        stop: impl Fn() -> bool,
        attempted: impl Fn(),
    ) -> Result<Connection, Error> {
        if self.config.reconnect_timeout.is_zero() {
            return Err(Error::ConnectionLost(lost));
        }
        let mut delay = wait.max(MIN_RECONNECT_DELAY);
        let mut attempts = 0u32;
        let mut last: Option<Error> = None;
        loop {
            let remaining = give_up.saturating_duration_since(clock());
            if remaining <= delay || stop() {
                break;
            }
            tokio::time::sleep(delay).await;
            let remaining = give_up.saturating_duration_since(clock());
            attempts += 1;
            attempted();
            match tokio::time::timeout(remaining, self.establish()).await {
                Ok(Ok(conn)) => {
                    warn!(attempts, "reconnected (session reinstated)");
                    return Ok(conn);
                }
                Ok(Err(e)) => {
                    warn!(error = %e, "reconnect attempt failed");
                    let auth = matches!(
                        e,
                        Error::Login {
                            reason: LoginFailure::Authentication(_),
                            ..
                        }
                    );
                    last = Some(e);
                    if auth {
                        break;
                    }
                }
                Err(_) => last = Some(Error::Timeout(TimeoutKind::Reconnect)),
            }
            delay = (delay * 2).clamp(Duration::from_secs(1), MAX_RECONNECT_DELAY);
        }
        Err(match last {
            Some(last) => Error::Reconnect {
                lost,
                attempts,
                last: Box::new(last),
            },
            None if stop() => Error::SessionClosed,
            None => Error::Timeout(TimeoutKind::Reconnect),
        })
    }

    /// One transport connection and one login on it.
    async fn attempt(&self, portal: &Portal, md5_only: bool) -> Result<Connection, Attempt> {
        let mut stream = transport::connect(&*self.dialer, portal, self.config.connect_timeout)
            .await
            .map_err(Attempt::Failed)?;
        let mut login_config = LoginConfig::new(self.offer.clone(), self.isid);
        if let Some(creds) = &self.credentials {
            let mut chap = creds.chap_config();
            if md5_only {
                chap = chap.with_algorithms(AlgorithmList::md5_only());
            }
            login_config = login_config.with_chap(chap);
        }
        let mut login =
            Login::new(login_config).map_err(|e| Attempt::Failed(self.map_login_error(e)))?;
        // Login PDUs carry no digests; accept answers up to the length we declare.
        let limits = Limits {
            max_recv_data_segment_length: self.offer.max_recv_data_segment_length.max(8192),
            max_send_data_segment_length: 8192,
        };
        let mut framer = Framer::new(limits);
        let mut rbuf = BytesMut::with_capacity(16 * 1024);
        let mut wbuf = BytesMut::with_capacity(16 * 1024);
        let mut rng = StdRng::from_os_rng();
        loop {
            while let Some(pdu) = login.poll_transmit() {
                log_keys("sent", &pdu.data);
                wbuf.clear();
                framer
                    .encode(&pdu, &mut wbuf)
                    .map_err(|e| Attempt::Failed(Error::Invalid(e.to_string())))?;
                stream.write.write_all(&wbuf).await.map_err(|e| {
                    Attempt::Failed(self.login_error(LoginFailure::ConnectionLost(e.kind())))
                })?;
            }
            let pdu = read_pdu(&mut stream.read, &mut framer, &mut rbuf)
                .await
                .map_err(|reason| Attempt::Failed(self.login_error(reason)))?;
            log_keys("received", &pdu.data);
            match login.handle_response(pdu, &mut rng) {
                Ok(LoginProgress::Continue) => {}
                Ok(LoginProgress::Complete(outcome)) => {
                    debug!(rounds = outcome.rounds, tsih = ?outcome.start.tsih, "logged in");
                    let mut session_config = outcome.session_config();
                    // RFC 7143 Appendix C / §4.3: a discovery session carries Text
                    // (SendTargets) and Logout; we send no keep-alive pings on it (the
                    // target's own pings are still answered).
                    session_config.nop_interval =
                        self.config.nop_interval.filter(|_| !self.is_discovery());
                    session_config.nop_timeout = self.config.nop_timeout;
                    session_config.max_tasks = self.config.max_tasks;
                    let auth = match outcome.authentication.chap_algorithm() {
                        None => AuthUsed::None,
                        Some(algorithm) => AuthUsed::Chap {
                            algorithm,
                            mutual: outcome.is_target_authenticated(),
                        },
                    };
                    let info = LoginInfo {
                        portal: Portal {
                            tpgt: outcome.target_portal_group_tag(),
                            ..portal.clone()
                        },
                        local_addr: stream.local_addr,
                        remote_addr: stream.peer_addr,
                        auth,
                        params: outcome.params,
                    };
                    let session = ProtoSession::new(session_config, outcome.start, clock());
                    return Ok(Connection {
                        session,
                        reader: stream.read,
                        writer: Some(stream.write),
                        leftover: rbuf,
                        info,
                    });
                }
                Err(LoginError::Redirect { address, .. }) => {
                    return Err(Attempt::Redirect(address));
                }
                Err(e @ LoginError::ChapAlgorithmsRefused { .. }) => {
                    return Err(Attempt::RetryMd5Only(e));
                }
                Err(e) => return Err(Attempt::Failed(self.map_login_error(e))),
            }
        }
    }

    fn login_error(&self, reason: LoginFailure) -> Error {
        Error::Login {
            target: self.target_label(),
            reason,
        }
    }

    /// The typed reason for a failed login (RFC 7143 §11.13.5 statuses by name).
    fn map_login_error(&self, e: LoginError) -> Error {
        let reason = match e {
            LoginError::Status(LoginStatus::AuthenticationFailure)
            | LoginError::Auth(_)
            | LoginError::AuthMethod { .. }
            | LoginError::TargetNotAuthenticated
            | LoginError::ChapAlgorithmsRefused { .. } => LoginFailure::Authentication(e),
            LoginError::Status(status) => LoginFailure::Refused(status),
            LoginError::Negotiation(n) if self.offer.validate().is_err() => {
                return Error::InvalidOption(n);
            }
            other => LoginFailure::Protocol(other),
        };
        self.login_error(reason)
    }
}

/// The first wait before logging in again when the target asked for none.
const MIN_RECONNECT_DELAY: Duration = Duration::from_millis(100);

/// The longest back-off between reconnect attempts.
const MAX_RECONNECT_DELAY: Duration = Duration::from_secs(30);

/// Why one login attempt did not produce a session.
enum Attempt {
    Redirect(Portal),
    RetryMd5Only(LoginError),
    Failed(Error),
}

/// Reads until one whole login-phase PDU is framed. Every failure is a login failure: the
/// caller names the target.
/// The keys whose values are secrets or derived from them: never logged (RFC 7143 §12.1.3:
/// CHAP_R is a hash of the secret, CHAP_C the challenge it is computed over).
const REDACTED_KEYS: [&str; 2] = ["CHAP_R", "CHAP_C"];

/// Logs the `key=value` pairs of a login PDU's data segment at debug level, with the values
/// of [`REDACTED_KEYS`] replaced by `***`. Nothing is formatted unless debug is enabled.
fn log_keys(direction: &str, data: &[u8]) {
    if !tracing::enabled!(tracing::Level::DEBUG) || data.is_empty() {
        return;
    }
    let keys = redacted_keys(data);
    debug!(direction, keys = %keys, "login keys");
}

/// `data`'s NUL-separated `key=value` pairs, space separated, secrets replaced by `***`.
fn redacted_keys(data: &[u8]) -> String {
    data.split(|&b| b == 0)
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let text = String::from_utf8_lossy(pair);
            match text.split_once('=') {
                Some((key, _)) if REDACTED_KEYS.contains(&key) => format!("{key}=***"),
                _ => text.into_owned(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

async fn read_pdu(
    stream: &mut TransportRead,
    framer: &mut Framer,
    rbuf: &mut BytesMut,
) -> Result<Pdu, LoginFailure> {
    loop {
        match framer.decode(rbuf) {
            Ok(Some(Frame::Pdu(pdu))) => return Ok(pdu),
            // Login PDUs carry no digests (RFC 7143 §13.1); the framer has none on.
            Ok(Some(Frame::DataDigestError { .. })) => return Err(LoginFailure::Digest),
            Ok(None) => {}
            Err(e) => return Err(LoginFailure::Malformed(e)),
        }
        let n = stream
            .read_buf(rbuf)
            .await
            .map_err(|e| LoginFailure::ConnectionLost(e.kind()))?;
        if n == 0 {
            return Err(LoginFailure::ConnectionLost(
                std::io::ErrorKind::UnexpectedEof,
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn login_keys_are_logged_without_chap_responses_or_challenges() {
        let data = b"CHAP_A=5\0CHAP_I=7\0CHAP_C=0xdeadbeef\0\0CHAP_N=alice\0CHAP_R=0x1234\0";
        assert_eq!(
            redacted_keys(data),
            "CHAP_A=5 CHAP_I=7 CHAP_C=*** CHAP_N=alice CHAP_R=***"
        );
        assert_eq!(redacted_keys(b"HeaderDigest=None"), "HeaderDigest=None");
        assert_eq!(redacted_keys(b"\xffjunk"), "\u{fffd}junk");
    }
}
