//! Scenario tests on the sans-IO [`Pair`]: `iscsi-proto`'s login machine and `Session`
//! against this crate's sans-IO core, in virtual time, with a bounded drive loop (a
//! livelock fails the test instead of hanging it). No sockets, no real clock.
#![allow(clippy::indexing_slicing, clippy::disallowed_methods)]

use std::time::Duration;

use bytes::Bytes;
use iscsi_proto::{
    session::{Event, FailureReason, ScsiRequest, Session},
    wire::{DataOut, Header, Lun, Opcode, Ttt},
};
use iscsi_test_target::{Faults, TargetConfig, pair::Pair};

/// Drives `pair` until `done` holds, failing the test with the events seen so far.
fn drive(pair: &mut Pair, done: impl FnMut(&mut Pair) -> bool) {
    if let Err(e) = pair.drive_until(done) {
        panic!("{e}; events {:?}", pair.events);
    }
}

fn write16(lba: u64, blocks: u32) -> Bytes {
    let mut cdb = vec![0x8a, 0];
    cdb.extend_from_slice(&lba.to_be_bytes());
    cdb.extend_from_slice(&blocks.to_be_bytes());
    cdb.extend_from_slice(&[0, 0]);
    cdb.into()
}

fn read16(lba: u64, blocks: u32) -> Bytes {
    let mut cdb = write16(lba, blocks).to_vec();
    cdb[0] = 0x88;
    cdb.into()
}

fn pattern(len: usize) -> Bytes {
    (0..len)
        .map(|i| (i * 7 % 253) as u8)
        .collect::<Vec<_>>()
        .into()
}

fn big_target() -> TargetConfig {
    let mut c = TargetConfig::default();
    c.targets[0].lus[0].blocks = 32 * 1024; // 16 MiB of 512-byte blocks
    c.params.max_burst_length = 256 * 1024;
    c.params.first_burst_length = 64 * 1024;
    c.params.max_outstanding_r2t = 4;
    c.params.max_recv_data_segment_length = 32 * 1024;
    c
}

#[test]
fn eight_mib_write_over_the_pair_lands_with_no_violations() {
    let mut pair = Pair::connect(big_target(), |op| {
        op.max_burst_length = 256 * 1024;
        op.first_burst_length = 64 * 1024;
        op.max_outstanding_r2t = 4;
        op.immediate_data = true;
        op.initial_r2t = true;
    })
    .expect("login");
    let data = pattern(8 << 20);
    pair.session
        .submit(
            pair.now,
            ScsiRequest::write(Lun::default(), write16(0, 16_384), data.clone()),
        )
        .unwrap();
    drive(&mut pair, |p| p.completed(1));
    assert!(
        matches!(pair.events.last(), Some(Event::ScsiComplete { .. })),
        "{:?}",
        pair.events.last()
    );
    assert!(
        pair.target.violations().is_empty(),
        "{:?}",
        pair.target.violations()
    );
    let lu = pair.target.first_lu(0).expect("LU 0");
    assert!(lu.read(0, data.len()).expect("in range") == data[..]);
    // Every Data-Out answers an R2T (InitialR2T=Yes): TTT set, at most 32 KiB, F per burst.
    let outs: Vec<(DataOut, usize)> = pair
        .target
        .captured()
        .into_iter()
        .filter_map(|p| match p.header {
            Header::DataOut(d) => Some((d, p.data.len())),
            _ => None,
        })
        .collect();
    assert_eq!(
        outs.iter().map(|(_, n)| n).sum::<usize>(),
        (8 << 20) - 32 * 1024
    );
    assert!(
        outs.iter()
            .all(|(d, n)| d.ttt != Ttt::RESERVED && *n <= 32 * 1024)
    );
    assert_eq!(
        outs.iter().filter(|(d, _)| d.final_pdu).count(),
        32,
        "one F per 256 KiB burst"
    );
}

#[test]
fn reads_arrive_in_order_across_many_data_ins() {
    let mut pair =
        Pair::connect(big_target(), |op| op.max_recv_data_segment_length = 8192).expect("login");
    let data = pattern(1 << 20);
    pair.target.first_lu(0).unwrap().write(4096 * 512, &data);
    pair.session
        .submit(
            pair.now,
            ScsiRequest::read(Lun::default(), read16(4096, 2048), 1 << 20),
        )
        .unwrap();
    drive(&mut pair, |p| p.completed(1));
    let mut got = Vec::new();
    for e in &pair.events {
        if let Event::DataIn { offset, data, .. } = e {
            assert_eq!(*offset as usize, got.len(), "offsets in order");
            got.extend_from_slice(data);
        }
    }
    assert!(got == data[..]);
    let data_ins = pair
        .target
        .sent()
        .iter()
        .filter(|p| p.header.opcode() == Opcode::DataIn)
        .count();
    assert_eq!(data_ins, 128, "1 MiB in 8 KiB Data-In PDUs");
}

#[test]
fn many_concurrent_tasks_through_a_small_window() {
    let mut config = big_target();
    config.cmd_window = 4;
    let mut pair = Pair::connect(config, |_| {}).expect("login");
    for i in 0..64u64 {
        let req = ScsiRequest::write(Lun::default(), write16(i * 16, 16), pattern(8192));
        pair.session.submit(pair.now, req).unwrap();
    }
    drive(&mut pair, |p| p.completed(64));
    let done = pair
        .events
        .iter()
        .filter(|e| matches!(e, Event::ScsiComplete { .. }))
        .count();
    assert_eq!(done, 64);
    assert!(
        pair.target.violations().is_empty(),
        "{:?}",
        pair.target.violations()
    );
}

#[test]
fn data_sn_gap_fault_ends_in_a_typed_failure_with_the_task_unfinished() {
    let mut config = big_target();
    config.faults = Faults {
        data_in_skip_data_sn: Some(1),
        ..Faults::default()
    };
    let mut pair =
        Pair::connect(config, |op| op.max_recv_data_segment_length = 8192).expect("login");
    let task = pair
        .session
        .submit(
            pair.now,
            ScsiRequest::read(Lun::default(), read16(0, 64), 32_768),
        )
        .unwrap();
    drive(&mut pair, |p| {
        p.events
            .iter()
            .any(|e| matches!(e, Event::ConnectionFailed { .. }))
    });
    assert!(
        pair.events
            .iter()
            .all(|e| !matches!(e, Event::ScsiComplete { .. })),
        "never done"
    );
    assert_eq!(pair.session.take_unfinished()[0].0, task);
}

#[test]
fn dropped_connection_mid_write_never_reports_done() {
    let mut config = big_target();
    config.faults = Faults {
        drop_after_received: Some(10),
        ..Faults::default()
    };
    let mut pair = Pair::connect(config, |op| op.initial_r2t = true).expect("login");
    let task = pair
        .session
        .submit(
            pair.now,
            ScsiRequest::write(Lun::default(), write16(0, 4096), pattern(2 << 20)),
        )
        .unwrap();
    drive(&mut pair, |p| {
        p.events.iter().any(|e| {
            matches!(
                e,
                Event::ConnectionFailed {
                    reason: FailureReason::ConnectionLost,
                    ..
                }
            )
        })
    });
    assert!(
        pair.events
            .iter()
            .all(|e| !matches!(e, Event::ScsiComplete { .. }))
    );
    assert_eq!(pair.session.take_unfinished()[0].0, task);
}

#[test]
fn stalled_target_is_detected_by_keepalive_in_virtual_time() {
    let mut pair = Pair::connect(big_target(), |_| {}).expect("login");
    pair.session = {
        // Same session start, with keep-alive on (5 s / 5 s).
        let mut cfg = pair.session.config().clone();
        cfg.nop_interval = Some(Duration::from_secs(5));
        Session::new(cfg, *pair.session.start(), pair.now)
    };
    pair.target.set_stall(true);
    let start = pair.now;
    drive(&mut pair, |p| {
        p.events.iter().any(|e| {
            matches!(
                e,
                Event::ConnectionFailed {
                    reason: FailureReason::NopTimeout,
                    ..
                }
            )
        })
    });
    let elapsed = pair.now.duration_since(start);
    assert!(
        elapsed >= Duration::from_secs(10) && elapsed < Duration::from_secs(11),
        "{elapsed:?}"
    );
}
