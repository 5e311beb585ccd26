//! What an export serves: the [`BlockDevice`] trait, its [`Geometry`], and the typed
//! [`DeviceError`] carrying the NBD error number a failure becomes.

use std::{error::Error as StdError, fmt, future::Future, pin::Pin};

use bytes::Bytes;

use crate::wire::Errno;

/// The future a [`BlockDevice`] method returns: boxed and `Send`, so exports of different
/// device types can share one server and each request can run on its own task.
pub type DeviceFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, DeviceError>> + Send + 'a>>;

/// The largest request payload (read or write) this server ever accepts: 32 MiB, the size the
/// NBD protocol says a client may always use without being treated as abusive.
pub const MAX_PAYLOAD: u32 = 32 << 20;

/// The largest minimum block size the NBD protocol allows.
const MAX_MIN_BLOCK_SIZE: u32 = 64 << 10;

/// The block device behind one export. Offsets and lengths are in bytes and have been checked
/// by the server: within [`Geometry::size`], multiples of [`Geometry::block_size`], non-zero,
/// and for reads and writes no larger than [`Geometry::max_payload`].
///
/// A method returns only when its work is done: a write's `Ok` means the data reached the
/// device (and with `fua`, durable storage); the server acknowledges the client only then.
pub trait BlockDevice: Send + Sync + 'static {
    /// Size, block sizes and what the device can do. Read once per connection.
    fn geometry(&self) -> Geometry;

    /// Reads `length` bytes at `offset`; the result must be exactly `length` bytes long.
    fn read(&self, offset: u64, length: u32) -> DeviceFuture<'_, Bytes>;

    /// Writes `data` at `offset`; with `fua`, durably before returning.
    fn write(&self, offset: u64, data: Bytes, fua: bool) -> DeviceFuture<'_, ()>;

    /// Makes every write that has returned durable.
    fn flush(&self) -> DeviceFuture<'_, ()>;

    /// Discards `length` bytes at `offset` (a hint: doing nothing is correct).
    fn trim(&self, offset: u64, length: u64, fua: bool) -> DeviceFuture<'_, ()>;

    /// Makes `length` bytes at `offset` read as zeroes; without `no_hole` it may deallocate.
    fn write_zeroes(
        &self,
        offset: u64,
        length: u64,
        no_hole: bool,
        fua: bool,
    ) -> DeviceFuture<'_, ()>;

    /// The allocation state from `offset` on: at least one extent, covering at most `length`
    /// bytes (extents past it are cut), flags as `base:allocation` defines them
    /// ([`crate::wire::STATE_HOLE`], [`crate::wire::STATE_ZERO`]).
    fn block_status(&self, offset: u64, length: u64) -> DeviceFuture<'_, Vec<Extent>>;
}

/// One extent of a block status reply.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub struct Extent {
    /// Length in bytes.
    pub length: u64,
    /// `base:allocation` flags.
    pub flags: u32,
}

/// Size, block sizes and capabilities of a device.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub struct Geometry {
    /// Size in bytes, a multiple of `block_size`.
    pub size: u64,
    /// Minimum block size (the logical block size): a power of two, at most 64 KiB. Every
    /// offset and length must be a multiple of it.
    pub block_size: u32,
    /// Preferred block size: a power of two, at least `block_size` and 512.
    pub preferred_block_size: u32,
    /// Largest read or write payload, at least `preferred_block_size` and at most
    /// [`MAX_PAYLOAD`].
    pub max_payload: u32,
    /// Writes are refused.
    pub read_only: bool,
    /// `flush` does something (advertise `NBD_CMD_FLUSH`).
    pub flush: bool,
    /// Writes honour `fua` (advertise `NBD_CMD_FLAG_FUA`).
    pub fua: bool,
    /// `trim` does something (advertise `NBD_CMD_TRIM`).
    pub trim: bool,
    /// `write_zeroes` is supported (advertise `NBD_CMD_WRITE_ZEROES`).
    pub write_zeroes: bool,
    /// A flush through any connection covers writes acknowledged on every connection (no
    /// per-connection cache): advertise `NBD_FLAG_CAN_MULTI_CONN`.
    pub multi_conn: bool,
}

/// Why a [`Geometry`] cannot be served.
#[derive(Clone, Copy, Debug, Eq, PartialEq, thiserror::Error)]
pub enum GeometryError {
    /// The minimum block size is not a power of two up to 64 KiB.
    #[error("block size {0} is not a power of two up to 64 KiB")]
    BlockSize(u32),
    /// The preferred block size is not a power of two at least the minimum and 512.
    #[error("preferred block size {0} is not a power of two at least the minimum and 512")]
    Preferred(u32),
    /// The maximum payload is below the preferred size or above [`MAX_PAYLOAD`].
    #[error("maximum payload {0} is below the preferred block size or above 32 MiB")]
    MaxPayload(u32),
    /// The size is not a multiple of the block size.
    #[error("size {0} is not a multiple of the block size")]
    Size(u64),
}

impl Geometry {
    /// Checks the rules the NBD protocol puts on block sizes, and the size's alignment.
    ///
    /// # Errors
    ///
    /// The first rule broken.
    pub fn validate(&self) -> Result<(), GeometryError> {
        if !self.block_size.is_power_of_two() || self.block_size > MAX_MIN_BLOCK_SIZE {
            return Err(GeometryError::BlockSize(self.block_size));
        }
        if !self.preferred_block_size.is_power_of_two()
            || self.preferred_block_size < self.block_size.max(512)
        {
            return Err(GeometryError::Preferred(self.preferred_block_size));
        }
        if self.max_payload < self.preferred_block_size || self.max_payload > MAX_PAYLOAD {
            return Err(GeometryError::MaxPayload(self.max_payload));
        }
        if self.size % u64::from(self.block_size) != 0 {
            return Err(GeometryError::Size(self.size));
        }
        Ok(())
    }
}

/// A failed device operation: the NBD error number the client gets, a message for the log
/// (and for a structured error chunk), and the cause.
#[derive(Debug)]
pub struct DeviceError {
    errno: Errno,
    message: String,
    source: Option<Box<dyn StdError + Send + Sync>>,
}

impl DeviceError {
    /// An error with this number and message.
    pub fn new(errno: Errno, message: impl Into<String>) -> Self {
        Self {
            errno,
            message: message.into(),
            source: None,
        }
    }

    /// An error with this number, message and cause.
    pub fn with_source(
        errno: Errno,
        message: impl Into<String>,
        source: impl StdError + Send + Sync + 'static,
    ) -> Self {
        Self {
            errno,
            message: message.into(),
            source: Some(Box::new(source)),
        }
    }

    /// `EIO` with a message.
    pub fn io(message: impl Into<String>) -> Self {
        Self::new(Errno::Eio, message)
    }

    /// The error number sent to the client.
    pub fn errno(&self) -> Errno {
        self.errno
    }

    /// The message.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for DeviceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({:?})", self.message, self.errno)
    }
}

impl StdError for DeviceError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn StdError + 'static))
    }
}
