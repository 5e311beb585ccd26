//! A userspace iSCSI initiator on tokio.
//!
//! ```no_run
//! # async fn demo() -> Result<(), iscsi_initiator::Error> {
//! use iscsi_initiator::{Initiator, InitiatorConfig, iscsi_proto::wire::Lun};
//!
//! let initiator = Initiator::new(InitiatorConfig::new("iqn.2026-11.example:host1"));
//! for target in initiator.discover("127.0.0.1:3260").await? {
//!     println!("{}", target.name);
//! }
//! let session = initiator.login("iqn.2026-11.test:disk1", "127.0.0.1:3260").await?;
//! let lun = Lun::from_index(1).unwrap_or_default();
//! let capacity = session.read_capacity(lun).await?;
//! let first = session.read_blocks(lun, 0, 8, capacity.block_size).await?;
//! session.logout().await?;
//! # let _ = first; Ok(()) }
//! ```
//!
//! # Model
//!
//! - [`Initiator`] holds the configuration (name, ISID policy, CHAP credentials, digests,
//!   timeouts) and opens sessions: [`Initiator::discover`] and [`Initiator::login`].
//! - Each session has one connection driven by one spawned task, the only code that calls
//!   the sans-IO `iscsi_proto::session::Session`. [`Session`] is a cheap cloneable handle;
//!   every call is one request to that task, so many commands run concurrently, up to the
//!   task table size and the target's command window (back-pressure).
//! - On a lost connection the driver reconnects with back-off, reinstating the session
//!   (same ISID, TSIH 0) and replaying commands the target had not completed. A write is
//!   only ever reported done when the target acknowledged it.
//! - Dropping the last [`Session`] handle logs out in the background.
//!
//! # Not supported
//!
//! Error recovery levels 1 and 2 (SNACK, connection recovery), multiple connections per
//! session, iSER, iSNS and SLP discovery. IPsec is the operating system's business.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod config;
mod connector;
mod driver;
mod error;
mod initiator;
mod recv_buf;
pub mod scsi;
mod session;
mod transport;
pub mod url;

pub use config::{Credentials, InitiatorConfig, IsidPolicy};
pub use driver::ScsiResult;
pub use error::{Error, LoginFailure, ScsiError, TimeoutKind, TransferOp};
pub use initiator::Initiator;
pub use iscsi_proto;
pub use session::{Session, SessionCounters, SessionInfo};
pub use transport::{DialFuture, Dialer, TcpDialer, Transport, TransportRead, TransportWrite};
pub use url::IscsiUrl;
