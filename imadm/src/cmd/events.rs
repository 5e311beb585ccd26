//! `events watch`: registers both IMA callbacks and prints each event from the main
//! thread. The callbacks run on the plugin's event thread; they only send the event down
//! a channel.

use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use ima_abi::{ImaBool, Oid};
use serde::Serialize;

use super::{Ctx, Result};
use crate::cli::EventsVerb;
use crate::error::Error;
use crate::out::print_text;
use crate::view::{OidView, yes};

/// One event.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct EventView {
    /// `visibility` or `property`.
    pub event: &'static str,
    /// For visibility events: whether the object appeared (`true`) or went.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub visible: Option<bool>,
    /// The object.
    pub object: OidView,
}

impl std::fmt::Display for EventView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.visible {
            Some(true) => write!(f, "visible {}", self.object),
            Some(false) => write!(f, "gone {}", self.object),
            None => write!(f, "changed {}", self.object),
        }
    }
}

/// Where the callbacks send events (one watcher per process).
static SINK: Mutex<Option<Sender<EventView>>> = Mutex::new(None);

fn send(event: EventView) {
    let sink = SINK.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(tx) = sink.as_ref() {
        // A watcher that stopped listening is not an error.
        let _ = tx.send(event);
    }
}

extern "C" fn on_visibility(becoming_visible: ImaBool, oid: Oid) {
    send(EventView {
        event: "visibility",
        visible: Some(yes(becoming_visible)),
        object: oid.into(),
    });
}

extern "C" fn on_property(oid: Oid) {
    send(EventView {
        event: "property",
        visible: None,
        object: oid.into(),
    });
}

/// Registers both callbacks; events arrive on the returned receiver.
pub fn subscribe(ctx: &Ctx) -> Result<Receiver<EventView>> {
    let (tx, rx) = mpsc::channel();
    *SINK.lock().unwrap_or_else(PoisonError::into_inner) = Some(tx);
    ctx.ima.register_callbacks(on_visibility, on_property)?;
    Ok(rx)
}

/// Runs an events verb.
pub fn run(ctx: &Ctx, verb: EventsVerb) -> Result<()> {
    let EventsVerb::Watch { count, timeout } = verb;
    let deadline = match timeout {
        Some(t) if t.is_finite() && t >= 0.0 => Some(Instant::now() + Duration::from_secs_f64(t)),
        Some(t) => return Err(Error::Invalid(format!("--timeout {t}: not a duration"))),
        None => None,
    };
    crate::ffi::catch_sigint();
    let rx = subscribe(ctx)?;
    ctx.out.note("watching IMA events (Ctrl-C to stop)");
    let mut seen = 0u64;
    while count.is_none_or(|c| seen < c) && !crate::ffi::interrupted() {
        if deadline.is_some_and(|d| Instant::now() >= d) {
            break;
        }
        match rx.recv_timeout(Duration::from_millis(100)) {
            Ok(event) => {
                seen += 1;
                if ctx.out.json {
                    let line = serde_json::to_string(&event).unwrap_or_default();
                    print_text(&format!("{line}\n"));
                } else {
                    print_text(&format!("{event}\n"));
                }
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => break,
        }
    }
    Ok(())
}
