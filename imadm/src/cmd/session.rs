//! `session list|show|login|logout`.

use ima_abi::Oid;
use serde::Serialize;

use super::{Ctx, Result};
use crate::cli::SessionVerb;
use crate::error::Error;
use crate::out::{block, opt, table};
use crate::soft;
use crate::view::{OidView, auth_method, digest, hex, socket, wide, yes};

/// A connection.
#[derive(Debug, Serialize, Clone)]
pub struct ConnectionView {
    /// OID.
    pub oid: OidView,
    /// CID.
    pub connection_id: u16,
    /// Header digest agreed.
    pub header_digest: String,
    /// Data digest agreed.
    pub data_digest: String,
    /// MaxRecvDataSegmentLength we declared.
    pub max_recv_data_segment_length: u32,
    /// MaxRecvDataSegmentLength the target declared.
    pub max_transmit_data_segment_length: u32,
    /// Local `IP:port` (vendor IOCtl; `None` for another plugin).
    pub local_address: Option<String>,
    /// Remote `IP:port`.
    pub remote_address: Option<String>,
}

/// A session with what was negotiated.
#[derive(Debug, Serialize, Clone)]
pub struct SessionView {
    /// OID.
    pub oid: OidView,
    /// The target's name.
    pub target: String,
    /// ISID in hex.
    pub isid: String,
    /// TSIH.
    pub tsih: u16,
    /// `none` or `chap`.
    pub auth_method: String,
    /// TargetPortalGroupTag.
    pub target_portal_group_tag: u16,
    /// FirstBurstLength.
    pub first_burst_length: u32,
    /// MaxBurstLength.
    pub max_burst_length: u32,
    /// DefaultTime2Wait.
    pub default_time2_wait: u16,
    /// DefaultTime2Retain.
    pub default_time2_retain: u16,
    /// MaxOutstandingR2T.
    pub max_outstanding_r2t: u16,
    /// ErrorRecoveryLevel.
    pub error_recovery_level: u16,
    /// MaxConnections.
    pub max_connections: u16,
    /// InitialR2T.
    pub initial_r2t: bool,
    /// ImmediateData.
    pub immediate_data: bool,
    /// DataPDUInOrder.
    pub data_pdu_in_order: bool,
    /// DataSequenceInOrder.
    pub data_sequence_in_order: bool,
    /// The connections.
    pub connections: Vec<ConnectionView>,
}

/// Reads a session, its connections and (for our plugin) their addresses.
pub fn session_view(ctx: &Ctx, target: &str, session: Oid) -> Result<SessionView> {
    let p = ctx.ima.session_properties(session)?;
    let plugin = ctx.soft_plugin(session)?;
    let addresses = match plugin {
        Some(plugin) => ctx
            .ima
            .ioctl(
                plugin,
                soft::SESSION_ADDRESSES,
                &soft::SessionArg {
                    session_oid: session,
                },
                soft::Addresses::default(),
            )
            .ok(),
        None => None,
    };
    let mut connections = Vec::new();
    for c in ctx.ima.connections(session)? {
        let cp = ctx.ima.connection_properties(c)?;
        connections.push(ConnectionView {
            oid: c.into(),
            connection_id: cp.connection_id,
            header_digest: digest(cp.header_digest),
            data_digest: digest(cp.data_digest),
            max_recv_data_segment_length: cp.max_recv_data_segment_length,
            max_transmit_data_segment_length: cp.max_transmit_data_segment_length,
            local_address: addresses
                .filter(|a| yes(a.local_valid))
                .map(|a| socket(&a.local_address, a.local_port)),
            remote_address: addresses
                .filter(|a| yes(a.remote_valid))
                .map(|a| socket(&a.remote_address, a.remote_port)),
        });
    }
    Ok(SessionView {
        oid: session.into(),
        target: target.to_owned(),
        isid: hex(&p.isid),
        tsih: p.tsih,
        auth_method: auth_method(p.auth_method),
        target_portal_group_tag: p.target_portal_group_tag,
        first_burst_length: p.first_burst_length,
        max_burst_length: p.max_burst_length,
        default_time2_wait: p.default_time2_wait,
        default_time2_retain: p.default_time2_retain,
        max_outstanding_r2t: p.max_outstanding_r2t,
        error_recovery_level: p.error_recovery_level,
        max_connections: p.max_connections,
        initial_r2t: yes(p.initial_r2t),
        immediate_data: yes(p.immediate_data),
        data_pdu_in_order: yes(p.data_pdu_in_order),
        data_sequence_in_order: yes(p.data_sequence_in_order),
        connections,
    })
}

/// The sessions of one target.
pub fn target_sessions(ctx: &Ctx, name: &str, target: Oid) -> Result<Vec<SessionView>> {
    ctx.ima
        .sessions(target)?
        .into_iter()
        .map(|s| session_view(ctx, name, s))
        .collect()
}

/// The session table.
pub fn sessions_table(sessions: &[SessionView]) -> String {
    let rows: Vec<Vec<String>> = sessions
        .iter()
        .map(|s| {
            let c = s.connections.first();
            vec![
                s.target.clone(),
                s.isid.clone(),
                s.tsih.to_string(),
                s.auth_method.clone(),
                s.target_portal_group_tag.to_string(),
                opt(&c.and_then(|c| c.local_address.clone())),
                opt(&c.and_then(|c| c.remote_address.clone())),
            ]
        })
        .collect();
    table(
        &["TARGET", "ISID", "TSIH", "AUTH", "TPGT", "LOCAL", "REMOTE"],
        &rows,
    )
}

/// A session in detail.
pub fn session_block(s: &SessionView) -> String {
    let mut out = format!("Session {} to {}\n", s.oid, s.target);
    out += &block(&[
        ("  ISID", s.isid.clone()),
        ("  TSIH", s.tsih.to_string()),
        ("  Authentication", s.auth_method.clone()),
        ("  TPGT", s.target_portal_group_tag.to_string()),
        ("  FirstBurstLength", s.first_burst_length.to_string()),
        ("  MaxBurstLength", s.max_burst_length.to_string()),
        ("  DefaultTime2Wait", s.default_time2_wait.to_string()),
        ("  DefaultTime2Retain", s.default_time2_retain.to_string()),
        ("  MaxOutstandingR2T", s.max_outstanding_r2t.to_string()),
        ("  ErrorRecoveryLevel", s.error_recovery_level.to_string()),
        ("  MaxConnections", s.max_connections.to_string()),
        ("  InitialR2T", s.initial_r2t.to_string()),
        ("  ImmediateData", s.immediate_data.to_string()),
        ("  DataPDUInOrder", s.data_pdu_in_order.to_string()),
        (
            "  DataSequenceInOrder",
            s.data_sequence_in_order.to_string(),
        ),
    ]);
    for c in &s.connections {
        out += &format!("  Connection {} (CID {})\n", c.oid, c.connection_id);
        out += &block(&[
            ("    HeaderDigest", c.header_digest.clone()),
            ("    DataDigest", c.data_digest.clone()),
            (
                "    MaxRecvDataSegmentLength",
                c.max_recv_data_segment_length.to_string(),
            ),
            (
                "    MaxXmitDataSegmentLength",
                c.max_transmit_data_segment_length.to_string(),
            ),
            ("    Local", opt(&c.local_address)),
            ("    Remote", opt(&c.remote_address)),
        ]);
    }
    out
}

/// `session login` / `logout` JSON.
#[derive(Debug, Serialize)]
pub struct LoginView {
    /// The target.
    pub target: String,
    /// The session's OID (login).
    pub session: Option<OidView>,
    /// Sessions closed (logout).
    pub closed: Option<i64>,
}

/// Waits for the plugin's discovery and automatic logins (vendor IOCtl RESCAN) when the
/// plugin is ours, so that a one-shot process lists the sessions its plugin keeps.
pub fn settle(ctx: &Ctx) -> Result<()> {
    if ctx.soft_plugin(ctx.lhba()?)?.is_some() {
        ctx.rescan()?;
    }
    Ok(())
}

/// Runs a session verb.
pub fn run(ctx: &Ctx, verb: SessionVerb) -> Result<()> {
    match verb {
        SessionVerb::List { target } => {
            let lhba = ctx.lhba()?;
            settle(ctx)?;
            let mut all = Vec::new();
            if let Some(name) = &target {
                all = target_sessions(ctx, name, ctx.target(name)?)?;
            } else {
                for t in ctx.ima.targets(lhba)? {
                    let name = wide(&ctx.ima.target_properties(t)?.name);
                    all.extend(target_sessions(ctx, &name, t)?);
                }
            }
            ctx.out.emit(&all, |v| sessions_table(v));
        }
        SessionVerb::Show { target } => {
            settle(ctx)?;
            let sessions = target_sessions(ctx, &target, ctx.target(&target)?)?;
            let s = sessions
                .into_iter()
                .next()
                .ok_or_else(|| Error::NotFound(format!("no session to {target}")))?;
            ctx.out.emit(&s, session_block);
        }
        SessionVerb::Login { target } => {
            let oid = ctx.target(&target)?;
            let plugin = ctx.require_soft_plugin(oid)?;
            let s = ctx.ima.ioctl(
                plugin,
                soft::LOGIN,
                &soft::TargetArg { target_oid: oid },
                soft::SessionArg::default(),
            )?;
            let v = LoginView {
                target,
                session: Some(s.session_oid.into()),
                closed: None,
            };
            ctx.out.emit(&v, |v| {
                format!("logged in to {} (session {})\n", v.target, opt(&v.session))
            });
        }
        SessionVerb::Logout { target } => {
            // Let the automatic login finish first: logging out of a session that opens
            // right after would be a no-op.
            settle(ctx)?;
            let oid = ctx.target(&target)?;
            let plugin = ctx.require_soft_plugin(oid)?;
            let n = ctx.ima.ioctl(
                plugin,
                soft::LOGOUT,
                &soft::TargetArg { target_oid: oid },
                soft::Count::default(),
            )?;
            let v = LoginView {
                target,
                session: None,
                closed: Some(n.value),
            };
            ctx.out.emit(&v, |v| {
                format!(
                    "logged out of {} ({} session(s) closed)\n",
                    v.target,
                    opt(&v.closed)
                )
            });
        }
    }
    Ok(())
}
