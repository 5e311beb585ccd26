//! SCSI status (SAM-5 §5.3). The type lives in [`crate::wire`] because SCSI Response and
//! Data-In PDUs carry it; this module re-exports it and adds the questions an initiator asks.
//!
//! | Code | Status | Meaning for the initiator |
//! |---|---|---|
//! | 0x00 | GOOD | done |
//! | 0x02 | CHECK CONDITION | sense data says why |
//! | 0x04 | CONDITION MET | done (PRE-FETCH) |
//! | 0x08 | BUSY | retry later |
//! | 0x18 | RESERVATION CONFLICT | another initiator holds a reservation |
//! | 0x28 | TASK SET FULL | retry with fewer outstanding commands |
//! | 0x30 | ACA ACTIVE | an ACA condition must be cleared first |
//! | 0x40 | TASK ABORTED | aborted by another initiator's action |
//!
//! Any other value is kept as [`ScsiStatus::Unknown`].

pub use crate::wire::ScsiStatus;

impl ScsiStatus {
    /// GOOD: the command completed without error.
    pub fn is_good(self) -> bool {
        self == Self::Good
    }

    /// GOOD or CONDITION MET: the command completed successfully.
    pub fn is_success(self) -> bool {
        matches!(self, Self::Good | Self::ConditionMet)
    }

    /// CHECK CONDITION: the response should carry sense data.
    pub fn has_sense(self) -> bool {
        self == Self::CheckCondition
    }

    /// BUSY or TASK SET FULL: the target is temporarily unable to take the command, which
    /// can be sent again later unchanged.
    pub fn is_retryable(self) -> bool {
        matches!(self, Self::Busy | Self::TaskSetFull)
    }

    /// The SAM-5 name, e.g. `"CHECK CONDITION"`, or `None` for an unknown code.
    pub fn sam_name(self) -> Option<&'static str> {
        Some(match self {
            Self::Good => "GOOD",
            Self::CheckCondition => "CHECK CONDITION",
            Self::ConditionMet => "CONDITION MET",
            Self::Busy => "BUSY",
            Self::ReservationConflict => "RESERVATION CONFLICT",
            Self::TaskSetFull => "TASK SET FULL",
            Self::AcaActive => "ACA ACTIVE",
            Self::TaskAborted => "TASK ABORTED",
            Self::Unknown(_) => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_round_trips_and_classifies() {
        let table = [
            (0x00, ScsiStatus::Good, "GOOD"),
            (0x02, ScsiStatus::CheckCondition, "CHECK CONDITION"),
            (0x04, ScsiStatus::ConditionMet, "CONDITION MET"),
            (0x08, ScsiStatus::Busy, "BUSY"),
            (
                0x18,
                ScsiStatus::ReservationConflict,
                "RESERVATION CONFLICT",
            ),
            (0x28, ScsiStatus::TaskSetFull, "TASK SET FULL"),
            (0x30, ScsiStatus::AcaActive, "ACA ACTIVE"),
            (0x40, ScsiStatus::TaskAborted, "TASK ABORTED"),
        ];
        for (code, status, name) in table {
            assert_eq!(ScsiStatus::from(code), status);
            assert_eq!(u8::from(status), code);
            assert_eq!(status.sam_name(), Some(name));
        }
        assert!(ScsiStatus::Good.is_good() && ScsiStatus::Good.is_success());
        assert!(!ScsiStatus::ConditionMet.is_good() && ScsiStatus::ConditionMet.is_success());
        assert!(ScsiStatus::CheckCondition.has_sense());
        assert!(ScsiStatus::Busy.is_retryable() && ScsiStatus::TaskSetFull.is_retryable());
        assert!(!ScsiStatus::ReservationConflict.is_retryable());
        let unknown = ScsiStatus::from(0x22);
        assert_eq!(unknown, ScsiStatus::Unknown(0x22));
        assert_eq!(u8::from(unknown), 0x22);
        assert_eq!(unknown.sam_name(), None);
        assert!(!unknown.is_success() && !unknown.has_sense());
    }
}
