//! Tests of the text codec and the assembler.
#![allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use bytes::{Bytes, BytesMut};

use super::*;

fn decode(text: &[u8]) -> Result<Vec<(String, String)>, TextError> {
    TextPairs::decode(text, &TextLimits::default()).map(TextPairs::into_vec)
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

#[test]
fn decodes_ordered_pairs_with_value_forms() {
    let text = b"HeaderDigest=CRC32C,None\0MaxBurstLength=0x40000\0CHAP_C=0bZm9v\0SendTargets=\0";
    assert_eq!(
        decode(text),
        Ok(pairs(&[
            ("HeaderDigest", "CRC32C,None"),
            ("MaxBurstLength", "0x40000"),
            // The value is everything after the first '=' (base64 may contain '=').
            ("CHAP_C", "0bZm9v"),
            ("SendTargets", ""),
        ]))
    );
    assert_eq!(
        decode(b"CHAP_C=0bZg==\0"),
        Ok(pairs(&[("CHAP_C", "0bZg==")]))
    );
    assert_eq!(decode(b""), Ok(vec![]));
}

#[test]
fn nul_handling() {
    // RFC 7143 §6.1: every item ends with NUL; the last one too.
    assert_eq!(decode(b"A=1\0B=2"), Err(TextError::MissingNul));
    assert_eq!(decode(b"A=1"), Err(TextError::MissingNul));
    // Padding NULs after the last item are tolerated, however many.
    assert_eq!(decode(b"A=1\0\0\0\0"), Ok(pairs(&[("A", "1")])));
    assert_eq!(decode(b"\0\0\0\0"), Ok(vec![]));
    // An empty item between two items is not padding.
    assert_eq!(
        decode(b"A=1\0\0B=2\0"),
        Err(TextError::EmptyPair { offset: 4 })
    );
    assert_eq!(decode(b"\0A=1\0"), Err(TextError::EmptyPair { offset: 0 }));
    assert_eq!(
        decode(b"A=1\0B\0"),
        Err(TextError::MissingEquals { offset: 4 })
    );
}

#[test]
fn key_names() {
    for good in [
        "A",
        "MaxBurstLength",
        "X-com.example.v1",
        "X#NodeArchitecture",
        "CHAP_A",
    ] {
        assert!(is_valid_key(good), "{good}");
    }
    for bad in [
        "", "maxBurst", "1Key", "Key Name", "Key=", "A#b", "Ké", "-A",
    ] {
        assert!(!is_valid_key(bad), "{bad}");
    }
    assert_eq!(
        decode(b"lower=1\0"),
        Err(TextError::InvalidKey {
            key: "lower".into()
        })
    );
    assert_eq!(
        decode(b"=1\0"),
        Err(TextError::InvalidKey { key: String::new() })
    );
}

#[test]
fn over_long_key_and_value() {
    let key63 = format!("K{}", "e".repeat(62));
    let key64 = format!("K{}", "e".repeat(63));
    assert!(decode(format!("{key63}=v\0").as_bytes()).is_ok());
    assert_eq!(
        decode(format!("{key64}=v\0").as_bytes()),
        Err(TextError::KeyTooLong { len: 64 })
    );
    let v255 = "a".repeat(255);
    let v256 = "a".repeat(256);
    assert!(decode(format!("TargetAlias={v255}\0").as_bytes()).is_ok());
    assert_eq!(
        decode(format!("TargetAlias={v256}\0").as_bytes()),
        Err(TextError::ValueTooLong {
            key: "TargetAlias".into(),
            len: 256,
            limit: 255
        })
    );
    // CHAP_C/CHAP_R may carry 1024 bytes: 2050 hex characters, or 1370 of base64.
    let challenge = value::encode_hex(&[0xab; 1024]);
    assert_eq!(challenge.len(), 2050);
    assert!(decode(format!("CHAP_C={challenge}\0").as_bytes()).is_ok());
    let b64 = value::encode_base64(&[0xab; 1024]);
    assert!(decode(format!("CHAP_R={b64}\0").as_bytes()).is_ok());
    let too_long = "0".repeat(keys::MAX_BINARY_VALUE_CHARS + 1);
    assert!(matches!(
        decode(format!("CHAP_R={too_long}\0").as_bytes()),
        Err(TextError::ValueTooLong { limit: 4096, .. })
    ));
}

#[test]
fn non_utf8_is_rejected_with_offset() {
    assert_eq!(
        decode(b"A=1\0TargetAlias=\xff\xfe\0"),
        Err(TextError::NotUtf8 { offset: 16 })
    );
    // UTF-8 in values is fine (aliases are UTF-8).
    assert_eq!(
        decode("TargetAlias=disque dûr\0".as_bytes()),
        Ok(pairs(&[("TargetAlias", "disque dûr")]))
    );
}

#[test]
fn limits_on_decode() {
    let limits = TextLimits {
        max_bytes: 8,
        max_pdus: 1,
        max_pairs: 2,
    };
    assert_eq!(
        TextPairs::decode(b"A=1\0B=2\0C", &limits),
        Err(TextError::TooMuchText { limit: 8 })
    );
    assert_eq!(
        TextPairs::decode(
            b"A=\0B=\0C=\0",
            &TextLimits {
                max_bytes: 64,
                ..limits
            }
        ),
        Err(TextError::TooManyPairs { limit: 2 })
    );
    assert_eq!(TextLimits::default().max_bytes, 64 * 1024);
    assert_eq!(TextLimits::default().max_pdus, 32);
}

#[test]
fn encode_round_trip_and_checks() {
    let mut text = TextPairs::new();
    text.push("InitiatorName", "iqn.2024-01.org.example:host");
    text.push("MaxRecvDataSegmentLength", "262144");
    text.push("SendTargets", "");
    let mut out = BytesMut::new();
    text.encode(&mut out).unwrap();
    assert_eq!(
        &out[..],
        b"InitiatorName=iqn.2024-01.org.example:host\0MaxRecvDataSegmentLength=262144\0SendTargets=\0"
    );
    assert_eq!(out.len(), text.encoded_len());
    assert_eq!(
        TextPairs::decode(&out, &TextLimits::default()),
        Ok(text.clone())
    );
    assert_eq!(text.get("SendTargets"), Some(""));
    assert_eq!(text.get("Nope"), None);

    let mut bad = TextPairs::new();
    bad.push("Key", "a\0b");
    assert_eq!(
        bad.to_bytes(),
        Err(TextError::NulInValue { key: "Key".into() })
    );
    let mut bad = TextPairs::new();
    bad.push("key", "1");
    assert!(matches!(bad.to_bytes(), Err(TextError::InvalidKey { .. })));
    let mut out = BytesMut::new();
    let mut bad = TextPairs::new();
    bad.push("A", "1");
    bad.push("TargetAlias", "x".repeat(300));
    assert!(bad.encode(&mut out).is_err());
    assert!(out.is_empty(), "nothing written on error");
}

#[test]
fn assembler_joins_continued_segments_split_mid_pair() {
    let mut asm = TextAssembler::new(TextLimits::default());
    assert_eq!(asm.push(b"TargetName=iqn.2", true), Ok(None));
    assert_eq!(asm.push(b"024-01.example:t1\0TargetAdd", true), Ok(None));
    assert!(asm.is_partial());
    assert_eq!(asm.pdus(), 2);
    let done = asm.push(b"ress=10.0.0.1,1\0", false).unwrap().unwrap();
    assert_eq!(
        done.into_vec(),
        pairs(&[
            ("TargetName", "iqn.2024-01.example:t1"),
            ("TargetAddress", "10.0.0.1,1")
        ])
    );
    assert!(!asm.is_partial());
    assert_eq!(asm.buffered(), 0);
    // Single-PDU text.
    assert_eq!(
        asm.push(b"A=1\0", false).unwrap().unwrap().into_vec(),
        pairs(&[("A", "1")])
    );
}

#[test]
fn assembler_byte_limit() {
    let limits = TextLimits {
        max_bytes: 10,
        max_pdus: 32,
        max_pairs: 100,
    };
    let mut asm = TextAssembler::new(limits);
    assert_eq!(asm.push(b"A=12345", true), Ok(None));
    assert_eq!(
        asm.push(b"6789\0", false),
        Err(TextError::TooMuchText { limit: 10 })
    );
    // Reset after the error: a new text starts from scratch.
    assert_eq!(asm.pdus(), 0);
    assert_eq!(asm.push(b"B=1\0", false).unwrap().unwrap().len(), 1);
    // Exactly at the limit is fine.
    assert!(asm.push(b"A=1234567\0", false).is_ok());
}

#[test]
fn assembler_pdu_limit() {
    let limits = TextLimits {
        max_pdus: 3,
        ..TextLimits::default()
    };
    let mut asm = TextAssembler::new(limits);
    assert_eq!(asm.push(b"A=", true), Ok(None));
    assert_eq!(asm.push(b"", true), Ok(None));
    assert_eq!(asm.push(b"1", true), Ok(None));
    assert_eq!(
        asm.push(b"\0", false),
        Err(TextError::TooManyPdus { limit: 3 })
    );
    // Three PDUs in all is within the limit.
    assert_eq!(asm.push(b"A=", true), Ok(None));
    assert_eq!(asm.push(b"1", true), Ok(None));
    assert!(asm.push(b"\0", false).unwrap().is_some());
    // An endless stream of C=1 PDUs is cut off at the limit even if they are empty.
    let mut asm = TextAssembler::new(TextLimits::default());
    let mut failed = None;
    for i in 0..100 {
        if let Err(e) = asm.push(b"", true) {
            failed = Some((i, e));
            break;
        }
    }
    assert_eq!(failed, Some((32, TextError::TooManyPdus { limit: 32 })));
}

#[test]
fn split_for_sending_round_trip() {
    let mut text = TextPairs::new();
    for i in 0..200 {
        text.push(format!("X-Key{i}"), "v".repeat(i % 50));
    }
    let bytes = text.to_bytes().unwrap();
    for max in [1usize, 7, 512, 1000, bytes.len(), bytes.len() + 1] {
        let chunks = split_for_sending(bytes.clone(), max);
        assert!(chunks.iter().all(|c| c.data.len() <= max));
        let (last, rest) = chunks.split_last().unwrap();
        assert!(!last.continues);
        assert!(rest.iter().all(|c| c.continues));
        let mut asm = TextAssembler::new(TextLimits {
            max_pdus: 100_000,
            ..TextLimits::default()
        });
        let mut result = None;
        for c in &chunks {
            result = asm.push(&c.data, c.continues).unwrap();
        }
        assert_eq!(result.as_ref(), Some(&text), "max {max}");
    }
    let empty = split_for_sending(Bytes::new(), 512);
    assert_eq!(
        empty,
        vec![TextChunk {
            data: Bytes::new(),
            continues: false
        }]
    );
    assert_eq!(split_for_sending(Bytes::from_static(b"A=1\0"), 0).len(), 4);
}

#[test]
fn seeded_garbage_never_panics() {
    use rand::{Rng, SeedableRng, rngs::StdRng};
    let mut rng = StdRng::seed_from_u64(7143);
    let alphabet: &[u8] = b"AZaz09=\0\0\0,.-_#X\xff\xc3\xa9 ";
    let limits = TextLimits {
        max_bytes: 256,
        max_pdus: 4,
        max_pairs: 16,
    };
    for _ in 0..20_000 {
        let len = rng.random_range(0..64);
        let text: Vec<u8> = (0..len)
            .map(|_| alphabet[rng.random_range(0..alphabet.len())])
            .collect();
        if let Ok(p) = TextPairs::decode(&text, &limits) {
            assert!(p.len() <= 16);
            // Whatever decodes re-encodes and decodes to the same pairs.
            let again = TextPairs::decode(&p.to_bytes().unwrap(), &limits).unwrap();
            assert_eq!(again, p);
        }
        let mut asm = TextAssembler::new(limits);
        for chunk in text.chunks(rng.random_range(1..8)) {
            let _ = asm.push(chunk, rng.random_bool(0.7));
            assert!(asm.buffered() <= limits.max_bytes);
            assert!(asm.pdus() <= limits.max_pdus);
        }
    }
}
