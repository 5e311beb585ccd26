//! Open enums and bit masks for the iSNSP wire codes (RFC 4171 §5.1.2, §5.4, §6). Each open
//! enum keeps an unknown value as `Unknown(raw)`; whether that is an error is decided by the
//! caller.

use std::fmt;

use crate::wire::open_enum;

open_enum! {
    /// Function ID (RFC 4171 §5.1.2). A response carries the request's ID with bit 15 set.
    pub enum FunctionId: u16 {
        /// 0x0001 DevAttrReg: register or update objects.
        DevAttrReg = 0x0001,
        /// 0x0002 DevAttrQry: query objects' attributes.
        DevAttrQry = 0x0002,
        /// 0x0003 DevGetNext: iterate over the objects of one type.
        DevGetNext = 0x0003,
        /// 0x0004 DevDereg: deregister objects.
        DevDereg = 0x0004,
        /// 0x0005 SCNReg: register for state change notifications.
        ScnReg = 0x0005,
        /// 0x0006 SCNDereg: cancel that registration.
        ScnDereg = 0x0006,
        /// 0x0007 SCNEvent.
        ScnEvent = 0x0007,
        /// 0x0008 SCN: a state change notification (server to client).
        Scn = 0x0008,
        /// 0x000D ESI: entity status inquiry (server to client).
        Esi = 0x000D,
        /// 0x000E Heartbeat (server multicast).
        Heartbeat = 0x000E,
        /// 0x8001 DevAttrRegRsp.
        DevAttrRegRsp = 0x8001,
        /// 0x8002 DevAttrQryRsp.
        DevAttrQryRsp = 0x8002,
        /// 0x8003 DevGetNextRsp.
        DevGetNextRsp = 0x8003,
        /// 0x8004 DevDeregRsp.
        DevDeregRsp = 0x8004,
        /// 0x8005 SCNRegRsp.
        ScnRegRsp = 0x8005,
        /// 0x8006 SCNDeregRsp.
        ScnDeregRsp = 0x8006,
        /// 0x8007 SCNEventRsp.
        ScnEventRsp = 0x8007,
        /// 0x8008 SCNRsp: our answer to an SCN.
        ScnRsp = 0x8008,
        /// 0x800D ESIRsp.
        EsiRsp = 0x800D,
    }
}

/// Bit 15 of a Function ID: set in every response (RFC 4171 §5.1.2).
pub const RESPONSE_BIT: u16 = 0x8000;

impl FunctionId {
    /// Whether this is a response (bit 15 set): its payload starts with a status code.
    pub fn is_response(self) -> bool {
        u16::from(self) & RESPONSE_BIT != 0
    }

    /// The response to this request (bit 15 set).
    pub fn response(self) -> Self {
        Self::from(u16::from(self) | RESPONSE_BIT)
    }
}

open_enum! {
    /// Status code of a response (RFC 4171 §5.4).
    pub enum Status: u32 {
        /// 0 Successful.
        Success = 0,
        /// 1 Unknown error.
        UnknownError = 1,
        /// 2 Message format error.
        MessageFormatError = 2,
        /// 3 Invalid registration.
        InvalidRegistration = 3,
        /// 5 Invalid query.
        InvalidQuery = 5,
        /// 6 Source unknown (the Source is not a registered node).
        SourceUnknown = 6,
        /// 7 Source absent.
        SourceAbsent = 7,
        /// 8 Source unauthorized.
        SourceUnauthorized = 8,
        /// 9 No such entry (also the end of a DevGetNext iteration).
        NoSuchEntry = 9,
        /// 10 Version not supported.
        VersionNotSupported = 10,
        /// 11 Internal error.
        InternalError = 11,
        /// 12 Busy.
        Busy = 12,
        /// 13 Option not understood.
        OptionNotUnderstood = 13,
        /// 14 Invalid update.
        InvalidUpdate = 14,
        /// 15 Message (function ID) not supported.
        MessageNotSupported = 15,
        /// 16 SCN event rejected.
        ScnEventRejected = 16,
        /// 17 SCN registration rejected.
        ScnRegistrationRejected = 17,
        /// 18 Attribute not implemented.
        AttributeNotImplemented = 18,
        /// 21 ESI not available.
        EsiNotAvailable = 21,
        /// 22 Invalid deregistration.
        InvalidDeregistration = 22,
        /// 23 Registration feature not supported.
        RegistrationFeatureNotSupported = 23,
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = match self {
            Self::Success => "successful",
            Self::UnknownError => "unknown error",
            Self::MessageFormatError => "message format error",
            Self::InvalidRegistration => "invalid registration",
            Self::InvalidQuery => "invalid query",
            Self::SourceUnknown => "source unknown",
            Self::SourceAbsent => "source absent",
            Self::SourceUnauthorized => "source unauthorized",
            Self::NoSuchEntry => "no such entry",
            Self::VersionNotSupported => "version not supported",
            Self::InternalError => "internal error",
            Self::Busy => "busy",
            Self::OptionNotUnderstood => "option not understood",
            Self::InvalidUpdate => "invalid update",
            Self::MessageNotSupported => "message not supported",
            Self::ScnEventRejected => "SCN event rejected",
            Self::ScnRegistrationRejected => "SCN registration rejected",
            Self::AttributeNotImplemented => "attribute not implemented",
            Self::EsiNotAvailable => "ESI not available",
            Self::InvalidDeregistration => "invalid deregistration",
            Self::RegistrationFeatureNotSupported => "registration feature not supported",
            Self::Unknown(code) => return write!(f, "status {code}"),
        };
        write!(f, "{text} ({})", u32::from(*self))
    }
}

open_enum! {
    /// Attribute tag (RFC 4171 §6): the attributes an iSCSI initiator needs.
    pub enum Tag: u32 {
        /// 0 Delimiter: separates Message Key from Operating attributes (§5.6.3).
        Delimiter = 0,
        /// 1 Entity Identifier (string).
        EntityId = 1,
        /// 2 Entity Protocol (u32: 1 none, 2 iSCSI, 3 iFCP).
        EntityProtocol = 2,
        /// 6 Registration Period (u32 seconds).
        RegistrationPeriod = 6,
        /// 16 Portal IP Address (16 bytes).
        PortalIp = 16,
        /// 17 Portal TCP/UDP Port (u32).
        PortalPort = 17,
        /// 23 Portal SCN Port (u32).
        ScnPort = 23,
        /// 32 iSCSI Name (string).
        IscsiName = 32,
        /// 33 iSCSI Node Type (u32 mask, [`node_type`]).
        NodeType = 33,
        /// 34 iSCSI Alias (string).
        Alias = 34,
        /// 35 iSCSI SCN Bitmap (u32 mask, [`scn`]).
        ScnBitmap = 35,
        /// 48 PG iSCSI Name (string).
        PgIscsiName = 48,
        /// 49 PG Portal IP Address (16 bytes).
        PgPortalIp = 49,
        /// 50 PG Portal TCP/UDP Port (u32).
        PgPortalPort = 50,
        /// 51 Portal Group Tag (u32; a length of 0 means no group).
        PgTag = 51,
    }
}

/// iSCSI Node Type bits (RFC 4171 §6.4.2).
pub mod node_type {
    /// A target.
    pub const TARGET: u32 = 0x1;
    /// An initiator.
    pub const INITIATOR: u32 = 0x2;
    /// A control node.
    pub const CONTROL: u32 = 0x4;
}

/// iSCSI SCN Bitmap bits (RFC 4171 §6.4.4).
pub mod scn {
    /// A DD/DDS member was added.
    pub const DD_MEMBER_ADDED: u32 = 0x01;
    /// A DD/DDS member was removed.
    pub const DD_MEMBER_REMOVED: u32 = 0x02;
    /// An object was updated.
    pub const OBJECT_UPDATED: u32 = 0x04;
    /// An object was added.
    pub const OBJECT_ADDED: u32 = 0x08;
    /// An object was removed.
    pub const OBJECT_REMOVED: u32 = 0x10;
    /// Management registration.
    pub const MANAGEMENT: u32 = 0x20;
    /// Only targets (and ourselves).
    pub const TARGET_AND_SELF_ONLY: u32 = 0x40;
    /// Only initiators (and ourselves).
    pub const INITIATOR_AND_SELF_ONLY: u32 = 0x80;
}

/// The PDU header's Flags field (RFC 4171 §5.1.4).
#[derive(Clone, Copy, Debug, Default, Eq, Hash, PartialEq)]
pub struct Flags(pub u16);

impl Flags {
    /// Sent by a client.
    pub const CLIENT: Self = Self(0x8000);
    /// Sent by a server.
    pub const SERVER: Self = Self(0x4000);
    /// An authentication block is present.
    pub const AUTH: Self = Self(0x2000);
    /// Replace (DevAttrReg only).
    pub const REPLACE: Self = Self(0x1000);
    /// The message's last PDU.
    pub const LAST: Self = Self(0x0800);
    /// The message's first PDU.
    pub const FIRST: Self = Self(0x0400);

    /// Whether every bit of `other` is set.
    pub fn contains(self, other: Self) -> bool {
        self.0 & other.0 == other.0
    }

    /// These flags with `other`'s bits set.
    #[must_use]
    pub fn with(self, other: Self) -> Self {
        Self(self.0 | other.0)
    }

    /// These flags with `other`'s bits clear.
    #[must_use]
    pub fn without(self, other: Self) -> Self {
        Self(self.0 & !other.0)
    }
}
