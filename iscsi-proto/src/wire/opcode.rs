//! Opcodes (RFC 7143 §11.2.1.2). Closed: an unknown opcode can only be rejected.

use super::DecodeError;

/// An iSCSI opcode. Initiator opcodes are 0x00–0x1f, target opcodes 0x20–0x3f.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, Eq, Hash, PartialEq)]
#[repr(u8)]
pub enum Opcode {
    /// NOP-Out (§11.18).
    NopOut = 0x00,
    /// SCSI Command (§11.3).
    ScsiCommand = 0x01,
    /// SCSI Task Management Function Request (§11.5).
    TaskMgmtRequest = 0x02,
    /// Login Request (§11.12).
    LoginRequest = 0x03,
    /// Text Request (§11.10).
    TextRequest = 0x04,
    /// SCSI Data-Out (§11.7).
    DataOut = 0x05,
    /// Logout Request (§11.14).
    LogoutRequest = 0x06,
    /// SNACK Request (§11.16).
    SnackRequest = 0x10,
    /// NOP-In (§11.19).
    NopIn = 0x20,
    /// SCSI Response (§11.4).
    ScsiResponse = 0x21,
    /// SCSI Task Management Function Response (§11.6).
    TaskMgmtResponse = 0x22,
    /// Login Response (§11.13).
    LoginResponse = 0x23,
    /// Text Response (§11.11).
    TextResponse = 0x24,
    /// SCSI Data-In (§11.7).
    DataIn = 0x25,
    /// Logout Response (§11.15).
    LogoutResponse = 0x26,
    /// Ready To Transfer (§11.8).
    R2t = 0x31,
    /// Asynchronous Message (§11.9).
    AsyncMessage = 0x32,
    /// Reject (§11.17).
    Reject = 0x3f,
}

impl Opcode {
    /// Mask of the opcode bits in byte 0 of the BHS.
    pub const MASK: u8 = 0x3f;

    /// Whether this opcode is sent by an initiator.
    pub fn is_initiator(self) -> bool {
        (self as u8) < 0x20
    }
}

impl TryFrom<u8> for Opcode {
    type Error = DecodeError;

    fn try_from(raw: u8) -> Result<Self, DecodeError> {
        Ok(match raw & Self::MASK {
            0x00 => Self::NopOut,
            0x01 => Self::ScsiCommand,
            0x02 => Self::TaskMgmtRequest,
            0x03 => Self::LoginRequest,
            0x04 => Self::TextRequest,
            0x05 => Self::DataOut,
            0x06 => Self::LogoutRequest,
            0x10 => Self::SnackRequest,
            0x20 => Self::NopIn,
            0x21 => Self::ScsiResponse,
            0x22 => Self::TaskMgmtResponse,
            0x23 => Self::LoginResponse,
            0x24 => Self::TextResponse,
            0x25 => Self::DataIn,
            0x26 => Self::LogoutResponse,
            0x31 => Self::R2t,
            0x32 => Self::AsyncMessage,
            0x3f => Self::Reject,
            other => return Err(DecodeError::UnknownOpcode(other)),
        })
    }
}
