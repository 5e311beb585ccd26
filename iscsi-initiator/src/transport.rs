//! Transport connections: the only module that touches `tokio::net`.
//!
//! The driver reads and writes through the two halves of a [`Transport`], which a
//! [`Dialer`] opens. [`TcpDialer`] (the default) dials TCP; tests give a dialer that returns
//! one end of a `tokio::io::duplex` pipe to an in-process target, so that whole sessions run
//! in paused tokio time without sockets.

use std::{
    fmt,
    future::Future,
    io,
    net::{SocketAddr, SocketAddrV6},
    pin::Pin,
    time::Duration,
};

use iscsi_proto::discovery::Host;
use tokio::{
    io::{AsyncRead, AsyncWrite},
    net::TcpStream,
};

use crate::{Error, Portal, TimeoutKind};

/// The read half of a transport connection.
pub type TransportRead = Box<dyn AsyncRead + Send + Unpin>;
/// The write half of a transport connection.
pub type TransportWrite = Box<dyn AsyncWrite + Send + Unpin>;

/// One open transport connection, as two halves the driver uses from two tasks.
pub struct Transport {
    /// Bytes from the target.
    pub read: TransportRead,
    /// Bytes to the target.
    pub write: TransportWrite,
    /// Our end's socket address, when the transport has one.
    pub local_addr: Option<SocketAddr>,
    /// The target's socket address, when the transport has one.
    pub peer_addr: Option<SocketAddr>,
}

impl Transport {
    /// Splits any bidirectional stream (a lock-free split for TCP is [`Transport::tcp`]).
    pub fn from_stream<S>(stream: S) -> Self
    where
        S: AsyncRead + AsyncWrite + Send + 'static,
    {
        let (read, write) = tokio::io::split(stream);
        Self {
            read: Box::new(read),
            write: Box::new(write),
            local_addr: None,
            peer_addr: None,
        }
    }

    /// A TCP stream, split without a lock.
    pub fn tcp(stream: TcpStream) -> Self {
        let local_addr = stream.local_addr().ok();
        let peer_addr = stream.peer_addr().ok();
        let (read, write) = stream.into_split();
        Self {
            read: Box::new(read),
            write: Box::new(write),
            local_addr,
            peer_addr,
        }
    }
}

impl fmt::Debug for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Transport")
    }
}

/// The future a [`Dialer`] returns.
pub type DialFuture<'a> = Pin<Box<dyn Future<Output = io::Result<Transport>> + Send + 'a>>;

/// Opens transport connections to portals. The connector bounds each dial with the
/// configured connect timeout.
pub trait Dialer: Send + Sync + fmt::Debug {
    /// Connects to `portal` (its portal group tag, if any, is not part of the address).
    fn dial<'a>(&'a self, portal: &'a Portal) -> DialFuture<'a>;
}

/// Dials TCP: IPv4, IPv6 (a zone id becomes the scope id) or a DNS name, trying each
/// resolved address in turn.
#[derive(Clone, Copy, Debug, Default)]
pub struct TcpDialer;

impl Dialer for TcpDialer {
    fn dial<'a>(&'a self, portal: &'a Portal) -> DialFuture<'a> {
        Box::pin(async move {
            let mut last = None;
            for addr in resolve(portal).await? {
                match TcpStream::connect(addr).await {
                    Ok(stream) => {
                        // Latency matters more than packet count for iSCSI PDUs.
                        let _ = stream.set_nodelay(true);
                        return Ok(Transport::tcp(stream));
                    }
                    Err(e) => last = Some(e),
                }
            }
            Err(last.unwrap_or_else(|| {
                io::Error::new(io::ErrorKind::NotFound, "the name resolved to no address")
            }))
        })
    }
}

/// Connects through `dialer` with a deadline for the whole attempt.
pub(crate) async fn connect(
    dialer: &dyn Dialer,
    portal: &Portal,
    timeout: Duration,
) -> Result<Transport, Error> {
    match tokio::time::timeout(timeout, dialer.dial(portal)).await {
        Ok(Ok(transport)) => Ok(transport),
        Ok(Err(e)) => Err(Error::connect(&portal.to_string(), &e)),
        Err(_) => Err(Error::Timeout(TimeoutKind::Connect)),
    }
}

/// The socket addresses of a portal. A zone id in an IPv6 address is mapped to its scope id
/// (numeric, or an interface name resolved by the OS).
async fn resolve(portal: &Portal) -> io::Result<Vec<SocketAddr>> {
    match &portal.host {
        Host::Ipv4(ip) => Ok(vec![SocketAddr::from((*ip, portal.port))]),
        Host::Ipv6 { addr, zone } => {
            let scope = zone.as_deref().map_or(0, |z| {
                z.parse::<u32>().unwrap_or_else(|_| interface_index(z))
            });
            Ok(vec![SocketAddr::V6(SocketAddrV6::new(
                *addr,
                portal.port,
                0,
                scope,
            ))])
        }
        Host::Name(name) => tokio::net::lookup_host((name.as_str(), portal.port))
            .await
            .map(Iterator::collect),
    }
}

/// The index of a network interface by name, 0 when unknown. Read from sysfs, which needs
/// no unsafe code.
fn interface_index(name: &str) -> u32 {
    if name.contains('/') || name.contains("..") {
        return 0;
    }
    std::fs::read_to_string(format!("/sys/class/net/{name}/ifindex"))
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(0)
}
