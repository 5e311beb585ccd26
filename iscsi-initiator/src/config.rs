//! Initiator configuration: identity, authentication, digests, timeouts and limits.

use std::time::Duration;

use iscsi_proto::{
    auth::{AlgorithmList, ChapAlgorithm, ChapConfig, Secret},
    negotiation::Digest,
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
}

impl Credentials {
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
    /// HeaderDigest preference.
    pub header_digest: Vec<Digest>,
    /// DataDigest preference.
    pub data_digest: Vec<Digest>,
    /// MaxRecvDataSegmentLength we declare. Default 256 KiB.
    pub max_recv_data_segment_length: u32,
    /// MaxBurstLength we offer. Default 256 KiB.
    pub max_burst_length: u32,
    /// FirstBurstLength we offer. Default 64 KiB.
    pub first_burst_length: u32,
    /// ImmediateData we offer. Default Yes.
    pub immediate_data: bool,
    /// InitialR2T we offer. Default No (unsolicited data allowed if the target agrees).
    pub initial_r2t: bool,
    /// MaxOutstandingR2T we offer. Default 4.
    pub max_outstanding_r2t: u16,
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
            header_digest: vec![Digest::None],
            data_digest: vec![Digest::None],
            max_recv_data_segment_length: 262_144,
            max_burst_length: 262_144,
            first_burst_length: 65_536,
            immediate_data: true,
            initial_r2t: false,
            max_outstanding_r2t: 4,
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
        self.header_digest = digests(&url.header_digest);
        self.data_digest = digests(&url.data_digest);
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
            });
        }
    }
}
