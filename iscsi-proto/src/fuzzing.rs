//! Entry points for the fuzz targets in `fuzz/` (one function per target), compiled only
//! for fuzzing and for this crate's own tests, which replay every file of `fuzz/corpus/`
//! through the same functions so a crash found once stays fixed without libFuzzer.
//!
//! Each function states the property it checks, not only "no panic", and panics (the
//! fuzzer's signal) when the property fails.
//!
//! # Fuzzing
//!
//! Under `cfg(fuzzing)` digest verification always passes (see `wire::digest`), so the
//! fuzzer reaches the code behind the CRC; ordinary tests prove mismatches are caught.
#![allow(missing_docs, clippy::indexing_slicing)]

use bytes::BytesMut;

use crate::{
    framing::{Digests, Frame, Framer, Limits},
    text::value,
    wire::{BHS_LEN, Bhs, Header},
};

/// `bhs`: decode any 48 bytes.
///
/// Property: if the bytes decode to a header, encoding that header gives bytes that decode
/// to the same header (the round trip is exact modulo reserved bits, which decode ignores
/// and encode writes as zero, and modulo TotalAHSLength/DataSegmentLength, which belong to
/// the whole PDU), the opcode byte's opcode bits and the ITT are preserved, and encoding is
/// a fixed point.
pub fn bhs(data: &[u8]) {
    let Ok(bhs) = Bhs::decode(data) else { return };
    let Ok(header) = Header::decode(&bhs) else {
        return;
    };
    let encoded = header.encode();
    let again = Header::decode(&encoded).expect("an encoded header decodes");
    assert_eq!(again, header, "decode(encode(h)) == h");
    assert_eq!(again.encode(), encoded, "encode is a fixed point");
    assert_eq!(
        encoded.as_bytes()[0] & 0x3f,
        bhs.as_bytes()[0] & 0x3f,
        "opcode kept"
    );
    assert_eq!(encoded.itt(), bhs.itt(), "ITT kept");
}

/// `framer`: an arbitrary byte stream cut at arbitrary points.
///
/// The first byte selects digests and the receive limit, the second the chunk size.
/// Property: the framer never consumes more than it was given, never buffers more than one
/// PDU's worth past the limit, and every PDU it yields re-encodes to a stream it decodes
/// back to the same PDU.
pub fn framer(data: &[u8]) {
    let [mode, chunk, stream @ ..] = data else {
        return;
    };
    let digests = Digests {
        header: mode & 1 != 0,
        data: mode & 2 != 0,
    };
    let max = if mode & 4 != 0 { 512 } else { 8192 };
    let limits = Limits {
        max_recv_data_segment_length: max,
        max_send_data_segment_length: max,
    };
    let mut framer = Framer::new(limits);
    framer.set_digests(digests);
    let chunk = usize::from(*chunk).max(1);
    // The most one PDU can occupy: header, AHS, both digests, data and padding.
    let pdu_bound = BHS_LEN + 1020 + 8 + max as usize + 3;
    let mut src = BytesMut::new();
    let mut fed = 0usize;
    let mut consumed = 0usize;
    for piece in stream.chunks(chunk) {
        src.extend_from_slice(piece);
        fed += piece.len();
        loop {
            let before = src.len();
            match framer.decode(&mut src) {
                Ok(Some(frame)) => {
                    consumed += before - src.len();
                    if let Frame::Pdu(pdu) = frame {
                        check_reencode(&framer, &pdu);
                    }
                }
                Ok(None) => break,
                Err(_) => return,
            }
            assert!(consumed <= fed, "consumed more than fed");
        }
        assert!(src.len() <= pdu_bound + chunk, "buffered more than one PDU");
    }
}

fn check_reencode(framer: &Framer, pdu: &crate::wire::Pdu) {
    let mut wire = BytesMut::new();
    let mut tx = framer.clone();
    tx.set_limits(Limits {
        max_recv_data_segment_length: 0x00ff_ffff,
        max_send_data_segment_length: 0x00ff_ffff,
    });
    if tx.encode(pdu, &mut wire).is_err() {
        return;
    }
    match tx.decode(&mut wire) {
        Ok(Some(Frame::Pdu(back))) => assert_eq!(&back, pdu, "PDU round trip"),
        other => panic!("re-encoded PDU did not decode: {other:?}"),
    }
}

/// `text` (value forms): numbers and binary values.
///
/// Property: decoders never panic, binary values respect their limit, and any decoded
/// binary value re-encodes (hex and base64) to text that decodes to the same bytes.
pub fn text_value(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = value::decode_number(text);
    if let Ok(bytes) = value::decode_binary(text, 1024) {
        assert!(bytes.len() <= 1024);
        assert_eq!(
            value::decode_binary(&value::encode_hex(&bytes), 1024).as_ref(),
            Ok(&bytes)
        );
        assert_eq!(
            value::decode_binary(&value::encode_base64(&bytes), 1024).as_ref(),
            Ok(&bytes)
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Replays `fuzz/corpus/<target>/*` through the entry functions.
    #[test]
    // Reading the checked-in corpus is test-only file access; the crate itself stays sans-IO.
    #[allow(clippy::disallowed_methods)]
    fn corpus_replay() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus");
        type Target = (&'static str, fn(&[u8]));
        let targets: [Target; 3] = [("bhs", bhs), ("framer", framer), ("text", text_value)];
        let mut replayed = 0;
        for (name, run) in targets {
            let Ok(dir) = std::fs::read_dir(root.join(name)) else {
                continue;
            };
            for entry in dir.flatten() {
                let bytes = std::fs::read(entry.path()).expect("corpus file readable");
                run(&bytes);
                replayed += 1;
            }
        }
        assert!(replayed > 0, "no corpus found under {}", root.display());
    }
}
