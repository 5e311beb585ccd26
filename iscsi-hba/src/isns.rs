//! iSNS discovery (RFC 4171): the server setting, the query run by
//! [`Engine::refresh_discovery`], and the SCN watch that runs a pass as soon as the server
//! reports a change (docs/isns.md).

use std::{fmt, str::FromStr, sync::Arc, time::Duration};

use iscsi_initiator::isns::{IsnsClient, IsnsTarget};
use iscsi_proto::isns::scn;

use crate::{Engine, HbaError};

/// Where the iSNS server listens: a host (IP address or DNS name) and a TCP port.
#[derive(Clone, Debug, Eq, Hash, PartialEq)]
pub struct IsnsServer {
    /// IP address or DNS name, IPv6 without brackets.
    pub host: String,
    /// TCP port; [`iscsi_proto::isns::DEFAULT_PORT`] (3205) unless given.
    pub port: u16,
}

impl IsnsServer {
    /// `host` on the well-known port 3205.
    pub fn new(host: impl Into<String>) -> Self {
        Self {
            host: host.into(),
            port: iscsi_proto::isns::DEFAULT_PORT,
        }
    }
}

impl fmt::Display for IsnsServer {
    /// `host:port`, IPv6 in brackets.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.host.contains(':') {
            write!(f, "[{}]:{}", self.host, self.port)
        } else {
            write!(f, "{}:{}", self.host, self.port)
        }
    }
}

impl FromStr for IsnsServer {
    type Err = HbaError;

    /// `host`, `host:port`, `[v6]`, `[v6]:port` or a bare IPv6 address; port 3205 when
    /// none is given.
    fn from_str(text: &str) -> Result<Self, HbaError> {
        let bad = |why: &str| HbaError::InvalidArgument(format!("iSNS server {text:?}: {why}"));
        let text = text.trim();
        let (host, port) = if let Some(rest) = text.strip_prefix('[') {
            let (host, after) = rest.split_once(']').ok_or_else(|| bad("no closing ]"))?;
            match after {
                "" => (host, None),
                _ => (
                    host,
                    Some(after.strip_prefix(':').ok_or_else(|| bad("junk after ]"))?),
                ),
            }
        } else if text.matches(':').count() == 1 {
            let (host, port) = text.split_once(':').unwrap_or((text, ""));
            (host, Some(port))
        } else {
            (text, None)
        };
        if host.is_empty() || host.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(bad("empty host or whitespace"));
        }
        let port = match port {
            None => iscsi_proto::isns::DEFAULT_PORT,
            Some(p) => p
                .parse::<u16>()
                .ok()
                .filter(|&p| p != 0)
                .ok_or_else(|| bad("bad port"))?,
        };
        Ok(Self {
            host: host.to_owned(),
            port,
        })
    }
}

/// How often the SCN watch retries after the server failed or refused it.
const WATCH_RETRY: Duration = Duration::from_secs(30);

impl Engine {
    /// The iSNS server configured, whether iSNS discovery is on or off.
    pub fn isns_server(&self) -> Option<IsnsServer> {
        crate::engine::lock(&self.inner.persisted)
            .isns_server
            .clone()
    }

    /// Enables or disables iSNS discovery (persisted), setting the server when `server` is
    /// given (`None` keeps the one configured). Takes effect at the next
    /// [`Engine::refresh_discovery`]; the supervisor runs one now.
    ///
    /// # Errors
    ///
    /// [`HbaError::InvalidArgument`] when enabling with no server given or configured; the
    /// errors of a persisted change.
    pub fn set_isns_discovery(
        &self,
        enabled: bool,
        server: Option<IsnsServer>,
    ) -> Result<(), HbaError> {
        self.update(|s| {
            if let Some(server) = server {
                s.isns_server = Some(server);
            }
            if enabled && s.isns_server.is_none() {
                return Err(HbaError::InvalidArgument(
                    "iSNS discovery needs a server".into(),
                ));
            }
            s.isns_enabled = enabled;
            Ok(())
        })?;
        self.inner.isns_changed.notify_one();
        self.nudge();
        Ok(())
    }

    /// An iSNS client for `server` with our node name and the operation deadline.
    pub(crate) fn isns_client(&self, server: &IsnsServer) -> IsnsClient {
        IsnsClient::new(server.host.clone(), server.port, self.node().name)
            .with_timeout(self.inner.config.operation_timeout)
    }

    /// Asks `server` for the targets visible to our node.
    pub(crate) async fn isns_targets(
        &self,
        server: &IsnsServer,
    ) -> Result<Vec<IsnsTarget>, HbaError> {
        let client = self.isns_client(server);
        client.list_targets().await.map_err(HbaError::Isns)
    }

    /// Watches the configured iSNS server for state change notifications while iSNS
    /// discovery is on, running a supervisor pass on each (which reports targets that
    /// appeared or went as visibility events). Follows configuration changes; retries
    /// every 30 s when the server is down or refuses (at once after a settings change);
    /// ends when the engine shuts down.
    pub(crate) async fn watch_isns(self) {
        let mut stop = self.inner.stop.subscribe();
        loop {
            if *stop.borrow_and_update() {
                return;
            }
            let state = self.persisted();
            let wanted = state
                .isns_enabled
                .then_some(state.isns_server)
                .flatten()
                .filter(|_| state.node_name.is_some());
            let Some(server) = wanted else {
                tokio::select! {
                    () = tokio::time::sleep(Duration::from_secs(2)) => continue,
                    () = self.inner.isns_changed.notified() => continue,
                    _ = stop.changed() => return,
                }
            };
            let client = Arc::new(self.isns_client(&server));
            let bitmap = scn::OBJECT_ADDED
                | scn::OBJECT_REMOVED
                | scn::OBJECT_UPDATED
                | scn::TARGET_AND_SELF_ONLY;
            let mut watch = match client.watch(bitmap).await {
                Ok(w) => w,
                Err(error) => {
                    tracing::info!(%server, %error, "iSNS SCN registration failed; polling only");
                    tokio::select! {
                        () = tokio::time::sleep(WATCH_RETRY) => continue,
                        () = self.inner.isns_changed.notified() => continue,
                        _ = stop.changed() => return,
                    }
                }
            };
            tracing::info!(%server, "watching iSNS state change notifications");
            loop {
                tokio::select! {
                    event = watch.next() => match event {
                        Some(event) => {
                            tracing::info!(target = %event.name, bitmap = event.bitmap, "iSNS SCN");
                            self.nudge();
                        }
                        None => break,
                    },
                    () = self.inner.isns_changed.notified() => {
                        let now = self.persisted();
                        if !now.isns_enabled || now.isns_server.as_ref() != Some(&server) {
                            break;
                        }
                    }
                    () = tokio::time::sleep(Duration::from_secs(2)) => {
                        let now = self.persisted();
                        if !now.isns_enabled || now.isns_server.as_ref() != Some(&server) {
                            break;
                        }
                    }
                    _ = stop.changed() => {
                        let _ = tokio::time::timeout(Duration::from_secs(2), watch.close()).await;
                        return;
                    }
                }
            }
            let _ = tokio::time::timeout(self.inner.config.operation_timeout, watch.close()).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_forms() {
        let p = |t: &str| t.parse::<IsnsServer>();
        assert_eq!(p("192.0.2.5").ok(), Some(IsnsServer::new("192.0.2.5")));
        assert_eq!(p("isns.example:3206").map(|s| s.port).ok(), Some(3206));
        assert_eq!(
            p("[fe80::1]:4000").map(|s| s.to_string()).ok(),
            Some("[fe80::1]:4000".into())
        );
        assert_eq!(
            p("fe80::1").map(|s| (s.host, s.port)).ok(),
            Some(("fe80::1".into(), 3205))
        );
        assert!(p("").is_err());
        assert!(p("host:0").is_err());
        assert!(p("host:x").is_err());
        assert!(p("[::1").is_err());
    }
}
