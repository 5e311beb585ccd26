//! Negotiation tests: one table row (at least) per RFC 7143 §13 key and rule.

use super::*;

const INITIATOR: &str = "iqn.2024-01.org.example:initiator";
const TARGET: &str = "iqn.2024-01.org.example:target";

fn normal() -> OperationalConfig {
    OperationalConfig::normal(INITIATOR, TARGET)
}

fn pairs(list: &[(&str, &str)]) -> TextPairs {
    list.iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn keys(p: &TextPairs) -> Vec<&str> {
    p.iter().map(|(k, _)| k).collect()
}

/// The target's answers that agree with every negotiated key we offered: the offered value
/// itself (the first item for lists).
fn echo(offer: &TextPairs) -> TextPairs {
    offer
        .iter()
        .filter(|(k, _)| {
            matches!(
                Key::from_name(k).kind(),
                Some(Kind::Minimum | Kind::Maximum | Kind::And | Kind::Or | Kind::List)
            )
        })
        .map(|(k, v)| (k.to_owned(), v.split(',').next().unwrap_or(v).to_owned()))
        .collect()
}

/// Offers everything, then gets an echo response in which `key` is answered `answer`
/// (`None`: omitted), plus `extra` pairs; returns the result of `finish`.
fn negotiate(
    config: OperationalConfig,
    key: &str,
    answer: Option<&str>,
    extra: &[(&str, &str)],
) -> Result<NegotiatedParams, NegotiationError> {
    let mut n = Negotiator::new(config).unwrap();
    let offer = n.offer();
    let mut response = TextPairs::new();
    for (k, v) in echo(&offer).iter() {
        if k != key {
            response.push(k, v);
        }
    }
    if let Some(a) = answer {
        response.push(key, a);
    }
    for (k, v) in extra {
        response.push(*k, *v);
    }
    let answers = n.handle_response(&response)?;
    assert!(answers.is_empty(), "unexpected answers {answers:?}");
    n.finish()
}

fn out_of_range(key: &str, value: &str) -> NegotiationError {
    NegotiationError::ValueOutOfRange {
        key: key.into(),
        value: value.into(),
    }
}

type Check = fn(&NegotiatedParams) -> bool;

struct Case {
    what: &'static str,
    config: fn(&mut OperationalConfig),
    key: &'static str,
    answer: Option<&'static str>,
    expect: Result<Check, NegotiationError>,
}

fn keep(_: &mut OperationalConfig) {}

#[rustfmt::skip]
fn answer_cases() -> Vec<Case> {
    use NegotiationError as E;
    let c = |what, config, key, answer, expect| Case {
        what,
        config,
        key,
        answer,
        expect,
    };
    vec![
        // MaxBurstLength: Minimum, 512..=2^24-1.
        c("MBL lowered", keep, "MaxBurstLength", Some("65536"), Ok(|p| p.max_burst_length == 65536)),
        c("MBL hex", keep, "MaxBurstLength", Some("0x10000"), Ok(|p| p.max_burst_length == 65536)),
        c("MBL above offer", keep, "MaxBurstLength", Some("262145"), Err(out_of_range("MaxBurstLength", "262145"))),
        c("MBL below range", keep, "MaxBurstLength", Some("511"), Err(out_of_range("MaxBurstLength", "511"))),
        c("MBL not a number", keep, "MaxBurstLength", Some("lots"), Err(out_of_range("MaxBurstLength", "lots"))),
        c("MBL list", keep, "MaxBurstLength", Some("512,1024"), Err(out_of_range("MaxBurstLength", "512,1024"))),
        c("MBL missing", keep, "MaxBurstLength", None, Err(E::MissingAnswer { key: "MaxBurstLength".into() })),
        c("MBL rejected", keep, "MaxBurstLength", Some("Reject"), Err(E::Rejected { key: "MaxBurstLength".into() })),
        c("MBL irrelevant", keep, "MaxBurstLength", Some("Irrelevant"), Ok(|p| p.max_burst_length == 262_144)),
        // FirstBurstLength: Minimum, and never above MaxBurstLength in the result.
        c("FBL lowered", keep, "FirstBurstLength", Some("4096"), Ok(|p| p.first_burst_length == 4096)),
        c("FBL above offer", keep, "FirstBurstLength", Some("65537"), Err(out_of_range("FirstBurstLength", "65537"))),
        c("FBL irrelevant", |c| c.first_burst_length = 8192, "FirstBurstLength", Some("Irrelevant"), Ok(|p| p.first_burst_length == 65536)),
        // MaxConnections: Minimum, 1..=65535.
        c("MaxConnections lowered", |c| c.max_connections = 4, "MaxConnections", Some("1"), Ok(|p| p.max_connections == 1)),
        c("MaxConnections raised", keep, "MaxConnections", Some("2"), Err(out_of_range("MaxConnections", "2"))),
        c("MaxConnections zero", |c| c.max_connections = 4, "MaxConnections", Some("0"), Err(out_of_range("MaxConnections", "0"))),
        // DefaultTime2Wait: Maximum, 0..=3600.
        c("T2W raised", keep, "DefaultTime2Wait", Some("5"), Ok(|p| p.default_time2wait == 5)),
        c("T2W lowered", keep, "DefaultTime2Wait", Some("1"), Err(out_of_range("DefaultTime2Wait", "1"))),
        c("T2W over range", keep, "DefaultTime2Wait", Some("3601"), Err(out_of_range("DefaultTime2Wait", "3601"))),
        // DefaultTime2Retain: Minimum, 0..=3600.
        c("T2R lowered", keep, "DefaultTime2Retain", Some("0"), Ok(|p| p.default_time2retain == 0)),
        c("T2R raised", keep, "DefaultTime2Retain", Some("21"), Err(out_of_range("DefaultTime2Retain", "21"))),
        // MaxOutstandingR2T: Minimum, 1..=65535.
        c("MaxOutstandingR2T lowered", |c| c.max_outstanding_r2t = 8, "MaxOutstandingR2T", Some("2"), Ok(|p| p.max_outstanding_r2t == 2)),
        c("MaxOutstandingR2T raised", keep, "MaxOutstandingR2T", Some("2"), Err(out_of_range("MaxOutstandingR2T", "2"))),
        c("MaxOutstandingR2T zero", |c| c.max_outstanding_r2t = 8, "MaxOutstandingR2T", Some("0"), Err(out_of_range("MaxOutstandingR2T", "0"))),
        // ErrorRecoveryLevel: Minimum, 0..=2.
        c("ERL lowered", |c| c.error_recovery_level = 2, "ErrorRecoveryLevel", Some("1"), Ok(|p| p.error_recovery_level == 1)),
        c("ERL raised", keep, "ErrorRecoveryLevel", Some("1"), Err(out_of_range("ErrorRecoveryLevel", "1"))),
        c("ERL over range", |c| c.error_recovery_level = 2, "ErrorRecoveryLevel", Some("3"), Err(out_of_range("ErrorRecoveryLevel", "3"))),
        // ImmediateData: AND.
        c("ImmediateData Yes->No", keep, "ImmediateData", Some("No"), Ok(|p| !p.immediate_data)),
        c("ImmediateData Yes->Yes", keep, "ImmediateData", Some("Yes"), Ok(|p| p.immediate_data)),
        c("ImmediateData No->Yes", |c| c.immediate_data = false, "ImmediateData", Some("Yes"), Err(out_of_range("ImmediateData", "Yes"))),
        c("ImmediateData No omitted", |c| c.immediate_data = false, "ImmediateData", None, Ok(|p| !p.immediate_data)),
        c("ImmediateData Yes omitted", keep, "ImmediateData", None, Err(E::MissingAnswer { key: "ImmediateData".into() })),
        c("ImmediateData not boolean", keep, "ImmediateData", Some("yes"), Err(out_of_range("ImmediateData", "yes"))),
        c("ImmediateData not understood", keep, "ImmediateData", Some("NotUnderstood"), Err(E::NotUnderstood { key: "ImmediateData".into() })),
        // InitialR2T: OR.
        c("InitialR2T No->Yes", |c| c.initial_r2t = false, "InitialR2T", Some("Yes"), Ok(|p| p.initial_r2t)),
        c("InitialR2T No->No", |c| c.initial_r2t = false, "InitialR2T", Some("No"), Ok(|p| !p.initial_r2t)),
        c("InitialR2T Yes->No", keep, "InitialR2T", Some("No"), Err(out_of_range("InitialR2T", "No"))),
        c("InitialR2T Yes omitted", keep, "InitialR2T", None, Ok(|p| p.initial_r2t)),
        c("InitialR2T No omitted", |c| c.initial_r2t = false, "InitialR2T", None, Err(E::MissingAnswer { key: "InitialR2T".into() })),
        // DataPDUInOrder, DataSequenceInOrder: OR.
        c("DataPDUInOrder No->Yes", |c| c.data_pdu_in_order = false, "DataPDUInOrder", Some("Yes"), Ok(|p| p.data_pdu_in_order)),
        c("DataPDUInOrder Yes->No", keep, "DataPDUInOrder", Some("No"), Err(out_of_range("DataPDUInOrder", "No"))),
        c("DataSequenceInOrder No->No", |c| c.data_sequence_in_order = false, "DataSequenceInOrder", Some("No"), Ok(|p| !p.data_sequence_in_order)),
        c("DataSequenceInOrder Yes->No", keep, "DataSequenceInOrder", Some("No"), Err(out_of_range("DataSequenceInOrder", "No"))),
        // HeaderDigest / DataDigest: list.
        c("HeaderDigest CRC32C", |c| c.header_digest = vec![Digest::Crc32c, Digest::None], "HeaderDigest", Some("CRC32C"), Ok(|p| p.header_digest == Digest::Crc32c)),
        c("HeaderDigest None offered", |c| c.header_digest = vec![Digest::Crc32c, Digest::None], "HeaderDigest", Some("None"), Ok(|p| p.header_digest == Digest::None)),
        c("HeaderDigest not offered", keep, "HeaderDigest", Some("CRC32C"), Err(out_of_range("HeaderDigest", "CRC32C"))),
        c("HeaderDigest None not offered", |c| c.header_digest = vec![Digest::Crc32c], "HeaderDigest", Some("None"), Err(out_of_range("HeaderDigest", "None"))),
        c("HeaderDigest answered a list", |c| c.header_digest = vec![Digest::Crc32c, Digest::None], "HeaderDigest", Some("CRC32C,None"), Err(out_of_range("HeaderDigest", "CRC32C,None"))),
        c("HeaderDigest reject with None", |c| c.header_digest = vec![Digest::Crc32c, Digest::None], "HeaderDigest", Some("Reject"), Ok(|p| p.header_digest == Digest::None)),
        c("HeaderDigest reject required", |c| c.header_digest = vec![Digest::Crc32c], "HeaderDigest", Some("Reject"), Err(E::Rejected { key: "HeaderDigest".into() })),
        c("DataDigest CRC32C", |c| c.data_digest = vec![Digest::None, Digest::Crc32c], "DataDigest", Some("CRC32C"), Ok(|p| p.data_digest == Digest::Crc32c && p.header_digest == Digest::None)),
        c("DataDigest extension", |c| c.data_digest = vec![Digest::Crc32c], "DataDigest", Some("Y-Foo"), Err(out_of_range("DataDigest", "Y-Foo"))),
        // TaskReporting: list; RFC 7143 addition, default on Reject/NotUnderstood.
        c("TaskReporting ResponseFence", |c| c.task_reporting = vec![TaskReporting::Rfc3720, TaskReporting::ResponseFence], "TaskReporting", Some("ResponseFence"), Ok(|p| p.task_reporting == TaskReporting::ResponseFence)),
        c("TaskReporting not offered", |c| c.task_reporting = vec![TaskReporting::Rfc3720, TaskReporting::ResponseFence], "TaskReporting", Some("FastAbort"), Err(out_of_range("TaskReporting", "FastAbort"))),
        c("TaskReporting not understood", |c| c.task_reporting = vec![TaskReporting::Rfc3720, TaskReporting::ResponseFence], "TaskReporting", Some("NotUnderstood"), Ok(|p| p.task_reporting == TaskReporting::Rfc3720)),
        // iSCSIProtocolLevel: Minimum 0..=31; default on NotUnderstood.
        c("iSCSIProtocolLevel lowered", |c| c.iscsi_protocol_level = Some(1), "iSCSIProtocolLevel", Some("0"), Ok(|p| p.iscsi_protocol_level == 0)),
        c("iSCSIProtocolLevel raised", |c| c.iscsi_protocol_level = Some(1), "iSCSIProtocolLevel", Some("2"), Err(out_of_range("iSCSIProtocolLevel", "2"))),
        c("iSCSIProtocolLevel not understood", |c| c.iscsi_protocol_level = Some(1), "iSCSIProtocolLevel", Some("NotUnderstood"), Ok(|p| p.iscsi_protocol_level == 1)),
    ]
}

#[test]
fn every_key_answer_follows_its_rule() {
    for case in answer_cases() {
        let mut config = normal();
        (case.config)(&mut config);
        let result = negotiate(config, case.key, case.answer, &[]);
        match (&case.expect, result) {
            (Ok(check), Ok(p)) => assert!(check(&p), "{}: {p:?}", case.what),
            (Err(e), Err(got)) => assert_eq!(*e, got, "{}", case.what),
            (want, got) => panic!(
                "{}: expected {:?}, got {got:?}",
                case.what,
                want.as_ref().err()
            ),
        }
    }
}

#[test]
fn offer_lists_every_key_once_in_order() {
    let mut n = Negotiator::new(normal()).unwrap();
    let declarations = n.offer_declarations();
    assert_eq!(
        declarations.iter().collect::<Vec<_>>(),
        [
            ("InitiatorName", INITIATOR),
            ("TargetName", TARGET),
            ("SessionType", "Normal")
        ]
    );
    let offer = n.offer();
    assert_eq!(
        offer.iter().collect::<Vec<_>>(),
        [
            ("HeaderDigest", "None"),
            ("DataDigest", "None"),
            ("MaxConnections", "1"),
            ("InitialR2T", "Yes"),
            ("ImmediateData", "Yes"),
            ("MaxRecvDataSegmentLength", "262144"),
            ("MaxBurstLength", "262144"),
            ("FirstBurstLength", "65536"),
            ("DefaultTime2Wait", "2"),
            ("DefaultTime2Retain", "20"),
            ("MaxOutstandingR2T", "1"),
            ("DataPDUInOrder", "Yes"),
            ("DataSequenceInOrder", "Yes"),
            ("ErrorRecoveryLevel", "0"),
        ]
    );
    // Keys already sent are never sent again.
    assert!(n.offer().is_empty());
    assert!(n.offer_declarations().is_empty());
    assert!(!n.is_complete());
    assert!(n.handle_response(&echo(&offer)).unwrap().is_empty());
    assert!(n.is_complete());
    let p = n.finish().unwrap();
    let mut want = NegotiatedParams::rfc_defaults(SessionType::Normal);
    want.initiator_max_recv_data_segment_length = 262_144;
    assert_eq!(p, want);
}

#[test]
fn optional_keys_offered_when_configured() {
    let mut config = normal();
    config.initiator_alias = Some("host one".into());
    config.iscsi_protocol_level = Some(1);
    config.task_reporting = vec![TaskReporting::Rfc3720, TaskReporting::ResponseFence];
    config.header_digest = vec![Digest::Crc32c, Digest::None];
    let mut n = Negotiator::new(config).unwrap();
    let offer = n.offer();
    assert_eq!(offer.get("InitiatorAlias"), Some("host one"));
    assert_eq!(offer.get("iSCSIProtocolLevel"), Some("1"));
    assert_eq!(offer.get("TaskReporting"), Some("RFC3720,ResponseFence"));
    assert_eq!(offer.get("HeaderDigest"), Some("CRC32C,None"));
}

#[test]
fn mrdsl_is_declared_per_direction() {
    // RFC 7143 §13.12: each side declares what it receives; no min() of the two.
    let p = negotiate(normal(), "", None, &[("MaxRecvDataSegmentLength", "8192")]).unwrap();
    assert_eq!(p.initiator_max_recv_data_segment_length, 262_144);
    assert_eq!(p.target_max_recv_data_segment_length, 8192);
    let p = negotiate(
        normal(),
        "",
        None,
        &[("MaxRecvDataSegmentLength", "1048576")],
    )
    .unwrap();
    assert_eq!(p.initiator_max_recv_data_segment_length, 262_144);
    assert_eq!(p.target_max_recv_data_segment_length, 1_048_576);
    // Never declared by the target: 8192.
    let p = negotiate(normal(), "", None, &[]).unwrap();
    assert_eq!(p.target_max_recv_data_segment_length, 8192);
    // Never declared by us (nothing offered): 8192 both ways.
    let n = Negotiator::new(normal()).unwrap();
    assert_eq!(
        n.finish().unwrap().initiator_max_recv_data_segment_length,
        8192
    );
    for bad in ["511", "16777216", "0x", "Reject"] {
        assert!(
            negotiate(normal(), "", None, &[("MaxRecvDataSegmentLength", bad)]).is_err(),
            "{bad}"
        );
    }
}

#[test]
fn first_burst_is_clamped_to_a_lowered_max_burst() {
    // The target lowers MaxBurstLength below our FirstBurstLength and echoes FBL.
    let p = negotiate(normal(), "MaxBurstLength", Some("16384"), &[]).unwrap();
    assert_eq!(p.max_burst_length, 16384);
    assert_eq!(p.first_burst_length, 16384);
    // In our own config it is an error, not a clamp.
    let mut config = normal();
    config.first_burst_length = 262_145;
    assert!(matches!(
        Negotiator::new(config),
        Err(NegotiationError::InvalidConfig {
            key: "FirstBurstLength",
            ..
        })
    ));
}

#[test]
fn target_declarations() {
    let p = negotiate(
        normal(),
        "",
        None,
        &[
            ("TargetAlias", "disk one"),
            ("TargetPortalGroupTag", "7"),
            ("TargetAddress", "10.0.0.1:3260,7"),
            ("TargetAddress", "10.0.0.2:3260,7"),
            ("TargetName", TARGET),
            ("X#NodeArchitecture", "ExampleOS/1.0"),
        ],
    )
    .unwrap();
    assert_eq!(p.target_alias.as_deref(), Some("disk one"));
    assert_eq!(p.target_portal_group_tag, Some(7));
    assert_eq!(p.target_node_architecture.as_deref(), Some("ExampleOS/1.0"));
    assert_eq!(
        negotiate(normal(), "", None, &[("TargetPortalGroupTag", "65536")]),
        Err(out_of_range("TargetPortalGroupTag", "65536"))
    );
}

#[test]
fn initiator_only_keys_from_the_target_fail() {
    for (key, value) in [
        ("InitiatorName", "iqn.x"),
        ("InitiatorAlias", "x"),
        ("SessionType", "Normal"),
        ("SendTargets", "All"),
    ] {
        assert_eq!(
            negotiate(normal(), "", None, &[(key, value)]),
            Err(NegotiationError::UnexpectedKey {
                key: key.into(),
                value: value.into()
            }),
            "{key}"
        );
    }
}

#[test]
fn unknown_extension_and_obsolete_keys_get_their_answers() {
    let mut n = Negotiator::new(normal()).unwrap();
    let _ = n.offer();
    let answers = n
        .handle_response(&pairs(&[
            ("FooBar", "1"),
            ("X-com.example.feature", "Yes"),
            ("X#Unregistered", "1"),
            ("IFMarker", "Yes"),
            ("OFMarker", "No"),
            ("IFMarkInt", "2048~8192"),
            ("OFMarkInt", "2048"),
        ]))
        .unwrap();
    assert_eq!(
        answers.iter().collect::<Vec<_>>(),
        [
            ("FooBar", "NotUnderstood"),
            ("X-com.example.feature", "NotUnderstood"),
            ("X#Unregistered", "NotUnderstood"),
            // RFC 7143 §13.25: Reject, never NotUnderstood.
            ("IFMarker", "Reject"),
            ("OFMarker", "Reject"),
            ("IFMarkInt", "Reject"),
            ("OFMarkInt", "Reject"),
        ]
    );
}

#[test]
fn target_offers_are_answered_by_rule_and_not_offered_again() {
    let mut config = normal();
    config.immediate_data = false;
    config.header_digest = vec![Digest::Crc32c, Digest::None];
    config.data_digest = vec![Digest::Crc32c, Digest::None];
    let mut n = Negotiator::new(config).unwrap();
    let _ = n.offer_declarations();
    // The target speaks first about operational keys (e.g. in the security stage response).
    let answers = n
        .handle_response(&pairs(&[
            ("MaxBurstLength", "65536"),
            ("FirstBurstLength", "1048576"),
            ("ImmediateData", "Yes"),
            ("InitialR2T", "No"),
            ("DataPDUInOrder", "No"),
            ("DefaultTime2Wait", "5"),
            ("DefaultTime2Retain", "60"),
            ("MaxConnections", "8"),
            ("MaxOutstandingR2T", "4"),
            ("ErrorRecoveryLevel", "2"),
            ("HeaderDigest", "Y-Fancy,None,CRC32C"),
            ("DataDigest", "Y-Fancy"),
            ("TaskReporting", "FastAbort,RFC3720"),
            ("iSCSIProtocolLevel", "2"),
        ]))
        .unwrap();
    assert_eq!(
        answers.iter().collect::<Vec<_>>(),
        [
            ("MaxBurstLength", "65536"),
            ("FirstBurstLength", "65536"),
            ("ImmediateData", "No"),
            ("InitialR2T", "Yes"),
            ("DataPDUInOrder", "Yes"),
            ("DefaultTime2Wait", "5"),
            ("DefaultTime2Retain", "20"),
            ("MaxConnections", "1"),
            ("MaxOutstandingR2T", "1"),
            ("ErrorRecoveryLevel", "0"),
            // First value of the target's list that we support.
            ("HeaderDigest", "None"),
            // Nothing we know: Reject, and the default (None) stays, which our list
            // allows.
            ("DataDigest", "Reject"),
            ("TaskReporting", "RFC3720"),
            ("iSCSIProtocolLevel", "1"),
        ]
    );
    // Keys the target already offered are not offered again.
    let offer = n.offer();
    assert_eq!(
        keys(&offer),
        ["MaxRecvDataSegmentLength", "DataSequenceInOrder"]
    );
    let p = n.finish().unwrap();
    assert_eq!(p.max_burst_length, 65536);
    assert!(!p.immediate_data && p.initial_r2t);
    assert_eq!((p.default_time2wait, p.default_time2retain), (5, 20));
    assert_eq!(p.header_digest, Digest::None);
    assert_eq!(p.data_digest, Digest::None);
}

#[test]
fn target_offer_out_of_range_fails() {
    let mut n = Negotiator::new(normal()).unwrap();
    assert_eq!(
        n.handle_response(&pairs(&[("MaxBurstLength", "1")])),
        Err(out_of_range("MaxBurstLength", "1"))
    );
    assert_eq!(
        n.handle_response(&pairs(&[("InitialR2T", "maybe")])),
        Err(out_of_range("InitialR2T", "maybe"))
    );
    assert_eq!(
        n.handle_response(&pairs(&[("HeaderDigest", "")])),
        Err(out_of_range("HeaderDigest", ""))
    );
}

#[test]
fn repeated_keys_fail() {
    let mut n = Negotiator::new(normal()).unwrap();
    let _ = n.offer();
    assert_eq!(
        n.handle_response(&pairs(&[
            ("MaxBurstLength", "8192"),
            ("MaxBurstLength", "8192")
        ])),
        Err(NegotiationError::RepeatedKey {
            key: "MaxBurstLength".into()
        })
    );
    // Across two responses of one login.
    n.handle_response(&pairs(&[("MaxBurstLength", "8192")]))
        .unwrap();
    assert_eq!(
        n.handle_response(&pairs(&[("MaxBurstLength", "8192")])),
        Err(NegotiationError::RepeatedKey {
            key: "MaxBurstLength".into()
        })
    );
    // A declaration repeated, and an unknown key repeated.
    let mut n = Negotiator::new(normal()).unwrap();
    assert!(matches!(
        n.handle_response(&pairs(&[("TargetAlias", "a"), ("TargetAlias", "b")])),
        Err(NegotiationError::RepeatedKey { .. })
    ));
    assert!(matches!(
        n.handle_response(&pairs(&[("X-a", "1"), ("X-a", "1")])),
        Err(NegotiationError::RepeatedKey { .. })
    ));
}

#[test]
fn a_failing_response_changes_nothing() {
    let mut n = Negotiator::new(normal()).unwrap();
    let _ = n.offer();
    let before = n.params().clone();
    assert!(
        n.handle_response(&pairs(&[
            ("MaxBurstLength", "8192"),
            ("TargetAlias", "x"),
            ("DefaultTime2Wait", "0"),
        ]))
        .is_err()
    );
    assert_eq!(*n.params(), before);
    // The same keys can still be answered correctly afterwards.
    n.handle_response(&pairs(&[("MaxBurstLength", "8192")]))
        .unwrap();
    assert_eq!(n.params().max_burst_length, 8192);
}

#[test]
fn reserved_values_for_keys_never_offered_fail() {
    for value in ["Reject", "Irrelevant", "NotUnderstood"] {
        let mut n = Negotiator::new(normal()).unwrap();
        assert_eq!(
            n.handle_response(&pairs(&[("MaxBurstLength", value)])),
            Err(NegotiationError::UnexpectedKey {
                key: "MaxBurstLength".into(),
                value: value.into()
            })
        );
    }
}

#[test]
fn security_keys_are_left_to_authentication() {
    let mut n = Negotiator::new(normal()).unwrap();
    let answers = n
        .handle_response(&pairs(&[
            ("AuthMethod", "CHAP"),
            ("CHAP_A", "5"),
            ("CHAP_I", "1"),
            ("CHAP_C", "0x0102"),
        ]))
        .unwrap();
    assert!(answers.is_empty());
}

#[test]
fn discovery_session_offers_only_relevant_keys_and_no_digests() {
    let mut n = Negotiator::new(OperationalConfig::discovery(INITIATOR)).unwrap();
    let offer = n.offer();
    assert_eq!(
        offer.iter().collect::<Vec<_>>(),
        [
            ("InitiatorName", INITIATOR),
            ("SessionType", "Discovery"),
            ("MaxRecvDataSegmentLength", "262144"),
        ]
    );
    // Keys irrelevant to discovery offered by the target get Irrelevant; ERL is forced to 0.
    let answers = n
        .handle_response(&pairs(&[
            ("MaxConnections", "4"),
            ("InitialR2T", "No"),
            ("ImmediateData", "Yes"),
            ("MaxBurstLength", "65536"),
            ("FirstBurstLength", "512"),
            ("MaxOutstandingR2T", "4"),
            ("DataPDUInOrder", "No"),
            ("DataSequenceInOrder", "No"),
            ("TaskReporting", "RFC3720"),
            ("ErrorRecoveryLevel", "2"),
            ("DefaultTime2Wait", "4"),
            ("HeaderDigest", "CRC32C,None"),
            ("MaxRecvDataSegmentLength", "32768"),
        ]))
        .unwrap();
    let answers: Vec<_> = answers.iter().collect();
    assert_eq!(
        answers,
        [
            ("MaxConnections", "Irrelevant"),
            ("InitialR2T", "Irrelevant"),
            ("ImmediateData", "Irrelevant"),
            ("MaxBurstLength", "Irrelevant"),
            ("FirstBurstLength", "Irrelevant"),
            ("MaxOutstandingR2T", "Irrelevant"),
            ("DataPDUInOrder", "Irrelevant"),
            ("DataSequenceInOrder", "Irrelevant"),
            ("TaskReporting", "Irrelevant"),
            ("ErrorRecoveryLevel", "0"),
            ("DefaultTime2Wait", "4"),
            ("HeaderDigest", "None"),
        ]
    );
    let p = n.finish().unwrap();
    assert_eq!(p.session_type, SessionType::Discovery);
    assert_eq!(p.error_recovery_level, 0);
    assert_eq!(p.header_digest, Digest::None);
    assert_eq!(p.target_max_recv_data_segment_length, 32768);
    assert_eq!(
        p.max_burst_length, 262_144,
        "irrelevant keys keep their default"
    );

    // Digests are offered on discovery only when asked for.
    let mut config = OperationalConfig::discovery(INITIATOR);
    config.header_digest = vec![Digest::Crc32c, Digest::None];
    let mut n = Negotiator::new(config).unwrap();
    assert_eq!(n.offer().get("HeaderDigest"), Some("CRC32C,None"));
}

#[test]
fn config_validation() {
    let bad = |f: fn(&mut OperationalConfig)| {
        let mut c = normal();
        f(&mut c);
        match Negotiator::new(c) {
            Err(NegotiationError::InvalidConfig { key, .. }) => key,
            other => panic!("{other:?}"),
        }
    };
    assert_eq!(bad(|c| c.initiator_name.clear()), "InitiatorName");
    assert_eq!(bad(|c| c.initiator_name = "a".repeat(224)), "InitiatorName");
    assert_eq!(bad(|c| c.target_name = None), "TargetName");
    assert_eq!(
        bad(|c| c.initiator_alias = Some("a\0b".into())),
        "InitiatorAlias"
    );
    assert_eq!(bad(|c| c.header_digest.clear()), "HeaderDigest");
    assert_eq!(
        bad(|c| c.data_digest = vec![Digest::None, Digest::None]),
        "DataDigest"
    );
    assert_eq!(
        bad(|c| c.max_recv_data_segment_length = 511),
        "MaxRecvDataSegmentLength"
    );
    assert_eq!(bad(|c| c.max_burst_length = 1 << 24), "MaxBurstLength");
    assert_eq!(bad(|c| c.first_burst_length = 511), "FirstBurstLength");
    assert_eq!(bad(|c| c.default_time2wait = 3601), "DefaultTime2Wait");
    assert_eq!(bad(|c| c.default_time2retain = 3601), "DefaultTime2Retain");
    assert_eq!(bad(|c| c.max_outstanding_r2t = 0), "MaxOutstandingR2T");
    assert_eq!(bad(|c| c.max_connections = 0), "MaxConnections");
    assert_eq!(bad(|c| c.error_recovery_level = 3), "ErrorRecoveryLevel");
    // An offer lists RFC3720 and ResponseFence.
    assert_eq!(
        bad(|c| c.task_reporting = vec![TaskReporting::Rfc3720]),
        "TaskReporting"
    );
    // FastAbort would oblige us to honour AsyncEvent 5 (not implemented): never offered.
    assert_eq!(
        bad(|c| c.task_reporting = vec![TaskReporting::Rfc3720, TaskReporting::FastAbort]),
        "TaskReporting"
    );
    assert_eq!(
        bad(|c| {
            c.error_recovery_level = 1;
            c.max_outstanding_r2t = 2;
        }),
        "MaxOutstandingR2T"
    );
    assert_eq!(
        bad(|c| c.iscsi_protocol_level = Some(32)),
        "iSCSIProtocolLevel"
    );
    assert_eq!(
        bad(|c| c.task_reporting = vec![TaskReporting::ResponseFence]),
        "TaskReporting"
    );
    assert_eq!(
        bad(|c| {
            c.session_type = SessionType::Discovery;
            c.error_recovery_level = 1;
        }),
        "ErrorRecoveryLevel"
    );
    assert!(Negotiator::new(OperationalConfig::discovery(INITIATOR)).is_ok());
}

#[test]
fn rfc_defaults() {
    let p = NegotiatedParams::rfc_defaults(SessionType::Normal);
    assert_eq!(p.header_digest, Digest::None);
    assert_eq!(p.data_digest, Digest::None);
    assert_eq!(p.initiator_max_recv_data_segment_length, 8192);
    assert_eq!(p.target_max_recv_data_segment_length, 8192);
    assert_eq!(p.max_burst_length, 262_144);
    assert_eq!(p.first_burst_length, 65_536);
    assert!(p.initial_r2t && p.immediate_data && p.data_pdu_in_order && p.data_sequence_in_order);
    assert_eq!(p.max_outstanding_r2t, 1);
    assert_eq!((p.default_time2wait, p.default_time2retain), (2, 20));
    assert_eq!(p.error_recovery_level, 0);
    assert_eq!(p.max_connections, 1);
    assert_eq!(p.iscsi_protocol_level, 1);
    assert_eq!(p.task_reporting, TaskReporting::Rfc3720);
}

#[test]
fn seeded_garbage_never_panics_and_results_stay_in_range() {
    use rand::{Rng, SeedableRng, rngs::StdRng};
    let mut rng = StdRng::seed_from_u64(13);
    let names: Vec<&str> = crate::text::keys::KEY_TABLE
        .iter()
        .map(|s| s.name)
        .chain(["X-a", "Foo", "X#B"])
        .collect();
    let values = [
        "0",
        "1",
        "2",
        "511",
        "512",
        "8192",
        "65536",
        "262144",
        "16777215",
        "16777216",
        "3600",
        "Yes",
        "No",
        "None",
        "CRC32C",
        "CRC32C,None",
        "Reject",
        "Irrelevant",
        "NotUnderstood",
        "",
        "0x200",
        "0b",
        "RFC3720",
        "All",
        "-1",
        "99999999999999999999999",
    ];
    for _ in 0..3000 {
        let mut config = normal();
        config.header_digest = vec![Digest::Crc32c, Digest::None];
        config.iscsi_protocol_level = Some(1);
        let mut n = Negotiator::new(config).unwrap();
        for _ in 0..rng.random_range(1..4) {
            let _ = n.offer();
            let response: TextPairs = (0..rng.random_range(0..12))
                .map(|_| {
                    let k = names[rng.random_range(0..names.len())];
                    let v = values[rng.random_range(0..values.len())];
                    (k.to_owned(), v.to_owned())
                })
                .collect();
            if n.handle_response(&response).is_err() {
                break;
            }
        }
        if let Ok(p) = n.finish() {
            assert!(p.first_burst_length <= p.max_burst_length);
            assert!((512..=16_777_215).contains(&p.max_burst_length));
            assert!((512..=16_777_215).contains(&p.target_max_recv_data_segment_length));
            assert!(p.error_recovery_level == 0);
            assert!(p.max_connections == 1);
            assert!(p.default_time2wait <= 3600 && p.default_time2retain <= 20);
        }
    }
}

/// RFC 7143 §6.2.1, §7.12: a target that offers a digest first with no value we accept
/// would leave the key at its default, None. When the configuration requires a digest,
/// that is a negotiation failure, not a silent Reject.
#[test]
fn a_required_digest_the_target_does_not_offer_fails_the_negotiation() {
    for key in ["HeaderDigest", "DataDigest"] {
        let mut config = normal();
        config.header_digest = vec![Digest::Crc32c];
        config.data_digest = vec![Digest::Crc32c];
        let mut n = Negotiator::new(config).unwrap();
        let _ = n.offer_declarations();
        let err = n
            .handle_response(&pairs(&[(key, "None")]))
            .expect_err("a required digest cannot be dropped");
        assert_eq!(
            err,
            NegotiationError::NoAcceptableValue {
                key: key.to_owned(),
                offered: "None".to_owned(),
            },
            "{key}"
        );
    }
    // When None is acceptable the same offer is simply taken.
    let mut config = normal();
    config.data_digest = vec![Digest::Crc32c, Digest::None];
    let mut n = Negotiator::new(config).unwrap();
    let _ = n.offer_declarations();
    let answers = n
        .handle_response(&pairs(&[("DataDigest", "None")]))
        .unwrap();
    assert_eq!(answers.iter().collect::<Vec<_>>(), [("DataDigest", "None")]);
}
