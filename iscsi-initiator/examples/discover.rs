//! Lists the targets a portal offers (SendTargets) and their portals.
//!
//! `cargo run -p iscsi-initiator --example discover -- 127.0.0.1:3260`

use iscsi_initiator::{Error, Initiator, InitiatorConfig, Portal};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    let portal: Portal = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:3260".into())
        .parse()
        .map_err(|e| Error::Invalid(format!("portal: {e}")))?;
    let initiator = Initiator::new(InitiatorConfig::new("iqn.2026-12.example:discover"));
    for target in initiator.discover(&portal).await? {
        println!("{}", target.name);
        for address in &target.addresses {
            println!("    {address}");
        }
    }
    Ok(())
}
