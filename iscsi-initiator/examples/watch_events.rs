//! Logs in and prints the session's events (connection lost, reinstated, async events,
//! unit attentions) and a statistics line every few seconds, until the session ends or
//! `SECONDS` pass.
//!
//! `cargo run -p iscsi-initiator --example watch_events -- PORTAL TARGET [SECONDS]`

use std::time::Duration;

use iscsi_initiator::{Error, Initiator, InitiatorConfig, Portal, SessionEvent};
use tokio::sync::broadcast::error::RecvError;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [portal, target, rest @ ..] = args.as_slice() else {
        return Err(Error::Invalid(
            "usage: watch_events PORTAL TARGET [SECONDS]".into(),
        ));
    };
    let portal: Portal = portal
        .parse()
        .map_err(|e| Error::Invalid(format!("portal: {e}")))?;
    let seconds = rest.first().map_or(Ok(60), |s| {
        s.parse::<u64>()
            .map_err(|e| Error::Invalid(format!("SECONDS: {e}")))
    })?;
    let initiator = Initiator::new(InitiatorConfig::new("iqn.2026-12.example:watch"));
    let session = initiator.login(target, &portal).await?;
    let mut events = session.events();
    let end = tokio::time::Instant::now() + Duration::from_secs(seconds);
    let mut tick = tokio::time::interval(Duration::from_secs(5));
    loop {
        tokio::select! {
            event = events.recv() => match event {
                Ok(SessionEvent::Closed { cause }) => {
                    println!("closed: {cause:?}");
                    return Ok(());
                }
                Ok(event) => println!("{event:?}"),
                Err(RecvError::Lagged(n)) => println!("({n} events missed)"),
                Err(RecvError::Closed) => return Ok(()),
            },
            _ = tick.tick() => {
                let s = session.stats();
                println!(
                    "{:?}: {} commands, {} reconnects, mean latency {:?}",
                    session.snapshot().phase, s.commands.completed, s.reconnects, s.latency.mean()
                );
            }
            () = tokio::time::sleep_until(end) => break,
        }
    }
    session.shutdown().await
}
