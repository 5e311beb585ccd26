//! The software HBA engine of the IMA plugin: what a hardware HBA's driver would own,
//! for the userspace initiator.
//!
//! ```no_run
//! # async fn demo() -> Result<(), iscsi_hba::HbaError> {
//! use iscsi_hba::{Engine, EngineConfig};
//!
//! let engine = Engine::start(EngineConfig::from_env())?;
//! println!("node {}", engine.node().name);
//! let portal = "192.0.2.10:3260".parse().map_err(|_| {
//!     iscsi_hba::HbaError::InvalidArgument("portal".into())
//! })?;
//! engine.add_discovery_address(portal)?;
//! engine.refresh_discovery().await?;
//! for (target, info) in engine.targets() {
//!     for (lu, lu_info) in engine.lus(target).await? {
//!         println!("{} {lu} {lu_info:?}", info.name);
//!     }
//! }
//! engine.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! # Model
//!
//! - [`Engine`] is a cheap cloneable handle. It owns the node identity, the discovery
//!   configuration (persisted in a JSON state file shared by every process, see
//!   docs/hba.md), the targets discovery found, their LUs, and one [`Session`] per
//!   target.
//! - Every object has an [`ObjectId`]: an [`ObjectKind`] and a sequence number that is
//!   stable for the object's life and never reused in a process. The PHBA, the LHBA and the
//!   node are seq 1.
//! - Getters are synchronous and cheap; persisted changes are synchronous, bounded by the
//!   lock timeout; operations that talk to targets are `async` and bounded by the operation
//!   timeout ([`EngineConfig`]).
//!
//! - Sessions are opened by the supervisor ([`Engine::supervise`]) for every target an
//!   enabled method finds, on request ([`Engine::login`]) or on demand; see the sessions
//!   module. Changes are [`HbaEvent`]s ([`Engine::events`]); counters are
//!   [`Engine::device_stats`], [`Engine::target_errors`], [`Engine::port_stats`].
//!
//! # Not yet
//!
//! SLP. iSNS discovery (RFC 4171) is [`Engine::set_isns_discovery`].
//!
//! [`Session`]: iscsi_initiator::Session
#![deny(unsafe_code)]
#![warn(missing_docs)]

pub mod auth;
mod config;
mod engine;
mod error;
mod events;
mod exports;
mod id;
mod isns;
mod lus;
mod net;
mod params;
mod sessions;
mod state;
mod stats;
mod targets;

pub use auth::{
    AuthMethod, ChapCredentials, ChapInfo, ChapRole, ChapSecret, DigestKind, MAX_CHAP_NAME_LEN,
    MAX_SECRET_LEN, MIN_SECRET_LEN,
};
pub use config::{
    DEFAULT_NAME_PREFIX, DEFAULT_STATE_PATH, EngineConfig, RESCAN_INTERVAL_ENV, STATE_PATH_ENV,
};
pub use engine::{
    DiscoveryConfig, Engine, LhbaInfo, LnpInfo, MAX_ALIAS_LEN, MAX_NAME_LEN, NetworkPortalInfo,
    NodeInfo, PhbaInfo, PhbaStatus, PnpInfo, StaticTarget,
};
pub use error::{HbaError, TimeoutKind};
pub use events::{EVENT_BACKLOG, HbaEvent};
pub use exports::{ExportInfo, ExposeOptions};
pub use id::{ObjectId, ObjectKind};
pub use iscsi_initiator::{AuthUsed, Portal, SessionSnapshot};
pub use iscsi_proto::negotiation::Digest;
pub use isns::IsnsServer;
pub use lus::{LuInfo, PassThrough};
pub use net::LinkState;
pub use params::{LoginParam, LoginParamKey, LoginParams};
pub use sessions::{AutoLogin, ConnectionInfo, RescanReport, SessionInfo};
pub use stats::{DeviceStats, LoginFailures, PduStats, TargetErrorStats};
pub use targets::{AddressReport, DiscoveryReport, Methods, TargetInfo};
