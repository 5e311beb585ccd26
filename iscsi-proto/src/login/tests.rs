//! Scripted login transcripts against a simulated target.
//!
//! [`Target`] is a small iSCSI target built on the wire layer: it answers like tgt (sends
//! TargetPortalGroupTag in its first answer, transits as soon as asked, decimal CHAP_I, 50-byte
//! challenges) or like LIO (declares TargetAlias and MaxRecvDataSegmentLength, asks for a
//! second operational round, hex CHAP_I, digest-sized challenges), and computes CHAP with
//! [`ChapAlgorithm::compute`] on its own side. It negotiates by its own table, independent
//! of [`crate::negotiation`]. Knobs change one behaviour each; `mangle` edits a response
//! before it is encoded, for the header-rule tests.
//!
//! On every request the target asserts the request rules: Version-max/min 0, at most 8192
//! bytes of data, C=1 only with T=0, the same ISID/TSIH/ITT/CID/CmdSN on every request,
//! ExpStatSN 0 first and then its last StatSN + 1, no key sent twice in the login, the
//! names only in the first text, and an empty request whenever it continues its own text.
//! Every PDU crosses the wire encoding in both directions.
#![allow(
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::cast_possible_truncation
)]

use std::collections::{BTreeSet, VecDeque};

use bytes::{Bytes, BytesMut};
use rand::{Rng, RngCore, SeedableRng, rngs::StdRng};

use super::*;
use crate::{
    auth::{AlgorithmList, AuthError, ChapAlgorithm, ChapConfig, Secret},
    discovery::{DiscoveryLimits, Host, parse_send_targets},
    negotiation::{NegotiationError, OperationalConfig, SessionType},
    text::{TextLimits, value},
    wire::{IsidType, Lun, NopIn, Opcode, TextResponse, Ttt},
};

const INITIATOR: &str = "iqn.2024-01.org.example:initiator";
const TARGET: &str = "iqn.2024-01.org.example:disk1";
const USER: &str = "initiator-user";
const SECRET: &str = "initiator-secret-16";
const TARGET_USER: &str = "target-user";
const TARGET_SECRET: &str = "target-secret-0016";
const NEW_TSIH: u16 = 0x0102;
const CMD_SN: u32 = 0x100;
const FIRST_STAT_SN: u32 = 0x7000;

#[derive(Clone, Copy, Debug, Eq, PartialEq)]
enum Flavor {
    Tgt,
    Lio,
}

/// The target's CHAP accounts.
struct TargetChap {
    /// Algorithms the target accepts, in its preference order.
    algorithms: Vec<u8>,
    user: String,
    secret: Vec<u8>,
    /// The name and secret the target proves itself with (mutual CHAP).
    own: Option<(String, Vec<u8>)>,
}

type Mangle = Box<dyn FnMut(usize, &mut LoginResponse, &mut TextPairs)>;

struct Target {
    flavor: Flavor,
    chap: Option<TargetChap>,
    /// Forced answers by key; an empty value omits the answer.
    overrides: Vec<(&'static str, &'static str)>,
    /// Keys the target offers in its first operational response.
    offers: Vec<(&'static str, &'static str)>,
    /// Split the target's text into chunks of this many bytes (C=1).
    split: Option<usize>,
    /// Answer the first request with this status and these pairs.
    refuse: Option<(LoginStatus, Vec<(&'static str, &'static str)>)>,
    /// Answer CHAP_A with this instead of choosing.
    chap_a: Option<&'static str>,
    /// Send this challenge instead of a random one.
    challenge: Option<Vec<u8>>,
    /// Refuse a CHAP_A list of several values with this status (LIO < 3.15, Synology).
    refuse_chap_list: Option<LoginStatus>,
    /// Never transit.
    stall: bool,
    /// Edits a response (by request index) before it is encoded.
    mangle: Option<Mangle>,
    rng: StdRng,

    stat_sn: u32,
    first: Option<LoginRequest>,
    requests: Vec<LoginRequest>,
    texts: usize,
    seen: BTreeSet<String>,
    received: Vec<TextPairs>,
    incoming: Vec<u8>,
    outgoing: VecDeque<Bytes>,
    final_header: Option<LoginResponse>,
    chap_state: Option<(ChapAlgorithm, u8, Vec<u8>)>,
    authenticated: bool,
    operational_rounds: usize,
    sent_tpgt: bool,
    /// Every response as encoded on the wire.
    wire: Vec<u8>,
}

impl Target {
    fn new(flavor: Flavor) -> Self {
        Self {
            flavor,
            chap: None,
            overrides: Vec::new(),
            offers: Vec::new(),
            split: None,
            refuse: None,
            chap_a: None,
            challenge: None,
            refuse_chap_list: None,
            stall: false,
            mangle: None,
            rng: StdRng::seed_from_u64(0x7a29),
            stat_sn: FIRST_STAT_SN,
            first: None,
            requests: Vec::new(),
            texts: 0,
            seen: BTreeSet::new(),
            received: Vec::new(),
            incoming: Vec::new(),
            outgoing: VecDeque::new(),
            final_header: None,
            chap_state: None,
            authenticated: false,
            operational_rounds: 0,
            sent_tpgt: false,
            wire: Vec::new(),
        }
    }

    fn tgt() -> Self {
        Self::new(Flavor::Tgt)
    }

    fn lio() -> Self {
        Self::new(Flavor::Lio)
    }

    /// CHAP required: the initiator's account, and the target's own for mutual CHAP.
    fn with_chap(mut self, algorithms: &[u8], mutual: bool) -> Self {
        self.chap = Some(TargetChap {
            algorithms: algorithms.to_vec(),
            user: USER.into(),
            secret: SECRET.into(),
            own: mutual.then(|| (TARGET_USER.to_owned(), TARGET_SECRET.as_bytes().to_vec())),
        });
        self
    }

    fn mangle(
        mut self,
        f: impl FnMut(usize, &mut LoginResponse, &mut TextPairs) + 'static,
    ) -> Self {
        self.mangle = Some(Box::new(f));
        self
    }

    /// Every pair the initiator sent, in order.
    fn sent_pairs(&self) -> Vec<(String, String)> {
        self.received
            .iter()
            .flat_map(|p| p.iter().map(|(k, v)| (k.to_owned(), v.to_owned())))
            .collect()
    }

    fn sent(&self, key: &str) -> Option<String> {
        self.received
            .iter()
            .find_map(|p| p.get(key).map(str::to_owned))
    }

    fn handle(&mut self, pdu: &Pdu) -> Pdu {
        let Header::LoginRequest(req) = pdu.header else {
            panic!("not a login request: {:?}", pdu.header);
        };
        let index = self.requests.len();
        self.check_request(&req, pdu);
        self.requests.push(req);

        if let Some(chunk) = self.outgoing.pop_front() {
            assert!(pdu.data.is_empty(), "a request for more text must be empty");
            let standing = self.requests.iter().rev().nth(1).map(|r| r.next_stage);
            assert_eq!(
                Some(req.next_stage),
                standing,
                "a request for more keeps T/NSG"
            );
            let header = if self.outgoing.is_empty() {
                self.final_header.take().expect("header of the last chunk")
            } else {
                LoginResponse {
                    continues: true,
                    ..self.header(&req, None)
                }
            };
            return self.emit(header, chunk);
        }
        self.incoming.extend_from_slice(&pdu.data);
        if req.continues {
            // RFC 7143 §11.12.2: each continued request gets an empty response.
            let header = self.header(&req, None);
            return self.reply(index, header, TextPairs::new());
        }
        let text = std::mem::take(&mut self.incoming);
        let pairs = TextPairs::decode(&text, &TextLimits::DEFAULT).expect("initiator text");
        for (key, _) in &pairs {
            assert!(
                self.seen.insert(key.to_owned()),
                "initiator sent {key} twice"
            );
            if matches!(
                key,
                "InitiatorName" | "TargetName" | "SessionType" | "InitiatorAlias"
            ) {
                assert_eq!(self.texts, 0, "{key} after the first request");
            }
        }
        if self.texts == 0 {
            assert!(pairs.get("InitiatorName").is_some(), "InitiatorName first");
        }
        self.texts += 1;
        self.received.push(pairs.clone());

        if let Some((status, extra)) = self.refuse.take() {
            let header = self.refused(&req, status);
            let pairs = extra.into_iter().map(|(k, v)| (k.to_owned(), v.to_owned()));
            return self.reply(index, header, pairs.collect());
        }
        let (header, out) = match req.current_stage {
            Stage::SecurityNegotiation => self.security(&req, &pairs),
            Stage::LoginOperationalNegotiation => self.operational(&req, &pairs),
            other => panic!("initiator in stage {other:?}"),
        };
        self.reply(index, header, out)
    }

    fn check_request(&mut self, req: &LoginRequest, pdu: &Pdu) {
        assert_eq!(
            (req.version_max, req.version_min),
            (0, 0),
            "Version-max/min"
        );
        assert!(pdu.data.len() <= LOGIN_MAX_DATA_SEGMENT_LENGTH);
        assert!(!(req.continues && req.next_stage.is_some()), "C=1 with T=1");
        match &self.first {
            None => {
                assert_eq!(req.exp_stat_sn, StatSn::new(0), "first ExpStatSN");
                self.first = Some(*req);
            }
            Some(first) => {
                assert_eq!(
                    (req.isid, req.tsih, req.itt, req.cid, req.cmd_sn),
                    (first.isid, first.tsih, first.itt, first.cid, first.cmd_sn),
                    "identity and CmdSN constant over the login"
                );
                assert_eq!(req.exp_stat_sn, StatSn::new(self.stat_sn), "ExpStatSN");
            }
        }
    }

    fn header(&self, req: &LoginRequest, next_stage: Option<Stage>) -> LoginResponse {
        let last = next_stage == Some(Stage::FullFeaturePhase);
        LoginResponse {
            continues: false,
            current_stage: req.current_stage,
            next_stage,
            version_max: 0,
            version_active: 0,
            isid: req.isid,
            tsih: if last && req.tsih == Tsih::NEW {
                Tsih(NEW_TSIH)
            } else {
                req.tsih
            },
            itt: req.itt,
            stat_sn: StatSn::new(0),
            exp_cmd_sn: req.cmd_sn,
            max_cmd_sn: req.cmd_sn.add(31),
            status: LoginStatus::Success,
        }
    }

    fn refused(&self, req: &LoginRequest, status: LoginStatus) -> LoginResponse {
        LoginResponse {
            status,
            ..self.header(req, None)
        }
    }

    fn reply(&mut self, index: usize, mut header: LoginResponse, mut pairs: TextPairs) -> Pdu {
        if let Some(mangle) = &mut self.mangle {
            mangle(index, &mut header, &mut pairs);
        }
        let text = pairs.to_bytes().expect("target text encodes");
        match self.split {
            Some(n) if text.len() > n => {
                let mut chunks: VecDeque<Bytes> = (0..text.len())
                    .step_by(n)
                    .map(|i| text.slice(i..(i + n).min(text.len())))
                    .collect();
                let first = chunks.pop_front().expect("a chunk");
                self.outgoing = chunks;
                self.final_header = Some(header);
                let continued = LoginResponse {
                    continues: true,
                    next_stage: None,
                    ..header
                };
                self.emit(continued, first)
            }
            _ => self.emit(header, text),
        }
    }

    fn emit(&mut self, mut header: LoginResponse, data: Bytes) -> Pdu {
        header.stat_sn = StatSn::new(self.stat_sn);
        self.stat_sn += 1;
        let pdu = Pdu::new(header, data);
        let mut wire = BytesMut::new();
        pdu.encode(&mut wire).expect("response encodes");
        self.wire.extend_from_slice(&wire);
        round_trip_bytes(wire.freeze())
    }

    fn security(&mut self, req: &LoginRequest, pairs: &TextPairs) -> (LoginResponse, TextPairs) {
        let mut out = TextPairs::new();
        if let Some(offer) = pairs.get("AuthMethod") {
            let offered: Vec<&str> = offer.split(',').collect();
            let choice = match (
                &self.chap,
                offered.contains(&"CHAP"),
                offered.contains(&"None"),
            ) {
                (Some(_), true, _) => "CHAP",
                (None, _, true) => "None",
                _ => "Reject",
            };
            out.push("AuthMethod", choice);
            self.authenticated = choice == "None";
            if !self.sent_tpgt {
                out.push("TargetPortalGroupTag", "1");
                self.sent_tpgt = true;
            }
        }
        if let Some(list) = pairs.get("CHAP_A") {
            let chap = self.chap.as_ref().expect("CHAP_A without CHAP");
            if list.contains(',') {
                if let Some(status) = self.refuse_chap_list {
                    return (self.refused(req, status), TextPairs::new());
                }
            }
            let pick = match self.chap_a {
                Some(forced) => forced.to_owned(),
                None => chap
                    .algorithms
                    .iter()
                    .map(u8::to_string)
                    .find(|a| list.split(',').any(|o| o == a))
                    .unwrap_or_else(|| "Reject".to_owned()),
            };
            out.push("CHAP_A", pick.clone());
            if let Some(algorithm) = pick.parse().ok().and_then(ChapAlgorithm::from_code) {
                let identifier: u8 = self.rng.random();
                let challenge = self.challenge.clone().unwrap_or_else(|| {
                    let len = match self.flavor {
                        Flavor::Tgt => 50,
                        Flavor::Lio => algorithm.digest_len(),
                    };
                    let mut c = vec![0; len];
                    self.rng.fill_bytes(&mut c);
                    c
                });
                out.push(
                    "CHAP_I",
                    match self.flavor {
                        Flavor::Tgt => identifier.to_string(),
                        Flavor::Lio => format!("0x{identifier:02x}"),
                    },
                );
                out.push("CHAP_C", value::encode_hex(&challenge));
                self.chap_state = Some((algorithm, identifier, challenge));
            }
        }
        if let Some(response) = pairs.get("CHAP_R") {
            let chap = self.chap.as_ref().expect("CHAP_R without CHAP");
            let (algorithm, identifier, challenge) =
                self.chap_state.take().expect("CHAP_R before a challenge");
            let expected =
                algorithm.compute(identifier, &Secret::new(chap.secret.clone()), &challenge);
            let valid = pairs.get("CHAP_N") == Some(chap.user.as_str())
                && value::decode_binary(response, 1024).ok() == Some(expected);
            if !valid {
                return (
                    self.refused(req, LoginStatus::AuthenticationFailure),
                    TextPairs::new(),
                );
            }
            if let (Some(i), Some(c)) = (pairs.get("CHAP_I"), pairs.get("CHAP_C")) {
                let (name, secret) = chap.own.clone().expect("mutual CHAP not set up");
                let i = u8::try_from(value::decode_number(i).unwrap()).unwrap();
                let c = value::decode_binary(c, 1024).unwrap();
                assert_ne!(c, challenge, "initiator reflected our challenge");
                let answer = algorithm.compute(i, &Secret::new(secret), &c);
                out.push("CHAP_N", name);
                out.push("CHAP_R", value::encode_hex(&answer));
            }
            self.authenticated = true;
        }
        let next = match req.next_stage {
            Some(_) if self.authenticated && !self.stall => {
                Some(Stage::LoginOperationalNegotiation)
            }
            _ => None,
        };
        (self.header(req, next), out)
    }

    fn operational(&mut self, req: &LoginRequest, pairs: &TextPairs) -> (LoginResponse, TextPairs) {
        if self.chap.is_some() && !self.authenticated {
            return (
                self.refused(req, LoginStatus::AuthenticationFailure),
                TextPairs::new(),
            );
        }
        let first_round = self.operational_rounds == 0;
        self.operational_rounds += 1;
        let mut out = TextPairs::new();
        for (key, offer) in pairs {
            if let Some(answer) = self.answer(key, offer) {
                out.push(key, answer);
            }
        }
        if first_round {
            if !self.sent_tpgt {
                out.push("TargetPortalGroupTag", "1");
                self.sent_tpgt = true;
            }
            match self.flavor {
                Flavor::Tgt => out.push("MaxRecvDataSegmentLength", "262144"),
                Flavor::Lio => {
                    out.push("TargetAlias", "LIO Target");
                    out.push("MaxRecvDataSegmentLength", "65536");
                }
            }
            for (key, offer) in &self.offers {
                out.push(*key, *offer);
            }
        }
        let wait = first_round && (self.flavor == Flavor::Lio || !self.offers.is_empty());
        let next =
            (req.next_stage.is_some() && !self.stall && !wait).then_some(Stage::FullFeaturePhase);
        (self.header(req, next), out)
    }

    /// The target's negotiation table.
    fn answer(&self, key: &str, offer: &str) -> Option<String> {
        if let Some((_, forced)) = self.overrides.iter().find(|(k, _)| *k == key) {
            return (!forced.is_empty()).then(|| (*forced).to_owned());
        }
        let number = || value::decode_number(offer).expect("numeric offer");
        let supported: &[&str] = match self.flavor {
            Flavor::Tgt => &["None"],
            Flavor::Lio => &["CRC32C", "None"],
        };
        Some(match key {
            "HeaderDigest" | "DataDigest" => offer
                .split(',')
                .find(|d| supported.contains(d))
                .unwrap_or("Reject")
                .to_owned(),
            "MaxConnections" | "MaxOutstandingR2T" | "iSCSIProtocolLevel" => {
                number().min(1).to_string()
            }
            "ErrorRecoveryLevel" => "0".to_owned(),
            "MaxBurstLength" => number().min(262_144).to_string(),
            "FirstBurstLength" => number().min(65_536).to_string(),
            "DefaultTime2Wait" => number().max(2).to_string(),
            "DefaultTime2Retain" => number().min(20).to_string(),
            "InitialR2T" | "DataPDUInOrder" | "DataSequenceInOrder" => "Yes".to_owned(),
            "ImmediateData" => offer.to_owned(),
            "TaskReporting" => "RFC3720".to_owned(),
            "InitiatorName"
            | "InitiatorAlias"
            | "TargetName"
            | "SessionType"
            | "MaxRecvDataSegmentLength" => return None,
            // Answers to the target's own offers.
            k if self.offers.iter().any(|(o, _)| *o == k) => return None,
            _ => "NotUnderstood".to_owned(),
        })
    }
}

fn round_trip_bytes(wire: Bytes) -> Pdu {
    let (pdu, used) = Pdu::decode_bytes(&wire).expect("PDU decodes");
    assert_eq!(used, wire.len());
    pdu
}

fn round_trip(pdu: &Pdu) -> Pdu {
    let mut wire = BytesMut::new();
    pdu.encode(&mut wire).expect("request encodes");
    round_trip_bytes(wire.freeze())
}

fn rng() -> StdRng {
    StdRng::seed_from_u64(0x1091)
}

fn base() -> LoginConfig {
    let mut config = LoginConfig::new(
        OperationalConfig::normal(INITIATOR, TARGET),
        Isid::random(0x12_3456, 1),
    );
    config.itt = Itt(7);
    config.cid = Cid(1);
    config.initial_cmd_sn = CmdSn::new(CMD_SN);
    config
}

fn algorithms(list: &[ChapAlgorithm]) -> AlgorithmList {
    AlgorithmList::new(list.iter().copied()).unwrap()
}

fn one_way(list: &[ChapAlgorithm]) -> ChapConfig {
    ChapConfig::new(USER, Secret::from(SECRET)).with_algorithms(algorithms(list))
}

fn mutual(list: &[ChapAlgorithm]) -> ChapConfig {
    one_way(list).with_mutual(TARGET_USER, Secret::from(TARGET_SECRET))
}

/// Runs a login to its end, every PDU through the wire encoding.
fn drive<R: CryptoRng>(
    login: &mut Login,
    target: &mut Target,
    rng: &mut R,
) -> Result<LoginOutcome, LoginError> {
    for _ in 0..64 {
        let request = login.poll_transmit().expect("a request is due");
        assert!(login.poll_transmit().is_none(), "one request at a time");
        let response = target.handle(&round_trip(&request));
        match login.handle_response(response, rng)? {
            LoginProgress::Continue => assert!(!login.is_finished()),
            LoginProgress::Complete(outcome) => {
                assert!(login.is_finished() && login.poll_transmit().is_none());
                return Ok(outcome);
            }
        }
    }
    panic!("the login did not end");
}

fn run(config: LoginConfig, target: &mut Target) -> Result<LoginOutcome, LoginError> {
    drive(&mut Login::new(config)?, target, &mut rng())
}

fn violation(error: LoginError) -> LoginViolation {
    match error {
        LoginError::Protocol { violation, .. } => violation,
        other => panic!("expected a protocol violation, got {other:?}"),
    }
}

// ---- Reaching full-feature phase --------------------------------------------------------

#[test]
fn tgt_no_auth_reaches_full_feature_phase() {
    let mut target = Target::tgt();
    let outcome = run(base(), &mut target).unwrap();
    // One round: CSG=1, T=1, NSG=3 with the declarations and the whole offer.
    assert_eq!(outcome.rounds, 1);
    let first = target.requests[0];
    assert_eq!(first.current_stage, Stage::LoginOperationalNegotiation);
    assert_eq!(first.next_stage, Some(Stage::FullFeaturePhase));
    assert_eq!(target.sent("TargetName").as_deref(), Some(TARGET));
    assert_eq!(target.sent("SessionType").as_deref(), Some("Normal"));
    assert_eq!(target.sent("AuthMethod"), None);
    // SessionStart: TSIH from the final response, CmdSN unchanged, ExpStatSN = StatSN + 1.
    let start = outcome.start;
    assert_eq!(start.tsih, Tsih(NEW_TSIH));
    assert_eq!(start.isid, Isid::random(0x12_3456, 1));
    assert_eq!(start.cid, Cid(1));
    assert_eq!(start.cmd_sn, CmdSn::new(CMD_SN));
    assert_eq!(start.exp_cmd_sn, CmdSn::new(CMD_SN));
    assert_eq!(start.max_cmd_sn, CmdSn::new(CMD_SN + 31));
    assert_eq!(start.exp_stat_sn, StatSn::new(FIRST_STAT_SN + 1));
    let params = &outcome.params;
    assert_eq!(outcome.target_portal_group_tag(), Some(1));
    assert_eq!(params.target_max_recv_data_segment_length, 262_144);
    assert_eq!(params.initiator_max_recv_data_segment_length, 262_144);
    assert!(matches!(outcome.authentication, Authentication::None));
    let session = outcome.session_config();
    assert_eq!(session.max_burst_length, params.max_burst_length);
}

#[test]
fn lio_no_auth_takes_several_rounds() {
    let mut target = Target::lio();
    let outcome = run(base(), &mut target).unwrap();
    // LIO answers T=0 first; the second request is empty and asks again (T=1, NSG=3).
    assert_eq!(outcome.rounds, 2);
    assert_eq!(target.requests[1].next_stage, Some(Stage::FullFeaturePhase));
    assert!(target.received[1].is_empty());
    assert_eq!(outcome.params.target_alias.as_deref(), Some("LIO Target"));
    assert_eq!(outcome.params.target_max_recv_data_segment_length, 65_536);
    assert_eq!(outcome.start.exp_stat_sn, StatSn::new(FIRST_STAT_SN + 2));
}

#[test]
fn keys_are_sent_once_and_names_only_first() {
    let mut target = Target::lio().with_chap(&[5], true);
    run(base().with_chap(mutual(&[ChapAlgorithm::Md5])), &mut target).unwrap();
    // The target asserted no repeats; check the shape of the first text here.
    let keys: Vec<String> = target.received[0]
        .iter()
        .map(|(k, _)| k.to_owned())
        .collect();
    assert_eq!(
        keys,
        ["InitiatorName", "TargetName", "SessionType", "AuthMethod"]
    );
    let all = target.sent_pairs();
    let unique: BTreeSet<_> = all.iter().map(|(k, _)| k).collect();
    assert_eq!(unique.len(), all.len());
}

#[test]
fn login_pdus_share_cmd_sn_and_track_stat_sn() {
    let mut target = Target::lio().with_chap(&[5], false);
    let outcome = run(
        base().with_chap(one_way(&[ChapAlgorithm::Md5])),
        &mut target,
    )
    .unwrap();
    assert!(target.requests.len() >= 4);
    for (i, req) in target.requests.iter().enumerate() {
        assert_eq!(req.cmd_sn, CmdSn::new(CMD_SN));
        let expected = if i == 0 { 0 } else { FIRST_STAT_SN + i as u32 };
        assert_eq!(req.exp_stat_sn, StatSn::new(expected));
    }
    let last = FIRST_STAT_SN + target.requests.len() as u32 - 1;
    assert_eq!(outcome.start.exp_stat_sn, StatSn::new(last + 1));
    assert_eq!(outcome.start.cmd_sn, CmdSn::new(CMD_SN));
}

// ---- CHAP -------------------------------------------------------------------------------

#[test]
fn chap_one_way_each_algorithm() {
    for algorithm in ChapAlgorithm::ALL {
        let list = if algorithm == ChapAlgorithm::Md5 {
            vec![algorithm]
        } else {
            vec![algorithm, ChapAlgorithm::Md5]
        };
        let mut target = Target::lio().with_chap(&[algorithm.code()], false);
        let config = base().with_chap(one_way(&list));
        let outcome = run(config, &mut target).unwrap();
        assert!(
            matches!(outcome.authentication, Authentication::Chap(_)),
            "{algorithm:?}"
        );
        assert!(!outcome.is_target_authenticated());
        // RFC 7143 §12.1.3: the offer always contains 5; one-way offers CHAP,None.
        let offer = target.sent("CHAP_A").unwrap();
        assert!(offer.split(',').any(|a| a == "5"), "{offer}");
        assert_eq!(target.sent("AuthMethod").as_deref(), Some("CHAP,None"));
        assert_eq!(target.requests[0].next_stage, None);
        assert_eq!(target.requests[1].next_stage, None);
        assert_eq!(
            target.requests[2].next_stage,
            Some(Stage::LoginOperationalNegotiation)
        );
        assert_eq!(target.sent("CHAP_C"), None);
    }
    // tgt: MD5, decimal CHAP_I, 50-byte challenge.
    let mut target = Target::tgt().with_chap(&[5], false);
    run(
        base().with_chap(one_way(&[ChapAlgorithm::Md5])),
        &mut target,
    )
    .unwrap();
}

#[test]
fn chap_mutual_each_algorithm() {
    for algorithm in ChapAlgorithm::ALL {
        let list = if algorithm == ChapAlgorithm::Md5 {
            vec![algorithm]
        } else {
            vec![algorithm, ChapAlgorithm::Md5]
        };
        let mut target = Target::lio().with_chap(&[algorithm.code(), 5], true);
        let outcome = run(base().with_chap(mutual(&list)), &mut target).unwrap();
        assert!(outcome.is_target_authenticated(), "{algorithm:?}");
        assert!(matches!(
            outcome.authentication,
            Authentication::MutualChap(..)
        ));
        // Mutual CHAP offers CHAP alone.
        assert_eq!(target.sent("AuthMethod").as_deref(), Some("CHAP"));
        assert!(target.sent("CHAP_C").is_some() && target.sent("CHAP_I").is_some());
    }
    let mut target = Target::tgt().with_chap(&[5], true);
    let outcome = run(base().with_chap(mutual(&[ChapAlgorithm::Md5])), &mut target).unwrap();
    assert!(outcome.is_target_authenticated());
}

#[test]
fn chap_wrong_secret_is_an_authentication_failure() {
    let mut target = Target::tgt().with_chap(&[5], false);
    target.chap.as_mut().unwrap().secret = b"some-other-secret".to_vec();
    // Several algorithms offered, but the failure comes after CHAP_R: not a list refusal.
    let list = [ChapAlgorithm::Sha256, ChapAlgorithm::Md5];
    let error = run(base().with_chap(one_way(&list)), &mut target).unwrap_err();
    assert_eq!(
        error,
        LoginError::Status(LoginStatus::AuthenticationFailure)
    );
    assert!(error.is_initiator_error() && !error.is_retryable());
}

#[test]
fn chap_wrong_target_secret_fails_mutual() {
    let mut target = Target::lio().with_chap(&[5], true);
    target.chap.as_mut().unwrap().own =
        Some((TARGET_USER.into(), b"not-the-target-secret".to_vec()));
    let error = run(base().with_chap(mutual(&[ChapAlgorithm::Md5])), &mut target).unwrap_err();
    assert_eq!(error, LoginError::Auth(AuthError::TargetResponseMismatch));
    // Wrong CHAP_N.
    let mut target = Target::lio().with_chap(&[5], true);
    target.chap.as_mut().unwrap().own = Some(("impostor".into(), TARGET_SECRET.into()));
    let error = run(base().with_chap(mutual(&[ChapAlgorithm::Md5])), &mut target).unwrap_err();
    assert_eq!(error, LoginError::Auth(AuthError::TargetNameMismatch));
}

#[test]
fn chap_reflected_challenge_is_refused() {
    // The target predicts the challenge our RNG will draw (identifier byte, then 32 bytes
    // for MD5) and sends it as its own: RFC 7143 §9.2.1 reflection.
    let mut predicted = rng();
    predicted.fill_bytes(&mut [0u8; 1]);
    let mut challenge = vec![0u8; 32];
    predicted.fill_bytes(&mut challenge);
    let mut target = Target::lio().with_chap(&[5], true);
    target.challenge = Some(challenge);
    let error = run(base().with_chap(mutual(&[ChapAlgorithm::Md5])), &mut target).unwrap_err();
    assert_eq!(error, LoginError::Auth(AuthError::ReflectedChallenge));
}

#[test]
fn chap_same_secret_both_ways() {
    // Configured: refused before anything is sent.
    let chap =
        ChapConfig::new(USER, Secret::from(SECRET)).with_mutual(TARGET_USER, Secret::from(SECRET));
    let error = Login::new(base().with_chap(chap)).unwrap_err();
    assert_eq!(error, LoginError::Auth(AuthError::SameSecret));
    // Detected: the target answers our challenge with the initiator's secret.
    let mut target = Target::lio().with_chap(&[5], true);
    target.chap.as_mut().unwrap().own = Some((TARGET_USER.into(), SECRET.into()));
    let error = run(base().with_chap(mutual(&[ChapAlgorithm::Md5])), &mut target).unwrap_err();
    assert_eq!(error, LoginError::Auth(AuthError::SameSecret));
}

#[test]
fn chap_target_picks_an_algorithm_not_offered() {
    let mut target = Target::tgt().with_chap(&[5], false);
    target.chap_a = Some("7");
    let error = run(
        base().with_chap(one_way(&[ChapAlgorithm::Md5])),
        &mut target,
    )
    .unwrap_err();
    assert_eq!(error, LoginError::Auth(AuthError::AlgorithmNotOffered(7)));
}

#[test]
fn chap_list_refused_then_md5_only_retry() {
    // A target that reads CHAP_A as one value ends the login when offered a list.
    let list = [ChapAlgorithm::Sha256, ChapAlgorithm::Md5];
    let mut config = base().with_chap(one_way(&list));
    let mut target = Target::lio().with_chap(&[7, 5], false);
    target.refuse_chap_list = Some(LoginStatus::AuthenticationFailure);
    let error = run(config.clone(), &mut target).unwrap_err();
    assert_eq!(
        error,
        LoginError::ChapAlgorithmsRefused {
            status: Some(LoginStatus::AuthenticationFailure)
        }
    );
    assert_eq!(error.status(), Some(LoginStatus::AuthenticationFailure));
    assert!(config.fallback_md5_only());
    let mut target = Target::lio().with_chap(&[7, 5], false);
    target.refuse_chap_list = Some(LoginStatus::AuthenticationFailure);
    run(config.clone(), &mut target).unwrap();
    assert_eq!(target.sent("CHAP_A").as_deref(), Some("5"));
    assert!(
        !config.fallback_md5_only(),
        "a second fallback changes nothing"
    );

    // CHAP_A=Reject to a list is the same signal; to MD5 alone it is final.
    let mut target = Target::lio().with_chap(&[5], false);
    target.chap_a = Some("Reject");
    let error = run(base().with_chap(one_way(&list)), &mut target);
    assert_eq!(
        error.unwrap_err(),
        LoginError::ChapAlgorithmsRefused { status: None }
    );
    let mut target = Target::lio().with_chap(&[5], false);
    target.chap_a = Some("Reject");
    let md5 = base().with_chap(one_way(&[ChapAlgorithm::Md5]));
    let error = run(md5, &mut target).unwrap_err();
    assert_eq!(error, LoginError::Auth(AuthError::AlgorithmRejected));
}

#[test]
fn mutual_chap_cannot_complete_without_the_target_proof() {
    let mutual_config = || base().with_chap(mutual(&[ChapAlgorithm::Md5]));
    // A target without CHAP cannot choose None: it was not offered.
    let error = run(mutual_config(), &mut Target::tgt()).unwrap_err();
    assert_eq!(
        error,
        LoginError::AuthMethod {
            answer: "Reject".into()
        }
    );
    let mut target = Target::tgt().mangle(|i, h, pairs| {
        if i == 0 {
            *pairs = [("AuthMethod".to_owned(), "None".to_owned())]
                .into_iter()
                .collect();
            h.next_stage = None;
        }
    });
    let error = run(mutual_config(), &mut target).unwrap_err();
    assert_eq!(
        error,
        LoginError::AuthMethod {
            answer: "None".into()
        }
    );
    // The target accepts us but does not prove itself.
    let mut target = Target::lio().with_chap(&[5], true).mangle(|_, _, pairs| {
        *pairs = pairs
            .iter()
            .filter(|(k, _)| !matches!(*k, "CHAP_N" | "CHAP_R"))
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
    });
    let error = run(mutual_config(), &mut target).unwrap_err();
    assert_eq!(error, LoginError::Auth(AuthError::MissingKey("CHAP_N")));
    // One-way CHAP receiving CHAP_N/CHAP_R anyway is refused too.
    let mut target = Target::lio().with_chap(&[5], false).mangle(|i, _, pairs| {
        if i == 2 {
            pairs.push("CHAP_N", TARGET_USER);
            pairs.push("CHAP_R", "0x00112233445566778899aabbccddeeff");
        }
    });
    let one = base().with_chap(one_way(&[ChapAlgorithm::Md5]));
    let error = run(one, &mut target).unwrap_err();
    assert_eq!(error, LoginError::Auth(AuthError::UnexpectedKey("CHAP_N")));
}

#[test]
fn one_way_chap_accepts_a_target_that_waives_authentication() {
    // Offered CHAP,None; a target without CHAP picks None; we then ask to transit.
    let mut target = Target::tgt();
    let outcome = run(
        base().with_chap(one_way(&[ChapAlgorithm::Md5])),
        &mut target,
    )
    .unwrap();
    assert!(matches!(outcome.authentication, Authentication::None));
    assert_eq!(target.requests[0].next_stage, None);
    assert_eq!(target.requests[1].current_stage, Stage::SecurityNegotiation);
    assert_eq!(
        target.requests[1].next_stage,
        Some(Stage::LoginOperationalNegotiation)
    );
    assert_eq!(
        target.requests[2].current_stage,
        Stage::LoginOperationalNegotiation
    );
}

#[test]
fn always_security_stage_offers_auth_method_none() {
    let mut config = base();
    config.always_security_stage = true;
    let mut target = Target::lio();
    let outcome = run(config, &mut target).unwrap();
    assert!(matches!(outcome.authentication, Authentication::None));
    let first = target.requests[0];
    assert_eq!(first.current_stage, Stage::SecurityNegotiation);
    assert_eq!(first.next_stage, Some(Stage::LoginOperationalNegotiation));
    assert_eq!(target.sent("AuthMethod").as_deref(), Some("None"));
    // The target transited at once: the second request is operational.
    assert_eq!(
        target.requests[1].current_stage,
        Stage::LoginOperationalNegotiation
    );
}

// ---- Status classes -----------------------------------------------------------------------

#[test]
fn redirect_gives_the_target_address() {
    let mut target = Target::tgt();
    target.refuse = Some((
        LoginStatus::TargetMovedTemporarily,
        vec![("TargetAddress", "[2001:db8::5]:3261")],
    ));
    let error = run(base(), &mut target).unwrap_err();
    let LoginError::Redirect { address, permanent } = error else {
        panic!("{error:?}")
    };
    assert!(!permanent);
    assert_eq!(address.port, 3261);
    assert!(matches!(address.host, Host::Ipv6 { .. }));
    assert_eq!(address.tpgt, None);

    let mut target = Target::lio();
    target.refuse = Some((
        LoginStatus::TargetMovedPermanently,
        vec![("TargetAddress", "storage.example.com")],
    ));
    let error = run(base(), &mut target).unwrap_err();
    let LoginError::Redirect { address, permanent } = error else {
        panic!("{error:?}")
    };
    assert!(permanent);
    assert_eq!(address.host, Host::Name("storage.example.com".into()));
    assert_eq!(address.port, 3260);

    let mut target = Target::tgt();
    target.refuse = Some((LoginStatus::TargetMovedTemporarily, vec![]));
    let error = run(base(), &mut target).unwrap_err();
    assert_eq!(violation(error), LoginViolation::RedirectWithoutAddress);

    let mut target = Target::tgt();
    target.refuse = Some((
        LoginStatus::TargetMovedTemporarily,
        vec![("TargetAddress", "[::1")],
    ));
    let error = run(base(), &mut target).unwrap_err();
    assert!(matches!(error, LoginError::InvalidRedirect(_)), "{error:?}");
}

#[test]
fn target_error_then_retry_succeeds() {
    let config = base();
    let mut target = Target::lio();
    target.refuse = Some((LoginStatus::ServiceUnavailable, vec![]));
    let error = run(config.clone(), &mut target).unwrap_err();
    assert_eq!(error, LoginError::Status(LoginStatus::ServiceUnavailable));
    assert!(error.is_retryable() && !error.is_initiator_error());
    // The retry on a new connection uses the same ISID (and TSIH 0).
    let mut target = Target::lio();
    let outcome = run(config.clone(), &mut target).unwrap();
    assert_eq!(outcome.start.isid, config.isid);
    assert_eq!(target.requests[0].tsih, Tsih::NEW);
    for status in [LoginStatus::TargetError, LoginStatus::OutOfResources] {
        let mut target = Target::tgt();
        target.refuse = Some((status, vec![]));
        assert!(run(config.clone(), &mut target).unwrap_err().is_retryable());
    }
}

#[test]
fn initiator_errors_are_final_and_typed() {
    for status in [
        LoginStatus::AuthenticationFailure,
        LoginStatus::AuthorizationFailure,
        LoginStatus::NotFound,
        LoginStatus::TargetRemoved,
        LoginStatus::MissingParameter,
        LoginStatus::from_parts(2, 0x77),
    ] {
        let mut target = Target::tgt();
        target.refuse = Some((status, vec![]));
        let error = run(base(), &mut target).unwrap_err();
        assert_eq!(error, LoginError::Status(status));
        assert!(error.is_initiator_error() && !error.is_retryable());
    }
    // A class RFC 7143 does not define: kept raw, final.
    let mut target = Target::tgt();
    target.refuse = Some((LoginStatus::from_parts(9, 1), vec![]));
    let error = run(base(), &mut target).unwrap_err();
    assert_eq!(error, LoginError::Status(LoginStatus::Unknown(0x0901)));
    assert!(!error.is_retryable() && !error.is_initiator_error());
}

// ---- Operational negotiation through login ------------------------------------------------

#[test]
fn target_lowers_max_burst_length() {
    let mut target = Target::tgt();
    target.overrides = vec![("MaxBurstLength", "32768")];
    let outcome = run(base(), &mut target).unwrap();
    assert_eq!(outcome.params.max_burst_length, 32_768);
    // FirstBurstLength (65536 agreed) is clamped to the lowered MaxBurstLength (§13.14).
    assert_eq!(outcome.params.first_burst_length, 32_768);
    assert_eq!(outcome.session_config().first_burst_length, 32_768);
}

#[test]
fn first_burst_length_above_max_burst_length() {
    let mut config = base();
    config.operational.first_burst_length = 131_072;
    config.operational.max_burst_length = 65_536;
    let error = Login::new(config).unwrap_err();
    assert!(
        matches!(
            error,
            LoginError::Negotiation(NegotiationError::InvalidConfig {
                key: "FirstBurstLength",
                ..
            })
        ),
        "{error:?}"
    );
    // The target answering a FirstBurstLength above our offer breaks Minimum.
    let mut target = Target::tgt();
    target.overrides = vec![("FirstBurstLength", "131072")];
    let error = run(base(), &mut target).unwrap_err();
    assert!(
        matches!(&error, LoginError::Negotiation(NegotiationError::ValueOutOfRange { key, .. }) if key == "FirstBurstLength"),
        "{error:?}"
    );
}

#[test]
fn immediate_data_is_and() {
    let mut target = Target::lio();
    target.overrides = vec![("ImmediateData", "No")];
    assert!(!run(base(), &mut target).unwrap().params.immediate_data);
    // We offer No; the target may omit its answer; the result is No.
    let mut config = base();
    config.operational.immediate_data = false;
    let mut target = Target::tgt();
    target.overrides = vec![("ImmediateData", "")];
    assert!(
        !run(config.clone(), &mut target)
            .unwrap()
            .params
            .immediate_data
    );
    // Yes in answer to our No breaks AND.
    let mut target = Target::tgt();
    target.overrides = vec![("ImmediateData", "Yes")];
    let error = run(config, &mut target).unwrap_err();
    assert!(matches!(
        error,
        LoginError::Negotiation(NegotiationError::ValueOutOfRange { .. })
    ));
}

#[test]
fn unknown_keys_get_not_understood() {
    let mut target = Target::tgt();
    target.offers = vec![("X-com.example.Tuning", "7"), ("FutureKey", "Yes")];
    let outcome = run(base(), &mut target).unwrap();
    let answers = &target.received[1];
    assert_eq!(answers.get("X-com.example.Tuning"), Some("NotUnderstood"));
    assert_eq!(answers.get("FutureKey"), Some("NotUnderstood"));
    assert_eq!(outcome.rounds, 2);
}

#[test]
fn markers_get_reject() {
    let mut target = Target::lio();
    target.offers = vec![
        ("IFMarker", "Yes"),
        ("OFMarker", "Yes"),
        ("IFMarkInt", "2048~8192"),
        ("OFMarkInt", "2048~8192"),
    ];
    run(base(), &mut target).unwrap();
    let answers = &target.received[1];
    for key in ["IFMarker", "OFMarker", "IFMarkInt", "OFMarkInt"] {
        assert_eq!(answers.get(key), Some("Reject"), "{key}");
    }
}

#[test]
fn offer_in_final_response_is_refused() {
    let mut target = Target::tgt().mangle(|_, h, pairs| {
        if h.next_stage == Some(Stage::FullFeaturePhase) {
            pairs.push("X-com.example.Late", "1");
        }
    });
    let error = run(base(), &mut target).unwrap_err();
    assert_eq!(violation(error), LoginViolation::OfferInFinalResponse);
}

#[test]
fn operational_failure_fails_the_login() {
    // A key the target repeats, and a digest answer we did not offer.
    let mut target = Target::tgt().mangle(|_, _, pairs| pairs.push("MaxBurstLength", "8192"));
    let error = run(base(), &mut target).unwrap_err();
    assert!(matches!(
        error,
        LoginError::Negotiation(NegotiationError::RepeatedKey { .. })
    ));
    let mut target = Target::tgt();
    target.overrides = vec![("HeaderDigest", "CRC32C")];
    let error = run(base(), &mut target).unwrap_err();
    assert!(matches!(
        error,
        LoginError::Negotiation(NegotiationError::ValueOutOfRange { .. })
    ));
}

// ---- Text continuation --------------------------------------------------------------------

#[test]
fn target_text_continued_over_pdus() {
    let mut target = Target::lio().with_chap(&[8, 5], true);
    target.split = Some(40);
    let list = [ChapAlgorithm::Sha3_256, ChapAlgorithm::Md5];
    let outcome = run(base().with_chap(mutual(&list)), &mut target).unwrap();
    assert!(outcome.is_target_authenticated());
    // Every empty continuation request was checked by the target; there were many.
    assert!(outcome.rounds > 10, "{}", outcome.rounds);
}

#[test]
fn our_text_continued_over_pdus() {
    let long_name = format!("iqn.2024-01.org.example:{}", "x".repeat(190));
    let mut config = base();
    config.max_send_segment_length = 512;
    config.operational.initiator_name = long_name.clone();
    config.operational.initiator_alias = Some("a".repeat(255));
    let mut target = Target::tgt().with_chap(&[5], true);
    let outcome = run(config.with_chap(mutual(&[ChapAlgorithm::Md5])), &mut target).unwrap();
    assert!(outcome.is_target_authenticated());
    // The first text (names, alias, AuthMethod) took two PDUs: C=1/T=0, then C=0.
    assert!(target.requests[0].continues);
    assert_eq!(target.requests[0].next_stage, None);
    assert!(!target.requests[1].continues);
    assert_eq!(target.sent("InitiatorAlias").map(|a| a.len()), Some(255));
    // The target answered text to our continued request: refused.
    let mut config = base();
    config.max_send_segment_length = 512;
    config.operational.initiator_name = long_name;
    config.operational.initiator_alias = Some("a".repeat(255));
    let mut target = Target::tgt().mangle(|i, _, pairs| {
        if i == 0 {
            pairs.push("TargetAlias", "eager");
        }
    });
    let error = run(config, &mut target).unwrap_err();
    assert_eq!(violation(error), LoginViolation::TextDuringContinuation);
}

// ---- Header rules -------------------------------------------------------------------------

#[test]
fn transit_only_when_requested() {
    let mut target = Target::tgt().with_chap(&[5], false).mangle(|i, h, _| {
        if i == 0 {
            h.next_stage = Some(Stage::LoginOperationalNegotiation);
        }
    });
    let config = base().with_chap(one_way(&[ChapAlgorithm::Md5]));
    let error = run(config, &mut target).unwrap_err();
    assert_eq!(violation(error), LoginViolation::TransitNotRequested);
}

#[test]
fn next_stage_rules() {
    // The reserved stage 2.
    let mut target = Target::tgt().mangle(|_, h, _| {
        if h.next_stage.is_some() {
            h.next_stage = Some(Stage::Unknown(2));
        }
    });
    let error = run(base(), &mut target).unwrap_err();
    assert_eq!(
        violation(error),
        LoginViolation::InvalidNextStage(Stage::Unknown(2))
    );
    // Beyond what we asked for: NSG=3 when we asked NSG=1 from the security stage.
    let mut config = base();
    config.always_security_stage = true;
    let mut target = Target::tgt().mangle(|_, h, _| {
        if h.next_stage.is_some() {
            h.next_stage = Some(Stage::FullFeaturePhase);
        }
    });
    let error = run(config, &mut target).unwrap_err();
    assert_eq!(
        violation(error),
        LoginViolation::InvalidNextStage(Stage::FullFeaturePhase)
    );
    // Not after CSG: NSG=1 from the operational stage.
    let mut target = Target::lio().mangle(|_, h, _| {
        if h.next_stage.is_some() {
            h.next_stage = Some(Stage::LoginOperationalNegotiation);
        }
    });
    let error = run(base(), &mut target).unwrap_err();
    assert_eq!(
        violation(error),
        LoginViolation::InvalidNextStage(Stage::LoginOperationalNegotiation)
    );
}

#[test]
fn csg_isid_itt_and_version_are_checked() {
    type Edit = fn(&mut LoginResponse);
    let cases: [(Edit, LoginViolation); 4] = [
        (
            |h| h.current_stage = Stage::SecurityNegotiation,
            LoginViolation::StageMismatch {
                sent: Stage::LoginOperationalNegotiation,
                received: Stage::SecurityNegotiation,
            },
        ),
        (
            |h| h.isid = Isid::random(0x65_4321, 1),
            LoginViolation::IsidMismatch,
        ),
        (|h| h.itt = Itt(8), LoginViolation::IttMismatch),
        (|h| h.version_active = 1, LoginViolation::VersionActive(1)),
    ];
    for (edit, expected) in cases {
        let mut target = Target::tgt().mangle(move |_, h, _| edit(h));
        let error = run(base(), &mut target).unwrap_err();
        assert_eq!(violation(error), expected);
    }
}

#[test]
fn final_tsih_rules() {
    // A new session needs a non-zero TSIH.
    let mut target = Target::tgt().mangle(|_, h, _| h.tsih = Tsih::NEW);
    let error = run(base(), &mut target).unwrap_err();
    assert_eq!(violation(error), LoginViolation::ZeroTsih);
    // Adding a connection: the session's TSIH goes out and must come back.
    let mut config = base();
    config.tsih = Tsih(0x0042);
    config.cid = Cid(2);
    let mut target = Target::lio();
    let outcome = run(config.clone(), &mut target).unwrap();
    assert_eq!(outcome.start.tsih, Tsih(0x0042));
    assert!(target.requests.iter().all(|r| r.tsih == Tsih(0x0042)));
    let mut target = Target::lio().mangle(|_, h, _| {
        if h.next_stage == Some(Stage::FullFeaturePhase) {
            h.tsih = Tsih(0x0043);
        }
    });
    let error = run(config, &mut target).unwrap_err();
    assert_eq!(
        violation(error),
        LoginViolation::TsihMismatch {
            expected: Tsih(0x0042),
            received: Tsih(0x0043)
        }
    );
}

#[test]
fn too_many_rounds() {
    let mut target = Target::lio();
    target.stall = true;
    let mut login = Login::new(base()).unwrap();
    let error = drive(&mut login, &mut target, &mut rng()).unwrap_err();
    assert_eq!(
        error,
        LoginError::TooManyRounds {
            limit: DEFAULT_MAX_LOGIN_ROUNDS
        }
    );
    assert_eq!(login.rounds(), DEFAULT_MAX_LOGIN_ROUNDS);
    assert_eq!(target.requests.len(), DEFAULT_MAX_LOGIN_ROUNDS);
    let mut config = base();
    config.max_rounds = 3;
    let mut target = Target::tgt().with_chap(&[5], false);
    let error = run(
        config.with_chap(one_way(&[ChapAlgorithm::Md5])),
        &mut target,
    )
    .unwrap_err();
    assert_eq!(error, LoginError::TooManyRounds { limit: 3 });
    let mut zero = base();
    zero.max_rounds = 0;
    assert!(matches!(
        Login::new(zero),
        Err(LoginError::InvalidConfig(_))
    ));
}

/// RFC 7143 §7.1.5: the session engine recovers only at ERL 0, so a login that would offer
/// ErrorRecoveryLevel 1 or 2 is refused before anything is sent.
#[test]
fn error_recovery_level_above_zero_is_refused() {
    for erl in [1, 2] {
        let mut config = base();
        config.operational.error_recovery_level = erl;
        config.operational.max_outstanding_r2t = 1;
        assert_eq!(
            Login::new(config).err(),
            Some(LoginError::InvalidConfig(
                "ErrorRecoveryLevel above 0 is not implemented"
            )),
            "ERL {erl}"
        );
    }
}

#[test]
fn security_keys_only_where_expected() {
    // CHAP_A in the operational stage.
    let mut target = Target::lio().mangle(|_, _, pairs| pairs.push("CHAP_A", "5"));
    let error = run(base(), &mut target).unwrap_err();
    assert_eq!(
        violation(error),
        LoginViolation::UnexpectedSecurityKey { key: "CHAP_A" }
    );
    // AuthMethod a second time.
    let mut target = Target::tgt().with_chap(&[5], false).mangle(|i, _, pairs| {
        if i == 1 {
            pairs.push("AuthMethod", "CHAP");
        }
    });
    let error = run(
        base().with_chap(one_way(&[ChapAlgorithm::Md5])),
        &mut target,
    )
    .unwrap_err();
    assert_eq!(
        violation(error),
        LoginViolation::UnexpectedSecurityKey { key: "AuthMethod" }
    );
}

#[test]
fn unexpected_pdu_and_api_misuse() {
    let mut login = Login::new(base()).unwrap();
    let nop = Pdu::new(
        NopIn {
            lun: Lun::default(),
            itt: Itt::RESERVED,
            ttt: Ttt(1),
            stat_sn: StatSn::new(0),
            exp_cmd_sn: CmdSn::new(0),
            max_cmd_sn: CmdSn::new(0),
        },
        Bytes::new(),
    );
    // The request has not been taken yet.
    assert_eq!(
        login.handle_response(nop.clone(), &mut rng()).unwrap_err(),
        LoginError::NotAwaitingResponse
    );
    let _ = login.poll_transmit().unwrap();
    let error = login.handle_response(nop.clone(), &mut rng()).unwrap_err();
    assert!(matches!(
        error,
        LoginError::UnexpectedPdu {
            opcode: Opcode::NopIn,
            ..
        }
    ));
    assert!(login.is_finished() && login.state_name().is_none());
    assert_eq!(
        login.handle_response(nop, &mut rng()).unwrap_err(),
        LoginError::NotAwaitingResponse
    );
    assert!(matches!(
        Login::new(LoginConfig {
            itt: Itt::RESERVED,
            ..base()
        }),
        Err(LoginError::InvalidConfig(_))
    ));
}

#[test]
fn generate_isid_is_random_type_with_qualifier() {
    let isid = generate_isid(&mut rng(), 7);
    assert_eq!(isid.kind(), IsidType::Random);
    assert_eq!(isid.qualifier(), 7);
    assert_eq!(
        isid,
        generate_isid(&mut rng(), 7),
        "same random value, same ISID"
    );
    let login = Login::new(LoginConfig { isid, ..base() }).unwrap();
    assert_eq!(login.isid(), isid);
    assert_eq!(login.stage(), Some(Stage::LoginOperationalNegotiation));
}

#[test]
fn discovery_login_then_send_targets_split_over_pdus() {
    let mut config = LoginConfig::new(
        OperationalConfig::discovery(INITIATOR),
        Isid::random(0x11_2233, 0),
    );
    config.always_security_stage = true;
    let mut target = Target::tgt();
    let outcome = run(config, &mut target).unwrap();
    assert_eq!(outcome.params.session_type, SessionType::Discovery);
    assert_eq!(target.sent("SessionType").as_deref(), Some("Discovery"));
    assert_eq!(target.sent("TargetName"), None);
    assert_eq!(target.sent("HeaderDigest"), None);

    // The SendTargets answer over three Text Responses, cut mid-pair: C=1 within the
    // first, then F=0 with a TTT, then the final F=1 PDU.
    let answer = "TargetName=iqn.2024-01.org.example:disk1\0\
        TargetAddress=[2001:db8::10]:3260,1\0\
        TargetAddress=[fe80::1%eth0],1\0\
        TargetAddress=storage-a.example.com:3261,2\0\
        TargetName=iqn.2024-01.org.example:disk2\0\
        TargetAddress=192.0.2.7,3\0\
        TargetAddress=storage-b.example.com,3\0";
    let bytes = Bytes::from(answer);
    let cuts = [0, 50, 130, bytes.len()];
    let mut assembler = TextAssembler::new(TextLimits::for_discovery());
    let mut pairs = None;
    for (i, w) in cuts.windows(2).enumerate() {
        let last = i == cuts.len() - 2;
        let header = TextResponse {
            final_pdu: last,
            continues: i == 0,
            lun: Lun::default(),
            itt: Itt(1),
            ttt: if last { Ttt::RESERVED } else { Ttt(9) },
            stat_sn: outcome.start.exp_stat_sn.add(i as u32),
            exp_cmd_sn: outcome.start.cmd_sn,
            max_cmd_sn: outcome.start.max_cmd_sn,
        };
        let pdu = round_trip(&Pdu::new(header, bytes.slice(w[0]..w[1])));
        let Header::TextResponse(h) = pdu.header else {
            panic!()
        };
        pairs = assembler
            .push(&pdu.data, h.continues || !h.final_pdu)
            .unwrap();
        assert_eq!(pairs.is_some(), last);
    }
    let records = parse_send_targets(&pairs.unwrap(), &DiscoveryLimits::default()).unwrap();
    assert_eq!(records.len(), 2);
    assert_eq!(records[0].addresses.len(), 3);
    assert!(
        matches!(&records[0].addresses[1].host, Host::Ipv6 { zone: Some(z), .. } if z == "eth0")
    );
    assert_eq!(
        records[0].addresses[2].host,
        Host::Name("storage-a.example.com".into())
    );
    assert_eq!(records[0].addresses[2].port, 3261);
    assert_eq!(records[1].addresses[1].tpgt, Some(3));
}

// ---- Fuzz seeds ---------------------------------------------------------------------------

/// The seed transcripts: (file name, mode byte, target).
fn seed_transcripts() -> Vec<(&'static str, u8, Target)> {
    use crate::fuzzing::{LOGIN_SECRET, LOGIN_TARGET_SECRET, LOGIN_TARGET_USER, LOGIN_USER};
    let fuzz_chap = |target: Target, algorithms: &[u8], mutual: bool| {
        let mut target = target.with_chap(algorithms, mutual);
        let chap = target.chap.as_mut().unwrap();
        chap.user = LOGIN_USER.into();
        chap.secret = LOGIN_SECRET.into();
        if mutual {
            chap.own = Some((LOGIN_TARGET_USER.into(), LOGIN_TARGET_SECRET.into()));
        }
        target
    };
    vec![
        ("tgt-no-auth", 0, Target::tgt()),
        (
            "lio-chap-sha256",
            1,
            fuzz_chap(Target::lio(), &[7, 5], false),
        ),
        (
            "tgt-mutual-chap-md5",
            2,
            fuzz_chap(Target::tgt(), &[5], true),
        ),
        ("lio-discovery", 3, Target::lio()),
    ]
}

fn seed(mode: u8, target: &mut Target) -> Vec<u8> {
    let config = crate::fuzzing::login_config(mode);
    let mut login = Login::new(config).unwrap();
    let mut rng = crate::fuzzing::FuzzRng::new(crate::fuzzing::LOGIN_RNG_SEED);
    drive(&mut login, target, &mut rng).unwrap();
    let mut seed = vec![mode];
    seed.extend_from_slice(&target.wire);
    seed
}

#[test]
fn fuzz_seeds_reach_full_feature_phase() {
    for (name, mode, mut target) in seed_transcripts() {
        let seed = seed(mode, &mut target);
        let outcome = crate::fuzzing::drive_login(&seed);
        assert!(
            outcome.is_some(),
            "{name} does not complete under the fuzz driver"
        );
        // With bit 7 (ISID/ITT patched) the transcript completes too.
        let mut patched = seed.clone();
        patched[0] |= 0x80;
        assert!(crate::fuzzing::drive_login(&patched).is_some(), "{name}");
        // Every truncation fails or stops cleanly.
        for len in (1..seed.len()).step_by(61) {
            crate::fuzzing::login(&seed[..len]);
        }
    }
}

/// Writes `fuzz/corpus/login/*`. Run with `cargo test -p iscsi-proto -- --ignored
/// write_login_fuzz_seeds` after changing the transcripts or `fuzzing::login_config`.
#[test]
#[ignore]
#[allow(clippy::disallowed_methods)]
fn write_login_fuzz_seeds() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus/login");
    std::fs::create_dir_all(&dir).unwrap();
    for (name, mode, mut target) in seed_transcripts() {
        std::fs::write(dir.join(name), seed(mode, &mut target)).unwrap();
    }
}
