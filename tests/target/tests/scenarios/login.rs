//! Login: stages, CHAP (each algorithm, mutual, failures), negotiation, discovery.

use iscsi_proto::{
    auth::{AlgorithmList, ChapAlgorithm, ChapConfig, ChapInitiator, Secret},
    wire::{Header, Itt, LoginStatus, Pdu, Stage, TextResponse, Ttt},
};
use iscsi_test_target::{
    ChapAuth, DEFAULT_TARGET_NAME, Redirect, SessionType, TargetConfig, TargetParams, ViolationKind,
};
use rand::{SeedableRng, rngs::StdRng};

use crate::support::{INITIATOR, Pair, pairs, value};

fn chap_config(mutual: bool) -> TargetConfig {
    let mut config = TargetConfig::default();
    let mut auth = ChapAuth::new("alice", "alice-secret-1234");
    if mutual {
        auth = auth.with_mutual("tgtuser", "target-secret-5678");
    }
    config.auth = Some(auth);
    config
}

fn login_response(pdus: &[Pdu]) -> (iscsi_proto::wire::LoginResponse, Vec<(String, String)>) {
    assert_eq!(pdus.len(), 1, "{pdus:?}");
    let Header::LoginResponse(h) = pdus[0].header else {
        panic!("{pdus:?}")
    };
    (h, pairs(&pdus[0].data))
}

/// Runs the CHAP security stage with the iscsi-proto CHAP initiator, then the
/// operational stage. Returns the status of the step that failed, or success.
fn chap_login(pair: &mut Pair, chap: ChapConfig) -> (LoginStatus, Option<ChapAlgorithm>) {
    let initiator = ChapInitiator::new(chap).unwrap();
    let mut rng = StdRng::seed_from_u64(7);
    let itt = Itt(0x10);
    let req = pair.init.login_request(
        itt,
        Stage::SecurityNegotiation,
        None,
        &[
            ("InitiatorName", INITIATOR),
            ("TargetName", DEFAULT_TARGET_NAME),
            ("SessionType", "Normal"),
            ("AuthMethod", "CHAP,None"),
        ],
    );
    let (resp, answers) = login_response(&pair.exchange(&req));
    assert_eq!(resp.status, LoginStatus::Success);
    assert_eq!(value(&answers, "AuthMethod"), Some("CHAP"));
    assert_eq!(value(&answers, "TargetPortalGroupTag"), Some("1"));

    let offer = initiator.offer();
    let req = pair
        .init
        .login_request(itt, Stage::SecurityNegotiation, None, &[("CHAP_A", &offer)]);
    let (resp, answers) = login_response(&pair.exchange(&req));
    if resp.status != LoginStatus::Success {
        return (resp.status, None);
    }
    let Ok((reply, answered)) = initiator.handle_challenge(
        value(&answers, "CHAP_A"),
        value(&answers, "CHAP_I"),
        value(&answers, "CHAP_C"),
        &mut rng,
    ) else {
        return (LoginStatus::AuthenticationFailure, None);
    };
    let algorithm = answered.algorithm();
    let keys: Vec<(&str, String)> = reply.pairs();
    let keys: Vec<(&str, &str)> = keys.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let req = pair.init.login_request(
        itt,
        Stage::SecurityNegotiation,
        Some(Stage::LoginOperationalNegotiation),
        &keys,
    );
    let (resp, answers) = login_response(&pair.exchange(&req));
    if resp.status != LoginStatus::Success {
        return (resp.status, Some(algorithm));
    }
    assert_eq!(resp.next_stage, Some(Stage::LoginOperationalNegotiation));
    // The target declares its MaxRecvDataSegmentLength on entering the operational stage.
    assert_eq!(value(&answers, "MaxRecvDataSegmentLength"), Some("8192"));
    answered
        .verify_target(value(&answers, "CHAP_N"), value(&answers, "CHAP_R"))
        .expect("target's mutual CHAP answer verifies");
    let req = pair.init.login_request(
        itt,
        Stage::LoginOperationalNegotiation,
        Some(Stage::FullFeaturePhase),
        &[("MaxRecvDataSegmentLength", "65536")],
    );
    let (resp, answers) = login_response(&pair.exchange(&req));
    assert_eq!(resp.next_stage, Some(Stage::FullFeaturePhase));
    assert_ne!(resp.tsih.0, 0);
    assert_eq!(
        value(&answers, "MaxRecvDataSegmentLength"),
        None,
        "declared once"
    );
    (resp.status, Some(algorithm))
}

#[test]
fn login_without_auth() {
    let mut pair = Pair::new(TargetConfig::default());
    let resp = pair.login();
    assert_eq!(resp.tsih.0, 1);
    assert_eq!(resp.stat_sn.get(), 0x1000);
    assert_eq!(resp.exp_cmd_sn, pair.init.cmd_sn);
    assert_eq!(resp.max_cmd_sn, pair.init.cmd_sn.add(31));
    assert_eq!(pair.conn.params().session_type, SessionType::Normal);
    assert!(pair.target.violations().is_empty());
    // A second connection gets the next TSIH.
    let mut other = Pair::with_target(&pair.target);
    assert_eq!(other.login().tsih.0, 2);
}

#[test]
fn chap_each_algorithm_one_way_and_mutual() {
    for algorithm in ChapAlgorithm::ALL {
        for mutual in [false, true] {
            let mut pair = Pair::new(chap_config(mutual));
            let list = if algorithm == ChapAlgorithm::Md5 {
                AlgorithmList::md5_only()
            } else {
                AlgorithmList::new([algorithm, ChapAlgorithm::Md5]).unwrap()
            };
            let mut chap =
                ChapConfig::new("alice", Secret::from("alice-secret-1234")).with_algorithms(list);
            if mutual {
                chap = chap.with_mutual("tgtuser", Secret::from("target-secret-5678"));
            }
            let (status, chosen) = chap_login(&mut pair, chap);
            assert_eq!(
                status,
                LoginStatus::Success,
                "{algorithm:?} mutual={mutual}"
            );
            assert_eq!(chosen, Some(algorithm));
            assert!(pair.target.violations().is_empty());
        }
    }
}

#[test]
fn chap_restricted_algorithms_pick_from_initiator_order() {
    let mut config = chap_config(false);
    config.auth = config
        .auth
        .map(|a| a.with_algorithms(vec![ChapAlgorithm::Md5, ChapAlgorithm::Sha1]));
    let mut pair = Pair::new(config);
    let chap = ChapConfig::new("alice", Secret::from("alice-secret-1234")).with_algorithms(
        AlgorithmList::new([
            ChapAlgorithm::Sha3_256,
            ChapAlgorithm::Sha1,
            ChapAlgorithm::Md5,
        ])
        .unwrap(),
    );
    assert_eq!(
        chap_login(&mut pair, chap),
        (LoginStatus::Success, Some(ChapAlgorithm::Sha1))
    );
}

#[test]
fn chap_wrong_secret_fails_with_0201_and_closes() {
    let mut pair = Pair::new(chap_config(false));
    let chap = ChapConfig::new("alice", Secret::from("wrong-secret-0000"));
    let (status, _) = chap_login(&mut pair, chap);
    assert_eq!(status, LoginStatus::AuthenticationFailure);
    assert_eq!((status.class(), status.detail()), (2, 1));
    assert!(pair.conn.is_closed());
    assert!(
        pair.target
            .violations()
            .iter()
            .any(|v| v.kind == ViolationKind::Login && v.detail.contains("CHAP_R"))
    );
}

#[test]
fn chap_wrong_user_and_missing_mutual_credentials_fail() {
    let mut pair = Pair::new(chap_config(false));
    let chap = ChapConfig::new("mallory", Secret::from("alice-secret-1234"));
    assert_eq!(
        chap_login(&mut pair, chap).0,
        LoginStatus::AuthenticationFailure
    );

    // Mutual asked, but the target has no credentials to answer with.
    let mut pair = Pair::new(chap_config(false));
    let chap = ChapConfig::new("alice", Secret::from("alice-secret-1234"))
        .with_mutual("tgtuser", Secret::from("target-secret-5678"));
    assert_eq!(
        chap_login(&mut pair, chap).0,
        LoginStatus::AuthenticationFailure
    );
}

#[test]
fn chap_required_but_initiator_skips_security() {
    let mut pair = Pair::new(chap_config(false));
    let (resp, _) = pair.login_with(&[]);
    assert_eq!(resp.status, LoginStatus::AuthenticationFailure);
    assert!(pair.conn.is_closed());
}

#[test]
fn chap_no_common_algorithm_answers_reject() {
    let mut config = chap_config(false);
    config.auth = config
        .auth
        .map(|a| a.with_algorithms(vec![ChapAlgorithm::Sha256]));
    let mut pair = Pair::new(config);
    let itt = Itt(1);
    let req = pair.init.login_request(
        itt,
        Stage::SecurityNegotiation,
        None,
        &[
            ("InitiatorName", INITIATOR),
            ("TargetName", DEFAULT_TARGET_NAME),
            ("AuthMethod", "CHAP"),
            ("CHAP_A", "5"),
        ],
    );
    let (resp, answers) = login_response(&pair.exchange(&req));
    assert_eq!(resp.status, LoginStatus::Success);
    assert_eq!(value(&answers, "CHAP_A"), Some("Reject"));
    let req = pair.init.login_request(
        itt,
        Stage::SecurityNegotiation,
        Some(Stage::LoginOperationalNegotiation),
        &[],
    );
    let (resp, _) = login_response(&pair.exchange(&req));
    assert_eq!(resp.status, LoginStatus::AuthenticationFailure);
}

#[test]
fn operational_keys_answered_by_rule() {
    let mut config = TargetConfig::default();
    config.params = TargetParams::default();
    config.params.max_burst_length = 65536;
    config.params.first_burst_length = 16384;
    config.params.max_outstanding_r2t = 4;
    config.params.default_time2wait = 5;
    let mut pair = Pair::new(config);
    let (resp, a) = pair.login_with(&[
        ("HeaderDigest", "CRC32C,None"),
        ("DataDigest", "None,CRC32C"),
        ("MaxRecvDataSegmentLength", "4096"),
        ("MaxBurstLength", "1048576"),
        ("FirstBurstLength", "8192"),
        ("InitialR2T", "No"),
        ("ImmediateData", "Yes"),
        ("MaxOutstandingR2T", "8"),
        ("ErrorRecoveryLevel", "2"),
        ("DefaultTime2Wait", "1"),
        ("DefaultTime2Retain", "60"),
        ("DataPDUInOrder", "Yes"),
        ("DataSequenceInOrder", "No"),
        ("MaxConnections", "4"),
        ("IFMarker", "No"),
        ("X-com.example.Foo", "bar"),
    ]);
    assert_eq!(resp.status, LoginStatus::Success);
    let expect = [
        ("HeaderDigest", "CRC32C"),
        ("DataDigest", "None"),
        ("MaxBurstLength", "65536"),
        ("FirstBurstLength", "8192"),
        ("InitialR2T", "Yes"), // OR with the target's Yes
        ("ImmediateData", "Yes"),
        ("MaxOutstandingR2T", "4"),
        ("ErrorRecoveryLevel", "0"),
        ("DefaultTime2Wait", "5"), // maximum
        ("DefaultTime2Retain", "20"),
        ("DataPDUInOrder", "Yes"),
        ("DataSequenceInOrder", "Yes"),
        ("MaxConnections", "1"),
        ("IFMarker", "Reject"),
        ("X-com.example.Foo", "NotUnderstood"),
        ("MaxRecvDataSegmentLength", "8192"),
        ("TargetPortalGroupTag", "1"),
    ];
    for (key, v) in expect {
        assert_eq!(value(&a, key), Some(v), "{key}");
    }
    let p = pair.conn.params();
    assert_eq!(p.initiator_max_recv_data_segment_length, 4096);
    assert!(p.header_digest && !p.data_digest);
    assert_eq!(p.max_outstanding_r2t, 4);
    // The declarative MRDSL gets no answer from the target, only its own declaration.
    assert_eq!(
        a.iter()
            .filter(|(k, _)| k == "MaxRecvDataSegmentLength")
            .count(),
        1
    );
}

#[test]
fn target_offers_its_non_default_values() {
    let mut config = TargetConfig::default();
    config.params.initial_r2t = false;
    config.params.max_outstanding_r2t = 2;
    let mut pair = Pair::new(config);
    // The initiator names none of those keys: the target offers them, withholding T.
    let (resp, a) = pair.login_with(&[]);
    assert_eq!(resp.status, LoginStatus::Success);
    assert_eq!(resp.next_stage, None);
    assert_eq!(value(&a, "InitialR2T"), Some("No"));
    assert_eq!(value(&a, "MaxOutstandingR2T"), Some("2"));
    let req = pair.init.login_request(
        Itt(1),
        Stage::LoginOperationalNegotiation,
        Some(Stage::FullFeaturePhase),
        &[("InitialR2T", "No"), ("MaxOutstandingR2T", "2")],
    );
    let (resp, _) = login_response(&pair.exchange(&req));
    assert_eq!(resp.next_stage, Some(Stage::FullFeaturePhase));
    assert!(!pair.conn.params().initial_r2t);
    assert_eq!(pair.conn.params().max_outstanding_r2t, 2);
}

#[test]
fn login_failures() {
    // Unknown target.
    let mut pair = Pair::new(TargetConfig::default());
    let req = pair.init.login_request(
        Itt(1),
        Stage::LoginOperationalNegotiation,
        Some(Stage::FullFeaturePhase),
        &[("InitiatorName", INITIATOR), ("TargetName", "iqn.nope")],
    );
    assert_eq!(
        login_response(&pair.exchange(&req)).0.status,
        LoginStatus::NotFound
    );
    // No InitiatorName.
    let mut pair = Pair::new(TargetConfig::default());
    let req = pair.init.login_request(
        Itt(1),
        Stage::LoginOperationalNegotiation,
        Some(Stage::FullFeaturePhase),
        &[("TargetName", DEFAULT_TARGET_NAME)],
    );
    assert_eq!(
        login_response(&pair.exchange(&req)).0.status,
        LoginStatus::MissingParameter
    );
    // A repeated key.
    let mut pair = Pair::new(TargetConfig::default());
    let (resp, _) = pair.login_with(&[("MaxBurstLength", "4096"), ("MaxBurstLength", "8192")]);
    assert_eq!(resp.status, LoginStatus::InitiatorError);
}

#[test]
fn redirect() {
    let mut config = TargetConfig::default();
    config.redirect = Some(Redirect::temporary("127.0.0.2:3261"));
    let mut pair = Pair::new(config);
    let (resp, a) = pair.login_with(&[]);
    assert_eq!(resp.status, LoginStatus::TargetMovedTemporarily);
    assert_eq!(value(&a, "TargetAddress"), Some("127.0.0.2:3261"));
    pair.recv();
    assert!(pair.conn.is_closed());
}

#[test]
fn extra_login_keys_fault() {
    let mut config = TargetConfig::default();
    config
        .faults
        .extra_login_keys
        .push(("X-Test-Key".to_owned(), "1".to_owned()));
    let mut pair = Pair::new(config);
    let (_, a) = pair.login_with(&[]);
    assert_eq!(value(&a, "X-Test-Key"), Some("1"));
}

fn discovery_login(pair: &mut Pair) {
    let req = pair.init.login_request(
        Itt(1),
        Stage::LoginOperationalNegotiation,
        Some(Stage::FullFeaturePhase),
        &[
            ("InitiatorName", INITIATOR),
            ("SessionType", "Discovery"),
            ("MaxRecvDataSegmentLength", "512"),
            ("InitialR2T", "No"),
        ],
    );
    let (resp, a) = login_response(&pair.exchange(&req));
    assert_eq!(resp.status, LoginStatus::Success);
    assert_eq!(value(&a, "InitialR2T"), Some("Irrelevant"));
    assert_eq!(value(&a, "TargetPortalGroupTag"), None);
}

fn many_targets() -> TargetConfig {
    let mut config = TargetConfig::default();
    for i in 0..20 {
        config
            .targets
            .push(iscsi_test_target::TargetNodeConfig::new(format!(
                "iqn.2026-01.invalid.ima:extra-target-number-{i:03}"
            )));
    }
    config
}

/// Collects a SendTargets answer, following F=0 continuations.
fn send_targets(pair: &mut Pair, max_pdu: usize) -> (Vec<(String, String)>, usize) {
    let itt = Itt(0x77);
    let mut req = pair
        .init
        .text_request(itt, Ttt::RESERVED, &[("SendTargets", "All")]);
    let mut text = Vec::new();
    let mut pdus = 0;
    loop {
        let replies = pair.exchange(&req);
        assert_eq!(replies.len(), 1);
        let Header::TextResponse(TextResponse {
            final_pdu,
            ttt,
            itt: got,
            ..
        }) = replies[0].header
        else {
            panic!("{replies:?}")
        };
        assert_eq!(got, itt);
        assert!(replies[0].data.len() <= max_pdu);
        text.extend_from_slice(&replies[0].data);
        pdus += 1;
        if final_pdu {
            break;
        }
        assert!(!ttt.is_reserved());
        req = pair.init.text_request(itt, ttt, &[]);
    }
    (pairs(&text), pdus)
}

#[test]
fn send_targets_split_over_pdus() {
    let mut pair = Pair::new(many_targets());
    pair.target.set_portal("127.0.0.1:3260");
    discovery_login(&mut pair);
    assert_eq!(pair.conn.params().session_type, SessionType::Discovery);
    let (answer, pdus) = send_targets(&mut pair, 512);
    assert!(pdus > 1, "{pdus}");
    assert_eq!(answer.len(), 42);
    assert_eq!(
        answer[0],
        ("TargetName".to_owned(), DEFAULT_TARGET_NAME.to_owned())
    );
    assert_eq!(
        answer[1],
        ("TargetAddress".to_owned(), "127.0.0.1:3260,1".to_owned())
    );
    assert!(pair.target.violations().is_empty());
}

#[test]
fn send_targets_forced_split() {
    let mut config = TargetConfig::default();
    config.text_chunk = Some(16);
    let mut pair = Pair::new(config);
    discovery_login(&mut pair);
    let (answer, pdus) = send_targets(&mut pair, 16);
    assert!(pdus >= 4);
    assert_eq!(answer.len(), 2);
}

#[test]
fn discovery_session_rejects_scsi_commands() {
    let mut pair = Pair::new(TargetConfig::default());
    discovery_login(&mut pair);
    let (_, cmd) = pair.init.command(
        crate::support::cdb(&[0]),
        false,
        false,
        0,
        Default::default(),
        true,
    );
    let replies = pair.exchange(&cmd);
    assert!(matches!(replies[0].header, Header::Reject(_)));
}

#[test]
fn login_text_continuation() {
    let mut pair = Pair::new(TargetConfig::default());
    let mut first = pair.init.login_request(
        Itt(1),
        Stage::LoginOperationalNegotiation,
        None,
        &[("InitiatorName", INITIATOR)],
    );
    let Header::LoginRequest(h) = &mut first.header else {
        unreachable!()
    };
    h.continues = true;
    let (resp, a) = login_response(&pair.exchange(&first));
    assert_eq!(resp.status, LoginStatus::Success);
    assert!(a.is_empty());
    let second = pair.init.login_request(
        Itt(1),
        Stage::LoginOperationalNegotiation,
        Some(Stage::FullFeaturePhase),
        &[("TargetName", DEFAULT_TARGET_NAME)],
    );
    let (resp, _) = login_response(&pair.exchange(&second));
    assert_eq!(resp.next_stage, Some(Stage::FullFeaturePhase));
}
