//! The command-line tools on [`iscsi_initiator`]: `iscsi-ls`, `iscsi-inq` and `iscsi-dd`
//! (`src/bin/`), and [`cli`], the helpers they and `iscsi-bench` (benches/) share.
//!
//! This library exists for those binaries only and is **not a stable API**: anything in it
//! may change with the tools. A program that manages iSCSI sessions links
//! `iscsi-initiator`, which has no command-line or logging-subscriber dependencies.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod cli;
