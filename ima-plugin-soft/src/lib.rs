//! The IMA plugin that presents the userspace initiator as one physical and one logical HBA
//! (`libima_plugin_soft.so`).
//!
//! # Layers
//! - [`exports`]: every entry point a library may look up (the whole list of
//!   `ima_abi::plugin_api`, plus `Initialize`, `Terminate`). Each runs in the
//!   `ima_support` guard, validates its pointer arguments, checks OIDs (another ownerId or a
//!   negative sequence number → `IMA_ERROR_OBJECT_NOT_FOUND`; a wrong type →
//!   `IMA_ERROR_INCORRECT_OBJECT_TYPE`), converts C types to Rust ones and calls the
//!   [`Backend`]. Each export's signature is checked at compile time against its prototype in
//!   `ima_abi::plugin_api`.
//! - [`Backend`]: the engine behind the plugin, in Rust types. Every method defaults to
//!   [`PluginError::NotSupported`]; [`NullBackend`] is the placeholder installed by
//!   `Initialize` until the real engine is plugged in ([`state::install`]).
//! - [`state`]: the ownerId from `Initialize` and the installed backend.
//!
//! # Rules kept for illumos-style libraries (docs/ima-notes.md §4)
//! - Every IMA 1.1 name (and the Oracle additions and Sun tunables) is exported; what the
//!   backend cannot do answers `IMA_ERROR_NOT_SUPPORTED` when the object exists and
//!   `IMA_ERROR_OBJECT_NOT_FOUND` when it does not.
//! - The four system-wide lists (LHBA, PHBA, non-shared node, LNP) always answer SUCCESS, with
//!   an empty list if the backend has nothing (or does not support the call); asking twice
//!   gives the same answer.
//! - Every OID handed out carries the ownerId given to `Initialize`.
//! - Returned memory comes from the C allocator (`ima_support::memory`) and is released by
//!   this plugin's `IMA_FreeMemory` (a library may also `free()` it directly).
//!   `IMA_ADDRESS_KEYS` lists are over-allocated to `max(1, count) * 32` bytes.
//! - Node calls accept any OID (a library may pass an uninitialised one): the plugin has one
//!   initiator node.
//! - The plugin never calls its own exports; the cdylib is linked with `-Bsymbolic` (see
//!   `build.rs`).
#![warn(missing_docs)]

pub mod backend;
pub mod engine;
mod error;
pub mod exports;
pub mod ioctl;
pub mod null;
pub mod remote;
pub mod state;

pub use backend::{
    Applied, AutoLogin, Backend, ConnectionInfo, DeviceStats, DiscoveryAddressInfo, DiscoveryInfo,
    DiscoveryMethod, Event, Host, LhbaInfo, LnpInfo, LoginParam, LoginParamInfo, LuInfo, NodeInfo,
    ObjectRef, ParamValue, PhbaInfo, PluginInfo, PnpInfo, PnpStats, PortStatus, PortalInfo,
    RescanSummary, ScsiReply, SessionAddresses, SessionInfo, StaticTarget, StaticTargetInfo,
    TargetAddr, TargetErrors, TargetInfo,
};
pub use error::PluginError;
pub use null::NullBackend;
