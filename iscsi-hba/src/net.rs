//! The host's network interfaces, as IMA network ports and portals.
//!
//! Interfaces, their MAC addresses, link states, MTUs and speeds come from
//! `/sys/class/net`; their IP addresses from `if-addrs` (getifaddrs behind a safe API).
//! Every interface is listed, the loopback included: a target on the same host is reached
//! through it, and IMA wants at least one port even on a host with no other interface.

use std::{collections::BTreeMap, fs, net::IpAddr, path::Path};

/// The link state of an interface (`/sys/class/net/<if>/operstate`).
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum LinkState {
    /// `up`.
    Up,
    /// `down`, `lowerlayerdown`, `notpresent` or `dormant`.
    Down,
    /// `unknown` (the loopback and many virtual interfaces), `testing`, or unreadable.
    Unknown,
}

/// One host network interface as sysfs and the address list describe it.
#[derive(Clone, Debug, Eq, PartialEq)]
pub(crate) struct Interface {
    pub(crate) name: String,
    pub(crate) mac: Option<[u8; 6]>,
    pub(crate) link: LinkState,
    pub(crate) mtu: Option<u32>,
    pub(crate) speed_mbps: Option<u64>,
    pub(crate) addresses: Vec<IpAddr>,
}

/// Lists the interfaces, sorted by name.
pub(crate) fn interfaces() -> Vec<Interface> {
    let mut by_name: BTreeMap<String, Interface> = BTreeMap::new();
    let root = Path::new("/sys/class/net");
    if let Ok(dir) = fs::read_dir(root) {
        for entry in dir.flatten() {
            let Ok(name) = entry.file_name().into_string() else {
                continue;
            };
            let path = root.join(&name);
            let read = |file: &str| {
                fs::read_to_string(path.join(file))
                    .ok()
                    .map(|s| s.trim().to_owned())
            };
            let iface = Interface {
                mac: read("address").as_deref().and_then(parse_mac),
                link: read("operstate")
                    .as_deref()
                    .map_or(LinkState::Unknown, link_state),
                mtu: read("mtu").and_then(|s| s.parse().ok()),
                // Reading `speed` fails (EINVAL) on links that are down; negative is unknown.
                speed_mbps: read("speed").and_then(|s| s.parse().ok()),
                addresses: Vec::new(),
                name: name.clone(),
            };
            by_name.insert(name, iface);
        }
    }
    match if_addrs::get_if_addrs() {
        Ok(list) => {
            for a in list {
                let iface = by_name.entry(a.name.clone()).or_insert_with(|| Interface {
                    name: a.name.clone(),
                    mac: None,
                    link: LinkState::Unknown,
                    mtu: None,
                    speed_mbps: None,
                    addresses: Vec::new(),
                });
                let ip = a.ip();
                if !iface.addresses.contains(&ip) {
                    iface.addresses.push(ip);
                }
            }
        }
        Err(e) => tracing::debug!(error = %e, "cannot list interface addresses"),
    }
    by_name.into_values().collect()
}

/// A MAC address `aa:bb:cc:dd:ee:ff`; `None` for all zeros (the loopback) or another
/// length (InfiniBand, tunnels).
fn parse_mac(s: &str) -> Option<[u8; 6]> {
    let mut mac = [0u8; 6];
    let mut parts = s.split(':');
    for byte in &mut mac {
        *byte = u8::from_str_radix(parts.next()?, 16).ok()?;
    }
    if parts.next().is_some() || mac == [0; 6] {
        return None;
    }
    Some(mac)
}

fn link_state(s: &str) -> LinkState {
    match s {
        "up" => LinkState::Up,
        "down" | "lowerlayerdown" | "notpresent" | "dormant" => LinkState::Down,
        _ => LinkState::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn macs_and_states() {
        assert_eq!(
            parse_mac("02:42:ac:11:00:02"),
            Some([2, 0x42, 0xac, 0x11, 0, 2])
        );
        assert_eq!(parse_mac("00:00:00:00:00:00"), None);
        assert_eq!(parse_mac("00:01"), None);
        assert_eq!(parse_mac("00:01:02:03:04:05:06"), None);
        assert_eq!(link_state("up"), LinkState::Up);
        assert_eq!(link_state("lowerlayerdown"), LinkState::Down);
        assert_eq!(link_state("unknown"), LinkState::Unknown);
    }
}
