//! SendTargets and TargetAddress tests.
#![allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use super::*;
use crate::text::{TextAssembler, TextLimits, split_for_sending};

fn pairs(list: &[(&str, &str)]) -> TextPairs {
    list.iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn addr(host: Host, port: u16, tpgt: Option<u16>) -> TargetAddress {
    TargetAddress { host, port, tpgt }
}

#[test]
fn target_address_forms() {
    let v4 = |a: [u8; 4]| Host::Ipv4(Ipv4Addr::from(a));
    let v6 = |s: &str, zone: Option<&str>| Host::Ipv6 {
        addr: s.parse().unwrap(),
        zone: zone.map(str::to_owned),
    };
    let name = |s: &str| Host::Name(s.to_owned());
    let cases = [
        ("10.0.0.1", addr(v4([10, 0, 0, 1]), 3260, None)),
        ("10.0.0.1:3261", addr(v4([10, 0, 0, 1]), 3261, None)),
        ("10.0.0.1,1", addr(v4([10, 0, 0, 1]), 3260, Some(1))),
        (
            "10.0.0.1:3262,65535",
            addr(v4([10, 0, 0, 1]), 3262, Some(65535)),
        ),
        ("[::1]:3261,1", addr(v6("::1", None), 3261, Some(1))),
        ("[::1]", addr(v6("::1", None), 3260, None)),
        (
            "[fe80::1%eth0]:3260,2",
            addr(v6("fe80::1", Some("eth0")), 3260, Some(2)),
        ),
        (
            "[fe80::a:b%enp0s31f6],3",
            addr(v6("fe80::a:b", Some("enp0s31f6")), 3260, Some(3)),
        ),
        (
            "[2001:db8::7]:860",
            addr(v6("2001:db8::7", None), 860, None),
        ),
        (
            "storage.example.com",
            addr(name("storage.example.com"), 3260, None),
        ),
        (
            "storage.example.com:3261,7",
            addr(name("storage.example.com"), 3261, Some(7)),
        ),
        ("host,7", addr(name("host"), 3260, Some(7))),
        ("nas-01_a", addr(name("nas-01_a"), 3260, None)),
        // Tolerated: an unbracketed IPv6 address without a port.
        ("fe80::1,1", addr(v6("fe80::1", None), 3260, Some(1))),
        // TPGT in hex is still a number (RFC 7143 §6.1).
        ("10.0.0.1,0x10", addr(v4([10, 0, 0, 1]), 3260, Some(16))),
    ];
    for (text, want) in cases {
        assert_eq!(parse_target_address(text), Ok(want), "{text}");
    }
}

#[test]
fn bad_target_addresses() {
    for (text, reason) in [
        ("", "bad host"),
        ("10.0.0.1:", "bad port"),
        ("10.0.0.1:0", "bad port"),
        ("10.0.0.1:65536", "bad port"),
        ("10.0.0.1:+1", "bad port"),
        ("10.0.0.1,", "bad TPGT"),
        ("10.0.0.1,65536", "bad TPGT"),
        ("10.0.0.1,-1", "bad TPGT"),
        ("999.0.0.1", "bad host"),
        ("[::1", "unclosed '['"),
        ("[::1]x", "junk after ']'"),
        ("[::1]:", "bad port"),
        ("[10.0.0.1]", "bad IPv6 address"),
        ("[fe80::1%]", "bad IPv6 address"),
        ("[fe80::1%e/0]", "bad IPv6 address"),
        ("::1:3260:x", "bad host"),
        ("host name", "bad host"),
        ("-host", "bad host"),
        ("ho$t", "bad host"),
    ] {
        assert_eq!(
            parse_target_address(text),
            Err(DiscoveryError::InvalidAddress {
                address: text.into(),
                reason
            }),
            "{text}"
        );
    }
}

#[test]
fn display_round_trips() {
    for text in [
        "10.0.0.1:3260,1",
        "[::1]:3261",
        "[fe80::1%eth0]:3260,2",
        "storage.example.com:3260,7",
    ] {
        let a = parse_target_address(text).unwrap();
        assert_eq!(a.to_string(), text);
        assert_eq!(parse_target_address(&a.to_string()), Ok(a));
    }
    assert_eq!(
        parse_target_address("10.0.0.1").unwrap().to_string(),
        "10.0.0.1:3260"
    );
}

#[test]
fn several_targets_with_several_portals() {
    let answer = pairs(&[
        ("TargetName", "iqn.2024-01.example:disk1"),
        ("TargetAddress", "10.0.0.1:3260,1"),
        ("TargetAddress", "[fe80::1%eth0]:3260,1"),
        ("TargetAddress", "san.example.com:3261,2"),
        ("TargetName", "iqn.2024-01.example:disk2"),
        ("TargetName", "iqn.2024-01.example:disk3"),
        ("TargetAddress", "10.0.0.2,3"),
    ]);
    let records = parse_send_targets(&answer, &DiscoveryLimits::default()).unwrap();
    assert_eq!(records.len(), 3);
    assert_eq!(records[0].name, "iqn.2024-01.example:disk1");
    assert_eq!(records[0].addresses.len(), 3);
    assert_eq!(records[0].addresses[2].port, 3261);
    assert_eq!(records[0].addresses[2].tpgt, Some(2));
    assert!(records[1].addresses.is_empty());
    assert_eq!(records[2].addresses[0].tpgt, Some(3));
    assert_eq!(
        parse_send_targets(&TextPairs::new(), &DiscoveryLimits::default()),
        Ok(vec![])
    );
}

#[test]
fn malformed_answers() {
    let limits = DiscoveryLimits::default();
    assert_eq!(
        parse_send_targets(&pairs(&[("TargetAddress", "10.0.0.1,1")]), &limits),
        Err(DiscoveryError::AddressWithoutTarget {
            address: "10.0.0.1,1".into()
        })
    );
    assert_eq!(
        parse_send_targets(
            &pairs(&[
                ("TargetName", "iqn.x"),
                ("MaxRecvDataSegmentLength", "8192")
            ]),
            &limits
        ),
        Err(DiscoveryError::UnexpectedKey {
            key: "MaxRecvDataSegmentLength".into()
        })
    );
    assert_eq!(
        parse_send_targets(&pairs(&[("TargetName", "")]), &limits),
        Err(DiscoveryError::InvalidTargetName {
            name: String::new()
        })
    );
    assert!(matches!(
        parse_send_targets(
            &pairs(&[("TargetName", "iqn.x"), ("TargetAddress", "[::1")]),
            &limits
        ),
        Err(DiscoveryError::InvalidAddress { .. })
    ));
}

#[test]
fn limits_on_targets_and_addresses() {
    let limits = DiscoveryLimits {
        max_targets: 2,
        max_addresses_per_target: 2,
    };
    let three_targets = pairs(&[
        ("TargetName", "a"),
        ("TargetName", "b"),
        ("TargetName", "c"),
    ]);
    assert_eq!(
        parse_send_targets(&three_targets, &limits),
        Err(DiscoveryError::TooManyTargets { limit: 2 })
    );
    let three_addresses = pairs(&[
        ("TargetName", "a"),
        ("TargetAddress", "10.0.0.1"),
        ("TargetAddress", "10.0.0.2"),
        ("TargetAddress", "10.0.0.3"),
    ]);
    assert_eq!(
        parse_send_targets(&three_addresses, &limits),
        Err(DiscoveryError::TooManyAddresses {
            target: "a".into(),
            limit: 2
        })
    );
    let d = DiscoveryLimits::default();
    assert_eq!((d.max_targets, d.max_addresses_per_target), (4096, 64));
}

/// 64 targets × 8 portals is well over 8 KiB: split into 8 KiB data segments (C bit), run
/// through the assembler, parsed back.
#[test]
fn answer_split_across_pdus_through_the_assembler() {
    let mut answer = TextPairs::new();
    for t in 0..64 {
        answer.push(
            "TargetName",
            format!("iqn.2024-01.com.example:storage.target{t:03}"),
        );
        for p in 0..8 {
            answer.push("TargetAddress", format!("[fd00::{t:x}:{p:x}]:3260,{p}"));
        }
    }
    let bytes = answer.to_bytes().unwrap();
    assert!(bytes.len() > 8192 * 2);
    let chunks = split_for_sending(bytes, 8192);
    let mut asm = TextAssembler::new(TextLimits::default());
    let mut decoded = None;
    for c in &chunks {
        decoded = asm.push(&c.data, c.continues).unwrap();
    }
    let records = parse_send_targets(&decoded.unwrap(), &DiscoveryLimits::default()).unwrap();
    assert_eq!(records.len(), 64);
    assert!(records.iter().all(|r| r.addresses.len() == 8));
    assert_eq!(
        records[63].name,
        "iqn.2024-01.com.example:storage.target063"
    );
    assert_eq!(records[63].addresses[7].tpgt, Some(7));

    // The same answer over several Text Responses (F=0 + TTT), each decoded on its own:
    // pairs are whole per response, and a TargetAddress may start the next response.
    let all: Vec<(String, String)> = answer.into_vec();
    let mut parser = SendTargetsParser::new(DiscoveryLimits::default());
    for part in all.chunks(37) {
        let text: TextPairs = part.iter().cloned().collect();
        let segment = text.to_bytes().unwrap();
        let pairs = TextAssembler::new(TextLimits::default())
            .push(&segment, false)
            .unwrap()
            .unwrap();
        parser.push(&pairs).unwrap();
    }
    assert_eq!(parser.finish(), records);
}

#[test]
fn request_pairs() {
    let text = |q: &SendTargetsQuery| q.to_pairs().to_bytes().unwrap();
    assert_eq!(&text(&SendTargetsQuery::All)[..], b"SendTargets=All\0");
    assert_eq!(
        &text(&SendTargetsQuery::Target("iqn.x:t".into()))[..],
        b"SendTargets=iqn.x:t\0"
    );
    assert_eq!(
        &text(&SendTargetsQuery::CurrentTarget)[..],
        b"SendTargets=\0"
    );
    assert_eq!(
        SendTargetsQuery::for_session(SessionType::Discovery, "iqn.x:t"),
        SendTargetsQuery::All
    );
    assert_eq!(
        SendTargetsQuery::for_session(SessionType::Normal, "iqn.x:t"),
        SendTargetsQuery::Target("iqn.x:t".into())
    );
}

#[test]
fn seeded_garbage_never_panics() {
    use rand::{Rng, SeedableRng, rngs::StdRng};
    let mut rng = StdRng::seed_from_u64(3720);
    let alphabet: &[u8] = b"0123456789abcdef.:[]%,xX-_ ";
    let limits = DiscoveryLimits {
        max_targets: 4,
        max_addresses_per_target: 3,
    };
    for _ in 0..20_000 {
        let len = rng.random_range(0..32);
        let text: String = (0..len)
            .map(|_| char::from(alphabet[rng.random_range(0..alphabet.len())]))
            .collect();
        if let Ok(a) = parse_target_address(&text) {
            // Anything accepted prints to a form that parses to the same address.
            assert_eq!(parse_target_address(&a.to_string()), Ok(a), "{text}");
        }
        let keys = ["TargetName", "TargetAddress", "TargetAlias"];
        let answer: TextPairs = (0..rng.random_range(0..10))
            .map(|_| {
                (
                    keys[rng.random_range(0..keys.len())].to_owned(),
                    text.clone(),
                )
            })
            .collect();
        if let Ok(records) = parse_send_targets(&answer, &limits) {
            assert!(records.len() <= 4);
            assert!(records.iter().all(|r| r.addresses.len() <= 3));
        }
    }
}

#[test]
fn values_round_trip_through_display_and_from_str() {
    let v6 = |s: &str, zone: Option<&str>| Host::Ipv6 {
        addr: s.parse().unwrap(),
        zone: zone.map(str::to_owned),
    };
    let hosts = [
        Host::Ipv4(Ipv4Addr::new(10, 0, 0, 1)),
        Host::Ipv4(Ipv4Addr::UNSPECIFIED),
        v6("::1", None),
        v6("2001:db8::5:1", None),
        v6("::ffff:192.0.2.1", None),
        v6("fe80::1", Some("eth0")),
        v6("fe80::a:b", Some("enp0s3.100")),
        Host::Name("storage.example.com".into()),
        Host::Name("san-01".into()),
        Host::Name("a1_b".into()),
    ];
    for host in hosts {
        for port in [1, DEFAULT_PORT, 3261, u16::MAX] {
            for tpgt in [None, Some(0), Some(1), Some(u16::MAX)] {
                let a = addr(host.clone(), port, tpgt);
                let text = a.to_string();
                assert_eq!(text.parse::<TargetAddress>(), Ok(a.clone()), "{text}");
                assert_eq!(TargetAddress::from_str(&text), parse_target_address(&text));
            }
        }
    }
    // FromStr reports what parse_target_address reports.
    assert_eq!(
        "[::1".parse::<TargetAddress>(),
        Err(DiscoveryError::InvalidAddress {
            address: "[::1".into(),
            reason: "unclosed '['"
        })
    );
}
