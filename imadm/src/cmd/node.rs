//! `node show`, `node set` (the library's shared node; the library passes changes on to
//! the plugins that manage initiator names).

use serde::Serialize;

use super::{Ctx, Result};
use crate::cli::NodeSet;
use crate::error::Error;
use crate::out::block;
use crate::view::{OidView, wide, yes};

/// `node show` JSON.
#[derive(Debug, Serialize)]
pub struct NodeView {
    /// The shared node's OID.
    pub oid: OidView,
    /// The iSCSI name (`None` when not valid).
    pub name: Option<String>,
    /// The alias (`None` when not valid or empty).
    pub alias: Option<String>,
    /// `runningInInitiatorMode`.
    pub initiator_mode: bool,
    /// `runningInTargetMode`.
    pub target_mode: bool,
    /// `nameAndAliasSettable`.
    pub settable: bool,
}

/// Reads the shared node.
pub fn node_view(ctx: &Ctx) -> Result<NodeView> {
    let oid = ctx.ima.shared_node()?;
    let p = ctx.ima.node_properties(oid)?;
    let alias = wide(&p.alias);
    Ok(NodeView {
        oid: oid.into(),
        name: yes(p.name_valid).then(|| wide(&p.name)),
        alias: (yes(p.alias_valid) && !alias.is_empty()).then_some(alias),
        initiator_mode: yes(p.running_in_initiator_mode),
        target_mode: yes(p.running_in_target_mode),
        settable: yes(p.name_and_alias_settable),
    })
}

/// `node show`.
pub fn show(ctx: &Ctx) -> Result<()> {
    let v = node_view(ctx)?;
    ctx.out.emit(&v, |v| {
        block(&[
            ("Initiator node name", v.name.clone().unwrap_or_default()),
            (
                "Initiator node alias",
                v.alias.clone().unwrap_or_else(|| "-".into()),
            ),
            ("Initiator mode", v.initiator_mode.to_string()),
            ("Settable", v.settable.to_string()),
        ])
    });
    Ok(())
}

/// `node set`.
pub fn set(ctx: &Ctx, set: &NodeSet) -> Result<()> {
    if set.name.is_none() && set.alias.is_none() {
        return Err(Error::Invalid("give -N NAME and/or -A ALIAS".into()));
    }
    let oid = ctx.ima.shared_node()?;
    if let Some(name) = &set.name {
        ctx.ima.set_node_name(oid, name)?;
        ctx.out.note(&format!("node name set to {name}"));
    }
    if let Some(alias) = &set.alias {
        ctx.ima.set_node_alias(oid, alias)?;
        ctx.out.note(&format!("node alias set to {alias}"));
    }
    if ctx.out.json {
        show(ctx)?;
    }
    Ok(())
}
