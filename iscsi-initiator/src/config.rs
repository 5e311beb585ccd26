//! Initiator configuration: identity, authentication, digests, timeouts and limits.

use std::time::Duration;

use iscsi_proto::{
    auth::{AlgorithmList, ChapAlgorithm, ChapConfig, Secret},
    negotiation::{Digest, NegotiationError, OperationalConfig, SessionType},
    wire::Isid,
};

use crate::url::{ChapAlgorithmName, DigestChoice, IscsiUrl};

/// How the initiator chooses ISIDs.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum IsidPolicy {
    /// One random-format ISID chosen when the `Initiator` is created and kept for every
    /// session it opens, so a reconnect reinstates the same I_T nexus (RFC 7143 §6.3.5).
    /// Two sessions to the same target portal group from one `Initiator` get different
    /// qualifiers.
    Stable,
    /// This exact ISID.
    Fixed(Isid),
}

/// CHAP credentials.
#[derive(Clone, Debug)]
pub struct Credentials {
    /// Our CHAP name.
    pub user: String,
    /// Our secret.
    pub secret: Secret,
    /// The target's name and secret, for mutual CHAP.
    pub target: Option<(String, Secret)>,
    /// Algorithms to offer, in preference order (always includes MD5).
    pub algorithms: AlgorithmList,
    /// Use secrets shorter than 96 bits (12 bytes) all the same. RFC 7143 §9.2.1 allows
    /// them only on connections IPsec protects, which this initiator cannot see, so they
    /// are refused unless this is set; when it is, each login logs a warning.
    pub allow_short_secrets: bool,
}

impl Credentials {
    /// One-way CHAP as `user` with `secret`, offering MD5 only.
    pub fn new(user: impl Into<String>, secret: Secret) -> Self {
        Self {
            user: user.into(),
            secret,
            target: None,
            algorithms: AlgorithmList::md5_only(),
            allow_short_secrets: false,
        }
    }

    /// Refuses secrets under 96 bits unless [`Credentials::allow_short_secrets`] is set
    /// (RFC 7143 §9.2.1), and warns when it is.
    pub(crate) fn check(&self) -> Result<(), crate::Error> {
        let short = [
            (self.secret.is_short(), false),
            (
                self.target.as_ref().is_some_and(|(_, s)| s.is_short()),
                true,
            ),
        ];
        for (is_short, target) in short {
            if !is_short {
                continue;
            }
            if !self.allow_short_secrets {
                return Err(crate::Error::ShortSecret { target });
            }
            tracing::warn!(
                target_secret = target,
                "CHAP secret shorter than 96 bits without IPsec (RFC 7143 §9.2.1), allowed by \
                 configuration"
            );
        }
        Ok(())
    }

    /// The proto CHAP configuration.
    pub fn chap_config(&self) -> ChapConfig {
        let mut config = ChapConfig::new(self.user.clone(), self.secret.clone())
            .with_algorithms(self.algorithms.clone());
        if let Some((user, secret)) = &self.target {
            config = config.with_mutual(user.clone(), secret.clone());
        }
        config
    }
}

/// Everything an [`crate::Initiator`] needs.
#[derive(Clone, Debug)]
pub struct InitiatorConfig {
    /// Our iSCSI name (InitiatorName).
    pub name: String,
    /// Our alias (InitiatorAlias), optional.
    pub alias: Option<String>,
    /// ISID policy.
    pub isid: IsidPolicy,
    /// CHAP credentials; `None` logs in without authentication.
    pub credentials: Option<Credentials>,
    /// The operational keys every login offers unless [`LoginOptions`] say otherwise:
    /// iscsi-proto's own [`OperationalConfig`], one definition of the keys and their RFC
    /// 7143 §13 rules. Its names and session type are set by the initiator at each login.
    /// Defaults: no digests, MaxRecvDataSegmentLength and MaxBurstLength 256 KiB,
    /// FirstBurstLength 64 KiB, ImmediateData Yes, InitialR2T No, MaxOutstandingR2T 4.
    pub operational: OperationalConfig,
    /// TCP connect deadline. Default 10 s.
    pub connect_timeout: Duration,
    /// Login deadline. Default 15 s.
    pub login_timeout: Duration,
    /// Default deadline for one command (it is aborted at the target when it passes).
    /// Default 30 s.
    pub command_timeout: Duration,
    /// NOP-Out keep-alive interval. Default 5 s; `None` disables.
    pub nop_interval: Option<Duration>,
    /// NOP-Out keep-alive timeout. Default 5 s.
    pub nop_timeout: Duration,
    /// Deadline for a logout; an unanswered logout closes the connection. Default 10 s.
    pub logout_timeout: Duration,
    /// How long to keep trying to reconnect after a connection failure before failing the
    /// outstanding commands. The budget covers one failure episode: logins that fail again
    /// at once do not renew it. Default 60 s; zero disables reconnecting.
    pub reconnect_timeout: Duration,
    /// Commands in flight per session (task table size). Default 128.
    pub max_tasks: usize,
}

impl InitiatorConfig {
    /// Defaults with the given initiator name.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            alias: None,
            isid: IsidPolicy::Stable,
            credentials: None,
            operational: OperationalConfig {
                initial_r2t: false,
                max_outstanding_r2t: 4,
                ..OperationalConfig::normal(String::new(), String::new())
            },
            connect_timeout: Duration::from_secs(10),
            login_timeout: Duration::from_secs(15),
            command_timeout: Duration::from_secs(30),
            nop_interval: Some(Duration::from_secs(5)),
            nop_timeout: Duration::from_secs(5),
            logout_timeout: Duration::from_secs(10),
            reconnect_timeout: Duration::from_secs(60),
            max_tasks: 128,
        }
    }

    /// Applies the credentials and digests of a libiscsi-style URL.
    pub fn apply_url(&mut self, url: &IscsiUrl) {
        let digests = |list: &[DigestChoice]| {
            list.iter()
                .map(|d| match d {
                    DigestChoice::Crc32c => Digest::Crc32c,
                    DigestChoice::None => Digest::None,
                })
                .collect::<Vec<_>>()
        };
        self.operational.header_digest = digests(&url.header_digest);
        self.operational.data_digest = digests(&url.data_digest);
        if let Some(user) = &url.user {
            let first = url.chap_algorithm.map(|a| match a {
                ChapAlgorithmName::Md5 => ChapAlgorithm::Md5,
                ChapAlgorithmName::Sha1 => ChapAlgorithm::Sha1,
                ChapAlgorithmName::Sha256 => ChapAlgorithm::Sha256,
                ChapAlgorithmName::Sha3_256 => ChapAlgorithm::Sha3_256,
            });
            let algorithms = match first {
                Some(a) if a != ChapAlgorithm::Md5 => {
                    AlgorithmList::new([a, ChapAlgorithm::Md5]).unwrap_or_default()
                }
                _ => AlgorithmList::md5_only(),
            };
            self.credentials = Some(Credentials {
                user: user.user.clone(),
                secret: Secret::from(user.secret.as_str()),
                target: url
                    .target_user
                    .as_ref()
                    .map(|t| (t.user.clone(), Secret::from(t.secret.as_str()))),
                algorithms,
                allow_short_secrets: false,
            });
        }
    }
}

/// What one login offers: credentials and operational keys. Start from
/// [`LoginOptions::from_config`] (the initiator's defaults) and change what this target
/// needs. [`crate::Initiator::login_with`] checks every key against its RFC 7143 §13 range
/// (and what this initiator can honour) before anything is sent.
#[derive(Clone, Debug)]
pub struct LoginOptions {
    /// CHAP credentials; `None` logs in without authentication.
    pub credentials: Option<Credentials>,
    /// The keys to offer. The initiator sets the names (InitiatorName, InitiatorAlias,
    /// TargetName) and the session type itself.
    pub operational: OperationalConfig,
}

impl LoginOptions {
    /// The initiator's defaults.
    pub fn from_config(config: &InitiatorConfig) -> Self {
        Self {
            credentials: config.credentials.clone(),
            operational: config.operational.clone(),
        }
    }

    /// The complete offer for a session: these keys with the initiator's names and the
    /// session type, checked.
    ///
    /// # Errors
    ///
    /// The first key outside its RFC 7143 §13 range, or a value this initiator cannot
    /// honour: ErrorRecoveryLevel above 0 (no SNACK or connection recovery),
    /// MaxConnections above 1 (one connection per session), DataPDUInOrder or
    /// DataSequenceInOrder No (the session engine needs data in order).
    pub(crate) fn offer(
        &self,
        config: &InitiatorConfig,
        target: Option<&str>,
    ) -> Result<OperationalConfig, NegotiationError> {
        let mut op = self.operational.clone();
        op.initiator_name.clone_from(&config.name);
        op.initiator_alias.clone_from(&config.alias);
        op.target_name = target.map(str::to_owned);
        if target.is_none() {
            // RFC 7143 §7.4.1: discovery sessions run at ERL 0; digests are left off, as
            // some arrays close discovery connections that negotiate them.
            op.session_type = SessionType::Discovery;
            op.header_digest = vec![Digest::None];
            op.data_digest = vec![Digest::None];
        } else {
            op.session_type = SessionType::Normal;
        }
        op.validate()?;
        let unsupported = |key, reason| Err(NegotiationError::InvalidConfig { key, reason });
        if op.error_recovery_level > 0 {
            return unsupported(
                "ErrorRecoveryLevel",
                "levels 1 and 2 (SNACK, connection recovery) are not implemented",
            );
        }
        if op.max_connections > 1 {
            return unsupported("MaxConnections", "one connection per session");
        }
        if !op.data_pdu_in_order {
            return unsupported("DataPDUInOrder", "the session engine needs data in order");
        }
        if !op.data_sequence_in_order {
            return unsupported(
                "DataSequenceInOrder",
                "the session engine needs sequences in order",
            );
        }
        Ok(op)
    }
}
