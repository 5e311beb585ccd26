//! Primitive typedefs and general constants (docs/ima-notes.md §1.1, §1.3).

use core::ffi::{c_uchar, c_ulong};

/// `IMA_UINT`: `unsigned long` (8 bytes on LP64). Used for counts and lengths.
pub type ImaUint = c_ulong;
/// `IMA_UINT64` / `IMA_INT64`: C `long long` (signed in the SNIA header).
pub type ImaUint64 = i64;
/// `IMA_UINT32`.
pub type ImaUint32 = u32;
/// `IMA_UINT16`.
pub type ImaUint16 = u16;
/// `IMA_BOOL`: `IMA_UINT32` holding [`IMA_TRUE`] or [`IMA_FALSE`].
pub type ImaBool = u32;
/// `IMA_XBOOL`: like [`ImaBool`] but may also be [`IMA_UNKNOWN`].
pub type ImaXbool = u32;
/// `IMA_BYTE`: `unsigned char`.
pub type ImaByte = c_uchar;
/// `IMA_WCHAR`: the platform `wchar_t` (UTF-32 on Linux).
pub type WChar = libc::wchar_t;
/// `IMA_DATETIME`: the platform `struct tm`.
pub type ImaDatetime = libc::tm;

/// `IMA_TRUE`.
pub const IMA_TRUE: ImaBool = 1;
/// `IMA_FALSE`.
pub const IMA_FALSE: ImaBool = 0;
/// `IMA_UNKNOWN` (only for [`ImaXbool`]).
pub const IMA_UNKNOWN: ImaXbool = 0xFFFF_FFFF;

/// `IMA_ULP_TCP` flag of `IMA_PHBA_PROPERTIES.supportedUlps`.
pub const IMA_ULP_TCP: ImaUint = 0x01;
/// `IMA_ULP_SCTP` flag.
pub const IMA_ULP_SCTP: ImaUint = 0x02;
/// `IMA_ULP_UDP` flag.
pub const IMA_ULP_UDP: ImaUint = 0x04;

/// `RL_LIBRARY_SEQNUM`: the ownerId of library-owned objects.
pub const RL_LIBRARY_SEQNUM: u32 = 0;
/// `RL_SHARED_NODE_SEQNUM`: the sequence number of the shared node.
pub const RL_SHARED_NODE_SEQNUM: i64 = 0;
/// `IMA_MAX_NUM_PLUGINS`: at most this many plugins are loaded.
pub const IMA_MAX_NUM_PLUGINS: usize = 32;
/// `IMA_MAX_CALLBACK_PER_PLUGIN`: at most this many client callbacks of each kind.
pub const IMA_MAX_CALLBACK_PER_PLUGIN: usize = 64;
/// `IMA_HOST_NAME_LEN` in wide characters, NUL included.
pub const IMA_HOST_NAME_LEN: usize = 256;
/// `IMA_NODE_NAME_LEN` in wide characters, NUL included (names are at most 223 characters).
pub const IMA_NODE_NAME_LEN: usize = 224;
/// `IMA_NODE_ALIAS_LEN` in wide characters, NUL included (aliases are at most 255 characters).
pub const IMA_NODE_ALIAS_LEN: usize = 256;

/// `IMA_NODE_NAME`: a wide iSCSI name. As a parameter it decays to `const IMA_WCHAR *`.
pub type NodeName = [WChar; IMA_NODE_NAME_LEN];
/// `IMA_NODE_ALIAS`: a wide alias.
pub type NodeAlias = [WChar; IMA_NODE_ALIAS_LEN];
/// `IMA_HOST_NAME`: a wide host name.
pub type HostName = [WChar; IMA_HOST_NAME_LEN];
/// `IMA_MAC_ADDRESS`.
pub type MacAddress = [ImaByte; 6];

/// `IMA_OBJECT_VISIBILITY_FN`: `void (*)(IMA_BOOL becomingVisible, IMA_OID oid)`.
pub type ObjectVisibilityFn = unsafe extern "C" fn(becoming_visible: ImaBool, oid: crate::Oid);
/// `IMA_OBJECT_PROPERTY_FN`: `void (*)(IMA_OID oid)`.
pub type ObjectPropertyFn = unsafe extern "C" fn(oid: crate::Oid);
