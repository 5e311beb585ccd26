//! Writes a pattern to the start of a LU, reads it back and compares.
//!
//! `cargo run -p iscsi-initiator --example read_write -- PORTAL TARGET [LUN]`. It
//! overwrites the first 64 KiB of the LU.

use bytes::Bytes;
use iscsi_initiator::{Error, Initiator, InitiatorConfig, Portal, iscsi_proto::wire::Lun};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [portal, target, rest @ ..] = args.as_slice() else {
        return Err(Error::Invalid(
            "usage: read_write PORTAL TARGET [LUN]".into(),
        ));
    };
    let portal: Portal = portal
        .parse()
        .map_err(|e| Error::Invalid(format!("portal: {e}")))?;
    let index = rest.first().map_or(Ok(0), |l| {
        l.parse::<u16>()
            .map_err(|e| Error::Invalid(format!("LUN: {e}")))
    })?;
    let lun = Lun::from_index(index).ok_or_else(|| Error::Invalid("LUN out of range".into()))?;
    let initiator = Initiator::new(InitiatorConfig::new("iqn.2026-12.example:read-write"));
    let session = initiator.login(target, &portal).await?;
    let capacity = session.read_capacity(lun).await?;
    let len = 64 * 1024 - (64 * 1024 % capacity.block_size as usize);
    let data: Bytes = (0..len)
        .map(|i| (i % 251) as u8)
        .collect::<Vec<u8>>()
        .into();
    // Returns only when the target acknowledged every byte (Error::Incomplete otherwise).
    session
        .write_blocks(lun, 0, data.clone(), capacity.block_size)
        .await?;
    let blocks = u32::try_from(len / capacity.block_size as usize)
        .map_err(|_| Error::Invalid("block size".into()))?;
    let back = session
        .read_blocks(lun, 0, blocks, capacity.block_size)
        .await?;
    println!(
        "{} bytes written and read back: {}",
        len,
        if back == data {
            "identical"
        } else {
            "DIFFERENT"
        }
    );
    println!("{:?}", session.stats());
    session.shutdown().await
}
