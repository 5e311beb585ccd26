//! A userspace iSCSI initiator on tokio.
//!
//! ```no_run
//! # async fn demo() -> Result<(), iscsi_initiator::Error> {
//! use iscsi_initiator::{Initiator, InitiatorConfig, Portal, iscsi_proto::wire::Lun};
//!
//! let initiator = Initiator::new(InitiatorConfig::new("iqn.2026-11.example:host1"));
//! let portal: Portal = "127.0.0.1:3260".parse().map_err(|e| {
//!     iscsi_initiator::Error::Invalid(format!("{e}"))
//! })?;
//! for target in initiator.discover(&portal).await? {
//!     println!("{}", target.name);
//! }
//! let session = initiator.login("iqn.2026-11.test:disk1", &portal).await?;
//! let lun = Lun::from_index(1).unwrap_or_default();
//! let capacity = session.read_capacity(lun).await?;
//! let first = session.read_blocks(lun, 0, 8, capacity.block_size).await?;
//! println!("{:?}", session.snapshot().params);
//! session.shutdown().await?;
//! # let _ = first; Ok(()) }
//! ```
//!
//! # Model
//!
//! - [`Initiator`] holds the configuration (name, ISID policy, default CHAP credentials
//!   and operational keys, timeouts) and opens sessions: [`Initiator::discover`],
//!   [`Initiator::login`] and [`Initiator::login_with`] (per-target [`LoginOptions`]). It
//!   lists its live sessions ([`Initiator::sessions`]).
//! - Each session has one connection driven by one spawned task, the only code that calls
//!   the sans-IO `iscsi_proto::session::Session`. [`Session`] is a cheap cloneable handle;
//!   every call is one request to that task, so many commands run concurrently, up to the
//!   task table size and the target's command window (back-pressure).
//! - A session is observable: [`Session::snapshot`] (state, ISID/TSIH/CID, portal and
//!   TPGT, socket addresses, authentication, the parameters in force), [`Session::events`]
//!   (connection lost, reinstated, async events, unit attentions, closed),
//!   [`Session::stats`] (commands, bytes, PDUs, digest errors, reconnects, latency) and
//!   [`Session::closed`].
//! - On a lost connection the driver reconnects with back-off, reinstating the session
//!   (same ISID, TSIH 0) and replaying commands the target had not completed. A write is
//!   only ever reported done when the target acknowledged it. docs/initiator.md lists
//!   every guarantee.
//! - Dropping the last [`Session`] handle logs out in the background;
//!   [`Session::shutdown`] logs out and waits.
//!
//! # Not supported
//!
//! Error recovery levels 1 and 2 (SNACK, connection recovery), multiple connections per
//! session, iSER, SLP discovery. IPsec is the operating system's business. iSNS discovery
//! (RFC 4171) is [`isns`].
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod config;
mod connector;
mod driver;
mod error;
mod initiator;
pub mod isns;
mod recv_buf;
pub mod scsi;
mod session;
mod transport;
pub mod url;

pub use config::{Credentials, InitiatorConfig, IsidPolicy, LoginOptions};
pub use connector::AuthUsed;
pub use driver::ScsiResult;
pub use error::{ConnectionLoss, Error, LoginFailure, ScsiError, TimeoutKind, TransferOp};
pub use initiator::Initiator;
pub use iscsi_proto;
/// A portal: `host[:port][,tpgt]` (RFC 7143 §13.8), IPv4, IPv6 with an optional zone, or a
/// DNS name. `FromStr` and `Display` round-trip every form; the same type comes out of a
/// URL, a SendTargets answer and a login redirect.
pub use iscsi_proto::discovery::TargetAddress as Portal;
pub use session::{
    CommandStats, LATENCY_BUCKETS, LatencyStats, Session, SessionEvent, SessionId, SessionPhase,
    SessionSnapshot, SessionStats,
};
pub use transport::{DialFuture, Dialer, TcpDialer, Transport, TransportRead, TransportWrite};
pub use url::IscsiUrl;
