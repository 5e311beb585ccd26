//! A fixed-newstyle NBD server on tokio: the export behind `IMA_ExposeLu`.
//!
//! Implements the NBD protocol (`doc/proto.md` of NetworkBlockDevice/nbd) for any
//! [`BlockDevice`]:
//!
//! * handshake: fixed newstyle, `NBD_OPT_GO`, `INFO`, `LIST`, `ABORT`, `EXPORT_NAME`,
//!   `STRUCTURED_REPLY`, `LIST/SET_META_CONTEXT` (`base:allocation` only); every other option
//!   (TLS, extended headers, unknown) is answered `NBD_REP_ERR_UNSUP`. No TLS.
//! * transmission: `READ`, `WRITE` (FUA), `FLUSH`, `TRIM`, `WRITE_ZEROES` (`NO_HOLE`),
//!   `BLOCK_STATUS`, `DISC`; many requests in flight, replies in completion order; every
//!   offset and length checked against the device's size and block size (`EINVAL`).
//! * transport: Unix sockets (mode 0600) and loopback TCP ([`NbdServer`]).
//!
//! [`wire`] holds the codecs, [`handshake`] and [`transmission`] the two phases.
//! `docs/nbd.md` describes the export as a whole.

pub mod device;
pub mod error;
pub mod handshake;
pub mod server;
pub mod transmission;
pub mod wire;

pub use device::{
    BlockDevice, DeviceError, DeviceFuture, Extent, Geometry, GeometryError, MAX_PAYLOAD,
};
pub use error::{HandshakeError, ServerError, TransmissionError};
pub use server::{Export, ListenAddr, Listener, NbdServer};
pub use wire::Errno;
