//! `lu list`, `lu inquiry`, `lu capacity`, `lu report-luns`: SCSI pass-through through
//! IMA, decoded with iscsi-proto (sense decoded on CHECK CONDITION).

use ima_abi::Oid;
use iscsi_proto::scsi::{ReadCapacity10, ReadCapacity16, ReportLuns, SenseData, StandardInquiry};
use serde::Serialize;

use super::{Ctx, Result};
use crate::cli::LuVerb;
use crate::error::{Error, status_name};
use crate::ffi::ScsiReply;
use crate::out::{block, opt, print_text, table};
use crate::soft;
use crate::view::{OidView, hex, hex_dump, wide};

/// An LU with what INQUIRY and READ CAPACITY say.
#[derive(Debug, Serialize, Clone)]
pub struct LuView {
    /// OID.
    pub oid: OidView,
    /// The target's name.
    pub target: String,
    /// The LUN.
    pub lun: i64,
    /// Peripheral device type (number).
    pub device_type: Option<u8>,
    /// Vendor identification.
    pub vendor: Option<String>,
    /// Product identification.
    pub product: Option<String>,
    /// Product revision.
    pub revision: Option<String>,
    /// Logical block length in bytes.
    pub block_size: Option<u32>,
    /// Number of blocks.
    pub blocks: Option<u64>,
    /// Capacity in bytes.
    pub capacity_bytes: Option<u64>,
    /// Exposed to the OS as an NBD export.
    pub exposed: bool,
    /// The export's URI (`nbd+unix:///NAME?socket=PATH`), from our plugin's EXPORT_URI
    /// command (another plugin: its OS device name).
    pub export: Option<String>,
}

/// Decoded READ CAPACITY: (block size, blocks).
fn capacity(reply: &ScsiReply) -> Option<(u32, u64)> {
    if reply.status.is_error() {
        return None;
    }
    if reply.data.len() >= 32 {
        ReadCapacity16::decode(&reply.data)
            .ok()
            .map(|c| (c.block_length, c.returned_lba.saturating_add(1)))
    } else {
        ReadCapacity10::decode(&reply.data)
            .ok()
            .map(|c| (c.block_length, c.block_count()))
    }
}

/// Reads an LU's properties, INQUIRY and capacity (the last two best effort).
pub fn lu_view(ctx: &Ctx, target: &str, lu: Oid) -> Result<LuView> {
    let p = ctx.ima.lu_properties(lu)?;
    let inquiry = ctx
        .ima
        .inquiry(lu, false, 0)
        .ok()
        .filter(|r| !r.status.is_error())
        .and_then(|r| StandardInquiry::decode(&r.data).ok());
    let cap = inquiry
        .as_ref()
        .filter(|i| u8::from(i.device_type) == 0)
        .and_then(|_| ctx.ima.read_capacity(lu, 16).ok())
        .and_then(|r| capacity(&r));
    Ok(LuView {
        oid: lu.into(),
        target: target.to_owned(),
        lun: p.target_lun,
        device_type: inquiry.as_ref().map(|i| u8::from(i.device_type)),
        vendor: inquiry.as_ref().map(|i| i.vendor.trim().to_owned()),
        product: inquiry.as_ref().map(|i| i.product.trim().to_owned()),
        revision: inquiry.as_ref().map(|i| i.revision.trim().to_owned()),
        block_size: cap.map(|c| c.0),
        blocks: cap.map(|c| c.1),
        capacity_bytes: cap.map(|(b, n)| u64::from(b).saturating_mul(n)),
        exposed: p.exposed_to_os != 0,
        export: export_uri(ctx, lu, &p),
    })
}

/// An exposed LU's export: the full URI from our plugin's EXPORT_URI command, else the OS
/// device name (the URI when it fits 63 characters, else the export name).
fn export_uri(ctx: &Ctx, lu: Oid, p: &ima_abi::LuProperties) -> Option<String> {
    if p.exposed_to_os == 0 {
        return None;
    }
    let full = match ctx.soft_plugin(lu) {
        Ok(Some(plugin)) => ctx
            .ima
            .ioctl(
                plugin,
                soft::EXPORT_URI,
                &soft::LuArg { lu_oid: lu },
                soft::ExportUri::empty(),
            )
            .ok()
            .map(|u| u.text()),
        _ => None,
    };
    full.or_else(|| (p.os_device_name_valid != 0).then(|| wide(&p.os_device_name)))
}

/// The LUs of a target.
pub fn target_lus(ctx: &Ctx, name: &str, target: Oid) -> Result<Vec<LuView>> {
    ctx.ima
        .lus(target)?
        .into_iter()
        .map(|lu| lu_view(ctx, name, lu))
        .collect()
}

/// The LU table.
pub fn lus_table(lus: &[LuView]) -> String {
    let rows: Vec<Vec<String>> = lus
        .iter()
        .map(|l| {
            vec![
                l.target.clone(),
                l.lun.to_string(),
                opt(&l.device_type),
                opt(&l.vendor),
                opt(&l.product),
                opt(&l.block_size),
                opt(&l.capacity_bytes),
                opt(&l.export),
            ]
        })
        .collect();
    table(
        &[
            "TARGET", "LUN", "TYPE", "VENDOR", "PRODUCT", "BLOCK", "BYTES", "EXPORT",
        ],
        &rows,
    )
}

/// The sense of a reply, decoded.
#[derive(Debug, Serialize)]
pub struct SenseView {
    /// Sense key.
    pub sense_key: u8,
    /// Its SPC name.
    pub sense_key_name: Option<String>,
    /// ASC.
    pub asc: u8,
    /// ASCQ.
    pub ascq: u8,
    /// The SPC description of ASC/ASCQ.
    pub description: Option<String>,
}

fn sense_view(sense: &[u8]) -> Option<SenseView> {
    let s = SenseData::decode(sense).ok()?;
    Some(SenseView {
        sense_key: u8::from(s.sense_key),
        sense_key_name: s.sense_key.spc_name().map(str::to_owned),
        asc: s.asc,
        ascq: s.ascq,
        description: s.description().map(str::to_owned),
    })
}

/// Fails with the decoded sense when the command did not complete with GOOD.
fn require_good(ctx: &Ctx, call: &'static str, reply: &ScsiReply, raw: bool) -> Result<()> {
    if !reply.status.is_error() {
        return Ok(());
    }
    let sense = sense_view(&reply.sense);
    let detail = match &sense {
        Some(s) => format!(
            "sense key {:#x} {}, ASC/ASCQ {:#04x}/{:#04x} {}",
            s.sense_key,
            s.sense_key_name.clone().unwrap_or_default(),
            s.asc,
            s.ascq,
            s.description.clone().unwrap_or_default()
        ),
        None if reply.sense.is_empty() => "no sense data".into(),
        None => format!("sense {}", hex(&reply.sense)),
    };
    if raw && !ctx.out.json {
        print_text(&format!("sense:\n{}", hex_dump(&reply.sense)));
    }
    Err(Error::Scsi {
        call,
        status: reply.status,
        detail,
    })
}

/// Pass-through output with `--hex` or `--json` and no decoder result.
#[derive(Debug, Serialize)]
pub struct RawView {
    /// The IMA status name.
    pub status: String,
    /// The data in hex.
    pub data: String,
}

fn raw(ctx: &Ctx, reply: &ScsiReply) {
    let v = RawView {
        status: status_name(reply.status),
        data: hex(&reply.data),
    };
    let bytes = reply.data.clone();
    ctx.out.emit(&v, move |_| hex_dump(&bytes));
}

/// INQUIRY JSON.
#[derive(Debug, Serialize)]
pub struct InquiryView {
    /// Peripheral qualifier.
    pub peripheral_qualifier: u8,
    /// Peripheral device type.
    pub device_type: u8,
    /// Its name.
    pub device_type_name: String,
    /// Removable medium.
    pub removable: bool,
    /// SPC version.
    pub version: u8,
    /// Vendor identification.
    pub vendor: String,
    /// Product identification.
    pub product: String,
    /// Product revision level.
    pub revision: String,
    /// Command queueing.
    pub cmdque: bool,
}

/// Runs an LU verb.
pub fn run(ctx: &Ctx, verb: LuVerb) -> Result<()> {
    match verb {
        LuVerb::List { target } => {
            let lhba = ctx.lhba()?;
            let mut lus = Vec::new();
            for t in ctx.ima.targets(lhba)? {
                let name = wide(&ctx.ima.target_properties(t)?.name);
                if target.as_deref().is_some_and(|want| want != name) {
                    continue;
                }
                lus.extend(target_lus(ctx, &name, t)?);
            }
            if let Some(want) = &target {
                if lus.is_empty() {
                    ctx.target(want)?;
                }
            }
            ctx.out.emit(&lus, |v| lus_table(v));
        }
        LuVerb::Expose { target, lun } => {
            let oid = ctx.lu_or_target(&target, Some(lun))?;
            ctx.ima.expose_lu(oid)?;
            let view = lu_view(ctx, &target, oid)?;
            ctx.out.emit(&view, |v| {
                format!("{}\n", v.export.as_deref().unwrap_or("exposed"))
            });
        }
        LuVerb::Unexpose { target, lun } => {
            let oid = ctx.lu_or_target(&target, Some(lun))?;
            ctx.ima.unexpose_lu(oid)?;
            let view = lu_view(ctx, &target, oid)?;
            ctx.out.emit(&view, |_| "unexposed\n".to_owned());
        }
        LuVerb::Inquiry {
            target,
            lun,
            page,
            raw: r,
        } => {
            let oid = ctx.lu_or_target(&target, lun)?;
            let reply = ctx.ima.inquiry(oid, page.is_some(), page.unwrap_or(0))?;
            require_good(ctx, "IMA_LuInquiry", &reply, r.hex)?;
            if r.hex || page.is_some() {
                raw(ctx, &reply);
                return Ok(());
            }
            let i = StandardInquiry::decode(&reply.data)
                .map_err(|e| Error::Invalid(format!("INQUIRY data: {e}")))?;
            let v = InquiryView {
                peripheral_qualifier: i.peripheral_qualifier,
                device_type: u8::from(i.device_type),
                device_type_name: format!("{:?}", i.device_type),
                removable: i.removable,
                version: i.version,
                vendor: i.vendor.trim().to_owned(),
                product: i.product.trim().to_owned(),
                revision: i.revision.trim().to_owned(),
                cmdque: i.cmdque,
            };
            ctx.out.emit(&v, |v| {
                block(&[
                    ("Vendor", v.vendor.clone()),
                    ("Product", v.product.clone()),
                    ("Revision", v.revision.clone()),
                    (
                        "Device type",
                        format!("{:#04x} {}", v.device_type, v.device_type_name),
                    ),
                    ("Qualifier", v.peripheral_qualifier.to_string()),
                    ("Removable", v.removable.to_string()),
                    ("SPC version", format!("{:#04x}", v.version)),
                ])
            });
        }
        LuVerb::Capacity {
            target,
            lun,
            cdb,
            raw: r,
        } => {
            if cdb != 10 && cdb != 16 {
                return Err(Error::Invalid(format!("--cdb {cdb}: 10 or 16")));
            }
            let oid = ctx.lu_or_target(&target, lun)?;
            let reply = ctx.ima.read_capacity(oid, cdb)?;
            require_good(ctx, "IMA_LuReadCapacity", &reply, r.hex)?;
            if r.hex {
                raw(ctx, &reply);
                return Ok(());
            }
            let (block_size, blocks) = capacity(&reply)
                .ok_or_else(|| Error::Invalid("READ CAPACITY data too short".into()))?;
            let v = serde_json::json!({
                "block_size": block_size,
                "blocks": blocks,
                "capacity_bytes": u64::from(block_size).saturating_mul(blocks),
            });
            ctx.out.emit(&v, |_| {
                block(&[
                    ("Block size", block_size.to_string()),
                    ("Blocks", blocks.to_string()),
                    (
                        "Capacity",
                        format!("{} bytes", u64::from(block_size).saturating_mul(blocks)),
                    ),
                ])
            });
        }
        LuVerb::ReportLuns { target, raw: r } => {
            let oid = ctx.target(&target)?;
            let reply = ctx.ima.report_luns(oid)?;
            require_good(ctx, "IMA_LuReportLuns", &reply, r.hex)?;
            if r.hex {
                raw(ctx, &reply);
                return Ok(());
            }
            let luns = ReportLuns::decode(&reply.data)
                .map_err(|e| Error::Invalid(format!("REPORT LUNS data: {e}")))?;
            let v: Vec<serde_json::Value> = luns
                .luns
                .iter()
                .map(|l| serde_json::json!({ "lun": l.index(), "lun_bytes": hex(&l.0) }))
                .collect();
            ctx.out.emit(&v, |_| {
                let rows: Vec<Vec<String>> = luns
                    .luns
                    .iter()
                    .map(|l| vec![opt(&l.index()), hex(&l.0)])
                    .collect();
                table(&["LUN", "BYTES"], &rows)
            });
        }
    }
    Ok(())
}
