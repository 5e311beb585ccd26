//! Byte-exact vectors from a capture of open-isns 0.101 (`isnsadm` against `isnsd` on
//! loopback), round trips and garbage.
#![allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use std::net::{IpAddr, Ipv4Addr};

use super::*;

fn hex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).expect("hex"))
        .collect()
}

/// Decodes a whole captured stream into messages.
fn decode_all(bytes: &[u8]) -> Vec<Message> {
    let mut assembler = MessageAssembler::new(IsnsLimits::default());
    assembler.push(bytes);
    let mut out = Vec::new();
    while let Some(message) = assembler.next_message().expect("decodes") {
        out.push(message);
    }
    assert_eq!(assembler.buffered(), 0);
    out
}

fn one(bytes: &[u8]) -> Message {
    let mut all = decode_all(bytes);
    assert_eq!(all.len(), 1);
    all.remove(0)
}

/// isnsadm --register entity=array3 target=iqn.2026-01.test:array3 portal=127.0.0.1:3262 pg,pgt=5 portal=127.0.0.1:3263 pg,pgt=6 (DevAttrReg, source iqn.2026-01.test:array3).
const REG_REQUEST: &str = concat!(
    "00010001014c8c0000010000000000200000001869716e2e323032362d30312e",
    "746573743a617272617933000000000100000008617272617933000000000000",
    "00000000000000200000001869716e2e323032362d30312e746573743a617272",
    "6179330000000021000000040000000100000010000000100000000000000000",
    "000000007f000001000000110000000400000cbe000000300000001869716e2e",
    "323032362d30312e746573743a61727261793300000000310000001000000000",
    "00000000000000007f000001000000320000000400000cbe0000003300000004",
    "0000000500000010000000100000000000000000000000007f00000100000011",
    "0000000400000cbf000000300000001869716e2e323032362d30312e74657374",
    "3a6172726179330000000031000000100000000000000000000000007f000001",
    "000000320000000400000cbf000000330000000400000006",
);

/// isnsd's DevAttrRegRsp to it.
const REG_RESPONSE: &str = concat!(
    "0001800101704c00000100000000000000000001000000086172726179330000",
    "0000000000000000000000010000000861727261793300000000000200000004",
    "00000002000000060000000400000258000000200000001869716e2e32303236",
    "2d30312e746573743a6172726179330000000021000000040000000100000010",
    "000000100000000000000000000000007f000001000000110000000400000cbe",
    "000000160000000400000003000000300000001869716e2e323032362d30312e",
    "746573743a617272617933000000003100000010000000000000000000000000",
    "7f000001000000320000000400000cbe00000033000000040000000500000010",
    "000000100000000000000000000000007f000001000000110000000400000cbf",
    "000000160000000400000005000000300000001869716e2e323032362d30312e",
    "746573743a617272617933000000003100000010000000000000000000000000",
    "7f000001000000320000000400000cbf000000330000000400000006",
);

/// isnsadm --query iscsi-node-type=Target ?iscsi-name ?iscsi-node-type ?portal-addr ?portal-port ?pg-name ?pg-addr ?pg-port ?pg-tag (DevAttrQry, source iqn.2026-01.test:initiator1).
const QRY_REQUEST: &str = concat!(
    "0001000200788c0000010000000000200000001c69716e2e323032362d30312e",
    "746573743a696e69746961746f72310000000021000000040000000100000000",
    "0000000000000020000000000000002100000000000000100000000000000011",
    "0000000000000030000000000000003100000000000000320000000000000033",
    "00000000",
);

/// isnsd's DevAttrQryRsp: array3 with two portals and portal groups (TPGT 5 and 6).
const QRY_RESPONSE: &str = concat!(
    "00018002012c4c00000100000000000000000021000000040000000100000000",
    "00000000000000200000001869716e2e323032362d30312e746573743a617272",
    "6179330000000021000000040000000100000010000000100000000000000000",
    "000000007f000001000000110000000400000cbe000000300000001869716e2e",
    "323032362d30312e746573743a61727261793300000000310000001000000000",
    "00000000000000007f000001000000320000000400000cbe0000003300000004",
    "0000000500000010000000100000000000000000000000007f00000100000011",
    "0000000400000cbf000000300000001869716e2e323032362d30312e74657374",
    "3a6172726179330000000031000000100000000000000000000000007f000001",
    "000000320000000400000cbf000000330000000400000006",
);

/// isnsadm --list nodes, first DevGetNext (key iSCSI Name NIL).
const NEXT_REQUEST: &str = concat!(
    "0001000300348c0000010000000000200000001c69716e2e323032362d30312e",
    "746573743a696e69746961746f72310000000020000000000000000000000000",
);

/// isnsd's DevGetNextRsp: array3.
const NEXT_RESPONSE: &str = concat!(
    "0001800300644c000001000000000000000000200000001869716e2e32303236",
    "2d30312e746573743a6172726179330000000000000000000000002000000018",
    "69716e2e323032362d30312e746573743a617272617933000000002100000004",
    "00000001000000240000000400000002",
);

/// the second DevGetNext (key iqn.2026-01.test:array3).
const NEXT2_REQUEST: &str = concat!(
    "00010003004c8c0000020000000000200000001c69716e2e323032362d30312e",
    "746573743a696e69746961746f723100000000200000001869716e2e32303236",
    "2d30312e746573743a617272617933000000000000000000",
);

/// isnsd's DevGetNextRsp: status 9, no such entry (the end).
const NEXT2_RESPONSE: &str = "0001800300044c000002000000000009";

const INITIATOR: &str = "iqn.2026-01.test:initiator1";
const ARRAY3: &str = "iqn.2026-01.test:array3";

#[test]
fn captured_messages_decode_and_reencode_byte_exact() {
    for (text, function, xid, status) in [
        (REG_REQUEST, FunctionId::DevAttrReg, 1, None),
        (
            REG_RESPONSE,
            FunctionId::DevAttrRegRsp,
            1,
            Some(Status::Success),
        ),
        (QRY_REQUEST, FunctionId::DevAttrQry, 1, None),
        (
            QRY_RESPONSE,
            FunctionId::DevAttrQryRsp,
            1,
            Some(Status::Success),
        ),
        (NEXT_REQUEST, FunctionId::DevGetNext, 1, None),
        (
            NEXT_RESPONSE,
            FunctionId::DevGetNextRsp,
            1,
            Some(Status::Success),
        ),
        (NEXT2_REQUEST, FunctionId::DevGetNext, 2, None),
        (
            NEXT2_RESPONSE,
            FunctionId::DevGetNextRsp,
            2,
            Some(Status::NoSuchEntry),
        ),
    ] {
        let bytes = hex(text);
        let header = Header::decode(&bytes).expect("header");
        assert_eq!(usize::from(header.length) + HEADER_LEN, bytes.len());
        assert_eq!(header.function, function);
        assert_eq!(header.xid, xid);
        assert_eq!(header.seq, 0);
        let expected_flags = if function.is_response() {
            0x4c00
        } else {
            0x8c00
        };
        assert_eq!(header.flags, Flags(expected_flags));
        let message = one(&bytes);
        assert_eq!(message.function, function);
        assert_eq!(message.status, status);
        assert_eq!(message.encode(65532).as_ref(), &bytes[..], "{function:?}");
    }
}

#[test]
fn our_requests_are_byte_exact_with_isnsadm() {
    let query = dev_attr_qry_targets(INITIATOR, 1).expect("query");
    assert_eq!(query.encode(65532).as_ref(), &hex(QRY_REQUEST)[..]);
    let first = dev_get_next(INITIATOR, None, 1).expect("next");
    assert_eq!(first.encode(65532).as_ref(), &hex(NEXT_REQUEST)[..]);
    let second = dev_get_next(INITIATOR, Some(ARRAY3), 2).expect("next");
    assert_eq!(second.encode(65532).as_ref(), &hex(NEXT2_REQUEST)[..]);
}

#[test]
fn captured_query_answer_lists_array3_with_both_portal_groups() {
    let answer = one(&hex(QRY_RESPONSE));
    let targets = parse_targets(&answer, &IsnsLimits::default()).expect("targets");
    let lo = IpAddr::V4(Ipv4Addr::LOCALHOST);
    assert_eq!(
        targets,
        vec![IsnsTarget {
            name: ARRAY3.into(),
            alias: None,
            portal_groups: vec![
                IsnsPortalGroup {
                    ip: lo,
                    port: 3262,
                    tag: 5
                },
                IsnsPortalGroup {
                    ip: lo,
                    port: 3263,
                    tag: 6
                },
            ],
        }]
    );
    let lines: Vec<String> = targets[0]
        .portal_groups
        .iter()
        .map(|pg| format!("{pg} {}", targets[0].name))
        .collect();
    assert_eq!(
        lines,
        [
            "127.0.0.1:3262,5 iqn.2026-01.test:array3",
            "127.0.0.1:3263,6 iqn.2026-01.test:array3"
        ]
    );
}

#[test]
fn captured_registration_reads_as_sent() {
    let request = one(&hex(REG_REQUEST));
    let keys = request.before_delimiter();
    assert_eq!(keys[0].tag, Tag::IscsiName);
    assert_eq!(keys[0].as_str(), Ok(ARRAY3));
    assert_eq!(
        keys[0].value.len(),
        24,
        "22 characters, NUL, one byte of padding"
    );
    assert_eq!(keys[1].tag, Tag::EntityId);
    assert_eq!(keys[1].as_str(), Ok("array3"));
    let op = request.operating();
    let ports: Vec<u16> = op
        .iter()
        .filter(|a| a.tag == Tag::PgPortalPort)
        .map(|a| a.as_tcp_port().expect("port"))
        .collect();
    assert_eq!(ports, [3262, 3263]);
    // isnsadm sends IPv4-compatible addresses (::127.0.0.1).
    let ip = op.iter().find(|a| a.tag == Tag::PortalIp).expect("ip");
    assert_eq!(ip.value[..12], [0; 12]);
    assert_eq!(ip.as_ip(), Ok(IpAddr::V4(Ipv4Addr::LOCALHOST)));
    let answer = one(&hex(REG_RESPONSE));
    let period = answer
        .operating()
        .iter()
        .find(|a| a.tag == Tag::RegistrationPeriod);
    assert_eq!(period.map(Attribute::as_u32), Some(Ok(600)));
}

#[test]
fn captured_get_next_walk() {
    let first = one(&hex(NEXT_RESPONSE));
    assert_eq!(first.before_delimiter()[0].as_str(), Ok(ARRAY3));
    let end = one(&hex(NEXT2_RESPONSE));
    assert_eq!(end.status, Some(Status::NoSuchEntry));
    assert!(end.attributes.is_empty());
}

#[test]
fn stream_cut_anywhere_and_pdus_sharing_a_read() {
    let mut stream = hex(QRY_RESPONSE);
    stream.extend(hex(NEXT2_RESPONSE));
    for step in [1, 3, 12, 13, 100] {
        let mut assembler = MessageAssembler::new(IsnsLimits::default());
        let mut out = Vec::new();
        for piece in stream.chunks(step) {
            assembler.push(piece);
            while let Some(m) = assembler.next_message().expect("decodes") {
                out.push(m);
            }
        }
        assert_eq!(out.len(), 2, "step {step}");
        assert_eq!(out[1].status, Some(Status::NoSuchEntry));
    }
}

#[test]
fn segmented_messages_join() {
    let message = one(&hex(QRY_RESPONSE));
    for max in [4, 8, 100, 300] {
        let pdus = message.encode(max);
        let header = Header::decode(&pdus).expect("header");
        assert!(header.flags.contains(Flags::FIRST));
        assert!(usize::from(header.length) <= max);
        assert_eq!(one(&pdus), message, "max {max}");
    }
}

fn expect_error(bytes: &[u8], limits: IsnsLimits) -> IsnsError {
    let mut assembler = MessageAssembler::new(limits);
    assembler.push(bytes);
    assembler.next_message().expect_err("garbage")
}

#[test]
fn garbage_gives_typed_errors() {
    let good = hex(QRY_RESPONSE);
    let mut bad = good.clone();
    bad[1] = 2;
    assert_eq!(
        expect_error(&bad, IsnsLimits::default()),
        IsnsError::UnsupportedVersion(2)
    );
    let mut auth = good.clone();
    auth[offset::FLAGS] |= 0x20;
    assert_eq!(
        expect_error(&auth, IsnsLimits::default()),
        IsnsError::AuthBlock
    );
    // Status then an attribute whose length is 5.
    let mut unaligned = good[..HEADER_LEN].to_vec();
    unaligned[offset::LENGTH..offset::LENGTH + 2].copy_from_slice(&16u16.to_be_bytes());
    unaligned.extend([0, 0, 0, 0, 0, 0, 0, 32, 0, 0, 0, 5, 0, 0, 0, 0]);
    assert_eq!(
        expect_error(&unaligned, IsnsLimits::default()),
        IsnsError::UnalignedAttribute { tag: 32, len: 5 }
    );
    // An attribute length past the payload.
    let mut overrun = unaligned.clone();
    overrun[HEADER_LEN + 11] = 8;
    assert!(matches!(
        expect_error(&overrun, IsnsLimits::default()),
        IsnsError::Truncated {
            what: "attribute value",
            ..
        }
    ));
    // A response without its status code.
    let mut short = good[..HEADER_LEN].to_vec();
    short[offset::LENGTH..offset::LENGTH + 2].copy_from_slice(&0u16.to_be_bytes());
    assert!(matches!(
        expect_error(&short, IsnsLimits::default()),
        IsnsError::Truncated {
            what: "status code",
            ..
        }
    ));
    let small = IsnsLimits {
        max_message_len: 64,
        ..IsnsLimits::default()
    };
    assert_eq!(
        expect_error(&good, small),
        IsnsError::MessageTooLong { limit: 64 }
    );
    let few = IsnsLimits {
        max_attributes: 3,
        ..IsnsLimits::default()
    };
    assert_eq!(
        expect_error(&good, few),
        IsnsError::TooManyAttributes { limit: 3 }
    );
    // A later PDU first, and a PDU of another transaction in the middle of a message.
    let pdus = one(&good).encode(100);
    let second = &pdus[HEADER_LEN + 100..];
    assert!(matches!(
        expect_error(second, IsnsLimits::default()),
        IsnsError::OutOfSequence { .. }
    ));
    let mut mixed = pdus[..HEADER_LEN + 100].to_vec();
    mixed.extend(hex(NEXT2_RESPONSE));
    assert!(matches!(
        expect_error(&mixed, IsnsLimits::default()),
        IsnsError::OutOfSequence { .. }
    ));
}

#[test]
fn attribute_forms() {
    let name = Attribute::string(Tag::IscsiName, "iqn.2026-01.test:disk1").expect("name");
    assert_eq!(name.value.len(), 24);
    assert_eq!(name.as_str(), Ok("iqn.2026-01.test:disk1"));
    let exact = Attribute::string(Tag::IscsiName, "abc").expect("name");
    assert_eq!(exact.value.as_ref(), b"abc\0");
    assert!(Attribute::string(Tag::IscsiName, "a\0b").is_err());
    assert!(Attribute::string(Tag::IscsiName, &"x".repeat(224)).is_err());
    assert!(Attribute::string(Tag::IscsiName, &"x".repeat(223)).is_ok());
    let no_nul = Attribute {
        tag: Tag::IscsiName,
        value: bytes::Bytes::from_static(b"abcd"),
    };
    assert!(no_nul.as_str().is_err());
    let junk = Attribute {
        tag: Tag::IscsiName,
        value: bytes::Bytes::from_static(b"ab\0c"),
    };
    assert!(junk.as_str().is_err());
    let v4 = Attribute::ip(Tag::PortalIp, IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)));
    assert_eq!(&v4.value[10..], &[0xff, 0xff, 192, 0, 2, 1]);
    assert_eq!(v4.as_ip(), Ok(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1))));
    let v6_loopback = Attribute::ip(Tag::PortalIp, IpAddr::V6(std::net::Ipv6Addr::LOCALHOST));
    assert_eq!(
        v6_loopback.as_ip(),
        Ok(IpAddr::V6(std::net::Ipv6Addr::LOCALHOST))
    );
    assert!(
        Attribute::u32(Tag::PortalPort, 0x1_0cbc)
            .as_tcp_port()
            .is_err(),
        "UDP"
    );
    assert_eq!(
        Attribute::u32(Tag::PortalPort, 3260).as_tcp_port(),
        Ok(3260)
    );
    assert!(Attribute::nil(Tag::PgTag).as_u32().is_err());
}

#[test]
fn initiators_and_incomplete_groups_are_left_out() {
    let lo = IpAddr::V4(Ipv4Addr::LOCALHOST);
    let s = |tag, text| Attribute::string(tag, text).expect("string");
    let answer = Message {
        function: FunctionId::DevAttrQryRsp,
        flags: Flags::SERVER,
        xid: 7,
        status: Some(Status::Success),
        attributes: vec![
            Attribute::u32(Tag::NodeType, node_type::TARGET),
            Attribute::delimiter(),
            s(Tag::IscsiName, "iqn.x:init"),
            Attribute::u32(Tag::NodeType, node_type::INITIATOR),
            s(Tag::PgIscsiName, "iqn.x:init"),
            Attribute::ip(Tag::PgPortalIp, lo),
            Attribute::tcp_port(Tag::PgPortalPort, 1),
            Attribute::u32(Tag::PgTag, 1),
            s(Tag::IscsiName, "iqn.x:t"),
            Attribute::u32(Tag::NodeType, node_type::TARGET),
            s(Tag::PgIscsiName, "iqn.x:t"),
            Attribute::ip(Tag::PgPortalIp, lo),
            Attribute::tcp_port(Tag::PgPortalPort, 3260),
            Attribute::nil(Tag::PgTag),
            s(Tag::PgIscsiName, "iqn.x:t"),
            Attribute::ip(Tag::PgPortalIp, lo),
            Attribute::tcp_port(Tag::PgPortalPort, 3261),
            Attribute::u32(Tag::PgTag, 2),
        ],
    };
    let targets = parse_targets(&answer, &IsnsLimits::default()).expect("targets");
    assert_eq!(targets.len(), 1);
    assert_eq!(targets[0].name, "iqn.x:t");
    assert_eq!(
        targets[0].portal_groups,
        [IsnsPortalGroup {
            ip: lo,
            port: 3261,
            tag: 2
        }]
    );
    let limits = IsnsLimits {
        max_targets: 0,
        ..IsnsLimits::default()
    };
    assert_eq!(
        parse_targets(&answer, &limits),
        Err(IsnsError::TooManyTargets { limit: 0 })
    );
    let mut big = answer.clone();
    big.attributes[16] = Attribute::u32(Tag::PgTag, 70000);
    big.attributes[17] = Attribute::u32(Tag::PgTag, 70000);
    assert!(parse_targets(&big, &IsnsLimits::default()).is_err());
    let mut refused = answer;
    refused.status = Some(Status::SourceUnknown);
    assert!(matches!(
        parse_targets(&refused, &IsnsLimits::default()),
        Err(IsnsError::Malformed { .. })
    ));
}

#[test]
fn scn_reading_and_answer() {
    let s = |tag, text| Attribute::string(tag, text).expect("string");
    let scn = Message {
        function: FunctionId::Scn,
        flags: Flags::SERVER,
        xid: 9,
        status: None,
        attributes: vec![
            s(Tag::IscsiName, INITIATOR),
            Attribute {
                tag: Tag::from(4),
                value: bytes::Bytes::from_static(&[0; 8]),
            },
            Attribute::u32(Tag::ScnBitmap, scn::OBJECT_ADDED),
            s(Tag::IscsiName, ARRAY3),
            s(Tag::IscsiName, "iqn.x:gone"),
            Attribute::u32(Tag::ScnBitmap, scn::OBJECT_REMOVED),
        ],
    };
    let events = parse_scn(&scn).expect("scn");
    assert_eq!(
        events,
        [
            ScnEvent {
                name: ARRAY3.into(),
                bitmap: scn::OBJECT_ADDED
            },
            ScnEvent {
                name: "iqn.x:gone".into(),
                bitmap: scn::OBJECT_REMOVED
            },
        ]
    );
    let answer = scn_response(INITIATOR, 9).expect("answer");
    let bytes = answer.encode(65532);
    let back = one(&bytes);
    assert_eq!(back.function, FunctionId::ScnRsp);
    assert_eq!(back.xid, 9);
    assert_eq!(back.status, Some(Status::Success));
    assert!(parse_scn(&back).is_err());
}
