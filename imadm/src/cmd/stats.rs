//! `stats [TARGET]`: device statistics of targets and their LUs, target error statistics,
//! and the physical ports' statistics.

use ima_abi::{DeviceStatistics, ImaStatus, Oid};
use serde::Serialize;

use super::{Ctx, Result};
use crate::out::{opt, table};
use crate::view::{OidView, datetime, mac, wide, yes};

/// `IMA_DEVICE_STATISTICS`, `None` when collection is off.
#[derive(Debug, Serialize, Clone, Copy)]
pub struct DeviceView {
    /// SCSI payload bytes sent.
    pub scsi_payload_bytes_sent: i64,
    /// SCSI payload bytes received.
    pub scsi_payload_bytes_received: i64,
    /// iSCSI PDU bytes sent.
    pub iscsi_pdu_bytes_sent: i64,
    /// iSCSI PDU bytes received.
    pub iscsi_pdu_bytes_received: i64,
    /// iSCSI PDUs sent.
    pub iscsi_pdus_sent: i64,
    /// iSCSI PDUs received.
    pub iscsi_pdus_received: i64,
}

impl From<DeviceStatistics> for DeviceView {
    fn from(d: DeviceStatistics) -> Self {
        Self {
            scsi_payload_bytes_sent: d.scsi_payload_bytes_sent,
            scsi_payload_bytes_received: d.scsi_payload_bytes_received,
            iscsi_pdu_bytes_sent: d.i_scsi_pdu_bytes_sent,
            iscsi_pdu_bytes_received: d.i_scsi_pdu_bytes_received,
            iscsi_pdus_sent: d.i_scsi_pdus_sent,
            iscsi_pdus_received: d.i_scsi_pdus_received,
        }
    }
}

/// `IMA_TARGET_ERROR_STATISTICS` (each count `None` when not valid).
#[derive(Debug, Serialize, Clone)]
pub struct ErrorsView {
    /// Failed logins.
    pub login_failed: Option<u32>,
    /// Sessions that ended with an error.
    pub session_failed: Option<u32>,
    /// Header or data digest errors.
    pub digest_errors: Option<u32>,
    /// Sessions ended because a request went unanswered.
    pub time_limit_exceeded: Option<u32>,
    /// Connections lost to a format error.
    pub format_errors: Option<u32>,
    /// Connections closed on a timeout.
    pub connection_timeouts: Option<u32>,
    /// Time of the last failed login (UTC).
    pub last_login_failure: Option<String>,
}

/// One LU's statistics.
#[derive(Debug, Serialize)]
pub struct LuStats {
    /// LU OID.
    pub oid: OidView,
    /// LUN.
    pub lun: i64,
    /// Device statistics (`None`: collection off).
    pub device: Option<DeviceView>,
}

/// One target's statistics.
#[derive(Debug, Serialize)]
pub struct TargetStats {
    /// Target name.
    pub target: String,
    /// Whether statistics collection is on for the target.
    pub statistics_enabled: bool,
    /// Device statistics (`None`: collection off).
    pub device: Option<DeviceView>,
    /// Error statistics.
    pub errors: ErrorsView,
    /// Its LUs.
    pub lus: Vec<LuStats>,
}

/// One physical port's statistics.
#[derive(Debug, Serialize)]
pub struct PortStats {
    /// PNP OID.
    pub oid: OidView,
    /// MAC address.
    pub mac: Option<String>,
    /// Bytes sent.
    pub bytes_sent: i64,
    /// PDUs sent.
    pub pdus_sent: u32,
    /// Bytes received.
    pub bytes_received: i64,
    /// PDUs received.
    pub pdus_received: u32,
}

/// `stats` JSON.
#[derive(Debug, Serialize)]
pub struct StatsView {
    /// Per target.
    pub targets: Vec<TargetStats>,
    /// Per physical port.
    pub ports: Vec<PortStats>,
}

fn device(ctx: &Ctx, oid: Oid) -> Result<Option<DeviceView>> {
    match ctx.ima.device_statistics(oid) {
        Ok(d) => Ok(Some(d.into())),
        Err(e) if e.status == ImaStatus::ERROR_STATS_COLLECTION_NOT_ENABLED => Ok(None),
        Err(e) => Err(e.into()),
    }
}

fn valid(ok: u32, n: u32) -> Option<u32> {
    yes(ok).then_some(n)
}

/// Reads one target's statistics.
pub fn target_stats(ctx: &Ctx, name: &str, oid: Oid) -> Result<TargetStats> {
    let e = ctx.ima.target_error_statistics(oid)?;
    let mut lus = Vec::new();
    for lu in ctx.ima.lus(oid).unwrap_or_default() {
        lus.push(LuStats {
            oid: lu.into(),
            lun: ctx.ima.lu_properties(lu)?.target_lun,
            device: device(ctx, lu)?,
        });
    }
    Ok(TargetStats {
        target: name.to_owned(),
        statistics_enabled: yes(ctx
            .ima
            .statistics_properties(oid)?
            .statistics_collection_enabled),
        device: device(ctx, oid)?,
        errors: ErrorsView {
            login_failed: valid(e.login_failed_count_valid, e.login_failed_count),
            session_failed: valid(e.session_failed_count_valid, e.session_failed_count),
            digest_errors: valid(
                e.header_or_digest_session_failed_count_valid,
                e.header_or_digest_session_failed_count,
            ),
            time_limit_exceeded: valid(
                e.time_limit_exceeded_session_failed_count_valid,
                e.time_limit_exceeded_session_failed_count,
            ),
            format_errors: valid(
                e.format_error_session_failed_count_valid,
                e.format_error_session_failed_count,
            ),
            connection_timeouts: valid(
                e.closed_connection_due_to_timeout_count_valid,
                e.closed_connection_due_to_timeout_count,
            ),
            last_login_failure: yes(e.last_login_failure_time_valid)
                .then(|| datetime(&e.last_login_failure_time))
                .flatten(),
        },
        lus,
    })
}

/// Reads every physical port's statistics.
pub fn port_stats(ctx: &Ctx) -> Result<Vec<PortStats>> {
    let mut out = Vec::new();
    for lnp in ctx.ima.lnps()? {
        for pnp in ctx.ima.pnps(lnp)? {
            let s = ctx.ima.pnp_statistics(pnp)?;
            let p = ctx.ima.pnp_properties(pnp)?;
            out.push(PortStats {
                oid: pnp.into(),
                mac: mac(&p.mac_address),
                bytes_sent: s.bytes_sent,
                pdus_sent: s.pdus_sent,
                bytes_received: s.bytes_received,
                pdus_received: s.pdus_received,
            });
        }
    }
    Ok(out)
}

/// The human form.
pub fn stats_text(v: &StatsView) -> String {
    let dev = |d: &Option<DeviceView>| -> Vec<String> {
        match d {
            Some(d) => vec![
                d.iscsi_pdus_sent.to_string(),
                d.iscsi_pdus_received.to_string(),
                d.scsi_payload_bytes_sent.to_string(),
                d.scsi_payload_bytes_received.to_string(),
            ],
            None => vec!["off".into(), "off".into(), "off".into(), "off".into()],
        }
    };
    let mut rows = Vec::new();
    for t in &v.targets {
        let mut row = vec![t.target.clone(), "-".into()];
        row.extend(dev(&t.device));
        rows.push(row);
        for l in &t.lus {
            let mut row = vec![String::new(), l.lun.to_string()];
            row.extend(dev(&l.device));
            rows.push(row);
        }
    }
    let mut out = table(
        &[
            "TARGET",
            "LUN",
            "PDUS_OUT",
            "PDUS_IN",
            "SCSI_BYTES_OUT",
            "SCSI_BYTES_IN",
        ],
        &rows,
    );
    let rows: Vec<Vec<String>> = v
        .targets
        .iter()
        .map(|t| {
            vec![
                t.target.clone(),
                opt(&t.errors.login_failed),
                opt(&t.errors.session_failed),
                opt(&t.errors.digest_errors),
                opt(&t.errors.connection_timeouts),
                opt(&t.errors.last_login_failure),
            ]
        })
        .collect();
    out += "\n";
    out += &table(
        &[
            "TARGET",
            "LOGIN_FAILED",
            "SESSION_FAILED",
            "DIGEST",
            "TIMEOUTS",
            "LAST_LOGIN_FAILURE",
        ],
        &rows,
    );
    let rows: Vec<Vec<String>> = v
        .ports
        .iter()
        .map(|p| {
            vec![
                p.oid.to_string(),
                opt(&p.mac),
                p.pdus_sent.to_string(),
                p.pdus_received.to_string(),
                p.bytes_sent.to_string(),
                p.bytes_received.to_string(),
            ]
        })
        .collect();
    out += "\n";
    out += &table(
        &[
            "PORT",
            "MAC",
            "PDUS_OUT",
            "PDUS_IN",
            "BYTES_OUT",
            "BYTES_IN",
        ],
        &rows,
    );
    out
}

/// `stats [TARGET]`.
pub fn show(ctx: &Ctx, target: Option<&str>) -> Result<()> {
    super::session::settle(ctx)?;
    let mut targets = Vec::new();
    match target {
        Some(name) => targets.push(target_stats(ctx, name, ctx.target(name)?)?),
        None => {
            for t in ctx.ima.targets(ctx.lhba()?)? {
                let name = wide(&ctx.ima.target_properties(t)?.name);
                targets.push(target_stats(ctx, &name, t)?);
            }
        }
    }
    let v = StatsView {
        targets,
        ports: port_stats(ctx)?,
    };
    ctx.out.emit(&v, stats_text);
    Ok(())
}
