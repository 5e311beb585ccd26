//! Everything the target sends in full-feature phase, one handler per opcode.

use std::time::{Duration, Instant};

use bytes::Bytes;

use super::{
    Event, ProtocolError, ScsiOutcome, Session, SessionState, TaskError, TaskId,
    task::{DataOutJob, ScsiTask, TakeError, Task, TaskKind},
};
use crate::{
    framing::Frame,
    wire::{
        AsyncEvent, AsyncMessage, Bhs, CmdSn, DataIn, DataSn, Header, Itt, LogoutResponse,
        LogoutResponseCode, NopIn, Opcode, R2t, R2tSn, Reject, RejectReason, Residual,
        ScsiResponse, ScsiResponseCode, ScsiStatus, SenseLengthError, StatSn, TaskMgmtResponse,
        TextResponse, TmfFunction, TmfResponse, sense_data,
    },
};

/// How far a StatSN may run ahead of or behind the expected one before the connection is
/// considered out of step (RFC 7143 §4.2.2.2 lets the initiator pick the constant).
const MAX_STAT_SN_GAP: u32 = 1 << 16;

/// A Data-In's data segment as the framer delivered it.
enum DataSegment {
    /// The data, its digest matched (or digests are off).
    Intact(Bytes),
    /// The data digest failed and the data was discarded; its DataSegmentLength.
    Lost(u32),
}

/// A protocol error, with the SCSI task it concerns when the offending PDU was addressed to
/// one (it becomes [`Event::ConnectionFailed`]'s `culprit`).
#[derive(Clone, Copy, Debug)]
pub(super) struct Violation {
    pub(super) error: ProtocolError,
    pub(super) culprit: Option<Itt>,
}

impl Violation {
    /// A violation in a PDU addressed to the task `itt`.
    fn of_task(itt: Itt, error: ProtocolError) -> Self {
        Self {
            error,
            culprit: Some(itt),
        }
    }
}

impl From<ProtocolError> for Violation {
    /// A violation not tied to a task.
    fn from(error: ProtocolError) -> Self {
        Self {
            error,
            culprit: None,
        }
    }
}

impl Session {
    pub(super) fn handle_frame(&mut self, now: Instant, frame: Frame) -> Result<(), Violation> {
        let pdu = match frame {
            Frame::Pdu(pdu) => pdu,
            Frame::DataDigestError {
                header: Header::DataIn(h),
                data_segment_length,
                ..
            } => {
                // RFC 7143 §7.8: discard the data. At ERL 0 it cannot be asked for again,
                // so the task is marked and fails when its status arrives; sequence and
                // offset tracking continue as if the PDU had arrived (the header, and so
                // its length, is trustworthy), so the connection carries on.
                self.update_window(h.exp_cmd_sn, h.max_cmd_sn);
                self.on_data_in(now, h, DataSegment::Lost(data_segment_length))?;
                self.admit(now);
                return Ok(());
            }
            Frame::DataDigestError { header, .. } => {
                // Other PDUs whose data is lost cannot be acted on safely.
                return Err(ProtocolError::Format(match header.opcode() {
                    Opcode::ScsiResponse => "data digest error on sense data",
                    _ => "data digest error",
                })
                .into());
            }
        };
        match pdu.header {
            Header::DataIn(h) => {
                self.update_window(h.exp_cmd_sn, h.max_cmd_sn);
                self.on_data_in(now, h, DataSegment::Intact(pdu.data))?;
            }
            Header::ScsiResponse(h) => {
                self.update_window(h.exp_cmd_sn, h.max_cmd_sn);
                self.adopt_stat_sn(h.stat_sn)?;
                self.on_scsi_response(h, pdu.data)?;
            }
            Header::R2t(h) => {
                self.update_window(h.exp_cmd_sn, h.max_cmd_sn);
                self.on_r2t(h)?;
            }
            Header::NopIn(h) => {
                self.update_window(h.exp_cmd_sn, h.max_cmd_sn);
                self.on_nop_in(now, h, pdu.data)?;
            }
            Header::TaskMgmtResponse(h) => {
                self.update_window(h.exp_cmd_sn, h.max_cmd_sn);
                self.adopt_stat_sn(h.stat_sn)?;
                self.on_tmf_response(now, h)?;
            }
            Header::TextResponse(h) => {
                self.update_window(h.exp_cmd_sn, h.max_cmd_sn);
                self.adopt_stat_sn(h.stat_sn)?;
                self.on_text_response(now, h, pdu.data)?;
            }
            Header::LogoutResponse(h) => {
                self.update_window(h.exp_cmd_sn, h.max_cmd_sn);
                self.adopt_stat_sn(h.stat_sn)?;
                self.on_logout_response(h)?;
            }
            Header::AsyncMessage(h) => {
                self.update_window(h.exp_cmd_sn, h.max_cmd_sn);
                self.adopt_stat_sn(h.stat_sn)?;
                self.on_async(now, h, pdu.data)?;
            }
            Header::Reject(h) => {
                self.update_window(h.exp_cmd_sn, h.max_cmd_sn);
                self.adopt_stat_sn(h.stat_sn)?;
                self.on_reject(now, h, &pdu.data)?;
            }
            other => {
                return Err(ProtocolError::UnexpectedPdu {
                    opcode: other.opcode(),
                }
                .into());
            }
        }
        self.admit(now);
        Ok(())
    }

    fn update_window(&mut self, exp_cmd_sn: CmdSn, max_cmd_sn: CmdSn) {
        self.window.update(exp_cmd_sn, max_cmd_sn);
    }

    /// Acknowledges a status-bearing PDU's StatSN (RFC 7143 §4.2.2.2).
    fn adopt_stat_sn(&mut self, stat_sn: StatSn) -> Result<(), ProtocolError> {
        adopt_stat_sn(&mut self.exp_stat_sn, stat_sn)
    }

    /// Takes the task a response PDU answers, with whatever is queued for it, if
    /// `is_expected` accepts its kind. Otherwise the table is left untouched and the PDU is
    /// a protocol error: [`ProtocolError::UnknownItt`] for an ITT we do not have,
    /// [`ProtocolError::UnexpectedPdu`] for a task of another kind. Every handler that ends
    /// a task on a response goes through here, so none can remove first and check after.
    fn take_task_for(
        &mut self,
        opcode: Opcode,
        itt: Itt,
        is_expected: impl FnOnce(&TaskKind) -> bool,
    ) -> Result<Task, ProtocolError> {
        match self.tasks.take_if(itt, |task| is_expected(&task.kind)) {
            Ok(task) => {
                self.forget_task(itt);
                Ok(task)
            }
            Err(TakeError::Unknown) => Err(ProtocolError::UnknownItt { opcode, itt }),
            Err(TakeError::WrongKind) => Err(ProtocolError::UnexpectedPdu { opcode }),
        }
    }

    /// Data-In (RFC 7143 §11.7). A segment whose digest failed is accounted for like one
    /// that arrived, and marks the task's data lost.
    fn on_data_in(&mut self, now: Instant, h: DataIn, data: DataSegment) -> Result<(), Violation> {
        let _ = now;
        // One table lookup per Data-In, also for the one that completes the task: this is
        // the read hot path.
        let Some(mut entry) = self.tasks.occupied(h.itt) else {
            return Err(ProtocolError::UnknownItt {
                opcode: Opcode::DataIn,
                itt: h.itt,
            }
            .into());
        };
        let Task {
            kind: TaskKind::Scsi(scsi),
            ..
        } = entry.get_mut()
        else {
            return Err(ProtocolError::UnexpectedPdu {
                opcode: Opcode::DataIn,
            }
            .into());
        };
        let end = check_data_in(scsi, &h, &data).map_err(|e| Violation::of_task(h.itt, e))?;
        scsi.read.next_data_sn = h.data_sn.next();
        if scsi.is_bidirectional() {
            // §11.7.5: R2T and Data-In of a bidirectional command share one sequence.
            scsi.write.next_r2t_sn = R2tSn::new(scsi.read.next_data_sn.get());
        }
        scsi.read.received = end;
        match data {
            DataSegment::Intact(data) => {
                if !data.is_empty() {
                    self.events.push_back(Event::DataIn {
                        task: TaskId(h.itt),
                        offset: h.buffer_offset,
                        data,
                    });
                }
            }
            DataSegment::Lost(_) => scsi.data_lost = true,
        }
        if let Some(status) = h.status {
            adopt_stat_sn(&mut self.exp_stat_sn, status.stat_sn)?;
            let task = entry.remove();
            self.complete_scsi(
                h.itt,
                task,
                ScsiOutcome {
                    response: ScsiResponseCode::CommandCompleted,
                    status: status.status,
                    sense: None,
                    residual: status.residual,
                    bidi_read_residual: Residual::Exact,
                    read_bytes: 0,
                },
                None,
            );
        }
        Ok(())
    }

    /// SCSI Response (RFC 7143 §11.4).
    fn on_scsi_response(&mut self, h: ScsiResponse, data: Bytes) -> Result<(), Violation> {
        // §11.4.3: response codes 0x02 to 0x7f are reserved (0x80 and up are vendor
        // specific).
        if let ScsiResponseCode::Unknown(0x02..=0x7f) = h.response {
            return Err(ProtocolError::Format("reserved SCSI Response code").into());
        }
        // §11.4.7: with CHECK CONDITION the data segment MUST carry sense data
        // (SenseLength, then the sense). A violation concerns the task, if it is one of ours
        // (`Session::fail` keeps only a culprit that is a live SCSI task).
        let sense = if h.response == ScsiResponseCode::CommandCompleted
            && h.status == ScsiStatus::CheckCondition
        {
            if data.is_empty() {
                return Err(Violation::of_task(
                    h.itt,
                    ProtocolError::Format("CHECK CONDITION without sense data"),
                ));
            }
            sense_data(&data).map_err(|e| Violation::of_task(h.itt, sense_length_error(e)))?
        } else {
            None
        };
        let outcome = ScsiOutcome {
            response: h.response,
            status: h.status,
            sense,
            residual: h.residual,
            bidi_read_residual: h.bidi_read_residual,
            read_bytes: 0,
        };
        // Removed only once the response is known to be well formed: a task still in the
        // table when the connection fails is handed back for replay.
        let task = self.take_task_for(Opcode::ScsiResponse, h.itt, |kind| {
            matches!(kind, TaskKind::Scsi(_))
        })?;
        self.complete_scsi(h.itt, task, outcome, Some(h.exp_data_sn.get()));
        Ok(())
    }

    /// Completes a SCSI task, just removed from the table, with its status, unless its read
    /// or write data is incomplete ([`read_incomplete`], [`write_incomplete`]).
    fn complete_scsi(
        &mut self,
        itt: Itt,
        task: Task,
        mut outcome: ScsiOutcome,
        exp_data_sn: Option<u32>,
    ) {
        self.forget_task(itt);
        let TaskKind::Scsi(scsi) = task.kind else {
            return;
        };
        let task = TaskId(itt);
        outcome.read_bytes = scsi.read.received;
        let error = read_incomplete(&scsi, &outcome, exp_data_sn)
            .or_else(|| write_incomplete(&scsi, &outcome));
        if let Some(error) = error {
            tracing::debug!(
                ?itt,
                %error,
                read = scsi.read.received,
                written = scsi.write.sent,
                residual = ?outcome.residual,
                "SCSI task completed without all its data"
            );
            self.events.push_back(Event::TaskFailed { task, error });
        } else {
            self.events.push_back(Event::ScsiComplete { task, outcome });
        }
    }

    /// R2T (RFC 7143 §11.8): queue a Data-Out burst after checking it.
    fn on_r2t(&mut self, h: R2t) -> Result<(), Violation> {
        let (max_burst, max_r2t) = (
            self.config.max_burst_length,
            self.config.max_outstanding_r2t,
        );
        let Some(task) = self.tasks.get_mut(h.itt) else {
            return Err(ProtocolError::UnknownItt {
                opcode: Opcode::R2t,
                itt: h.itt,
            }
            .into());
        };
        let TaskKind::Scsi(scsi) = &mut task.kind else {
            return Err(ProtocolError::UnexpectedPdu {
                opcode: Opcode::R2t,
            }
            .into());
        };
        let end =
            check_r2t(scsi, &h, max_burst, max_r2t).map_err(|e| Violation::of_task(h.itt, e))?;
        scsi.write.next_r2t_sn = h.r2t_sn.next();
        if scsi.is_bidirectional() {
            // §11.7.5, §11.8.3: one sequence for the R2Ts and Data-Ins of a bidirectional
            // command.
            scsi.read.next_data_sn = DataSn::new(scsi.write.next_r2t_sn.get());
        }
        scsi.write.outstanding_r2t += 1;
        scsi.write.covered = end;
        self.jobs.push_back(DataOutJob {
            itt: h.itt,
            // §11.7.4: the command's LUN (the R2T's is checked to be the same).
            lun: scsi.request.lun,
            ttt: h.ttt,
            data: scsi.request.write_data.clone(),
            offset: h.buffer_offset,
            end,
            next_data_sn: Default::default(),
            solicited: true,
        });
        Ok(())
    }

    /// NOP-In (RFC 7143 §11.19).
    fn on_nop_in(&mut self, now: Instant, h: NopIn, data: Bytes) -> Result<(), ProtocolError> {
        if !h.itt.is_reserved() {
            // The answer to our ping; it carries a real StatSN (§11.19.2).
            self.adopt_stat_sn(h.stat_sn)?;
            let task = self.take_task_for(Opcode::NopIn, h.itt, |kind| {
                matches!(kind, TaskKind::Ping { .. } | TaskKind::Plug)
            })?;
            if matches!(task.kind, TaskKind::Ping { keepalive: false }) {
                self.events.push_back(Event::PingComplete {
                    task: TaskId(h.itt),
                    data,
                });
            }
            return Ok(());
        }
        // Unsolicited: count it against the flood limit.
        if now.duration_since(self.nop_in_flood.window_start) >= Duration::from_secs(1) {
            self.nop_in_flood = super::NopInFlood {
                window_start: now,
                count: 0,
            };
        }
        self.nop_in_flood.count += 1;
        if self.nop_in_flood.count > self.config.max_unsolicited_nop_in_per_second {
            return Err(ProtocolError::Flood("unsolicited NOP-In"));
        }
        if !h.ttt.is_reserved() {
            // §11.18: answer with a NOP-Out echoing TTT and LUN, ITT reserved, I=1.
            let max = self.config.limits.max_send_data_segment_length as usize;
            let echo = if data.len() <= max {
                data
            } else {
                Bytes::new()
            };
            self.queue_nop_out_reply(h, echo);
        }
        Ok(())
    }

    /// Task management response (RFC 7143 §11.6).
    fn on_tmf_response(&mut self, now: Instant, h: TaskMgmtResponse) -> Result<(), ProtocolError> {
        // §11.6.1: response codes 7 to 254 are reserved here (we send no RFC 7144 function).
        if let TmfResponse::Unknown(_) = h.response {
            return Err(ProtocolError::Format(
                "reserved Task Management response code",
            ));
        }
        // Checked before removal: a TMF Response carrying a SCSI command's ITT must not
        // take that command out of the table (it is kept for replay when the connection
        // fails over this).
        let task = self.take_task_for(Opcode::TaskMgmtResponse, h.itt, |kind| {
            matches!(kind, TaskKind::Tmf { .. })
        })?;
        let TaskKind::Tmf {
            function,
            lun,
            referenced,
            escalation,
        } = task.kind
        else {
            return Err(ProtocolError::UnexpectedPdu {
                opcode: Opcode::TaskMgmtResponse,
            });
        };
        let done = matches!(
            h.response,
            TmfResponse::FunctionComplete | TmfResponse::TaskDoesNotExist
        );
        if done {
            // The tasks the function covers are terminated at the target (§11.6.2).
            self.terminate_sent_scsi_tasks(|itt, scsi| match function {
                TmfFunction::AbortTask => Some(itt) == referenced,
                TmfFunction::AbortTaskSet
                | TmfFunction::ClearTaskSet
                | TmfFunction::LogicalUnitReset => scsi.request.lun == lun,
                TmfFunction::TargetWarmReset | TmfFunction::TargetColdReset => true,
                _ => false,
            });
        } else if escalation {
            // The LOGICAL UNIT RESET sent for an ABORT TASK that failed failed too.
            tracing::warn!(response = ?h.response, "LOGICAL UNIT RESET failed; recovering the session");
            self.events.push_back(Event::TmfComplete {
                task: TaskId(h.itt),
                response: h.response,
            });
            self.fail(super::FailureReason::TaskManagementFailed, None);
            return Ok(());
        } else if let (TmfFunction::AbortTask, Some(aborted)) = (function, referenced) {
            // The task is still running at the target: reset its LU so it ends (the
            // LU reset terminates every task of the LU), then, if that fails, recover the
            // session. A task left in the table would never complete.
            if self.tasks.get(aborted).is_some() {
                tracing::warn!(response = ?h.response, ?aborted, "ABORT TASK failed; resetting the LU");
                if let Err(e) = self.send_tmf(now, TmfFunction::LogicalUnitReset, lun, None, true) {
                    tracing::debug!(error = %e, "cannot send the LU reset; recovering the session");
                    self.fail(super::FailureReason::TaskManagementFailed, None);
                }
            }
        }
        self.events.push_back(Event::TmfComplete {
            task: TaskId(h.itt),
            response: h.response,
        });
        Ok(())
    }

    /// Text Response (RFC 7143 §11.11), gathered across PDUs.
    fn on_text_response(
        &mut self,
        now: Instant,
        h: TextResponse,
        data: Bytes,
    ) -> Result<(), ProtocolError> {
        let max_bytes = self.config.max_text_bytes;
        let max_pdus = self.config.max_text_pdus;
        let exchange = match self.tasks.get_mut(h.itt) {
            Some(Task {
                kind: TaskKind::Text(exchange),
                ..
            }) => exchange,
            Some(_) => {
                return Err(ProtocolError::UnexpectedPdu {
                    opcode: Opcode::TextResponse,
                });
            }
            None => {
                return Err(ProtocolError::UnknownItt {
                    opcode: Opcode::TextResponse,
                    itt: h.itt,
                });
            }
        };
        exchange.pdus += 1;
        if exchange.pdus > max_pdus || exchange.gathered.len() + data.len() > max_bytes {
            // Only this exchange fails: it is dropped without asking for the rest, and the
            // connection carries on. A later Text Request with a new ITT and the reserved
            // TTT starts afresh (RFC 7143 §11.10). A target that still sends Text
            // Responses for the dropped ITT meets UnknownItt.
            let renegotiation = exchange.renegotiation;
            self.drop_task(h.itt);
            let error = TaskError::TextTooLong {
                max_bytes: u32::try_from(max_bytes).unwrap_or(u32::MAX),
                max_pdus: u32::try_from(max_pdus).unwrap_or(u32::MAX),
            };
            tracing::debug!(itt = ?h.itt, %error, "text answer dropped");
            // A renegotiation is ours, not the caller's: it has no task to fail.
            if !renegotiation {
                self.events.push_back(Event::TaskFailed {
                    task: TaskId(h.itt),
                    error,
                });
            }
            return Ok(());
        }
        exchange.gathered.extend_from_slice(&data);
        if !h.final_pdu {
            // §11.10.4, §11.11.4: copy the TTT and the LUN into an (empty) Text Request to
            // get the rest.
            self.queue_text_request(h.itt, h.ttt, h.lun, Bytes::new());
            return Ok(());
        }
        let Task {
            kind: TaskKind::Text(exchange),
            ..
        } = self.take_task_for(Opcode::TextResponse, h.itt, |kind| {
            matches!(kind, TaskKind::Text(_))
        })?
        else {
            return Ok(());
        };
        if exchange.renegotiation {
            self.apply_renegotiation(now, &exchange.gathered);
        } else {
            self.events.push_back(Event::TextComplete {
                task: TaskId(h.itt),
                text: Bytes::from(exchange.gathered),
            });
        }
        Ok(())
    }

    /// Logout Response (RFC 7143 §11.15).
    fn on_logout_response(&mut self, h: LogoutResponse) -> Result<(), ProtocolError> {
        // §11.15.1: response codes above 3 are reserved.
        if let LogoutResponseCode::Unknown(_) = h.response {
            return Err(ProtocolError::Format("reserved Logout response code"));
        }
        self.take_task_for(Opcode::LogoutResponse, h.itt, |kind| {
            matches!(kind, TaskKind::Logout)
        })?;
        self.state = SessionState::LoggedOut;
        // Closing the session terminates whatever is still outstanding (§11.14.5).
        let _ = self.end_all_tasks(TaskError::SessionClosed);
        self.events.push_back(Event::LoggedOut {
            response: h.response,
            time2wait: Duration::from_secs(u64::from(h.time2wait)),
        });
        Ok(())
    }

    /// Asynchronous Message (RFC 7143 §11.9).
    fn on_async(
        &mut self,
        now: Instant,
        h: AsyncMessage,
        data: Bytes,
    ) -> Result<(), ProtocolError> {
        match h.event {
            AsyncEvent::ScsiEvent => {
                // §11.9.4: the data segment has the SCSI Response's format.
                let sense = sense_data(&data)
                    .map_err(sense_length_error)?
                    .unwrap_or_default();
                self.events
                    .push_back(Event::ScsiAsyncEvent { lun: h.lun, sense });
            }
            AsyncEvent::LogoutRequest => {
                // §11.9.1: log out within Parameter3 seconds; send no new commands.
                let within = Duration::from_secs(u64::from(h.parameter3));
                if self.state == SessionState::Active {
                    self.state = SessionState::LoggingOut;
                    self.logout_due = Some(now + within);
                    self.events.push_back(Event::LogoutRequested { within });
                    self.maybe_logout_early(now);
                }
            }
            AsyncEvent::ConnectionDrop | AsyncEvent::SessionDrop => {
                self.events.push_back(Event::DropAnnounced {
                    time2wait: Duration::from_secs(u64::from(h.parameter2)),
                    time2retain: Duration::from_secs(u64::from(h.parameter3)),
                });
            }
            AsyncEvent::NegotiationRequest => {
                // §11.9.1: answer with a (possibly empty) Text Request unless one is running.
                if let Err(e) = self.send_text(now, Bytes::new(), true) {
                    tracing::debug!(error = %e, "renegotiation request while a text exchange runs");
                }
            }
            AsyncEvent::TaskTermination => {
                // Every active task on the LU is terminated at the target.
                self.terminate_sent_scsi_tasks(|_, scsi| scsi.request.lun == h.lun);
            }
            AsyncEvent::VendorSpecific => {
                tracing::debug!(event = ?h.event, "ignoring a vendor-specific asynchronous event");
            }
            // §11.9.1: codes 6 to 254 are reserved.
            AsyncEvent::Unknown(_) => {
                return Err(ProtocolError::Format("reserved AsyncEvent code"));
            }
        }
        Ok(())
    }

    /// Fails with [`TaskError::Aborted`] every SCSI task that was sent and that `covered`
    /// selects: the target terminated them (a TMF response, RFC 7143 §11.6.2, or AsyncEvent
    /// 5, §11.9.1). Events come in ITT order, whatever the hash order.
    fn terminate_sent_scsi_tasks(&mut self, covered: impl Fn(Itt, &ScsiTask) -> bool) {
        let mut affected: Vec<Itt> = self
            .tasks
            .iter()
            .filter_map(|(itt, task)| match task {
                Task {
                    kind: TaskKind::Scsi(scsi),
                    cmd_sn: Some(_),
                    ..
                } if covered(itt, scsi) => Some(itt),
                _ => None,
            })
            .collect();
        affected.sort_unstable();
        for itt in affected {
            self.drop_task(itt);
            self.events.push_back(Event::TaskFailed {
                task: TaskId(itt),
                error: TaskError::Aborted,
            });
        }
    }

    /// Reject (RFC 7143 §11.17): the data segment holds the rejected PDU's header.
    fn on_reject(&mut self, now: Instant, h: Reject, data: &[u8]) -> Result<(), ProtocolError> {
        // §11.17.1: reasons outside the defined set are reserved.
        if let RejectReason::Unknown(_) = h.reason {
            return Err(ProtocolError::Format("reserved Reject reason"));
        }
        let rejected =
            Bhs::decode(data).map_err(|_| ProtocolError::Format("Reject without a header"))?;
        let itt = rejected.itt();
        let opcode = rejected.opcode().map_err(ProtocolError::Decode)?;
        tracing::debug!(reason = ?h.reason, ?opcode, ?itt, "PDU rejected");
        match opcode {
            // §7.3: the target keeps the task; the initiator keeps waiting for its status.
            Opcode::DataOut | Opcode::SnackRequest => return Ok(()),
            Opcode::NopOut if itt.is_reserved() => return Ok(()),
            _ => {}
        }
        let Some(task) = self.drop_task(itt) else {
            return Ok(());
        };
        // A rejected non-immediate command leaves a hole at its CmdSN that stops the
        // target's ExpCmdSN; plug it with a non-immediate NOP-Out carrying that CmdSN
        // (§7.3) — unless the Reject's ExpCmdSN is already past it (no hole), and never for
        // a rejected plug (a target that rejects NOP-Outs would ping-pong for ever).
        let plugged = matches!(task.kind, TaskKind::Plug);
        if let (false, false, Some(cmd_sn)) = (plugged, task.immediate, task.cmd_sn) {
            if h.exp_cmd_sn.gt(cmd_sn) {
                tracing::debug!(%cmd_sn, exp_cmd_sn = %h.exp_cmd_sn, "no CmdSN hole to plug");
            } else {
                self.plug_cmd_sn(now, cmd_sn);
            }
        }
        let id = TaskId(itt);
        match task.kind {
            TaskKind::Ping { keepalive: true } | TaskKind::Plug => {}
            TaskKind::Logout => {
                self.state = SessionState::Failed;
                let unfinished = self.end_all_tasks(TaskError::SessionClosed);
                self.events.push_back(Event::ConnectionFailed {
                    reason: super::FailureReason::Protocol(ProtocolError::Format(
                        "logout rejected",
                    )),
                    unfinished,
                    culprit: None,
                });
            }
            _ => self.events.push_back(Event::TaskFailed {
                task: id,
                error: TaskError::Rejected(h.reason),
            }),
        }
        Ok(())
    }
}

/// Checks a Data-In against its task's read (RFC 7143 §11.7) and returns the end of its
/// data in the read buffer.
fn check_data_in(scsi: &ScsiTask, h: &DataIn, data: &DataSegment) -> Result<u32, ProtocolError> {
    let (received, expected) = (scsi.read.received, scsi.request.read_length);
    // §11.7.5: DataSN counts from 0 per command, in order.
    if h.data_sn != scsi.read.next_data_sn {
        return Err(ProtocolError::SequenceGap {
            what: "Data-In DataSN",
            expected: scsi.read.next_data_sn.get(),
            got: h.data_sn.get(),
        });
    }
    // DataPDUInOrder=Yes (we always offer Yes, and the key is OR'ed): offsets are
    // contiguous, and never past the expected read length.
    let len = match data {
        DataSegment::Intact(d) => {
            u32::try_from(d.len()).map_err(|_| ProtocolError::Format("Data-In length"))?
        }
        DataSegment::Lost(len) => *len,
    };
    if h.buffer_offset != received {
        return Err(ProtocolError::OffsetOutOfRange {
            what: "Data-In buffer offset",
        });
    }
    received
        .checked_add(len)
        .filter(|&e| e <= expected)
        .ok_or(ProtocolError::OffsetOutOfRange {
            what: "Data-In data",
        })
}

/// Checks an R2T against its task's write (RFC 7143 §11.8) and returns the end of the range
/// it asks for.
fn check_r2t(scsi: &ScsiTask, h: &R2t, max_burst: u32, max_r2t: u16) -> Result<u32, ProtocolError> {
    let write_len = u32::try_from(scsi.request.write_data.len()).unwrap_or(u32::MAX);
    if h.r2t_sn != scsi.write.next_r2t_sn {
        return Err(ProtocolError::SequenceGap {
            what: "R2TSN",
            expected: scsi.write.next_r2t_sn.get(),
            got: h.r2t_sn.get(),
        });
    }
    // §11.7.4: a Data-Out that answers an R2T carries a LUN consistent with the command's;
    // an R2T naming another LU cannot be answered consistently.
    if h.lun != scsi.request.lun {
        return Err(ProtocolError::R2tViolation {
            what: "LUN other than the command's",
        });
    }
    // §11.8.4: "The DesiredDataTransferLength MUST NOT be 0".
    if h.desired_data_transfer_length == 0 {
        return Err(ProtocolError::R2tViolation {
            what: "nonzero DesiredDataTransferLength",
        });
    }
    if h.desired_data_transfer_length > max_burst {
        return Err(ProtocolError::R2tViolation {
            what: "MaxBurstLength",
        });
    }
    let end = h
        .buffer_offset
        .checked_add(h.desired_data_transfer_length)
        .filter(|&e| e <= write_len)
        .ok_or(ProtocolError::OffsetOutOfRange {
            what: "R2T buffer offset and length",
        })?;
    // DataSequenceInOrder=Yes (we always offer Yes, and the key is OR'ed): R2T offsets never
    // go back (§13.19), and at ERL 0 there is no recovery R2T, so a range never overlaps the
    // unsolicited data or an earlier R2T's range.
    if h.buffer_offset < scsi.write.covered {
        return Err(ProtocolError::R2tViolation {
            what: "DataSequenceInOrder (offset within data already covered)",
        });
    }
    if scsi.write.outstanding_r2t >= max_r2t {
        return Err(ProtocolError::R2tViolation {
            what: "MaxOutstandingR2T",
        });
    }
    Ok(end)
}

/// Whether a read's data is incomplete at its status, and how:
///
/// - [`TaskError::DataLost`]: a Data-In failed its data digest (whatever the status);
/// - [`TaskError::DataMissing`]: the status's ExpDataSN counts Data-In PDUs that never
///   arrived (RFC 7143 §7.9: a sequence gap, unrecoverable at ERL 0). Only an ExpDataSN
///   *above* the Data-In PDUs received proves a gap: tgt leaves the field 0 when the status
///   comes in a separate SCSI Response, so a smaller value is not an error;
/// - [`TaskError::ReadIncomplete`]: with GOOD status, the bytes received differ from the
///   expected length less the underflow residual (RFC 7143 §11.4.5).
fn read_incomplete(
    scsi: &ScsiTask,
    outcome: &ScsiOutcome,
    exp_data_sn: Option<u32>,
) -> Option<TaskError> {
    if scsi.data_lost {
        return Some(TaskError::DataLost);
    }
    let read_length = scsi.request.read_length;
    if read_length == 0 {
        return None;
    }
    let is_read_only = scsi.request.write_data.is_empty();
    // ExpDataSN counts the Data-In PDUs sent (and, for a bidirectional command, the R2Ts
    // too: one sequence, §11.4.8); the read counter follows that same sequence.
    let gap = exp_data_sn.is_some_and(|sn| DataSn::new(sn).gt(scsi.read.next_data_sn));
    if gap {
        return Some(TaskError::DataMissing);
    }
    if outcome.response != ScsiResponseCode::CommandCompleted || outcome.status != ScsiStatus::Good
    {
        return None;
    }
    let residual = if is_read_only {
        outcome.residual
    } else {
        outcome.bidi_read_residual
    };
    let expected = match residual {
        Residual::Underflow(n) => read_length.saturating_sub(n),
        Residual::Exact | Residual::Overflow(_) => read_length,
    };
    let received = scsi.read.received;
    (received != expected).then_some(TaskError::ReadIncomplete { expected, received })
}

/// For a write answered with GOOD status: [`TaskError::WriteIncomplete`] unless the target
/// took every byte (no underflow residual, RFC 7143 §11.4.5) and every byte left us before
/// the status. A GOOD status for data the target never received, or never asked for, does
/// not make the write done. Other statuses are the target's answer and pass unchanged.
fn write_incomplete(scsi: &ScsiTask, outcome: &ScsiOutcome) -> Option<TaskError> {
    if scsi.request.write_data.is_empty()
        || outcome.response != ScsiResponseCode::CommandCompleted
        || outcome.status != ScsiStatus::Good
    {
        return None;
    }
    // Checked at submit: the write data fits 32 bits.
    let expected = u32::try_from(scsi.request.write_data.len()).unwrap_or(u32::MAX);
    // For a bidirectional command the (non-bidi) residual is the write's (§11.4.5).
    let acknowledged = match outcome.residual {
        Residual::Underflow(n) => expected.saturating_sub(n),
        Residual::Exact | Residual::Overflow(_) => expected,
    };
    let sent = scsi.write.sent;
    (acknowledged != expected || sent != expected).then_some(TaskError::WriteIncomplete {
        expected,
        acknowledged,
        sent,
    })
}

/// A malformed SenseLength is a format error (RFC 7143 §7.7).
fn sense_length_error(e: SenseLengthError) -> ProtocolError {
    tracing::debug!(error = ?e, "malformed SenseLength");
    ProtocolError::Format("SenseLength beyond the data segment")
}

/// Acknowledges a StatSN against `expected`, ExpStatSN (RFC 7143 §4.2.2.2). A free function
/// so that it can run while a task-table entry is borrowed.
fn adopt_stat_sn(expected: &mut StatSn, stat_sn: StatSn) -> Result<(), ProtocolError> {
    let current = *expected;
    if stat_sn == current
        || (stat_sn.gt(current) && stat_sn.distance_from(current) <= MAX_STAT_SN_GAP)
    {
        *expected = stat_sn.next();
        Ok(())
    } else if stat_sn.lt(current) && current.distance_from(stat_sn) <= MAX_STAT_SN_GAP {
        // An old number: nothing to acknowledge again.
        Ok(())
    } else {
        Err(ProtocolError::StatSnOutOfWindow {
            expected: current.get(),
            got: stat_sn.get(),
        })
    }
}
