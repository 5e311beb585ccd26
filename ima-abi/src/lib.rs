//! The `#[repr(C)]` types, constants and status codes of the SNIA iSCSI Management API
//! (IMA 1.1), with compile-time size and offset assertions for x86-64 Linux.
//!
//! This crate exports no symbols; `ima-lib` and `ima-plugin-soft` both depend on it so that
//! their `IMA_*` exports never meet at link time.
//!
//! Conventions (docs/ima-notes.md §1.6):
//! - every struct mirrors the C field order of docs/ima-notes.md §1.5 and is `#[repr(C)]`;
//! - every C `enum` is a `#[repr(transparent)]` integer newtype with associated constants,
//!   never a Rust `enum`, so an out-of-range value from a C caller is a value, not UB;
//! - `IMA_STATUS` is [`ImaStatus`], a `c_ulong` carrying the 32-bit code (the `SOLARIS`
//!   variant of the SNIA header);
//! - wide strings are `wchar_t` arrays ([`WChar`]) and `IMA_DATETIME` is the platform `struct tm`.
//!
//! [`plugin_api`] lists every plugin entry point with its prototype (one list, used by the
//! library's dispatch table and by plugins to check their exports at compile time).
//!
//! Safe helpers convert wide strings ([`wide`]) and allocate counted lists with the C
//! allocator ([`list`]).
#![warn(missing_docs)]

mod enums;
mod layout;
pub mod list;
mod oid;
pub mod plugin_api;
mod prim;
mod props;
mod status;
pub mod wide;

pub use enums::{
    AuthMethod, CommitLevel, DigestType, IsnsDiscoveryMethod, NetworkPortStatus,
    PhbaDownloadImageType, PhbaStatus, TargetDiscoveryMethod, TunableObjectType,
};
pub use oid::{ObjectType, Oid, OidList};
pub use prim::*;
pub use props::*;
pub use status::ImaStatus;

/// Implements `zeroed()` for plain-old-data ABI types.
macro_rules! impl_zeroed {
    ($($t:ty),* $(,)?) => {$(
        impl $t {
            /// An all-zero value (every integer 0, every string empty, every pointer NULL).
            pub fn zeroed() -> Self {
                // SAFETY: the type is `#[repr(C)]` and made only of integers, integer arrays,
                // unions of those and (in `libc::tm`) a raw pointer; all-zero bytes are a
                // valid value for every one of them.
                unsafe { core::mem::zeroed() }
            }
        }
    )*};
}
pub(crate) use impl_zeroed;
