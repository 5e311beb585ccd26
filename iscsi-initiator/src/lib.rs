//! The tokio driver and user API of the iSCSI initiator.
//!
//! This crate will hold `Initiator` (configuration, discovery, login), the cloneable
//! `Session` handle with one future per SCSI command, the per-connection driver task that
//! owns an [`iscsi_proto`] session, reconnect with session reinstatement, and the
//! command-line tools `iscsi-ls`, `iscsi-inq` and `iscsi-dd`.
//!
//! Implemented so far: [`url`], the libiscsi-compatible `iscsi://` URL form.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod url;

pub use iscsi_proto;
pub use url::IscsiUrl;
