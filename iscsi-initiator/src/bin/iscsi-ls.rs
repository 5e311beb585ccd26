//! `iscsi-ls`: lists the targets a portal offers, and the LUNs of each with type and size.
//!
//! ```text
//! iscsi-ls [-s] [-i INITIATOR-NAME] iscsi://[user%password@]host[:port]
//! ```
//!
//! `-s` shows LU sizes (READ CAPACITY). Credentials in the URL are used for the normal
//! sessions that list LUNs.

use std::process::ExitCode;

use iscsi_initiator::{
    cli,
    iscsi_proto::{scsi::PeripheralDeviceType, wire::Lun},
};

const TOOL: &str = "iscsi-ls";

fn main() -> ExitCode {
    cli::init_logging();
    let mut show_size = false;
    let mut name = cli::default_initiator_name(TOOL);
    let mut url = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "-s" | "--show-luns" | "--size" => show_size = true,
            "-i" | "--initiator-name" => match args.next() {
                Some(n) => name = n,
                None => return cli::fail(TOOL, "-i needs a name"),
            },
            "-h" | "--help" => {
                println!(
                    "usage: {TOOL} [-s] [-i INITIATOR-NAME] iscsi://[user%password@]host[:port]"
                );
                return ExitCode::SUCCESS;
            }
            other if other.starts_with('-') => {
                return cli::fail(TOOL, &format!("unknown option {other}"));
            }
            other => url = Some(other.to_owned()),
        }
    }
    let Some(url) = url else {
        return cli::fail(TOOL, "missing URL (iscsi://host[:port])");
    };
    cli::run(TOOL, async move {
        let url = cli::parse_url(&url)?;
        list(&name, &url, show_size).await
    })
}

async fn list(name: &str, url: &iscsi_initiator::IscsiUrl, show_size: bool) -> Result<(), String> {
    let initiator = cli::initiator(name, url);
    let targets = initiator
        .discover(&url.portal())
        .await
        .map_err(|e| cli::describe(&e))?;
    for target in targets {
        for address in &target.addresses {
            println!("Target:{} Portal:{address}", target.name);
        }
        let portal = target.addresses.first().map_or_else(
            || url.portal(),
            |a| {
                // Connect where we discovered when the target names a wildcard address.
                let text = a.to_string();
                match text.rsplit_once(',') {
                    Some((portal, _tpgt)) => portal.to_owned(),
                    None => text,
                }
            },
        );
        let session = match initiator.login(&target.name, &portal).await {
            Ok(s) => s,
            Err(e) => {
                println!("  (cannot log in: {})", cli::describe(&e));
                continue;
            }
        };
        match session.report_luns().await {
            Ok(report) => {
                for reported in report.luns {
                    let lun = Lun(reported.0);
                    let index = lun
                        .index()
                        .map_or_else(|| format!("{:02x?}", reported.0), |i| i.to_string());
                    let kind = match session.inquiry(lun).await {
                        Ok(inq) => type_name(inq.device_type),
                        Err(e) => format!("?({})", cli::describe(&e)),
                    };
                    let mut line = format!("Lun:{index:<4} Type:{kind}");
                    if show_size && kind == "DIRECT_ACCESS" {
                        if let Ok(cap) = session.read_capacity(lun).await {
                            line.push_str(&format!(" (Size:{})", cli::format_size(cap.bytes())));
                        }
                    }
                    println!("{line}");
                }
            }
            Err(e) => println!("  (REPORT LUNS failed: {})", cli::describe(&e)),
        }
        let _ = session.logout().await;
    }
    Ok(())
}

fn type_name(t: PeripheralDeviceType) -> String {
    match t {
        PeripheralDeviceType::DirectAccess => "DIRECT_ACCESS".into(),
        PeripheralDeviceType::SequentialAccess => "SEQUENTIAL_ACCESS".into(),
        PeripheralDeviceType::StorageArrayController => "STORAGE_ARRAY_CONTROLLER".into(),
        PeripheralDeviceType::EnclosureServices => "ENCLOSURE_SERVICES".into(),
        PeripheralDeviceType::CdDvd => "MMC".into(),
        other => format!("{other:?}"),
    }
}
