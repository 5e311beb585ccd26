//! TCP connections: the only module that touches `tokio::net`.

use std::time::Duration;

use tokio::net::TcpStream;

use crate::Error;

/// Connects to `host:port` (IPv4, bracketed IPv6 with an optional zone, or a DNS name),
/// trying each resolved address in turn, with a deadline for the whole attempt.
pub(crate) async fn connect(portal: &str, timeout: Duration) -> Result<TcpStream, Error> {
    let attempt = async {
        let addrs: Vec<std::net::SocketAddr> = resolve(portal).await?;
        let mut last = None;
        for addr in addrs {
            match TcpStream::connect(addr).await {
                Ok(stream) => {
                    // Latency matters more than packet count for iSCSI PDUs.
                    let _ = stream.set_nodelay(true);
                    return Ok(stream);
                }
                Err(e) => last = Some(e),
            }
        }
        Err(match last {
            Some(e) => Error::connect(portal, &e),
            None => Error::Invalid(format!("{portal}: no address")),
        })
    };
    tokio::time::timeout(timeout, attempt)
        .await
        .map_err(|_| Error::Timeout(crate::TimeoutKind::Connect))?
}

/// Resolves a portal string. A zone id in a bracketed IPv6 literal is mapped to its scope
/// id (numeric, or an interface name resolved by the OS).
async fn resolve(portal: &str) -> Result<Vec<std::net::SocketAddr>, Error> {
    if let Some(rest) = portal.strip_prefix('[') {
        if let Some((inside, port)) = rest.split_once("]:") {
            if let Some((addr, zone)) = inside.split_once('%') {
                let ip: std::net::Ipv6Addr = addr
                    .parse()
                    .map_err(|_| Error::Invalid(format!("bad IPv6 address in {portal}")))?;
                let port: u16 = port
                    .parse()
                    .map_err(|_| Error::Invalid(format!("bad port in {portal}")))?;
                let scope = zone
                    .parse::<u32>()
                    .unwrap_or_else(|_| interface_index(zone));
                return Ok(vec![std::net::SocketAddr::V6(std::net::SocketAddrV6::new(
                    ip, port, 0, scope,
                ))]);
            }
        }
    }
    tokio::net::lookup_host(portal)
        .await
        .map(Iterator::collect)
        .map_err(|e| Error::connect(portal, &e))
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
