#![allow(clippy::indexing_slicing)] // tests index fixed vectors they built

use bytes::{Bytes, BytesMut};
use rand::{Rng, SeedableRng, rngs::StdRng};

use super::*;
use crate::wire::{
    CmdSn, Itt, Lun, StatSn, Ttt,
    pdu::{NopIn, NopOut},
};

fn nop_out(itt: u32, data: &[u8]) -> Pdu {
    Pdu::new(
        NopOut {
            immediate: false,
            lun: Lun::default(),
            itt: Itt(itt),
            ttt: Ttt::RESERVED,
            cmd_sn: CmdSn::new(itt),
            exp_stat_sn: StatSn::new(1),
        },
        Bytes::copy_from_slice(data),
    )
}

fn nop_in(data: &[u8]) -> Pdu {
    Pdu::new(
        NopIn {
            lun: Lun::default(),
            itt: Itt(5),
            ttt: Ttt::RESERVED,
            stat_sn: StatSn::new(2),
            exp_cmd_sn: CmdSn::new(3),
            max_cmd_sn: CmdSn::new(9),
        },
        Bytes::copy_from_slice(data),
    )
}

fn big_limits() -> Limits {
    Limits {
        max_recv_data_segment_length: 262_144,
        max_send_data_segment_length: 262_144,
    }
}

fn all_digests() -> [Digests; 4] {
    [
        Digests {
            header: false,
            data: false,
        },
        Digests {
            header: true,
            data: false,
        },
        Digests {
            header: false,
            data: true,
        },
        Digests {
            header: true,
            data: true,
        },
    ]
}

fn framer(digests: Digests) -> Framer {
    let mut f = Framer::new(big_limits());
    f.set_digests(digests);
    f
}

fn decode_all(f: &mut Framer, src: &mut BytesMut) -> Vec<Frame> {
    let mut out = Vec::new();
    while let Some(frame) = f.decode(src).expect("valid stream") {
        out.push(frame);
    }
    out
}

#[test]
fn round_trip_every_digest_setting_and_padding() {
    for digests in all_digests() {
        for len in [0usize, 1, 2, 3, 4, 5, 8191, 8192, 100_000] {
            let data: Vec<u8> = (0..len).map(|i| i as u8).collect();
            let pdu = nop_in(&data);
            let f = framer(digests);
            let mut wire = BytesMut::new();
            f.encode(&pdu, &mut wire).unwrap();
            let expected_len = 48
                + if digests.header { 4 } else { 0 }
                + len
                + pad_len(len)
                + if digests.data && len > 0 { 4 } else { 0 };
            assert_eq!(wire.len(), expected_len, "{digests:?} len {len}");
            let mut rx = framer(digests);
            let frames = decode_all(&mut rx, &mut wire);
            assert_eq!(frames, vec![Frame::Pdu(pdu)]);
            assert!(wire.is_empty());
        }
    }
}

#[test]
fn wire_layout_with_both_digests() {
    let f = framer(Digests {
        header: true,
        data: true,
    });
    let mut wire = BytesMut::new();
    f.encode(&nop_out(7, b"abcde"), &mut wire).unwrap();
    let bhs = &wire[..48];
    assert_eq!(bhs[5..8], [0, 0, 5], "DataSegmentLength excludes padding");
    assert_eq!(
        wire[48..52],
        crate::wire::crc32c(bhs).to_le_bytes(),
        "header digest, LSB first"
    );
    assert_eq!(&wire[52..57], b"abcde");
    assert_eq!(wire[57..60], [0, 0, 0], "pad");
    assert_eq!(
        wire[60..64],
        crate::wire::crc32c(b"abcde\0\0\0").to_le_bytes(),
        "data digest over pad"
    );
    assert_eq!(wire.len(), 64);
}

#[test]
fn one_byte_at_a_time() {
    for digests in all_digests() {
        let f = framer(digests);
        let pdus: Vec<Pdu> = (0..4)
            .map(|i| nop_out(i, &vec![i as u8; i as usize * 3]))
            .collect();
        let mut wire = BytesMut::new();
        for p in &pdus {
            f.encode(p, &mut wire).unwrap();
        }
        let mut rx = framer(digests);
        let mut src = BytesMut::new();
        let mut got = Vec::new();
        for b in wire.iter() {
            src.extend_from_slice(&[*b]);
            if let Some(Frame::Pdu(p)) = rx.decode(&mut src).unwrap() {
                got.push(p);
            }
        }
        assert_eq!(got, pdus);
        assert!(src.is_empty() && !rx.is_mid_pdu());
    }
}

#[test]
fn pending_pdu_len_is_the_whole_wire_length_once_the_header_is_in() {
    for digests in all_digests() {
        let f = framer(digests);
        let pdu = nop_out(9, &[7u8; 1001]);
        let mut wire = BytesMut::new();
        f.encode(&pdu, &mut wire).unwrap();
        let total = wire.len();
        let mut rx = framer(digests);
        let mut src = BytesMut::new();
        for (i, b) in wire.iter().enumerate() {
            // Before the byte that completes the header, and then until the PDU is whole.
            let expected = (i >= 48 && i < total).then_some(total);
            assert_eq!(rx.pending_pdu_len(), expected, "byte {i}, {digests:?}");
            src.extend_from_slice(&[*b]);
            let _ = rx.decode(&mut src).unwrap();
        }
        assert_eq!(rx.pending_pdu_len(), None);
    }
}

#[test]
fn many_pdus_in_one_read_and_random_cuts() {
    let mut rng = StdRng::seed_from_u64(7143);
    for digests in all_digests() {
        let f = framer(digests);
        let pdus: Vec<Pdu> = (0..200)
            .map(|i| {
                let len = rng.random_range(0..3000);
                let data: Vec<u8> = (0..len).map(|_| rng.random()).collect();
                if i % 2 == 0 {
                    nop_out(i, &data)
                } else {
                    nop_in(&data)
                }
            })
            .collect();
        let mut wire = BytesMut::new();
        for p in &pdus {
            f.encode(p, &mut wire).unwrap();
        }
        // All at once.
        let mut rx = framer(digests);
        let mut all = wire.clone();
        let frames = decode_all(&mut rx, &mut all);
        assert_eq!(frames.len(), pdus.len());
        // Cut at random points.
        let mut rx = framer(digests);
        let mut src = BytesMut::new();
        let mut got = Vec::new();
        let mut rest = &wire[..];
        while !rest.is_empty() {
            let n = rng.random_range(1..=rest.len().min(5000));
            src.extend_from_slice(&rest[..n]);
            rest = &rest[n..];
            got.extend(decode_all(&mut rx, &mut src));
        }
        let got: Vec<Pdu> = got
            .into_iter()
            .map(|f| match f {
                Frame::Pdu(p) => p,
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(got, pdus);
    }
}

#[test]
fn oversized_data_segment_refused_before_allocating() {
    let mut rx = Framer::new(Limits::default());
    let mut bhs = nop_in(b"").encode_bhs().unwrap().as_bytes().to_vec();
    bhs[5..8].copy_from_slice(&[0xff, 0xff, 0xff]); // DSL 16 MiB - 1
    let mut src = BytesMut::with_capacity(64);
    src.extend_from_slice(&bhs);
    let capacity_before = src.capacity();
    assert_eq!(
        rx.decode(&mut src),
        Err(FrameError::Decode(DecodeError::DataSegmentTooLong {
            len: 0xff_ffff,
            max: 8192
        }))
    );
    assert_eq!(
        src.capacity(),
        capacity_before,
        "nothing reserved for the hostile length"
    );
    // One byte over the limit is refused; exactly the limit is accepted.
    let mut rx = Framer::new(Limits::default());
    bhs[5..8].copy_from_slice(&[0, 0x20, 0x01]);
    let mut src = BytesMut::from(&bhs[..]);
    assert!(rx.decode(&mut src).is_err());
    bhs[5..8].copy_from_slice(&[0, 0x20, 0x00]);
    let mut src = BytesMut::from(&bhs[..]);
    assert_eq!(rx.decode(&mut src), Ok(None));
}

#[test]
fn header_digest_mismatch_is_fatal() {
    let d = Digests {
        header: true,
        data: false,
    };
    let mut wire = BytesMut::new();
    framer(d).encode(&nop_in(b"xyz"), &mut wire).unwrap();
    wire[20] ^= 0x01; // flip a bit of the TTT
    let err = framer(d).decode(&mut wire).unwrap_err();
    assert!(
        matches!(err, FrameError::Decode(DecodeError::HeaderDigest { .. })),
        "{err:?}"
    );
    // And a corrupt digest itself.
    let mut wire = BytesMut::new();
    framer(d).encode(&nop_in(b""), &mut wire).unwrap();
    wire[49] ^= 0x80;
    assert!(framer(d).decode(&mut wire).is_err());
}

#[test]
fn data_digest_mismatch_is_an_item_and_framing_survives() {
    let d = Digests {
        header: true,
        data: true,
    };
    let f = framer(d);
    let mut wire = BytesMut::new();
    f.encode(&nop_in(b"payload!"), &mut wire).unwrap();
    f.encode(&nop_out(9, b"next"), &mut wire).unwrap();
    wire[52] ^= 0x10; // first data byte
    let mut rx = framer(d);
    match rx.decode(&mut wire).unwrap() {
        Some(Frame::DataDigestError {
            header,
            data_segment_length,
            received,
            computed,
        }) => {
            assert_eq!(header, nop_in(b"").header);
            assert_eq!(data_segment_length, 8);
            assert_ne!(received, computed);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        rx.decode(&mut wire).unwrap(),
        Some(Frame::Pdu(nop_out(9, b"next")))
    );
}

#[test]
fn nonzero_pad_with_matching_digest_accepted() {
    // RFC 7143 §13.1: pad bytes SHOULD be zero but are inside the CRC; a receiver checks the
    // bytes it got.
    let d = Digests {
        header: false,
        data: true,
    };
    let mut wire = BytesMut::new();
    framer(d).encode(&nop_in(b"a"), &mut wire).unwrap();
    wire[49..52].copy_from_slice(&[1, 2, 3]);
    let crc = crate::wire::crc32c(&wire[48..52]);
    wire[52..56].copy_from_slice(&crc.to_le_bytes());
    assert_eq!(
        framer(d).decode(&mut wire).unwrap(),
        Some(Frame::Pdu(nop_in(b"a")))
    );
}

#[test]
fn data_segment_is_not_copied() {
    let mut wire = BytesMut::new();
    framer(Digests::default())
        .encode(&nop_in(&[7; 4096]), &mut wire)
        .unwrap();
    let range = wire.as_ptr() as usize..wire.as_ptr() as usize + wire.len();
    let Some(Frame::Pdu(pdu)) = framer(Digests::default()).decode(&mut wire).unwrap() else {
        panic!("no pdu")
    };
    assert!(
        range.contains(&(pdu.data.as_ptr() as usize)),
        "data points into the read buffer"
    );
}

#[test]
fn encode_split_equals_encode() {
    for digests in all_digests() {
        let f = framer(digests);
        for len in [0, 10, COPY_THRESHOLD - 1, COPY_THRESHOLD, 5001] {
            let pdu = nop_out(1, &vec![0x5a; len]);
            let mut whole = BytesMut::new();
            f.encode(&pdu, &mut whole).unwrap();
            let mut head = BytesMut::new();
            let mut joined = match f.encode_split(&pdu, &mut head).unwrap() {
                None => {
                    assert!(len < COPY_THRESHOLD);
                    head.to_vec()
                }
                Some(split) => {
                    assert!(len >= COPY_THRESHOLD);
                    assert_eq!(split.data.as_ptr(), pdu.data.as_ptr(), "not copied");
                    [&head[..], &split.data[..], split.tail.as_slice()].concat()
                }
            };
            assert_eq!(joined, whole.to_vec(), "{digests:?} {len}");
            joined.clear();
        }
    }
}

#[test]
fn encode_split_reserves_only_the_header_for_handed_back_data() {
    // A caller that splits its buffer off after each write (the initiator's driver) would
    // otherwise allocate a data segment's worth of unused header buffer per large PDU.
    const LEN: usize = 256 * 1024;
    const HEADER_ROOM: usize = 4 * 1024;
    for digests in all_digests() {
        let f = framer(digests);
        let pdu = nop_out(1, &vec![0x5a; LEN]);
        let mut head = BytesMut::new();
        let split = f.encode_split(&pdu, &mut head).unwrap();
        assert!(split.is_some(), "handed back");
        assert!(
            head.capacity() < HEADER_ROOM,
            "{digests:?}: capacity {} for a {}-byte header",
            head.capacity(),
            head.len()
        );
        // Copying the data still reserves (and writes) everything.
        let mut whole = BytesMut::new();
        f.encode(&pdu, &mut whole).unwrap();
        assert!(whole.len() > LEN);
        assert_eq!(
            decode_all(&mut framer(digests), &mut whole),
            vec![Frame::Pdu(pdu)]
        );
    }
}

#[test]
fn send_limit_is_the_targets_declaration() {
    let f = Framer::new(Limits {
        max_recv_data_segment_length: 262_144,
        max_send_data_segment_length: 512,
    });
    let mut dst = BytesMut::new();
    assert!(f.encode(&nop_out(1, &[0; 512]), &mut dst).is_ok());
    assert_eq!(
        f.encode(&nop_out(1, &[0; 513]), &mut dst),
        Err(EncodeError::DataSegmentTooLong { len: 513, max: 512 })
    );
}

#[test]
fn garbage_streams_never_panic() {
    let mut rng = StdRng::seed_from_u64(11);
    for _ in 0..2000 {
        let mut rx = framer(all_digests()[rng.random_range(0..4)]);
        let len = rng.random_range(0..400);
        let mut src: BytesMut = (0..len).map(|_| rng.random::<u8>()).collect::<Vec<_>>()[..].into();
        // Make lengths small sometimes so bodies complete.
        if src.len() > 8 && rng.random_bool(0.5) {
            src[4] = 0;
            src[5] = 0;
            src[6] = 0;
        }
        for _ in 0..10 {
            match rx.decode(&mut src) {
                Ok(Some(_)) => {}
                Ok(None) | Err(_) => break,
            }
        }
        assert!(src.capacity() < 1 << 20, "bounded");
    }
}
