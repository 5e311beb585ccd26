//! Bytes ⇄ typed iSCSI values (RFC 7143 §11). Stateless and direction-agnostic: every PDU
//! can be decoded *and* encoded, so the same code serves the initiator, the test target,
//! the fuzzers and pretty-printing.
//!
//! # The decoding contract
//!
//! - [`Bhs::decode`] is the only way to turn received bytes into a header view. It checks
//!   the length once; after that no accessor can panic.
//! - [`Header::decode`] turns a [`Bhs`] into a typed header. It fails with a typed
//!   [`DecodeError`] on an unknown opcode, a reserved *code value* in a defined field, or a
//!   flag combination the RFC forbids, so an invalid header never exists as a value.
//! - Reserved *bits and fields* are ignored on receipt (RFC 7143 §11: "reserved fields ...
//!   MUST be ignored by the receiver") and always written as zero by [`Header::encode`]
//!   (RFC 7143 §11: the sender sets them to zero). This is the one place that rule lives;
//!   it is why a decode/encode round trip reproduces the input modulo reserved bits.
//! - Every wire code (status class, reason, event, function) is an open enum that keeps an
//!   unknown value instead of failing or losing it; logic decides later whether it matters.
//!
//! # Encoding contract
//!
//! [`Header::encode`] writes every defined field of a zeroed [`Bhs`]. The fields that depend
//! on the whole PDU (TotalAHSLength and DataSegmentLength) are written by
//! [`Pdu::encode_bhs`] from the AHS and data it carries, so they cannot disagree.

mod ahs;
mod bhs;
mod codes;

mod error;
mod ids;
mod opcode;
pub mod pdu;
mod sense_segment;
mod serial;

pub use ahs::{Ahs, AhsSegment, AhsType, MAX_AHS_BYTES};
pub use bhs::{BHS_LEN, Bhs};
pub use codes::*;
pub(crate) mod digest;
pub use digest::{Crc32c, crc32c, data_digest, header_digest, pad_len, padded_len};
pub use error::{DecodeError, EncodeError};
pub use ids::{Cid, Isid, IsidType, Itt, Lun, Tsih, Ttt};
pub use opcode::Opcode;
pub use pdu::{
    AsyncMessage, DataIn, DataInStatus, DataOut, Header, LoginRequest, LoginResponse,
    LogoutRequest, LogoutResponse, NopIn, NopOut, Pdu, R2t, Reject, Residual, ScsiCommand,
    ScsiResponse, SnackRequest, TaskMgmtRequest, TaskMgmtResponse, TextRequest, TextResponse,
};
pub(crate) use sense_segment::{SENSE_LENGTH_LEN, SenseLengthError, sense_data, sense_data_in};
pub use serial::{CmdKind, CmdSn, DataKind, DataSn, R2tKind, R2tSn, Serial, StatKind, StatSn};

/// Defines an open wire enum: a real Rust enum with one variant per known value, plus
/// `Unknown(raw)` that keeps any other value, and lossless conversions both ways.
///
/// Variant order follows the RFC table it comes from.
macro_rules! open_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident : $repr:ty {
            $( $(#[$vmeta:meta])* $variant:ident = $value:expr, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, Eq, Hash, PartialEq)]
        $vis enum $name {
            $( $(#[$vmeta])* $variant, )+
            /// A value this crate does not know, kept as received.
            Unknown($repr),
        }

        impl From<$repr> for $name {
            fn from(raw: $repr) -> Self {
                match raw {
                    $( $value => Self::$variant, )+
                    other => Self::Unknown(other),
                }
            }
        }

        impl From<$name> for $repr {
            fn from(value: $name) -> Self {
                match value {
                    $( $name::$variant => $value, )+
                    $name::Unknown(other) => other,
                }
            }
        }

        impl $name {
            /// Whether this is one of the values the RFC defines (not `Unknown`).
            #[allow(dead_code)]
            pub fn is_known(self) -> bool {
                !matches!(self, Self::Unknown(_))
            }
        }
    };
}
pub(crate) use open_enum;
