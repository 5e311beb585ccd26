//! `hba list`, `hba show`, `hba rescan`.

use ima_abi::PhbaStatus;
use serde::Serialize;

use super::{Ctx, Result};
use crate::out::{block, opt, table};
use crate::view::{OidView, ip, mac, port_status, wide, yes};

/// A PHBA.
#[derive(Debug, Serialize)]
pub struct PhbaView {
    /// OID.
    pub oid: OidView,
    /// `vendor`.
    pub vendor: String,
    /// `model`.
    pub model: String,
    /// `description`.
    pub description: String,
    /// `serialNumber`.
    pub serial_number: String,
    /// `driverName`.
    pub driver_name: String,
    /// `driverVersion`.
    pub driver_version: String,
    /// `working` or `failed`.
    pub status: String,
    /// `isInitiator`.
    pub is_initiator: bool,
    /// `isTarget`.
    pub is_target: bool,
}

/// An LHBA.
#[derive(Debug, Serialize)]
pub struct LhbaView {
    /// OID.
    pub oid: OidView,
    /// `osDeviceName`.
    pub os_device_name: String,
    /// `luExposingSupported`.
    pub lu_exposing_supported: bool,
    /// `isDestroyable`.
    pub is_destroyable: bool,
    /// `staleDataRemovable`.
    pub stale_data_removable: bool,
    /// `staleDataSize`.
    pub stale_data_size: u64,
    /// `initiatorAuthMethodsSettable`.
    pub initiator_auth_methods_settable: bool,
}

/// A logical network port with its physical ports and portals.
#[derive(Debug, Serialize)]
pub struct PortView {
    /// The LNP's OID.
    pub oid: OidView,
    /// MAC address.
    pub mac: Option<String>,
    /// Port status.
    pub status: String,
    /// The PNPs.
    pub physical: Vec<PnpView>,
    /// The network portals (IP addresses).
    pub portals: Vec<PortalView>,
}

/// A physical network port.
#[derive(Debug, Serialize)]
pub struct PnpView {
    /// OID.
    pub oid: OidView,
    /// MAC address.
    pub mac: Option<String>,
    /// `maximumTransferRate`.
    pub maximum_transfer_rate: u64,
    /// `currentTransferRate`.
    pub current_transfer_rate: u64,
    /// `maximumFrameSize`.
    pub maximum_frame_size: u64,
}

/// A network portal.
#[derive(Debug, Serialize)]
pub struct PortalView {
    /// OID.
    pub oid: OidView,
    /// IP address.
    pub address: String,
}

/// `hba show` JSON.
#[derive(Debug, Serialize)]
pub struct HbaView {
    /// PHBAs.
    pub phbas: Vec<PhbaView>,
    /// LHBAs.
    pub lhbas: Vec<LhbaView>,
    /// Network ports.
    pub ports: Vec<PortView>,
}

fn phbas(ctx: &Ctx) -> Result<Vec<PhbaView>> {
    let mut out = Vec::new();
    for oid in ctx.ima.phbas()? {
        let p = ctx.ima.phba_properties(oid)?;
        let status = ctx.ima.phba_status(oid)?;
        out.push(PhbaView {
            oid: oid.into(),
            vendor: wide(&p.vendor),
            model: wide(&p.model),
            description: wide(&p.description),
            serial_number: wide(&p.serial_number),
            driver_name: wide(&p.driver_name),
            driver_version: wide(&p.driver_version),
            status: match status {
                PhbaStatus::WORKING => "working".into(),
                PhbaStatus::FAILED => "failed".into(),
                other => format!("unknown({})", other.0),
            },
            is_initiator: yes(p.is_initiator),
            is_target: yes(p.is_target),
        });
    }
    Ok(out)
}

fn lhbas(ctx: &Ctx) -> Result<Vec<LhbaView>> {
    let mut out = Vec::new();
    for oid in ctx.ima.lhbas()? {
        let p = ctx.ima.lhba_properties(oid)?;
        out.push(LhbaView {
            oid: oid.into(),
            os_device_name: wide(&p.os_device_name),
            lu_exposing_supported: yes(p.lu_exposing_supported),
            is_destroyable: yes(p.is_destroyable),
            stale_data_removable: yes(p.stale_data_removable),
            stale_data_size: p.stale_data_size,
            initiator_auth_methods_settable: yes(p.initiator_auth_methods_settable),
        });
    }
    Ok(out)
}

fn ports(ctx: &Ctx) -> Result<Vec<PortView>> {
    let mut out = Vec::new();
    for lnp in ctx.ima.lnps()? {
        let p = ctx.ima.lnp_properties(lnp)?;
        let mut physical = Vec::new();
        for pnp in ctx.ima.pnps(lnp)? {
            let pp = ctx.ima.pnp_properties(pnp)?;
            physical.push(PnpView {
                oid: pnp.into(),
                mac: mac(&pp.mac_address),
                maximum_transfer_rate: pp.maximum_transfer_rate,
                current_transfer_rate: pp.current_transfer_rate,
                maximum_frame_size: pp.maximum_frame_size,
            });
        }
        let mut portals = Vec::new();
        for portal in ctx.ima.portals(lnp)? {
            let pp = ctx.ima.portal_properties(portal)?;
            portals.push(PortalView {
                oid: portal.into(),
                address: ip(&pp.ip_address).to_string(),
            });
        }
        out.push(PortView {
            oid: lnp.into(),
            mac: mac(&p.mac_address),
            status: port_status(ctx.ima.port_status(lnp)?),
            physical,
            portals,
        });
    }
    Ok(out)
}

/// `hba list`.
pub fn list(ctx: &Ctx) -> Result<()> {
    let v = HbaView {
        phbas: phbas(ctx)?,
        lhbas: lhbas(ctx)?,
        ports: Vec::new(),
    };
    ctx.out.emit(&v, |v| {
        let mut rows: Vec<Vec<String>> = v
            .phbas
            .iter()
            .map(|p| {
                vec![
                    p.oid.to_string(),
                    format!("{} {}", p.vendor, p.model),
                    p.status.clone(),
                ]
            })
            .collect();
        rows.extend(v.lhbas.iter().map(|l| {
            vec![
                l.oid.to_string(),
                format!("stale data: {} targets", l.stale_data_size),
                String::new(),
            ]
        }));
        table(&["OID", "DESCRIPTION", "STATUS"], &rows)
    });
    Ok(())
}

/// `hba show`.
pub fn show(ctx: &Ctx) -> Result<()> {
    let v = HbaView {
        phbas: phbas(ctx)?,
        lhbas: lhbas(ctx)?,
        ports: ports(ctx)?,
    };
    ctx.out.emit(&v, |v| {
        let mut s = String::new();
        for p in &v.phbas {
            s += &format!("PHBA {}\n", p.oid);
            s += &block(&[
                ("  Vendor", p.vendor.clone()),
                ("  Model", p.model.clone()),
                ("  Description", p.description.clone()),
                (
                    "  Driver",
                    format!("{} {}", p.driver_name, p.driver_version),
                ),
                ("  Status", p.status.clone()),
                ("  Initiator", p.is_initiator.to_string()),
            ]);
        }
        for l in &v.lhbas {
            s += &format!("LHBA {}\n", l.oid);
            s += &block(&[
                ("  LU exposing", l.lu_exposing_supported.to_string()),
                ("  Stale data", l.stale_data_size.to_string()),
                (
                    "  Auth methods settable",
                    l.initiator_auth_methods_settable.to_string(),
                ),
            ]);
        }
        let rows: Vec<Vec<String>> = v
            .ports
            .iter()
            .map(|p| {
                vec![
                    p.oid.to_string(),
                    opt(&p.mac),
                    p.status.clone(),
                    p.physical
                        .first()
                        .map(|pp| pp.maximum_frame_size.to_string())
                        .unwrap_or_default(),
                    p.portals
                        .iter()
                        .map(|a| a.address.clone())
                        .collect::<Vec<_>>()
                        .join(" "),
                ]
            })
            .collect();
        s + "\n" + &table(&["PORT", "MAC", "STATUS", "MTU", "PORTALS"], &rows)
    });
    Ok(())
}

/// `hba rescan` JSON.
#[derive(Debug, Serialize)]
pub struct RescanView {
    /// Targets found.
    pub targets: i64,
    /// Live sessions after the pass.
    pub sessions: i64,
    /// Targets logged in to by this pass.
    pub logged_in: i64,
    /// Automatic logins that failed.
    pub login_failures: i64,
    /// Discovery addresses that did not answer.
    pub discovery_failures: i64,
}

/// `hba rescan`.
pub fn rescan(ctx: &Ctx) -> Result<()> {
    let r = ctx.rescan()?;
    let v = RescanView {
        targets: r.targets,
        sessions: r.sessions,
        logged_in: r.logged_in,
        login_failures: r.login_failures,
        discovery_failures: r.discovery_failures,
    };
    ctx.out.emit(&v, |v| {
        format!(
            "targets {}, sessions {}, logged in {}, login failures {}, discovery failures {}\n",
            v.targets, v.sessions, v.logged_in, v.login_failures, v.discovery_failures
        )
    });
    Ok(())
}
