//! What one login attempt needs: [`LoginConfig`], the session identity and the limits.

use rand_core::CryptoRng;

use crate::{
    auth::{AlgorithmList, ChapConfig},
    negotiation::OperationalConfig,
    text::TextLimits,
    wire::{Cid, CmdSn, Isid, Itt, StatSn, Tsih},
};

/// The largest data segment we send in a Login Request: the MaxRecvDataSegmentLength
/// default (RFC 7143 §13.12), in force in both directions until login ends.
pub const LOGIN_MAX_DATA_SEGMENT_LENGTH: usize = 8192;

/// The default bound on request/response rounds of one login (architecture §B5).
pub const DEFAULT_MAX_LOGIN_ROUNDS: usize = 16;

/// How many redirects (Status-Class 1) in a row a caller should follow before giving up.
///
/// The login machine handles one connection and cannot count hops; the caller that opens
/// the next connection does. A longer chain is a loop or a misconfigured target.
pub const MAX_REDIRECTS: usize = 5;

/// Settings of one login attempt on one connection.
///
/// Build with [`LoginConfig::new`] and adjust the public fields.
#[non_exhaustive]
#[derive(Clone, Debug)]
pub struct LoginConfig {
    /// Names, session type and operational offer (validated by
    /// [`Negotiator::new`](crate::negotiation::Negotiator::new)).
    pub operational: OperationalConfig,
    /// CHAP settings; `None` logs in without authentication.
    ///
    /// With one-way CHAP we offer `AuthMethod=CHAP,None` (the target may waive
    /// authentication); with mutual CHAP only `AuthMethod=CHAP`, so a target that does not
    /// authenticate itself fails the login.
    pub auth: Option<ChapConfig>,
    /// Without `auth`, still run a security stage that offers `AuthMethod=None` (some
    /// targets refuse a login that starts in the operational stage). Default `false`:
    /// start in the operational stage (RFC 7143 §6.3 allows skipping security).
    pub always_security_stage: bool,
    /// ISID: the same for every login from this initiator port to this target portal
    /// group, including session reinstatement (see [`generate_isid`]).
    pub isid: Isid,
    /// TSIH: [`Tsih::NEW`] (0) for a new session or a reinstatement; the session's TSIH to
    /// add a connection to it. Default 0.
    pub tsih: Tsih,
    /// CID of this connection. Default 0.
    pub cid: Cid,
    /// ITT of the login's PDUs; any value but 0xffffffff. Default 0.
    pub itt: Itt,
    /// CmdSN of every Login Request (login PDUs are immediate, so it is also the CmdSN
    /// of the first full-feature command). Default 0; for a connection added to a session,
    /// the session's current CmdSN.
    pub initial_cmd_sn: CmdSn,
    /// ExpStatSN of the first Login Request: 0 for a new connection (default); for
    /// connection reinstatement, the old connection's ExpStatSN. Later requests carry the
    /// target's StatSN + 1.
    pub exp_stat_sn: StatSn,
    /// Most request/response rounds (continuation PDUs included), 1 or more. Default
    /// [`DEFAULT_MAX_LOGIN_ROUNDS`] (16).
    pub max_rounds: usize,
    /// Bounds on the target's text across continued PDUs. Default [`TextLimits::DEFAULT`]
    /// (64 KiB, 32 PDUs); the assembler holds at most `max_bytes`.
    pub text_limits: TextLimits,
    /// Largest data segment we send, 512..=8192. Default
    /// [`LOGIN_MAX_DATA_SEGMENT_LENGTH`]; a longer text goes out in several PDUs with C=1.
    /// Lower it only for a target that cannot take 8192.
    pub max_send_segment_length: usize,
}

impl LoginConfig {
    /// A login with these operational settings and ISID, no authentication, TSIH 0, CID
    /// 0, ITT 0, CmdSN 0 and the default limits.
    pub fn new(operational: OperationalConfig, isid: Isid) -> Self {
        Self {
            operational,
            auth: None,
            always_security_stage: false,
            isid,
            tsih: Tsih::NEW,
            cid: Cid(0),
            itt: Itt(0),
            initial_cmd_sn: CmdSn::new(0),
            exp_stat_sn: StatSn::new(0),
            max_rounds: DEFAULT_MAX_LOGIN_ROUNDS,
            text_limits: TextLimits::DEFAULT,
            max_send_segment_length: LOGIN_MAX_DATA_SEGMENT_LENGTH,
        }
    }

    /// Sets CHAP authentication.
    pub fn with_chap(mut self, chap: ChapConfig) -> Self {
        self.auth = Some(chap);
        self
    }

    /// Narrows the CHAP algorithm offer to MD5 alone, after
    /// [`LoginError::ChapAlgorithmsRefused`](super::LoginError::ChapAlgorithmsRefused).
    ///
    /// Returns whether the offer changed: `false` (no CHAP, or MD5 alone already) means a
    /// retry would repeat the failed attempt, so the caller gives up.
    pub fn fallback_md5_only(&mut self) -> bool {
        match &mut self.auth {
            Some(chap) if chap.algorithms != AlgorithmList::md5_only() => {
                chap.algorithms = AlgorithmList::md5_only();
                true
            }
            _ => false,
        }
    }

    /// Whether the target must prove itself (mutual CHAP).
    pub fn is_mutual(&self) -> bool {
        self.auth.as_ref().is_some_and(|chap| chap.mutual.is_some())
    }
}

/// A random-format ISID (RFC 7143 §11.12.5: type 10b, B and C random, D the qualifier),
/// drawing 24 random bits from `rng`.
///
/// Call it once per initiator port and keep the result: the ISID rule of RFC 7143 wants
/// the same ISID for every session from this port to the same target portal group, and
/// session reinstatement (§6.3.5) logs in with the old ISID and TSIH 0 so the target
/// drops the stale session. Use a different `qualifier` for each session to the same
/// target portal group.
pub fn generate_isid<R: CryptoRng + ?Sized>(rng: &mut R, qualifier: u16) -> Isid {
    Isid::random(rng.next_u32(), qualifier)
}
