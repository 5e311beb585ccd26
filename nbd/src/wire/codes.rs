//! The NBD protocol's numbered codes: options, option replies, info types, commands,
//! structured reply chunk types and error numbers, plus the flag bits.

use super::open_enum;

/// Handshake flags: the server's u16 after `IHAVEOPT`, and the client's u32 answer.
pub mod handshake_flags {
    /// Server: fixed newstyle negotiation.
    pub const FIXED_NEWSTYLE: u16 = 1 << 0;
    /// Server: the client may ask to omit the 124 zero bytes after `NBD_OPT_EXPORT_NAME`.
    pub const NO_ZEROES: u16 = 1 << 1;
    /// Client: it speaks fixed newstyle.
    pub const C_FIXED_NEWSTYLE: u32 = 1 << 0;
    /// Client: omit the 124 zero bytes.
    pub const C_NO_ZEROES: u32 = 1 << 1;
    /// Every client flag this server knows; any other bit ends the handshake.
    pub const C_KNOWN: u32 = C_FIXED_NEWSTYLE | C_NO_ZEROES;
}

/// Transmission flags: the u16 sent with the export's size.
pub mod transmission_flags {
    /// Always set.
    pub const HAS_FLAGS: u16 = 1 << 0;
    /// The export is read-only.
    pub const READ_ONLY: u16 = 1 << 1;
    /// `NBD_CMD_FLUSH` is supported.
    pub const SEND_FLUSH: u16 = 1 << 2;
    /// `NBD_CMD_FLAG_FUA` is supported.
    pub const SEND_FUA: u16 = 1 << 3;
    /// The medium is rotational (never set here).
    pub const ROTATIONAL: u16 = 1 << 4;
    /// `NBD_CMD_TRIM` is supported.
    pub const SEND_TRIM: u16 = 1 << 5;
    /// `NBD_CMD_WRITE_ZEROES` is supported.
    pub const SEND_WRITE_ZEROES: u16 = 1 << 6;
    /// `NBD_CMD_FLAG_DF` is supported (only with structured replies).
    pub const SEND_DF: u16 = 1 << 7;
    /// A flush on one connection covers writes acknowledged on every connection.
    pub const CAN_MULTI_CONN: u16 = 1 << 8;
}

/// Command flags: the u16 of a transmission request.
pub mod command_flags {
    /// Force unit access: reply only when the data is durable.
    pub const FUA: u16 = 1 << 0;
    /// `NBD_CMD_WRITE_ZEROES`: do not punch a hole.
    pub const NO_HOLE: u16 = 1 << 1;
    /// `NBD_CMD_READ`: do not fragment the reply.
    pub const DF: u16 = 1 << 2;
    /// `NBD_CMD_BLOCK_STATUS`: one extent is enough.
    pub const REQ_ONE: u16 = 1 << 3;
    /// `NBD_CMD_WRITE_ZEROES`: fail unless zeroing is fast (not advertised here).
    pub const FAST_ZERO: u16 = 1 << 4;
    /// Every flag this server accepts; any other bit is answered `EINVAL`.
    pub const KNOWN: u16 = FUA | NO_HOLE | DF | REQ_ONE;
}

open_enum! {
    /// An option the client sends during the handshake (`NBD_OPT_*`).
    pub enum OptionType: u32 {
        /// 1: choose the export and end the handshake, old style.
        ExportName = 1,
        /// 2: end the handshake without an export.
        Abort = 2,
        /// 3: list the exports.
        List = 3,
        /// 5: start TLS (not supported).
        StartTls = 5,
        /// 6: describe an export.
        Info = 6,
        /// 7: describe an export and end the handshake.
        Go = 7,
        /// 8: use structured replies.
        StructuredReply = 8,
        /// 9: list meta contexts.
        ListMetaContext = 9,
        /// 10: select meta contexts.
        SetMetaContext = 10,
        /// 11: extended headers (experimental; not supported).
        ExtendedHeaders = 11,
    }
}

open_enum! {
    /// The type of an option reply (`NBD_REP_*`); errors have bit 31 set.
    pub enum OptionReplyType: u32 {
        /// The option succeeded (and, for lists, the list is complete).
        Ack = 1,
        /// One export of a `LIST`.
        Server = 2,
        /// One information item of `INFO`/`GO`.
        Info = 3,
        /// One meta context of `LIST/SET_META_CONTEXT`.
        MetaContext = 4,
        /// The option is unknown or not supported.
        ErrUnsup = 0x8000_0001,
        /// Forbidden by policy.
        ErrPolicy = 0x8000_0002,
        /// Malformed or out of sequence.
        ErrInvalid = 0x8000_0003,
        /// Not supported on this platform.
        ErrPlatform = 0x8000_0004,
        /// TLS is required first.
        ErrTlsReqd = 0x8000_0005,
        /// No such export.
        ErrUnknown = 0x8000_0006,
        /// The server is shutting down.
        ErrShutdown = 0x8000_0007,
        /// The client must ask for block sizes.
        ErrBlockSizeReqd = 0x8000_0008,
        /// The option's data is too large.
        ErrTooBig = 0x8000_0009,
    }
}

open_enum! {
    /// An information item of `NBD_OPT_INFO`/`GO` (`NBD_INFO_*`).
    pub enum InfoType: u16 {
        /// 0: size and transmission flags (always sent).
        Export = 0,
        /// 1: the export's name.
        Name = 1,
        /// 2: a description of the export.
        Description = 2,
        /// 3: minimum, preferred and maximum block sizes.
        BlockSize = 3,
    }
}

open_enum! {
    /// A transmission command (`NBD_CMD_*`).
    pub enum Command: u16 {
        /// 0: read.
        Read = 0,
        /// 1: write (data follows the header).
        Write = 1,
        /// 2: disconnect (no reply).
        Disc = 2,
        /// 3: flush.
        Flush = 3,
        /// 4: trim (discard).
        Trim = 4,
        /// 5: cache (not advertised).
        Cache = 5,
        /// 6: write zeroes.
        WriteZeroes = 6,
        /// 7: block status of the negotiated meta contexts.
        BlockStatus = 7,
    }
}

open_enum! {
    /// A structured reply chunk type (`NBD_REPLY_TYPE_*`).
    pub enum ChunkType: u16 {
        /// 0: no payload (only with the DONE flag).
        None = 0,
        /// 1: u64 offset, then data.
        OffsetData = 1,
        /// 2: u64 offset, u32 size of a hole.
        OffsetHole = 2,
        /// 5: u32 context id, then (u32 length, u32 flags) extents.
        BlockStatus = 5,
        /// 0x8001: u32 error, u16 message length, message.
        Error = 0x8001,
        /// 0x8002: as `Error`, then u64 offset.
        ErrorOffset = 0x8002,
    }
}

open_enum! {
    /// An error number of a reply; the values are the protocol's, not the host's.
    pub enum Errno: u32 {
        /// 1: the operation is not permitted (read-only export).
        Eperm = 1,
        /// 5: input/output error.
        Eio = 5,
        /// 12: out of memory.
        Enomem = 12,
        /// 22: invalid argument (misaligned, out of range, unknown command).
        Einval = 22,
        /// 28: no space left (write past the end).
        Enospc = 28,
        /// 75: value too large.
        Eoverflow = 75,
        /// 95: not supported.
        Enotsup = 95,
        /// 108: the server is shutting down.
        Eshutdown = 108,
    }
}

/// Chunk flag: this is the last chunk of the reply.
pub const CHUNK_FLAG_DONE: u16 = 1 << 0;
