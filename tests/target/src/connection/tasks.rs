//! SCSI tasks: reads, writes with immediate data, unsolicited Data-Out and R2Ts, the
//! checks on every Data-Out, completion through the hold and reorder faults, and abort.

use super::*;

impl TargetConnection {
    // ---- SCSI ------------------------------------------------------------------------

    pub(super) fn scsi_command(&mut self, now: Instant, cmd: ScsiCommand, data: Bytes) {
        self.target.count(|s| s.commands += 1);
        let hold = {
            let n = self.counters.scsi_commands;
            self.fault(|f| {
                let fire = f.hold_command == Some(n);
                if fire {
                    f.hold_command = None;
                }
                fire
            })
        };
        // Borrowed, not cloned: the plan owns everything it needs once it is made.
        let plan = {
            let Some(node) = self.node.and_then(|i| self.target.nodes().get(i)) else {
                return;
            };
            scsi::plan(&cmd.cdb, node.lu(cmd.lun), node.luns())
        };
        if !data.is_empty() {
            self.check_immediate_data(&cmd, data.len());
        }
        // The not-performed faults: answer with a status, run nothing.
        let (status, aborted) = self.fault(|f| {
            let aborted = f.aborted_command.filter(|&(n, ..)| n > 0).map(|(n, a, q)| {
                f.aborted_command = (n > 1).then_some((n - 1, a, q));
                (n, (a, q))
            });
            (count_down(&mut f.status_instead), aborted)
        });
        if let Some((_, status)) = status {
            tracing::debug!(connection = %self.id, ?status, "fault: status instead of the command");
            self.finished(cmd.itt);
            self.complete_status(now, cmd, status, None, Residual::Exact, 0, hold);
            return;
        }
        if let Some((_, (asc, ascq))) = aborted {
            tracing::debug!(connection = %self.id, asc, ascq, "fault: ABORTED COMMAND");
            self.finished(cmd.itt);
            let sense = Sense {
                key: u8::from(iscsi_proto::scsi::SenseKey::AbortedCommand),
                asc,
                ascq,
            };
            self.complete_status(
                now,
                cmd,
                ScsiStatus::CheckCondition,
                Some(sense),
                Residual::Exact,
                0,
                hold,
            );
            return;
        }
        match plan {
            Plan::Write { offset, len } => {
                let n = self.counters.scsi_commands;
                let (early, lie, half) = self.fault(|f| {
                    (
                        fire_from(&mut f.write_early_good, n),
                        fire_from(&mut f.write_residual_underflow, n),
                        fire_from(&mut f.write_half_solicited, n),
                    )
                });
                if early {
                    tracing::debug!(connection = %self.id, n, "fault: GOOD for a write at once");
                    self.finished(cmd.itt);
                    self.complete_status(
                        now,
                        cmd,
                        ScsiStatus::Good,
                        None,
                        Residual::Exact,
                        0,
                        hold,
                    );
                    return;
                }
                let faults = WriteFaults { lie, half };
                self.start_write(now, cmd, (offset, len), data, hold, faults);
            }
            Plan::DataIn(bytes) => self.complete_read(now, cmd, bytes, hold),
            Plan::Good => {
                let residual = if cmd.expected_data_transfer_length > 0 {
                    Residual::Underflow(cmd.expected_data_transfer_length)
                } else {
                    Residual::Exact
                };
                self.complete_status(now, cmd, ScsiStatus::Good, None, residual, 0, hold);
            }
            Plan::Check(sense) => {
                self.finished(cmd.itt);
                self.complete_status(
                    now,
                    cmd,
                    ScsiStatus::CheckCondition,
                    Some(sense),
                    Residual::Exact,
                    0,
                    hold,
                );
            }
        }
    }

    pub(super) fn check_immediate_data(&self, cmd: &ScsiCommand, len: usize) {
        let problem = if !self.params.immediate_data {
            Some("immediate data with ImmediateData=No".to_owned())
        } else if !cmd.write {
            Some("immediate data on a command without W".to_owned())
        } else if len > self.params.first_burst_length as usize {
            Some(format!(
                "{len} bytes of immediate data exceed FirstBurstLength {}",
                self.params.first_burst_length
            ))
        } else if len > cmd.expected_data_transfer_length as usize {
            Some(format!(
                "{len} bytes of immediate data exceed EDTL {}",
                cmd.expected_data_transfer_length
            ))
        } else {
            None
        };
        if let Some(problem) = problem {
            self.violation(Some(cmd.itt), ViolationKind::ImmediateData, problem);
        }
    }

    pub(super) fn complete_read(
        &mut self,
        now: Instant,
        cmd: ScsiCommand,
        data: Vec<u8>,
        hold: bool,
    ) {
        let total = data.len();
        let edtl = cmd.expected_data_transfer_length as usize;
        let residual = match total.cmp(&edtl) {
            std::cmp::Ordering::Greater => Residual::Overflow(to_u32(total - edtl)),
            std::cmp::Ordering::Less => Residual::Underflow(to_u32(edtl - total)),
            std::cmp::Ordering::Equal => Residual::Exact,
        };
        let send = Bytes::from(data).slice(..total.min(edtl));
        if send.is_empty() {
            self.complete_status(now, cmd, ScsiStatus::Good, None, residual, 0, hold);
            return;
        }
        let segment = self.params.initiator_max_recv_data_segment_length.max(512) as usize;
        let burst = (self.params.max_burst_length.max(512) as usize).max(segment);
        let collapse = self.target.config().status_in_data_in;
        let mut pdus = Vec::new();
        let mut offset = 0usize;
        let mut data_sn = 0u32;
        while offset < send.len() {
            // A sequence (burst) ends at each MaxBurstLength boundary (RFC 7143 §11.7.1).
            let burst_end = (offset / burst + 1) * burst;
            let end = (offset + segment).min(send.len()).min(burst_end);
            let last = end == send.len();
            let status = (last && collapse).then_some(DataInStatus {
                status: ScsiStatus::Good,
                stat_sn: StatSn::default(),
                residual,
            });
            pdus.push(Pdu::new(
                DataIn {
                    final_pdu: last || end == burst_end,
                    acknowledge: false,
                    status,
                    lun: Lun::default(),
                    itt: cmd.itt,
                    ttt: Ttt::RESERVED,
                    exp_cmd_sn: CmdSn::default(),
                    max_cmd_sn: CmdSn::default(),
                    data_sn: DataSn::new(data_sn),
                    buffer_offset: to_u32(offset),
                },
                send.slice(offset..end),
            ));
            data_sn += 1;
            offset = end;
        }
        if !collapse {
            pdus.push(Pdu::new(
                self.scsi_response(cmd.itt, ScsiStatus::Good, residual, data_sn),
                Bytes::new(),
            ));
        }
        self.complete(now, (cmd.itt, cmd.lun), pdus, hold);
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn complete_status(
        &mut self,
        now: Instant,
        cmd: ScsiCommand,
        status: ScsiStatus,
        sense: Option<Sense>,
        residual: Residual,
        exp_data_sn: u32,
        hold: bool,
    ) {
        let data = sense.map_or_else(Bytes::new, |s| Bytes::from(s.data_segment()));
        let header = self.scsi_response(cmd.itt, status, residual, exp_data_sn);
        self.complete(now, (cmd.itt, cmd.lun), vec![Pdu::new(header, data)], hold);
    }

    pub(super) fn scsi_response(
        &self,
        itt: Itt,
        status: ScsiStatus,
        residual: Residual,
        exp_data_sn: u32,
    ) -> ScsiResponse {
        ScsiResponse {
            response: ScsiResponseCode::CommandCompleted,
            status,
            itt,
            snack_tag: 0,
            stat_sn: StatSn::default(),
            exp_cmd_sn: CmdSn::default(),
            max_cmd_sn: CmdSn::default(),
            exp_data_sn: DataSn::new(exp_data_sn),
            bidi_read_residual: Residual::Exact,
            residual,
        }
    }

    /// Queues a task's completion, through the hold and reorder faults.
    pub(super) fn complete(&mut self, now: Instant, task: (Itt, Lun), pdus: Vec<Pdu>, hold: bool) {
        let mut batch = Batch::new(pdus);
        batch.task = Some(task);
        batch.held = hold;
        if let Some(delay) = self.fault(|f| f.delay) {
            batch.ready_at = Some(now + delay);
        }
        let group = self.fault(|f| f.reorder_completions);
        if let Some(group) = group.filter(|&g| g > 1) {
            self.reorder.push(batch);
            if self.reorder.len() >= group {
                self.fault(|f| f.reorder_completions = None);
                self.flush_reorder();
            }
            return;
        }
        self.queue.push_back(batch);
    }

    pub(super) fn start_write(
        &mut self,
        now: Instant,
        cmd: ScsiCommand,
        (lu_offset, lu_len): (u64, u64),
        immediate: Bytes,
        hold: bool,
        faults: WriteFaults,
    ) {
        let edtl = cmd.expected_data_transfer_length;
        if edtl > self.target.config().max_write_buffer {
            self.finished(cmd.itt);
            self.complete_status(
                now,
                cmd,
                ScsiStatus::CheckCondition,
                Some(Sense::illegal_request(scsi::ASC_INVALID_FIELD_IN_CDB)),
                Residual::Exact,
                0,
                hold,
            );
            return;
        }
        let mut buf = vec![0u8; edtl as usize];
        let imm = immediate.len().min(buf.len());
        if let (Some(dst), Some(src)) = (buf.get_mut(..imm), immediate.get(..imm)) {
            dst.copy_from_slice(src);
        }
        let imm = to_u32(imm);
        let unsolicited = !cmd.final_pdu && imm < edtl;
        if !cmd.final_pdu && self.params.initial_r2t {
            self.violation(
                Some(cmd.itt),
                ViolationKind::UnsolicitedData,
                "command F=0 (unsolicited Data-Out follows) with InitialR2T=Yes".to_owned(),
            );
        }
        let unsolicited_limit = self.params.first_burst_length.min(edtl);
        let task = WriteTask {
            cmd,
            lu_offset,
            lu_len,
            buf,
            edtl,
            unsolicited,
            unsolicited_limit,
            unsolicited_next: imm,
            unsolicited_data_sn: 0,
            next_r2t_offset: imm,
            solicit_end: if faults.half { edtl / 2 } else { edtl },
            lie_underflow: faults.lie,
            r2t_sn: 0,
            r2ts: VecDeque::new(),
            hold,
        };
        self.writes.insert(cmd.itt, task);
        self.advance_write(now, cmd.itt);
    }

    /// Sends R2Ts up to MaxOutstandingR2T, or completes the write when all data is in.
    pub(super) fn advance_write(&mut self, now: Instant, itt: Itt) {
        let max_outstanding = usize::from(self.params.max_outstanding_r2t.max(1));
        let burst = self.params.max_burst_length.max(512);
        let mut r2ts = Vec::new();
        let Some(task) = self.writes.get_mut(&itt) else {
            return;
        };
        if task.unsolicited {
            return;
        }
        while task.r2ts.len() < max_outstanding && task.next_r2t_offset < task.solicit_end {
            let offset = task.next_r2t_offset;
            let len = burst.min(task.solicit_end - offset);
            let ttt = Ttt(self.next_ttt);
            self.next_ttt = next_tag(self.next_ttt);
            task.r2ts.push_back(OutstandingR2t {
                ttt,
                offset,
                len,
                next_offset: offset,
                next_data_sn: 0,
            });
            r2ts.push(R2t {
                lun: task.cmd.lun,
                itt,
                ttt,
                stat_sn: StatSn::default(),
                exp_cmd_sn: CmdSn::default(),
                max_cmd_sn: CmdSn::default(),
                r2t_sn: R2tSn::new(task.r2t_sn),
                buffer_offset: offset,
                desired_data_transfer_length: len,
            });
            task.r2t_sn += 1;
            task.next_r2t_offset = offset + len;
        }
        let done = task.r2ts.is_empty() && task.next_r2t_offset >= task.solicit_end;
        for r2t in r2ts {
            self.counters.r2ts_sent += 1;
            let mut batch = Batch::new(vec![Pdu::new(r2t, Bytes::new())]);
            if let Some(delay) = self.fault(|f| f.delay) {
                batch.ready_at = Some(now + delay);
            }
            self.queue.push_back(batch);
        }
        if done {
            if let Some(task) = self.writes.remove(&itt) {
                self.complete_write(now, task);
            }
        }
    }

    pub(super) fn complete_write(&mut self, now: Instant, task: WriteTask) {
        let node = self.node.and_then(|i| self.target.nodes().get(i));
        let lu = node.and_then(|n| n.lu(task.cmd.lun));
        let edtl = u64::from(task.edtl);
        let write_len = usize::try_from(task.lu_len.min(edtl)).unwrap_or(0);
        let ok = match (lu, task.buf.get(..write_len)) {
            (Some(lu), Some(bytes)) => lu.write(task.lu_offset, bytes),
            _ => false,
        };
        self.finished(task.cmd.itt);
        if !ok {
            self.complete_status(
                now,
                task.cmd,
                ScsiStatus::CheckCondition,
                Some(Sense::illegal_request(scsi::ASC_LBA_OUT_OF_RANGE)),
                Residual::Exact,
                task.r2t_sn,
                task.hold,
            );
            return;
        }
        let residual = match task.lu_len.cmp(&edtl) {
            _ if task.lie_underflow => {
                tracing::debug!(connection = %self.id, "fault: GOOD with a whole-transfer underflow");
                Residual::Underflow(task.edtl)
            }
            std::cmp::Ordering::Greater => Residual::Overflow(to_u32_64(task.lu_len - edtl)),
            std::cmp::Ordering::Less => Residual::Underflow(to_u32_64(edtl - task.lu_len)),
            std::cmp::Ordering::Equal => Residual::Exact,
        };
        self.complete_status(
            now,
            task.cmd,
            ScsiStatus::Good,
            None,
            residual,
            task.r2t_sn,
            task.hold,
        );
    }

    /// Checks one Data-Out against the task's unsolicited burst or outstanding R2Ts.
    pub(super) fn data_out(&mut self, now: Instant, d: DataOut, data: Bytes) {
        let itt = d.itt;
        let len = to_u32(data.len());
        let mut problems: Vec<(ViolationKind, String)> = Vec::new();
        let Some(task) = self.writes.get_mut(&itt) else {
            if !(d.ttt.is_reserved() && self.finished.contains(&itt)) {
                self.violation(
                    Some(itt),
                    ViolationKind::UnknownTask,
                    format!("Data-Out for unknown ITT {:#x}", itt.0),
                );
            }
            return;
        };
        let end = d.buffer_offset.saturating_add(len);
        let mut sequence_done = false;
        if d.ttt.is_reserved() {
            if !task.unsolicited {
                problems.push((
                    ViolationKind::UnsolicitedData,
                    "unsolicited Data-Out not expected".to_owned(),
                ));
            } else {
                if d.data_sn.get() != task.unsolicited_data_sn {
                    problems.push((
                        ViolationKind::DataSn,
                        format!(
                            "unsolicited DataSN {} (expected {})",
                            d.data_sn, task.unsolicited_data_sn
                        ),
                    ));
                }
                task.unsolicited_data_sn = d.data_sn.get().wrapping_add(1);
                if d.buffer_offset != task.unsolicited_next {
                    problems.push((
                        ViolationKind::BufferOffset,
                        format!(
                            "unsolicited offset {} (expected {})",
                            d.buffer_offset, task.unsolicited_next
                        ),
                    ));
                }
                if end > task.unsolicited_limit {
                    problems.push((
                        ViolationKind::UnsolicitedData,
                        format!(
                            "unsolicited data up to {end} beyond FirstBurstLength/EDTL {}",
                            task.unsolicited_limit
                        ),
                    ));
                }
                copy_into(&mut task.buf, d.buffer_offset, &data);
                task.unsolicited_next = task.unsolicited_next.max(end);
                if d.final_pdu {
                    if end < task.unsolicited_limit {
                        problems.push((
                            ViolationKind::UnsolicitedData,
                            format!(
                                "unsolicited burst ended at {end}, expected {} (RFC 7143 §4.2.4.2)",
                                task.unsolicited_limit
                            ),
                        ));
                    }
                    sequence_done = true;
                } else if end >= task.unsolicited_limit {
                    problems.push((
                        ViolationKind::FinalBit,
                        "last unsolicited Data-Out without F".to_owned(),
                    ));
                    sequence_done = true;
                }
                if sequence_done {
                    task.unsolicited = false;
                    task.next_r2t_offset = task.unsolicited_next.min(task.edtl);
                }
            }
        } else {
            let Some(index) = task.r2ts.iter().position(|r| r.ttt == d.ttt) else {
                self.violation(
                    Some(itt),
                    ViolationKind::UnknownTask,
                    format!("Data-Out TTT {:#x} matches no outstanding R2T", d.ttt.0),
                );
                return;
            };
            let in_order = self.params.data_sequence_in_order;
            let Some(r2t) = task.r2ts.get_mut(index) else {
                return;
            };
            if index != 0 && in_order && r2t.next_offset == r2t.offset {
                problems.push((
                    ViolationKind::BufferOffset,
                    "R2T answered before an earlier one (DataSequenceInOrder=Yes)".to_owned(),
                ));
            }
            if d.data_sn.get() != r2t.next_data_sn {
                problems.push((
                    ViolationKind::DataSn,
                    format!("DataSN {} (expected {})", d.data_sn, r2t.next_data_sn),
                ));
            }
            r2t.next_data_sn = d.data_sn.get().wrapping_add(1);
            if d.buffer_offset != r2t.next_offset {
                problems.push((
                    ViolationKind::BufferOffset,
                    format!("offset {} (expected {})", d.buffer_offset, r2t.next_offset),
                ));
            }
            let r2t_end = r2t.offset + r2t.len;
            if d.buffer_offset < r2t.offset || end > r2t_end {
                problems.push((
                    ViolationKind::BufferOffset,
                    format!(
                        "data {}..{end} outside the R2T's {}..{r2t_end}",
                        d.buffer_offset, r2t.offset
                    ),
                ));
            }
            copy_into(&mut task.buf, d.buffer_offset, &data);
            r2t.next_offset = r2t.next_offset.max(end);
            if d.final_pdu {
                if end != r2t_end {
                    problems.push((
                        ViolationKind::FinalBit,
                        format!("F set at {end}, the R2T ends at {r2t_end}"),
                    ));
                }
                task.r2ts.remove(index);
            } else if end >= r2t_end {
                problems.push((
                    ViolationKind::FinalBit,
                    "last Data-Out of an R2T sequence without F".to_owned(),
                ));
                task.r2ts.remove(index);
            } else {
                return self.report(itt, problems);
            }
            sequence_done = true;
        }
        self.report(itt, problems);
        if sequence_done {
            self.advance_write(now, itt);
        }
    }

    pub(super) fn report(&self, itt: Itt, problems: Vec<(ViolationKind, String)>) {
        for (kind, detail) in problems {
            self.violation(Some(itt), kind, detail);
        }
    }

    pub(super) fn finished(&mut self, itt: Itt) {
        if self.finished.len() >= MAX_FINISHED {
            self.finished.pop_front();
        }
        self.finished.push_back(itt);
    }

    /// Returns how many tasks were found.
    pub(super) fn abort(&mut self, select: impl Fn(Itt, Lun) -> bool) -> usize {
        let mut found: HashSet<Itt> = HashSet::new();
        let writes: Vec<Itt> = self
            .writes
            .iter()
            .filter(|(itt, w)| select(**itt, w.cmd.lun))
            .map(|(itt, _)| *itt)
            .collect();
        for itt in writes {
            self.writes.remove(&itt);
            self.finished(itt);
            found.insert(itt);
        }
        let mut keep = VecDeque::new();
        for batch in self.queue.drain(..) {
            match batch.task {
                Some((itt, lun)) if select(itt, lun) => {
                    found.insert(itt);
                }
                _ => keep.push_back(batch),
            }
        }
        self.queue = keep;
        self.reorder.retain(|batch| match batch.task {
            Some((itt, lun)) if select(itt, lun) => {
                found.insert(itt);
                false
            }
            _ => true,
        });
        found.len()
    }
}

/// The write faults that fired for one command.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct WriteFaults {
    /// `write_residual_underflow`.
    pub(super) lie: bool,
    /// `write_half_solicited`.
    pub(super) half: bool,
}

/// Whether a write fault armed for the Nth SCSI command fires at command `n` (a write): the
/// first write at or after the Nth command. Clears it if so.
fn fire_from(switch: &mut Option<u64>, n: u64) -> bool {
    let fire = switch.is_some_and(|from| n >= from);
    if fire {
        *switch = None;
    }
    fire
}

/// Takes one from a counted fault: returns it (as it was) if it fires, clearing it at zero.
fn count_down<T: Copy>(switch: &mut Option<(u32, T)>) -> Option<(u32, T)> {
    let (n, value) = (*switch)?;
    *switch = (n > 1).then_some((n - 1, value));
    (n > 0).then_some((n, value))
}
