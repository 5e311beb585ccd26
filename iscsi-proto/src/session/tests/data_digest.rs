//! Data digest errors on Data-In at ERL 0 (RFC 7143 §7.8): the task fails, the connection
//! does not.

use super::*;

/// Both digests on, so a data digest error is reported with a trustworthy header.
fn digest_config() -> SessionConfig {
    SessionConfig {
        digests: Digests {
            header: true,
            data: true,
        },
        nop_interval: None,
        ..SessionConfig::rfc_defaults()
    }
}

/// The target's encoder, with the same digests.
fn target_framer() -> Framer {
    let mut tx = Framer::new(Limits {
        max_recv_data_segment_length: 1 << 20,
        max_send_data_segment_length: 1 << 20,
    });
    tx.set_digests(digest_config().digests);
    tx
}

/// Offset of the first data byte of a PDU without AHS: BHS and header digest.
const FIRST_DATA_BYTE: usize = 48 + 4;

#[test]
fn bad_digest_on_the_first_of_two_data_ins_fails_only_that_task() {
    const HALF: u32 = 4096;
    let mut h = Harness::new(digest_config());
    let lost = h
        .session
        .submit(
            h.now,
            ScsiRequest::read(Lun::default(), read_cdb(), 2 * HALF),
        )
        .unwrap();
    let other = h
        .session
        .submit(h.now, ScsiRequest::read(Lun::default(), read_cdb(), HALF))
        .unwrap();
    h.sent();
    let tx = target_framer();
    let mut wire = BytesMut::new();
    let first = h.data_in(lost.itt(), 0, 0, None);
    tx.encode(&Pdu::new(first, pattern(HALF as usize)), &mut wire)
        .unwrap();
    wire[FIRST_DATA_BYTE] ^= 0xff;
    let good = DataInStatus {
        status: ScsiStatus::Good,
        stat_sn: h.next_stat_sn(),
        residual: Residual::Exact,
    };
    let second = h.data_in(lost.itt(), 1, HALF, Some(good));
    tx.encode(&Pdu::new(second, pattern(HALF as usize)), &mut wire)
        .unwrap();
    let good = DataInStatus {
        stat_sn: h.next_stat_sn(),
        ..good
    };
    let data = pattern(HALF as usize);
    tx.encode(
        &Pdu::new(h.data_in(other.itt(), 0, 0, Some(good)), data.clone()),
        &mut wire,
    )
    .unwrap();
    h.session.handle_read(h.now, &mut wire);
    let events = h.events();
    assert_eq!(
        events,
        vec![
            Event::DataIn {
                task: lost,
                offset: HALF,
                data: pattern(HALF as usize),
            },
            Event::TaskFailed {
                task: lost,
                error: TaskError::DataLost,
            },
            Event::DataIn {
                task: other,
                offset: 0,
                data,
            },
            Event::ScsiComplete {
                task: other,
                outcome: ScsiOutcome {
                    response: ScsiResponseCode::CommandCompleted,
                    status: ScsiStatus::Good,
                    sense: None,
                    residual: Residual::Exact,
                    bidi_read_residual: Residual::Exact,
                    read_bytes: HALF,
                },
            },
        ]
    );
    assert_eq!(
        h.session.state(),
        SessionState::Active,
        "the connection survives"
    );
}

#[test]
fn lost_data_beyond_the_read_length_still_fails_the_connection() {
    const READ_LENGTH: u32 = 4096;
    let mut h = Harness::new(digest_config());
    let task = h
        .session
        .submit(
            h.now,
            ScsiRequest::read(Lun::default(), read_cdb(), READ_LENGTH),
        )
        .unwrap();
    h.sent();
    let mut wire = BytesMut::new();
    let d = h.data_in(task.itt(), 0, 0, None);
    target_framer()
        .encode(&Pdu::new(d, pattern(READ_LENGTH as usize + 4)), &mut wire)
        .unwrap();
    wire[FIRST_DATA_BYTE] ^= 0xff;
    h.session.handle_read(h.now, &mut wire);
    match &h.events()[..] {
        [
            Event::ConnectionFailed {
                reason, unfinished, ..
            },
        ] => {
            assert_eq!(
                *reason,
                FailureReason::Protocol(ProtocolError::OffsetOutOfRange {
                    what: "Data-In data"
                })
            );
            assert_eq!(unfinished, &[task]);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_window_a_lost_data_in_opens_admits_waiting_commands() {
    let mut h = Harness::new(digest_config());
    // Login left a window of one command: CmdSN 100.
    h.session = Session::new(
        digest_config(),
        SessionStart {
            max_cmd_sn: CmdSn::new(100),
            ..start()
        },
        h.now,
    );
    let read = h
        .session
        .submit(h.now, ScsiRequest::read(Lun::default(), read_cdb(), 512))
        .unwrap();
    let waiting = h
        .session
        .submit(h.now, ScsiRequest::no_data(Lun::default(), vec![0u8; 6]))
        .unwrap();
    assert_eq!(h.sent().len(), 1, "the second command waits for the window");
    (h.exp_cmd_sn, h.max_cmd_sn) = (101, 101);
    let status = DataInStatus {
        status: ScsiStatus::Good,
        stat_sn: h.next_stat_sn(),
        residual: Residual::Exact,
    };
    let mut wire = BytesMut::new();
    target_framer()
        .encode(
            &Pdu::new(h.data_in(read.itt(), 0, 0, Some(status)), pattern(512)),
            &mut wire,
        )
        .unwrap();
    wire[FIRST_DATA_BYTE] ^= 0xff;
    h.session.handle_read(h.now, &mut wire);
    let sent = h.sent();
    assert_eq!(sent.len(), 1, "sent on the window the lost Data-In opened");
    assert_eq!(scsi_command(&sent[0]).itt, waiting.itt());
    assert_eq!(scsi_command(&sent[0]).cmd_sn, CmdSn::new(101));
}
