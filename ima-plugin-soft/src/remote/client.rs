//! [`RemoteBackend`]: the [`Backend`] of a process whose plugin uses `iscsi-hbad`.
//!
//! One connection carries the calls (one at a time, under a lock: the IMA library
//! serialises calls into a plugin anyway); a second one, on the plugin's event thread,
//! carries the daemon's events to the registered callbacks. A call whose connection broke
//! (the daemon restarted) is sent once more on a new connection. `Terminate` closes both
//! connections; the daemon, its engine and its sessions go on.

use std::{
    os::unix::net::UnixStream,
    path::{Path, PathBuf},
    sync::{
        Arc, Mutex, PoisonError,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    thread::JoinHandle,
    time::{Duration, Instant},
};

use serde::de::DeserializeOwned;

use crate::backend::Event;
use crate::error::PluginError;

use super::{Call, ClientFrame, FrameError, Hello, ServerFrame, read_frame, write_frame};

/// How long a call waits for the daemon: the engine's own bound (60 s) and a margin.
const CALL_TIMEOUT: Duration = Duration::from_secs(75);
/// How long the greeting may take.
const HELLO_TIMEOUT: Duration = Duration::from_secs(5);
/// How long `Terminate` waits for the event thread.
const EVENT_THREAD_GRACE: Duration = Duration::from_secs(2);

/// Opens a connection and greets the daemon.
///
/// # Errors
///
/// The reason, as text: no daemon listening, refused (not allowed, another protocol
/// version), or no answer.
pub fn connect(path: &Path) -> Result<UnixStream, String> {
    let mut stream = UnixStream::connect(path)
        .map_err(|e| format!("cannot connect to {}: {e}", path.display()))?;
    stream
        .set_read_timeout(Some(HELLO_TIMEOUT))
        .and_then(|()| stream.set_write_timeout(Some(HELLO_TIMEOUT)))
        .map_err(|e| format!("socket: {e}"))?;
    // A daemon that refuses us says why before closing: read its answer even when our
    // greeting could not be written whole.
    let wrote = write_frame(
        &mut stream,
        &ClientFrame::Hello(Hello::ours("ima-plugin-soft")),
    );
    match read_frame::<ServerFrame>(&mut stream) {
        Ok(ServerFrame::Hello(h)) if h.version == super::PROTOCOL_VERSION => {
            tracing::debug!(daemon = %h.software, "connected to the daemon");
        }
        Ok(ServerFrame::Hello(h)) => {
            return Err(format!(
                "{} speaks protocol {}, we speak {}",
                h.software,
                h.version,
                super::PROTOCOL_VERSION
            ));
        }
        Ok(ServerFrame::Error(e)) => return Err(format!("the daemon refused: {}", e.message)),
        Ok(other) => return Err(format!("unexpected answer to the greeting: {other:?}")),
        Err(e) => {
            return Err(match wrote {
                Err(w) => format!("greeting {}: {w}", path.display()),
                Ok(()) => format!("no greeting from {}: {e}", path.display()),
            });
        }
    }
    stream
        .set_read_timeout(Some(CALL_TIMEOUT))
        .and_then(|()| stream.set_write_timeout(Some(CALL_TIMEOUT)))
        .map_err(|e| format!("socket: {e}"))?;
    Ok(stream)
}

/// The backend of a process whose plugin uses the daemon.
pub struct RemoteBackend {
    path: PathBuf,
    /// The call connection (`None` after a failure, until the next call reconnects).
    calls: Mutex<Option<UnixStream>>,
    next_id: AtomicU64,
    /// Set at `Terminate`.
    stopped: Arc<AtomicBool>,
    /// The event connection, to be shut down at `Terminate`.
    events: Arc<Mutex<Option<UnixStream>>>,
    event_thread: Mutex<Option<JoinHandle<()>>>,
}

impl RemoteBackend {
    /// Connects to the daemon at `path` and starts the event thread, which hands events
    /// to `deliver`.
    ///
    /// # Errors
    ///
    /// As [`connect`]; a thread that cannot start.
    pub fn start(path: PathBuf, deliver: fn(Event)) -> Result<Self, String> {
        let calls = connect(&path)?;
        let stopped = Arc::new(AtomicBool::new(false));
        let events = Arc::new(Mutex::new(None));
        let (first, first_done) = std::sync::mpsc::sync_channel(1);
        let thread = {
            let (path, stopped, events) = (path.clone(), Arc::clone(&stopped), Arc::clone(&events));
            std::thread::Builder::new()
                .name("iscsi-hba-events".into())
                .spawn(move || event_loop(&path, &stopped, &events, deliver, first))
                .map_err(|e| format!("cannot start the event thread: {e}"))?
        };
        // Events that follow Initialize must reach the callbacks registered after it: wait
        // (bounded) until the daemon has acknowledged the first subscription, or the first
        // attempt failed (then events come from the next attempt, a second later).
        let _ = first_done.recv_timeout(FIRST_SUBSCRIPTION);
        Ok(Self {
            path,
            calls: Mutex::new(Some(calls)),
            next_id: AtomicU64::new(1),
            stopped,
            events,
            event_thread: Mutex::new(Some(thread)),
        })
    }

    /// Sends `call` and decodes the answer; a broken connection is replaced once.
    fn call<T: DeserializeOwned>(&self, call: Call) -> crate::backend::Result<T> {
        let name = call.name();
        let mut conn = self.calls.lock().unwrap_or_else(PoisonError::into_inner);
        let frame = ClientFrame::Call {
            id: self.next_id.fetch_add(1, Ordering::Relaxed),
            call,
        };
        let mut attempts = 0;
        let reply = loop {
            attempts += 1;
            if conn.is_none() {
                *conn = Some(connect(&self.path).map_err(PluginError::Engine)?);
            }
            let Some(stream) = conn.as_mut() else {
                continue;
            };
            match exchange(stream, &frame) {
                Ok(reply) => break reply,
                // Nothing was answered: the daemon may have restarted. Try a new connection
                // once; a call the old daemon had already run (a change) is then run again,
                // which every change tolerates (setting a value twice is setting it).
                Err(e) if attempts == 1 && matches!(e, FrameError::Closed | FrameError::Io(_)) => {
                    tracing::debug!(call = name, error = %e, "daemon connection lost; reconnecting");
                    *conn = None;
                }
                Err(e) => {
                    *conn = None;
                    return Err(PluginError::Engine(format!("daemon call {name}: {e}")));
                }
            }
        };
        let ClientFrame::Call { id, .. } = frame else {
            return Err(PluginError::Engine("internal: not a call".into()));
        };
        match reply {
            ServerFrame::Reply { id: got, result } if got == id => match result {
                Ok(value) => serde_json::from_value(value).map_err(|e| {
                    PluginError::Engine(format!("daemon answer to {name} does not decode: {e}"))
                }),
                Err(e) => {
                    tracing::debug!(call = name, status = e.status, message = %e.message, "daemon call failed");
                    Err(PluginError::from(e))
                }
            },
            ServerFrame::Error(e) => {
                *conn = None;
                Err(PluginError::Engine(format!("daemon: {}", e.message)))
            }
            other => {
                *conn = None;
                Err(PluginError::Engine(format!(
                    "daemon answered {name} with {other:?}"
                )))
            }
        }
    }
}

/// One request and its answer.
fn exchange(stream: &mut UnixStream, frame: &ClientFrame) -> Result<ServerFrame, FrameError> {
    write_frame(stream, frame)?;
    read_frame(stream)
}

/// How long [`RemoteClient::start`] waits for the daemon to acknowledge the first
/// subscription (the daemon answers at once; this bounds a daemon that does not).
const FIRST_SUBSCRIPTION: Duration = Duration::from_secs(5);

/// The event thread: subscribes, hands every event to `deliver`, and subscribes again
/// (after a second) when the daemon goes away, until `Terminate`. `first` hears once that
/// the first attempt ended: acknowledged by the daemon, or failed.
fn event_loop(
    path: &Path,
    stopped: &AtomicBool,
    slot: &Mutex<Option<UnixStream>>,
    deliver: fn(Event),
    first: std::sync::mpsc::SyncSender<()>,
) {
    let mut first = Some(first);
    while !stopped.load(Ordering::Acquire) {
        let subscribed = connect(path).and_then(|mut s| {
            // The acknowledgement comes at once (connect's read timeout still applies);
            // after it, events may be far apart: no read timeout.
            write_frame(&mut s, &ClientFrame::Subscribe).map_err(|e| e.to_string())?;
            match read_frame::<ServerFrame>(&mut s) {
                Ok(ServerFrame::Subscribed) => {}
                Ok(other) => return Err(format!("daemon answered Subscribe with {other:?}")),
                Err(e) => return Err(format!("no answer to Subscribe: {e}")),
            }
            s.set_read_timeout(None).map_err(|e| e.to_string())?;
            let reader = s.try_clone().map_err(|e| e.to_string())?;
            *slot.lock().unwrap_or_else(PoisonError::into_inner) = Some(s);
            Ok(reader)
        });
        if let Some(first) = first.take() {
            // The receiver may have stopped waiting: nothing to tell then.
            let _ = first.try_send(());
        }
        match subscribed {
            Ok(mut reader) => loop {
                match read_frame::<ServerFrame>(&mut reader) {
                    Ok(ServerFrame::Event(event)) => deliver(event),
                    Ok(other) => {
                        tracing::warn!(?other, "unexpected frame on the event connection");
                        break;
                    }
                    Err(e) => {
                        if !stopped.load(Ordering::Acquire) {
                            tracing::warn!(error = %e, "daemon event connection lost");
                        }
                        break;
                    }
                }
            },
            Err(e) => tracing::debug!(error = %e, "cannot subscribe to the daemon's events"),
        }
        // Wait a second before subscribing again, waking early at Terminate.
        let until = Instant::now() + Duration::from_secs(1);
        while !stopped.load(Ordering::Acquire) && Instant::now() < until {
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// The trait implementation, in a module of its own: the call list names the backend's
/// types, which the glob import brings in.
mod imp {
    use std::sync::{PoisonError, atomic::Ordering};
    use std::time::{Duration, Instant};

    #[allow(clippy::wildcard_imports)]
    use crate::backend::*;

    use super::super::Call;
    use super::super::calls::{backend_calls, define_remote_methods, remote_method, to_wire};
    use super::{EVENT_THREAD_GRACE, RemoteBackend};

    impl Backend for RemoteBackend {
        backend_calls!(define_remote_methods);

        fn exists(&self, object: ObjectRef) -> bool {
            self.call(Call::exists_call { object }).unwrap_or(false)
        }

        /// Closes the connections; the daemon and its sessions go on.
        fn shutdown(&self) {
            self.stopped.store(true, Ordering::Release);
            if let Some(s) = self
                .events
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .take()
            {
                let _ = s.shutdown(std::net::Shutdown::Both);
            }
            if let Some(s) = self
                .calls
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .take()
            {
                let _ = s.shutdown(std::net::Shutdown::Both);
            }
            let thread = self
                .event_thread
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .take();
            if let Some(thread) = thread {
                let deadline = Instant::now() + EVENT_THREAD_GRACE;
                while !thread.is_finished() && Instant::now() < deadline {
                    std::thread::sleep(Duration::from_millis(5));
                }
                if thread.is_finished() {
                    let _ = thread.join();
                } else {
                    tracing::warn!("the event thread is still in a callback; left running");
                }
            }
        }
    }
}
