//! The target side of the login phase (RFC 7143 §6, §11.12–11.13, §12.1.3, §13): stages,
//! AuthMethod and CHAP (one-way and mutual, algorithms 5–8), and the answer to every
//! operational key by its RFC rule against the target's configured values.

use std::collections::HashSet;

use iscsi_proto::{
    auth::ChapAlgorithm,
    text::{keys::MAX_CHAP_BINARY_BYTES, value},
    wire::{LoginRequest, LoginResponse, LoginStatus, Stage, Tsih},
};
use rand::{Rng, RngCore, SeedableRng, rngs::StdRng};

use crate::{
    config::{ChapAuth, TargetConfig},
    params::{SessionParams, SessionType},
    target::Target,
    text::{decode_pairs, encode_pairs},
};

/// The longest login text accepted across continuation PDUs.
const MAX_LOGIN_TEXT: usize = 64 * 1024;

/// What happened to the login after one request.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub(crate) enum LoginOutcome {
    /// More requests expected.
    Continue,
    /// The response carries a non-zero status; close after sending it.
    Failed,
    /// The response is the final one (T=1, NSG=3): full feature phase follows.
    FullFeature,
}

/// One Login Response to send.
#[derive(Clone, Debug)]
pub(crate) struct LoginReply {
    pub(crate) header: LoginResponse,
    pub(crate) data: Vec<u8>,
    pub(crate) outcome: LoginOutcome,
    /// Human-readable reason of a failure, for the violation log.
    pub(crate) reason: Option<String>,
}

#[derive(Clone, Debug)]
enum Auth {
    /// No AuthMethod seen yet.
    Start,
    /// AuthMethod=None agreed.
    Nothing,
    /// AuthMethod=CHAP agreed, waiting for CHAP_A.
    ChapChosen,
    /// CHAP_A answered with Reject: the login cannot succeed.
    AlgorithmRejected,
    /// Challenge sent, waiting for CHAP_N/CHAP_R.
    ChallengeSent {
        algorithm: ChapAlgorithm,
        identifier: u8,
        challenge: Vec<u8>,
    },
    /// CHAP succeeded.
    Done,
}

/// Keys whose value the target offers itself when the initiator leaves them out and the
/// target's value differs from the RFC default.
const LEADING_ONLY: [&str; 9] = [
    "InitialR2T",
    "ImmediateData",
    "MaxBurstLength",
    "FirstBurstLength",
    "MaxOutstandingR2T",
    "DataPDUInOrder",
    "DataSequenceInOrder",
    "MaxConnections",
    "TaskReporting",
];

/// The target's login state machine for one connection.
pub(crate) struct Login {
    target: Target,
    started: bool,
    /// The stage the target is in (Security or Operational).
    stage: Stage,
    params: SessionParams,
    auth_config: Option<ChapAuth>,
    auth: Auth,
    text: Vec<u8>,
    seen: HashSet<String>,
    offered: HashSet<String>,
    mrdsl_declared: bool,
    rng: StdRng,
}

impl Login {
    pub(crate) fn new(target: Target, seed: u64) -> Self {
        let config = target.config();
        let params = SessionParams::rfc_defaults(config.params.max_recv_data_segment_length);
        Self {
            target,
            started: false,
            stage: Stage::SecurityNegotiation,
            params,
            auth_config: None,
            auth: Auth::Start,
            text: Vec::new(),
            seen: HashSet::new(),
            offered: HashSet::new(),
            mrdsl_declared: false,
            rng: StdRng::seed_from_u64(seed),
        }
    }

    /// The values negotiated so far.
    pub(crate) fn params(&self) -> &SessionParams {
        &self.params
    }

    /// Answers one Login Request.
    pub(crate) fn handle(&mut self, req: &LoginRequest, data: &[u8]) -> LoginReply {
        // C=1: collect the text, answer with an empty response (RFC 7143 §11.12.2).
        if self.text.len() + data.len() > MAX_LOGIN_TEXT {
            return self.fail(req, LoginStatus::InitiatorError, "login text too long");
        }
        self.text.extend_from_slice(data);
        if req.continues {
            return self.reply(req, None, Vec::new(), LoginOutcome::Continue);
        }
        let text = std::mem::take(&mut self.text);
        let pairs = match decode_pairs(&text) {
            Ok(pairs) => pairs,
            Err(error) => {
                let reason = format!("malformed login text: {error}");
                return self.fail(req, LoginStatus::InitiatorError, &reason);
            }
        };
        if !self.started {
            if let Some(reply) = self.first_request(req, &pairs) {
                return reply;
            }
        }
        let mut answers: Vec<(String, String)> = Vec::new();
        if !self.started {
            self.started = true;
            self.declare_first(&mut answers);
        }

        // Stage checks (RFC 7143 §6.3, §11.12.3).
        match req.current_stage {
            Stage::SecurityNegotiation if self.stage == Stage::SecurityNegotiation => {}
            Stage::LoginOperationalNegotiation => {
                if self.stage == Stage::SecurityNegotiation {
                    // Skipping the security stage is fine only without authentication.
                    if self.auth_config.is_some() {
                        return self.fail(
                            req,
                            LoginStatus::AuthenticationFailure,
                            "operational stage before CHAP",
                        );
                    }
                    self.stage = Stage::LoginOperationalNegotiation;
                }
            }
            other => {
                return self.fail(
                    req,
                    LoginStatus::InitiatorError,
                    &format!("login request in stage {other:?}"),
                );
            }
        }

        for (key, value) in &pairs {
            if matches!(
                key.as_str(),
                "InitiatorName" | "TargetName" | "SessionType" | "InitiatorAlias"
            ) {
                if !self.seen.insert(key.clone()) && key != "InitiatorAlias" {
                    return self.fail(req, LoginStatus::InitiatorError, &format!("{key} repeated"));
                }
                continue;
            }
            if key.starts_with("CHAP_") || key == "AuthMethod" {
                continue;
            }
            if self.offered.remove(key) {
                self.accept_answer(key, value);
                continue;
            }
            if !self.seen.insert(key.clone()) {
                return self.fail(req, LoginStatus::InitiatorError, &format!("{key} repeated"));
            }
            if let Some(answer) = self.answer(key, value) {
                answers.push((key.clone(), answer));
            }
        }

        if req.current_stage == Stage::SecurityNegotiation {
            if let Err(reason) = self.security(&pairs, &mut answers) {
                return self.fail(req, LoginStatus::AuthenticationFailure, &reason);
            }
        }

        // Transit (RFC 7143 §11.12.3): grant it when the stage is finished.
        let mut next = None;
        if let Some(nsg) = req.next_stage {
            let valid = match req.current_stage {
                Stage::SecurityNegotiation => {
                    matches!(
                        nsg,
                        Stage::LoginOperationalNegotiation | Stage::FullFeaturePhase
                    )
                }
                _ => nsg == Stage::FullFeaturePhase,
            };
            if !valid {
                return self.fail(
                    req,
                    LoginStatus::InitiatorError,
                    &format!("transit to {nsg:?}"),
                );
            }
            let ready = match req.current_stage {
                Stage::SecurityNegotiation => match self.auth {
                    Auth::Done | Auth::Nothing => true,
                    Auth::Start => self.auth_config.is_none(),
                    Auth::ChapChosen | Auth::ChallengeSent { .. } => false,
                    Auth::AlgorithmRejected => {
                        return self.fail(
                            req,
                            LoginStatus::AuthenticationFailure,
                            "no common CHAP algorithm",
                        );
                    }
                },
                _ => true,
            };
            if ready && nsg == Stage::FullFeaturePhase && self.offer_missing(&mut answers) {
                // Our own offers need answers first: stay in this stage.
            } else if ready {
                next = Some(nsg);
            }
        }
        match next {
            Some(Stage::LoginOperationalNegotiation) => {
                self.stage = Stage::LoginOperationalNegotiation;
                self.declare_mrdsl(&mut answers);
            }
            Some(Stage::FullFeaturePhase) => {
                self.declare_mrdsl(&mut answers);
                let extra = self.target.with_faults(|f| f.extra_login_keys.clone());
                answers.extend(extra);
                self.params.tsih = Tsih(self.target.allocate_tsih());
                let data = encode_pairs(&answers);
                return self.reply(req, next, data, LoginOutcome::FullFeature);
            }
            _ => {}
        }
        let data = encode_pairs(&answers);
        self.reply(req, next, data, LoginOutcome::Continue)
    }

    /// Checks the names on the first request; `Some` is a failure or redirect reply.
    fn first_request(
        &mut self,
        req: &LoginRequest,
        pairs: &[(String, String)],
    ) -> Option<LoginReply> {
        let find = |k: &str| {
            pairs
                .iter()
                .find(|(key, _)| key == k)
                .map(|(_, v)| v.clone())
        };
        if req.version_min > 0 {
            return Some(self.fail(req, LoginStatus::UnsupportedVersion, "Version-min > 0"));
        }
        if req.tsih != Tsih::NEW {
            // One connection per session: there is nothing to add a connection to.
            return Some(self.fail(
                req,
                LoginStatus::SessionDoesNotExist,
                "non-zero TSIH (connections cannot be added)",
            ));
        }
        let Some(initiator) = find("InitiatorName") else {
            return Some(self.fail(req, LoginStatus::MissingParameter, "no InitiatorName"));
        };
        self.params.initiator_name = initiator;
        self.params.isid = req.isid;
        let config: &TargetConfig = self.target.config();
        match find("SessionType").as_deref() {
            None | Some("Normal") => {
                let Some(name) = find("TargetName") else {
                    return Some(self.fail(req, LoginStatus::MissingParameter, "no TargetName"));
                };
                if self.target.node(&name).is_none() {
                    return Some(self.fail(req, LoginStatus::NotFound, "unknown TargetName"));
                }
                if let Some(redirect) = config.redirect.clone() {
                    let status = if redirect.permanent {
                        LoginStatus::TargetMovedPermanently
                    } else {
                        LoginStatus::TargetMovedTemporarily
                    };
                    let mut reply = self.reply(
                        req,
                        None,
                        encode_pairs(&[("TargetAddress", redirect.address.as_str())]),
                        LoginOutcome::Failed,
                    );
                    reply.header.status = status;
                    return Some(reply);
                }
                self.params.target_name = Some(name);
                self.auth_config = config.auth.clone();
            }
            Some("Discovery") => {
                self.params.session_type = SessionType::Discovery;
                self.auth_config = config.discovery_auth.clone();
            }
            Some(_) => {
                return Some(self.fail(
                    req,
                    LoginStatus::SessionTypeNotSupported,
                    "unknown SessionType",
                ));
            }
        }
        None
    }

    /// Declarations in the first response: TargetPortalGroupTag and TargetAlias.
    fn declare_first(&self, answers: &mut Vec<(String, String)>) {
        if self.params.session_type == SessionType::Normal {
            let config = self.target.config();
            answers.push((
                "TargetPortalGroupTag".to_owned(),
                config.target_portal_group_tag.to_string(),
            ));
            let alias = self
                .params
                .target_name
                .as_deref()
                .and_then(|name| self.target.node(name))
                .and_then(|node| node.alias.clone());
            if let Some(alias) = alias {
                answers.push(("TargetAlias".to_owned(), alias));
            }
        }
    }

    fn declare_mrdsl(&mut self, answers: &mut Vec<(String, String)>) {
        if !self.mrdsl_declared {
            self.mrdsl_declared = true;
            answers.push((
                "MaxRecvDataSegmentLength".to_owned(),
                self.params.target_max_recv_data_segment_length.to_string(),
            ));
        }
    }

    /// Offers the target's leading-login values that differ from the RFC default and that
    /// the initiator did not negotiate. Returns whether anything was offered.
    fn offer_missing(&mut self, answers: &mut Vec<(String, String)>) -> bool {
        if self.params.session_type == SessionType::Discovery {
            return false;
        }
        let ours = &self.target.config().params;
        let candidates: [(&str, String, bool); 7] = [
            ("InitialR2T", yes_no(ours.initial_r2t), !ours.initial_r2t),
            (
                "ImmediateData",
                yes_no(ours.immediate_data),
                !ours.immediate_data,
            ),
            (
                "MaxBurstLength",
                ours.max_burst_length.to_string(),
                ours.max_burst_length < 262_144,
            ),
            (
                "FirstBurstLength",
                ours.first_burst_length.to_string(),
                ours.first_burst_length < 65536,
            ),
            (
                "MaxOutstandingR2T",
                ours.max_outstanding_r2t.to_string(),
                ours.max_outstanding_r2t != 1,
            ),
            (
                "DataPDUInOrder",
                yes_no(ours.data_pdu_in_order),
                !ours.data_pdu_in_order,
            ),
            (
                "DataSequenceInOrder",
                yes_no(ours.data_sequence_in_order),
                !ours.data_sequence_in_order,
            ),
        ];
        let mut any = false;
        for (key, value, differs) in candidates {
            if differs && !self.seen.contains(key) && !self.offered.contains(key) {
                self.seen.insert(key.to_owned());
                self.offered.insert(key.to_owned());
                answers.push((key.to_owned(), value));
                any = true;
            }
        }
        any || !self.offered.is_empty()
    }

    /// The initiator's answer to a key the target offered: the result.
    fn accept_answer(&mut self, key: &str, value: &str) {
        let p = &mut self.params;
        let number = |v: &str| value::decode_number(v).ok();
        match key {
            "InitialR2T" => p.initial_r2t = value != "No",
            "ImmediateData" => p.immediate_data = value == "Yes",
            "DataPDUInOrder" => p.data_pdu_in_order = value != "No",
            "DataSequenceInOrder" => p.data_sequence_in_order = value != "No",
            "MaxBurstLength" => {
                if let Some(n) = number(value) {
                    p.max_burst_length = clamp_u32(n);
                }
            }
            "FirstBurstLength" => {
                if let Some(n) = number(value) {
                    p.first_burst_length = clamp_u32(n);
                }
            }
            "MaxOutstandingR2T" => {
                if let Some(n) = number(value) {
                    p.max_outstanding_r2t = u16::try_from(n).unwrap_or(u16::MAX).max(1);
                }
            }
            _ => {}
        }
    }

    /// The answer to one operational key offered by the initiator, by its RFC 7143 §13
    /// rule; `None` for declarative keys.
    fn answer(&mut self, key: &str, value: &str) -> Option<String> {
        let ours = &self.target.config().params;
        let discovery = self.params.session_type == SessionType::Discovery;
        let p = &mut self.params;
        let number = |min: u64, max: u64| value::decode_number_in(value, min, max).ok();
        let boolean = value::decode_bool(value).ok();
        const REJECT: &str = "Reject";
        if discovery && LEADING_ONLY.contains(&key) {
            return Some("Irrelevant".to_owned());
        }
        Some(match key {
            "HeaderDigest" | "DataDigest" => {
                let policy = if key == "HeaderDigest" {
                    ours.header_digest
                } else {
                    ours.data_digest
                };
                let Some(choice) = value::split_list(value).find(|v| policy.accepts(v)) else {
                    return Some(REJECT.to_owned());
                };
                let on = choice == "CRC32C";
                if key == "HeaderDigest" {
                    p.header_digest = on;
                } else {
                    p.data_digest = on;
                }
                choice.to_owned()
            }
            "MaxRecvDataSegmentLength" => {
                // Declarative (RFC 7143 §13.12): no answer; the target declares its own.
                match number(512, 0x00ff_ffff) {
                    Some(n) => {
                        p.initiator_max_recv_data_segment_length = clamp_u32(n);
                        return None;
                    }
                    None => REJECT.to_owned(),
                }
            }
            "MaxBurstLength" => match number(512, 0x00ff_ffff) {
                Some(n) => {
                    p.max_burst_length = clamp_u32(n).min(ours.max_burst_length);
                    p.max_burst_length.to_string()
                }
                None => REJECT.to_owned(),
            },
            "FirstBurstLength" => match number(512, 0x00ff_ffff) {
                Some(n) => {
                    p.first_burst_length = clamp_u32(n).min(ours.first_burst_length);
                    p.first_burst_length.to_string()
                }
                None => REJECT.to_owned(),
            },
            "MaxOutstandingR2T" => match number(1, 65535) {
                Some(n) => {
                    p.max_outstanding_r2t = u16::try_from(n)
                        .unwrap_or(u16::MAX)
                        .min(ours.max_outstanding_r2t);
                    p.max_outstanding_r2t.to_string()
                }
                None => REJECT.to_owned(),
            },
            "MaxConnections" => match number(1, 65535) {
                Some(n) => {
                    p.max_connections = u16::try_from(n)
                        .unwrap_or(u16::MAX)
                        .min(ours.max_connections);
                    p.max_connections.to_string()
                }
                None => REJECT.to_owned(),
            },
            "ErrorRecoveryLevel" => match number(0, 2) {
                Some(n) => {
                    let ours = if discovery {
                        0
                    } else {
                        ours.error_recovery_level
                    };
                    p.error_recovery_level = u8::try_from(n).unwrap_or(0).min(ours);
                    p.error_recovery_level.to_string()
                }
                None => REJECT.to_owned(),
            },
            "DefaultTime2Wait" => match number(0, 3600) {
                Some(n) => {
                    p.default_time2wait =
                        u16::try_from(n).unwrap_or(3600).max(ours.default_time2wait);
                    p.default_time2wait.to_string()
                }
                None => REJECT.to_owned(),
            },
            "DefaultTime2Retain" => match number(0, 3600) {
                Some(n) => {
                    p.default_time2retain =
                        u16::try_from(n).unwrap_or(0).min(ours.default_time2retain);
                    p.default_time2retain.to_string()
                }
                None => REJECT.to_owned(),
            },
            "InitialR2T" | "DataPDUInOrder" | "DataSequenceInOrder" => {
                let Some(theirs) = boolean else {
                    return Some(REJECT.to_owned());
                };
                let (field, ours) = match key {
                    "InitialR2T" => (&mut p.initial_r2t, ours.initial_r2t),
                    "DataPDUInOrder" => (&mut p.data_pdu_in_order, ours.data_pdu_in_order),
                    _ => (&mut p.data_sequence_in_order, ours.data_sequence_in_order),
                };
                *field = theirs || ours;
                yes_no(*field)
            }
            "ImmediateData" => {
                let Some(theirs) = boolean else {
                    return Some(REJECT.to_owned());
                };
                p.immediate_data = theirs && ours.immediate_data;
                yes_no(p.immediate_data)
            }
            "TaskReporting" => "RFC3720".to_owned(),
            "iSCSIProtocolLevel" => match number(0, 31) {
                Some(n) => n.min(1).to_string(),
                None => REJECT.to_owned(),
            },
            // Obsolete marker keys (RFC 7143 §13.25): Reject, never NotUnderstood.
            "IFMarker" | "OFMarker" | "IFMarkInt" | "OFMarkInt" => REJECT.to_owned(),
            // Keys only a target sends, or only in full feature phase.
            "TargetAlias" | "TargetAddress" | "TargetPortalGroupTag" | "SendTargets" => {
                REJECT.to_owned()
            }
            _ => "NotUnderstood".to_owned(),
        })
    }

    /// The security stage: AuthMethod, then CHAP_A, then CHAP_N/CHAP_R (+ mutual).
    fn security(
        &mut self,
        pairs: &[(String, String)],
        answers: &mut Vec<(String, String)>,
    ) -> Result<(), String> {
        let find = |k: &str| {
            pairs
                .iter()
                .find(|(key, _)| key == k)
                .map(|(_, v)| v.as_str())
        };
        if let Some(methods) = find("AuthMethod") {
            if !matches!(self.auth, Auth::Start) {
                return Err("AuthMethod repeated".to_owned());
            }
            let mut list = value::split_list(methods);
            let choice = if self.auth_config.is_some() {
                list.find(|m| *m == "CHAP")
            } else {
                list.find(|m| *m == "None")
            };
            let Some(choice) = choice else {
                answers.push(("AuthMethod".to_owned(), "Reject".to_owned()));
                return Err(format!("no acceptable AuthMethod in {methods}"));
            };
            answers.push(("AuthMethod".to_owned(), choice.to_owned()));
            self.auth = if choice == "CHAP" {
                Auth::ChapChosen
            } else {
                Auth::Nothing
            };
        }
        let Some(config) = self.auth_config.clone() else {
            if pairs.iter().any(|(k, _)| k.starts_with("CHAP_")) {
                return Err("CHAP keys without AuthMethod=CHAP".to_owned());
            }
            return Ok(());
        };
        if let Some(offer) = find("CHAP_A") {
            if !matches!(self.auth, Auth::ChapChosen) {
                return Err("CHAP_A out of order".to_owned());
            }
            let algorithm = value::split_list(offer)
                .filter_map(|code| code.parse::<u8>().ok())
                .filter_map(ChapAlgorithm::from_code)
                .find(|a| config.algorithms.contains(a));
            let Some(algorithm) = algorithm else {
                answers.push(("CHAP_A".to_owned(), "Reject".to_owned()));
                self.auth = Auth::AlgorithmRejected;
                return Ok(());
            };
            let identifier: u8 = self.rng.random();
            let mut challenge = vec![0u8; config.challenge_len.clamp(1, MAX_CHAP_BINARY_BYTES)];
            self.rng.fill_bytes(&mut challenge);
            answers.push(("CHAP_A".to_owned(), algorithm.code().to_string()));
            answers.push(("CHAP_I".to_owned(), identifier.to_string()));
            answers.push(("CHAP_C".to_owned(), value::encode_hex(&challenge)));
            self.auth = Auth::ChallengeSent {
                algorithm,
                identifier,
                challenge,
            };
            return Ok(());
        }
        let (name, response) = (find("CHAP_N"), find("CHAP_R"));
        if name.is_none() && response.is_none() {
            if find("CHAP_I").is_some() || find("CHAP_C").is_some() {
                return Err("CHAP_I/CHAP_C without CHAP_N/CHAP_R".to_owned());
            }
            return Ok(());
        }
        let Auth::ChallengeSent {
            algorithm,
            identifier,
            challenge,
        } = std::mem::replace(&mut self.auth, Auth::Start)
        else {
            return Err("CHAP_N/CHAP_R before a challenge".to_owned());
        };
        let (Some(name), Some(response)) = (name, response) else {
            return Err("CHAP_N or CHAP_R missing".to_owned());
        };
        if name != config.user {
            return Err(format!("unknown CHAP_N {name:?}"));
        }
        let received = value::decode_binary(response, MAX_CHAP_BINARY_BYTES)
            .map_err(|e| format!("CHAP_R: {e}"))?;
        let expected = algorithm.compute(identifier, &config.secret, &challenge);
        if received != expected {
            return Err("wrong CHAP_R".to_owned());
        }
        // Mutual CHAP: the initiator's CHAP_I and CHAP_C.
        match (find("CHAP_I"), find("CHAP_C")) {
            (None, None) => {}
            (Some(id), Some(their_challenge)) => {
                let Some((user, secret)) = &config.mutual else {
                    return Err("mutual CHAP asked, no target credentials".to_owned());
                };
                let id = value::decode_number_in(id, 0, 255)
                    .ok()
                    .and_then(|id| u8::try_from(id).ok())
                    .ok_or("bad CHAP_I")?;
                let their_challenge = value::decode_binary(their_challenge, MAX_CHAP_BINARY_BYTES)
                    .map_err(|e| format!("CHAP_C: {e}"))?;
                // RFC 7143 §9.2.1: a reflected challenge ends the login.
                if their_challenge.is_empty() || their_challenge == challenge {
                    return Err("mutual CHAP_C empty or reflected".to_owned());
                }
                let answer = algorithm.compute(id, secret, &their_challenge);
                answers.push(("CHAP_N".to_owned(), user.clone()));
                answers.push(("CHAP_R".to_owned(), value::encode_hex(&answer)));
            }
            _ => return Err("CHAP_I and CHAP_C must come together".to_owned()),
        }
        self.auth = Auth::Done;
        Ok(())
    }

    fn reply(
        &self,
        req: &LoginRequest,
        next: Option<Stage>,
        data: Vec<u8>,
        outcome: LoginOutcome,
    ) -> LoginReply {
        LoginReply {
            header: LoginResponse {
                continues: false,
                current_stage: req.current_stage,
                next_stage: next,
                version_max: 0,
                version_active: 0,
                isid: req.isid,
                tsih: self.params.tsih,
                itt: req.itt,
                stat_sn: Default::default(),
                exp_cmd_sn: Default::default(),
                max_cmd_sn: Default::default(),
                status: LoginStatus::Success,
            },
            data,
            outcome,
            reason: None,
        }
    }

    fn fail(&self, req: &LoginRequest, status: LoginStatus, reason: &str) -> LoginReply {
        tracing::debug!(?status, reason, "login refused");
        let mut reply = self.reply(req, None, Vec::new(), LoginOutcome::Failed);
        reply.header.status = status;
        reply.reason = Some(reason.to_owned());
        reply
    }
}

fn yes_no(value: bool) -> String {
    value::encode_bool(value).to_owned()
}

fn clamp_u32(n: u64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}
