//! An in-process iSCSI **test target**: a fault-injection instrument for the initiator's
//! tests, built on the `iscsi-proto` wire layer. It is *not* a real target (`tgtd` stays the
//! real peer in interop tests): it exists to produce, on demand and deterministically, the
//! faults real targets rarely show.
//!
//! # Shape
//!
//! - [`Target`]: shared state — configuration ([`TargetConfig`]), RAM-backed LUs
//!   ([`LogicalUnit`]), fault switches ([`Faults`]), the capture log
//!   ([`Target::captured`], [`Target::sent`]), the protocol-violation log
//!   ([`Target::violations`]) and counters ([`Target::stats`]). Cheap to clone; outlives
//!   connections, so a reconnecting initiator reads what it wrote.
//! - [`TargetConnection`]: the sans-IO core of one connection. Bytes in with
//!   [`TargetConnection::handle_read`], bytes out with [`TargetConnection::poll_transmit`],
//!   time in with [`TargetConnection::handle_timeout`] at
//!   [`TargetConnection::poll_timeout`]. Every time-dependent call takes an explicit
//!   `Instant`, so protocol scenario tests can drive it with virtual time.
//! - [`TestTarget`]: a thin tokio wrapper listening on `127.0.0.1:0`, one task per
//!   connection pumping bytes between the socket and a [`TargetConnection`].
//! - [`pair::Pair`]: `iscsi-proto`'s login and `Session` joined to a [`TargetConnection`]
//!   in memory, in virtual time, for protocol scenario tests and benchmarks.
//!
//! # What it emulates
//!
//! - Login: security stage (AuthMethod None or CHAP; CHAP_A 5, 6, 7, 8; one-way and mutual;
//!   failures as status 0x0201), operational stage (each key answered by its RFC 7143 §13
//!   rule against [`TargetParams`]; unknown keys `NotUnderstood`; obsolete marker keys
//!   `Reject`), TSIH assignment, login redirect, Discovery sessions.
//! - Full feature phase: CmdSN ordering and window (configurable size), SendTargets (split
//!   over several Text Responses when long, or on request), NOP-Out ping echo and NOP-In
//!   probes, Async messages on demand, TMF (ABORT TASK, ABORT TASK SET, CLEAR TASK SET,
//!   LU RESET, TARGET WARM/COLD RESET), Logout.
//! - SCSI on RAM LUs: TEST UNIT READY, INQUIRY (standard, VPD 0x00/0x80/0x83), READ
//!   CAPACITY(10/16), REPORT LUNS, READ/WRITE(6/10/16), SYNCHRONIZE CACHE, MODE SENSE(6/10)
//!   (header only), REQUEST SENSE; fixed-format sense for errors; residuals.
//! - Data transfer: Data-In split to the initiator's MaxRecvDataSegmentLength, status in
//!   the last Data-In (or a separate SCSI Response); immediate data, unsolicited Data-Out,
//!   R2Ts honouring MaxBurstLength and MaxOutstandingR2T; every Data-Out checked (DataSN,
//!   offsets, F bits, burst sizes) and any violation logged.
//! - Faults ([`Faults`]): drop after N PDUs received or sent, corrupt a header or data
//!   digest, delay, hold a task, Reject the Nth command, answer out of order, stall, close
//!   the window, DataSN gaps and raw header patches in sent PDUs.
//!
//! # What it does not do
//!
//! ErrorRecoveryLevel > 0 (no SNACK, no recovery), more than one connection per session
//! (login with a non-zero TSIH fails), bidirectional commands, extended CDBs, task
//! attributes (everything runs in CmdSN order, at once), persistent reservations, real
//! performance. It trusts no input: malformed bytes close the connection, never panic.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod config;
mod connection;
mod faults;
mod login;
mod lu;
pub mod pair;
mod params;
pub mod scsi;
mod server;
mod target;
mod text;

pub use config::{
    ChapAuth, DEFAULT_TARGET_NAME, DigestPolicy, LuConfig, Redirect, TargetConfig,
    TargetNodeConfig, TargetParams,
};
pub use connection::{ConnectionError, Counters, Phase, TargetConnection};
pub use faults::{Faults, Mangle};
pub use lu::LogicalUnit;
pub use params::{SessionParams, SessionType};
pub use server::{TestTarget, serve_stream};
pub use target::{
    AsyncSpec, CapturedPdu, ConfigError, ConnectionId, Direction, Target, TargetStats, Violation,
    ViolationKind,
};
