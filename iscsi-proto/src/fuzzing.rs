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

mod protocol;

use bytes::{Bytes, BytesMut};
pub use protocol::{chap, isns, negotiation, scsi, send_targets, session, text_pairs};

use crate::{
    auth::{AlgorithmList, ChapAlgorithm, ChapConfig, Secret},
    framing::{Digests, Frame, Framer, Limits},
    login::{
        LOGIN_MAX_DATA_SEGMENT_LENGTH, Login, LoginConfig, LoginError, LoginOutcome, LoginProgress,
    },
    negotiation::{MAX_DATA_LENGTH, MIN_DATA_LENGTH, OperationalConfig},
    text::value,
    wire::{BHS_LEN, Bhs, CmdSn, Header, Isid, Itt, Pdu},
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

fn check_reencode(framer: &Framer, pdu: &Pdu) {
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

/// Names and secrets of the `login` target's configurations (shared with the transcript
/// tests that write its seed corpus).
pub const LOGIN_INITIATOR: &str = "iqn.2024-01.org.example:fuzz";
pub const LOGIN_TARGET: &str = "iqn.2024-01.org.example:fuzz-disk";
pub const LOGIN_USER: &str = "fuzz-user";
pub const LOGIN_SECRET: &str = "fuzz-initiator-secret";
pub const LOGIN_TARGET_USER: &str = "fuzz-target";
pub const LOGIN_TARGET_SECRET: &str = "fuzz-target-secret!";
/// The seed of the RNG the `login` target gives the login.
pub const LOGIN_RNG_SEED: u64 = 0x1057_c0de;

/// The login configuration for a `login` mode byte (bits 0-1):
/// 0 no authentication, 1 one-way CHAP offering SHA-256 and MD5, 2 mutual CHAP (MD5),
/// 3 a discovery session with an `AuthMethod=None` security stage.
pub fn login_config(mode: u8) -> LoginConfig {
    let operational = if mode & 3 == 3 {
        OperationalConfig::discovery(LOGIN_INITIATOR)
    } else {
        OperationalConfig::normal(LOGIN_INITIATOR, LOGIN_TARGET)
    };
    let mut config = LoginConfig::new(operational, Isid::random(0x00ab_cdef, 1));
    config.itt = Itt(0x10);
    config.initial_cmd_sn = CmdSn::new(0x20);
    let chap = ChapConfig::new(LOGIN_USER, Secret::from(LOGIN_SECRET));
    match mode & 3 {
        1 => {
            let list = AlgorithmList::new([ChapAlgorithm::Sha256, ChapAlgorithm::Md5])
                .expect("a valid list");
            config.auth = Some(chap.with_algorithms(list));
        }
        2 => {
            config.auth =
                Some(chap.with_mutual(LOGIN_TARGET_USER, Secret::from(LOGIN_TARGET_SECRET)));
        }
        3 => config.always_security_stage = true,
        _ => {}
    }
    config
}

/// A deterministic generator (SplitMix64) for reproducible fuzz runs; never for real use.
#[derive(Clone, Debug)]
pub struct FuzzRng(u64);

impl FuzzRng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }
}

impl rand_core::RngCore for FuzzRng {
    fn next_u32(&mut self) -> u32 {
        (self.next_u64() >> 32) as u32
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn fill_bytes(&mut self, dst: &mut [u8]) {
        for chunk in dst.chunks_mut(8) {
            let word = self.next_u64().to_le_bytes();
            chunk.copy_from_slice(&word[..chunk.len()]);
        }
    }
}

impl rand_core::CryptoRng for FuzzRng {}

/// `login`: the login state machine against arbitrary Login Responses.
///
/// The first byte selects the configuration ([`login_config`], bits 0-1) and, with bit 7,
/// overwrites each response's ISID and ITT with ours so the fuzzer gets past those checks.
/// The rest is a stream of PDUs without digests (`Pdu::decode_bytes`), fed one per request
/// until the stream ends, the login fails or completes.
///
/// Property: no panic; every request is a Login Request with version 0, our ISID, ITT and
/// initial CmdSN, at most 8192 bytes of text and T=0 whenever C=1; at most `max_rounds`
/// requests; after an error the login refuses further input; and a completed login has a
/// non-zero TSIH, our ISID and CmdSN, ExpStatSN = StatSN + 1 of a final response,
/// FirstBurstLength ≤ MaxBurstLength, both MaxRecvDataSegmentLengths in 512..=2^24−1, and
/// the target's proof whenever mutual CHAP is configured.
pub fn login(data: &[u8]) {
    let _ = drive_login(data);
}

/// Runs [`login`] and returns the outcome of a completed login.
pub fn drive_login(data: &[u8]) -> Option<LoginOutcome> {
    let [mode, stream @ ..] = data else {
        return None;
    };
    let config = login_config(*mode);
    let (isid, itt, cmd_sn) = (config.isid, config.itt, config.initial_cmd_sn);
    let (mutual, max_rounds) = (config.is_mutual(), config.max_rounds);
    let session_type = config.operational.session_type;
    let mut login = Login::new(config).expect("the fuzz configurations are valid");
    let mut rng = FuzzRng::new(LOGIN_RNG_SEED);
    let mut src = Bytes::copy_from_slice(stream);
    loop {
        let request = login
            .poll_transmit()
            .expect("a request is due while awaiting");
        let Header::LoginRequest(h) = request.header else {
            panic!("login sent {:?}", request.header.opcode());
        };
        assert_eq!((h.version_max, h.version_min), (0, 0));
        assert_eq!((h.isid, h.itt, h.cmd_sn), (isid, itt, cmd_sn));
        assert!(request.data.len() <= LOGIN_MAX_DATA_SEGMENT_LENGTH);
        assert!(!(h.continues && h.next_stage.is_some()), "C=1 with T=1");
        assert!(login.rounds() <= max_rounds, "rounds over the limit");
        let Ok((mut pdu, used)) = Pdu::decode_bytes(&src) else {
            return None;
        };
        src = src.slice(used..);
        if mode & 0x80 != 0 {
            if let Header::LoginResponse(r) = &mut pdu.header {
                r.isid = isid;
                r.itt = itt;
            }
        }
        let final_stat_sn = match &pdu.header {
            Header::LoginResponse(r) => Some(r.stat_sn),
            _ => None,
        };
        match login.handle_response(pdu.clone(), &mut rng) {
            Ok(LoginProgress::Continue) => assert!(!login.is_finished()),
            Ok(LoginProgress::Complete(outcome)) => {
                assert!(login.is_finished());
                let start = &outcome.start;
                assert_ne!(start.tsih.0, 0, "TSIH 0 accepted");
                assert_eq!((start.isid, start.cmd_sn), (isid, cmd_sn));
                assert_eq!(Some(start.exp_stat_sn), final_stat_sn.map(|s| s.next()));
                let p = &outcome.params;
                assert_eq!(p.session_type, session_type);
                assert!(p.first_burst_length <= p.max_burst_length);
                for mrdsl in [
                    p.initiator_max_recv_data_segment_length,
                    p.target_max_recv_data_segment_length,
                ] {
                    assert!((MIN_DATA_LENGTH..=MAX_DATA_LENGTH).contains(&mrdsl));
                }
                assert!(
                    !mutual || outcome.is_target_authenticated(),
                    "mutual unproven"
                );
                assert!(outcome.rounds <= max_rounds);
                return Some(outcome);
            }
            Err(_) => {
                assert!(login.is_finished());
                assert_eq!(
                    login.handle_response(pdu, &mut rng).err(),
                    Some(LoginError::NotAwaitingResponse)
                );
                return None;
            }
        }
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
        let targets: [Target; 11] = [
            ("bhs", bhs),
            ("framer", framer),
            ("text", text_value),
            ("text_pairs", text_pairs),
            ("negotiation", negotiation),
            ("chap", chap),
            ("send_targets", send_targets),
            ("scsi", scsi),
            ("session", session),
            ("login", login),
            ("isns", isns),
        ];
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
