//! Full feature phase: reads, writes with R2Ts, checks on Data-Out, SCSI errors, NOP, TMF,
//! Async, Logout and the capture log.

use std::time::Duration;

use bytes::Bytes;
use iscsi_proto::wire::{
    AsyncEvent, Header, Itt, LogoutReason, LogoutRequest, LogoutResponseCode, Lun, Opcode, Pdu,
    R2t, Residual, ScsiStatus, TaskMgmtRequest, TmfFunction, TmfResponse, Ttt,
};
use iscsi_test_target::{AsyncSpec, Direction, TargetConfig, ViolationKind};

use crate::support::{Pair, cdb, read10, write10};

fn pattern(len: usize, seed: u8) -> Bytes {
    Bytes::from(
        (0..len)
            .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
            .collect::<Vec<_>>(),
    )
}

fn r2ts(pdus: &[Pdu]) -> Vec<R2t> {
    pdus.iter()
        .filter_map(|p| match p.header {
            Header::R2t(r) => Some(r),
            _ => None,
        })
        .collect()
}

/// Reads `blocks` blocks at `lba` and returns the data and the PDUs.
fn read(pair: &mut Pair, lba: u32, blocks: u16) -> (Vec<u8>, Vec<Pdu>) {
    let edtl = u32::from(blocks) * 512;
    let (itt, cmd) = pair
        .init
        .command(read10(lba, blocks), true, false, edtl, Bytes::new(), true);
    let replies = pair.exchange(&cmd);
    let mut data = vec![0u8; edtl as usize];
    for (sn, pdu) in replies.iter().enumerate() {
        let Header::DataIn(d) = pdu.header else {
            panic!("{pdu:?}")
        };
        assert_eq!(d.itt, itt);
        assert_eq!(d.data_sn.get(), sn as u32);
        let at = d.buffer_offset as usize;
        data[at..at + pdu.data.len()].copy_from_slice(&pdu.data);
    }
    (data, replies)
}

#[test]
fn write_with_r2ts_then_read_back() {
    let mut config = TargetConfig::default();
    config.params.max_burst_length = 16384;
    config.params.max_outstanding_r2t = 2;
    let mut pair = Pair::new(config);
    let (resp, _) = pair.login_with(&[
        ("MaxOutstandingR2T", "4"),
        ("MaxBurstLength", "65536"),
        ("ImmediateData", "Yes"),
        ("FirstBurstLength", "4096"),
        ("MaxRecvDataSegmentLength", "8192"),
    ]);
    assert_eq!(
        resp.next_stage,
        Some(iscsi_proto::wire::Stage::FullFeaturePhase)
    );

    // 64 KiB write: 4 KiB immediate data, the rest by R2T in 16 KiB bursts, 2 outstanding.
    let payload = pattern(65536, 3);
    let (itt, cmd) = pair.init.command(
        write10(100, 128),
        false,
        true,
        65536,
        payload.slice(..4096),
        true,
    );
    let first = r2ts(&pair.exchange(&cmd));
    assert_eq!(first.len(), 2);
    assert_eq!(
        first
            .iter()
            .map(|r| (
                r.r2t_sn.get(),
                r.buffer_offset,
                r.desired_data_transfer_length
            ))
            .collect::<Vec<_>>(),
        [(0, 4096, 16384), (1, 20480, 16384)]
    );
    let mut outstanding: std::collections::VecDeque<R2t> = first.into();
    let mut responses = Vec::new();
    while let Some(r2t) = outstanding.pop_front() {
        assert_eq!(r2t.itt, itt);
        // Answer with PDUs of at most the target's MRDSL (8192).
        let end = r2t.buffer_offset + r2t.desired_data_transfer_length;
        let mut offset = r2t.buffer_offset;
        let mut sn = 0;
        while offset < end {
            let len = (end - offset).min(8192);
            let pdu = pair.init.data_out(
                itt,
                r2t.ttt,
                sn,
                offset,
                payload.slice(offset as usize..(offset + len) as usize),
                offset + len == end,
            );
            pair.send(&pdu);
            offset += len;
            sn += 1;
        }
        let replies = pair.recv();
        outstanding.extend(r2ts(&replies));
        responses.extend(
            replies
                .into_iter()
                .filter(|p| matches!(p.header, Header::ScsiResponse(_))),
        );
    }
    assert_eq!(responses.len(), 1);
    let Header::ScsiResponse(resp) = responses[0].header else {
        unreachable!()
    };
    assert_eq!(
        (resp.status, resp.residual),
        (ScsiStatus::Good, Residual::Exact)
    );
    assert_eq!(resp.exp_data_sn.get(), 4, "four R2Ts");
    assert!(
        pair.target.violations().is_empty(),
        "{:?}",
        pair.target.violations()
    );

    let (data, pdus) = read(&mut pair, 100, 128);
    assert_eq!(data, payload);
    // The initiator's MRDSL (8192) bounds every Data-In; status rides on the last.
    assert_eq!(pdus.len(), 8);
    assert!(pdus.iter().all(|p| p.data.len() <= 8192));
    let Header::DataIn(last) = pdus[7].header else {
        unreachable!()
    };
    assert_eq!(last.status.map(|s| s.status), Some(ScsiStatus::Good));
    // The LU keeps the data for any later connection.
    let lu = pair.target.first_lu(0).unwrap();
    assert_eq!(lu.read(100 * 512, 65536).unwrap(), payload);
}

#[test]
fn unsolicited_data_out_then_r2t() {
    let mut pair = Pair::new({
        let mut c = TargetConfig::default();
        c.params.initial_r2t = false;
        c
    });
    pair.login_with(&[
        ("InitialR2T", "No"),
        ("FirstBurstLength", "8192"),
        ("ImmediateData", "Yes"),
    ]);
    let payload = pattern(16384, 9);
    // 1 KiB immediate, then unsolicited Data-Out up to FirstBurstLength, then an R2T.
    let (itt, cmd) = pair.init.command(
        write10(0, 32),
        false,
        true,
        16384,
        payload.slice(..1024),
        false,
    );
    assert!(pair.exchange(&cmd).is_empty());
    let d0 = pair
        .init
        .data_out(itt, Ttt::RESERVED, 0, 1024, payload.slice(1024..8192), true);
    let r = r2ts(&pair.exchange(&d0));
    assert_eq!(r.len(), 1);
    assert_eq!(
        (r[0].buffer_offset, r[0].desired_data_transfer_length),
        (8192, 8192)
    );
    let d1 = pair
        .init
        .data_out(itt, r[0].ttt, 0, 8192, payload.slice(8192..), true);
    let replies = pair.exchange(&d1);
    assert!(matches!(replies[0].header, Header::ScsiResponse(_)));
    assert!(
        pair.target.violations().is_empty(),
        "{:?}",
        pair.target.violations()
    );
    assert_eq!(
        pair.target.first_lu(0).unwrap().read(0, 16384).unwrap(),
        payload
    );
}

#[test]
fn data_out_violations_are_logged() {
    let mut pair = Pair::new(TargetConfig::default());
    pair.login_with(&[("ImmediateData", "No")]);
    // Immediate data although ImmediateData=No.
    let (itt, cmd) = pair
        .init
        .command(write10(0, 2), false, true, 1024, pattern(512, 1), true);
    let r = r2ts(&pair.exchange(&cmd));
    assert_eq!(r.len(), 1);
    // Wrong DataSN, wrong offset, and no F on the last PDU.
    let bad = pair
        .init
        .data_out(itt, r[0].ttt, 5, 512, pattern(1024, 1), false);
    pair.exchange(&bad);
    // Unknown TTT.
    let stray = pair
        .init
        .data_out(itt, Ttt(0x4242), 0, 0, pattern(4, 1), true);
    pair.exchange(&stray);
    let kinds: Vec<ViolationKind> = pair.target.violations().iter().map(|v| v.kind).collect();
    for kind in [
        ViolationKind::ImmediateData,
        ViolationKind::DataSn,
        ViolationKind::BufferOffset,
        ViolationKind::FinalBit,
        ViolationKind::UnknownTask,
    ] {
        assert!(kinds.contains(&kind), "{kind:?} not in {kinds:?}");
    }
}

#[test]
fn check_conditions_and_residuals() {
    let mut pair = Pair::new(TargetConfig::default());
    pair.login();
    // Unknown opcode: ILLEGAL REQUEST, INVALID COMMAND OPERATION CODE.
    let (_, cmd) = pair
        .init
        .command(cdb(&[0xc7]), false, false, 0, Bytes::new(), true);
    let replies = pair.exchange(&cmd);
    let Header::ScsiResponse(r) = replies[0].header else {
        panic!()
    };
    assert_eq!(r.status, ScsiStatus::CheckCondition);
    let sense = &replies[0].data;
    assert_eq!(&sense[..2], &[0, 18]);
    assert_eq!(
        (sense[2] & 0x7f, sense[4] & 0x0f, sense[14]),
        (0x70, 5, 0x20)
    );
    // LBA out of range.
    let blocks = pair.target.first_lu(0).unwrap().blocks() as u32;
    let (_, cmd) = pair
        .init
        .command(read10(blocks - 1, 2), true, false, 1024, Bytes::new(), true);
    let replies = pair.exchange(&cmd);
    assert_eq!(replies[0].data[14], 0x21);
    // INQUIRY with a 255-byte allocation but EDTL 255: 36 bytes and an underflow of 219.
    let (_, cmd) = pair.init.command(
        cdb(&[0x12, 0, 0, 0, 255]),
        true,
        false,
        255,
        Bytes::new(),
        true,
    );
    let replies = pair.exchange(&cmd);
    let Header::DataIn(d) = replies[0].header else {
        panic!()
    };
    assert_eq!(replies[0].data.len(), 36);
    assert_eq!(d.status.unwrap().residual, Residual::Underflow(219));
    // READ CAPACITY(10) into an 4-byte buffer: overflow of 4.
    let (_, cmd) = pair
        .init
        .command(cdb(&[0x25]), true, false, 4, Bytes::new(), true);
    let replies = pair.exchange(&cmd);
    let Header::DataIn(d) = replies[0].header else {
        panic!()
    };
    assert_eq!(d.status.unwrap().residual, Residual::Overflow(4));
    // REPORT LUNS and TEST UNIT READY.
    let (_, cmd) = pair.init.command(
        cdb(&[0xa0, 0, 0, 0, 0, 0, 0, 0, 1, 0]),
        true,
        false,
        256,
        Bytes::new(),
        true,
    );
    assert_eq!(pair.exchange(&cmd)[0].data.len(), 16);
    let (_, cmd) = pair
        .init
        .command(cdb(&[0]), false, false, 0, Bytes::new(), true);
    let replies = pair.exchange(&cmd);
    let Header::ScsiResponse(r) = replies[0].header else {
        panic!()
    };
    assert_eq!(r.status, ScsiStatus::Good);
}

#[test]
fn separate_status_when_configured() {
    let mut config = TargetConfig::default();
    config.status_in_data_in = false;
    let mut pair = Pair::new(config);
    pair.login();
    let (_, cmd) = pair
        .init
        .command(read10(0, 1), true, false, 512, Bytes::new(), true);
    let replies = pair.exchange(&cmd);
    assert_eq!(replies.len(), 2);
    let Header::DataIn(d) = replies[0].header else {
        panic!()
    };
    assert!(d.status.is_none() && d.final_pdu);
    let Header::ScsiResponse(r) = replies[1].header else {
        panic!()
    };
    assert_eq!(r.exp_data_sn.get(), 1);
}

#[test]
fn capture_log_records_every_pdu() {
    let mut pair = Pair::new(TargetConfig::default());
    pair.login();
    let (itt, cmd) = pair
        .init
        .command(cdb(&[0]), false, false, 0, Bytes::new(), true);
    pair.exchange(&cmd);
    let captured = pair.target.captured();
    assert_eq!(
        captured
            .iter()
            .map(|p| p.header.opcode())
            .collect::<Vec<_>>(),
        [Opcode::LoginRequest, Opcode::ScsiCommand]
    );
    assert_eq!(captured[1].header.itt(), itt);
    assert!(captured.iter().all(|p| p.direction == Direction::Received));
    let sent = pair.target.sent();
    assert_eq!(
        sent.iter().map(|p| p.header.opcode()).collect::<Vec<_>>(),
        [Opcode::LoginResponse, Opcode::ScsiResponse]
    );
    assert_eq!(pair.target.transcript().len(), 4);
    pair.target.clear_captured();
    assert!(pair.target.captured().is_empty());
}

#[test]
fn nop_ping_echo_and_probes() {
    let mut config = TargetConfig::default();
    config.nop_in_interval = Some(Duration::from_secs(5));
    let mut pair = Pair::new(config);
    pair.login();
    let (itt, ping) = pair.init.ping(Bytes::from_static(b"ping"));
    let replies = pair.exchange(&ping);
    let Header::NopIn(n) = replies[0].header else {
        panic!()
    };
    assert_eq!((n.itt, n.ttt), (itt, Ttt::RESERVED));
    assert_eq!(&replies[0].data[..], b"ping");
    // A probe is due after the interval.
    assert!(pair.conn.poll_timeout().is_some());
    pair.advance(Duration::from_secs(5));
    let replies = pair.recv();
    let Header::NopIn(probe) = replies[0].header else {
        panic!()
    };
    assert!(probe.itt.is_reserved() && !probe.ttt.is_reserved());
    let reply = Pdu::new(
        iscsi_proto::wire::NopOut {
            immediate: true,
            lun: probe.lun,
            itt: Itt::RESERVED,
            ttt: probe.ttt,
            cmd_sn: pair.init.cmd_sn,
            exp_stat_sn: pair.init.exp_stat_sn,
        },
        Bytes::new(),
    );
    pair.send(&reply);
    assert_eq!(pair.conn.counters().probe_replies, 1);
    assert_eq!(pair.target.stats().nop_in_replies, 1);
    assert!(pair.target.violations().is_empty());
}

fn tmf(pair: &mut Pair, function: TmfFunction, referenced: Itt) -> TmfResponse {
    let itt = pair.init.itt();
    let req = TaskMgmtRequest {
        immediate: true,
        function,
        lun: Lun::default(),
        itt,
        referenced_task_tag: referenced,
        cmd_sn: pair.init.cmd_sn,
        exp_stat_sn: pair.init.exp_stat_sn,
        ref_cmd_sn: pair.init.cmd_sn,
        exp_data_sn: Default::default(),
    };
    let replies = pair.exchange(&Pdu::new(req, Bytes::new()));
    let Some(Header::TaskMgmtResponse(r)) = replies.last().map(|p| p.header) else {
        panic!("{replies:?}")
    };
    assert_eq!(r.itt, itt);
    r.response
}

#[test]
fn task_management() {
    let mut pair = Pair::new(TargetConfig::default());
    pair.login();
    // A write waiting for R2T data can be aborted.
    let (itt, cmd) = pair
        .init
        .command(write10(0, 8), false, true, 4096, Bytes::new(), true);
    assert_eq!(r2ts(&pair.exchange(&cmd)).len(), 1);
    assert_eq!(
        tmf(&mut pair, TmfFunction::AbortTask, itt),
        TmfResponse::FunctionComplete
    );
    assert_eq!(
        tmf(&mut pair, TmfFunction::AbortTask, itt),
        TmfResponse::TaskDoesNotExist
    );
    for f in [
        TmfFunction::AbortTaskSet,
        TmfFunction::ClearTaskSet,
        TmfFunction::LogicalUnitReset,
        TmfFunction::TargetWarmReset,
    ] {
        assert_eq!(
            tmf(&mut pair, f, Itt::RESERVED),
            TmfResponse::FunctionComplete
        );
    }
    assert_eq!(
        tmf(&mut pair, TmfFunction::TaskReassign, Itt(1)),
        TmfResponse::ReassignmentNotSupported
    );
    assert_eq!(
        tmf(&mut pair, TmfFunction::TargetColdReset, Itt::RESERVED),
        TmfResponse::FunctionComplete
    );
    assert!(pair.conn.is_closed());
}

#[test]
fn async_messages_on_demand() {
    let mut pair = Pair::new(TargetConfig::default());
    pair.login();
    pair.target
        .send_async(AsyncSpec::new(AsyncEvent::LogoutRequest, [0, 0, 3]));
    let replies = pair.recv();
    let Header::AsyncMessage(a) = replies[0].header else {
        panic!()
    };
    assert_eq!((a.event, a.parameter3), (AsyncEvent::LogoutRequest, 3));
    let mut sense = AsyncSpec::new(AsyncEvent::ScsiEvent, [0; 3]);
    sense.sense = Some(vec![0x70, 0, 6]);
    assert!(pair.conn.send_async(pair.now, sense));
    let replies = pair.recv();
    assert_eq!(&replies[0].data[..], &[0, 3, 0x70, 0, 6]);
    // A connection drop announcement closes the connection once sent.
    pair.conn.send_async(
        pair.now,
        AsyncSpec::new(AsyncEvent::ConnectionDrop, [1, 2, 20]),
    );
    assert_eq!(pair.recv().len(), 1);
    assert!(pair.conn.is_closed());
}

#[test]
fn logout_closes() {
    let mut pair = Pair::new(TargetConfig::default());
    pair.login();
    let itt = pair.init.itt();
    let req = LogoutRequest {
        immediate: true,
        reason: LogoutReason::CloseSession,
        itt,
        cid: iscsi_proto::wire::Cid(1),
        cmd_sn: pair.init.cmd_sn,
        exp_stat_sn: pair.init.exp_stat_sn,
    };
    let replies = pair.exchange(&Pdu::new(req, Bytes::new()));
    let Header::LogoutResponse(r) = replies[0].header else {
        panic!()
    };
    assert_eq!(
        (r.response, r.itt, r.time2wait),
        (LogoutResponseCode::ClosedSuccessfully, itt, 2)
    );
    assert!(pair.conn.is_closed());
}

#[test]
fn cmd_sn_ordering_and_window() {
    let mut config = TargetConfig::default();
    config.cmd_window = 4;
    let mut pair = Pair::new(config);
    let resp = pair.login();
    assert_eq!(resp.max_cmd_sn, resp.exp_cmd_sn.add(3));
    // Two commands sent in reverse CmdSN order are executed in CmdSN order.
    let (a, first) = pair
        .init
        .command(cdb(&[0]), false, false, 0, Bytes::new(), true);
    let (b, second) = pair
        .init
        .command(cdb(&[0]), false, false, 0, Bytes::new(), true);
    assert!(pair.exchange(&second).is_empty());
    let replies = pair.exchange(&first);
    assert_eq!(
        replies.iter().map(|p| p.header.itt()).collect::<Vec<_>>(),
        [a, b]
    );
    // A command beyond MaxCmdSN is dropped and logged.
    pair.init.cmd_sn = pair.init.cmd_sn.add(10);
    let (_, far) = pair
        .init
        .command(cdb(&[0]), false, false, 0, Bytes::new(), true);
    assert!(pair.exchange(&far).is_empty());
    assert_eq!(
        pair.target.violations()[0].kind,
        ViolationKind::CmdSnOutOfWindow
    );
}

#[test]
fn garbage_closes_without_panic() {
    let mut pair = Pair::new(TargetConfig::default());
    pair.send_bytes(&[0x3f; 48]);
    assert!(pair.conn.is_closed());
    assert_eq!(pair.target.violations()[0].kind, ViolationKind::Framing);
    // Huge DataSegmentLength: refused before anything is buffered.
    let mut pair = Pair::new(TargetConfig::default());
    let mut bhs = [0u8; 48];
    bhs[0] = 0x43;
    bhs[5..8].copy_from_slice(&[0xff, 0xff, 0xff]);
    pair.send_bytes(&bhs);
    assert!(pair.conn.is_closed());
}
