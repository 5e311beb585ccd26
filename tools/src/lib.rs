//! The command-line tools on [`iscsi_initiator`]: `iscsi-ls`, `iscsi-inq`, `iscsi-dd`,
//! `iscsi-readcapacity16` and `iscsi-swp` (`src/bin/`), `iscsi-tools-gen` (their man pages
//! and shell completions), and the helpers they and `iscsi-bench` (benches/) share.
//! docs/tools.md is the user's guide.
//!
//! This library exists for those binaries only and is **not a stable API**: anything in it
//! may change with the tools. A program that manages iSCSI sessions links
//! `iscsi-initiator`, which has no command-line or logging-subscriber dependencies.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod args;
pub mod cli;
pub mod credentials;
pub mod initiator_name;
pub mod scsi_text;
