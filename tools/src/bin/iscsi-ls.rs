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
    Session,
    iscsi_proto::{
        discovery::{Host, TargetAddress},
        scsi::PeripheralDeviceType,
        wire::Lun,
    },
};
use iscsi_tools::cli;

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
                return cli::usage(
                    TOOL,
                    "[-s] [-i INITIATOR-NAME] iscsi://[user%password@]host[:port]",
                );
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

async fn list(
    name: &str,
    url: &iscsi_initiator::IscsiUrl,
    show_size: bool,
) -> Result<(), cli::Failure> {
    let initiator = cli::initiator(name, url);
    let discovered_at = url.portal();
    let targets = initiator
        .discover(&discovered_at)
        .await
        .map_err(|e| cli::describe(&e))?;
    for target in targets {
        for address in &target.addresses {
            cli::out(format_args!("Target:{} Portal:{address}", target.name))?;
        }
        let portal = target.addresses.first().map_or_else(
            || discovered_at.clone(),
            |a| login_portal(a, &discovered_at),
        );
        let session = match initiator.login(&target.name, &portal).await {
            Ok(s) => s,
            Err(e) => {
                cli::out(format_args!("  (cannot log in: {})", cli::describe(&e)))?;
                continue;
            }
        };
        let listed = list_luns(&session, show_size).await;
        let _ = session.logout().await;
        listed?;
    }
    Ok(())
}

/// Where to log in to a target SendTargets reported at `address`: that portal without its
/// group tag, or, when the target names a wildcard address (0.0.0.0 or ::), its port on the
/// host we discovered through.
fn login_portal(address: &TargetAddress, discovered_at: &TargetAddress) -> TargetAddress {
    let wildcard = match &address.host {
        Host::Ipv4(a) => a.is_unspecified(),
        Host::Ipv6 { addr, .. } => addr.is_unspecified(),
        Host::Name(_) => false,
    };
    TargetAddress {
        host: if wildcard {
            discovered_at.host.clone()
        } else {
            address.host.clone()
        },
        port: address.port,
        tpgt: None,
    }
}

/// Prints the LUNs of a logged-in target, with type and (`-s`) size.
async fn list_luns(session: &Session, show_size: bool) -> Result<(), cli::Failure> {
    let report = match session.report_luns().await {
        Ok(report) => report,
        Err(e) => {
            return cli::out(format_args!(
                "  (REPORT LUNS failed: {})",
                cli::describe(&e)
            ));
        }
    };
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
        cli::out(format_args!("{line}"))?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn login_portal_drops_the_tag_and_replaces_wildcards() {
        let at: TargetAddress = "192.0.2.7:3260".parse().unwrap();
        for (reported, expected) in [
            ("10.0.0.1:3261,1", "10.0.0.1:3261"),
            ("[fe80::1%eth0]:3260,2", "[fe80::1%eth0]:3260"),
            ("san.example:3262,3", "san.example:3262"),
            ("0.0.0.0:3263,1", "192.0.2.7:3263"),
            ("[::]:3264,1", "192.0.2.7:3264"),
        ] {
            let reported: TargetAddress = reported.parse().unwrap();
            assert_eq!(login_portal(&reported, &at).to_string(), expected);
        }
    }
}
