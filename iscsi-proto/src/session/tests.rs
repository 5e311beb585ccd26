//! Scenario tests of the session engine against a scripted target, in virtual time.
#![allow(clippy::indexing_slicing)]

use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};

use super::*;
use crate::{
    framing::{Frame, Framer},
    wire::{
        AsyncEvent, AsyncMessage, DataIn, DataInStatus, DataOut, DataSn, Header, LogoutResponse,
        NopIn, R2t, R2tSn, Reject, RejectReason, ScsiCommand, ScsiResponse, TaskMgmtResponse,
        TextResponse, Ttt,
    },
};

mod data_digest;
mod sense;
mod task_removal;

/// A session plus a scripted target's view of the wire.
struct Harness {
    session: Session,
    now: Instant,
    /// Decodes what the session sends, with the same digests.
    rx: Framer,
    /// The target's StatSN counter.
    stat_sn: u32,
    /// The window the target advertises.
    exp_cmd_sn: u32,
    max_cmd_sn: u32,
}

fn start() -> SessionStart {
    SessionStart {
        isid: Isid::random(0x12_3456, 1),
        tsih: Tsih(7),
        cid: Cid(0),
        cmd_sn: CmdSn::new(100),
        exp_cmd_sn: CmdSn::new(100),
        max_cmd_sn: CmdSn::new(131),
        exp_stat_sn: StatSn::new(50),
    }
}

impl Harness {
    fn new(config: SessionConfig) -> Self {
        // The test's virtual clock starts at an arbitrary real instant; only differences
        // matter.
        #[allow(clippy::disallowed_methods)]
        let now = Instant::now();
        let mut rx = Framer::new(Limits {
            max_recv_data_segment_length: 0x00ff_ffff,
            max_send_data_segment_length: 0x00ff_ffff,
        });
        rx.set_digests(config.digests);
        Self {
            session: Session::new(config, start(), now),
            now,
            rx,
            stat_sn: 50,
            exp_cmd_sn: 100,
            max_cmd_sn: 131,
        }
    }

    fn default() -> Self {
        Self::new(SessionConfig {
            nop_interval: None,
            ..SessionConfig::rfc_defaults()
        })
    }

    /// Everything the session has to send, decoded.
    fn sent(&mut self) -> Vec<Pdu> {
        let mut wire = BytesMut::new();
        let mut buf = BytesMut::new();
        while let Some(t) = self.session.poll_transmit(self.now, &mut buf) {
            wire.extend_from_slice(&buf);
            buf.clear();
            if let Some(split) = t.split {
                wire.extend_from_slice(&split.data);
                wire.extend_from_slice(split.tail.as_slice());
            }
        }
        let mut out = Vec::new();
        while let Some(frame) = self.rx.decode(&mut wire).expect("session sends valid PDUs") {
            match frame {
                Frame::Pdu(p) => out.push(p),
                other => panic!("{other:?}"),
            }
        }
        assert!(wire.is_empty());
        out
    }

    fn events(&mut self) -> Vec<Event> {
        std::iter::from_fn(|| self.session.poll_event()).collect()
    }

    fn deliver(&mut self, header: impl Into<Header>, data: Bytes) {
        self.session.handle_pdu(self.now, Pdu::new(header, data));
    }

    fn next_stat_sn(&mut self) -> StatSn {
        let sn = StatSn::new(self.stat_sn);
        self.stat_sn += 1;
        sn
    }

    fn data_in(&self, itt: Itt, data_sn: u32, offset: u32, status: Option<DataInStatus>) -> DataIn {
        DataIn {
            final_pdu: status.is_some(),
            acknowledge: false,
            status,
            lun: Lun::default(),
            itt,
            ttt: Ttt::RESERVED,
            exp_cmd_sn: CmdSn::new(self.exp_cmd_sn),
            max_cmd_sn: CmdSn::new(self.max_cmd_sn),
            data_sn: DataSn::new(data_sn),
            buffer_offset: offset,
        }
    }

    fn scsi_response(&mut self, itt: Itt, status: ScsiStatus, exp_data_sn: u32) -> ScsiResponse {
        ScsiResponse {
            response: ScsiResponseCode::CommandCompleted,
            status,
            itt,
            snack_tag: 0,
            stat_sn: self.next_stat_sn(),
            exp_cmd_sn: CmdSn::new(self.exp_cmd_sn),
            max_cmd_sn: CmdSn::new(self.max_cmd_sn),
            exp_data_sn: DataSn::new(exp_data_sn),
            bidi_read_residual: Residual::Exact,
            residual: Residual::Exact,
        }
    }

    fn r2t(&self, itt: Itt, ttt: u32, r2t_sn: u32, offset: u32, len: u32) -> R2t {
        R2t {
            lun: Lun::default(),
            itt,
            ttt: Ttt(ttt),
            stat_sn: StatSn::new(self.stat_sn),
            exp_cmd_sn: CmdSn::new(self.exp_cmd_sn),
            max_cmd_sn: CmdSn::new(self.max_cmd_sn),
            r2t_sn: R2tSn::new(r2t_sn),
            buffer_offset: offset,
            desired_data_transfer_length: len,
        }
    }

    fn nop_in(&mut self, itt: Itt, ttt: Ttt) -> NopIn {
        let stat_sn = if itt.is_reserved() {
            StatSn::new(self.stat_sn)
        } else {
            self.next_stat_sn()
        };
        NopIn {
            lun: Lun::from_index(3).unwrap(),
            itt,
            ttt,
            stat_sn,
            exp_cmd_sn: CmdSn::new(self.exp_cmd_sn),
            max_cmd_sn: CmdSn::new(self.max_cmd_sn),
        }
    }

    fn advance(&mut self, d: Duration) {
        self.now += d;
        if self.session.poll_timeout().is_some_and(|t| t <= self.now) {
            self.session.handle_timeout(self.now);
        }
    }
}

fn read_cdb() -> Bytes {
    Bytes::from_static(&[0x88, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 8, 0, 0])
}

fn write_cdb() -> Bytes {
    Bytes::from_static(&[0x8a, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 8, 0, 0])
}

fn pattern(len: usize) -> Bytes {
    (0..len)
        .map(|i| (i * 31 % 251) as u8)
        .collect::<Vec<_>>()
        .into()
}

fn scsi_command(pdu: &Pdu) -> ScsiCommand {
    match pdu.header {
        Header::ScsiCommand(h) => h,
        ref other => panic!("expected a SCSI Command, got {other:?}"),
    }
}

fn data_out(pdu: &Pdu) -> DataOut {
    match pdu.header {
        Header::DataOut(h) => h,
        ref other => panic!("expected a Data-Out, got {other:?}"),
    }
}

/// Issue 5's acceptance scenario: an 8 MiB write with MaxBurstLength 256 KiB,
/// FirstBurstLength 64 KiB, MaxOutstandingR2T 4, ImmediateData=Yes (InitialR2T=Yes), and a
/// target MaxRecvDataSegmentLength of 32 KiB. Asserted PDU by PDU.
#[test]
fn eight_mib_write_produces_the_exact_data_out_sequence() {
    const MIB: u32 = 1 << 20;
    const KIB: u32 = 1 << 10;
    let config = SessionConfig {
        max_burst_length: 256 * KIB,
        first_burst_length: 64 * KIB,
        max_outstanding_r2t: 4,
        immediate_data: true,
        initial_r2t: true,
        limits: Limits {
            max_recv_data_segment_length: 256 * KIB,
            max_send_data_segment_length: 32 * KIB,
        },
        nop_interval: None,
        ..SessionConfig::rfc_defaults()
    };
    let mut h = Harness::new(config);
    let data = pattern(8 * MIB as usize);
    let task = h
        .session
        .submit(
            h.now,
            ScsiRequest::write(Lun::default(), write_cdb(), data.clone()),
        )
        .unwrap();
    let itt = task.itt();

    // The command: W=1, EDTL 8 MiB, immediate data = min(FirstBurstLength, target MRDSL) =
    // 32 KiB, F=1 because InitialR2T=Yes means no unsolicited Data-Out follows.
    let sent = h.sent();
    assert_eq!(sent.len(), 1);
    let cmd = scsi_command(&sent[0]);
    assert!(cmd.write && !cmd.read && cmd.final_pdu && !cmd.immediate);
    assert_eq!(cmd.expected_data_transfer_length, 8 * MIB);
    assert_eq!(cmd.cmd_sn, CmdSn::new(100));
    assert_eq!(sent[0].data, data.slice(..32 * KIB as usize));

    // The target solicits the rest in 256 KiB bursts, four R2Ts at a time.
    let mut offset = 32 * KIB;
    let mut r2t_sn = 0;
    let mut outstanding: Vec<(u32, u32, u32)> = Vec::new(); // (ttt, offset, len)
    let mut total_data_outs = 0;
    while offset < 8 * MIB || !outstanding.is_empty() {
        while outstanding.len() < 4 && offset < 8 * MIB {
            let len = (8 * MIB - offset).min(256 * KIB);
            let ttt = 0x1000 + r2t_sn;
            let r2t = h.r2t(itt, ttt, r2t_sn, offset, len);
            h.deliver(r2t, Bytes::new());
            outstanding.push((ttt, offset, len));
            offset += len;
            r2t_sn += 1;
        }
        // Data-Out answers the R2Ts in arrival order (RFC 7143 §11.8).
        let sent = h.sent();
        let mut i = 0;
        for (ttt, start, len) in outstanding.drain(..) {
            let pieces = len.div_ceil(32 * KIB);
            for n in 0..pieces {
                let d = data_out(&sent[i]);
                let pdu_offset = start + n * 32 * KIB;
                let pdu_len = (start + len - pdu_offset).min(32 * KIB);
                assert_eq!(d.itt, itt);
                assert_eq!(d.ttt, Ttt(ttt), "Data-Out echoes the R2T's TTT");
                assert_eq!(d.data_sn, DataSn::new(n), "DataSN restarts at 0 per R2T");
                assert_eq!(d.buffer_offset, pdu_offset);
                assert_eq!(sent[i].data.len() as u32, pdu_len);
                assert_eq!(
                    d.final_pdu,
                    n + 1 == pieces,
                    "F only on the last PDU of the burst"
                );
                assert_eq!(
                    sent[i].data,
                    data.slice(pdu_offset as usize..(pdu_offset + pdu_len) as usize)
                );
                i += 1;
                total_data_outs += 1;
            }
        }
        assert_eq!(i, sent.len(), "nothing extra sent");
    }
    // (8 MiB - 32 KiB) / 32 KiB Data-Out PDUs, in 32 R2Ts (31 full bursts and one short).
    assert_eq!(total_data_outs, (8 * MIB - 32 * KIB) / (32 * KIB));
    assert_eq!(r2t_sn, 32);
    let resp = h.scsi_response(itt, ScsiStatus::Good, r2t_sn);
    h.deliver(resp, Bytes::new());
    let events = h.events();
    assert!(matches!(
        &events[..],
        [Event::ScsiComplete { task: t, outcome }] if *t == task && outcome.status == ScsiStatus::Good
    ));
}

#[test]
fn unsolicited_burst_when_initial_r2t_is_no() {
    let config = SessionConfig {
        first_burst_length: 65_536,
        immediate_data: true,
        initial_r2t: false,
        limits: Limits {
            max_recv_data_segment_length: 8192,
            max_send_data_segment_length: 8192,
        },
        nop_interval: None,
        ..SessionConfig::rfc_defaults()
    };
    let mut h = Harness::new(config);
    let data = pattern(100_000);
    let task = h
        .session
        .submit(h.now, ScsiRequest::write(Lun::default(), write_cdb(), data))
        .unwrap();
    let sent = h.sent();
    let cmd = scsi_command(&sent[0]);
    assert!(!cmd.final_pdu, "unsolicited Data-Out follows");
    assert_eq!(
        sent[0].data.len(),
        8192,
        "immediate data limited by the target's MRDSL"
    );
    // FirstBurstLength in all: 8 KiB immediate + 56 KiB unsolicited Data-Out in 8 KiB PDUs.
    assert_eq!(sent.len(), 1 + 7);
    for (n, pdu) in sent[1..].iter().enumerate() {
        let d = data_out(pdu);
        assert_eq!(d.ttt, Ttt::RESERVED, "unsolicited data has no TTT");
        assert_eq!(d.data_sn, DataSn::new(n as u32));
        assert_eq!(d.buffer_offset, 8192 * (n as u32 + 1));
        assert_eq!(d.final_pdu, n == 6);
    }
    // The rest by R2T.
    let r2t = h.r2t(task.itt(), 77, 0, 65_536, 100_000 - 65_536);
    h.deliver(r2t, Bytes::new());
    let sent = h.sent();
    assert_eq!(sent.len(), 5);
    assert_eq!(data_out(&sent[4]).buffer_offset, 65_536 + 4 * 8192);
    assert_eq!(sent[4].data.len(), 100_000 - 65_536 - 4 * 8192);
    assert!(data_out(&sent[4]).final_pdu);
}

/// `transmit_into` gathers the same bytes `poll_transmit` produces, in order, with the
/// write data as slices of the caller's buffer (not copies).
#[test]
fn transmit_into_gathers_every_pdu_with_data_uncopied() {
    let config = SessionConfig {
        immediate_data: false,
        initial_r2t: false,
        first_burst_length: 65_536,
        limits: Limits {
            max_recv_data_segment_length: 16_384,
            max_send_data_segment_length: 16_384,
        },
        nop_interval: None,
        ..SessionConfig::rfc_defaults()
    };
    let mut h = Harness::new(config);
    let data = pattern(65_536);
    h.session
        .submit(
            h.now,
            ScsiRequest::write(Lun::default(), write_cdb(), data.clone()),
        )
        .unwrap();
    let (mut buf, mut out) = (BytesMut::new(), Vec::new());
    assert!(h.session.transmit_into(h.now, &mut buf, &mut out));
    assert!(buf.is_empty(), "everything encoded was handed out");
    let inside = |b: &Bytes| {
        let base = data.as_ptr() as usize;
        (base..base + data.len()).contains(&(b.as_ptr() as usize))
    };
    assert_eq!(
        out.iter().filter(|b| inside(b)).count(),
        4,
        "four 16 KiB Data-Outs"
    );
    let mut wire: BytesMut = out.iter().flat_map(|b| b.iter().copied()).collect();
    let mut pdus = Vec::new();
    while let Some(Frame::Pdu(p)) = h.rx.decode(&mut wire).expect("valid PDUs") {
        pdus.push(p);
    }
    assert!(wire.is_empty());
    assert_eq!(pdus.len(), 1 + 4);
    let sent: Vec<u8> = pdus[1..]
        .iter()
        .flat_map(|p| p.data.iter().copied())
        .collect();
    assert_eq!(sent, data);
    // Nothing more to send.
    assert!(!h.session.transmit_into(h.now, &mut buf, &mut out));
}

#[test]
fn read_delivers_data_in_order_and_completes_on_status_in_final_data_in() {
    let mut h = Harness::default();
    let task = h
        .session
        .submit(h.now, ScsiRequest::read(Lun::default(), read_cdb(), 12_288))
        .unwrap();
    let cmd = scsi_command(&h.sent()[0]);
    assert!(cmd.read && !cmd.write && cmd.final_pdu);
    assert_eq!(cmd.expected_data_transfer_length, 12_288);
    let itt = task.itt();
    let d0 = h.data_in(itt, 0, 0, None);
    h.deliver(d0, pattern(8192));
    let stat_sn = h.next_stat_sn();
    let d1 = h.data_in(
        itt,
        1,
        8192,
        Some(DataInStatus {
            status: ScsiStatus::Good,
            stat_sn,
            residual: Residual::Exact,
        }),
    );
    h.deliver(d1, pattern(4096));
    let events = h.events();
    assert_eq!(events.len(), 3);
    assert!(matches!(&events[0], Event::DataIn { offset: 0, data, .. } if data.len() == 8192));
    assert!(matches!(&events[1], Event::DataIn { offset: 8192, data, .. } if data.len() == 4096));
    match &events[2] {
        Event::ScsiComplete { outcome, .. } => {
            assert_eq!(outcome.status, ScsiStatus::Good);
            assert_eq!(outcome.read_bytes, 12_288);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        h.session.exp_stat_sn(),
        StatSn::new(51),
        "status acknowledged"
    );
    assert_eq!(h.session.outstanding_tasks(), 0);
}

#[test]
fn read_with_underflow_residual() {
    let mut h = Harness::default();
    let task = h
        .session
        .submit(h.now, ScsiRequest::read(Lun::default(), read_cdb(), 4096))
        .unwrap();
    h.sent();
    let stat_sn = h.next_stat_sn();
    let d = h.data_in(
        task.itt(),
        0,
        0,
        Some(DataInStatus {
            status: ScsiStatus::Good,
            stat_sn,
            residual: Residual::Underflow(1024),
        }),
    );
    h.deliver(d, pattern(3072));
    match &h.events()[..] {
        [Event::DataIn { .. }, Event::ScsiComplete { outcome, .. }] => {
            assert_eq!(outcome.residual, Residual::Underflow(1024));
            assert_eq!(outcome.read_bytes, 3072);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn data_sn_gap_fails_the_connection_and_the_task_is_not_done() {
    let mut h = Harness::default();
    let task = h
        .session
        .submit(h.now, ScsiRequest::read(Lun::default(), read_cdb(), 8192))
        .unwrap();
    h.sent();
    let d = h.data_in(task.itt(), 1, 0, None); // DataSN 1 first: 0 is missing
    h.deliver(d, pattern(4096));
    let events = h.events();
    assert!(
        matches!(
            &events[..],
            [Event::ConnectionFailed { reason: FailureReason::Protocol(ProtocolError::SequenceGap { .. }), unfinished, .. }]
                if unfinished == &vec![task]
        ),
        "{events:?}"
    );
    assert_eq!(h.session.state(), SessionState::Failed);
    let unfinished = h.session.take_unfinished();
    assert_eq!(unfinished.len(), 1);
    assert_eq!(
        unfinished[0].1.read_length, 8192,
        "the request is kept for replay"
    );
}

#[test]
fn data_in_offset_and_overrun_checks() {
    for (offset, len) in [(4096u32, 100usize), (0, 8193)] {
        let mut h = Harness::default();
        let task = h
            .session
            .submit(h.now, ScsiRequest::read(Lun::default(), read_cdb(), 8192))
            .unwrap();
        h.sent();
        let d = h.data_in(task.itt(), 0, offset, None);
        h.deliver(d, pattern(len));
        assert!(matches!(
            &h.events()[..],
            [Event::ConnectionFailed {
                reason: FailureReason::Protocol(ProtocolError::OffsetOutOfRange { .. }),
                ..
            }]
        ));
    }
}

#[test]
fn missing_data_in_shown_by_exp_data_sn_fails_the_task() {
    let mut h = Harness::default();
    let task = h
        .session
        .submit(h.now, ScsiRequest::read(Lun::default(), read_cdb(), 8192))
        .unwrap();
    h.sent();
    let d = h.data_in(task.itt(), 0, 0, None);
    h.deliver(d, pattern(8192));
    let resp = h.scsi_response(task.itt(), ScsiStatus::Good, 2); // target says it sent 2
    h.deliver(resp, Bytes::new());
    let events = h.events();
    assert!(
        matches!(
            events.last(),
            Some(Event::TaskFailed {
                error: TaskError::DataMissing,
                ..
            })
        ),
        "{events:?}"
    );
}

#[test]
fn exp_data_sn_below_the_data_in_count_is_tolerated() {
    // tgt answers a read with Data-In then a SCSI Response whose ExpDataSN is 0.
    let mut h = Harness::default();
    let task = h
        .session
        .submit(h.now, ScsiRequest::read(Lun::default(), read_cdb(), 8))
        .unwrap();
    h.sent();
    let d = h.data_in(task.itt(), 0, 0, None);
    h.deliver(d, pattern(8));
    let resp = h.scsi_response(task.itt(), ScsiStatus::Good, 0);
    h.deliver(resp, Bytes::new());
    assert!(
        matches!(h.events().last(), Some(Event::ScsiComplete { outcome, .. }) if outcome.read_bytes == 8)
    );
}

#[test]
fn data_digest_error_on_data_in_fails_only_that_task() {
    let config = SessionConfig {
        digests: Digests {
            header: true,
            data: true,
        },
        nop_interval: None,
        ..SessionConfig::rfc_defaults()
    };
    let mut h = Harness::new(config);
    let task = h
        .session
        .submit(h.now, ScsiRequest::read(Lun::default(), read_cdb(), 4096))
        .unwrap();
    h.sent();
    let mut tx = Framer::new(Limits {
        max_recv_data_segment_length: 1 << 20,
        max_send_data_segment_length: 1 << 20,
    });
    tx.set_digests(Digests {
        header: true,
        data: true,
    });
    let stat_sn = h.next_stat_sn();
    let d = h.data_in(
        task.itt(),
        0,
        0,
        Some(DataInStatus {
            status: ScsiStatus::Good,
            stat_sn,
            residual: Residual::Exact,
        }),
    );
    let mut wire = BytesMut::new();
    tx.encode(&Pdu::new(d, pattern(4096)), &mut wire).unwrap();
    wire[60] ^= 0xff; // a data byte
    h.session.handle_read(h.now, &mut wire);
    let events = h.events();
    assert_eq!(
        events,
        vec![Event::TaskFailed {
            task,
            error: TaskError::DataLost
        }]
    );
    assert_eq!(
        h.session.state(),
        SessionState::Active,
        "the connection survives"
    );
}

#[test]
fn check_condition_carries_sense_and_without_sense_is_a_format_error() {
    let mut h = Harness::default();
    let task = h
        .session
        .submit(h.now, ScsiRequest::no_data(Lun::default(), vec![0u8; 6]))
        .unwrap();
    h.sent();
    let resp = h.scsi_response(task.itt(), ScsiStatus::CheckCondition, 0);
    let sense = [
        0x70, 0, 0x05, 0, 0, 0, 0, 10, 0, 0, 0, 0, 0x20, 0x00, 0, 0, 0, 0,
    ];
    let mut data = vec![0, sense.len() as u8];
    data.extend_from_slice(&sense);
    h.deliver(resp, data.into());
    match &h.events()[..] {
        [Event::ScsiComplete { outcome, .. }] => {
            assert_eq!(outcome.status, ScsiStatus::CheckCondition);
            let sense = crate::scsi::SenseData::decode(outcome.sense.as_ref().unwrap()).unwrap();
            assert_eq!(
                (sense.sense_key, sense.asc, sense.ascq),
                (crate::scsi::SenseKey::IllegalRequest, 0x20, 0)
            );
        }
        other => panic!("{other:?}"),
    }
    let task = h
        .session
        .submit(h.now, ScsiRequest::no_data(Lun::default(), vec![0u8; 6]))
        .unwrap();
    h.sent();
    let resp = h.scsi_response(task.itt(), ScsiStatus::CheckCondition, 0);
    h.deliver(resp, Bytes::new());
    assert!(matches!(
        &h.events()[..],
        [Event::ConnectionFailed {
            reason: FailureReason::Protocol(ProtocolError::Format(_)),
            ..
        }]
    ));
}

#[test]
fn command_window_closes_and_reopens() {
    let mut h = Harness::default();
    // The target's window: CmdSN 100 and 101 only.
    h.max_cmd_sn = 101;
    let nop = h.nop_in(Itt::RESERVED, Ttt::RESERVED);
    h.deliver(nop, Bytes::new());
    // Our initial MaxCmdSN was 131 and a smaller one must not shrink it (RFC 7143
    // §4.2.2.1), so start a fresh session whose login left a small window.
    let mut h = Harness::default();
    h.session = Session::new(
        SessionConfig {
            nop_interval: None,
            ..SessionConfig::rfc_defaults()
        },
        SessionStart {
            max_cmd_sn: CmdSn::new(101),
            ..start()
        },
        h.now,
    );
    let tasks: Vec<TaskId> = (0..3)
        .map(|_| {
            h.session
                .submit(h.now, ScsiRequest::no_data(Lun::default(), vec![0u8; 6]))
                .unwrap()
        })
        .collect();
    let sent = h.sent();
    assert_eq!(sent.len(), 2, "the third command waits for the window");
    assert_eq!(scsi_command(&sent[1]).cmd_sn, CmdSn::new(101));
    h.exp_cmd_sn = 102;
    h.max_cmd_sn = 102;
    let nop = h.nop_in(Itt::RESERVED, Ttt::RESERVED);
    h.deliver(nop, Bytes::new());
    let sent = h.sent();
    assert_eq!(sent.len(), 1);
    assert_eq!(scsi_command(&sent[0]).itt, tasks[2].itt());
    assert_eq!(scsi_command(&sent[0]).cmd_sn, CmdSn::new(102));
}

#[test]
fn target_nop_in_is_answered_with_its_ttt_and_lun() {
    let mut h = Harness::default();
    let nop = h.nop_in(Itt::RESERVED, Ttt(0xabba_abba));
    h.deliver(nop, Bytes::from_static(b"probe"));
    let sent = h.sent();
    match sent[..] {
        [
            Pdu {
                header: Header::NopOut(out),
                ref data,
                ..
            },
        ] => {
            assert_eq!(out.ttt, Ttt(0xabba_abba));
            assert_eq!(out.lun, Lun::from_index(3).unwrap());
            assert_eq!(out.itt, Itt::RESERVED);
            assert!(out.immediate);
            assert_eq!(out.cmd_sn, CmdSn::new(100), "CmdSN not advanced");
            assert_eq!(&data[..], b"probe");
        }
        _ => panic!("{sent:?}"),
    }
    // An informational NOP-In gets no answer.
    let nop = h.nop_in(Itt::RESERVED, Ttt::RESERVED);
    h.deliver(nop, Bytes::new());
    assert!(h.sent().is_empty());
}

#[test]
fn keepalive_ping_and_timeout_in_virtual_time() {
    let mut h = Harness::new(SessionConfig::rfc_defaults());
    assert_eq!(
        h.session.poll_timeout(),
        Some(h.now + Duration::from_secs(5))
    );
    h.advance(Duration::from_secs(5));
    let sent = h.sent();
    let [
        Pdu {
            header: Header::NopOut(ping),
            ..
        },
    ] = sent[..]
    else {
        panic!("{sent:?}")
    };
    assert!(!ping.itt.is_reserved() && ping.ttt.is_reserved());
    // Answered: no failure, and the next ping is due 5 s after the answer.
    let nop = h.nop_in(ping.itt, Ttt::RESERVED);
    h.deliver(nop, Bytes::new());
    assert!(h.events().is_empty(), "keep-alive answers are not reported");
    h.advance(Duration::from_secs(5));
    let sent = h.sent();
    assert_eq!(sent.len(), 1);
    // Unanswered: the connection fails 5 s later.
    h.advance(Duration::from_secs(4));
    assert_eq!(h.session.state(), SessionState::Active);
    h.advance(Duration::from_secs(1));
    assert!(matches!(
        &h.events()[..],
        [Event::ConnectionFailed {
            reason: FailureReason::NopTimeout,
            ..
        }]
    ));
}

#[test]
fn no_false_keepalive_timeout_while_data_flows() {
    let mut h = Harness::new(SessionConfig::rfc_defaults());
    let task = h
        .session
        .submit(
            h.now,
            ScsiRequest::read(Lun::default(), read_cdb(), 1 << 20),
        )
        .unwrap();
    h.sent();
    h.advance(Duration::from_secs(5));
    assert_eq!(h.sent().len(), 1, "idle for 5 s: ping");
    // The ping's answer is stuck behind a long read, but Data-In keeps arriving.
    for n in 0..30u32 {
        h.advance(Duration::from_secs(1));
        let d = h.data_in(task.itt(), n, n * 8192, None);
        h.deliver(d, pattern(8192));
    }
    assert_eq!(h.session.state(), SessionState::Active);
}

#[test]
fn reject_of_a_command_fails_it_and_plugs_the_cmd_sn_hole() {
    let mut h = Harness::default();
    let task = h
        .session
        .submit(h.now, ScsiRequest::no_data(Lun::default(), vec![0u8; 6]))
        .unwrap();
    let sent = h.sent();
    let rejected = sent[0].encode_bhs().unwrap();
    let reject = Reject {
        itt: Itt::RESERVED,
        reason: RejectReason::ProtocolError,
        stat_sn: h.next_stat_sn(),
        exp_cmd_sn: CmdSn::new(100),
        max_cmd_sn: CmdSn::new(131),
        data_sn_or_r2t_sn: 0,
    };
    h.deliver(reject, Bytes::copy_from_slice(rejected.as_bytes()));
    assert_eq!(
        h.events(),
        vec![Event::TaskFailed {
            task,
            error: TaskError::Rejected(RejectReason::ProtocolError)
        }]
    );
    let sent = h.sent();
    match sent[..] {
        [
            Pdu {
                header: Header::NopOut(p),
                ..
            },
        ] => {
            assert!(!p.immediate, "a non-immediate PDU fills the hole");
            assert_eq!(p.cmd_sn, CmdSn::new(100));
            assert!(!p.itt.is_reserved());
        }
        _ => panic!("{sent:?}"),
    }
}

#[test]
fn abort_task_and_lu_reset() {
    let mut h = Harness::default();
    let a = h
        .session
        .submit(h.now, ScsiRequest::read(Lun::default(), read_cdb(), 512))
        .unwrap();
    let b = h
        .session
        .submit(h.now, ScsiRequest::read(Lun::default(), read_cdb(), 512))
        .unwrap();
    h.sent();
    let tmf = h.session.abort_task(h.now, a).unwrap().unwrap();
    let sent = h.sent();
    match sent[..] {
        [
            Pdu {
                header: Header::TaskMgmtRequest(r),
                ..
            },
        ] => {
            assert_eq!(r.function, TmfFunction::AbortTask);
            assert_eq!(r.referenced_task_tag, a.itt());
            assert_eq!(r.ref_cmd_sn, CmdSn::new(100));
            assert_eq!(
                r.cmd_sn,
                CmdSn::new(102),
                "immediate TMF carries the next CmdSN"
            );
            assert!(r.immediate);
        }
        _ => panic!("{sent:?}"),
    }
    let resp = TaskMgmtResponse {
        response: TmfResponse::FunctionComplete,
        itt: tmf.itt(),
        stat_sn: h.next_stat_sn(),
        exp_cmd_sn: CmdSn::new(102),
        max_cmd_sn: CmdSn::new(131),
    };
    h.deliver(resp, Bytes::new());
    assert_eq!(
        h.events(),
        vec![
            Event::TaskFailed {
                task: a,
                error: TaskError::Aborted
            },
            Event::TmfComplete {
                task: tmf,
                response: TmfResponse::FunctionComplete
            }
        ]
    );
    // LU reset terminates the rest on that LU.
    let reset = h
        .session
        .task_management(h.now, TmfFunction::LogicalUnitReset, Lun::default())
        .unwrap();
    h.sent();
    let resp = TaskMgmtResponse {
        response: TmfResponse::FunctionComplete,
        itt: reset.itt(),
        stat_sn: h.next_stat_sn(),
        exp_cmd_sn: CmdSn::new(102),
        max_cmd_sn: CmdSn::new(131),
    };
    h.deliver(resp, Bytes::new());
    let events = h.events();
    assert_eq!(
        events[0],
        Event::TaskFailed {
            task: b,
            error: TaskError::Aborted
        }
    );
    assert_eq!(h.session.outstanding_tasks(), 0);
}

#[test]
fn logout_reports_outstanding_tasks_unfinished() {
    let mut h = Harness::default();
    let w = h
        .session
        .submit(
            h.now,
            ScsiRequest::write(Lun::default(), write_cdb(), pattern(4096)),
        )
        .unwrap();
    h.sent();
    let lo = h.session.logout(h.now).unwrap();
    assert_eq!(
        h.session
            .submit(h.now, ScsiRequest::no_data(Lun::default(), vec![0u8; 6])),
        Err(ApiMisuse::LoggingOut)
    );
    assert!(matches!(
        h.sent()[..],
        [Pdu {
            header: Header::LogoutRequest(_),
            ..
        }]
    ));
    let resp = LogoutResponse {
        response: LogoutResponseCode::ClosedSuccessfully,
        itt: lo.itt(),
        stat_sn: h.next_stat_sn(),
        exp_cmd_sn: CmdSn::new(101),
        max_cmd_sn: CmdSn::new(131),
        time2wait: 2,
        time2retain: 0,
    };
    h.deliver(resp, Bytes::new());
    assert!(matches!(h.events()[..], [Event::LoggedOut { .. }]));
    assert_eq!(h.session.state(), SessionState::LoggedOut);
    let unfinished = h.session.take_unfinished();
    assert_eq!(unfinished.len(), 1, "the write was never acknowledged");
    assert_eq!(unfinished[0].0, w);
}

#[test]
fn connection_loss_never_reports_an_unacknowledged_write_as_done() {
    let mut h = Harness::default();
    let w = h
        .session
        .submit(
            h.now,
            ScsiRequest::write(Lun::default(), write_cdb(), pattern(1 << 20)),
        )
        .unwrap();
    h.sent();
    let r2t = h.r2t(w.itt(), 5, 0, 65_536, 262_144);
    h.deliver(r2t, Bytes::new());
    h.sent();
    h.session.handle_connection_lost(h.now);
    let events = h.events();
    assert!(
        events
            .iter()
            .all(|e| !matches!(e, Event::ScsiComplete { .. }))
    );
    assert!(
        matches!(&events[..], [Event::ConnectionFailed { reason: FailureReason::ConnectionLost, unfinished, .. }] if unfinished == &vec![w])
    );
    assert_eq!(h.session.take_unfinished()[0].1.write_data.len(), 1 << 20);
    assert_eq!(
        h.session
            .submit(h.now, ScsiRequest::no_data(Lun::default(), vec![0u8; 6])),
        Err(ApiMisuse::NotActive)
    );
}

#[test]
fn target_requested_logout_waits_for_running_commands() {
    let mut h = Harness::default();
    let task = h
        .session
        .submit(h.now, ScsiRequest::read(Lun::default(), read_cdb(), 512))
        .unwrap();
    h.sent();
    let msg = AsyncMessage {
        itt: Itt::RESERVED,
        lun: Lun::default(),
        stat_sn: h.next_stat_sn(),
        exp_cmd_sn: CmdSn::new(101),
        max_cmd_sn: CmdSn::new(131),
        event: AsyncEvent::LogoutRequest,
        vcode: 0,
        parameter1: 0,
        parameter2: 0,
        parameter3: 10,
    };
    h.deliver(msg, Bytes::new());
    assert_eq!(
        h.events(),
        vec![Event::LogoutRequested {
            within: Duration::from_secs(10)
        }]
    );
    assert!(h.sent().is_empty(), "the read is still running");
    let stat_sn = h.next_stat_sn();
    let d = h.data_in(
        task.itt(),
        0,
        0,
        Some(DataInStatus {
            status: ScsiStatus::Good,
            stat_sn,
            residual: Residual::Exact,
        }),
    );
    h.deliver(d, pattern(512));
    assert!(
        matches!(
            h.sent()[..],
            [Pdu {
                header: Header::LogoutRequest(_),
                ..
            }]
        ),
        "logs out once idle"
    );
}

#[test]
fn target_requested_logout_deadline() {
    let mut h = Harness::default();
    h.session
        .submit(h.now, ScsiRequest::read(Lun::default(), read_cdb(), 512))
        .unwrap();
    h.sent();
    let msg = AsyncMessage {
        itt: Itt::RESERVED,
        lun: Lun::default(),
        stat_sn: h.next_stat_sn(),
        exp_cmd_sn: CmdSn::new(101),
        max_cmd_sn: CmdSn::new(131),
        event: AsyncEvent::LogoutRequest,
        vcode: 0,
        parameter1: 0,
        parameter2: 0,
        parameter3: 3,
    };
    h.deliver(msg, Bytes::new());
    h.advance(Duration::from_secs(3));
    assert!(matches!(
        h.sent()[..],
        [Pdu {
            header: Header::LogoutRequest(_),
            ..
        }]
    ));
}

#[test]
fn text_exchange_with_continuation() {
    let mut h = Harness::default();
    let task = h
        .session
        .text(h.now, Bytes::from_static(b"SendTargets=All\0"))
        .unwrap();
    let sent = h.sent();
    let Header::TextRequest(req) = sent[0].header else {
        panic!()
    };
    assert!(req.final_pdu && req.ttt.is_reserved());
    assert_eq!(
        h.session.text(h.now, Bytes::new()),
        Err(ApiMisuse::TextInProgress)
    );
    // A LUN other than 0 in the Text Response, which the continuation must copy.
    let lun = Lun::from_index(5).unwrap();
    let part = |h: &mut Harness, final_pdu: bool, ttt: u32| TextResponse {
        final_pdu,
        continues: false,
        lun,
        itt: task.itt(),
        ttt: Ttt(ttt),
        stat_sn: h.next_stat_sn(),
        exp_cmd_sn: CmdSn::new(100),
        max_cmd_sn: CmdSn::new(131),
    };
    let first = part(&mut h, false, 9);
    h.deliver(first, Bytes::from_static(b"TargetName=iqn.a:b\0"));
    let sent = h.sent();
    let Header::TextRequest(cont) = sent[0].header else {
        panic!()
    };
    assert_eq!(
        (cont.itt, cont.ttt, cont.lun),
        (task.itt(), Ttt(9), lun),
        "same ITT, the target's TTT and LUN"
    );
    assert!(sent[0].data.is_empty());
    let last = part(&mut h, true, 0xffff_ffff);
    h.deliver(
        last,
        Bytes::from_static(b"TargetAddress=127.0.0.1:3260,1\0"),
    );
    assert_eq!(
        h.events(),
        vec![Event::TextComplete {
            task,
            text: Bytes::from_static(b"TargetName=iqn.a:b\0TargetAddress=127.0.0.1:3260,1\0"),
        }]
    );
}

#[test]
fn r2t_violations_fail_the_connection() {
    let cases: [(u32, u32, u32); 3] = [
        (0, 0, 262_145),     // over MaxBurstLength
        (0, 8192, 0x1_0000), // past the end of the write
        (1, 0, 4096),        // R2TSN gap
    ];
    for (r2t_sn, offset, len) in cases {
        let mut h = Harness::default();
        let w = h
            .session
            .submit(
                h.now,
                ScsiRequest::write(Lun::default(), write_cdb(), pattern(65_536)),
            )
            .unwrap();
        h.sent();
        let r2t = h.r2t(w.itt(), 1, r2t_sn, offset, len);
        h.deliver(r2t, Bytes::new());
        let events = h.events();
        assert!(
            matches!(&events[..], [Event::ConnectionFailed { .. }]),
            "{r2t_sn} {offset} {len}: {events:?}"
        );
    }
    // More R2Ts outstanding than MaxOutstandingR2T (1 by default).
    let mut h = Harness::default();
    let w = h
        .session
        .submit(
            h.now,
            ScsiRequest::write(Lun::default(), write_cdb(), pattern(65_536)),
        )
        .unwrap();
    h.sent();
    // (The first 8 KiB went as immediate data.)
    let a = h.r2t(w.itt(), 1, 0, 8192, 8192);
    let b = h.r2t(w.itt(), 2, 1, 16_384, 8192);
    h.deliver(a, Bytes::new());
    h.deliver(b, Bytes::new());
    assert!(matches!(
        &h.events()[..],
        [Event::ConnectionFailed {
            reason: FailureReason::Protocol(ProtocolError::R2tViolation {
                what: "MaxOutstandingR2T"
            }),
            ..
        }]
    ));
}

#[test]
fn stat_sn_far_out_of_window_fails() {
    let mut h = Harness::default();
    let task = h
        .session
        .submit(h.now, ScsiRequest::no_data(Lun::default(), vec![0u8; 6]))
        .unwrap();
    h.sent();
    h.stat_sn += 1 << 20;
    let resp = h.scsi_response(task.itt(), ScsiStatus::Good, 0);
    h.deliver(resp, Bytes::new());
    assert!(matches!(
        &h.events()[..],
        [Event::ConnectionFailed {
            reason: FailureReason::Protocol(ProtocolError::StatSnOutOfWindow { .. }),
            ..
        }]
    ));
}

#[test]
fn unknown_itt_and_unexpected_opcodes_fail_the_connection() {
    let mut h = Harness::default();
    let resp = h.scsi_response(Itt(999), ScsiStatus::Good, 0);
    h.deliver(resp, Bytes::new());
    assert!(matches!(
        &h.events()[..],
        [Event::ConnectionFailed {
            reason: FailureReason::Protocol(ProtocolError::UnknownItt { .. }),
            ..
        }]
    ));
}

#[test]
fn nop_in_flood_is_bounded() {
    let mut h = Harness::default();
    for _ in 0..101 {
        let nop = h.nop_in(Itt::RESERVED, Ttt::RESERVED);
        h.deliver(nop, Bytes::new());
    }
    assert!(matches!(
        &h.events()[..],
        [Event::ConnectionFailed {
            reason: FailureReason::Protocol(ProtocolError::Flood(_)),
            ..
        }]
    ));
}

#[test]
fn extended_and_bidirectional_commands() {
    let mut h = Harness::default();
    let cdb: Bytes = (0..32u8).collect::<Vec<_>>().into();
    let req = ScsiRequest {
        read_length: 4096,
        ..ScsiRequest::write(Lun::default(), cdb.clone(), pattern(512))
    };
    h.session.submit(h.now, req).unwrap();
    let sent = h.sent();
    let cmd = scsi_command(&sent[0]);
    assert!(cmd.read && cmd.write);
    assert_eq!(cmd.expected_data_transfer_length, 512);
    assert_eq!(&cmd.cdb[..], &cdb[..16]);
    assert_eq!(sent[0].ahs.extended_cdb(), Some(&cdb[16..]));
    assert_eq!(sent[0].ahs.bidi_read_length(), Some(4096));
    assert_eq!(
        h.session
            .submit(h.now, ScsiRequest::no_data(Lun::default(), Bytes::new())),
        Err(ApiMisuse::Invalid("CDB length must be 1 to 260 bytes"))
    );
}

#[test]
fn task_table_is_bounded_and_itts_are_unique() {
    let mut h = Harness::new(SessionConfig {
        max_tasks: 4,
        nop_interval: None,
        ..SessionConfig::rfc_defaults()
    });
    let ids: Vec<TaskId> = (0..4)
        .map(|_| {
            h.session
                .submit(h.now, ScsiRequest::no_data(Lun::default(), vec![0u8; 6]))
                .unwrap()
        })
        .collect();
    assert_eq!(
        h.session
            .submit(h.now, ScsiRequest::no_data(Lun::default(), vec![0u8; 6])),
        Err(ApiMisuse::TaskTableFull)
    );
    let mut itts: Vec<Itt> = ids.iter().map(|t| t.itt()).collect();
    itts.dedup();
    assert_eq!(itts.len(), 4);
}

/// A write of `len` bytes, submitted and its command PDU taken off the wire.
fn submitted_write(h: &mut Harness, len: usize) -> TaskId {
    let task = h
        .session
        .submit(
            h.now,
            ScsiRequest::write(Lun::default(), write_cdb(), pattern(len)),
        )
        .unwrap();
    h.sent();
    task
}

#[test]
fn tmf_response_for_a_scsi_task_fails_the_connection_and_keeps_the_task() {
    let mut h = Harness::default();
    let read = h
        .session
        .submit(h.now, ScsiRequest::read(Lun::default(), read_cdb(), 512))
        .unwrap();
    h.sent();
    let resp = TaskMgmtResponse {
        response: TmfResponse::FunctionComplete,
        itt: read.itt(),
        stat_sn: h.next_stat_sn(),
        exp_cmd_sn: CmdSn::new(101),
        max_cmd_sn: CmdSn::new(131),
    };
    h.deliver(resp, Bytes::new());
    let events = h.events();
    assert!(
        matches!(
            &events[..],
            [Event::ConnectionFailed {
                reason: FailureReason::Protocol(ProtocolError::UnexpectedPdu {
                    opcode: crate::wire::Opcode::TaskMgmtResponse
                }),
                unfinished,
                ..
            }] if unfinished == &vec![read]
        ),
        "{events:?}"
    );
    assert_eq!(h.session.take_unfinished()[0].0, read, "kept for replay");
}

#[test]
fn text_and_logout_responses_for_another_kind_of_task_are_unexpected() {
    for opcode in [
        crate::wire::Opcode::TextResponse,
        crate::wire::Opcode::LogoutResponse,
    ] {
        let mut h = Harness::default();
        let read = h
            .session
            .submit(h.now, ScsiRequest::read(Lun::default(), read_cdb(), 512))
            .unwrap();
        h.sent();
        let stat_sn = h.next_stat_sn();
        let header: Header = match opcode {
            crate::wire::Opcode::TextResponse => TextResponse {
                final_pdu: true,
                continues: false,
                lun: Lun::default(),
                itt: read.itt(),
                ttt: Ttt::RESERVED,
                stat_sn,
                exp_cmd_sn: CmdSn::new(101),
                max_cmd_sn: CmdSn::new(131),
            }
            .into(),
            _ => LogoutResponse {
                response: LogoutResponseCode::ClosedSuccessfully,
                itt: read.itt(),
                stat_sn,
                exp_cmd_sn: CmdSn::new(101),
                max_cmd_sn: CmdSn::new(131),
                time2wait: 0,
                time2retain: 0,
            }
            .into(),
        };
        h.deliver(header, Bytes::new());
        let events = h.events();
        assert!(
            matches!(
                &events[..],
                [Event::ConnectionFailed {
                    reason: FailureReason::Protocol(ProtocolError::UnexpectedPdu { opcode: o }),
                    unfinished,
                    ..
                }] if *o == opcode && unfinished == &vec![read]
            ),
            "{opcode:?}: {events:?}"
        );
    }
}

/// The one event a write's status produced.
fn write_outcome(h: &mut Harness, task: TaskId, residual: Residual) -> Event {
    let mut resp = h.scsi_response(task.itt(), ScsiStatus::Good, 0);
    resp.residual = residual;
    h.deliver(resp, Bytes::new());
    let events = h.events();
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(
        h.session.state(),
        SessionState::Active,
        "only the task fails"
    );
    events.into_iter().next().unwrap()
}

#[test]
fn write_answered_good_before_any_solicitation_is_incomplete() {
    let mut h = Harness::default();
    let task = submitted_write(&mut h, 16_384);
    assert_eq!(
        write_outcome(&mut h, task, Residual::Exact),
        Event::TaskFailed {
            task,
            error: TaskError::WriteIncomplete {
                expected: 16_384,
                acknowledged: 16_384,
                sent: 8192,
            }
        },
        "only the immediate data left us"
    );
}

#[test]
fn write_answered_good_after_half_was_solicited_is_incomplete() {
    let mut h = Harness::default();
    let task = submitted_write(&mut h, 65_536);
    let r2t = h.r2t(task.itt(), 1, 0, 8192, 32_768 - 8192);
    h.deliver(r2t, Bytes::new());
    assert_eq!(h.sent().len(), 3, "24 KiB in 8 KiB Data-Outs");
    assert_eq!(
        write_outcome(&mut h, task, Residual::Exact),
        Event::TaskFailed {
            task,
            error: TaskError::WriteIncomplete {
                expected: 65_536,
                acknowledged: 65_536,
                sent: 32_768,
            }
        }
    );
}

#[test]
fn write_answered_good_with_the_whole_transfer_as_residual_is_incomplete() {
    let mut h = Harness::default();
    let task = submitted_write(&mut h, 4096);
    assert_eq!(
        write_outcome(&mut h, task, Residual::Underflow(4096)),
        Event::TaskFailed {
            task,
            error: TaskError::WriteIncomplete {
                expected: 4096,
                acknowledged: 0,
                sent: 4096,
            }
        }
    );
    assert_eq!(
        TaskError::WriteIncomplete {
            expected: 4096,
            acknowledged: 0,
            sent: 4096
        }
        .to_string(),
        "GOOD status for a write the target did not take whole: its residual acknowledges 0 \
         of 4096 bytes, and 4096 were sent before the status"
    );
}

#[test]
fn write_with_immediate_unsolicited_and_solicited_data_completes() {
    let config = SessionConfig {
        first_burst_length: 16_384,
        initial_r2t: false,
        nop_interval: None,
        ..SessionConfig::rfc_defaults()
    };
    let mut h = Harness::new(config);
    let task = h
        .session
        .submit(
            h.now,
            ScsiRequest::write(Lun::default(), write_cdb(), pattern(40_000)),
        )
        .unwrap();
    assert_eq!(
        h.sent().len(),
        2,
        "immediate data and one unsolicited Data-Out"
    );
    let r2t = h.r2t(task.itt(), 1, 0, 16_384, 40_000 - 16_384);
    h.deliver(r2t, Bytes::new());
    assert_eq!(h.sent().len(), 3);
    assert!(matches!(
        write_outcome(&mut h, task, Residual::Exact),
        Event::ScsiComplete { task: t, outcome } if t == task && outcome.status == ScsiStatus::Good
    ));
    // A status other than GOOD is the target's answer, whatever was transferred.
    let task = submitted_write(&mut h, 40_000);
    let resp = h.scsi_response(task.itt(), ScsiStatus::Busy, 0);
    h.deliver(resp, Bytes::new());
    assert!(matches!(
        &h.events()[..],
        [Event::ScsiComplete { task: t, outcome }] if *t == task && outcome.status == ScsiStatus::Busy
    ));
}

/// The protocol error that failed the connection, the only event.
fn connection_failure(h: &mut Harness) -> ProtocolError {
    let events = h.events();
    match &events[..] {
        [
            Event::ConnectionFailed {
                reason: FailureReason::Protocol(e),
                ..
            },
        ] => *e,
        other => panic!("{other:?}"),
    }
}

#[test]
fn r2t_for_zero_bytes_or_for_data_already_covered_fails_the_connection() {
    const ZERO: ProtocolError = ProtocolError::R2tViolation {
        what: "nonzero DesiredDataTransferLength",
    };
    const OVERLAP: ProtocolError = ProtocolError::R2tViolation {
        what: "DataSequenceInOrder (offset within data already covered)",
    };
    // RFC 7143 §11.8.4: DesiredDataTransferLength MUST NOT be 0.
    let mut h = Harness::default();
    let task = submitted_write(&mut h, 65_536);
    let r2t = h.r2t(task.itt(), 1, 0, 8192, 0);
    h.deliver(r2t, Bytes::new());
    assert_eq!(connection_failure(&mut h), ZERO);

    // Overlapping the immediate data (8 KiB went in the command PDU).
    let mut h = Harness::default();
    let task = submitted_write(&mut h, 65_536);
    let r2t = h.r2t(task.itt(), 1, 0, 4096, 8192);
    h.deliver(r2t, Bytes::new());
    assert_eq!(connection_failure(&mut h), OVERLAP);

    // Overlapping the unsolicited Data-Out burst (FirstBurstLength 16 KiB).
    let mut h = Harness::new(SessionConfig {
        first_burst_length: 16_384,
        initial_r2t: false,
        nop_interval: None,
        ..SessionConfig::rfc_defaults()
    });
    let task = submitted_write(&mut h, 65_536);
    let r2t = h.r2t(task.itt(), 1, 0, 12_288, 8192);
    h.deliver(r2t, Bytes::new());
    assert_eq!(connection_failure(&mut h), OVERLAP);

    // Overlapping an earlier R2T, answered in full, or going back before it.
    for offset in [16_384, 8192] {
        let mut h = Harness::default();
        let task = submitted_write(&mut h, 65_536);
        let first = h.r2t(task.itt(), 1, 0, 8192, 16_384);
        h.deliver(first, Bytes::new());
        assert_eq!(h.sent().len(), 2);
        let second = h.r2t(task.itt(), 2, 1, offset, 16_384);
        h.deliver(second, Bytes::new());
        assert_eq!(connection_failure(&mut h), OVERLAP, "offset {offset}");
    }

    // Adjacent ranges are fine, and so is a gap left for a later R2T.
    let mut h = Harness::new(SessionConfig {
        max_outstanding_r2t: 2,
        nop_interval: None,
        ..SessionConfig::rfc_defaults()
    });
    let task = submitted_write(&mut h, 65_536);
    let first = h.r2t(task.itt(), 1, 0, 8192, 8192);
    let second = h.r2t(task.itt(), 2, 1, 32_768, 8192);
    h.deliver(first, Bytes::new());
    h.deliver(second, Bytes::new());
    assert_eq!(h.sent().len(), 2);
    assert!(h.events().is_empty());
    assert_eq!(h.session.state(), SessionState::Active);
}

#[test]
fn read_short_of_its_residual_fails_with_the_counts() {
    for (residual, delivered, expected) in [
        (Residual::Exact, 2048u32, 4096u32),
        (Residual::Underflow(1024), 2048, 3072),
        (Residual::Underflow(3072), 2048, 1024),
    ] {
        let mut h = Harness::default();
        let task = h
            .session
            .submit(h.now, ScsiRequest::read(Lun::default(), read_cdb(), 4096))
            .unwrap();
        h.sent();
        let stat_sn = h.next_stat_sn();
        let d = h.data_in(
            task.itt(),
            0,
            0,
            Some(DataInStatus {
                status: ScsiStatus::Good,
                stat_sn,
                residual,
            }),
        );
        h.deliver(d, pattern(delivered as usize));
        let events = h.events();
        assert_eq!(
            events.last(),
            Some(&Event::TaskFailed {
                task,
                error: TaskError::ReadIncomplete {
                    expected,
                    received: delivered
                }
            }),
            "{residual:?}"
        );
    }
    assert_eq!(
        TaskError::ReadIncomplete {
            expected: 4096,
            received: 2048
        }
        .to_string(),
        "the target delivered 2048 bytes but its residual says 4096"
    );
    assert_eq!(
        TaskError::DataLost.to_string(),
        "read data lost: a Data-In failed its data digest"
    );
}

/// Runs `handle_timeout` at (and after) each deadline `poll_timeout` returns, as a driver
/// does, and checks that the next deadline is always later: none is left expired.
fn check_deadlines_move_on(h: &mut Harness, case: &str) {
    for round in 0..6u32 {
        let Some(deadline) = h.session.poll_timeout() else {
            return;
        };
        // At the deadline, or somewhat after it.
        h.now = h.now.max(deadline) + Duration::from_millis(u64::from(round % 2) * 700);
        h.session.handle_timeout(h.now);
        h.sent();
        h.events();
        let next = h.session.poll_timeout();
        assert!(
            next.is_none_or(|next| next > h.now),
            "{case}, round {round}: deadline {next:?} not after {:?}",
            h.now
        );
    }
}

#[test]
fn every_deadline_is_in_the_future_once_its_timeout_ran() {
    let keepalive = || SessionConfig {
        max_tasks: 2,
        ..SessionConfig::rfc_defaults()
    };
    // Active, without and with an outstanding ping.
    let mut h = Harness::new(keepalive());
    check_deadlines_move_on(&mut h, "active");
    let mut h = Harness::new(keepalive());
    h.session.ping(h.now, Bytes::new()).unwrap();
    h.advance(Duration::from_secs(5));
    check_deadlines_move_on(&mut h, "active with a ping");
    // Active with a full task table: the keep-alive ping still goes out.
    let mut h = Harness::new(keepalive());
    for _ in 0..2 {
        h.session
            .submit(h.now, ScsiRequest::read(Lun::default(), read_cdb(), 512))
            .unwrap();
    }
    check_deadlines_move_on(&mut h, "active with a full table");
    // Logging out (no answer comes), without and with an outstanding keep-alive ping.
    let mut h = Harness::new(keepalive());
    h.session.logout(h.now).unwrap();
    check_deadlines_move_on(&mut h, "logging out");
    let mut h = Harness::new(keepalive());
    h.advance(Duration::from_secs(5));
    assert_eq!(h.sent().len(), 1, "the keep-alive ping");
    h.session.logout(h.now).unwrap();
    check_deadlines_move_on(&mut h, "logging out with a ping");
    // Logging out at the target's request, a command still running.
    let mut h = Harness::new(keepalive());
    h.session
        .submit(h.now, ScsiRequest::read(Lun::default(), read_cdb(), 512))
        .unwrap();
    let msg = AsyncMessage {
        itt: Itt::RESERVED,
        lun: Lun::default(),
        stat_sn: h.next_stat_sn(),
        exp_cmd_sn: CmdSn::new(101),
        max_cmd_sn: CmdSn::new(131),
        event: AsyncEvent::LogoutRequest,
        vcode: 0,
        parameter1: 0,
        parameter2: 0,
        parameter3: 12,
    };
    h.deliver(msg, Bytes::new());
    check_deadlines_move_on(&mut h, "target-requested logout");
}

/// A Text Response of the exchange `task` with the target's next StatSN.
fn text_response(h: &mut Harness, task: TaskId, final_pdu: bool, ttt: u32) -> TextResponse {
    TextResponse {
        final_pdu,
        continues: false,
        lun: Lun::default(),
        itt: task.itt(),
        ttt: Ttt(ttt),
        stat_sn: h.next_stat_sn(),
        exp_cmd_sn: CmdSn::new(100),
        max_cmd_sn: CmdSn::new(131),
    }
}

#[test]
fn text_answer_over_the_limit_fails_only_the_exchange() {
    let too_long = TaskError::TextTooLong {
        max_bytes: 32,
        max_pdus: 2,
    };
    let mut h = Harness::new(SessionConfig {
        max_text_bytes: 32,
        max_text_pdus: 2,
        nop_interval: None,
        ..SessionConfig::rfc_defaults()
    });
    // Too many bytes in one PDU.
    let task = h.session.text(h.now, Bytes::from_static(b"A=B\0")).unwrap();
    h.sent();
    let resp = text_response(&mut h, task, true, 0xffff_ffff);
    h.deliver(resp, Bytes::from(vec![b'x'; 33]));
    assert_eq!(
        h.events(),
        vec![Event::TaskFailed {
            task,
            error: too_long
        }]
    );
    assert_eq!(h.session.state(), SessionState::Active);
    assert_eq!(h.session.outstanding_tasks(), 0);
    // Too many PDUs: the third is not asked for again.
    let task = h.session.text(h.now, Bytes::from_static(b"A=B\0")).unwrap();
    h.sent();
    for n in 0..3 {
        let resp = text_response(&mut h, task, false, 9);
        h.deliver(resp, Bytes::from_static(b"C=D\0"));
        let sent = h.sent();
        assert_eq!(sent.len(), usize::from(n < 2), "PDU {n}: {sent:?}");
    }
    assert_eq!(
        h.events(),
        vec![Event::TaskFailed {
            task,
            error: too_long
        }]
    );
    assert_eq!(h.session.state(), SessionState::Active);
    // A new exchange starts afresh (RFC 7143 §11.10).
    let task = h.session.text(h.now, Bytes::from_static(b"A=B\0")).unwrap();
    let sent = h.sent();
    let Header::TextRequest(req) = sent[0].header else {
        panic!("{sent:?}")
    };
    assert!(req.ttt.is_reserved());
    let resp = text_response(&mut h, task, true, 0xffff_ffff);
    h.deliver(resp, Bytes::from_static(b"C=D\0"));
    assert!(matches!(&h.events()[..], [Event::TextComplete { .. }]));
    assert_eq!(
        too_long.to_string(),
        "the text answer exceeds the limit of 32 bytes in 2 PDUs"
    );
}

#[test]
fn discovery_sessions_accept_a_send_targets_answer_with_a_thousand_targets() {
    let normal =
        SessionConfig::from_negotiated(&NegotiatedParams::rfc_defaults(SessionType::Normal));
    assert_eq!(
        (normal.max_text_bytes, normal.max_text_pdus),
        (64 * 1024, 32)
    );
    let config =
        SessionConfig::from_negotiated(&NegotiatedParams::rfc_defaults(SessionType::Discovery));
    let limits = crate::text::TextLimits::for_discovery();
    assert_eq!(
        (config.max_text_bytes, config.max_text_pdus),
        (limits.max_bytes, limits.max_pdus)
    );
    let mut h = Harness::new(SessionConfig {
        nop_interval: None,
        ..config
    });
    let answer: Vec<u8> = (0..1000)
        .flat_map(|n| {
            format!(
                "TargetName=iqn.2024-01.com.example:storage.target-{n:04}\0\
                 TargetAddress=192.0.2.{}:3260,1\0",
                n % 250
            )
            .into_bytes()
        })
        .collect();
    assert!(answer.len() > 64 * 1024);
    let task = h
        .session
        .text(h.now, Bytes::from_static(b"SendTargets=All\0"))
        .unwrap();
    h.sent();
    let chunks: Vec<&[u8]> = answer.chunks(8192).collect();
    for (n, chunk) in chunks.iter().enumerate() {
        let last = n + 1 == chunks.len();
        let resp = text_response(&mut h, task, last, if last { 0xffff_ffff } else { 3 });
        h.deliver(resp, Bytes::copy_from_slice(chunk));
        h.sent();
    }
    assert_eq!(
        h.events(),
        vec![Event::TextComplete {
            task,
            text: Bytes::from(answer)
        }]
    );
}

/// The culprit of the connection failure, the only event.
fn culprit(h: &mut Harness) -> Option<TaskId> {
    let events = h.events();
    match &events[..] {
        [Event::ConnectionFailed { culprit, .. }] => *culprit,
        other => panic!("{other:?}"),
    }
}

#[test]
fn connection_failure_names_the_task_a_violation_concerns() {
    // A Data-In DataSN gap.
    let mut h = Harness::default();
    let read = h
        .session
        .submit(h.now, ScsiRequest::read(Lun::default(), read_cdb(), 8192))
        .unwrap();
    h.sent();
    let d = h.data_in(read.itt(), 1, 0, None);
    h.deliver(d, pattern(4096));
    assert_eq!(culprit(&mut h), Some(read), "DataSN gap");
    // A Data-In past the read's length.
    let mut h = Harness::default();
    let read = h
        .session
        .submit(h.now, ScsiRequest::read(Lun::default(), read_cdb(), 512))
        .unwrap();
    h.sent();
    let d = h.data_in(read.itt(), 0, 0, None);
    h.deliver(d, pattern(1024));
    assert_eq!(culprit(&mut h), Some(read), "Data-In past the length");
    // An R2T for zero bytes.
    let mut h = Harness::default();
    let write = submitted_write(&mut h, 65_536);
    let r2t = h.r2t(write.itt(), 1, 0, 8192, 0);
    h.deliver(r2t, Bytes::new());
    assert_eq!(culprit(&mut h), Some(write), "R2T violation");
    // A SCSI Response whose SenseLength runs past its data segment.
    let mut h = Harness::default();
    let cmd = h
        .session
        .submit(h.now, ScsiRequest::no_data(Lun::default(), vec![0u8; 6]))
        .unwrap();
    h.sent();
    let resp = h.scsi_response(cmd.itt(), ScsiStatus::CheckCondition, 0);
    h.deliver(resp, Bytes::from_static(&[0, 40, 0x70]));
    assert_eq!(culprit(&mut h), Some(cmd), "malformed sense");
    assert_eq!(
        h.session.take_unfinished()[0].0,
        cmd,
        "the culprit is unfinished"
    );

    // Not tied to a task: an unknown ITT, a TMF Response for a SCSI task, a lost connection.
    let mut h = Harness::default();
    let read = h
        .session
        .submit(h.now, ScsiRequest::read(Lun::default(), read_cdb(), 512))
        .unwrap();
    h.sent();
    let d = h.data_in(Itt(999), 0, 0, None);
    h.deliver(d, pattern(512));
    assert_eq!(culprit(&mut h), None, "unknown ITT");
    let mut h = Harness::default();
    let read2 = h
        .session
        .submit(h.now, ScsiRequest::read(Lun::default(), read_cdb(), 512))
        .unwrap();
    h.sent();
    let resp = TaskMgmtResponse {
        response: TmfResponse::FunctionComplete,
        itt: read2.itt(),
        stat_sn: h.next_stat_sn(),
        exp_cmd_sn: CmdSn::new(101),
        max_cmd_sn: CmdSn::new(131),
    };
    h.deliver(resp, Bytes::new());
    assert_eq!(culprit(&mut h), None, "wrong response kind");
    let mut h = Harness::default();
    h.session
        .submit(h.now, ScsiRequest::read(Lun::default(), read_cdb(), 512))
        .unwrap();
    h.sent();
    h.session.handle_connection_lost(h.now);
    assert_eq!(culprit(&mut h), None, "connection lost");
    let _ = read;
}

/// RFC 7143 §11.7.4: a Data-Out answering an R2T carries the command's LUN, an unsolicited
/// one (no Target Transfer Tag) leaves the LUN field reserved (zero); an R2T naming another
/// LU than its command is a protocol error.
#[test]
fn lun_fields_of_data_out_and_r2t() {
    let config = SessionConfig {
        first_burst_length: 65_536,
        immediate_data: false,
        initial_r2t: false,
        limits: Limits {
            max_recv_data_segment_length: 8192,
            max_send_data_segment_length: 8192,
        },
        nop_interval: None,
        ..SessionConfig::rfc_defaults()
    };
    let lun = Lun::from_index(3).unwrap();
    let mut h = Harness::new(config.clone());
    let task = h
        .session
        .submit(
            h.now,
            ScsiRequest::write(lun, write_cdb(), pattern(100_000)),
        )
        .unwrap();
    let sent = h.sent();
    assert_eq!(scsi_command(&sent[0]).lun, lun);
    for pdu in &sent[1..] {
        assert_eq!(
            data_out(pdu).lun,
            Lun::default(),
            "unsolicited: reserved LUN"
        );
    }
    let r2t = R2t {
        lun,
        ..h.r2t(task.itt(), 77, 0, 65_536, 100_000 - 65_536)
    };
    h.deliver(r2t, Bytes::new());
    let sent = h.sent();
    assert!(!sent.is_empty());
    for pdu in &sent {
        assert_eq!(data_out(pdu).lun, lun, "solicited: the command's LUN");
    }
    // An R2T for another LU.
    let mut h = Harness::new(config);
    let task = h
        .session
        .submit(
            h.now,
            ScsiRequest::write(lun, write_cdb(), pattern(100_000)),
        )
        .unwrap();
    h.sent();
    let r2t = h.r2t(task.itt(), 77, 0, 65_536, 100_000 - 65_536);
    h.deliver(r2t, Bytes::new());
    assert!(matches!(
        &h.events()[..],
        [Event::ConnectionFailed {
            reason: FailureReason::Protocol(ProtocolError::R2tViolation {
                what: "LUN other than the command's"
            }),
            ..
        }]
    ));
}

/// RFC 7143 §11.7.5, §11.4.8: the R2Ts and Data-Ins of a bidirectional command share one
/// sequence, and the response's ExpDataSN counts both.
#[test]
fn bidirectional_r2t_and_data_in_share_one_sequence() {
    let config = SessionConfig {
        immediate_data: false,
        initial_r2t: true,
        nop_interval: None,
        ..SessionConfig::rfc_defaults()
    };
    let mut h = Harness::new(config);
    let req = ScsiRequest {
        read_length: 4096,
        ..ScsiRequest::write(Lun::default(), write_cdb(), pattern(4096))
    };
    let task = h.session.submit(h.now, req).unwrap();
    h.sent();
    // R2TSN 0, then Data-In DataSN 1, then R2TSN 2 would follow; here: R2T 0, Data-In 1.
    let r2t = h.r2t(task.itt(), 5, 0, 0, 4096);
    h.deliver(r2t, Bytes::new());
    let sent = h.sent();
    assert_eq!(data_out(&sent[0]).ttt, Ttt(5));
    let d = h.data_in(task.itt(), 1, 0, None);
    h.deliver(d, pattern(4096));
    // ExpDataSN 2: one R2T and one Data-In.
    let resp = h.scsi_response(task.itt(), ScsiStatus::Good, 2);
    h.deliver(resp, Bytes::new());
    let events = h.events();
    assert!(
        matches!(
            &events[..],
            [Event::DataIn { .. }, Event::ScsiComplete { task: t, .. }] if *t == task
        ),
        "{events:?}"
    );
    // A bidirectional response whose ExpDataSN is beyond the shared sequence shows a lost
    // PDU.
    let mut h = Harness::new(SessionConfig {
        immediate_data: false,
        initial_r2t: true,
        nop_interval: None,
        ..SessionConfig::rfc_defaults()
    });
    let req = ScsiRequest {
        read_length: 4096,
        ..ScsiRequest::write(Lun::default(), write_cdb(), pattern(4096))
    };
    let task = h.session.submit(h.now, req).unwrap();
    h.sent();
    let r2t = h.r2t(task.itt(), 5, 0, 0, 4096);
    h.deliver(r2t, Bytes::new());
    h.sent();
    let d = h.data_in(task.itt(), 1, 0, None);
    h.deliver(d, pattern(4096));
    let resp = h.scsi_response(task.itt(), ScsiStatus::Good, 3);
    h.deliver(resp, Bytes::new());
    assert!(
        h.events().iter().any(|e| matches!(
            e,
            Event::TaskFailed {
                error: TaskError::DataMissing,
                ..
            }
        )),
        "ExpDataSN 3 after two PDUs"
    );
}

/// RFC 7143 §7.3: no plug when the Reject's ExpCmdSN shows no hole, and a rejected plug is
/// not plugged again (a target that rejects NOP-Outs would otherwise ping-pong for ever).
#[test]
fn cmd_sn_plug_only_for_a_real_hole_and_never_for_a_rejected_plug() {
    let mut h = Harness::default();
    let task = h
        .session
        .submit(h.now, ScsiRequest::no_data(Lun::default(), vec![0u8; 6]))
        .unwrap();
    let sent = h.sent();
    let cmd = sent[0].clone();
    let cmd_sn = scsi_command(&cmd).cmd_sn;
    // The target already moved ExpCmdSN past the rejected command: nothing to plug.
    h.exp_cmd_sn = cmd_sn.get() + 1;
    h.reject(RejectReason::InvalidPduField, &cmd);
    assert!(h.sent().is_empty(), "no plug without a hole");
    let _ = (task, h.events());

    // A real hole: one plug; the target rejects the plug too: no second plug.
    let mut h = Harness::default();
    h.session
        .submit(h.now, ScsiRequest::no_data(Lun::default(), vec![0u8; 6]))
        .unwrap();
    let cmd = h.sent()[0].clone();
    h.reject(RejectReason::InvalidPduField, &cmd);
    let plug = h.sent();
    assert_eq!(plug.len(), 1);
    assert_eq!(plug[0].header.opcode(), crate::wire::Opcode::NopOut);
    h.reject(RejectReason::InvalidPduField, &plug[0]);
    assert!(h.sent().is_empty(), "a rejected plug is not plugged again");
}

impl Harness {
    /// Delivers a Reject of `pdu`, with the harness's current ExpCmdSN.
    fn reject(&mut self, reason: RejectReason, pdu: &Pdu) {
        let rejected = pdu.encode_bhs().unwrap();
        let reject = Reject {
            itt: Itt::RESERVED,
            reason,
            stat_sn: self.next_stat_sn(),
            exp_cmd_sn: CmdSn::new(self.exp_cmd_sn),
            max_cmd_sn: CmdSn::new(self.max_cmd_sn),
            data_sn_or_r2t_sn: 0,
        };
        self.deliver(reject, Bytes::copy_from_slice(rejected.as_bytes()));
    }

    fn tmf_response(&mut self, itt: Itt, response: TmfResponse) -> TaskMgmtResponse {
        TaskMgmtResponse {
            response,
            itt,
            stat_sn: self.next_stat_sn(),
            exp_cmd_sn: CmdSn::new(self.exp_cmd_sn),
            max_cmd_sn: CmdSn::new(self.max_cmd_sn),
        }
    }
}

/// An ABORT TASK answered with anything but "function complete" or "task does not exist"
/// escalates: LOGICAL UNIT RESET of the task's LU, and when that fails too, session
/// recovery. The task never stays in the table.
#[test]
fn failed_abort_task_escalates_to_lu_reset_then_session_recovery() {
    let mut h = Harness::default();
    let lun = Lun::from_index(2).unwrap();
    let task = h
        .session
        .submit(h.now, ScsiRequest::read(lun, read_cdb(), 4096))
        .unwrap();
    h.sent();
    let abort = h.session.abort_task(h.now, task).unwrap().unwrap();
    h.sent();
    let resp = h.tmf_response(abort.itt(), TmfResponse::FunctionRejected);
    h.deliver(resp, Bytes::new());
    let sent = h.sent();
    let Header::TaskMgmtRequest(lur) = sent[0].header else {
        panic!("{sent:?}")
    };
    assert_eq!(
        (lur.function, lur.lun),
        (TmfFunction::LogicalUnitReset, lun)
    );
    let resp = h.tmf_response(lur.itt, TmfResponse::FunctionRejected);
    h.deliver(resp, Bytes::new());
    let events = h.events();
    assert!(
        events.iter().any(|e| matches!(
            e,
            Event::ConnectionFailed {
                reason: FailureReason::TaskManagementFailed,
                ..
            }
        )),
        "{events:?}"
    );
    // A successful LU reset ends the task instead.
    let mut h = Harness::default();
    let task = h
        .session
        .submit(h.now, ScsiRequest::read(lun, read_cdb(), 4096))
        .unwrap();
    h.sent();
    let abort = h.session.abort_task(h.now, task).unwrap().unwrap();
    h.sent();
    let resp = h.tmf_response(abort.itt(), TmfResponse::FunctionRejected);
    h.deliver(resp, Bytes::new());
    let Header::TaskMgmtRequest(lur) = h.sent()[0].header else {
        panic!()
    };
    let resp = h.tmf_response(lur.itt, TmfResponse::FunctionComplete);
    h.deliver(resp, Bytes::new());
    assert!(h.events().iter().any(|e| matches!(
        e,
        Event::TaskFailed { task: t, error: TaskError::Aborted } if *t == task
    )));
    assert_eq!(h.session.outstanding_tasks(), 0);
}

/// Reserved code values are protocol errors (RFC 7143 §11.9.1, §11.17.1, §11.6.1, §11.4.3,
/// §11.15.1), handled as reserved opcodes are: the connection fails.
#[test]
fn reserved_code_values_are_protocol_errors() {
    fn failed_with_format(h: &mut Harness, what: &str) {
        let events = h.events();
        assert!(
            events.iter().any(|e| matches!(
                e,
                Event::ConnectionFailed {
                    reason: FailureReason::Protocol(ProtocolError::Format(_)),
                    ..
                }
            )),
            "{what}: {events:?}"
        );
    }
    // AsyncEvent 6.
    let mut h = Harness::default();
    let msg = AsyncMessage {
        itt: Itt::RESERVED,
        lun: Lun::default(),
        stat_sn: h.next_stat_sn(),
        exp_cmd_sn: CmdSn::new(h.exp_cmd_sn),
        max_cmd_sn: CmdSn::new(h.max_cmd_sn),
        event: AsyncEvent::from(6),
        vcode: 0,
        parameter1: 0,
        parameter2: 0,
        parameter3: 0,
    };
    h.deliver(msg, Bytes::new());
    failed_with_format(&mut h, "AsyncEvent 6");
    // A vendor-specific event (255) is still ignored.
    let mut h = Harness::default();
    let msg = AsyncMessage {
        itt: Itt::RESERVED,
        lun: Lun::default(),
        stat_sn: h.next_stat_sn(),
        exp_cmd_sn: CmdSn::new(h.exp_cmd_sn),
        max_cmd_sn: CmdSn::new(h.max_cmd_sn),
        event: AsyncEvent::VendorSpecific,
        vcode: 1,
        parameter1: 0,
        parameter2: 0,
        parameter3: 0,
    };
    h.deliver(msg, Bytes::new());
    assert!(h.events().is_empty());
    // A Reject with reason 0x20.
    let mut h = Harness::default();
    h.session
        .submit(h.now, ScsiRequest::no_data(Lun::default(), vec![0u8; 6]))
        .unwrap();
    let cmd = h.sent()[0].clone();
    h.reject(RejectReason::from(0x20), &cmd);
    failed_with_format(&mut h, "Reject reason 0x20");
    // A TMF response code 9.
    let mut h = Harness::default();
    let task = h
        .session
        .submit(h.now, ScsiRequest::read(Lun::default(), read_cdb(), 512))
        .unwrap();
    h.sent();
    let abort = h.session.abort_task(h.now, task).unwrap().unwrap();
    h.sent();
    let resp = h.tmf_response(abort.itt(), TmfResponse::from(9));
    h.deliver(resp, Bytes::new());
    failed_with_format(&mut h, "TMF response 9");
    // A SCSI Response code 0x05 (0x80 and up are vendor specific and pass).
    let mut h = Harness::default();
    let task = h
        .session
        .submit(h.now, ScsiRequest::no_data(Lun::default(), vec![0u8; 6]))
        .unwrap();
    h.sent();
    let resp = ScsiResponse {
        response: ScsiResponseCode::from(0x05),
        ..h.scsi_response(task.itt(), ScsiStatus::Good, 0)
    };
    h.deliver(resp, Bytes::new());
    failed_with_format(&mut h, "SCSI Response code 0x05");
    // A Logout Response code 4.
    let mut h = Harness::default();
    let lo = h.session.logout(h.now).unwrap();
    h.sent();
    let resp = LogoutResponse {
        response: LogoutResponseCode::from(4),
        itt: lo.itt(),
        stat_sn: h.next_stat_sn(),
        exp_cmd_sn: CmdSn::new(h.exp_cmd_sn),
        max_cmd_sn: CmdSn::new(h.max_cmd_sn),
        time2wait: 0,
        time2retain: 0,
    };
    h.deliver(resp, Bytes::new());
    failed_with_format(&mut h, "Logout response 4");
}

/// RFC 7143 §11.9.1, §13.12: after AsyncEvent 4 the session takes part in the target's
/// renegotiation: a new MaxRecvDataSegmentLength sizes every later segment, unknown keys
/// are answered NotUnderstood, other keys Reject; a value out of range keeps the old one.
#[test]
fn renegotiation_applies_a_new_max_recv_data_segment_length() {
    let config = SessionConfig {
        immediate_data: true,
        initial_r2t: false,
        first_burst_length: 65_536,
        limits: Limits {
            max_recv_data_segment_length: 8192,
            max_send_data_segment_length: 8192,
        },
        nop_interval: None,
        ..SessionConfig::rfc_defaults()
    };
    let renegotiate = |h: &mut Harness, text: &'static [u8]| -> Vec<Pdu> {
        let msg = AsyncMessage {
            itt: Itt::RESERVED,
            lun: Lun::default(),
            stat_sn: h.next_stat_sn(),
            exp_cmd_sn: CmdSn::new(h.exp_cmd_sn),
            max_cmd_sn: CmdSn::new(h.max_cmd_sn),
            event: AsyncEvent::NegotiationRequest,
            vcode: 0,
            parameter1: 0,
            parameter2: 0,
            parameter3: 10,
        };
        h.deliver(msg, Bytes::new());
        let sent = h.sent();
        let Header::TextRequest(req) = sent[0].header else {
            panic!("{sent:?}")
        };
        assert!(sent[0].data.is_empty(), "an empty Text Request starts it");
        let resp = TextResponse {
            final_pdu: true,
            continues: false,
            lun: Lun::default(),
            itt: req.itt,
            ttt: Ttt::RESERVED,
            stat_sn: h.next_stat_sn(),
            exp_cmd_sn: CmdSn::new(h.exp_cmd_sn),
            max_cmd_sn: CmdSn::new(h.max_cmd_sn),
        };
        h.deliver(resp, Bytes::from_static(text));
        h.sent()
    };
    let mut h = Harness::new(config.clone());
    let answers = renegotiate(
        &mut h,
        b"MaxRecvDataSegmentLength=4096\0X-Vendor-Thing=1\0MaxBurstLength=512\0",
    );
    assert_eq!(answers.len(), 1, "{answers:?}");
    assert_eq!(
        &answers[0].data[..],
        b"X-Vendor-Thing=NotUnderstood\0MaxBurstLength=Reject\0"
    );
    assert!(h.events().contains(&Event::Renegotiated {
        max_send_data_segment_length: 4096
    }));
    assert_eq!(h.session.config().limits.max_send_data_segment_length, 4096);
    // Immediate data and Data-Out now fit 4096 bytes.
    h.session
        .submit(
            h.now,
            ScsiRequest::write(Lun::default(), write_cdb(), pattern(32_768)),
        )
        .unwrap();
    for pdu in h.sent() {
        assert!(pdu.data.len() <= 4096, "{} bytes", pdu.data.len());
    }
    // Out of range: the old value stays, the key is answered Reject.
    let mut h = Harness::new(config);
    let answers = renegotiate(&mut h, b"MaxRecvDataSegmentLength=100\0");
    assert_eq!(&answers[0].data[..], b"MaxRecvDataSegmentLength=Reject\0");
    assert_eq!(h.session.config().limits.max_send_data_segment_length, 8192);
}

/// RFC 7143 §11.5: the fields of every task management function the session sends:
/// function code, immediate, the LUN for the LU-scoped functions (reserved, zero, for the
/// target resets), Referenced Task Tag reserved and RefCmdSN zero except for ABORT TASK.
#[test]
fn task_management_fields_of_every_function() {
    let lun = Lun::from_index(4).unwrap();
    for (function, lun_scoped) in [
        (TmfFunction::AbortTaskSet, true),
        (TmfFunction::ClearAca, true),
        (TmfFunction::ClearTaskSet, true),
        (TmfFunction::LogicalUnitReset, true),
        (TmfFunction::TargetWarmReset, false),
        (TmfFunction::TargetColdReset, false),
    ] {
        let mut h = Harness::default();
        let task = h.session.task_management(h.now, function, lun).unwrap();
        let sent = h.sent();
        let Header::TaskMgmtRequest(r) = sent[0].header else {
            panic!("{function:?}: {sent:?}")
        };
        assert_eq!(r.function, function);
        assert!(r.immediate, "{function:?}");
        assert_eq!(r.itt, task.itt());
        assert_eq!(
            r.lun,
            if lun_scoped { lun } else { Lun::default() },
            "{function:?}"
        );
        assert!(r.referenced_task_tag.is_reserved(), "{function:?}");
        assert_eq!(r.ref_cmd_sn, CmdSn::new(0), "{function:?}");
    }
    // ABORT TASK through abort_task; TASK REASSIGN needs ERL 2.
    let mut h = Harness::default();
    assert_eq!(
        h.session
            .task_management(h.now, TmfFunction::AbortTask, lun),
        Err(ApiMisuse::Invalid("function needs abort_task or ERL 2"))
    );
    assert_eq!(
        h.session
            .task_management(h.now, TmfFunction::TaskReassign, lun),
        Err(ApiMisuse::Invalid("function needs abort_task or ERL 2"))
    );
}

/// A read answered by a Data-In with no data and the status (a zero-length transfer with
/// an underflow of the whole length) completes with no DataIn event and the residual.
#[test]
fn zero_length_data_in_with_status_completes_the_read() {
    let mut h = Harness::default();
    let task = h
        .session
        .submit(h.now, ScsiRequest::read(Lun::default(), read_cdb(), 4096))
        .unwrap();
    h.sent();
    let stat_sn = h.next_stat_sn();
    let d = h.data_in(
        task.itt(),
        0,
        0,
        Some(DataInStatus {
            status: ScsiStatus::Good,
            stat_sn,
            residual: Residual::Underflow(4096),
        }),
    );
    h.deliver(d, Bytes::new());
    let events = h.events();
    assert!(
        matches!(
            &events[..],
            [Event::ScsiComplete { task: t, outcome }]
                if *t == task && outcome.read_bytes == 0 && outcome.residual == Residual::Underflow(4096)
        ),
        "{events:?}"
    );
}
