//! Open enums for the wire codes RFC 7143 defines. Each keeps an unknown value as
//! `Unknown(raw)`; whether an unknown value is an error is decided by protocol logic.

use std::fmt;

use super::open_enum;

open_enum! {
    /// Login Status-Class and Status-Detail as one 16-bit code, class in the high byte
    /// (RFC 7143 §11.13.5).
    pub enum LoginStatus: u16 {
        /// 0x0000 Success.
        Success = 0x0000,
        /// 0x0101 The target moved temporarily; TargetAddress says where.
        TargetMovedTemporarily = 0x0101,
        /// 0x0102 The target moved permanently; TargetAddress says where.
        TargetMovedPermanently = 0x0102,
        /// 0x0200 Miscellaneous initiator error.
        InitiatorError = 0x0200,
        /// 0x0201 Authentication failure.
        AuthenticationFailure = 0x0201,
        /// 0x0202 Authorization failure.
        AuthorizationFailure = 0x0202,
        /// 0x0203 Target not found.
        NotFound = 0x0203,
        /// 0x0204 Target removed.
        TargetRemoved = 0x0204,
        /// 0x0205 Unsupported version.
        UnsupportedVersion = 0x0205,
        /// 0x0206 Too many connections.
        TooManyConnections = 0x0206,
        /// 0x0207 Missing parameter.
        MissingParameter = 0x0207,
        /// 0x0208 Cannot include the connection in the session.
        CantIncludeInSession = 0x0208,
        /// 0x0209 Session type not supported.
        SessionTypeNotSupported = 0x0209,
        /// 0x020a Session does not exist.
        SessionDoesNotExist = 0x020a,
        /// 0x020b Invalid request type during login.
        InvalidDuringLogin = 0x020b,
        /// 0x0300 Target error.
        TargetError = 0x0300,
        /// 0x0301 Service unavailable.
        ServiceUnavailable = 0x0301,
        /// 0x0302 Out of resources.
        OutOfResources = 0x0302,
    }
}

impl LoginStatus {
    /// Builds the code from Status-Class and Status-Detail.
    pub fn from_parts(class: u8, detail: u8) -> Self {
        Self::from(u16::from_be_bytes([class, detail]))
    }

    /// Status-Class: 0 success, 1 redirection, 2 initiator error, 3 target error.
    pub fn class(self) -> u8 {
        u16::from(self).to_be_bytes()[0]
    }

    /// Status-Detail.
    pub fn detail(self) -> u8 {
        u16::from(self).to_be_bytes()[1]
    }

    /// What Status-Class means, in words: `"success"`, `"redirection"`, `"initiator
    /// error"` or `"target error"` (RFC 7143 §11.13.5); `None` for a class the RFC does not
    /// define.
    pub fn class_name(self) -> Option<&'static str> {
        match self.class() {
            0 => Some("success"),
            1 => Some("redirection"),
            2 => Some("initiator error"),
            3 => Some("target error"),
            _ => None,
        }
    }

    /// What the code means within its class, in words (`"service unavailable"`), for the
    /// codes RFC 7143 §11.13.5 defines; `None` for [`LoginStatus::Unknown`] and for
    /// [`LoginStatus::Success`], which needs no detail.
    pub fn detail_name(self) -> Option<&'static str> {
        Some(match self {
            Self::Success | Self::Unknown(_) => return None,
            Self::TargetMovedTemporarily => "target moved temporarily",
            Self::TargetMovedPermanently => "target moved permanently",
            Self::InitiatorError | Self::TargetError => "unspecified",
            Self::AuthenticationFailure => "authentication failure",
            Self::AuthorizationFailure => "authorization failure",
            Self::NotFound => "target not found",
            Self::TargetRemoved => "target removed",
            Self::UnsupportedVersion => "unsupported version",
            Self::TooManyConnections => "too many connections",
            Self::MissingParameter => "missing parameter",
            Self::CantIncludeInSession => "connection cannot be included in the session",
            Self::SessionTypeNotSupported => "session type not supported",
            Self::SessionDoesNotExist => "session does not exist",
            Self::InvalidDuringLogin => "request not valid during login",
            Self::ServiceUnavailable => "service unavailable",
            Self::OutOfResources => "out of resources",
        })
    }
}

impl fmt::Display for LoginStatus {
    /// `class: detail (0xCCDD)`, for example `target error: service unavailable (0x0301)`
    /// (RFC 7143 §11.13.5). A code the RFC does not define names its class when that is
    /// known and gives the detail in hex: `initiator error: unknown detail 0x99 (0x0299)`,
    /// `unknown status class 0x09, detail 0x01 (0x0901)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let code = u16::from(*self);
        match (self.class_name(), self.detail_name()) {
            _ if *self == Self::Success => write!(f, "success ({code:#06x})"),
            (Some(class), Some(detail)) => write!(f, "{class}: {detail} ({code:#06x})"),
            (Some(class), None) => write!(
                f,
                "{class}: unknown detail {:#04x} ({code:#06x})",
                self.detail()
            ),
            (None, _) => write!(
                f,
                "unknown status class {:#04x}, detail {:#04x} ({code:#06x})",
                self.class(),
                self.detail()
            ),
        }
    }
}

open_enum! {
    /// Login stage, for CSG and NSG (RFC 7143 §11.12.3). The value 2 is reserved.
    pub enum Stage: u8 {
        /// 0: security negotiation.
        SecurityNegotiation = 0,
        /// 1: login operational negotiation.
        LoginOperationalNegotiation = 1,
        /// 3: full feature phase.
        FullFeaturePhase = 3,
    }
}

open_enum! {
    /// Reject reason (RFC 7143 §11.17.1).
    pub enum RejectReason: u8 {
        /// 0x02 Data (payload) digest error.
        DataDigestError = 0x02,
        /// 0x03 SNACK reject.
        SnackReject = 0x03,
        /// 0x04 Protocol error.
        ProtocolError = 0x04,
        /// 0x05 Command not supported.
        CommandNotSupported = 0x05,
        /// 0x06 Immediate command rejected: too many immediate commands.
        ImmediateCommandReject = 0x06,
        /// 0x07 Task in progress.
        TaskInProgress = 0x07,
        /// 0x08 Invalid data ACK.
        InvalidDataAck = 0x08,
        /// 0x09 Invalid PDU field.
        InvalidPduField = 0x09,
        /// 0x0a Long operation reject: out of resources to generate a TTT.
        LongOperationReject = 0x0a,
        /// 0x0b Deprecated (was negotiation reset).
        Deprecated = 0x0b,
        /// 0x0c Waiting for logout.
        WaitingForLogout = 0x0c,
    }
}

open_enum! {
    /// AsyncEvent of an Asynchronous Message (RFC 7143 §11.9.1).
    pub enum AsyncEvent: u8 {
        /// 0: a SCSI asynchronous event; sense data in the data segment.
        ScsiEvent = 0,
        /// 1: the target requests a logout within Parameter3 seconds.
        LogoutRequest = 1,
        /// 2: the target will drop the connection (Parameter1 CID, 2 Time2Wait, 3 Time2Retain).
        ConnectionDrop = 2,
        /// 3: the target will drop all connections of the session.
        SessionDrop = 3,
        /// 4: the target requests parameter negotiation within Parameter3 seconds.
        NegotiationRequest = 4,
        /// 5: all active tasks for the LU in the LUN field will be terminated.
        TaskTermination = 5,
        /// 255: vendor specific.
        VendorSpecific = 255,
    }
}

open_enum! {
    /// Task management function (RFC 7143 §11.5.1), the low 7 bits of byte 1.
    pub enum TmfFunction: u8 {
        /// 1 ABORT TASK.
        AbortTask = 1,
        /// 2 ABORT TASK SET.
        AbortTaskSet = 2,
        /// 3 CLEAR ACA.
        ClearAca = 3,
        /// 4 CLEAR TASK SET.
        ClearTaskSet = 4,
        /// 5 LOGICAL UNIT RESET.
        LogicalUnitReset = 5,
        /// 6 TARGET WARM RESET.
        TargetWarmReset = 6,
        /// 7 TARGET COLD RESET.
        TargetColdReset = 7,
        /// 8 TASK REASSIGN (ERL 2 only).
        TaskReassign = 8,
    }
}

open_enum! {
    /// Task management response (RFC 7143 §11.6.1).
    pub enum TmfResponse: u8 {
        /// 0 Function complete.
        FunctionComplete = 0,
        /// 1 Task does not exist.
        TaskDoesNotExist = 1,
        /// 2 LUN does not exist.
        LunDoesNotExist = 2,
        /// 3 Task still allegiant.
        TaskStillAllegiant = 3,
        /// 4 Task allegiance reassignment not supported.
        ReassignmentNotSupported = 4,
        /// 5 Task management function not supported.
        FunctionNotSupported = 5,
        /// 6 Function authorization failed.
        AuthorizationFailed = 6,
        /// 255 Function rejected.
        FunctionRejected = 255,
    }
}

open_enum! {
    /// The iSCSI Response field of a SCSI Response (RFC 7143 §11.4.3).
    pub enum ScsiResponseCode: u8 {
        /// 0x00 Command completed at target (status is valid).
        CommandCompleted = 0x00,
        /// 0x01 Target failure.
        TargetFailure = 0x01,
    }
}

open_enum! {
    /// SCSI status (SAM-5), carried by a SCSI Response or a final Data-In.
    pub enum ScsiStatus: u8 {
        /// 0x00 GOOD.
        Good = 0x00,
        /// 0x02 CHECK CONDITION: sense data follows.
        CheckCondition = 0x02,
        /// 0x04 CONDITION MET.
        ConditionMet = 0x04,
        /// 0x08 BUSY.
        Busy = 0x08,
        /// 0x18 RESERVATION CONFLICT.
        ReservationConflict = 0x18,
        /// 0x28 TASK SET FULL.
        TaskSetFull = 0x28,
        /// 0x30 ACA ACTIVE.
        AcaActive = 0x30,
        /// 0x40 TASK ABORTED.
        TaskAborted = 0x40,
    }
}

open_enum! {
    /// Task attribute of a SCSI Command (RFC 7143 §11.3.1), bits 0–2 of byte 1.
    pub enum TaskAttribute: u8 {
        /// 0 Untagged.
        Untagged = 0,
        /// 1 Simple.
        Simple = 1,
        /// 2 Ordered.
        Ordered = 2,
        /// 3 Head of queue.
        HeadOfQueue = 3,
        /// 4 ACA.
        Aca = 4,
    }
}

open_enum! {
    /// Logout reason code (RFC 7143 §11.14.1), the low 7 bits of byte 1.
    pub enum LogoutReason: u8 {
        /// 0 Close the session.
        CloseSession = 0,
        /// 1 Close the connection.
        CloseConnection = 1,
        /// 2 Remove the connection for recovery (ERL 2).
        RemoveConnectionForRecovery = 2,
    }
}

open_enum! {
    /// Logout response (RFC 7143 §11.15.1).
    pub enum LogoutResponseCode: u8 {
        /// 0 Connection or session closed successfully.
        ClosedSuccessfully = 0,
        /// 1 CID not found.
        CidNotFound = 1,
        /// 2 Connection recovery is not supported.
        RecoveryNotSupported = 2,
        /// 3 Cleanup failed for various reasons.
        CleanupFailed = 3,
    }
}

open_enum! {
    /// SNACK type (RFC 7143 §11.16.1), the low 4 bits of byte 1.
    pub enum SnackType: u8 {
        /// 0 Data/R2T SNACK.
        DataR2t = 0,
        /// 1 Status SNACK.
        Status = 1,
        /// 2 DataACK.
        DataAck = 2,
        /// 3 R-Data SNACK.
        RData = 3,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn login_status_parts() {
        let s = LoginStatus::from_parts(2, 1);
        assert_eq!(s, LoginStatus::AuthenticationFailure);
        assert_eq!((s.class(), s.detail()), (2, 1));
        let unknown = LoginStatus::from_parts(3, 0x99);
        assert_eq!(unknown, LoginStatus::Unknown(0x0399));
        assert_eq!(unknown.class(), 3);
        assert!(!unknown.is_known());
    }

    #[test]
    fn login_status_display_names_every_defined_code() {
        let table = [
            (0x0000, "success (0x0000)"),
            (0x0101, "redirection: target moved temporarily (0x0101)"),
            (0x0102, "redirection: target moved permanently (0x0102)"),
            (0x0200, "initiator error: unspecified (0x0200)"),
            (0x0201, "initiator error: authentication failure (0x0201)"),
            (0x0202, "initiator error: authorization failure (0x0202)"),
            (0x0203, "initiator error: target not found (0x0203)"),
            (0x0204, "initiator error: target removed (0x0204)"),
            (0x0205, "initiator error: unsupported version (0x0205)"),
            (0x0206, "initiator error: too many connections (0x0206)"),
            (0x0207, "initiator error: missing parameter (0x0207)"),
            (
                0x0208,
                "initiator error: connection cannot be included in the session (0x0208)",
            ),
            (
                0x0209,
                "initiator error: session type not supported (0x0209)",
            ),
            (0x020a, "initiator error: session does not exist (0x020a)"),
            (
                0x020b,
                "initiator error: request not valid during login (0x020b)",
            ),
            (0x0300, "target error: unspecified (0x0300)"),
            (0x0301, "target error: service unavailable (0x0301)"),
            (0x0302, "target error: out of resources (0x0302)"),
        ];
        for (code, text) in table {
            let status = LoginStatus::from(code);
            assert!(status.is_known(), "{code:#06x}");
            assert_eq!(status.to_string(), text);
        }
        // The table covers every code the enum knows, so a new variant needs a line here.
        let known = (0..=u16::MAX)
            .filter(|&c| LoginStatus::from(c).is_known())
            .count();
        assert_eq!(known, table.len());
    }

    #[test]
    fn login_status_display_of_unknown_codes() {
        let cases = [
            (0x0299, "initiator error: unknown detail 0x99 (0x0299)"),
            (0x0103, "redirection: unknown detail 0x03 (0x0103)"),
            (0x03ff, "target error: unknown detail 0xff (0x03ff)"),
            (0x0005, "success: unknown detail 0x05 (0x0005)"),
            (0x0901, "unknown status class 0x09, detail 0x01 (0x0901)"),
            (0xff00, "unknown status class 0xff, detail 0x00 (0xff00)"),
        ];
        for (code, text) in cases {
            let status = LoginStatus::from(code);
            assert!(!status.is_known(), "{code:#06x}");
            assert_eq!(status.to_string(), text);
        }
        assert_eq!(LoginStatus::from(0x0901).class_name(), None);
        assert_eq!(LoginStatus::Success.detail_name(), None);
    }

    #[test]
    fn open_enums_round_trip_every_byte() {
        for raw in 0..=255u8 {
            assert_eq!(u8::from(RejectReason::from(raw)), raw);
            assert_eq!(u8::from(AsyncEvent::from(raw)), raw);
            assert_eq!(u8::from(TmfFunction::from(raw)), raw);
            assert_eq!(u8::from(TmfResponse::from(raw)), raw);
            assert_eq!(u8::from(ScsiStatus::from(raw)), raw);
            assert_eq!(u8::from(ScsiResponseCode::from(raw)), raw);
            assert_eq!(u8::from(LogoutReason::from(raw)), raw);
            assert_eq!(u8::from(LogoutResponseCode::from(raw)), raw);
            assert_eq!(u8::from(SnackType::from(raw)), raw);
            assert_eq!(u8::from(Stage::from(raw)), raw);
            assert_eq!(u8::from(TaskAttribute::from(raw)), raw);
        }
        assert_eq!(RejectReason::from(0x09), RejectReason::InvalidPduField);
        assert_eq!(TmfFunction::from(7), TmfFunction::TargetColdReset);
        assert_eq!(ScsiStatus::from(0x28), ScsiStatus::TaskSetFull);
    }
}
