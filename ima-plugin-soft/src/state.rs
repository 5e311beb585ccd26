//! The plugin's global state: the ownerId from `Initialize` and the installed backend.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use crate::backend::Backend;
use crate::error::PluginError;

struct State {
    owner_id: u32,
    backend: Option<Arc<dyn Backend>>,
}

static STATE: Mutex<State> = Mutex::new(State {
    owner_id: 0,
    backend: None,
});

fn lock() -> MutexGuard<'static, State> {
    // Two plain fields: a panic cannot leave them inconsistent.
    STATE.lock().unwrap_or_else(PoisonError::into_inner)
}

/// `Initialize`: remembers the ownerId and starts the engine backend
/// ([`crate::engine::start`]) unless a backend was already installed.
pub fn initialize(owner_id: u32) {
    let mut state = lock();
    state.owner_id = owner_id;
    if state.backend.is_none() {
        state.backend = Some(crate::engine::start());
    }
}

/// `Terminate`: shuts the backend down (sessions logged out, threads stopped) and drops it.
pub fn terminate() {
    // Taken out first: the shutdown runs without the state lock held.
    let backend = lock().backend.take();
    if let Some(backend) = backend {
        // Libraries call Terminate from exit handlers, after the calling thread's
        // thread-locals are gone (tokio's runtime context among them): shut the backend
        // down, and drop it, on a thread of its own.
        let worker = std::thread::Builder::new()
            .name("ima-terminate".into())
            .spawn(move || {
                backend.shutdown();
                drop(backend);
            });
        match worker {
            Ok(worker) => {
                if worker.join().is_err() {
                    tracing::warn!("the plugin's shutdown panicked");
                }
            }
            Err(e) => tracing::warn!(error = %e, "cannot start the shutdown thread"),
        }
    }
}

/// Installs `backend` (the real engine, or a test double) in place of the current one.
pub fn install(backend: Arc<dyn Backend>) {
    lock().backend = Some(backend);
}

/// The ownerId given to `Initialize` (0 before).
pub fn owner_id() -> u32 {
    lock().owner_id
}

/// The ownerId and the backend, or [`PluginError::NotInitialized`]. The lock is not held
/// while the backend runs.
pub(crate) fn current() -> Result<(u32, Arc<dyn Backend>), PluginError> {
    let state = lock();
    let backend = state.backend.clone().ok_or(PluginError::NotInitialized)?;
    Ok((state.owner_id, backend))
}
