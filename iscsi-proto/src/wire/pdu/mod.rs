//! Typed PDUs: one small owned header struct per opcode, gathered in [`Header`], and
//! [`Pdu`], which adds the additional header segments and the data segment.
//!
//! Each header type has `decode(&Bhs) -> Result<Self, DecodeError>` and
//! `encode(&self, &mut Bhs)`. `encode` writes the opcode byte (with the I bit where the PDU
//! has one), byte 1 and every defined field into a zeroed [`Bhs`]; reserved bytes stay
//! zero. TotalAHSLength and DataSegmentLength are written by [`Pdu::encode_bhs`].

mod async_msg;
mod data;
mod login;
mod logout;
mod nop;
mod r2t;
mod reject;
mod scsi;
mod snack;
mod task_mgmt;
#[cfg(test)]
mod tests;
mod text;

use bytes::{BufMut, Bytes};

pub use async_msg::AsyncMessage;
pub use data::{DataIn, DataInStatus, DataOut};
pub use login::{LoginRequest, LoginResponse};
pub use logout::{LogoutRequest, LogoutResponse};
pub use nop::{NopIn, NopOut};
pub use r2t::R2t;
pub use reject::Reject;
pub use scsi::{Residual, ScsiCommand, ScsiResponse};
pub use snack::SnackRequest;
pub use task_mgmt::{TaskMgmtRequest, TaskMgmtResponse};
pub use text::{TextRequest, TextResponse};

use super::{
    Ahs, BHS_LEN, Bhs, DecodeError, EncodeError, Itt, MAX_AHS_BYTES, Opcode,
    bhs::{IMMEDIATE_BIT, U24, field},
    digest::pad_len,
};

/// The largest DataSegmentLength the 24-bit field can carry.
pub const MAX_DATA_SEGMENT_LENGTH: usize = 0x00ff_ffff;

/// A typed Basic Header Segment: one variant per opcode.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum Header {
    /// NOP-Out (§11.18).
    NopOut(NopOut),
    /// SCSI Command (§11.3).
    ScsiCommand(ScsiCommand),
    /// SCSI Task Management Function Request (§11.5).
    TaskMgmtRequest(TaskMgmtRequest),
    /// Login Request (§11.12).
    LoginRequest(LoginRequest),
    /// Text Request (§11.10).
    TextRequest(TextRequest),
    /// SCSI Data-Out (§11.7).
    DataOut(DataOut),
    /// Logout Request (§11.14).
    LogoutRequest(LogoutRequest),
    /// SNACK Request (§11.16).
    SnackRequest(SnackRequest),
    /// NOP-In (§11.19).
    NopIn(NopIn),
    /// SCSI Response (§11.4).
    ScsiResponse(ScsiResponse),
    /// SCSI Task Management Function Response (§11.6).
    TaskMgmtResponse(TaskMgmtResponse),
    /// Login Response (§11.13).
    LoginResponse(LoginResponse),
    /// Text Response (§11.11).
    TextResponse(TextResponse),
    /// SCSI Data-In (§11.7).
    DataIn(DataIn),
    /// Logout Response (§11.15).
    LogoutResponse(LogoutResponse),
    /// Ready To Transfer (§11.8).
    R2t(R2t),
    /// Asynchronous Message (§11.9).
    AsyncMessage(AsyncMessage),
    /// Reject (§11.17).
    Reject(Reject),
}

/// Calls `$body` with the header struct bound to `$h`, whatever the variant.
macro_rules! each_variant {
    ($header:expr, $h:ident => $body:expr) => {
        match $header {
            Header::NopOut($h) => $body,
            Header::ScsiCommand($h) => $body,
            Header::TaskMgmtRequest($h) => $body,
            Header::LoginRequest($h) => $body,
            Header::TextRequest($h) => $body,
            Header::DataOut($h) => $body,
            Header::LogoutRequest($h) => $body,
            Header::SnackRequest($h) => $body,
            Header::NopIn($h) => $body,
            Header::ScsiResponse($h) => $body,
            Header::TaskMgmtResponse($h) => $body,
            Header::LoginResponse($h) => $body,
            Header::TextResponse($h) => $body,
            Header::DataIn($h) => $body,
            Header::LogoutResponse($h) => $body,
            Header::R2t($h) => $body,
            Header::AsyncMessage($h) => $body,
            Header::Reject($h) => $body,
        }
    };
}

impl Header {
    /// Decodes a header.
    ///
    /// # Errors
    ///
    /// [`DecodeError::UnknownOpcode`] or the opcode-specific decode error.
    pub fn decode(bhs: &Bhs) -> Result<Self, DecodeError> {
        Ok(match bhs.opcode()? {
            Opcode::NopOut => Self::NopOut(NopOut::decode(bhs)?),
            Opcode::ScsiCommand => Self::ScsiCommand(ScsiCommand::decode(bhs)?),
            Opcode::TaskMgmtRequest => Self::TaskMgmtRequest(TaskMgmtRequest::decode(bhs)?),
            Opcode::LoginRequest => Self::LoginRequest(LoginRequest::decode(bhs)?),
            Opcode::TextRequest => Self::TextRequest(TextRequest::decode(bhs)?),
            Opcode::DataOut => Self::DataOut(DataOut::decode(bhs)?),
            Opcode::LogoutRequest => Self::LogoutRequest(LogoutRequest::decode(bhs)?),
            Opcode::SnackRequest => Self::SnackRequest(SnackRequest::decode(bhs)?),
            Opcode::NopIn => Self::NopIn(NopIn::decode(bhs)?),
            Opcode::ScsiResponse => Self::ScsiResponse(ScsiResponse::decode(bhs)?),
            Opcode::TaskMgmtResponse => Self::TaskMgmtResponse(TaskMgmtResponse::decode(bhs)?),
            Opcode::LoginResponse => Self::LoginResponse(LoginResponse::decode(bhs)?),
            Opcode::TextResponse => Self::TextResponse(TextResponse::decode(bhs)?),
            Opcode::DataIn => Self::DataIn(DataIn::decode(bhs)?),
            Opcode::LogoutResponse => Self::LogoutResponse(LogoutResponse::decode(bhs)?),
            Opcode::R2t => Self::R2t(R2t::decode(bhs)?),
            Opcode::AsyncMessage => Self::AsyncMessage(AsyncMessage::decode(bhs)?),
            Opcode::Reject => Self::Reject(Reject::decode(bhs)?),
        })
    }

    /// Encodes into a fresh header with TotalAHSLength and DataSegmentLength zero.
    pub fn encode(&self) -> Bhs {
        let mut bhs = Bhs::zeroed();
        each_variant!(self, h => h.encode(&mut bhs));
        bhs
    }

    /// The opcode.
    pub fn opcode(&self) -> Opcode {
        match self {
            Self::NopOut(_) => Opcode::NopOut,
            Self::ScsiCommand(_) => Opcode::ScsiCommand,
            Self::TaskMgmtRequest(_) => Opcode::TaskMgmtRequest,
            Self::LoginRequest(_) => Opcode::LoginRequest,
            Self::TextRequest(_) => Opcode::TextRequest,
            Self::DataOut(_) => Opcode::DataOut,
            Self::LogoutRequest(_) => Opcode::LogoutRequest,
            Self::SnackRequest(_) => Opcode::SnackRequest,
            Self::NopIn(_) => Opcode::NopIn,
            Self::ScsiResponse(_) => Opcode::ScsiResponse,
            Self::TaskMgmtResponse(_) => Opcode::TaskMgmtResponse,
            Self::LoginResponse(_) => Opcode::LoginResponse,
            Self::TextResponse(_) => Opcode::TextResponse,
            Self::DataIn(_) => Opcode::DataIn,
            Self::LogoutResponse(_) => Opcode::LogoutResponse,
            Self::R2t(_) => Opcode::R2t,
            Self::AsyncMessage(_) => Opcode::AsyncMessage,
            Self::Reject(_) => Opcode::Reject,
        }
    }

    /// The Initiator Task Tag (bytes 16–19), read from the typed header. An Asynchronous
    /// Message and a Reject carry no task: theirs is [`Itt::RESERVED`] from a conforming
    /// target.
    pub fn itt(&self) -> Itt {
        each_variant!(self, h => h.itt)
    }
}

/// A whole PDU: header, additional header segments and data segment (without padding or
/// digests, which belong to framing).
///
/// The data is a [`Bytes`]: on receive a slice of the read buffer, on send a slice of the
/// caller's buffer, never copied by this layer.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct Pdu {
    /// The typed header.
    pub header: Header,
    /// Additional header segments.
    pub ahs: Ahs,
    /// The data segment, without padding.
    pub data: Bytes,
}

impl Pdu {
    /// A PDU with no AHS.
    pub fn new(header: impl Into<Header>, data: Bytes) -> Self {
        Self {
            header: header.into(),
            ahs: Ahs::new(),
            data,
        }
    }

    /// Assembles a received PDU from its header, AHS area and data segment (padding and
    /// digests already removed by the framer).
    ///
    /// # Errors
    ///
    /// Any [`DecodeError`] from the header or the AHS.
    pub fn decode(bhs: &Bhs, ahs_area: &Bytes, data: Bytes) -> Result<Self, DecodeError> {
        let header = Header::decode(bhs)?;
        let ahs = if ahs_area.is_empty() {
            Ahs::new()
        } else {
            Ahs::decode(ahs_area)?
        };
        Ok(Self { header, ahs, data })
    }

    /// The header with TotalAHSLength and DataSegmentLength filled in.
    ///
    /// # Errors
    ///
    /// [`EncodeError`] when the data or the AHS are too long for their length fields.
    pub fn encode_bhs(&self) -> Result<Bhs, EncodeError> {
        let mut bhs = self.header.encode();
        let ahs_len = self.ahs.encoded_len();
        if ahs_len > MAX_AHS_BYTES || self.ahs.0.iter().any(|s| s.specific.len() > 0xffff) {
            return Err(EncodeError::AhsTooLong);
        }
        let dsl = u32::try_from(self.data.len())
            .ok()
            .filter(|&len| len as usize <= MAX_DATA_SEGMENT_LENGTH)
            .ok_or(EncodeError::DataSegmentTooLong {
                len: self.data.len(),
                max: MAX_DATA_SEGMENT_LENGTH,
            })?;
        // ahs_len <= 1020 was checked above, so the word count fits a byte.
        bhs.set(
            field::TOTAL_AHS_LENGTH,
            u8::try_from(ahs_len / 4).unwrap_or(u8::MAX),
        );
        bhs.set(field::DATA_SEGMENT_LENGTH, U24(dsl));
        Ok(bhs)
    }

    /// Appends the PDU without digests: BHS, AHS, data, padding. Convenient for tests and
    /// login, where digests are never on; the framer's encoder is the general path.
    ///
    /// # Errors
    ///
    /// As [`Pdu::encode_bhs`].
    pub fn encode(&self, dst: &mut impl BufMut) -> Result<(), EncodeError> {
        let bhs = self.encode_bhs()?;
        dst.put_slice(bhs.as_bytes());
        self.ahs.encode(dst);
        dst.put_slice(&self.data);
        dst.put_bytes(0, pad_len(self.data.len()));
        Ok(())
    }

    /// Decodes one PDU without digests from the start of `src`, returning it and the bytes
    /// consumed. The test-and-tools counterpart of [`Pdu::encode`].
    ///
    /// # Errors
    ///
    /// [`DecodeError::Truncated`] when `src` holds less than the whole PDU, or any header
    /// or AHS error.
    pub fn decode_bytes(src: &Bytes) -> Result<(Self, usize), DecodeError> {
        let bhs = Bhs::decode(src)?;
        let ahs_end = BHS_LEN + bhs.ahs_bytes();
        let dsl = bhs.data_segment_length() as usize;
        let data_end = ahs_end + dsl;
        let total = data_end + pad_len(dsl);
        if src.len() < total {
            return Err(DecodeError::Truncated {
                needed: total,
                available: src.len(),
            });
        }
        let pdu = Self::decode(
            &bhs,
            &src.slice(BHS_LEN..ahs_end),
            src.slice(ahs_end..data_end),
        )?;
        Ok((pdu, total))
    }
}

macro_rules! impl_into_header {
    ($($ty:ident),+ $(,)?) => {
        $(impl From<$ty> for Header {
            fn from(h: $ty) -> Self {
                Self::$ty(h)
            }
        })+
    };
}
impl_into_header!(
    NopOut,
    ScsiCommand,
    TaskMgmtRequest,
    LoginRequest,
    TextRequest,
    DataOut,
    LogoutRequest,
    SnackRequest,
    NopIn,
    ScsiResponse,
    TaskMgmtResponse,
    LoginResponse,
    TextResponse,
    DataIn,
    LogoutResponse,
    R2t,
    AsyncMessage,
    Reject,
);

/// Byte 0: the opcode with the I bit.
pub(crate) fn opcode_byte(opcode: Opcode, immediate: bool) -> u8 {
    opcode as u8 | flag(immediate, IMMEDIATE_BIT)
}

/// `bit` when `set`, else 0: one flag of a flags byte.
pub(crate) const fn flag(set: bool, bit: u8) -> u8 {
    if set { bit } else { 0 }
}

#[cfg(test)]
pub(crate) mod test_util {
    //! Helpers shared by the per-PDU vector tests.

    use super::*;

    /// Encodes `header` into a buffer pre-filled with 0xA5 (so a forgotten field shows),
    /// then compares with `expected`, decodes `expected` and compares with `header`.
    pub(crate) fn check_vector(header: Header, expected: &[u8; BHS_LEN]) {
        let mut filled = [0xa5u8; BHS_LEN];
        filled.copy_from_slice(header.encode().as_bytes());
        assert_eq!(&filled, expected, "encode of {header:?}");
        let decoded = Header::decode(&Bhs::from_bytes(*expected)).expect("vector decodes");
        assert_eq!(decoded, header);
        assert_eq!(
            decoded.opcode(),
            Bhs::from_bytes(*expected).opcode().unwrap()
        );
        assert_eq!(decoded.itt(), Bhs::from_bytes(*expected).itt());
    }

    /// Decodes 48 raw bytes.
    pub(crate) fn decode_raw(raw: [u8; BHS_LEN]) -> Result<Header, DecodeError> {
        Header::decode(&Bhs::from_bytes(raw))
    }

    /// Flips each `(offset, mask)` of reserved bits in `vector`, one at a time and all at
    /// once, and checks the header decodes to the same value.
    pub(crate) fn check_reserved_ignored(vector: &[u8; BHS_LEN], reserved: &[(usize, u8)]) {
        let expected = decode_raw(*vector).expect("vector decodes");
        let mut all = *vector;
        for &(offset, mask) in reserved {
            let mut one = *vector;
            one[offset] ^= mask;
            all[offset] ^= mask;
            assert_eq!(
                decode_raw(one),
                Ok(expected),
                "byte {offset} mask {mask:#04x}"
            );
        }
        assert_eq!(decode_raw(all), Ok(expected), "all reserved bits flipped");
    }
}
