//! The send path: queueing, sequence-number stamping at send time, and the send faults
//! (digest corruption, header patches, DataSN gaps, drop after N sent).

use super::*;

impl TargetConnection {
    // ---- send path -------------------------------------------------------------------

    pub(super) fn enqueue(&mut self, now: Instant, mut batch: Batch) {
        if let Some(delay) = self.fault(|f| f.delay) {
            batch.ready_at = Some(now + delay);
        }
        self.queue.push_back(batch);
    }

    /// Stamps the sequence numbers, applies the send faults and writes the PDU's bytes.
    pub(super) fn emit(&mut self, mut pdu: Pdu, out: &mut BytesMut) {
        self.stamp(&mut pdu.header);
        self.counters.sent += 1;
        let has_data = !pdu.data.is_empty();
        if has_data {
            self.counters.sent_with_data += 1;
        }
        let (sent, sent_with_data) = (self.counters.sent, self.counters.sent_with_data);
        self.target.capture(CapturedPdu {
            connection: self.id,
            direction: Direction::Sent,
            header: pdu.header,
            data: pdu.data.clone(),
        });
        let Ok(bhs) = pdu.encode_bhs() else {
            tracing::warn!(connection = %self.id, "cannot encode a PDU; skipped");
            return;
        };
        let mut raw = *bhs.as_bytes();
        let opcode = pdu.header.opcode();
        let nth_of_opcode = {
            let count = self.sent_by_opcode.entry(opcode).or_insert(0);
            *count += 1;
            *count
        };
        // Every send fault of this PDU in one look at the switches (one lock of the
        // target's state, not one per switch); each that fires clears itself.
        let (mangle, corrupt_header, corrupt_data, drop) = self.fault(|f| {
            let mangle = f
                .mangle
                .filter(|m| m.opcode == opcode && m.nth == nth_of_opcode);
            if mangle.is_some() {
                f.mangle = None;
            }
            let corrupt_header = fire_once(&mut f.corrupt_header_digest, sent);
            let corrupt_data = has_data && fire_once(&mut f.corrupt_data_digest, sent_with_data);
            let drop = fire_once(&mut f.drop_after_sent, sent);
            (mangle, corrupt_header, corrupt_data, drop)
        });
        if let Some(m) = mangle {
            if let Some(byte) = raw.get_mut(m.byte) {
                *byte = (*byte & !m.clear) | m.set;
            }
        }
        let start = out.len();
        out.put_slice(&raw);
        pdu.ahs.encode(out);
        if self.tx_digests.header {
            let mut digest = header_digest(out.get(start..).unwrap_or_default());
            if corrupt_header {
                digest ^= 0xdead_beef;
            }
            out.put_u32_le(digest);
        }
        out.put_slice(&pdu.data);
        out.put_bytes(0, pad_len(pdu.data.len()));
        if self.tx_digests.data && has_data {
            let mut digest = data_digest(&pdu.data);
            if corrupt_data {
                digest ^= 0xdead_beef;
            }
            out.put_u32_le(digest);
        }
        if drop {
            tracing::debug!(connection = %self.id, sent, "fault: dropping after PDU sent");
            self.drop_connection();
        }
    }

    /// Writes StatSN, ExpCmdSN and MaxCmdSN as of now, and the Data-In DataSN fault.
    pub(super) fn stamp(&mut self, header: &mut Header) {
        let exp = self.exp_cmd_sn;
        let max = self.max_cmd_sn();
        let stat_sn = self.stat_sn;
        let mut advance = true;
        match header {
            Header::LoginResponse(h) => {
                (h.stat_sn, h.exp_cmd_sn, h.max_cmd_sn) = (stat_sn, exp, max);
            }
            Header::ScsiResponse(h) => {
                (h.stat_sn, h.exp_cmd_sn, h.max_cmd_sn) = (stat_sn, exp, max);
            }
            Header::TaskMgmtResponse(h) => {
                (h.stat_sn, h.exp_cmd_sn, h.max_cmd_sn) = (stat_sn, exp, max);
            }
            Header::TextResponse(h) => {
                (h.stat_sn, h.exp_cmd_sn, h.max_cmd_sn) = (stat_sn, exp, max);
            }
            Header::LogoutResponse(h) => {
                (h.stat_sn, h.exp_cmd_sn, h.max_cmd_sn) = (stat_sn, exp, max);
            }
            Header::AsyncMessage(h) => {
                (h.stat_sn, h.exp_cmd_sn, h.max_cmd_sn) = (stat_sn, exp, max);
            }
            Header::Reject(h) => {
                (h.stat_sn, h.exp_cmd_sn, h.max_cmd_sn) = (stat_sn, exp, max);
            }
            Header::R2t(h) => {
                (h.stat_sn, h.exp_cmd_sn, h.max_cmd_sn) = (stat_sn, exp, max);
                advance = false;
            }
            Header::NopIn(h) => {
                (h.stat_sn, h.exp_cmd_sn, h.max_cmd_sn) = (stat_sn, exp, max);
                // RFC 7143 §11.19: StatSN does not advance for ITT 0xffffffff.
                advance = !h.itt.is_reserved();
            }
            Header::DataIn(h) => {
                (h.exp_cmd_sn, h.max_cmd_sn) = (exp, max);
                self.counters.data_in_sent += 1;
                let n = self.counters.data_in_sent;
                let first_of_task = h.data_sn.get() == 0;
                let skip = self.fault(|f| {
                    let fire = f.data_in_skip_data_sn == Some(n);
                    if fire {
                        f.data_in_skip_data_sn = None;
                    }
                    fire || (f.data_in_gap_always && first_of_task)
                });
                let shift = self.data_sn_shift.entry(h.itt).or_insert(0);
                if skip {
                    *shift += 1;
                }
                h.data_sn = h.data_sn.add(*shift);
                match &mut h.status {
                    Some(status) => {
                        status.stat_sn = stat_sn;
                        self.data_sn_shift.remove(&h.itt);
                    }
                    None => advance = false,
                }
            }
            _ => advance = false,
        }
        if advance {
            self.stat_sn = self.stat_sn.next();
        }
    }
}

/// Whether a counted switch fires at `n`; clears it if so.
fn fire_once(switch: &mut Option<u64>, n: u64) -> bool {
    let fire = *switch == Some(n);
    if fire {
        *switch = None;
    }
    fire
}
