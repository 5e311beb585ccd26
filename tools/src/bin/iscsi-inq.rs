//! `iscsi-inq`: prints INQUIRY data of a LUN, standard or a VPD page.
//!
//! ```text
//! iscsi-inq [-e 1 -c PAGE] [-i INITIATOR-NAME] iscsi://[user%password@]host[:port]/target/lun
//! ```
//!
//! Without `-e`, the standard INQUIRY and the supported VPD pages are shown; `-e 1 -c 0x80`
//! shows one page (0x00, 0x80, 0x83, 0xb0 and 0xb1 are decoded, others dumped in hex).

use std::process::ExitCode;

use iscsi_initiator::iscsi_proto::{
    scsi::{
        BlockDeviceCharacteristics, BlockLimits, DeviceIdentification, SupportedVpdPages,
        UnitSerialNumber, VpdPage,
    },
    wire::Lun,
};
use iscsi_tools::cli;

const TOOL: &str = "iscsi-inq";

fn main() -> ExitCode {
    cli::init_logging();
    let mut name = cli::default_initiator_name(TOOL);
    let mut page: Option<u8> = None;
    let mut url = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "-e" | "--evpd" => {
                let _ = args.next();
            }
            "-c" | "--pagecode" => {
                let Some(v) = args.next() else {
                    return cli::fail(TOOL, "-c needs a page code");
                };
                let parsed = match v.strip_prefix("0x") {
                    Some(hex) => u8::from_str_radix(hex, 16),
                    None => v.parse(),
                };
                match parsed {
                    Ok(p) => page = Some(p),
                    Err(_) => return cli::fail(TOOL, &format!("bad page code {v:?}")),
                }
            }
            "-i" | "--initiator-name" => match args.next() {
                Some(n) => name = n,
                None => return cli::fail(TOOL, "-i needs a name"),
            },
            "-h" | "--help" => {
                return cli::usage(
                    TOOL,
                    "[-e 1 -c PAGE] [-i INITIATOR-NAME] iscsi://host[:port]/target/lun",
                );
            }
            other if other.starts_with('-') => {
                return cli::fail(TOOL, &format!("unknown option {other}"));
            }
            other => url = Some(other.to_owned()),
        }
    }
    let Some(url) = url else {
        return cli::fail(TOOL, "missing URL (iscsi://host/target/lun)");
    };
    cli::run(TOOL, async move {
        let url = cli::parse_url(&url)?;
        inquire(&name, &url, page).await
    })
}

async fn inquire(
    name: &str,
    url: &iscsi_initiator::IscsiUrl,
    page: Option<u8>,
) -> Result<(), cli::Failure> {
    let lun = cli::lun(url)?;
    let initiator = cli::initiator(name, url);
    let session = initiator
        .login_url(url)
        .await
        .map_err(|e| cli::describe(&e))?;
    let result = show(&session, lun, page).await;
    let _ = session.logout().await;
    result
}

async fn show(
    session: &iscsi_initiator::Session,
    lun: Lun,
    page: Option<u8>,
) -> Result<(), cli::Failure> {
    let describe = |e: iscsi_initiator::Error| cli::describe(&e);
    match page {
        None => {
            let inq = session.inquiry(lun).await.map_err(describe)?;
            // SPC: peripheral qualifier 011b means no device can exist at this LUN.
            if inq.peripheral_qualifier == 3 {
                return Err("no such LUN (peripheral qualifier 3: not connected)".into());
            }
            cli::out(format_args!(
                "Peripheral Qualifier:{}",
                inq.peripheral_qualifier
            ))?;
            cli::out(format_args!("Peripheral Device Type:{:?}", inq.device_type))?;
            cli::out(format_args!("Removable:{}", u8::from(inq.removable)))?;
            cli::out(format_args!("Version:{}", inq.version))?;
            cli::out(format_args!(
                "Response Data Format:{}",
                inq.response_data_format
            ))?;
            cli::out(format_args!("Vendor:{}", inq.vendor))?;
            cli::out(format_args!("Product:{}", inq.product))?;
            cli::out(format_args!("Revision:{}", inq.revision))?;
            if let Ok(raw) = session.inquiry_vpd(lun, VpdPage::SupportedPages).await {
                if let Ok(pages) = SupportedVpdPages::decode(&raw) {
                    let list: Vec<String> = pages
                        .pages
                        .iter()
                        .map(|p| format!("{:#04x}", u8::from(*p)))
                        .collect();
                    cli::out(format_args!("Supported VPD pages:{}", list.join(",")))?;
                }
            }
        }
        Some(code) => {
            let page = VpdPage::from(code);
            let raw = session.inquiry_vpd(lun, page).await.map_err(describe)?;
            let text = match page {
                VpdPage::SupportedPages => {
                    SupportedVpdPages::decode(&raw).map(|p| format!("{p:#?}"))
                }
                VpdPage::UnitSerialNumber => UnitSerialNumber::decode(&raw)
                    .map(|p| format!("Unit Serial Number:{}", p.serial)),
                VpdPage::DeviceIdentification => {
                    DeviceIdentification::decode(&raw).map(|p| format!("{p:#?}"))
                }
                VpdPage::BlockLimits => BlockLimits::decode(&raw).map(|p| format!("{p:#?}")),
                VpdPage::BlockDeviceCharacteristics => {
                    BlockDeviceCharacteristics::decode(&raw).map(|p| format!("{p:#?}"))
                }
                _ => Ok(raw
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect::<Vec<_>>()
                    .join(" ")),
            };
            let text = text.map_err(|e| format!("cannot decode page {code:#04x}: {e}"))?;
            cli::out(format_args!("{text}"))?;
        }
    }
    Ok(())
}
