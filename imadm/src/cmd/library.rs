//! `library show`, `plugin show`.

use serde::Serialize;

use super::{Ctx, Result};
use crate::out::{block, table};
use crate::view::{OidView, datetime, wide, yes};

/// `library show` JSON.
#[derive(Debug, Serialize)]
pub struct LibraryView {
    /// The file imadm loaded.
    pub path: String,
    /// `supportedImaVersion`.
    pub supported_ima_version: u64,
    /// `vendor`.
    pub vendor: String,
    /// `implementationVersion`.
    pub implementation_version: String,
    /// `fileName`.
    pub file_name: String,
    /// `buildTime`.
    pub build_time: Option<String>,
    /// The plugins.
    pub plugins: Vec<PluginView>,
}

/// One plugin.
#[derive(Debug, Serialize)]
pub struct PluginView {
    /// Its OID (owner = its position in ima.conf).
    pub oid: OidView,
    /// `vendor`.
    pub vendor: String,
    /// `implementationVersion`.
    pub implementation_version: String,
    /// `fileName`.
    pub file_name: String,
    /// `supportedImaVersion`.
    pub supported_ima_version: u64,
    /// `buildTime`.
    pub build_time: Option<String>,
    /// `lhbasCanBeCreatedAndDestroyed`.
    pub lhbas_can_be_created_and_destroyed: bool,
}

/// Reads the library and plugin properties.
pub fn library_view(ctx: &Ctx) -> Result<LibraryView> {
    let p = ctx.ima.library_properties()?;
    Ok(LibraryView {
        path: ctx.ima.path().display().to_string(),
        supported_ima_version: p.supported_ima_version,
        vendor: wide(&p.vendor),
        implementation_version: wide(&p.implementation_version),
        file_name: wide(&p.file_name),
        build_time: datetime(&p.build_time),
        plugins: plugin_views(ctx)?,
    })
}

/// Reads every plugin's properties.
pub fn plugin_views(ctx: &Ctx) -> Result<Vec<PluginView>> {
    let mut plugins = Vec::new();
    for oid in ctx.ima.plugins()? {
        let p = ctx.ima.plugin_properties(oid)?;
        plugins.push(PluginView {
            oid: oid.into(),
            vendor: wide(&p.vendor),
            implementation_version: wide(&p.implementation_version),
            file_name: wide(&p.file_name),
            supported_ima_version: p.supported_ima_version,
            build_time: datetime(&p.build_time),
            lhbas_can_be_created_and_destroyed: yes(p.lhbas_can_be_created_and_destroyed),
        });
    }
    Ok(plugins)
}

fn plugins_table(plugins: &[PluginView]) -> String {
    let rows: Vec<Vec<String>> = plugins
        .iter()
        .map(|p| {
            vec![
                p.oid.owner.to_string(),
                p.vendor.clone(),
                p.implementation_version.clone(),
                p.file_name.clone(),
            ]
        })
        .collect();
    table(&["OWNER", "VENDOR", "VERSION", "FILE"], &rows)
}

/// `library show`.
pub fn show(ctx: &Ctx) -> Result<()> {
    let v = library_view(ctx)?;
    ctx.out.emit(&v, |v| {
        block(&[
            ("Library", v.path.clone()),
            ("Vendor", v.vendor.clone()),
            ("Version", v.implementation_version.clone()),
            ("File name", v.file_name.clone()),
            ("IMA version", v.supported_ima_version.to_string()),
            (
                "Built",
                v.build_time
                    .clone()
                    .unwrap_or_else(|| "(not reported)".to_owned()),
            ),
        ]) + "\n"
            + &plugins_table(&v.plugins)
    });
    Ok(())
}

/// `plugin show`.
pub fn plugins(ctx: &Ctx) -> Result<()> {
    let v = plugin_views(ctx)?;
    ctx.out.emit(&v, |v| plugins_table(v));
    Ok(())
}
