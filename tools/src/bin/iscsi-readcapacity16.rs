//! `iscsi-readcapacity16`: READ CAPACITY (16) of a LUN, printed in libiscsi's format
//! (`-s`: the size in bytes only). See docs/tools.md.

use std::process::ExitCode;

use bytes::Bytes;
use clap::Parser;
use iscsi_initiator::iscsi_proto::scsi::{ReadCapacity16, read_capacity16};
use iscsi_tools::{
    args::ReadCapacity16Args,
    cli::{self, Failure},
    scsi_text::ReadCapacity16Text,
};

const TOOL: &str = "iscsi-readcapacity16";

fn main() -> ExitCode {
    let args = ReadCapacity16Args::parse();
    args.common.init_logging(args.debug.is_some_and(|d| d > 0));
    cli::run(TOOL, read(args))
}

async fn read(args: ReadCapacity16Args) -> Result<(), Failure> {
    let name = args.common.initiator_name()?;
    let mut url = args.common.url(&args.url)?;
    let lun = cli::lun(&url)?;
    let session = cli::login(&name, &mut url).await?;
    let result = session.run(lun, &read_capacity16(), Bytes::new()).await;
    let _ = session.logout().await;
    let data = result
        .map_err(|e| Failure::context("READ CAPACITY (16)", &e))?
        .data;
    let rc = ReadCapacity16::decode(&data)
        .map_err(|e| format!("cannot decode READ CAPACITY (16) data: {e}"))?;
    let text = ReadCapacity16Text {
        returned_lba: rc.returned_lba,
        block_length: rc.block_length,
        p_type: rc.protection_type,
        prot_en: rc.protection_enabled,
        p_i_exponent: rc.p_i_exponent,
        lbppbe: rc.logical_per_physical_exponent,
        lbpme: rc.lbpme,
        lbprz: rc.lbprz,
        lowest_aligned_lba: rc.lowest_aligned_lba,
        total_size: rc.size_bytes(),
    };
    if args.common.json {
        return cli::out_json(&text);
    }
    // libiscsi prints the size as (last LBA + 1) * block length.
    let size = text
        .total_size
        .map_or_else(|| "overflow".to_owned(), |s| s.to_string());
    if args.size_only {
        return cli::out(format_args!("{size}"));
    }
    let b = u8::from;
    cli::out(format_args!(
        "RETURNED LOGICAL BLOCK ADDRESS:{}",
        text.returned_lba
    ))?;
    cli::out(format_args!(
        "LOGICAL BLOCK LENGTH IN BYTES:{}",
        text.block_length
    ))?;
    cli::out(format_args!(
        "P_TYPE:{} PROT_EN:{}",
        text.p_type,
        b(text.prot_en)
    ))?;
    cli::out(format_args!(
        "P_I_EXPONENT:{} LOGICAL BLOCKS PER PHYSICAL BLOCK EXPONENT:{}",
        text.p_i_exponent, text.lbppbe
    ))?;
    cli::out(format_args!(
        "LBPME:{} LBPRZ:{}",
        b(text.lbpme),
        b(text.lbprz)
    ))?;
    cli::out(format_args!(
        "LOWEST ALIGNED LOGICAL BLOCK ADDRESS:{}",
        text.lowest_aligned_lba
    ))?;
    cli::out(format_args!("Total size:{size}"))
}
