//! Configuration of a test target: its nodes and logical units, authentication, the values it
//! negotiates, and behaviour switches. Fault switches live in [`crate::Faults`].

use std::time::Duration;

use iscsi_proto::auth::{ChapAlgorithm, Secret};

use crate::faults::Faults;

/// The name of the target node in [`TargetConfig::default`].
pub const DEFAULT_TARGET_NAME: &str = "iqn.2026-01.invalid.ima:test-target";

/// Everything a [`crate::Target`] is built from.
///
/// Start from [`TargetConfig::default`] (one target node, [`DEFAULT_TARGET_NAME`], with one
/// 16 MiB LU at LUN 0, no authentication, RFC default negotiation values) and change fields.
#[non_exhaustive]
#[derive(Clone, Debug)]
pub struct TargetConfig {
    /// The target nodes, listed by SendTargets in this order. At least one.
    pub targets: Vec<TargetNodeConfig>,
    /// CHAP required for Normal sessions; `None`: `AuthMethod=None`.
    pub auth: Option<ChapAuth>,
    /// CHAP required for Discovery sessions; `None` (default): no authentication.
    pub discovery_auth: Option<ChapAuth>,
    /// The values this target negotiates.
    pub params: TargetParams,
    /// Command window: MaxCmdSN = ExpCmdSN + `cmd_window` − 1. Range 1..=2^31; default 32.
    pub cmd_window: u32,
    /// StatSN of the first Login Response of each connection. Default 0x1000.
    pub initial_stat_sn: u32,
    /// The Target Portal Group Tag declared at login and in SendTargets. Default 1.
    pub target_portal_group_tag: u16,
    /// First TSIH handed out; each leading login gets the next one (0 is skipped).
    /// Default 1.
    pub first_tsih: u16,
    /// Seed of the generator used for CHAP identifiers and challenges. Each connection
    /// mixes in its own number, so a run is reproducible. Default 0x1d5c_5eed.
    pub seed: u64,
    /// Send a NOP-In probe (TTT set, expecting a NOP-Out) this often in full feature phase.
    /// Default `None`.
    pub nop_in_interval: Option<Duration>,
    /// Send GOOD status in the final Data-In PDU (S bit) instead of a separate SCSI Response.
    /// Default `true` (phase collapse, what tgt and LIO do).
    pub status_in_data_in: bool,
    /// Split a Text Response data segment into chunks of at most this many bytes even when
    /// it fits the initiator's MaxRecvDataSegmentLength. Default `None`.
    pub text_chunk: Option<usize>,
    /// Answer every leading login with a redirect. Default `None`.
    pub redirect: Option<Redirect>,
    /// The largest Expected Data Transfer Length accepted for a WRITE (bytes buffered per
    /// task). Larger writes fail with CHECK CONDITION. Default 16 MiB.
    pub max_write_buffer: u32,
    /// How many PDUs the capture log and the sent log keep (the oldest are dropped first).
    /// Default 100 000.
    pub capture_limit: usize,
    /// Fault switches, shared by every connection. Default: none.
    pub faults: Faults,
}

impl Default for TargetConfig {
    fn default() -> Self {
        Self {
            targets: vec![TargetNodeConfig::new(DEFAULT_TARGET_NAME)],
            auth: None,
            discovery_auth: None,
            params: TargetParams::default(),
            cmd_window: 32,
            initial_stat_sn: 0x1000,
            target_portal_group_tag: 1,
            first_tsih: 1,
            seed: 0x1d5c_5eed,
            nop_in_interval: None,
            status_in_data_in: true,
            text_chunk: None,
            redirect: None,
            max_write_buffer: 16 << 20,
            capture_limit: 100_000,
            faults: Faults::default(),
        }
    }
}

/// One target node (an iSCSI target name) and its logical units.
#[non_exhaustive]
#[derive(Clone, Debug)]
pub struct TargetNodeConfig {
    /// The iSCSI name, e.g. `iqn.2026-01.invalid.ima:disk1`.
    pub name: String,
    /// TargetAlias declared at login, if any.
    pub alias: Option<String>,
    /// The logical units. Default: one 16 MiB LU (512-byte blocks) at LUN 0.
    pub lus: Vec<LuConfig>,
}

impl TargetNodeConfig {
    /// A node with the default single LU.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            alias: None,
            lus: vec![LuConfig::new(0, 512, 32768)],
        }
    }

    /// Replaces the LUs.
    #[must_use]
    pub fn with_lus(mut self, lus: Vec<LuConfig>) -> Self {
        self.lus = lus;
        self
    }
}

/// A RAM-backed logical unit.
#[non_exhaustive]
#[derive(Clone, Debug)]
pub struct LuConfig {
    /// LUN, 0..=16383.
    pub lun: u16,
    /// Logical block size in bytes (512 or 4096 are typical; any non-zero value works).
    pub block_size: u32,
    /// Number of blocks. Memory: `block_size × blocks` bytes, allocated at start.
    pub blocks: u64,
    /// Unit serial number (VPD page 0x80).
    pub serial: String,
}

impl LuConfig {
    /// An LU of `blocks` blocks of `block_size` bytes, serial `IMATEST<lun>`.
    pub fn new(lun: u16, block_size: u32, blocks: u64) -> Self {
        Self {
            lun,
            block_size,
            blocks,
            serial: format!("IMATEST{lun:04}"),
        }
    }
}

/// CHAP settings of the target side.
#[non_exhaustive]
#[derive(Clone, Debug)]
pub struct ChapAuth {
    /// The initiator's expected `CHAP_N`.
    pub user: String,
    /// The initiator's secret.
    pub secret: Secret,
    /// Credentials the target answers mutual CHAP with; `None`: a mutual challenge fails
    /// the login.
    pub mutual: Option<(String, Secret)>,
    /// Algorithms the target accepts; it picks the first of the initiator's `CHAP_A` list
    /// that is here. Default: all four (MD5, SHA-1, SHA-256, SHA3-256).
    pub algorithms: Vec<ChapAlgorithm>,
    /// Length of the target's challenge in bytes. Default 16.
    pub challenge_len: usize,
}

impl ChapAuth {
    /// One-way CHAP with `user`/`secret`, all algorithms allowed.
    pub fn new(user: impl Into<String>, secret: impl Into<Secret>) -> Self {
        Self {
            user: user.into(),
            secret: secret.into(),
            mutual: None,
            algorithms: ChapAlgorithm::ALL.to_vec(),
            challenge_len: 16,
        }
    }

    /// Adds the target's own credentials for mutual CHAP.
    #[must_use]
    pub fn with_mutual(mut self, user: impl Into<String>, secret: impl Into<Secret>) -> Self {
        self.mutual = Some((user.into(), secret.into()));
        self
    }

    /// Restricts the accepted algorithms.
    #[must_use]
    pub fn with_algorithms(mut self, algorithms: Vec<ChapAlgorithm>) -> Self {
        self.algorithms = algorithms;
        self
    }
}

/// Which digest values the target accepts for HeaderDigest or DataDigest.
#[derive(Clone, Copy, Debug, Default, Eq, PartialEq)]
pub enum DigestPolicy {
    /// The first of the initiator's values that is `CRC32C` or `None` (default).
    #[default]
    Any,
    /// Only `None`.
    NoneOnly,
    /// Only `CRC32C`.
    Crc32cOnly,
}

impl DigestPolicy {
    pub(crate) fn accepts(self, value: &str) -> bool {
        match self {
            Self::Any => value == "CRC32C" || value == "None",
            Self::NoneOnly => value == "None",
            Self::Crc32cOnly => value == "CRC32C",
        }
    }
}

/// The target's side of each negotiated key (RFC 7143 §13). Defaults are the RFC defaults.
#[non_exhaustive]
#[derive(Clone, Debug)]
pub struct TargetParams {
    /// MaxRecvDataSegmentLength the target declares (512..=2^24−1). Default 8192, as tgt.
    pub max_recv_data_segment_length: u32,
    /// MaxBurstLength (result: minimum). Default 262144.
    pub max_burst_length: u32,
    /// FirstBurstLength (result: minimum). Default 65536.
    pub first_burst_length: u32,
    /// InitialR2T (result: OR). Default `true`.
    pub initial_r2t: bool,
    /// ImmediateData (result: AND). Default `true`.
    pub immediate_data: bool,
    /// MaxOutstandingR2T (result: minimum). Default 1.
    pub max_outstanding_r2t: u16,
    /// MaxConnections (result: minimum). Default 1 (the target runs one connection per
    /// session).
    pub max_connections: u16,
    /// HeaderDigest values accepted.
    pub header_digest: DigestPolicy,
    /// DataDigest values accepted.
    pub data_digest: DigestPolicy,
    /// ErrorRecoveryLevel (result: minimum). Default 0.
    pub error_recovery_level: u8,
    /// DefaultTime2Wait (result: maximum). Default 2.
    pub default_time2wait: u16,
    /// DefaultTime2Retain (result: minimum). Default 20.
    pub default_time2retain: u16,
    /// DataPDUInOrder (result: OR). Default `true`.
    pub data_pdu_in_order: bool,
    /// DataSequenceInOrder (result: OR). Default `true`.
    pub data_sequence_in_order: bool,
}

impl Default for TargetParams {
    fn default() -> Self {
        Self {
            max_recv_data_segment_length: 8192,
            max_burst_length: 262_144,
            first_burst_length: 65536,
            initial_r2t: true,
            immediate_data: true,
            max_outstanding_r2t: 1,
            max_connections: 1,
            header_digest: DigestPolicy::Any,
            data_digest: DigestPolicy::Any,
            error_recovery_level: 0,
            default_time2wait: 2,
            default_time2retain: 20,
            data_pdu_in_order: true,
            data_sequence_in_order: true,
        }
    }
}

/// A login redirect (RFC 7143 §11.13.5, status class 1).
#[non_exhaustive]
#[derive(Clone, Debug)]
pub struct Redirect {
    /// `TargetAddress` value, `host[:port]` without a TPGT.
    pub address: String,
    /// Status 0x0102 (moved permanently) instead of 0x0101 (temporarily).
    pub permanent: bool,
}

impl Redirect {
    /// A temporary redirect to `address`.
    pub fn temporary(address: impl Into<String>) -> Self {
        Self {
            address: address.into(),
            permanent: false,
        }
    }
}
