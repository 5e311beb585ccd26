//! NBD wire format (the NBD protocol, `doc/proto.md` of NetworkBlockDevice/nbd): constants,
//! open enums for the codes, and pure codecs for the handshake and transmission phases.
//! Every integer on the wire is big-endian. Nothing here does I/O.

mod codes;
mod option;
mod reply;
mod request;

pub use codes::{
    CHUNK_FLAG_DONE, ChunkType, Command, Errno, InfoType, OptionReplyType, OptionType,
    command_flags, handshake_flags, transmission_flags,
};
pub use option::{
    INFO_BLOCK_SIZE_LEN, INFO_EXPORT_LEN, OPTION_HEADER_LEN, OptionHeader, OptionParseError,
    encode_option_reply, parse_info_request, parse_meta_context_request,
};
pub use reply::{
    CHUNK_HEADER_LEN, SIMPLE_REPLY_LEN, encode_chunk_header, encode_error_chunk,
    encode_simple_reply,
};
pub use request::{REQUEST_HEADER_LEN, RequestHeader};

/// `NBDMAGIC`: the first eight bytes the server sends.
pub const NBD_MAGIC: u64 = 0x4e42_444d_4147_4943;
/// `IHAVEOPT`: the second eight bytes the server sends, and the start of every option.
pub const IHAVEOPT: u64 = 0x4948_4156_454f_5054;
/// The magic that starts every option reply.
pub const OPTION_REPLY_MAGIC: u64 = 0x0003_e889_0455_65a9;
/// The magic that starts every transmission request.
pub const REQUEST_MAGIC: u32 = 0x2560_9513;
/// The magic that starts a simple reply.
pub const SIMPLE_REPLY_MAGIC: u32 = 0x6744_6698;
/// The magic that starts a structured reply chunk.
pub const STRUCTURED_REPLY_MAGIC: u32 = 0x668e_33ef;

/// The only meta context this server offers.
pub const BASE_ALLOCATION: &str = "base:allocation";
/// The namespace prefix of [`BASE_ALLOCATION`]; a LIST query of it matches it.
pub const BASE_NAMESPACE: &str = "base:";
/// Block status flag of `base:allocation`: the extent is a hole (unallocated).
pub const STATE_HOLE: u32 = 1;
/// Block status flag of `base:allocation`: the extent reads as zeroes.
pub const STATE_ZERO: u32 = 2;

/// Length of the reply to `NBD_OPT_EXPORT_NAME` before its optional 124 zero bytes.
pub const EXPORT_NAME_REPLY_LEN: usize = 10;
/// The zero padding after that reply unless the client set `NBD_FLAG_C_NO_ZEROES`.
pub const EXPORT_NAME_ZEROES: usize = 124;

/// Defines an open wire enum: one variant per known value plus `Unknown(raw)` keeping any
/// other value, with lossless conversions both ways.
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
    };
}
pub(crate) use open_enum;
