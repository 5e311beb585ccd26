//! Sense data in SCSI Responses and SCSI asynchronous events: one set of SenseLength rules
//! (RFC 7143 §11.4.7, §11.9.4).

use super::*;

/// A data segment: SenseLength, the given sense bytes, then `trailer` (response or event
/// data), with SenseLength set to `sense_length`.
fn segment(sense_length: u16, sense: &[u8], trailer: &[u8]) -> Bytes {
    [&sense_length.to_be_bytes()[..], sense, trailer]
        .concat()
        .into()
}

fn scsi_event(h: &mut Harness) -> AsyncMessage {
    AsyncMessage {
        itt: Itt::RESERVED,
        lun: Lun::from_index(2).unwrap(),
        stat_sn: h.next_stat_sn(),
        exp_cmd_sn: CmdSn::new(h.exp_cmd_sn),
        max_cmd_sn: CmdSn::new(h.max_cmd_sn),
        event: AsyncEvent::ScsiEvent,
        vcode: 0,
        parameter1: 0,
        parameter2: 0,
        parameter3: 0,
    }
}

fn format_error(events: &[Event]) -> bool {
    matches!(
        events,
        [Event::ConnectionFailed {
            reason: FailureReason::Protocol(ProtocolError::Format(_)),
            ..
        }]
    )
}

#[test]
fn scsi_event_sense_stops_at_sense_length() {
    let mut h = Harness::default();
    let msg = scsi_event(&mut h);
    h.deliver(msg, segment(3, &[0x70, 0, 6], &[0xee, 0xee]));
    assert_eq!(
        h.events(),
        vec![Event::ScsiAsyncEvent {
            lun: Lun::from_index(2).unwrap(),
            sense: Bytes::from_static(&[0x70, 0, 6]),
        }]
    );
    let msg = scsi_event(&mut h);
    h.deliver(msg, Bytes::new());
    assert_eq!(
        h.events(),
        vec![Event::ScsiAsyncEvent {
            lun: Lun::from_index(2).unwrap(),
            sense: Bytes::new(),
        }],
        "an empty segment has no sense data"
    );
}

#[test]
fn scsi_event_sense_length_beyond_the_segment_is_a_format_error() {
    let mut h = Harness::default();
    let msg = scsi_event(&mut h);
    h.deliver(msg, segment(5, &[0x70, 0, 6], &[]));
    assert!(format_error(&h.events()));
}

#[test]
fn check_condition_sense_length_rules() {
    let mut h = Harness::default();
    let submit = |h: &mut Harness| {
        let task = h
            .session
            .submit(h.now, ScsiRequest::no_data(Lun::default(), vec![0u8; 6]))
            .unwrap();
        h.sent();
        h.scsi_response(task.itt(), ScsiStatus::CheckCondition, 0)
    };
    // Response data after the sense is not sense.
    let resp = submit(&mut h);
    h.deliver(resp, segment(3, &[0x70, 0, 6], &[0xee]));
    match &h.events()[..] {
        [Event::ScsiComplete { outcome, .. }] => {
            assert_eq!(outcome.sense.as_deref(), Some(&[0x70, 0, 6][..]));
        }
        other => panic!("{other:?}"),
    }
    // SenseLength 0: completed, without sense data.
    let resp = submit(&mut h);
    h.deliver(resp, segment(0, &[], &[]));
    match &h.events()[..] {
        [Event::ScsiComplete { outcome, .. }] => assert_eq!(outcome.sense, None),
        other => panic!("{other:?}"),
    }
    // A segment too short for SenseLength, or for the sense it announces.
    for data in [Bytes::from_static(&[0]), segment(4, &[0x70, 0, 6], &[])] {
        let mut h = Harness::default();
        let resp = submit(&mut h);
        h.deliver(resp, data.clone());
        assert!(format_error(&h.events()), "{data:?}");
    }
}
