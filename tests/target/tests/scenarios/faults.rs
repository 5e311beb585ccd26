//! Each fault switch does what it says (sans-IO core).

use std::time::Duration;

use bytes::{Bytes, BytesMut};
use iscsi_proto::{
    framing::{Frame, FrameError},
    wire::{DecodeError, Header, Opcode, RejectReason, ScsiStatus, TmfFunction, TmfResponse},
};
use iscsi_test_target::{Faults, Mangle, TargetConfig, ViolationKind};

use crate::support::{Pair, cdb, read10};

fn with_faults(faults: Faults) -> Pair {
    let mut config = TargetConfig::default();
    config.faults = faults;
    Pair::new(config)
}

fn tur(pair: &mut Pair) -> (iscsi_proto::wire::Itt, iscsi_proto::wire::Pdu) {
    pair.init
        .command(cdb(&[0]), false, false, 0, Bytes::new(), true)
}

#[test]
fn drop_after_n_received() {
    let mut pair = with_faults(Faults {
        drop_after_received: Some(2),
        ..Faults::default()
    });
    pair.login();
    let (_, cmd) = tur(&mut pair);
    assert!(pair.exchange(&cmd).is_empty());
    assert!(pair.conn.is_closed());
    assert_eq!(pair.target.stats().dropped, 1);
    // One-shot: the next connection is healthy.
    let mut again = Pair::with_target(&pair.target);
    again.login();
    let (_, cmd) = tur(&mut again);
    assert_eq!(again.exchange(&cmd).len(), 1);
}

#[test]
fn drop_after_n_sent() {
    let mut pair = with_faults(Faults {
        drop_after_sent: Some(1),
        ..Faults::default()
    });
    pair.login();
    assert!(pair.conn.is_closed());
}

#[test]
fn corrupt_header_digest() {
    let mut pair = with_faults(Faults {
        corrupt_header_digest: Some(2),
        ..Faults::default()
    });
    pair.login_with(&[("HeaderDigest", "CRC32C")]);
    let (_, cmd) = tur(&mut pair);
    pair.send(&cmd);
    let mut bytes = pair.transmit();
    assert!(matches!(
        pair.init.framer.decode(&mut bytes),
        Err(FrameError::Decode(DecodeError::HeaderDigest { .. }))
    ));
    // Only the Nth PDU: the next response is fine.
    let mut pair2 = Pair::with_target(&pair.target);
    pair2.login_with(&[("HeaderDigest", "CRC32C")]);
    let (_, cmd) = tur(&mut pair2);
    assert_eq!(pair2.exchange(&cmd).len(), 1);
}

#[test]
fn corrupt_data_digest() {
    // The login response carries data too, so the first Data-In is the 2nd PDU with data.
    let mut pair = with_faults(Faults {
        corrupt_data_digest: Some(2),
        ..Faults::default()
    });
    pair.login_with(&[("DataDigest", "CRC32C")]);
    let (_, cmd) = pair
        .init
        .command(read10(0, 1), true, false, 512, Bytes::new(), true);
    pair.send(&cmd);
    let mut bytes = pair.transmit();
    let frame = pair.init.framer.decode(&mut bytes).unwrap().unwrap();
    assert!(matches!(frame, Frame::DataDigestError { .. }), "{frame:?}");
}

#[test]
fn delay_every_response() {
    let mut pair = with_faults(Faults {
        delay: Some(Duration::from_millis(300)),
        ..Faults::default()
    });
    let itt = pair.init.itt();
    let req = pair.init.login_request(
        itt,
        iscsi_proto::wire::Stage::LoginOperationalNegotiation,
        Some(iscsi_proto::wire::Stage::FullFeaturePhase),
        &[
            ("InitiatorName", crate::support::INITIATOR),
            ("TargetName", iscsi_test_target::DEFAULT_TARGET_NAME),
        ],
    );
    assert!(pair.exchange(&req).is_empty());
    let at = pair.conn.poll_timeout().unwrap();
    assert_eq!(at, pair.now + Duration::from_millis(300));
    pair.now = at;
    assert_eq!(pair.recv().len(), 1);
}

#[test]
fn hold_a_task_until_released() {
    let mut pair = with_faults(Faults {
        hold_command: Some(1),
        ..Faults::default()
    });
    pair.login();
    let (a, first) = tur(&mut pair);
    let (b, second) = tur(&mut pair);
    assert!(pair.exchange(&first).is_empty());
    let replies = pair.exchange(&second);
    assert_eq!(replies[0].header.itt(), b);
    pair.target.release_held();
    let replies = pair.recv();
    assert_eq!(replies[0].header.itt(), a);
}

#[test]
fn reject_nth_command_keeps_its_cmd_sn() {
    let mut pair = with_faults(Faults {
        reject_command: Some((1, RejectReason::CommandNotSupported)),
        ..Faults::default()
    });
    pair.login();
    let cmd_sn = pair.init.cmd_sn;
    let (itt, cmd) = tur(&mut pair);
    let replies = pair.exchange(&cmd);
    let Header::Reject(r) = replies[0].header else {
        panic!("{replies:?}")
    };
    assert_eq!(r.reason, RejectReason::CommandNotSupported);
    assert_eq!(r.exp_cmd_sn, cmd_sn, "the rejected CmdSN is not consumed");
    let rejected = iscsi_proto::wire::Reject::rejected_bhs(&replies[0].data).unwrap();
    assert_eq!(rejected.itt(), itt);
    // A retry with the same CmdSN is executed.
    let replies = pair.exchange(&cmd);
    let Header::ScsiResponse(s) = replies[0].header else {
        panic!()
    };
    assert_eq!((s.itt, s.exp_cmd_sn), (itt, cmd_sn.next()));
}

#[test]
fn answer_out_of_order() {
    let mut pair = with_faults(Faults {
        reorder_completions: Some(3),
        ..Faults::default()
    });
    pair.login();
    let mut itts = Vec::new();
    for _ in 0..3 {
        let (itt, cmd) = tur(&mut pair);
        itts.push(itt);
        pair.send(&cmd);
    }
    let replies = pair.recv();
    itts.reverse();
    assert_eq!(
        replies.iter().map(|p| p.header.itt()).collect::<Vec<_>>(),
        itts
    );
    // StatSN still increases on the wire.
    let sns: Vec<u32> = replies
        .iter()
        .map(|p| match p.header {
            Header::ScsiResponse(r) => r.stat_sn.get(),
            _ => panic!(),
        })
        .collect();
    assert!(sns.windows(2).all(|w| w[1] == w[0] + 1));
}

#[test]
fn stall_sends_nothing_until_lifted() {
    let mut pair = Pair::new(TargetConfig::default());
    pair.login();
    pair.target.set_stall(true);
    let (_, cmd) = tur(&mut pair);
    assert!(pair.exchange(&cmd).is_empty());
    assert!(!pair.conn.is_closed());
    pair.target.set_stall(false);
    assert_eq!(pair.recv().len(), 1);
}

#[test]
fn close_and_reopen_the_window() {
    let mut pair = Pair::new(TargetConfig::default());
    pair.login();
    pair.target.set_window_closed(true);
    let replies = pair.recv();
    let Header::NopIn(n) = replies[0].header else {
        panic!("{replies:?}")
    };
    assert_eq!(n.max_cmd_sn, n.exp_cmd_sn.prev());
    assert!(n.itt.is_reserved() && n.ttt.is_reserved());
    let (_, cmd) = tur(&mut pair);
    assert!(pair.exchange(&cmd).is_empty());
    assert_eq!(
        pair.target.violations()[0].kind,
        ViolationKind::CmdSnOutOfWindow
    );
    pair.target.set_window_closed(false);
    let Header::NopIn(n) = pair.recv()[0].header else {
        panic!()
    };
    assert_eq!(n.max_cmd_sn, n.exp_cmd_sn.add(31));
    // Per-connection switch.
    pair.conn.set_window_closed(true);
    let Header::NopIn(n) = pair.recv()[0].header else {
        panic!()
    };
    assert_eq!(n.max_cmd_sn, n.exp_cmd_sn.prev());
}

#[test]
fn data_in_data_sn_gap() {
    let mut pair = with_faults(Faults {
        data_in_skip_data_sn: Some(2),
        ..Faults::default()
    });
    pair.login_with(&[("MaxRecvDataSegmentLength", "512")]);
    let (_, cmd) = pair
        .init
        .command(read10(0, 3), true, false, 1536, Bytes::new(), true);
    let sns: Vec<u32> = pair
        .exchange(&cmd)
        .iter()
        .map(|p| match p.header {
            Header::DataIn(d) => d.data_sn.get(),
            _ => panic!(),
        })
        .collect();
    assert_eq!(sns, [0, 2, 3]);
}

#[test]
fn mangle_a_sent_header() {
    // Status byte (3) of the first SCSI Response becomes CHECK CONDITION.
    let mut pair = with_faults(Faults {
        mangle: Some(Mangle::write_byte(Opcode::ScsiResponse, 1, 3, 0x02)),
        ..Faults::default()
    });
    pair.login();
    let (_, cmd) = tur(&mut pair);
    let Header::ScsiResponse(r) = pair.exchange(&cmd)[0].header else {
        panic!()
    };
    assert_eq!(r.status, ScsiStatus::CheckCondition);
    // The capture log keeps the header as intended.
    let sent = pair.target.sent();
    let Header::ScsiResponse(intended) = sent.last().unwrap().header else {
        panic!()
    };
    assert_eq!(intended.status, ScsiStatus::Good);
}

#[test]
fn forced_tmf_response() {
    let mut pair = with_faults(Faults {
        tmf_response: Some(TmfResponse::FunctionRejected),
        ..Faults::default()
    });
    pair.login();
    let itt = pair.init.itt();
    let req = iscsi_proto::wire::TaskMgmtRequest {
        immediate: true,
        function: TmfFunction::LogicalUnitReset,
        lun: Default::default(),
        itt,
        referenced_task_tag: iscsi_proto::wire::Itt::RESERVED,
        cmd_sn: pair.init.cmd_sn,
        exp_stat_sn: pair.init.exp_stat_sn,
        ref_cmd_sn: pair.init.cmd_sn,
        exp_data_sn: Default::default(),
    };
    let Header::TaskMgmtResponse(r) =
        pair.exchange(&iscsi_proto::wire::Pdu::new(req, Bytes::new()))[0].header
    else {
        panic!()
    };
    assert_eq!(r.response, TmfResponse::FunctionRejected);
}

#[test]
fn data_digest_error_from_initiator_is_rejected() {
    let mut pair = Pair::new(TargetConfig::default());
    pair.login_with(&[("DataDigest", "CRC32C")]);
    let (_, ping) = pair.init.ping(Bytes::from_static(b"abcd"));
    let mut bytes: BytesMut = pair.init.encode(&ping);
    let last = bytes.len() - 1;
    bytes[last] ^= 0xff;
    pair.send_bytes(&bytes);
    let replies = pair.recv();
    let Header::Reject(r) = replies[0].header else {
        panic!("{replies:?}")
    };
    assert_eq!(r.reason, RejectReason::DataDigestError);
    assert_eq!(pair.target.violations()[0].kind, ViolationKind::DataDigest);
}

#[test]
fn per_connection_faults_leave_others_alone() {
    let mut pair = Pair::new(TargetConfig::default());
    pair.login();
    pair.conn.set_stall(true);
    let mut other = Pair::with_target(&pair.target);
    other.login();
    let (_, cmd) = tur(&mut pair);
    assert!(pair.exchange(&cmd).is_empty());
    let (_, cmd) = tur(&mut other);
    assert_eq!(other.exchange(&cmd).len(), 1);
}

#[test]
fn session_reinstatement_drops_the_old_connection() {
    let mut old = Pair::new(TargetConfig::default());
    old.login();
    let mut new = Pair::with_target(&old.target);
    new.login(); // same InitiatorName and ISID, TSIH 0
    assert!(old.recv().is_empty());
    assert!(old.conn.is_closed());
    assert!(!new.conn.is_closed());
}
