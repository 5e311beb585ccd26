//! `discovery ...`, `discovery-address ...`, `static-config ...`.

use std::net::{IpAddr, SocketAddr};

use ima_abi::wide::string_to_wide_array;
use ima_abi::{IMA_FALSE, IMA_TRUE, IpAddress, StaticDiscoveryTarget, TargetAddress};
use serde::Serialize;

use super::{Ctx, Result};
use crate::cli::{Method, OnOff};
use crate::error::Error;
use crate::out::block;
use crate::soft;
use crate::view::{OidView, socket, wide, yes};

/// Default iSCSI port.
const ISCSI_PORT: u16 = 3260;

/// Parses `IP[:port]` (IPv6 in brackets when a port is given).
pub fn parse_address(s: &str) -> Result<SocketAddr> {
    if let Ok(a) = s.parse::<SocketAddr>() {
        return Ok(a);
    }
    let bare = s.trim_start_matches('[').trim_end_matches(']');
    bare.parse::<IpAddr>()
        .map(|ip| SocketAddr::new(ip, ISCSI_PORT))
        .map_err(|_| {
            Error::Invalid(format!(
                "{s:?} is not IP[:port] (host names are not accepted)"
            ))
        })
}

fn ima_ip(ip: IpAddr) -> IpAddress {
    let mut a = IpAddress::zeroed();
    match ip {
        IpAddr::V4(v4) => {
            a.ipv4_address = IMA_TRUE;
            a.ip_address[..4].copy_from_slice(&v4.octets());
        }
        IpAddr::V6(v6) => {
            a.ipv4_address = IMA_FALSE;
            a.ip_address = v6.octets();
        }
    }
    a
}

/// An `IMA_TARGET_ADDRESS` holding an IP address.
pub fn target_address(addr: SocketAddr) -> TargetAddress {
    let mut t = TargetAddress::zeroed();
    t.hostname_ip_address.hostname_in_use = IMA_FALSE;
    t.hostname_ip_address.id.ip_address = ima_ip(addr.ip());
    t.port_number = addr.port();
    t
}

fn address_text(t: &TargetAddress) -> String {
    if yes(t.hostname_ip_address.hostname_in_use) {
        // Our plugin never answers host names; another plugin's are not decoded.
        format!("<host name>:{}", t.port_number)
    } else {
        let ip = ip_of(t);
        socket(&ip, t.port_number)
    }
}

fn ip_of(t: &TargetAddress) -> IpAddress {
    crate::ffi::union_ip(&t.hostname_ip_address)
}

/// `discovery show` JSON.
#[derive(Debug, Serialize)]
pub struct DiscoveryView {
    /// The LHBA.
    pub lhba: OidView,
    /// Static configuration enabled.
    pub static_enabled: bool,
    /// SendTargets enabled.
    pub sendtargets_enabled: bool,
    /// iSNS enabled.
    pub isns_enabled: bool,
    /// The iSNS server's host as the plugin reports it (no port in IMA), when set.
    pub isns_server: Option<String>,
    /// SLP enabled.
    pub slp_enabled: bool,
    /// Automatic login to static targets (vendor IOCtl; `None` for another plugin).
    pub auto_login_static: Option<bool>,
    /// Automatic login to SendTargets targets.
    pub auto_login_sendtargets: Option<bool>,
}

/// Reads the discovery settings.
pub fn discovery_view(ctx: &Ctx) -> Result<DiscoveryView> {
    let lhba = ctx.lhba()?;
    let p = ctx.ima.discovery_properties(lhba)?;
    let auto = match ctx.soft_plugin(lhba)? {
        Some(plugin) => Some(ctx.ima.ioctl(
            plugin,
            soft::GET_AUTO_LOGIN,
            &soft::Count::default(),
            soft::AutoLogin::default(),
        )?),
        None => None,
    };
    Ok(DiscoveryView {
        lhba: lhba.into(),
        static_enabled: yes(p.static_discovery_enabled),
        sendtargets_enabled: yes(p.send_targets_discovery_enabled),
        isns_enabled: yes(p.i_sns_discovery_enabled),
        isns_server: host_text(&p.i_sns_host),
        slp_enabled: yes(p.slp_discovery_enabled),
        auto_login_static: auto.map(|a| yes(a.static_targets)),
        auto_login_sendtargets: auto.map(|a| yes(a.send_targets)),
    })
}

fn on(b: bool) -> String {
    if b { "enabled" } else { "disabled" }.to_owned()
}

/// `discovery show`.
pub fn show(ctx: &Ctx) -> Result<()> {
    let v = discovery_view(ctx)?;
    ctx.out.emit(&v, |v| {
        block(&[
            ("Static", on(v.static_enabled)),
            ("Send Targets", on(v.sendtargets_enabled)),
            ("iSNS", on(v.isns_enabled)),
            (
                "iSNS server",
                v.isns_server.clone().unwrap_or_else(|| "-".into()),
            ),
            ("SLP", on(v.slp_enabled)),
            (
                "Automatic login (static)",
                v.auto_login_static.map_or_else(|| "-".into(), on),
            ),
            (
                "Automatic login (sendtargets)",
                v.auto_login_sendtargets.map_or_else(|| "-".into(), on),
            ),
        ])
    });
    Ok(())
}

/// An `IMA_HOST_ID`'s text: the address, or the host name; `None` when all zero.
fn host_text(h: &ima_abi::HostId) -> Option<String> {
    if yes(h.hostname_in_use) {
        // SAFETY: `hostnameInUse` says the name member is the valid one; both members are
        // plain integer arrays.
        let name = wide(&unsafe { h.id.hostname });
        return (!name.is_empty()).then_some(name);
    }
    let ip = crate::ffi::union_ip(h);
    (!ip.ip_address.iter().all(|&b| b == 0)).then(|| crate::view::ip(&ip).to_string())
}

/// An `IMA_HOST_ID` for an iSNS server given as HOST[:port]: an IP address without a port
/// as an address, anything else (a name, a port) as a host name (`IMA_HOST_ID` has no
/// port; the plugin reads `host:port` names). `None`: all zero (keep the configured one).
fn isns_host(server: Option<&str>) -> Result<ima_abi::HostId> {
    let mut host = TargetAddress::zeroed().hostname_ip_address;
    let Some(text) = server else {
        return Ok(host);
    };
    let bare = text.trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = bare.parse::<IpAddr>() {
        host.hostname_in_use = IMA_FALSE;
        host.id.ip_address = ima_ip(ip);
        return Ok(host);
    }
    let mut name = [0; ima_abi::IMA_HOST_NAME_LEN];
    string_to_wide_array(text, &mut name).map_err(|e| Error::Invalid(format!("{text}: {e}")))?;
    host.hostname_in_use = IMA_TRUE;
    host.id.hostname = name;
    Ok(host)
}

/// `discovery enable|disable METHOD [--server HOST[:port]]`.
pub fn switch(ctx: &Ctx, method: Method, enable: bool, server: Option<&str>) -> Result<()> {
    if server.is_some() && method != Method::Isns {
        return Err(Error::Invalid("--server is for isns only".into()));
    }
    let lhba = ctx.lhba()?;
    match method {
        Method::Static => ctx.ima.set_static_discovery(lhba, enable)?,
        Method::Sendtargets => ctx.ima.set_send_targets_discovery(lhba, enable)?,
        Method::Isns => ctx
            .ima
            .set_isns_discovery(lhba, enable, &isns_host(server)?)?,
    };
    ctx.out
        .note(&format!("{method:?} discovery {}", on(enable)).to_lowercase());
    if ctx.out.json {
        show(ctx)?;
    }
    Ok(())
}

/// `modify discovery --static ... --sendtargets ...`.
pub fn modify(ctx: &Ctx, static_: Option<OnOff>, sendtargets: Option<OnOff>) -> Result<()> {
    if static_.is_none() && sendtargets.is_none() {
        return Err(Error::Invalid("give --static and/or --sendtargets".into()));
    }
    let lhba = ctx.lhba()?;
    if let Some(s) = static_ {
        ctx.ima.set_static_discovery(lhba, s == OnOff::Enable)?;
    }
    if let Some(s) = sendtargets {
        ctx.ima
            .set_send_targets_discovery(lhba, s == OnOff::Enable)?;
    }
    show(ctx)
}

/// A discovery address.
#[derive(Debug, Serialize)]
pub struct AddressView {
    /// OID.
    pub oid: OidView,
    /// `IP:port`.
    pub address: String,
}

fn addresses(ctx: &Ctx) -> Result<Vec<AddressView>> {
    let lhba = ctx.lhba()?;
    let mut out = Vec::new();
    for oid in ctx.ima.discovery_addresses(lhba)? {
        let p = ctx.ima.discovery_address_properties(oid)?;
        out.push(AddressView {
            oid: oid.into(),
            address: address_text(&p.discovery_address),
        });
    }
    Ok(out)
}

/// `discovery-address add`.
pub fn add_addresses(ctx: &Ctx, list: &[String]) -> Result<()> {
    let lhba = ctx.lhba()?;
    let mut added = Vec::new();
    for a in list {
        let addr = parse_address(a)?;
        let oid = ctx.ima.add_discovery_address(lhba, target_address(addr))?;
        added.push(AddressView {
            oid: oid.into(),
            address: addr.to_string(),
        });
    }
    ctx.out.emit(&added, |v| {
        v.iter()
            .map(|a| format!("added discovery address {}\n", a.address))
            .collect()
    });
    Ok(())
}

/// `discovery-address remove`.
pub fn remove_addresses(ctx: &Ctx, list: &[String]) -> Result<()> {
    let known = addresses(ctx)?;
    let mut removed = Vec::new();
    for a in list {
        let addr = parse_address(a)?.to_string();
        let entry = known
            .iter()
            .find(|k| k.address == addr)
            .ok_or_else(|| Error::NotFound(format!("no discovery address {addr}")))?;
        let oid = ima_abi::Oid::new(
            ima_abi::ObjectType::DISCOVERY_ADDRESS,
            entry.oid.owner,
            entry.oid.seq,
        );
        ctx.ima.remove_discovery_address(oid)?;
        removed.push(AddressView {
            oid: entry.oid,
            address: addr,
        });
    }
    ctx.out.emit(&removed, |v| {
        v.iter()
            .map(|a| format!("removed discovery address {}\n", a.address))
            .collect()
    });
    Ok(())
}

/// `discovery-address list`.
pub fn list_addresses(ctx: &Ctx) -> Result<()> {
    let v = addresses(ctx)?;
    ctx.out.emit(&v, |v| {
        v.iter()
            .map(|a| format!("Discovery Address: {}\n", a.address))
            .collect()
    });
    Ok(())
}

/// A static-config target.
#[derive(Debug, Serialize)]
pub struct StaticView {
    /// OID.
    pub oid: OidView,
    /// The target name.
    pub target_name: String,
    /// `IP:port`.
    pub address: String,
}

fn statics(ctx: &Ctx) -> Result<Vec<(ima_abi::Oid, StaticView)>> {
    let lhba = ctx.lhba()?;
    let mut out = Vec::new();
    for oid in ctx.ima.static_targets(lhba)? {
        let p = ctx.ima.static_target_properties(oid)?;
        out.push((
            oid,
            StaticView {
                oid: oid.into(),
                target_name: wide(&p.static_target.target_name),
                address: address_text(&p.static_target.target_address),
            },
        ));
    }
    Ok(out)
}

fn parse_static(s: &str) -> Result<(String, SocketAddr)> {
    let (name, addr) = s
        .split_once(',')
        .ok_or_else(|| Error::Invalid(format!("{s:?} is not IQN,IP[:port]")))?;
    if name.is_empty() {
        return Err(Error::Invalid(format!("{s:?}: empty target name")));
    }
    Ok((name.to_owned(), parse_address(addr)?))
}

/// `static-config add`.
pub fn add_static(ctx: &Ctx, list: &[String]) -> Result<()> {
    let lhba = ctx.lhba()?;
    let mut added = Vec::new();
    for s in list {
        let (name, addr) = parse_static(s)?;
        let mut t = StaticDiscoveryTarget::zeroed();
        string_to_wide_array(&name, &mut t.target_name)
            .map_err(|e| Error::Invalid(format!("{name}: {e}")))?;
        t.target_address = target_address(addr);
        let oid = ctx.ima.add_static_target(lhba, t)?;
        added.push(StaticView {
            oid: oid.into(),
            target_name: name,
            address: addr.to_string(),
        });
    }
    ctx.out.emit(&added, |v| {
        v.iter()
            .map(|a| format!("added static target {},{}\n", a.target_name, a.address))
            .collect()
    });
    Ok(())
}

/// `static-config remove`.
pub fn remove_static(ctx: &Ctx, list: &[String]) -> Result<()> {
    let known = statics(ctx)?;
    let mut removed = Vec::new();
    for s in list {
        let (name, addr) = parse_static(s)?;
        let addr = addr.to_string();
        let (oid, view) = known
            .iter()
            .find(|(_, v)| v.target_name == name && v.address == addr)
            .ok_or_else(|| Error::NotFound(format!("no static-config {name},{addr}")))?;
        ctx.ima.remove_static_target(*oid)?;
        removed.push(StaticView {
            oid: view.oid,
            target_name: name,
            address: addr,
        });
    }
    ctx.out.emit(&removed, |v| {
        v.iter()
            .map(|a| format!("removed static target {},{}\n", a.target_name, a.address))
            .collect()
    });
    Ok(())
}

/// `static-config list`.
pub fn list_static(ctx: &Ctx) -> Result<()> {
    let v: Vec<StaticView> = statics(ctx)?.into_iter().map(|(_, v)| v).collect();
    ctx.out.emit(&v, |v| {
        v.iter()
            .map(|a| {
                format!(
                    "Static Configuration Target: {},{}\n",
                    a.target_name, a.address
                )
            })
            .collect()
    });
    Ok(())
}

/// One line of `discovery sendtargets`.
#[derive(Debug, Serialize)]
pub struct SendTargetsView {
    /// `IP:port`.
    pub address: String,
    /// The portal group tag (`None` when the target gave none).
    pub tpgt: Option<u16>,
    /// The target name.
    pub target_name: String,
}

/// `discovery sendtargets PORTAL`: the SendTargets exchange through `iscsi-initiator`
/// (IMA hides portal group tags), as the initiator node named in IMA.
pub fn send_targets(ctx: &Ctx, portal: &str) -> Result<()> {
    let addr = parse_address(portal)?;
    let name = super::node::node_view(ctx)
        .ok()
        .and_then(|n| n.name)
        .unwrap_or_else(|| "iqn.2026-12.org.iscsi-ima:imadm".into());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::io("tokio runtime", e))?;
    let target: iscsi_initiator::Portal = addr
        .to_string()
        .parse()
        .map_err(|e| Error::Invalid(format!("{portal}: {e}")))?;
    let initiator = iscsi_initiator::Initiator::new(iscsi_initiator::InitiatorConfig::new(name));
    let records = runtime
        .block_on(initiator.discover(&target))
        .map_err(|source| Error::SendTargets {
            portal: addr.to_string(),
            source,
        })?;
    let mut lines = Vec::new();
    for r in records {
        for a in &r.addresses {
            lines.push(SendTargetsView {
                address: format!("{}:{}", a.host, a.port),
                tpgt: a.tpgt,
                target_name: r.name.clone(),
            });
        }
    }
    ctx.out.emit(&lines, |v| {
        v.iter()
            .map(|l| {
                format!(
                    "{},{} {}\n",
                    l.address,
                    l.tpgt.map_or_else(|| "-1".to_owned(), |t| t.to_string()),
                    l.target_name
                )
            })
            .collect()
    });
    Ok(())
}

/// `discovery isns HOST[:port]`: the targets an iSNS server shows to the initiator node
/// named in IMA, one line per portal group, in open-iscsi's `IP:port,tpgt IQN` form
/// (targets without a portal group are left out, as open-iscsi does).
pub fn isns(ctx: &Ctx, server: &str) -> Result<()> {
    let server: iscsi_hba_server::Server = server.parse()?;
    let name = super::node::node_view(ctx)
        .ok()
        .and_then(|n| n.name)
        .unwrap_or_else(|| "iqn.2026-12.org.iscsi-ima:imadm".into());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::io("tokio runtime", e))?;
    let client = iscsi_initiator::isns::IsnsClient::new(server.host, server.port, name);
    let targets = runtime
        .block_on(client.list_targets())
        .map_err(Error::Isns)?;
    let mut lines = Vec::new();
    for t in targets {
        for pg in &t.portal_groups {
            lines.push(IsnsView {
                address: match pg.ip {
                    IpAddr::V4(v4) => format!("{v4}:{}", pg.port),
                    IpAddr::V6(v6) => format!("[{v6}]:{}", pg.port),
                },
                tpgt: pg.tag,
                target_name: t.name.clone(),
            });
        }
    }
    ctx.out.emit(&lines, |v| {
        v.iter()
            .map(|l| format!("{},{} {}\n", l.address, l.tpgt, l.target_name))
            .collect()
    });
    Ok(())
}

/// One line of `discovery isns`.
#[derive(Debug, Serialize)]
pub struct IsnsView {
    /// `IP:port` of the portal group.
    pub address: String,
    /// Its portal group tag.
    pub tpgt: u16,
    /// The target name.
    pub target_name: String,
}

/// `HOST[:port]` of an iSNS server (port 3205 by default; IPv6 in brackets with a port).
mod iscsi_hba_server {
    use crate::error::Error;

    /// Host and port.
    pub(super) struct Server {
        pub(super) host: String,
        pub(super) port: u16,
    }

    impl std::str::FromStr for Server {
        type Err = Error;

        fn from_str(text: &str) -> Result<Self, Error> {
            let bad = || Error::Invalid(format!("{text:?} is not HOST[:port]"));
            let (host, port) = if let Some(rest) = text.strip_prefix('[') {
                let (host, after) = rest.split_once(']').ok_or_else(bad)?;
                match after.strip_prefix(':') {
                    Some(p) => (host, Some(p)),
                    None if after.is_empty() => (host, None),
                    None => return Err(bad()),
                }
            } else if text.matches(':').count() == 1 {
                let (h, p) = text.split_once(':').ok_or_else(bad)?;
                (h, Some(p))
            } else {
                (text, None)
            };
            if host.is_empty() {
                return Err(bad());
            }
            let port = match port {
                None => iscsi_proto::isns::DEFAULT_PORT,
                Some(p) => p.parse().ok().filter(|&p: &u16| p != 0).ok_or_else(bad)?,
            };
            Ok(Self {
                host: host.to_owned(),
                port,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_parse() {
        assert_eq!(
            parse_address("127.0.0.1").unwrap().to_string(),
            "127.0.0.1:3260"
        );
        assert_eq!(
            parse_address("127.0.0.1:3261").unwrap().to_string(),
            "127.0.0.1:3261"
        );
        assert_eq!(parse_address("[::1]:5").unwrap().to_string(), "[::1]:5");
        assert_eq!(parse_address("::1").unwrap().to_string(), "[::1]:3260");
        assert!(matches!(parse_address("host"), Err(Error::Invalid(_))));
        assert!(parse_static("iqn.x,10.0.0.1").is_ok());
        assert!(parse_static("iqn.x").is_err());
        let s: iscsi_hba_server::Server = "127.0.0.1".parse().unwrap();
        assert_eq!((s.host.as_str(), s.port), ("127.0.0.1", 3205));
        let s: iscsi_hba_server::Server = "[::1]:4000".parse().unwrap();
        assert_eq!((s.host.as_str(), s.port), ("::1", 4000));
        assert!("host:0".parse::<iscsi_hba_server::Server>().is_err());
        assert!("".parse::<iscsi_hba_server::Server>().is_err());
    }
}
