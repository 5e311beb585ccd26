//! `iscsi-swp`: shows the software write protect (SWP) bit of a LUN's Control mode page
//! (SPC-4, Control mode page 0x0A, byte 4 bit 3) and with `-s on|off` sets or clears it
//! with MODE SELECT (10). Output as libiscsi's: `SWP:0`, then `Turning SWP ON`.

use std::process::ExitCode;

use bytes::Bytes;
use clap::Parser;
use iscsi_initiator::{
    Session,
    iscsi_proto::{
        scsi::{Command, DataDirection, ModeParameters, PageControl, mode_sense10},
        wire::Lun,
    },
};
use iscsi_tools::{
    args::{OnOff, SwpArgs},
    cli::{self, Failure, Status},
};
use serde::Serialize;

const TOOL: &str = "iscsi-swp";

/// The Control mode page.
const CONTROL_PAGE: u8 = 0x0a;
/// SWP: byte 4 of the Control mode page, bit 3.
const SWP_BYTE: usize = 4;
const SWP_BIT: u8 = 0x08;

#[derive(Serialize)]
struct Output {
    swp: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    set_to: Option<bool>,
}

fn main() -> ExitCode {
    let args = SwpArgs::parse();
    args.common.init_logging(args.debug.is_some_and(|d| d > 0));
    cli::run(TOOL, swp(args))
}

async fn swp(args: SwpArgs) -> Result<(), Failure> {
    let name = args.common.initiator_name()?;
    let mut url = args.common.url(&args.url)?;
    let lun = cli::lun(&url)?;
    let session = cli::login(&name, &mut url).await?;
    let result = show_and_set(&session, lun, &args).await;
    let _ = session.logout().await;
    result
}

async fn show_and_set(session: &Session, lun: Lun, args: &SwpArgs) -> Result<(), Failure> {
    let page = control_page(session, lun).await?;
    let swp = page.get(SWP_BYTE).is_some_and(|b| b & SWP_BIT != 0);
    let set_to = args.swp.map(|s| s == OnOff::On);
    if args.common.json {
        cli::out_json(&Output { swp, set_to })?;
    } else {
        cli::out(format_args!("SWP:{}", u8::from(swp)))?;
        if let Some(on) = set_to {
            cli::out(format_args!(
                "Turning SWP {}",
                if on { "ON" } else { "OFF" }
            ))?;
        }
    }
    let Some(on) = set_to else {
        return Ok(());
    };
    let mut page = page;
    // Mode page for MODE SELECT: PS (byte 0 bit 7) is reserved and must be zero.
    if let Some(first) = page.first_mut() {
        *first &= 0x7f;
    }
    if let Some(byte) = page.get_mut(SWP_BYTE) {
        if on {
            *byte |= SWP_BIT;
        } else {
            *byte &= !SWP_BIT;
        }
    }
    // An 8-byte mode parameter header (10), no block descriptors, then the page.
    let mut data = vec![0u8; 8];
    data.extend_from_slice(&page);
    let len = u16::try_from(data.len())
        .map_err(|_| Failure::from("the Control mode page is too long"))?;
    let [hi, lo] = len.to_be_bytes();
    // MODE SELECT (10): opcode 0x55, PF set (SPC page format), parameter list length.
    let cdb = [0x55, 0x10, 0, 0, 0, 0, 0, hi, lo, 0];
    let command = Command::raw(&cdb, DataDirection::Write(u32::from(len)))
        .map_err(|e| format!("MODE SELECT: {e}"))?;
    session
        .run(lun, &command, Bytes::from(data))
        .await
        .map_err(|e| Failure::context("MODE SELECT", &e))?;
    Ok(())
}

/// The current Control mode page, header included.
async fn control_page(session: &Session, lun: Lun) -> Result<Vec<u8>, Failure> {
    let command = mode_sense10(PageControl::Current, CONTROL_PAGE, 0, true, false, 255)
        .map_err(|e| format!("MODE SENSE: {e}"))?;
    let data = session
        .run(lun, &command, Bytes::new())
        .await
        .map_err(|e| Failure::context("MODE SENSE (10)", &e))?
        .data;
    let params = ModeParameters::decode10(&data)
        .map_err(|e| format!("cannot decode MODE SENSE data: {e}"))?;
    let page = params
        .page(CONTROL_PAGE, 0)
        .ok_or_else(|| Failure::new(Status::NoObjects, "the LU has no Control mode page"))?;
    // Rebuild the page as sent: PAGE CODE, PAGE LENGTH, then the parameters.
    let len = u8::try_from(page.data.len())
        .map_err(|_| Failure::from("the Control mode page is too long"))?;
    let mut raw = vec![CONTROL_PAGE, len];
    raw.extend_from_slice(&page.data);
    Ok(raw)
}
