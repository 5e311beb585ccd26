//! The plugin's global state: the ownerId from `Initialize` and the installed backend.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use crate::backend::Backend;
use crate::error::PluginError;
use crate::null::NullBackend;

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

/// `Initialize`: remembers the ownerId and installs the [`NullBackend`] unless a backend was
/// already installed.
pub fn initialize(owner_id: u32) {
    let mut state = lock();
    state.owner_id = owner_id;
    if state.backend.is_none() {
        state.backend = Some(Arc::new(NullBackend));
    }
}

/// `Terminate`: drops the backend.
pub fn terminate() {
    lock().backend = None;
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
