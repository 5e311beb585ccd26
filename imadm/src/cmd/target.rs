//! `target list [-S] [-v]`, `target show`.

use ima_abi::{Oid, TargetDiscoveryMethod};
use serde::Serialize;

use super::lu::{LuView, lus_table, target_lus};
use super::params::{ParamView, param_views};
use super::session::{SessionView, session_block, target_sessions};
use super::{Ctx, Result};
use crate::cli::TargetList;
use crate::out::{block, table};
use crate::view::{OidView, socket, wide};

/// A target.
#[derive(Debug, Serialize)]
pub struct TargetView {
    /// OID.
    pub oid: OidView,
    /// Name.
    pub name: String,
    /// Alias (`None` when empty).
    pub alias: Option<String>,
    /// The methods that found it: `static`, `sendtargets`, `isns`, `slp`.
    pub discovery_methods: Vec<&'static str>,
    /// Its portals, `IP:port`.
    pub portals: Vec<String>,
    /// Its LUs (with `-S`, and in `target show`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lus: Option<Vec<LuView>>,
    /// Its sessions (with `-v`, and in `target show`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sessions: Option<Vec<SessionView>>,
    /// Its login parameters (in `target show`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parameters: Option<Vec<ParamView>>,
}

fn methods(flags: u32) -> Vec<&'static str> {
    [
        (TargetDiscoveryMethod::STATIC, "static"),
        (TargetDiscoveryMethod::SENDTARGETS, "sendtargets"),
        (TargetDiscoveryMethod::ISNS, "isns"),
        (TargetDiscoveryMethod::SLP, "slp"),
    ]
    .into_iter()
    .filter(|(m, _)| flags & m.0 != 0)
    .map(|(_, n)| n)
    .collect()
}

/// Reads a target.
pub fn target_view(
    ctx: &Ctx,
    oid: Oid,
    lus: bool,
    sessions: bool,
    params: bool,
) -> Result<TargetView> {
    let p = ctx.ima.target_properties(oid)?;
    let name = wide(&p.name);
    let alias = wide(&p.alias);
    let portals = ctx
        .ima
        .address_keys(oid)?
        .iter()
        .map(|k| socket(&k.ip_address, k.port_number))
        .collect();
    Ok(TargetView {
        oid: oid.into(),
        lus: if lus {
            Some(target_lus(ctx, &name, oid)?)
        } else {
            None
        },
        sessions: if sessions {
            Some(target_sessions(ctx, &name, oid)?)
        } else {
            None
        },
        parameters: if params {
            Some(param_views(ctx, oid)?)
        } else {
            None
        },
        name,
        alias: (!alias.is_empty()).then_some(alias),
        discovery_methods: methods(p.discovery_method_flags),
        portals,
    })
}

fn target_text(t: &TargetView) -> String {
    let mut out = format!("Target: {}\n", t.name);
    out += &block(&[
        ("  Alias", t.alias.clone().unwrap_or_else(|| "-".into())),
        ("  Discovery", t.discovery_methods.join(",")),
        ("  Portals", t.portals.join(" ")),
    ]);
    if let Some(lus) = &t.lus {
        out += &indent(&lus_table(lus));
    }
    if let Some(params) = &t.parameters {
        out += &indent(&super::params::params_table(params));
    }
    if let Some(sessions) = &t.sessions {
        for s in sessions {
            out += &indent(&session_block(s));
        }
        if sessions.is_empty() {
            out += "  No session\n";
        }
    }
    out
}

fn indent(text: &str) -> String {
    text.lines().map(|l| format!("  {l}\n")).collect()
}

/// `target list`.
pub fn list(ctx: &Ctx, args: &TargetList) -> Result<()> {
    let lhba = ctx.lhba()?;
    let oids = match &args.target {
        Some(name) => vec![ctx.target(name)?],
        None => ctx.ima.targets(lhba)?,
    };
    let targets = oids
        .into_iter()
        .map(|t| target_view(ctx, t, args.lus, args.verbose, false))
        .collect::<Result<Vec<_>>>()?;
    let detailed = args.lus || args.verbose;
    ctx.out.emit(&targets, |v| {
        if detailed {
            v.iter().map(target_text).collect()
        } else {
            let rows: Vec<Vec<String>> = v
                .iter()
                .map(|t| {
                    vec![
                        t.name.clone(),
                        t.discovery_methods.join(","),
                        t.portals.join(" "),
                    ]
                })
                .collect();
            table(&["TARGET", "DISCOVERY", "PORTALS"], &rows)
        }
    });
    Ok(())
}

/// `target show`.
pub fn show(ctx: &Ctx, name: &str) -> Result<()> {
    let oid = ctx.target(name)?;
    let t = target_view(ctx, oid, true, true, true)?;
    ctx.out.emit(&t, target_text);
    Ok(())
}
