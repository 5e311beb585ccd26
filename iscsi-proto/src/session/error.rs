//! Errors of the full-feature phase.

use crate::wire::{DecodeError, Itt, Opcode, RejectReason};

/// The target broke the protocol in full-feature phase (well-formed PDUs, wrong content).
/// At ERL 0 every one of these ends the connection and starts session recovery
/// (RFC 7143 §7.7: "the initiator MUST ... escalate to session recovery" on format errors).
#[non_exhaustive]
#[derive(Clone, Copy, Debug, Eq, PartialEq, thiserror::Error)]
pub enum ProtocolError {
    /// The bytes did not decode (framing, header digest, malformed header).
    #[error("malformed PDU: {0}")]
    Decode(#[from] DecodeError),
    /// A PDU names a task we do not have.
    #[error("{opcode:?} for unknown task {itt:?}")]
    UnknownItt {
        /// The PDU's opcode.
        opcode: Opcode,
        /// The tag it carried.
        itt: Itt,
    },
    /// A PDU that has no place in full-feature phase, or not for this task.
    #[error("unexpected {opcode:?}")]
    UnexpectedPdu {
        /// The PDU's opcode.
        opcode: Opcode,
    },
    /// Data-In DataSN or R2TSN out of order (RFC 7143 §7.9: treated as a digest error,
    /// session recovery at ERL 0).
    #[error("sequence number out of order in {what}: expected {expected}, got {got}")]
    SequenceGap {
        /// Which sequence.
        what: &'static str,
        /// The number expected.
        expected: u32,
        /// The number received.
        got: u32,
    },
    /// A buffer offset or length outside the task's transfer.
    #[error("{what} outside the task's transfer")]
    OffsetOutOfRange {
        /// Which PDU field.
        what: &'static str,
    },
    /// An R2T asking for more than MaxBurstLength, or beyond MaxOutstandingR2T.
    #[error("R2T violates {what}")]
    R2tViolation {
        /// The rule broken.
        what: &'static str,
    },
    /// A StatSN far outside the expected window (RFC 7143 §4.2.2.2).
    #[error("StatSN {got} far from expected {expected}")]
    StatSnOutOfWindow {
        /// Expected StatSN.
        expected: u32,
        /// Received StatSN.
        got: u32,
    },
    /// Inconsistent fields the RFC calls a format error (RFC 7143 §7.7).
    #[error("format error: {0}")]
    Format(&'static str),
    /// The target sends too many unsolicited PDUs of one kind.
    #[error("flood of {0}")]
    Flood(&'static str),
}

/// Our caller asked for something the session cannot do now.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, Eq, PartialEq, thiserror::Error)]
pub enum ApiMisuse {
    /// The connection has failed or the session is logged out.
    #[error("session is not in full-feature phase")]
    NotActive,
    /// A logout is in progress; no new requests (RFC 7143 §11.14).
    #[error("logout in progress")]
    LoggingOut,
    /// The task table is full; retry when a task completes.
    #[error("task table full")]
    TaskTableFull,
    /// No such task.
    #[error("unknown task")]
    UnknownTask,
    /// A Text exchange is already in progress (RFC 7143 §11.10: at most one).
    #[error("a text exchange is already in progress")]
    TextInProgress,
    /// A request that does not fit the negotiated limits (e.g. write data longer than the
    /// expected transfer length, ping data above the target's MaxRecvDataSegmentLength).
    #[error("request does not fit: {0}")]
    Invalid(&'static str),
}

/// Why one task did not complete with a SCSI status.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, Eq, PartialEq, thiserror::Error)]
pub enum TaskError {
    /// The connection was lost before the target acknowledged the task. The task may be
    /// replayed on a new session; a write is *not* known to have landed.
    #[error("connection lost before the task completed")]
    ConnectionLost,
    /// Terminated by a task management function.
    #[error("task aborted")]
    Aborted,
    /// The target rejected the command PDU.
    #[error("rejected by the target: {0:?}")]
    Rejected(RejectReason),
    /// A Data-In failed its data digest; its data was discarded, and at ERL 0 it cannot be
    /// asked for again (RFC 7143 §7.8).
    #[error("read data lost: a Data-In failed its data digest")]
    DataLost,
    /// The status shows Data-In PDUs that never arrived: its ExpDataSN is beyond the last
    /// Data-In received (RFC 7143 §7.9: a sequence gap, unrecoverable at ERL 0).
    #[error("read data missing: the status counts Data-In PDUs that never arrived")]
    DataMissing,
    /// The read bytes received do not add up with the target's residual: the status says
    /// `expected` bytes were sent (the expected length less any underflow), `received`
    /// arrived.
    #[error("the target delivered {received} bytes but its residual says {expected}")]
    ReadIncomplete {
        /// The bytes the residual says the target sent.
        expected: u32,
        /// The bytes that arrived in Data-In PDUs.
        received: u32,
    },
    /// The target answered a write with GOOD status, but it did not take, or we did not
    /// send, every byte of it: its residual leaves bytes unacknowledged, or its status came
    /// before all the data it had to ask for left us. The write is *not* known to have
    /// landed in full.
    #[error(
        "GOOD status for a write the target did not take whole: its residual acknowledges \
         {acknowledged} of {expected} bytes, and {sent} were sent before the status"
    )]
    WriteIncomplete {
        /// The bytes to write (the command's expected data transfer length).
        expected: u32,
        /// The bytes the target's residual says it took.
        acknowledged: u32,
        /// The bytes we sent before the status: immediate data plus Data-Out.
        sent: u32,
    },
    /// A Text exchange's answer exceeded the session's limits
    /// ([`SessionConfig::max_text_bytes`](super::SessionConfig::max_text_bytes),
    /// [`SessionConfig::max_text_pdus`](super::SessionConfig::max_text_pdus)). Only the
    /// exchange fails; the connection stays up and a new exchange may start.
    #[error("the text answer exceeds the limit of {max_bytes} bytes in {max_pdus} PDUs")]
    TextTooLong {
        /// The most text bytes accepted for one exchange.
        max_bytes: u32,
        /// The most Text Response PDUs accepted for one exchange.
        max_pdus: u32,
    },
    /// The session was logged out with the task outstanding.
    #[error("session closed")]
    SessionClosed,
}
