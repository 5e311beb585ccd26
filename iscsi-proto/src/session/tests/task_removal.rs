//! A task that ends while Data-Out for it is queued takes that Data-Out with it: nothing is
//! sent for a task the target has terminated or completed.

use super::*;

/// Bytes each write transfers: more than its immediate data.
const LEN: u32 = 16 * 1024;

/// Submits writes of `LEN` bytes to `luns` and answers each command with an R2T for the
/// rest after its immediate data, leaving the Data-Out queued (not yet polled).
fn writes_with_r2t(h: &mut Harness, luns: &[Lun]) -> Vec<TaskId> {
    let tasks: Vec<TaskId> = luns
        .iter()
        .map(|&lun| {
            h.session
                .submit(
                    h.now,
                    ScsiRequest::write(lun, write_cdb(), pattern(LEN as usize)),
                )
                .unwrap()
        })
        .collect();
    assert_eq!(
        h.sent().len(),
        luns.len(),
        "the commands with immediate data"
    );
    let immediate = h.session.config().limits.max_send_data_segment_length;
    for (task, &lun) in tasks.iter().zip(luns) {
        let mut r2t = h.r2t(task.itt(), 0x77, 0, immediate, LEN - immediate);
        r2t.lun = lun;
        h.deliver(r2t, Bytes::new());
    }
    tasks
}

/// The ITTs of the Data-Out PDUs the session sends now.
fn data_out_itts(h: &mut Harness) -> Vec<Itt> {
    h.sent().iter().map(|pdu| data_out(pdu).itt).collect()
}

#[test]
fn terminated_task_sends_no_queued_data_out() {
    let mut h = Harness::default();
    let tasks = writes_with_r2t(&mut h, &[Lun::default(), Lun::from_index(1).unwrap()]);
    let [terminated, kept] = tasks[..] else {
        panic!("{tasks:?}")
    };
    let msg = AsyncMessage {
        itt: Itt::RESERVED,
        lun: Lun::default(),
        stat_sn: h.next_stat_sn(),
        exp_cmd_sn: CmdSn::new(h.exp_cmd_sn),
        max_cmd_sn: CmdSn::new(h.max_cmd_sn),
        event: AsyncEvent::TaskTermination,
        vcode: 0,
        parameter1: 0,
        parameter2: 0,
        parameter3: 0,
    };
    h.deliver(msg, Bytes::new());
    assert_eq!(
        h.events(),
        vec![Event::TaskFailed {
            task: terminated,
            error: TaskError::Aborted
        }]
    );
    assert_eq!(data_out_itts(&mut h), vec![kept.itt()]);
}

#[test]
fn task_completed_early_sends_no_queued_data_out() {
    let mut h = Harness::default();
    let task = writes_with_r2t(&mut h, &[Lun::default()])[0];
    let resp = h.scsi_response(task.itt(), ScsiStatus::CheckCondition, 0);
    h.deliver(resp, Bytes::from_static(&[0, 0]));
    assert!(matches!(
        &h.events()[..],
        [Event::ScsiComplete { task: t, .. }] if *t == task
    ));
    assert_eq!(data_out_itts(&mut h), vec![]);
}
