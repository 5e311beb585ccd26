//! What the initiator sends: admission through the command window, SCSI command PDUs with
//! immediate data, unsolicited and solicited Data-Out, and control PDUs.

use std::time::Instant;

use bytes::{Bytes, BytesMut};

use super::{
    ApiMisuse, Session, SessionState, TaskId,
    task::{DataOutJob, Task, TaskKind},
};
use crate::{
    framing::SplitData,
    wire::{
        AhsSegment, CmdSn, DataOut, DataSn, Itt, LogoutReason, LogoutRequest, Lun, NopIn, NopOut,
        Pdu, ScsiCommand, TaskMgmtRequest, TextRequest, TmfFunction, Ttt,
    },
};

/// Bytes gathered into one write before `poll_transmit` returns, so a long queue of small
/// PDUs goes out in a few syscalls without unbounded buffering.
const TX_BATCH: usize = 256 * 1024;

/// One call's output from [`Session::poll_transmit`].
#[derive(Debug)]
pub struct Transmit {
    /// A large data segment to write after the bytes put in `dst` (then its tail), without
    /// copying it.
    pub split: Option<SplitData>,
}

impl Session {
    /// Encodes every queued PDU as buffers for one vectored write, appended to `out` in
    /// order: the encoded bytes are split off `buf`, and large data segments are the
    /// caller's own `Bytes`, not copied. Padding and data digest (at most 7 bytes) go in
    /// front of whatever is encoded next rather than in a buffer of their own. Returns
    /// whether anything was appended. [`Session::poll_transmit`] in a loop, for callers
    /// that write with `writev`.
    pub fn transmit_into(
        &mut self,
        now: Instant,
        buf: &mut BytesMut,
        out: &mut Vec<Bytes>,
    ) -> bool {
        let before = out.len();
        while let Some(t) = self.poll_transmit(now, buf) {
            if let Some(split) = t.split {
                out.push(buf.split().freeze());
                out.push(split.data);
                buf.extend_from_slice(split.tail.as_slice());
            }
        }
        if !buf.is_empty() {
            out.push(buf.split().freeze());
        }
        out.len() > before
    }

    /// Encodes queued PDUs into `dst`. Returns `None` when nothing was queued. Otherwise
    /// write `dst`, then `split` if any (its data, then its tail), and call again.
    pub fn poll_transmit(&mut self, now: Instant, dst: &mut BytesMut) -> Option<Transmit> {
        let _ = now;
        let start = dst.len();
        while dst.len() - start < TX_BATCH {
            let Some(pdu) = self.next_pdu() else { break };
            self.counters.pdus_sent += 1;
            match self.framer.encode_split(&pdu, dst) {
                Ok(None) => {}
                Ok(Some(split)) => return Some(Transmit { split: Some(split) }),
                Err(e) => {
                    // Only a bug of ours can make an outgoing PDU unencodable: every data
                    // segment is sized by the target's MaxRecvDataSegmentLength.
                    tracing::error!(error = %e, opcode = ?pdu.header.opcode(), "dropping unencodable PDU");
                }
            }
        }
        (dst.len() > start).then_some(Transmit { split: None })
    }

    /// The next PDU to send: control and command PDUs first, then Data-Out.
    fn next_pdu(&mut self) -> Option<Pdu> {
        if let Some(pdu) = self.out.pop_front() {
            return Some(pdu);
        }
        let job = self.jobs.front_mut()?;
        // Session::drop_task removes a task's jobs with the task.
        debug_assert!(
            self.tasks.get(job.itt).is_some(),
            "Data-Out for an ended task"
        );
        let max = self.config.limits.max_send_data_segment_length;
        let len = (job.end - job.offset).min(max);
        let end = job.offset + len;
        let header = DataOut {
            final_pdu: end == job.end,
            lun: job.lun,
            itt: job.itt,
            ttt: job.ttt,
            exp_stat_sn: self.exp_stat_sn,
            data_sn: job.next_data_sn,
            buffer_offset: job.offset,
        };
        let data = job.data.slice(job.offset as usize..end as usize);
        job.offset = end;
        job.next_data_sn = job.next_data_sn.next();
        let (itt, burst_done, solicited) = (job.itt, end == job.end, job.solicited);
        if burst_done {
            self.jobs.pop_front();
        }
        if let Some(Task {
            kind: TaskKind::Scsi(scsi),
            ..
        }) = self.tasks.get_mut(itt)
        {
            scsi.write.sent = scsi.write.sent.saturating_add(len);
            if burst_done && solicited {
                scsi.write.outstanding_r2t = scsi.write.outstanding_r2t.saturating_sub(1);
            }
        }
        Some(Pdu::new(header, data))
    }

    /// Sends waiting non-immediate commands while the window is open.
    pub(super) fn admit(&mut self, now: Instant) {
        while self.state == SessionState::Active && self.window.is_open() {
            let Some(itt) = self.pending.pop_front() else {
                break;
            };
            self.queue_scsi_command(itt);
        }
        self.maybe_logout_early(now);
    }

    /// Gives a waiting task the next CmdSN and builds its SCSI Command PDU, with immediate
    /// data and the unsolicited Data-Out burst it allows (RFC 7143 §13.10, §13.11, §13.14).
    /// A task that ended while it waited takes no CmdSN.
    fn queue_scsi_command(&mut self, itt: Itt) {
        let cfg = &self.config;
        let target_mrdsl = cfg.limits.max_send_data_segment_length;
        let Some(task) = self.tasks.get_mut(itt) else {
            return;
        };
        let cmd_sn = self.window.take();
        task.cmd_sn = Some(cmd_sn);
        let TaskKind::Scsi(scsi) = &mut task.kind else {
            return;
        };
        let req = &scsi.request;
        // Checked at submit: the write data fits 32 bits.
        let write_len = u32::try_from(req.write_data.len()).unwrap_or(u32::MAX);
        let unsolicited = if write_len > 0 && (cfg.immediate_data || !cfg.initial_r2t) {
            write_len.min(cfg.first_burst_length)
        } else {
            0
        };
        let immediate = if cfg.immediate_data {
            unsolicited.min(target_mrdsl)
        } else {
            0
        };
        // §13.11, §13.14: non-immediate unsolicited data totals FirstBurstLength (or
        // all the data if less), counting the immediate data.
        let data_out = if cfg.initial_r2t {
            0
        } else {
            unsolicited - immediate
        };
        let mut cdb = [0u8; 16];
        let head = req.cdb.len().min(16);
        cdb[..head].copy_from_slice(&req.cdb[..head]);
        let header = ScsiCommand {
            immediate: false,
            final_pdu: data_out == 0,
            read: req.read_length > 0,
            write: write_len > 0,
            task_attribute: req.attribute,
            lun: req.lun,
            itt,
            expected_data_transfer_length: if write_len > 0 {
                write_len
            } else {
                req.read_length
            },
            cmd_sn,
            exp_stat_sn: self.exp_stat_sn,
            cdb,
        };
        let mut pdu = Pdu::new(header, req.write_data.slice(..immediate as usize));
        if req.cdb.len() > 16 {
            pdu.ahs.0.push(AhsSegment::extended_cdb(&req.cdb[16..]));
        }
        if write_len > 0 && req.read_length > 0 {
            pdu.ahs
                .0
                .push(AhsSegment::bidi_read_length(req.read_length));
        }
        if data_out > 0 {
            self.jobs.push_back(DataOutJob {
                itt,
                // §11.7.4: without a Target Transfer Tag the LUN field is reserved (zero).
                lun: Lun::default(),
                ttt: Ttt::RESERVED,
                data: req.write_data.clone(),
                offset: immediate,
                end: unsolicited,
                next_data_sn: DataSn::new(0),
                solicited: false,
            });
        }
        // The unsolicited Data-Out counts as sent as each PDU is built (`next_pdu`).
        scsi.write.sent = immediate;
        scsi.write.covered = immediate + data_out;
        self.out.push_back(pdu);
    }

    /// Queues an immediate TMF (RFC 7143 §11.5): it carries the CmdSN the next command will
    /// get, and does not advance it.
    pub(super) fn send_tmf(
        &mut self,
        _now: Instant,
        function: TmfFunction,
        lun: Lun,
        referenced: Option<(Itt, CmdSn)>,
        escalation: bool,
    ) -> Result<TaskId, ApiMisuse> {
        let cmd_sn = self.window.next();
        let task = Task {
            kind: TaskKind::Tmf {
                function,
                lun,
                referenced: referenced.map(|(itt, _)| itt),
                escalation,
            },
            cmd_sn: Some(cmd_sn),
            immediate: true,
        };
        let id = self.tasks.insert(task).ok_or(ApiMisuse::TaskTableFull)?;
        let lun_scoped = matches!(
            function,
            TmfFunction::AbortTask
                | TmfFunction::AbortTaskSet
                | TmfFunction::ClearAca
                | TmfFunction::ClearTaskSet
                | TmfFunction::LogicalUnitReset
        );
        self.out.push_back(Pdu::new(
            TaskMgmtRequest {
                immediate: true,
                function,
                lun: if lun_scoped { lun } else { Lun::default() },
                itt: id.0,
                // §11.5.4: the referenced task's ITT for ABORT TASK, reserved otherwise.
                referenced_task_tag: referenced.map_or(Itt::RESERVED, |(itt, _)| itt),
                cmd_sn,
                exp_stat_sn: self.exp_stat_sn,
                // §11.5.5: RefCmdSN is the referenced task's CmdSN.
                ref_cmd_sn: referenced.map_or(CmdSn::new(0), |(_, sn)| sn),
                exp_data_sn: DataSn::new(0),
            },
            Bytes::new(),
        ));
        Ok(id)
    }

    /// Queues an immediate NOP-Out ping that expects a NOP-In.
    pub(super) fn send_ping(
        &mut self,
        now: Instant,
        data: Bytes,
        keepalive: bool,
    ) -> Result<TaskId, ApiMisuse> {
        if data.len() > self.config.limits.max_send_data_segment_length as usize {
            return Err(ApiMisuse::Invalid(
                "ping data longer than the target's MaxRecvDataSegmentLength",
            ));
        }
        let cmd_sn = self.window.next();
        let task = Task {
            kind: TaskKind::Ping { keepalive },
            cmd_sn: Some(cmd_sn),
            immediate: true,
        };
        let id = if keepalive {
            // At most one keep-alive ping is outstanding (`Keepalive::ping`).
            let id = self.tasks.insert_beyond_capacity(task);
            self.keepalive.ping = Some((id.0, now));
            id
        } else {
            self.tasks.insert(task).ok_or(ApiMisuse::TaskTableFull)?
        };
        self.out.push_back(Pdu::new(
            NopOut {
                immediate: true,
                lun: Lun::default(),
                itt: id.0,
                ttt: Ttt::RESERVED,
                cmd_sn,
                exp_stat_sn: self.exp_stat_sn,
            },
            data,
        ));
        Ok(id)
    }

    /// Plugs the CmdSN hole a rejected non-immediate command left: a non-immediate NOP-Out
    /// ping carrying that CmdSN (its NOP-In answer is absorbed).
    pub(super) fn plug_cmd_sn(&mut self, _now: Instant, cmd_sn: CmdSn) {
        let task = Task {
            kind: TaskKind::Plug,
            cmd_sn: Some(cmd_sn),
            immediate: false,
        };
        let Some(id) = self.tasks.insert(task) else {
            return;
        };
        self.out.push_back(Pdu::new(
            NopOut {
                immediate: false,
                lun: Lun::default(),
                itt: id.0,
                ttt: Ttt::RESERVED,
                cmd_sn,
                exp_stat_sn: self.exp_stat_sn,
            },
            Bytes::new(),
        ));
    }

    /// Answers a target's NOP-In ping (RFC 7143 §11.18: TTT and LUN copied, ITT reserved,
    /// I=1; the CmdSN is not advanced).
    pub(super) fn queue_nop_out_reply(&mut self, nop_in: NopIn, data: Bytes) {
        self.out.push_back(Pdu::new(
            NopOut {
                immediate: true,
                lun: nop_in.lun,
                itt: Itt::RESERVED,
                ttt: nop_in.ttt,
                cmd_sn: self.window.next(),
                exp_stat_sn: self.exp_stat_sn,
            },
            data,
        ));
    }

    /// Queues a Text Request of an exchange: `ttt` reserved starts it, a target's TTT
    /// continues it (RFC 7143 §11.10.4). Requests are immediate, so they need no window.
    pub(super) fn queue_text_request(&mut self, itt: Itt, ttt: Ttt, lun: Lun, text: Bytes) {
        self.out.push_back(Pdu::new(
            TextRequest {
                immediate: true,
                final_pdu: true,
                continues: false,
                lun,
                itt,
                ttt,
                cmd_sn: self.window.next(),
                exp_stat_sn: self.exp_stat_sn,
            },
            text,
        ));
    }

    /// Queues a close-session Logout (RFC 7143 §11.14), immediate so a closed window cannot
    /// hold it back. No new commands are sent afterwards.
    pub(super) fn send_logout(&mut self, _now: Instant) -> Result<TaskId, ApiMisuse> {
        // At most one Logout task exists, so hash order cannot matter.
        let already = self
            .tasks
            .iter()
            .find(|(_, task)| matches!(task.kind, TaskKind::Logout));
        if let Some((itt, _)) = already {
            return Ok(TaskId(itt));
        }
        let cmd_sn = self.window.next();
        let task = Task {
            kind: TaskKind::Logout,
            cmd_sn: Some(cmd_sn),
            immediate: true,
        };
        let id = self.tasks.insert(task).ok_or(ApiMisuse::TaskTableFull)?;
        self.state = SessionState::LoggingOut;
        self.logout_due = None;
        self.out.push_back(Pdu::new(
            LogoutRequest {
                immediate: true,
                reason: LogoutReason::CloseSession,
                itt: id.0,
                cid: self.start.cid,
                cmd_sn,
                exp_stat_sn: self.exp_stat_sn,
            },
            Bytes::new(),
        ));
        Ok(id)
    }

    /// After a target's logout request, logs out as soon as no SCSI command is in flight
    /// (instead of waiting for the whole Parameter3 deadline).
    pub(super) fn maybe_logout_early(&mut self, now: Instant) {
        if self.state != SessionState::LoggingOut || self.logout_due.is_none() {
            return;
        }
        let busy = self.tasks.iter().any(|(_, task)| {
            matches!(
                task,
                Task {
                    kind: TaskKind::Scsi(_),
                    cmd_sn: Some(_),
                    ..
                }
            )
        });
        if !busy {
            let _ = self.send_logout(now);
        }
    }
}
