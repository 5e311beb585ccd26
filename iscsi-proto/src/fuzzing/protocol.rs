//! Fuzz entry points for the text codec, negotiation, CHAP, SendTargets, the SCSI parsers
//! and the full-feature session. See the parent module for the conventions.

use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};

use super::FuzzRng;
use crate::{
    auth::{AlgorithmList, ChapAlgorithm, ChapConfig, ChapInitiator, Secret},
    discovery::{DiscoveryLimits, parse_send_targets},
    negotiation::{Negotiator, OperationalConfig},
    scsi::{
        BlockDeviceCharacteristics, BlockLimits, DeviceIdentification, ModeParameters,
        ReadCapacity10, ReadCapacity16, ReportLuns, SenseData, StandardInquiry, SupportedVpdPages,
        UnitSerialNumber,
    },
    session::{Event, ScsiRequest, Session, SessionConfig, SessionStart, TaskId},
    text::{TextAssembler, TextLimits, TextPairs},
    wire::{Cid, CmdSn, Isid, Lun, StatSn, Tsih},
};

/// `text_pairs`: the key=value codec and the continuation assembler.
///
/// Property: a segment that decodes re-encodes to text that decodes to the same pairs; the
/// assembler, fed the same bytes cut into C-bit pieces, never buffers past its limits and
/// agrees with a one-piece decode.
pub fn text_pairs(data: &[u8]) {
    let limits = TextLimits::default();
    let Some((&cut, text)) = data.split_first() else {
        return;
    };
    if let Ok(pairs) = TextPairs::decode(text, &limits) {
        let bytes = pairs.to_bytes().expect("decoded pairs encode");
        assert_eq!(
            TextPairs::decode(&bytes, &limits).expect("re-decode"),
            pairs
        );
    }
    let mut assembler = TextAssembler::new(limits);
    let step = usize::from(cut).max(1);
    let pieces: Vec<&[u8]> = text.chunks(step).collect();
    for (i, piece) in pieces.iter().enumerate() {
        let last = i + 1 == pieces.len();
        match assembler.push(piece, !last) {
            Ok(Some(joined)) => {
                assert!(last, "completed before the last piece");
                assert_eq!(Ok(joined), TextPairs::decode(text, &limits));
            }
            Ok(None) => assert!(assembler.buffered() <= limits.max_bytes),
            Err(_) => return,
        }
    }
}

/// `negotiation`: arbitrary target answers to our offer.
///
/// Property: the result, when there is one, is within RFC ranges and consistent
/// (FirstBurstLength ≤ MaxBurstLength, ERL ≤ 2, both data lengths in 512..2^24, times ≤
/// 3600, MaxOutstandingR2T ≥ 1); otherwise a typed error.
pub fn negotiation(data: &[u8]) {
    let config = OperationalConfig::normal("iqn.2026-11.fuzz:i", "iqn.2026-11.fuzz:t");
    let Ok(mut negotiator) = Negotiator::new(config) else {
        return;
    };
    let _ = negotiator.offer();
    let limits = TextLimits::default();
    for round in data.split(|&b| b == 0xff).take(8) {
        let Ok(pairs) = TextPairs::decode(round, &limits) else {
            return;
        };
        if negotiator.handle_response(&pairs).is_err() {
            return;
        }
    }
    let Ok(p) = negotiator.finish() else { return };
    assert!(p.first_burst_length <= p.max_burst_length, "{p:?}");
    assert!(p.error_recovery_level <= 2);
    for len in [
        p.initiator_max_recv_data_segment_length,
        p.target_max_recv_data_segment_length,
        p.max_burst_length,
    ] {
        assert!((512..=0x00ff_ffff).contains(&len), "{p:?}");
    }
    assert!(p.default_time2wait <= 3600 && p.default_time2retain <= 3600);
    assert!(p.max_outstanding_r2t >= 1);
}

/// `chap`: arbitrary CHAP_A, CHAP_I, CHAP_C, CHAP_N and CHAP_R (NUL-separated).
///
/// Property: every value gives a response or a typed error; a response always carries our
/// configured name and a hex CHAP_R of the chosen digest's length; the target can only be
/// accepted when its CHAP_N is the configured target user.
pub fn chap(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut parts = text.split('\0').map(|s| (!s.is_empty()).then_some(s));
    let (a, i, c, n, r) = (
        parts.next().flatten(),
        parts.next().flatten(),
        parts.next().flatten(),
        parts.next().flatten(),
        parts.next().flatten(),
    );
    let algorithms = AlgorithmList::new(ChapAlgorithm::ALL).unwrap_or_default();
    let config = ChapConfig::new("alice", Secret::from("secretsecret12"))
        .with_algorithms(algorithms)
        .with_mutual("tgt", Secret::from("targetsecret34"));
    let Ok(chap) = ChapInitiator::new(config) else {
        return;
    };
    let mut rng = FuzzRng::new(0x5eed);
    let Ok((response, answered)) = chap.handle_challenge(a, i, c, &mut rng) else {
        return;
    };
    assert_eq!(response.name, "alice");
    let digest_len = answered.algorithm().digest_len();
    assert_eq!(
        response.response.len(),
        2 + 2 * digest_len,
        "0x + hex digest"
    );
    if answered.verify_target(n, r).is_ok() {
        assert_eq!(n, Some("tgt"), "accepted a target with another name");
    }
}

/// `send_targets`: SendTargets answers.
///
/// Property: the parser returns records within its limits (targets, addresses per target)
/// or a typed error.
pub fn send_targets(data: &[u8]) {
    let limits = DiscoveryLimits::default();
    let Ok(pairs) = TextPairs::decode(data, &TextLimits::for_discovery()) else {
        return;
    };
    if let Ok(records) = parse_send_targets(&pairs, &limits) {
        assert!(records.len() <= limits.max_targets);
        assert!(records.iter().all(|r| r.addresses.len() <= limits.max_addresses_per_target && !r.name.is_empty()));
    }
}

/// `scsi`: sense data, INQUIRY and VPD pages, READ CAPACITY, REPORT LUNS, MODE SENSE.
///
/// Property: every parser returns a value or a typed error; REPORT LUNS never lists more
/// LUNs than the data holds.
pub fn scsi(data: &[u8]) {
    let Some((&which, rest)) = data.split_first() else {
        return;
    };
    match which % 12 {
        0 => drop(SenseData::decode(rest)),
        1 => drop(SenseData::from_iscsi_segment(rest)),
        2 => drop(StandardInquiry::decode(rest)),
        3 => drop(SupportedVpdPages::decode(rest)),
        4 => drop(UnitSerialNumber::decode(rest)),
        5 => drop(DeviceIdentification::decode(rest)),
        6 => drop(BlockLimits::decode(rest)),
        7 => drop(BlockDeviceCharacteristics::decode(rest)),
        8 => drop(ReadCapacity10::decode(rest)),
        9 => drop(ReadCapacity16::decode(rest)),
        10 => {
            if let Ok(r) = ReportLuns::decode(rest) {
                assert!(r.luns.len() <= rest.len() / 8);
            }
        }
        _ => {
            let _ = ModeParameters::decode6(rest);
            let _ = ModeParameters::decode10(rest);
        }
    }
}

/// `session`: a logged-in session with a read, a write and a no-data command outstanding,
/// fed an arbitrary byte stream in arbitrary pieces, with time moving forward.
///
/// Property: no panic; the task table stays within its size; every event names a task we
/// submitted, and no task completes twice.
pub fn session(data: &[u8]) {
    let Some((&cut, stream)) = data.split_first() else {
        return;
    };
    // Any base instant will do: only differences matter to the session.
    #[allow(clippy::disallowed_methods)]
    let now = Instant::now();
    let config = SessionConfig {
        max_tasks: 8,
        max_outstanding_r2t: 4,
        ..SessionConfig::rfc_defaults()
    };
    let start = SessionStart {
        isid: Isid::random(1, 1),
        tsih: Tsih(1),
        cid: Cid(0),
        cmd_sn: CmdSn::new(1),
        exp_cmd_sn: CmdSn::new(1),
        max_cmd_sn: CmdSn::new(8),
        exp_stat_sn: StatSn::new(1),
    };
    let mut session = Session::new(config, start, now);
    let cdb = Bytes::from_static(&[0x28, 0, 0, 0, 0, 0, 0, 0, 8, 0]);
    let mut live: Vec<TaskId> = Vec::new();
    for request in [
        ScsiRequest::read(Lun::default(), cdb.clone(), 4096),
        ScsiRequest::write(Lun::default(), cdb.clone(), Bytes::from(vec![0x5a; 70_000])),
        ScsiRequest::no_data(Lun::default(), cdb),
    ] {
        if let Ok(t) = session.submit(now, request) {
            live.push(t);
        }
    }
    let submitted = live.clone();
    let mut src = BytesMut::new();
    let mut out = BytesMut::new();
    let mut t = now;
    for piece in stream.chunks(usize::from(cut).max(1)) {
        src.extend_from_slice(piece);
        session.handle_read(t, &mut src);
        t += Duration::from_millis(u64::from(cut) * 50);
        session.handle_timeout(t);
        while session.poll_transmit(t, &mut out).is_some() {
            out.clear();
        }
        assert!(session.outstanding_tasks() <= 8);
        while let Some(event) = session.poll_event() {
            let finished = match &event {
                Event::ScsiComplete { task, .. } | Event::TaskFailed { task, .. } => Some(*task),
                Event::DataIn { task, .. } => {
                    assert!(live.contains(task), "data for a finished or unknown task");
                    None
                }
                _ => None,
            };
            if let Some(task) = finished {
                if submitted.contains(&task) {
                    assert!(live.contains(&task), "task {task:?} completed twice");
                    live.retain(|&l| l != task);
                }
            }
        }
    }
}

/// `isns`: an iSNSP byte stream from a server, cut at arbitrary points.
///
/// The first byte selects the read size, the second the PDU payload size of re-encoding.
/// Property: the assembler never buffers more than one message's bound plus a header past
/// what it returned; every message it yields re-encodes (in one PDU and segmented) to bytes
/// that decode to the same message; reading targets or SCN events from it gives a value or
/// a typed error within the limits.
pub fn isns(data: &[u8]) {
    use crate::isns::{IsnsLimits, MessageAssembler, parse_scn, parse_targets};
    let [chunk, segment, stream @ ..] = data else {
        return;
    };
    let limits = IsnsLimits {
        max_message_len: 4096,
        max_attributes: 256,
        max_targets: 8,
        max_portal_groups: 4,
    };
    let mut assembler = MessageAssembler::new(limits);
    let step = usize::from(*chunk).max(1);
    for piece in stream.chunks(step) {
        assembler.push(piece);
        loop {
            match assembler.next_message() {
                Ok(Some(message)) => {
                    for max in [65532, usize::from(*segment).max(4)] {
                        let bytes = message.encode(max);
                        let mut again = MessageAssembler::new(IsnsLimits::default());
                        again.push(&bytes);
                        let back = again.next_message().expect("re-encoded message decodes");
                        assert_eq!(back.as_ref(), Some(&message), "decode(encode(m)) == m");
                        assert_eq!(again.buffered(), 0);
                    }
                    if let Ok(targets) = parse_targets(&message, &limits) {
                        assert!(targets.len() <= limits.max_targets);
                        assert!(
                            targets
                                .iter()
                                .all(|t| t.portal_groups.len() <= limits.max_portal_groups)
                        );
                    }
                    let _ = parse_scn(&message);
                }
                Ok(None) => break,
                Err(_) => return,
            }
        }
        // One partial message (bounded) plus at most one undecoded PDU (64 KiB + header).
        assert!(assembler.buffered() <= limits.max_message_len + 65535 + 12 + step);
    }
}
