//! Sans-IO core of an iSCSI initiator (RFC 7143).
//!
//! This crate turns bytes into typed iSCSI values and back, and (in later layers) runs the
//! login, negotiation, CHAP and full-feature state machines. It is fully deterministic:
//!
//! - it has no sockets, no files and no tokio;
//! - it never reads a clock: every operation that depends on time takes an `Instant`
//!   from the caller;
//! - it never reads OS randomness: CHAP challenges and ISID qualifiers come from a
//!   random-number generator the caller passes in.
//!
//! # Layers
//!
//! - [`wire`]: the Basic Header Segment, every PDU in both directions, AHS, CRC32C digests,
//!   RFC 1982 serial numbers and the identifier newtypes (`Itt`, `Lun`, `Isid`, ...).
//! - [`framing`]: a streaming decoder and encoder between a byte stream and [`wire::Pdu`]s,
//!   bounded by [`framing::Limits`].
//! - [`text`]: the `key=value` text codec, value forms and the continuation assembler.
//! - [`negotiation`]: operational parameter negotiation (RFC 7143 §6.2, §13) from an
//!   [`negotiation::OperationalConfig`] to typed [`negotiation::NegotiatedParams`].
//! - [`discovery`]: SendTargets requests, the bounded parser of the answer, and the
//!   TargetAddress syntax shared with login redirects.
//! - [`auth`]: CHAP for the login security stage (one-way and mutual, MD5 to SHA3-256).
//! - [`isns`]: the iSNSP (RFC 4171) message codec and the target queries of an
//!   initiator, for iSNS discovery.
//! - [`login`]: the login phase as a chain of `Expect*` states driven by
//!   [`login::Login`]: stages, C/T bits, status classes and redirects, producing the
//!   [`negotiation::NegotiatedParams`] and [`session::SessionStart`] of the session.
//!
//! # Untrusted input
//!
//! Every byte from a target is untrusted. Decoders return typed errors and never panic;
//! lengths are checked against limits before anything is allocated.
//!
//! # Secrets
//!
//! Log output produced by this crate never contains CHAP secrets, challenges or responses.
#![forbid(unsafe_code)]
#![cfg_attr(not(fuzzing), warn(missing_docs))]

pub mod auth;
pub mod discovery;
mod error;
pub mod framing;
#[cfg(any(fuzzing, test))]
#[doc(hidden)]
pub mod fuzzing;
pub mod isns;
pub mod login;
pub mod negotiation;
pub mod scsi;
pub mod session;
pub mod text;
pub mod wire;

pub use error::Error;
