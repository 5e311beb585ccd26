//! Non-SCSI requests: NOP-Out, Text (SendTargets, split answers), TMF, Logout, Reject.

use super::*;

impl TargetConnection {
    // ---- NOP, text, TMF, logout --------------------------------------------------------

    pub(super) fn nop_out(&mut self, now: Instant, nop: NopOut, data: Bytes) {
        if !nop.itt.is_reserved() {
            // A ping: echo the data (RFC 7143 §11.18, §11.19).
            let limit = self.params.initiator_max_recv_data_segment_length as usize;
            let data = data.slice(..data.len().min(limit));
            let reply = NopIn {
                lun: nop.lun,
                itt: nop.itt,
                ttt: Ttt::RESERVED,
                stat_sn: StatSn::default(),
                exp_cmd_sn: CmdSn::default(),
                max_cmd_sn: CmdSn::default(),
            };
            self.enqueue(now, Batch::new(vec![Pdu::new(reply, data)]));
            return;
        }
        if !nop.immediate {
            self.violation(
                None,
                ViolationKind::Nop,
                "NOP-Out with ITT 0xffffffff and I=0".to_owned(),
            );
        }
        if nop.ttt.is_reserved() {
            return;
        }
        if let Some(i) = self.probes.iter().position(|&t| t == nop.ttt) {
            self.probes.remove(i);
            self.counters.probe_replies += 1;
            self.target.count(|s| s.nop_in_replies += 1);
        } else {
            self.violation(
                None,
                ViolationKind::Nop,
                format!("NOP-Out TTT {:#x} answers no NOP-In", nop.ttt.0),
            );
        }
    }

    pub(super) fn text_request(&mut self, now: Instant, t: TextRequest, data: Bytes) {
        if self.fault(|f| f.ignore_text) {
            tracing::debug!(connection = %self.id, "fault: ignoring a Text Request");
            return;
        }
        // Continuation of a response we split (RFC 7143 §11.10.4).
        if !t.ttt.is_reserved() {
            if let Some(parts) = self
                .text_parts
                .as_mut()
                .filter(|p| p.itt == t.itt && p.ttt == t.ttt)
            {
                if parts.text.len() + data.len() > MAX_TEXT {
                    self.text_parts = None;
                    self.reject(now, RejectReason::ProtocolError, &Pdu::new(t, data));
                    return;
                }
                parts.text.extend_from_slice(&data);
                if t.continues {
                    let ttt = parts.ttt;
                    self.text_reply(now, t.itt, ttt, false, false, Bytes::new());
                    return;
                }
                let text = self.text_parts.take().map(|p| p.text).unwrap_or_default();
                self.answer_text(now, t, &text);
                return;
            }
            let next = match self.text.as_mut() {
                Some(x) if x.itt == t.itt && x.ttt == t.ttt => x.chunks.pop_front(),
                _ => None,
            };
            let Some(chunk) = next else {
                self.violation(
                    Some(t.itt),
                    ViolationKind::Text,
                    format!("Text Request TTT {:#x} continues nothing", t.ttt.0),
                );
                self.reject(now, RejectReason::InvalidPduField, &Pdu::new(t, data));
                return;
            };
            self.send_text_chunk(now, t.itt, chunk);
            return;
        }
        // TTT 0xffffffff starts a new exchange, dropping any unfinished one.
        self.text = None;
        self.text_parts = None;
        if t.continues {
            let ttt = self.allocate_ttt();
            self.text_parts = Some(TextRequestParts {
                itt: t.itt,
                ttt,
                text: data.to_vec(),
            });
            self.text_reply(now, t.itt, ttt, false, false, Bytes::new());
            return;
        }
        self.answer_text(now, t, &data);
    }

    pub(super) fn answer_text(&mut self, now: Instant, t: TextRequest, text: &[u8]) {
        let pairs = match decode_pairs(text) {
            Ok(pairs) => pairs,
            Err(error) => {
                let detail = format!("malformed text: {error}");
                self.violation(Some(t.itt), ViolationKind::Text, detail);
                self.reject(now, RejectReason::ProtocolError, &Pdu::new(t, Bytes::new()));
                return;
            }
        };
        let mut answers: Vec<(String, String)> = Vec::new();
        for (key, value) in pairs {
            match key.as_str() {
                "SendTargets" => answers.extend(self.send_targets(&value)),
                "MaxRecvDataSegmentLength" => {
                    if let Ok(n) =
                        iscsi_proto::text::value::decode_number_in(&value, 512, 0x00ff_ffff)
                    {
                        self.params.initiator_max_recv_data_segment_length = to_u32_64(n);
                    } else {
                        answers.push((key, "Reject".to_owned()));
                    }
                }
                "HeaderDigest"
                | "DataDigest"
                | "InitialR2T"
                | "ImmediateData"
                | "MaxBurstLength"
                | "FirstBurstLength"
                | "MaxOutstandingR2T"
                | "MaxConnections"
                | "ErrorRecoveryLevel"
                | "DefaultTime2Wait"
                | "DefaultTime2Retain"
                | "DataPDUInOrder"
                | "DataSequenceInOrder"
                | "InitiatorName"
                | "TargetName"
                | "SessionType" => {
                    // Not negotiable in full feature phase (RFC 7143 §13 "Use").
                    answers.push((key, "Reject".to_owned()));
                }
                "InitiatorAlias" => {}
                _ => answers.push((key, "NotUnderstood".to_owned())),
            }
        }
        let text = Bytes::from(encode_pairs(&answers));
        let limit = self.params.initiator_max_recv_data_segment_length.max(512) as usize;
        let chunk = self
            .target
            .config()
            .text_chunk
            .map_or(limit, |c| c.clamp(1, limit));
        if text.len() <= chunk {
            self.text_reply(now, t.itt, Ttt::RESERVED, true, false, text);
            return;
        }
        let mut chunks: VecDeque<Bytes> = (0..text.len())
            .step_by(chunk)
            .map(|start| text.slice(start..(start + chunk).min(text.len())))
            .collect();
        let Some(first) = chunks.pop_front() else {
            return;
        };
        let ttt = self.allocate_ttt();
        self.text = Some(TextExchange {
            itt: t.itt,
            ttt,
            chunks,
        });
        self.send_text_chunk(now, t.itt, first);
    }

    /// Sends one chunk of a split text response: F=1 on the last, C=1 when the chunk ends
    /// inside a `key=value` item.
    pub(super) fn send_text_chunk(&mut self, now: Instant, itt: Itt, chunk: Bytes) {
        let (last, ttt) = match &self.text {
            Some(x) => (x.chunks.is_empty(), x.ttt),
            None => (true, Ttt::RESERVED),
        };
        if last {
            self.text = None;
            self.text_reply(now, itt, Ttt::RESERVED, true, false, chunk);
        } else {
            let continues = chunk.last() != Some(&0);
            self.text_reply(now, itt, ttt, false, continues, chunk);
        }
    }

    pub(super) fn text_reply(
        &mut self,
        now: Instant,
        itt: Itt,
        ttt: Ttt,
        final_pdu: bool,
        continues: bool,
        data: Bytes,
    ) {
        let header = TextResponse {
            final_pdu,
            continues,
            lun: Lun::default(),
            itt,
            ttt,
            stat_sn: StatSn::default(),
            exp_cmd_sn: CmdSn::default(),
            max_cmd_sn: CmdSn::default(),
        };
        self.enqueue(now, Batch::new(vec![Pdu::new(header, data)]));
    }

    /// The SendTargets answer (RFC 7143 App. C): `All` lists every target, an empty value
    /// the session's own, a name that target.
    pub(super) fn send_targets(&self, value: &str) -> Vec<(String, String)> {
        let portal = format!(
            "{},{}",
            self.target.portal(),
            self.target.config().target_portal_group_tag
        );
        let own = self.params.target_name.clone();
        self.target
            .nodes()
            .iter()
            .filter(|node| match value {
                "All" => true,
                "" => own.as_deref() == Some(node.name.as_str()),
                name => node.name == name,
            })
            .flat_map(|node| {
                [
                    ("TargetName".to_owned(), node.name.clone()),
                    ("TargetAddress".to_owned(), portal.clone()),
                ]
            })
            .collect()
    }

    pub(super) fn task_mgmt(&mut self, now: Instant, t: TaskMgmtRequest) {
        let lun_exists = self
            .node
            .and_then(|i| self.target.nodes().get(i))
            .is_some_and(|n| n.lu(t.lun).is_some());
        let mut response = match t.function {
            TmfFunction::AbortTask => {
                if self.abort(|itt, _| itt == t.referenced_task_tag) > 0 {
                    TmfResponse::FunctionComplete
                } else {
                    TmfResponse::TaskDoesNotExist
                }
            }
            TmfFunction::AbortTaskSet
            | TmfFunction::ClearTaskSet
            | TmfFunction::LogicalUnitReset => {
                if lun_exists {
                    self.abort(|_, lun| lun == t.lun);
                    TmfResponse::FunctionComplete
                } else {
                    TmfResponse::LunDoesNotExist
                }
            }
            TmfFunction::ClearAca => TmfResponse::FunctionComplete,
            TmfFunction::TargetWarmReset | TmfFunction::TargetColdReset => {
                self.abort(|_, _| true);
                TmfResponse::FunctionComplete
            }
            TmfFunction::TaskReassign => TmfResponse::ReassignmentNotSupported,
            TmfFunction::Unknown(_) => TmfResponse::FunctionRejected,
        };
        if let Some(forced) = self.fault(|f| f.tmf_response) {
            response = forced;
        }
        let header = TaskMgmtResponse {
            response,
            itt: t.itt,
            stat_sn: StatSn::default(),
            exp_cmd_sn: CmdSn::default(),
            max_cmd_sn: CmdSn::default(),
        };
        let mut batch = Batch::new(vec![Pdu::new(header, Bytes::new())]);
        // A cold reset drops the connection after the response (RFC 7143 §11.5.1).
        batch.close_after = t.function == TmfFunction::TargetColdReset;
        self.enqueue(now, batch);
    }

    /// Aborts the tasks `select(itt, lun)` picks: pending writes and unsent completions.
    pub(super) fn logout(&mut self, now: Instant, l: LogoutRequest) {
        if self.fault(|f| f.ignore_logout) {
            tracing::debug!(connection = %self.id, "fault: ignoring a Logout Request");
            return;
        }
        let (response, close) = match l.reason {
            LogoutReason::CloseSession => (LogoutResponseCode::ClosedSuccessfully, true),
            LogoutReason::CloseConnection if l.cid.0 == self.cid => {
                (LogoutResponseCode::ClosedSuccessfully, true)
            }
            LogoutReason::CloseConnection => (LogoutResponseCode::CidNotFound, false),
            _ => (LogoutResponseCode::RecoveryNotSupported, false),
        };
        if close {
            self.abort(|_, _| true);
        }
        let header = LogoutResponse {
            response,
            itt: l.itt,
            stat_sn: StatSn::default(),
            exp_cmd_sn: CmdSn::default(),
            max_cmd_sn: CmdSn::default(),
            time2wait: self.params.default_time2wait,
            time2retain: self.params.default_time2retain,
        };
        let mut batch = Batch::new(vec![Pdu::new(header, Bytes::new())]);
        batch.close_after = close;
        self.enqueue(now, batch);
    }

    /// Queues a Reject carrying the rejected PDU's header (RFC 7143 §11.17).
    pub(super) fn reject(&mut self, now: Instant, reason: RejectReason, rejected: &Pdu) {
        let Ok(bhs) = rejected.encode_bhs() else {
            return;
        };
        let header = Reject {
            reason,
            itt: Itt::RESERVED,
            stat_sn: StatSn::default(),
            exp_cmd_sn: CmdSn::default(),
            max_cmd_sn: CmdSn::default(),
            data_sn_or_r2t_sn: 0,
        };
        let data = Bytes::copy_from_slice(bhs.as_bytes());
        self.enqueue(now, Batch::new(vec![Pdu::new(header, data)]));
    }
}
