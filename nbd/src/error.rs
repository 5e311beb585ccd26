//! Errors of the server, by phase: handshake, transmission, and the server's own operations.

use std::{io, path::PathBuf};

use crate::{device::GeometryError, wire::OptionType};

/// Why a handshake ended without an export being served.
#[derive(Debug, thiserror::Error)]
pub enum HandshakeError {
    /// The connection failed or closed.
    #[error("handshake I/O")]
    Io(#[from] io::Error),
    /// The client did not finish the handshake in time.
    #[error("handshake timed out")]
    Timeout,
    /// The client set flags this server does not know, or not fixed newstyle.
    #[error("client flags {0:#x} refused")]
    ClientFlags(u32),
    /// An option did not start with `IHAVEOPT`.
    #[error("option magic {0:#x} is not IHAVEOPT")]
    BadMagic(u64),
    /// An option's data was too large even to discard.
    #[error("option {option:?} with {length} bytes of data is too large")]
    OptionTooLarge {
        /// The option.
        option: OptionType,
        /// Its announced length.
        length: u32,
    },
    /// `NBD_OPT_EXPORT_NAME` named no export (the protocol says: close).
    #[error("NBD_OPT_EXPORT_NAME for unknown export {0:?}")]
    UnknownExport(String),
}

/// Why a connection in transmission ended abnormally.
#[derive(Debug, thiserror::Error)]
pub enum TransmissionError {
    /// Reading a request or writing a reply failed.
    #[error("transmission I/O")]
    Io(#[from] io::Error),
    /// A request did not start with the request magic: the stream cannot be resynchronised.
    #[error("request magic {0:#x} is wrong")]
    BadMagic(u32),
    /// A write announced more data than the server will even discard.
    #[error("write of {0} bytes is too large")]
    WriteTooLarge(u32),
}

/// Errors of [`crate::NbdServer`]'s operations.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// An export with this name exists.
    #[error("export {0:?} exists")]
    Exists(String),
    /// No export with this name.
    #[error("no export {0:?}")]
    NoSuchExport(String),
    /// Clients are connected and removal was not forced.
    #[error("export {name:?} has {clients} client(s) connected")]
    InUse {
        /// The export.
        name: String,
        /// How many clients are in transmission with it.
        clients: usize,
    },
    /// The export's name is longer than the protocol's 4096 bytes.
    #[error("export name of {0} bytes is longer than 4096")]
    NameTooLong(usize),
    /// The device's geometry breaks the protocol's rules.
    #[error("device geometry")]
    Geometry(#[from] GeometryError),
    /// A TCP address that is not loopback: the export has no authentication.
    #[error("{0} is not a loopback address")]
    NotLoopback(std::net::SocketAddr),
    /// A non-socket file, or a socket another server listens on, is at the socket path.
    #[error("{0} exists and is not a stale socket")]
    PathInUse(PathBuf),
    /// Binding or preparing a listener failed.
    #[error("listening on {what}")]
    Listen {
        /// The address or path.
        what: String,
        /// The cause.
        #[source]
        source: io::Error,
    },
}
