//! Conversions from IMA structures to printable values, and the JSON object of an OID.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ima_abi::wide::wide_array_to_string;
use ima_abi::{
    AuthMethod, ChapInitiatorAuthParms, DigestType, IMA_TRUE, ImaDatetime, IpAddress,
    NetworkPortStatus, ObjectType, Oid, WChar,
};
use serde::Serialize;

/// An OID as JSON: `{"type": "target", "owner": 1, "seq": 5}`.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
pub struct OidView {
    /// The object type in lower case (`lhba`, `target`, `lu`, ...).
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// The ownerId (the plugin's position in ima.conf; 0 for the library).
    pub owner: u32,
    /// The sequence number.
    pub seq: i64,
}

impl From<Oid> for OidView {
    fn from(oid: Oid) -> Self {
        Self {
            kind: type_name(oid.object_type),
            owner: oid.owner_id,
            seq: oid.object_sequence_number,
        }
    }
}

impl std::fmt::Display for OidView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}:{}", self.kind, self.owner, self.seq)
    }
}

/// The lower-case name of an object type.
pub fn type_name(t: ObjectType) -> &'static str {
    match t {
        ObjectType::PLUGIN => "plugin",
        ObjectType::NODE => "node",
        ObjectType::LHBA => "lhba",
        ObjectType::PHBA => "phba",
        ObjectType::NETWORK_PORTAL => "network_portal",
        ObjectType::PORTAL_GROUP => "portal_group",
        ObjectType::LNP => "lnp",
        ObjectType::PNP => "pnp",
        ObjectType::TARGET => "target",
        ObjectType::LU => "lu",
        ObjectType::DISCOVERY_ADDRESS => "discovery_address",
        ObjectType::STATIC_DISCOVERY_TARGET => "static_discovery_target",
        ObjectType::CONNECTION => "connection",
        ObjectType::SESSION => "session",
        _ => "unknown",
    }
}

/// A wide array as a string (lossy: an unterminated or invalid one is empty).
pub fn wide(array: &[WChar]) -> String {
    wide_array_to_string(array).unwrap_or_default()
}

/// An IMA boolean.
pub fn yes(value: u32) -> bool {
    value == IMA_TRUE
}

/// An `IMA_IP_ADDRESS` as an address.
pub fn ip(address: &IpAddress) -> IpAddr {
    if yes(address.ipv4_address) {
        let b = address.ip_address;
        IpAddr::V4(Ipv4Addr::new(b[0], b[1], b[2], b[3]))
    } else {
        IpAddr::V6(Ipv6Addr::from(address.ip_address))
    }
}

/// `IP:port`, IPv6 in brackets.
pub fn socket(address: &IpAddress, port: u16) -> String {
    match ip(address) {
        IpAddr::V4(a) => format!("{a}:{port}"),
        IpAddr::V6(a) => format!("[{a}]:{port}"),
    }
}

/// A MAC address as `aa:bb:...`, or `None` when all zero.
pub fn mac(bytes: &[u8; 6]) -> Option<String> {
    (bytes != &[0; 6]).then(|| {
        bytes
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<Vec<_>>()
            .join(":")
    })
}

/// An authentication method's name.
pub fn auth_method(m: AuthMethod) -> String {
    match m {
        AuthMethod::NONE => "none".into(),
        AuthMethod::CHAP => "chap".into(),
        AuthMethod::SRP => "srp".into(),
        AuthMethod::KRB5 => "krb5".into(),
        AuthMethod::SPKM1 => "spkm1".into(),
        AuthMethod::SPKM2 => "spkm2".into(),
        other => format!("unknown({})", other.0),
    }
}

/// A digest's name.
pub fn digest(d: DigestType) -> String {
    match d {
        DigestType::NONE => "None".into(),
        DigestType::CRC32C => "CRC32C".into(),
        other => format!("unknown({})", other.0),
    }
}

/// A network port status's name.
pub fn port_status(s: NetworkPortStatus) -> String {
    match s {
        NetworkPortStatus::WORKING => "working".into(),
        NetworkPortStatus::DEGRADED => "degraded".into(),
        NetworkPortStatus::CRITICAL => "critical".into(),
        NetworkPortStatus::FAILED => "failed".into(),
        NetworkPortStatus::DISCONNECTED => "disconnected".into(),
        other => format!("unknown({})", other.0),
    }
}

/// A `struct tm` as `YYYY-MM-DD HH:MM:SS`, or `None` when zero.
pub fn datetime(tm: &ImaDatetime) -> Option<String> {
    (tm.tm_year != 0 || tm.tm_mday != 0).then(|| {
        format!(
            "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
            tm.tm_year + 1900,
            tm.tm_mon + 1,
            tm.tm_mday,
            tm.tm_hour,
            tm.tm_min,
            tm.tm_sec
        )
    })
}

/// The CHAP name of a parameter block (`None` when empty).
pub fn chap_name(p: &ChapInitiatorAuthParms) -> Option<String> {
    let n = usize::try_from(p.name_length)
        .unwrap_or(0)
        .min(p.name.len());
    (n > 0).then(|| String::from_utf8_lossy(&p.name[..n]).into_owned())
}

/// Bytes as lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A hex dump, 16 bytes a line with offsets.
pub fn hex_dump(bytes: &[u8]) -> String {
    let mut out = String::new();
    for (i, chunk) in bytes.chunks(16).enumerate() {
        let hexes: Vec<String> = chunk.iter().map(|b| format!("{b:02x}")).collect();
        let ascii: String = chunk
            .iter()
            .map(|&b| {
                if b.is_ascii_graphic() || b == b' ' {
                    b as char
                } else {
                    '.'
                }
            })
            .collect();
        out.push_str(&format!(
            "{:04x}  {:<47}  {ascii}\n",
            i * 16,
            hexes.join(" ")
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_and_names() {
        let mut a = IpAddress {
            ipv4_address: IMA_TRUE,
            ip_address: [0; 16],
        };
        a.ip_address[..4].copy_from_slice(&[127, 0, 0, 1]);
        assert_eq!(socket(&a, 3260), "127.0.0.1:3260");
        a.ipv4_address = 0;
        a.ip_address = Ipv6Addr::LOCALHOST.octets();
        assert_eq!(socket(&a, 3260), "[::1]:3260");
        assert_eq!(mac(&[0; 6]), None);
        assert_eq!(mac(&[0, 1, 2, 3, 4, 0xab]).unwrap(), "00:01:02:03:04:ab");
        let oid = OidView::from(Oid::new(ObjectType::TARGET, 1, 5));
        assert_eq!(oid.to_string(), "target:1:5");
        assert!(hex_dump(b"0123456789abcdefXY").contains("0010  58 59"));
    }
}
