//! `iscsi-ls`: lists the targets a portal offers (SendTargets discovery); with `-s`, logs
//! in to each and lists its LUNs with type and size. See docs/tools.md.

use std::process::ExitCode;

use clap::Parser;
use iscsi_initiator::{
    Session,
    iscsi_proto::{
        discovery::{Host, TargetAddress},
        wire::Lun,
    },
};
use iscsi_tools::{
    args::LsArgs,
    cli::{self, Failure, Status},
    scsi_text::{CapacityText, type_name},
};
use serde::Serialize;

const TOOL: &str = "iscsi-ls";

/// One target, for `--json`.
#[derive(Serialize)]
struct TargetJson {
    name: String,
    portals: Vec<String>,
    /// With `-s`: the LUNs, or why they could not be listed.
    #[serde(skip_serializing_if = "Option::is_none")]
    luns: Option<Vec<LunJson>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

#[derive(Serialize)]
struct LunJson {
    lun: String,
    device_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    capacity: Option<CapacityText>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

fn main() -> ExitCode {
    let args = LsArgs::parse();
    args.common.init_logging(args.debug.is_some_and(|d| d > 0));
    cli::run(TOOL, list(args))
}

async fn list(args: LsArgs) -> Result<(), Failure> {
    let name = args.common.initiator_name()?;
    let mut url = args.common.url(&args.url)?;
    if url.target.is_some() {
        tracing::warn!("the URL names a target; iscsi-ls lists the portal's targets");
    }
    let initiator = cli::initiator(&name, &url);
    cli::scrub(&mut url);
    let discovered_at = url.portal();
    let targets = initiator
        .discover(&discovered_at)
        .await
        .map_err(|e| Failure::context(format!("discovery at {discovered_at}"), &e))?;
    if targets.is_empty() {
        return Err(Failure::new(
            Status::NoObjects,
            format!("no targets at {discovered_at}"),
        ));
    }
    let mut json = Vec::new();
    // The first failure to log in to a target: the exit status, after every target is shown.
    let mut failed: Option<Failure> = None;
    for target in targets {
        let portals: Vec<String> = target.addresses.iter().map(ToString::to_string).collect();
        let mut entry = TargetJson {
            name: target.name.clone(),
            portals: portals.clone(),
            luns: None,
            error: None,
        };
        if !args.common.json {
            for address in &target.addresses {
                if args.url_format {
                    let portal = login_portal(address, &discovered_at);
                    cli::out(format_args!("{}", target_url(&portal, &target.name)))?;
                } else {
                    cli::out(format_args!("Target:{} Portal:{address}", target.name))?;
                }
            }
        }
        if args.show_luns {
            let portal = target.addresses.first().map_or_else(
                || discovered_at.clone(),
                |a| login_portal(a, &discovered_at),
            );
            match initiator.login(&target.name, &portal).await {
                Ok(session) => {
                    let luns = list_luns(&session, args.common.json).await;
                    let _ = session.logout().await;
                    match luns {
                        Ok(luns) => entry.luns = Some(luns),
                        Err(e) => {
                            entry.error = Some(e.to_string());
                            failed.get_or_insert(e);
                        }
                    }
                }
                Err(e) => {
                    let failure = Failure::context(format!("login to {}", target.name), &e);
                    cli::err(format_args!("{TOOL}: {failure}\n"));
                    entry.error = Some(failure.to_string());
                    failed.get_or_insert(failure);
                }
            }
        }
        json.push(entry);
    }
    if args.common.json {
        cli::out_json(&json)?;
    }
    failed.map_or(Ok(()), Err)
}

/// `iscsi://host:port/target/0`, as libiscsi's `--url` prints (LUN 0), without credentials.
fn target_url(portal: &TargetAddress, target: &str) -> String {
    format!("iscsi://{portal}/{target}/0")
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

/// Lists (and unless `quiet`, prints) the LUNs of a logged-in target with type and size.
async fn list_luns(session: &Session, quiet: bool) -> Result<Vec<LunJson>, Failure> {
    let report = session
        .report_luns()
        .await
        .map_err(|e| Failure::context("REPORT LUNS", &e))?;
    let mut luns = Vec::new();
    for reported in report.luns {
        let lun = Lun(reported.0);
        let index = lun
            .index()
            .map_or_else(|| format!("{:02x?}", reported.0), |i| i.to_string());
        let mut entry = LunJson {
            lun: index.clone(),
            device_type: None,
            capacity: None,
            error: None,
        };
        match session.inquiry(lun).await {
            Ok(inq) => entry.device_type = Some(type_name(inq.device_type)),
            Err(e) => entry.error = Some(cli::describe(&e)),
        }
        if entry.device_type.as_deref() == Some("DIRECT_ACCESS") {
            match session.read_capacity(lun).await {
                Ok(cap) => entry.capacity = Some(CapacityText::from(&cap)),
                Err(e) => entry.error = Some(cli::describe(&e)),
            }
        }
        if !quiet {
            let kind = entry
                .device_type
                .clone()
                .unwrap_or_else(|| format!("?({})", entry.error.as_deref().unwrap_or("")));
            let mut line = format!("Lun:{index:<4} Type:{kind}");
            if let Some(cap) = &entry.capacity {
                line.push_str(&format!(" (Size:{})", cli::format_size(cap.bytes)));
            }
            cli::out(format_args!("{line}"))?;
        }
        luns.push(entry);
    }
    Ok(luns)
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
