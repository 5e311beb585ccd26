//! The `#[repr(C)]` types, constants and status codes of the SNIA iSCSI Management API
//! (IMA 1.1), with compile-time size and offset assertions for x86-64 Linux.
//!
//! This crate exports no symbols; `ima-lib` and `ima-plugin-soft` both depend on it.
//! It is filled by the IMA issue.
#![warn(missing_docs)]
